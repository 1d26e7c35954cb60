// plan_reload: which keys SIGHUP applies and which wait for a restart.
#include "stoppage/reload.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace dnsstop::stoppage {
namespace {

Config running_config() {
  Config config;
  config.snapshot.path = "/var/lib/dnsstop/current.snap";
  config.stoppage.http_listen = {{"192.0.2.80", 80}};
  config.stoppage.operator_name = "Old AB";
  config.stoppage.blocked_by_url = "https://old.example/blocking";
  config.stoppage.hotline_url = "https://old.example/report";
  config.stoppage.help_url = "https://old.example/help";
  config.stoppage.check_host = "check.example";
  config.stoppage.template_dir = "/etc/dnsstop/stoppage";
  return config;
}

TEST(PlanReloadTest, TextsAndTemplatesAreApplied) {
  const Config running = running_config();
  Config reread = running;
  reread.stoppage.operator_name = "New AB";
  reread.stoppage.blocked_by_url = "https://new.example/blocking";
  reread.stoppage.hotline_url = "https://new.example/report";
  reread.stoppage.help_url = "https://new.example/help";
  reread.stoppage.default_language = "en";
  reread.stoppage.template_dir = "/srv/pages";
  const ReloadPlan plan = plan_reload(running, reread);
  EXPECT_TRUE(plan.restart_keys.empty());
  EXPECT_EQ(plan.settings.operator_name, "New AB");
  EXPECT_EQ(plan.settings.blocked_by_url, "https://new.example/blocking");
  EXPECT_EQ(plan.settings.hotline_url, "https://new.example/report");
  EXPECT_EQ(plan.settings.help_url, "https://new.example/help");
  EXPECT_EQ(plan.settings.default_language, "en");
  EXPECT_EQ(plan.settings.template_dir, "/srv/pages");
}

TEST(PlanReloadTest, SocketsLimitsAndTheCheckHostWaitForARestart) {
  const Config running = running_config();
  Config reread = running;
  reread.stoppage.http_listen = {{"192.0.2.81", 80}};
  reread.stoppage.check_host = "other.example";
  reread.stoppage.max_connections = 7;
  reread.stoppage.idle_timeout_seconds = 3;
  reread.snapshot.path = "/elsewhere.snap";
  reread.stoppage.operator_name = "New AB";
  const ReloadPlan plan = plan_reload(running, reread);
  EXPECT_EQ(plan.restart_keys, (std::vector<std::string_view>{"stoppage.http_listen", "stoppage.check_host",
                                                               "stoppage.max_connections",
                                                               "stoppage.idle_timeout_seconds", "snapshot.path"}));
  // The running values stay; the texts are still applied.
  EXPECT_EQ(plan.settings.http_listen, running.stoppage.http_listen);
  EXPECT_EQ(plan.settings.check_host, "check.example");
  EXPECT_EQ(plan.settings.max_connections, 4096u);
  EXPECT_EQ(plan.settings.operator_name, "New AB");
}

}  // namespace
}  // namespace dnsstop::stoppage
