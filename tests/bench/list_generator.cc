// GeneratedList: random domain lists and query sets for the benchmarks, from a
// seeded splitmix64 stream.
#include "tests/bench/list_generator.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace dnsstop::bench {
namespace {

// splitmix64, reduced by modulo: for bounds this small the bias is below 2^-56.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t bound) noexcept { return next() % bound; }
  std::size_t between(std::size_t low, std::size_t high) noexcept { return low + below(high - low + 1); }
  bool one_in(std::uint64_t n) noexcept { return below(n) == 0; }
  bool with_probability(double p) noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  std::uint64_t state_;
};

struct WeightedTld {
  std::string_view label;
  unsigned weight;  // percent of names
};

// Roughly the shares of registrations and of abuse reports: .com dominates.
constexpr std::array<WeightedTld, 20> kTlds{{
    {"com", 49}, {"net", 6}, {"org", 5}, {"ru", 5}, {"de", 4}, {"xyz", 3}, {"info", 3},
    {"top", 3},  {"uk", 2},  {"nl", 2},  {"io", 2}, {"se", 2}, {"cn", 2},  {"br", 2},
    {"fr", 2},   {"online", 2}, {"site", 2}, {"pl", 1}, {"it", 1}, {"jp", 2},
}};
constexpr unsigned kTldWeightTotal = [] {
  unsigned total = 0;
  for (const WeightedTld& tld : kTlds) total += tld.weight;
  return total;
}();
static_assert(kTldWeightTotal == 100);

constexpr std::array<std::string_view, 10> kCommonSubdomains{"www", "m",      "cdn", "img",  "mail",
                                                             "api", "static", "app", "shop", "login"};
constexpr std::string_view kLabelAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

std::string_view random_tld(Random& random) {
  auto point = static_cast<unsigned>(random.below(kTldWeightTotal));
  for (const WeightedTld& tld : kTlds) {
    if (point < tld.weight) return tld.label;
    point -= tld.weight;
  }
  return kTlds.back().label;
}

void append_random_characters(std::string& out, std::size_t count, Random& random) {
  for (std::size_t i = 0; i < count; ++i) out += kLabelAlphabet[random.below(kLabelAlphabet.size())];
}

// "example.com"-like: the part of a name a registrant chooses, plus its TLD.
std::string random_registered_name(Random& random) {
  std::string name;
  const std::size_t length = random.between(4, 12);
  append_random_characters(name, length, random);
  // Never first or last (registries refuse those), and never two in a row
  // ("ab--cd" would read as an IDNA label), so a single one.
  if (random.one_in(8)) name[random.between(1, length - 2)] = '-';
  name += '.';
  name += random_tld(random);
  return name;
}

std::string random_subdomain_label(Random& random) {
  if (random.one_in(2)) return std::string(kCommonSubdomains[random.below(kCommonSubdomains.size())]);
  std::string label;
  append_random_characters(label, random.between(1, 8), random);
  return label;
}

void prepend_subdomain_labels(std::string& name, std::size_t count, Random& random) {
  for (std::size_t i = 0; i < count; ++i) name = random_subdomain_label(random) + '.' + name;
}

std::size_t label_count(std::string_view name) {
  std::size_t labels = 1;
  for (char c : name) labels += c == '.';
  return labels;
}

constexpr std::uint64_t kEmptyHashSlot = 0;

// Never kEmptyHashSlot; folding 0 onto 1 only adds one more possible collision.
std::uint64_t name_hash(std::string_view name) { return XXH3_64bits(name.data(), name.size()) | 1; }

std::size_t hash_table_size(std::size_t names) { return std::bit_ceil(std::max<std::size_t>(2 * names, 16)); }

// Linear probing from the hash's low bits: XXH3 mixes them as well as the high ones.
bool insert_hash(std::vector<std::uint64_t>& table, std::uint64_t hash) {
  const std::size_t mask = table.size() - 1;
  for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    if (table[slot] == hash) return false;
    if (table[slot] == kEmptyHashSlot) {
      table[slot] = hash;
      return true;
    }
  }
}

bool contains_hash(const std::vector<std::uint64_t>& table, std::uint64_t hash) noexcept {
  const std::size_t mask = table.size() - 1;
  for (std::size_t slot = hash & mask; table[slot] != kEmptyHashSlot; slot = (slot + 1) & mask) {
    if (table[slot] == hash) return true;
  }
  return false;
}

constexpr std::size_t kMaxQueryLabels = 4;

// An entry, half the time with random labels in front (up to kMaxQueryLabels in all).
std::string listed_query_name(const std::vector<std::string>& entries, Random& random) {
  std::string name = entries[random.below(entries.size())];
  if (random.one_in(2)) {
    prepend_subdomain_labels(name, random.between(1, kMaxQueryLabels - label_count(name)), random);
  }
  return name;
}

