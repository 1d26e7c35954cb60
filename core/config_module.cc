// The sections the Unbound module reads: snapshot, answers, metrics,
// protected_names (see config_sections.h).
#include <unordered_set>

#include "core/config_sections.h"

namespace dnsstop::config_sections {
namespace {

constexpr Keyword<SnapshotConfig::WhenMissing> kWhenMissingKeywords[] = {
    {"resolve", SnapshotConfig::WhenMissing::kResolve},
    {"servfail", SnapshotConfig::WhenMissing::kServfail},
};

// At most this many: each is looked up for every entry of every new version.
constexpr std::size_t kMaxProtectedNames = 10000;

}  // namespace

SnapshotConfig parse_snapshot(Value value) {
  Section section(std::move(value));
  const auto [path, when_missing, interval] = section.find_each({"path", "when_missing", "check_interval_ms"});
  section.check_keys();
  SnapshotConfig snapshot;
  if (path) snapshot.path = read_path(*path, EmptyPath::kRejected);
  if (when_missing) {
    snapshot.when_missing = read_keyword<SnapshotConfig::WhenMissing>(*when_missing, kWhenMissingKeywords);
  }
  if (interval) snapshot.check_interval_ms = read_integer<std::uint32_t>(*interval, 50, 60000);
  return snapshot;
}

AnswerConfig parse_answers(Value value) {
  Section section(std::move(value));
  const auto [ipv4, ipv6, ttl, mname, rname] =
      section.find_each({"stoppage_ipv4", "stoppage_ipv6", "ttl", "soa_mname", "soa_rname"});
  section.check_keys();
  AnswerConfig answers;
  if (ipv4) answers.stoppage_ipv4 = read_ipv4_addresses(*ipv4);
  if (ipv6) answers.stoppage_ipv6 = read_ipv6_addresses(*ipv6);
  if (ttl) answers.ttl = read_integer<std::uint32_t>(*ttl, 0, 86400);
  if (mname) answers.soa_mname = read_domain_name(*mname);
  if (rname) answers.soa_rname = read_domain_name(*rname);
  return answers;
}

MetricsConfig parse_metrics(Value value) {
  Section section(std::move(value));
  const auto [textfile, interval] = section.find_each({"textfile", "interval_seconds"});
  section.check_keys();
  MetricsConfig metrics;
  if (textfile) metrics.textfile = read_path(*textfile, EmptyPath::kMeansOff);
  if (interval) metrics.interval_seconds = read_integer<std::uint32_t>(*interval, 1, 3600);
  return metrics;
}

ProtectedNames parse_protected_names(const Value& value) {
  ProtectedNames names;
  std::unordered_set<std::string> seen;
  for (const Value& element : value.elements("a sequence of domain names", kMaxProtectedNames)) {
    std::string name = read_domain_name(element);
    if (!seen.insert(name).second) element.fail("repeats an earlier name");
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace dnsstop::config_sections
