// Fuzz target for parse_config: ConfigError is the only way it may refuse a text,
// its message names the source, and a Config it returns keeps every limit that
// core/config.h promises to the programs reading it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config.h"
#include "core/list_name.h"
#include "core/name.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr std::string_view kSource = "fuzz.yaml";

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

void check_lists(const dnsstop::Config& config) {
  const bool has_stoppage_address = !config.answers.stoppage_ipv4.empty() || !config.answers.stoppage_ipv6.empty();
  DNSSTOP_FUZZ_CHECK(config.lists.size() <= dnsstop::snapshot_format::kMaxLists);
  for (std::size_t i = 0; i < config.lists.size(); ++i) {
    const dnsstop::ListConfig& list = config.lists[i];
    DNSSTOP_FUZZ_CHECK(dnsstop::is_valid_list_name(list.name));
    for (std::size_t earlier = 0; earlier < i; ++earlier) DNSSTOP_FUZZ_CHECK(config.lists[earlier].name != list.name);
    DNSSTOP_FUZZ_CHECK(dnsstop::is_valid_action(static_cast<std::uint8_t>(list.action)));
    DNSSTOP_FUZZ_CHECK(list.ede_text.size() <= dnsstop::kMaxEdeTextBytes && is_printable_ascii(list.ede_text));
    if (list.action == dnsstop::Action::kAllow) DNSSTOP_FUZZ_CHECK(list.ede_code == 0 && list.ede_text.empty());
    if (list.action == dnsstop::Action::kStoppage) DNSSTOP_FUZZ_CHECK(has_stoppage_address);
    DNSSTOP_FUZZ_CHECK(list.file.find('\0') == std::string::npos);
  }
}

void check_config(const dnsstop::Config& config) {
  DNSSTOP_FUZZ_CHECK(config.source == kSource);
  DNSSTOP_FUZZ_CHECK(!config.snapshot.path.empty() && config.snapshot.path.find('\0') == std::string::npos);
  DNSSTOP_FUZZ_CHECK(config.snapshot.check_interval_ms >= 50 && config.snapshot.check_interval_ms <= 60000);
  DNSSTOP_FUZZ_CHECK(config.answers.stoppage_ipv4.size() <= dnsstop::kMaxStoppageAddressesPerFamily);
  DNSSTOP_FUZZ_CHECK(config.answers.stoppage_ipv6.size() <= dnsstop::kMaxStoppageAddressesPerFamily);
  DNSSTOP_FUZZ_CHECK(config.answers.ttl <= 86400);
  DNSSTOP_FUZZ_CHECK(dnsstop::fuzz::is_canonical_name(config.answers.soa_mname));
  DNSSTOP_FUZZ_CHECK(dnsstop::fuzz::is_canonical_name(config.answers.soa_rname));
  DNSSTOP_FUZZ_CHECK(config.metrics.interval_seconds >= 1 && config.metrics.interval_seconds <= 3600);
  DNSSTOP_FUZZ_CHECK(config.metrics.textfile.find('\0') == std::string::npos);
  check_lists(config);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    check_config(dnsstop::parse_config(std::string_view(reinterpret_cast<const char*>(data), size), kSource));
  } catch (const dnsstop::ConfigError& error) {
    const std::string_view message = error.what();
    DNSSTOP_FUZZ_CHECK(message.starts_with(kSource) && message.size() > kSource.size() &&
                       message[kSource.size()] == ':');
  }
  return 0;
}