// A random name of 2 to kMaxQueryLabels labels, which the caller checks is not covered.
std::string unlisted_query_candidate(Random& random) {
  std::string name = random_registered_name(random);
  prepend_subdomain_labels(name, random.between(0, kMaxQueryLabels - 2), random);
  return name;
}

void check_share(double share, const char* what) {
  if (!(share >= 0.0 && share <= 1.0)) throw std::invalid_argument(std::string(what) + " must be within [0, 1]");
}

std::size_t share_of(std::size_t count, double share) {
  return static_cast<std::size_t>(static_cast<double>(count) * share + 0.5);
}

void shuffle(std::vector<Query>& queries, Random& random) {
  for (std::size_t i = queries.size(); i > 1; --i) std::swap(queries[i - 1], queries[random.below(i)]);
}

}  // namespace

GeneratedList::GeneratedList(std::size_t count, std::uint64_t seed)
    : hash_table_(hash_table_size(count), kEmptyHashSlot) {
  Random random(seed);
  names_.reserve(count);
  while (names_.size() < count) {
    std::string name = random_registered_name(random);
    if (random.one_in(5)) prepend_subdomain_labels(name, 1, random);
    if (insert_hash(hash_table_, name_hash(name))) names_.push_back(std::move(name));
  }
}

std::string GeneratedList::text() const {
  std::size_t size = 0;
  for (const std::string& name : names_) size += name.size() + 1;
  std::string text;
  text.reserve(size);
  for (const std::string& name : names_) {
    text += name;
    text += '\n';
  }
  return text;
}

// Whether the name or one of its parents of two or more labels is an entry.
bool GeneratedList::covers(std::string_view name) const {
  for (std::string_view suffix = name; suffix.find('.') != std::string_view::npos;
       suffix.remove_prefix(suffix.find('.') + 1)) {
    if (contains_hash(hash_table_, name_hash(suffix))) return true;
  }
  return false;
}

std::vector<Query> GeneratedList::queries(std::size_t count, double listed_share, std::uint64_t seed) const {
  check_share(listed_share, "listed share");
  const std::size_t listed_count = share_of(count, listed_share);
  if (listed_count > 0 && names_.empty()) throw std::invalid_argument("an empty list cannot give listed queries");

  Random random(seed);
  std::vector<Query> queries;
  queries.reserve(count);
  while (queries.size() < listed_count) queries.push_back({listed_query_name(names_, random), true});
  while (queries.size() < count) {
    std::string name = unlisted_query_candidate(random);
    if (!covers(name)) queries.push_back({std::move(name), false});
  }
  // Fisher-Yates, so listed and unlisted queries interleave.
  shuffle(queries, random);
  return queries;
}

std::vector<Query> GeneratedList::traffic(std::size_t count, const TrafficMix& mix, std::uint64_t seed) const {
  check_share(mix.listed_share, "listed share");
  check_share(mix.www_share, "www share");
  check_share(mix.aaaa_share, "AAAA share");
  const std::size_t listed_count = share_of(count, mix.listed_share);
  if (listed_count > 0 && names_.empty()) throw std::invalid_argument("an empty list cannot give listed queries");

  Random random(seed);
  auto shaped = [&](std::string name, bool listed) {
    if (random.with_probability(mix.www_share)) name.insert(0, "www.");
    return Query{std::move(name), listed, random.with_probability(mix.aaaa_share) ? QueryType::aaaa : QueryType::a};
  };
  std::vector<Query> queries;
  queries.reserve(count);
  while (queries.size() < listed_count) queries.push_back(shaped(listed_query_name(names_, random), true));

  const std::size_t unlisted_count = count - listed_count;
  const std::size_t distinct_count =
      mix.distinct_unlisted == 0 ? unlisted_count : std::min(mix.distinct_unlisted, unlisted_count);
  // Distinct by name, not only by question: a never-seen name leaves the resolver
  // nothing at all to answer from, not even the other type's records.
  std::vector<std::uint64_t> names_taken(hash_table_size(distinct_count), kEmptyHashSlot);
  std::vector<Query> distinct;
  distinct.reserve(distinct_count);
  while (distinct.size() < distinct_count) {
    Query query = shaped(unlisted_query_candidate(random), false);
    if (!covers(query.name) && insert_hash(names_taken, name_hash(query.name))) distinct.push_back(std::move(query));
  }
  if (distinct_count == unlisted_count) {
    std::move(distinct.begin(), distinct.end(), std::back_inserter(queries));
  } else {
    while (queries.size() < count) queries.push_back(distinct[random.below(distinct.size())]);
  }
  shuffle(queries, random);
  return queries;
}

}  // namespace dnsstop::bench
