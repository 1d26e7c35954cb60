// Tests for list_policies: which action, EDE and counter each list of a snapshot
// gets under the configuration, as the module applies them when it installs it.
#include "core/list_policy.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/core/snapshot_test_support.h"

namespace dnsstop {
namespace {

using testing::TestSnapshot;

ListConfig configured(std::string name, Action action, std::uint16_t ede_code, std::string ede_text) {
  ListConfig list;
  list.name = std::move(name);
  list.action = action;
  list.ede_code = ede_code;
  list.ede_text = std::move(ede_text);
  return list;
}

TEST(ListPolicyTest, ConfiguredListsTakeTheConfigurationsActionEdeAndCounter) {
  const TestSnapshot snapshot({{"exceptions", Action::kAllow, "ok.example\n"},
                               {"police", Action::kStoppage, "bad.example\n"},
                               {"operator", Action::kNxdomain, "spam.example\n"}});
  const std::vector<ListConfig> lists = {configured("operator", Action::kNxdomain, kEdeBlocked, "Operator policy"),
                                         configured("police", Action::kStoppage, kEdeCensored, "Police order"),
                                         configured("exceptions", Action::kAllow, 0, "")};
  const ListPolicies policies = list_policies(snapshot.view(), lists);
  ASSERT_EQ(snapshot.view().list(0).name, "exceptions");
  EXPECT_EQ(policies[0], (ListPolicy{Action::kAllow, 0, "", 2}));
  EXPECT_EQ(policies[1], (ListPolicy{Action::kStoppage, kEdeCensored, "Police order", 1}));
  EXPECT_EQ(policies[2], (ListPolicy{Action::kNxdomain, kEdeBlocked, "Operator policy", 0}));
  EXPECT_EQ(policies[3], ListPolicy{});  // past the snapshot's lists: defaults
}

TEST(ListPolicyTest, TheConfigurationsActionOverridesTheCompiledOne) {
  const TestSnapshot snapshot({{"police", Action::kStoppage, "bad.example\n"}});
  const std::vector<ListConfig> lists = {configured("police", Action::kNxdomain, kEdeCensored, "")};
  const ListPolicies policies = list_policies(snapshot.view(), lists);
  EXPECT_EQ(policies[0].action, Action::kNxdomain);
  EXPECT_NE(policies[0].action, snapshot.view().list(0).action);  // what the module warns about
}

TEST(ListPolicyTest, AnUnconfiguredListKeepsItsActionWithCensoredAndTheUnconfiguredCounter) {
  const TestSnapshot snapshot({{"police", Action::kNodata, "bad.example\n"},
                               {"other", Action::kStoppage, "x.example\n"}});
  const std::vector<ListConfig> lists = {configured("other", Action::kStoppage, kEdeBlocked, "")};
  const ListPolicies policies = list_policies(snapshot.view(), lists);
  EXPECT_EQ(policies[0], (ListPolicy{Action::kNodata, kEdeCensored, "", kUnconfiguredListCounter}));
  EXPECT_EQ(policies[1], (ListPolicy{Action::kStoppage, kEdeBlocked, "", 0}));
  EXPECT_EQ(list_policies(snapshot.view(), {})[1].counter, kUnconfiguredListCounter);
}

}  // namespace
}  // namespace dnsstop
