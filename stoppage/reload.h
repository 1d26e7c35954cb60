// What SIGHUP changes in a running stop-page server (docs/stoppage.md, "Templates
// and texts"): the templates (template_dir) and the texts the pages show
// (operator_name, blocked_by_url, hotline_url, help_url, default_language). Every
// other key it reads (listen addresses, TLS files, limits, mode, check_host, the
// snapshot it watches) belongs to sockets and threads that live as long as the
// process, so a change to one takes a restart, and the reload names it.
//
// Pure; called from the main thread on SIGHUP; O(size of the configuration).
#pragma once

#include <string_view>
#include <vector>

#include "core/config.h"

namespace dnsstop::stoppage {

struct ReloadPlan {
  StoppageConfig settings;  // the running settings with the reloadable keys re-read
  std::vector<std::string_view> restart_keys;  // changed keys that wait for a restart
};

ReloadPlan plan_reload(const Config& running, const Config& reread);

}  // namespace dnsstop::stoppage
