#include "stoppage/reload.h"

namespace dnsstop::stoppage {

ReloadPlan plan_reload(const Config& running, const Config& reread) {
  const StoppageConfig& before = running.stoppage;
  const StoppageConfig& after = reread.stoppage;
  ReloadPlan plan{before, {}};
  plan.settings.operator_name = after.operator_name;
  plan.settings.blocked_by_url = after.blocked_by_url;
  plan.settings.hotline_url = after.hotline_url;
  plan.settings.help_url = after.help_url;
  plan.settings.default_language = after.default_language;
  plan.settings.template_dir = after.template_dir;

  const auto note = [&](bool changed, std::string_view key) {
    if (changed) plan.restart_keys.push_back(key);
  };
  note(before.mode != after.mode, "stoppage.mode");
  note(before.http_listen != after.http_listen, "stoppage.http_listen");
  note(before.https_listen != after.https_listen, "stoppage.https_listen");
  note(before.tls_certificate != after.tls_certificate, "stoppage.tls_certificate");
  note(before.tls_key != after.tls_key, "stoppage.tls_key");
  note(before.check_host != after.check_host, "stoppage.check_host");
  note(before.max_connections != after.max_connections, "stoppage.max_connections");
  note(before.idle_timeout_seconds != after.idle_timeout_seconds, "stoppage.idle_timeout_seconds");
  note(before.connection_memory_bytes != after.connection_memory_bytes, "stoppage.connection_memory_bytes");
  note(before.threads != after.threads, "stoppage.threads");
  note(before.metrics_listen != after.metrics_listen, "stoppage.metrics_listen");
  note(running.snapshot.path != reread.snapshot.path, "snapshot.path");
  note(running.snapshot.check_interval_ms != reread.snapshot.check_interval_ms, "snapshot.check_interval_ms");
  return plan;
}

}  // namespace dnsstop::stoppage
