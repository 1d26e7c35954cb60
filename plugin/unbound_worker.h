// Access to Unbound's worker and its event loop, which only C can include
// (plugin/unbound_worker.c). Any thread; each costs an address computation.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

struct comm_reply;
struct event_base;
struct module_env;

// The environment (caches included) of the worker answering this client, or NULL.
struct module_env* dnsstop_answering_worker_env(struct comm_reply* client);
// The libevent base of the worker whose environment this is, or NULL outside a worker.
struct event_base* dnsstop_worker_event_base(struct module_env* worker_env);

#ifdef __cplusplus
}
#endif
