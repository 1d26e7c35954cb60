/* Who waits for a query state's answer: clients, or only other query states (the
 * iterator's look-ups of name server addresses). The module answers the first kind
 * for clients, and lets the second resolve as it would without the module.
 *
 * Written in C because Unbound's services/mesh.h does not compile as C++. Call from
 * the worker thread that runs the query state (its mesh is that worker's); O(1). */
#ifndef DNSSTOP_PLUGIN_MESH_ROLES_H
#define DNSSTOP_PLUGIN_MESH_ROLES_H

#ifdef __cplusplus
extern "C" {
#endif

struct module_qstate;

/* Whether only the iterator waits for this query state, to learn a name server's
 * address: no client reply, no callback, and every super state waits in the
 * iterator. A prefetch (no super state: its answer is stored for clients) and
 * dns64's look-up of the A records behind an AAAA question are client answers. */
int dnsstop_is_internal_lookup(const struct module_qstate* qstate);

#ifdef __cplusplus
}
#endif

#endif
