// The six functions Unbound's dynlib module looks up in the shared object, and the
// query_response and reply_cache callbacks. They only translate to BlockingModule: no exception may
// cross into Unbound's C code.
#include <cstdlib>
#include <exception>
#include <string>

#include "core/config.h"
#include "core/module_chain.h"
#include "plugin/blocking_module.h"
#include "plugin/unbound_version_check.h"
#include "plugin/unbound_worker.h"

namespace {

using dnsstop::plugin::BlockingModule;

constexpr const char* kDefaultConfigPath = "/etc/dnsstop/dnsstop.yaml";

BlockingModule* module_of(module_env* env, int id) {
  return static_cast<BlockingModule*>(static_cast<dynlibmod_env*>(env->modinfo[id])->dyn_env);
}

int upstream_response(module_qstate* qstate, dns_msg* response, int id, void* module) {
  static_cast<BlockingModule*>(module)->on_upstream_response(qstate, response, id);
  return 1;
}

int cache_hit(query_info*, module_qstate*, reply_info*, int, edns_data*, edns_option**, comm_reply* client, regional*,
              timeval*, int, void* module) {
  if (module_env* worker_env = dnsstop_answering_worker_env(client)) {
    static_cast<BlockingModule*>(module)->on_cache_hit(worker_env);
  }
  return 1;
}

}  // namespace

#define DNSSTOP_EXPORT __attribute__((visibility("default")))

extern "C" {

DNSSTOP_EXPORT int init(module_env* env, int id) {
  // Struct offsets are only right inside the unbound this module was compiled for.
  if (const std::string wrong = dnsstop::plugin::check_running_unbound(DNSSTOP_UNBOUND_BUILD_ID); !wrong.empty()) {
    log_err("dnsstop: not starting: %s", wrong.c_str());
    return 0;
  }
  // Only in the chains it is verified in does the module see every query and every
  // answer before it is cached: in any other, Unbound would serve unfiltered answers.
  const char* module_config = env->cfg->module_conf != nullptr ? env->cfg->module_conf : "";
  if (const std::string problem = dnsstop::module_chain_problem(module_config); !problem.empty()) {
    log_err("dnsstop: not starting: %s", problem.c_str());
    return 0;
  }
  const char* configured = std::getenv("DNSSTOP_CONFIG");
  const char* path = configured != nullptr && *configured != '\0' ? configured : kDefaultConfigPath;
  auto* dynlib = static_cast<dynlibmod_env*>(env->modinfo[id]);
  BlockingModule* module = nullptr;
  try {
    module = new BlockingModule(env, dnsstop::load_config(path));
  } catch (const std::exception& error) {
    log_err("dnsstop: not starting: %s", error.what());
    return 0;
  }
  if (!dynlib->inplace_cb_register_wrapped(reinterpret_cast<void*>(&upstream_response), inplace_cb_query_response,
                                           module, env, id) ||
      !dynlib->inplace_cb_register_wrapped(reinterpret_cast<void*>(&cache_hit), inplace_cb_reply_cache, module, env,
                                           id)) {
    log_err("dnsstop: not starting: cannot register the query-response and cache-hit callbacks");
    dynlib->inplace_cb_delete_wrapped(env, inplace_cb_query_response, id);
    delete module;
    return 0;
  }
  dynlib->dyn_env = module;
  log_info("dnsstop: module started with configuration %s", path);
  return 1;
}

DNSSTOP_EXPORT void deinit(module_env* env, int id) {
  auto* dynlib = static_cast<dynlibmod_env*>(env->modinfo[id]);
  dynlib->inplace_cb_delete_wrapped(env, inplace_cb_query_response, id);
  dynlib->inplace_cb_delete_wrapped(env, inplace_cb_reply_cache, id);
  delete static_cast<BlockingModule*>(dynlib->dyn_env);
  dynlib->dyn_env = nullptr;
}

DNSSTOP_EXPORT void operate(module_qstate* qstate, module_ev event, int id, outbound_entry*) {
  try {
    module_of(qstate->env, id)->operate(qstate, event, id);
  } catch (const std::exception& error) {
    log_err("dnsstop: %s", error.what());
    qstate->ext_state[id] = module_error;
  }
}

DNSSTOP_EXPORT void inform_super(module_qstate*, int, module_qstate*) {}

DNSSTOP_EXPORT void clear(module_qstate* qstate, int id) { qstate->minfo[id] = nullptr; }

DNSSTOP_EXPORT size_t get_mem(module_env* env, int id) {
  const BlockingModule* module = module_of(env, id);
  return module != nullptr ? module->memory_bytes() : 0;
}

}  // extern "C"
