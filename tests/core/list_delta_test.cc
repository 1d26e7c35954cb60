// Canonical lists and deltas: a delta made by diff_lists turns the old list into
// the new one, byte for byte, and a delta for another list is refused.
#include "core/list_delta.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

TEST(ListDelta, CanonicalFormIsSortedUniqueContentLines) {
  EXPECT_EQ(canonical_list("# comment\n b.example \r\n\na.example\nb.example\n=c.example"),
            "=c.example\na.example\nb.example\n");
  EXPECT_EQ(canonical_list(""), "");
}

TEST(ListDelta, DiffThenApplyGivesTheNewList) {
  const std::string old_list = canonical_list("a.example\nb.example\nc.example\n");
  const std::string new_list = canonical_list("b.example\nc.example\nd.example\n0.example\n");
  const ListDelta delta = diff_lists(old_list, new_list, 1, 2);
  EXPECT_EQ(delta.removed, (std::vector<std::string>{"a.example"}));
  EXPECT_EQ(delta.added, (std::vector<std::string>{"0.example", "d.example"}));
  const ListDelta parsed = parse_delta(format_delta(delta));
  EXPECT_EQ(parsed, delta);
  EXPECT_EQ(apply_delta(old_list, parsed, sha256(new_list)), new_list);
}

TEST(ListDelta, RefusesDeltaForAnotherList) {
  const std::string old_list = canonical_list("a.example\n");
  const std::string new_list = canonical_list("b.example\n");
  const ListDelta delta = diff_lists(old_list, new_list, 1, 2);
  EXPECT_THROW(apply_delta("x.example\n", delta, sha256(new_list)), DeltaError);
  EXPECT_THROW(apply_delta(new_list, diff_lists("", new_list, 1, 2), sha256(new_list)), DeltaError);
  EXPECT_THROW(apply_delta(old_list, delta, sha256("something else")), DeltaError);
}

TEST(ListDelta, MalformedDeltasAreRejected) {
  EXPECT_THROW(parse_delta("dnsstop-delta 1\nfrom 1\nto 2\n*x\n"), DeltaError);
  EXPECT_THROW(parse_delta("dnsstop-delta 1\nfrom 01\nto 2\n"), DeltaError);
  EXPECT_THROW(parse_delta("dnsstop-delta 1\nfrom 1\nto 2\n+b\n+a\n"), DeltaError);
  EXPECT_THROW(parse_delta("dnsstop-delta 1\nfrom 1\nto 2\n+ a\n"), DeltaError);
  EXPECT_THROW(parse_delta("dnsstop-delta 1\nfrom 1\nto 2\n+a"), DeltaError);
  EXPECT_EQ(parse_delta("dnsstop-delta 1\nfrom 1\nto 2\n").to_serial, 2u);
}

}  // namespace
}  // namespace dnsstop
