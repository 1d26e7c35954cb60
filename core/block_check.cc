#include "core/block_check.h"

#include <arpa/inet.h>  // inet_pton: parses text, opens no socket

#include <algorithm>
#include <array>

namespace dnsstop {

std::string_view ede_name(std::uint16_t code) {
  switch (code) {
    case 15: return "Blocked";
    case 16: return "Censored";
    case 17: return "Filtered";
    case 18: return "Prohibited";
    default: return "other";
  }
}

bool is_blocking_ede(std::uint16_t code) { return code >= 15 && code <= 18; }

bool is_stop_page_address(const AnswerConfig& answers, const std::string& address) {
  std::array<std::uint8_t, 16> bytes{};
  if (::inet_pton(AF_INET, address.c_str(), bytes.data()) == 1) {
    return std::any_of(answers.stoppage_ipv4.begin(), answers.stoppage_ipv4.end(),
                       [&](const auto& stop_page) { return std::equal(stop_page.begin(), stop_page.end(), bytes.begin()); });
  }
  if (::inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) {
    return std::find(answers.stoppage_ipv6.begin(), answers.stoppage_ipv6.end(), bytes) != answers.stoppage_ipv6.end();
  }
  return false;
}

CheckFinding judge_check_answers(const ResolverAnswer& ipv4, const ResolverAnswer& ipv6, const AnswerConfig& answers) {
  if (!ipv4.answered && !ipv6.answered) return CheckFinding::kNoAnswer;
  const std::optional<std::uint16_t>& ede = ipv4.ede_code ? ipv4.ede_code : ipv6.ede_code;
  std::vector<std::string> addresses = ipv4.addresses;
  addresses.insert(addresses.end(), ipv6.addresses.begin(), ipv6.addresses.end());
  const bool all_stop_page =
      !addresses.empty() && std::all_of(addresses.begin(), addresses.end(), [&](const std::string& address) {
        return is_stop_page_address(answers, address);
      });
  if ((ede && is_blocking_ede(*ede)) || all_stop_page) return CheckFinding::kBlocks;
  if (!addresses.empty()) return CheckFinding::kResolves;
  return CheckFinding::kNoExplanation;
}

}  // namespace dnsstop
