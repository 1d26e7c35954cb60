// Tests for module_chain_problem: every supported chain passes, however spaced; the
// chains an operator may have (subnetcache, cachedb, respip, no dynlib, dynlib after
// the iterator) are refused with a message that names them and the supported ones.
#include "core/module_chain.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

TEST(ModuleChainTest, SupportedChainsPass) {
  for (const std::string_view chain : kSupportedModuleChains) {
    EXPECT_EQ(module_chain_problem(chain), "") << chain;
  }
  EXPECT_EQ(module_chain_problem("  dynlib   validator\titerator "), "");
}

TEST(ModuleChainTest, RefusalNamesTheChainTheReasonAndTheSupportedOnes) {
  const std::string problem = module_chain_problem("subnetcache dynlib validator iterator");
  EXPECT_NE(problem.find("\"subnetcache dynlib validator iterator\""), std::string::npos) << problem;
  EXPECT_NE(problem.find("subnetcache keeps answers"), std::string::npos) << problem;
  EXPECT_NE(problem.find("\"dynlib validator iterator\", \"dynlib iterator\""), std::string::npos) << problem;
}

TEST(ModuleChainTest, EachUnsupportedChainSaysWhy) {
  EXPECT_NE(module_chain_problem("validator iterator").find("does not load the dynlib module"), std::string::npos);
  EXPECT_NE(module_chain_problem("dynlib dynlib validator iterator").find("more than once"), std::string::npos);
  EXPECT_NE(module_chain_problem("dynlib cachedb iterator").find("cachedb answers"), std::string::npos);
  EXPECT_NE(module_chain_problem("respip dynlib validator iterator").find("respip rewrites"), std::string::npos);
  EXPECT_NE(module_chain_problem("validator dynlib iterator").find("must come right before"), std::string::npos);
  EXPECT_NE(module_chain_problem("dynlib validator iterator dns64").find("must come right before"),
            std::string::npos);
  EXPECT_NE(module_chain_problem("").find("does not load the dynlib module"), std::string::npos);
}

TEST(ModuleChainTest, Dns64IsSeenAsAWord) {
  EXPECT_TRUE(module_chain_has_dns64("dns64 dynlib validator iterator"));
  EXPECT_FALSE(module_chain_has_dns64("dynlib validator iterator"));
  EXPECT_FALSE(module_chain_has_dns64("dns64x dynlib iterator"));
}

}  // namespace
}  // namespace dnsstop
