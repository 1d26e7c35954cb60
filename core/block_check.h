// The judgement of `dnsstop check`: whether a resolver's answers for the consumer
// check name mean that it blocks. It blocks when an answer carries an Extended DNS
// Error that means "a policy stopped this name" (RFC 8914 codes 15-18: Blocked,
// Censored, Filtered, Prohibited), or when every address is a configured stop-page
// address; it does not when the name resolves to other addresses; otherwise (no
// answer at all, or no address and no such EDE) nobody can tell.
//
// Pure; any thread; O(addresses x configured stop-page addresses).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace dnsstop {

// What a resolver answered to one question (A or AAAA).
struct ResolverAnswer {
  bool answered = false;                  // false: no response at all
  std::vector<std::string> addresses;     // the answer's addresses, as inet_pton reads them
  std::optional<std::uint16_t> ede_code;  // the first Extended DNS Error's INFO-CODE
};

enum class CheckFinding : std::uint8_t {
  kBlocks,
  kResolves,         // real addresses: the resolver does not block
  kNoAnswer,         // cannot tell: no response to either question
  kNoExplanation,    // cannot tell: no address and no blocking EDE (SERVFAIL, NXDOMAIN, NODATA)
};

// RFC 8914's name for an INFO-CODE among 15-18, "other" for the rest.
std::string_view ede_name(std::uint16_t code);
bool is_blocking_ede(std::uint16_t code);

// Whether `address` (text, IPv4 or IPv6) is one of the configured stop-page addresses.
bool is_stop_page_address(const AnswerConfig& answers, const std::string& address);

CheckFinding judge_check_answers(const ResolverAnswer& ipv4, const ResolverAnswer& ipv6, const AnswerConfig& answers);

}  // namespace dnsstop
