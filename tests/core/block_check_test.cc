// Tests for judge_check_answers: what `dnsstop check` concludes from a resolver's
// answers to A and AAAA for the consumer check name.
#include "core/block_check.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace dnsstop {
namespace {

AnswerConfig stop_page() {
  AnswerConfig answers;
  answers.stoppage_ipv4 = {{192, 0, 2, 80}};
  answers.stoppage_ipv6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}};
  return answers;
}

ResolverAnswer addresses(std::vector<std::string> list, std::optional<std::uint16_t> ede = std::nullopt) {
  return {true, std::move(list), ede};
}

const ResolverAnswer kEmpty{true, {}, std::nullopt};
const ResolverAnswer kSilent{};

TEST(BlockCheckTest, StopPageAddressesBlock) {
  EXPECT_EQ(judge_check_answers(addresses({"192.0.2.80"}), addresses({"2001:db8::80"}), stop_page()),
            CheckFinding::kBlocks);
  EXPECT_EQ(judge_check_answers(addresses({"192.0.2.80"}), kEmpty, stop_page()), CheckFinding::kBlocks);
}

TEST(BlockCheckTest, ABlockingEdeBlocksWhateverTheAddresses) {
  for (const std::uint16_t code : std::initializer_list<std::uint16_t>{15, 16, 17, 18}) {
    EXPECT_EQ(judge_check_answers(addresses({}, code), kEmpty, {}), CheckFinding::kBlocks) << code;
    EXPECT_EQ(judge_check_answers(kEmpty, addresses({"198.51.100.1"}, code), {}), CheckFinding::kBlocks) << code;
  }
}

TEST(BlockCheckTest, OtherAddressesDoNotBlock) {
  EXPECT_EQ(judge_check_answers(addresses({"198.51.100.1"}), kEmpty, stop_page()), CheckFinding::kResolves);
  // One real address among stop-page ones is a resolver that does not block.
  EXPECT_EQ(judge_check_answers(addresses({"192.0.2.80", "198.51.100.1"}), kEmpty, stop_page()),
            CheckFinding::kResolves);
  // Without a configuration, a stop-page address cannot be recognised.
  EXPECT_EQ(judge_check_answers(addresses({"192.0.2.80"}), kEmpty, {}), CheckFinding::kResolves);
  // An EDE that is no policy's (3: Stale Answer) explains nothing.
  EXPECT_EQ(judge_check_answers(addresses({"198.51.100.1"}, 3), kEmpty, stop_page()), CheckFinding::kResolves);
}

TEST(BlockCheckTest, NoAnswerOrNoExplanationCannotTell) {
  EXPECT_EQ(judge_check_answers(kSilent, kSilent, stop_page()), CheckFinding::kNoAnswer);
  EXPECT_EQ(judge_check_answers(kEmpty, kSilent, stop_page()), CheckFinding::kNoExplanation);
  EXPECT_EQ(judge_check_answers(addresses({}, 22), kEmpty, stop_page()), CheckFinding::kNoExplanation);
}

TEST(BlockCheckTest, RecognisesStopPageAddressesInAnyWriting) {
  EXPECT_TRUE(is_stop_page_address(stop_page(), "2001:0db8:0:0::80"));
  EXPECT_FALSE(is_stop_page_address(stop_page(), "192.0.2.81"));
  EXPECT_FALSE(is_stop_page_address(stop_page(), "not an address"));
}

TEST(BlockCheckTest, NamesTheBlockingCodes) {
  EXPECT_EQ(ede_name(15), "Blocked");
  EXPECT_EQ(ede_name(16), "Censored");
  EXPECT_EQ(ede_name(17), "Filtered");
  EXPECT_EQ(ede_name(18), "Prohibited");
  EXPECT_EQ(ede_name(14), "other");
  EXPECT_FALSE(is_blocking_ede(14));
  EXPECT_FALSE(is_blocking_ede(19));
}

}  // namespace
}  // namespace dnsstop
