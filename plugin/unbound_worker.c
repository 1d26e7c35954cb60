/* The pieces of the module that must be C: daemon/worker.h and util/netevent.h,
 * which hold the layout of Unbound's worker and its event base, do not compile as
 * C++ (they use enums before their definition). Any thread; each costs an address
 * computation. */
#include "config.h"

#include "daemon/worker.h"
#include "plugin/unbound_worker.h"
#include "util/netevent.h"

/* Unbound's daemon runs its workers' event loops in libevent when configured
 * --with-libevent, as Debian builds it: the worker's ub_event_base is then libevent's
 * event_base (util/ub_event.c). */
#if !defined(USE_LIBEVENT) || defined(USE_MINI_EVENT) || defined(USE_WINSOCK)
#error "the module needs an Unbound configured --with-libevent"
#endif

struct module_env* dnsstop_answering_worker_env(struct comm_reply* client) {
	/* Every client-facing comm point has the worker as its callback's argument
	 * (worker_handle_request's). */
	if(client == NULL || client->c == NULL || client->c->cb_arg == NULL)
		return NULL;
	return &((struct worker*)client->c->cb_arg)->env;
}

struct event_base* dnsstop_worker_event_base(struct module_env* worker_env) {
	if(worker_env == NULL || worker_env->worker_base == NULL)
		return NULL;
	return (struct event_base*)comm_base_internal(worker_env->worker_base);
}
