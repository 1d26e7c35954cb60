#include "config.h" /* first: it decides the layout of what follows */

#include <string.h>

#include "services/mesh.h"

#include "plugin/mesh_roles.h"

/* Whether a super state waits in the iterator: for a name server's address. Other
 * modules' sub-queries (dns64's A look-up for an AAAA question) feed client answers. */
static int waits_in_iterator(const struct mesh_state* super) {
  const struct module_stack* modules = &super->s.env->mesh->mods;
  const int module = super->s.curmod;
  return module >= 0 && module < modules->num && strcmp(modules->mod[module]->name, "iterator") == 0;
}

int dnsstop_is_internal_lookup(const struct module_qstate* qstate) {
  const struct mesh_state* state = (const struct mesh_state*)qstate->mesh_info;
  const struct mesh_state_ref* super;
  if (state->reply_list != NULL || state->cb_list != NULL || state->super_set.count == 0) return 0;
  RBTREE_FOR(super, struct mesh_state_ref*, (rbtree_type*)&state->super_set) {
    if (!waits_in_iterator(super->s)) return 0;
  }
  return 1;
}
