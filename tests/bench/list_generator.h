// Deterministic test data for the benchmarks: a list of random but realistically
// shaped domain names, and query names of which a chosen share the list covers.
//
// The same seed gives the same names on every machine and standard library (the
// generator uses its own splitmix64 stream, not <random>'s distributions, whose
// results differ between implementations). Single-threaded; a list of 10 million
// takes about ten seconds (one cache miss per name) and 60 bytes per name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnsstop::bench {

enum class QueryType { a, aaaa };

struct Query {
  std::string name;
  bool listed;  // an entry of the list, or a name below one
  QueryType type = QueryType::a;
};

// The shape of a resolver benchmark's traffic (see GeneratedList::traffic).
struct TrafficMix {
  double listed_share = 0.0;
  // 0: every unlisted name is new (each one a cache miss); otherwise the unlisted
  // queries repeat this many distinct questions (cache hits once each was asked).
  std::size_t distinct_unlisted = 0;
  double www_share = 0.0;   // queries given a "www." label in front
  double aaaa_share = 0.0;  // queries for AAAA instead of A
};

class GeneratedList {
 public:
  // `count` distinct names: a second-level label of 4 to 12 characters of [a-z0-9]
  // (now and then with one '-' inside) under a TLD drawn from about 20 real ones by
  // popularity; a fifth of them with one more label in front (www, cdn, ... or
  // random, 1 to 8 characters). All are plain entries, so each covers its subtree.
  GeneratedList(std::size_t count, std::uint64_t seed);

  const std::vector<std::string>& names() const noexcept { return names_; }

  // The list file: one name per line.
  std::string text() const;

  // `count` names of 2 to 4 labels in random order, about `listed_share` of them
  // listed: half of those are entries themselves, the rest entries with random
  // labels in front. The unlisted ones are random names that no entry covers.
  std::vector<Query> queries(std::size_t count, double listed_share, std::uint64_t seed) const;

  // `count` A and AAAA queries in random order shaped by `mix`: listed ones as in
  // queries(), unlisted ones that no entry covers, either all distinct or repeating
  // a fixed set of questions; `www_share` of both kinds with "www." in front.
  std::vector<Query> traffic(std::size_t count, const TrafficMix& mix, std::uint64_t seed) const;

 private:
  bool covers(std::string_view name) const;

  std::vector<std::string> names_;
  // XXH3 of every name, open-addressed and at most half full: one allocation where
  // a node-based set would make ten million. A hash collision could only make a
  // fresh name look taken, so it is skipped; it can never let a listed name pass
  // as unlisted.
  std::vector<std::uint64_t> hash_table_;
};

}  // namespace dnsstop::bench
