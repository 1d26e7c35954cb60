// dnsstop-core-bench: times the core's hot paths on generated lists (parse_list,
// build_snapshot, LoadedSnapshot::load, SnapshotView::lookup and lookup_wire) and
// prints each figure beside its target, as a table and as JSON.
//
// Lookups are timed in batches of kBatchSize so the clock's own cost (~20 ns) stays
// out of the figures; medians and percentiles are over batches, in ns per name.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/list_parser.h"
#include "core/snapshot_builder.h"
#include "core/snapshot_file.h"
#include "core/snapshot_reader.h"
#include "core/wire_name.h"
#include "tests/bench/list_generator.h"

namespace dnsstop::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kUsage =
    "usage: dnsstop-core-bench [--entries N[,N...]] [--queries M] [--json FILE]\n"
    "  Defaults: --entries 1000000,10000000 --queries 2000000.\n";

constexpr std::uint64_t kListSeed = 1;
constexpr std::uint64_t kQuerySeed = 2;
constexpr double kListedShare = 0.5;
constexpr std::size_t kBatchSize = 64;
constexpr int kLoadRepetitions = 5;

// The project's targets, all upper bounds. Compile and load targets exist only for
// the list sizes they were set for.
constexpr double kLookupMedianTargetNs = 100;
constexpr double kBytesPerEntryTarget = 24;

std::optional<double> compile_target_seconds(std::size_t entries) {
  if (entries == 1'000'000) return 2.0;
  if (entries == 10'000'000) return 25.0;
  return std::nullopt;
}

std::optional<double> load_target_ms(std::size_t entries) {
  if (entries == 1'000'000) return 50.0;
  return std::nullopt;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Makes the compiler treat `value` as used and computed by now, so neither the
// lookups feeding it nor their results can be dropped or moved past the clock read.
template <class T>
void keep(const T& value) {
  asm volatile("" : : "r"(value) : "memory");
}

// One measured figure; `target` is an upper bound when there is one.
struct Figure {
  std::string key;
  std::string label;
  std::string unit;
  double value;
  std::optional<double> target;
  bool met() const { return !target || value <= *target; }
};

struct Run {
  std::size_t entries;
  std::vector<Figure> figures;
};

// The queries in both forms, each form packed back to back so that fetching the
// next name is a sequential read and the timed work is the lookup alone.
class QuerySet {
 public:
  explicit QuerySet(const std::vector<Query>& queries) {
    presentation_offsets_.push_back(0);
    wire_offsets_.push_back(0);
    for (const Query& query : queries) {
      presentation_ += query.name;
      presentation_offsets_.push_back(presentation_.size());
      append_wire(query.name);
      wire_offsets_.push_back(wire_.size());
      listed_.push_back(query.listed);
    }
  }

  std::size_t size() const noexcept { return listed_.size(); }
  std::string_view presentation(std::size_t i) const noexcept {
    return std::string_view(presentation_).substr(presentation_offsets_[i],
                                                  presentation_offsets_[i + 1] - presentation_offsets_[i]);
  }
  std::span<const std::uint8_t> wire(std::size_t i) const noexcept {
    return std::span(wire_).subspan(wire_offsets_[i], wire_offsets_[i + 1] - wire_offsets_[i]);
  }
  bool listed(std::size_t i) const noexcept { return listed_[i]; }

 private:
  void append_wire(std::string_view name) {
    const std::vector<std::uint8_t> wire = wire_from_name(name);
    wire_.insert(wire_.end(), wire.begin(), wire.end());
  }

  std::string presentation_;
  std::vector<std::size_t> presentation_offsets_;
  std::vector<std::uint8_t> wire_;
  std::vector<std::size_t> wire_offsets_;
  std::vector<bool> listed_;
};

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/dnsstop-bench.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a directory from " + pattern);
    path_ = pattern;
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

// Nearest rank: the smallest value with at least `fraction` of all values at or below it.
double percentile(const std::vector<double>& sorted, double fraction) {
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

template <class Lookup>
std::vector<double> sorted_batch_ns_per_name(std::size_t query_count, Lookup lookup) {
  std::vector<double> ns_per_name;
  ns_per_name.reserve(query_count / kBatchSize);
  for (std::size_t first = 0; first + kBatchSize <= query_count; first += kBatchSize) {
    unsigned listed = 0;
    const Clock::time_point start = Clock::now();
    for (std::size_t i = first; i < first + kBatchSize; ++i) listed += lookup(i).listing != Listing::kUnlisted;
    keep(listed);
    const Clock::time_point end = Clock::now();
    ns_per_name.push_back(std::chrono::duration<double, std::nano>(end - start).count() / kBatchSize);
  }
  std::sort(ns_per_name.begin(), ns_per_name.end());
  return ns_per_name;
}

// Also the warm-up pass: a benchmark that returned wrong answers would time nothing useful.
template <class Lookup>
void check_verdicts(const QuerySet& queries, const std::string& label, Lookup lookup) {
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    wrong += (lookup(i).listing != Listing::kUnlisted) != queries.listed(i);
  }
  if (wrong != 0) {
    throw std::runtime_error(label + ": " + std::to_string(wrong) + " of " + std::to_string(queries.size()) +
                             " verdicts differ from the generator's");
  }
}

template <class Lookup>
void add_lookup_figures(Run& run, const QuerySet& queries, const std::string& key, const std::string& label,
                        Lookup lookup) {
  check_verdicts(queries, label, lookup);
  const std::vector<double> sorted = sorted_batch_ns_per_name(queries.size(), lookup);
  run.figures.push_back({key + "_ns_median", label + " median", "ns", percentile(sorted, 0.5), kLookupMedianTargetNs});
  run.figures.push_back({key + "_ns_p90", label + " p90", "ns", percentile(sorted, 0.9), std::nullopt});
  run.figures.push_back({key + "_ns_p99", label + " p99", "ns", percentile(sorted, 0.99), std::nullopt});
}

// One dependent load from memory far larger than the caches, on huge pages as a
// loaded snapshot is. A lookup that misses the cache pays this once per slot group
// and once per label compared, so it is the yardstick for the lookup figures.
double memory_latency_ns() {
  constexpr std::size_t kBytes = std::size_t{256} << 20;
  constexpr std::size_t kWordsPerLine = 64 / sizeof(std::uint64_t);
  constexpr std::size_t kLines = kBytes / 64;
  constexpr std::size_t kBatches = 4000;
  constexpr std::size_t kBatchLoads = 256;
  void* mapping = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) throw std::runtime_error("cannot map memory for the latency probe");
  ::madvise(mapping, kBytes, MADV_HUGEPAGE);
  auto* words = static_cast<std::uint64_t*>(mapping);
  // Sattolo's shuffle: a single cycle through every line, so the chase never settles
  // into a short loop that the cache could hold.
  std::vector<std::uint32_t> order(kLines);
  std::iota(order.begin(), order.end(), 0u);
  std::uint64_t state = 1;
  for (std::size_t i = kLines - 1; i > 0; --i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    std::swap(order[i], order[(state >> 33) % i]);
  }
  for (std::size_t i = 0; i < kLines; ++i) words[order[i] * kWordsPerLine] = order[(i + 1) % kLines] * kWordsPerLine;
  // Median over short batches, like the lookups, so time spent descheduled drops out.
  std::vector<double> ns_per_load;
  std::uint64_t position = 0;
  for (std::size_t batch = 0; batch < kBatches; ++batch) {
    const Clock::time_point start = Clock::now();
    for (std::size_t step = 0; step < kBatchLoads; ++step) position = words[position];
    keep(position);
    ns_per_load.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kBatchLoads);
  }
  std::sort(ns_per_load.begin(), ns_per_load.end());
  ::munmap(mapping, kBytes);
  return percentile(ns_per_load, 0.5);
}

void progress(std::size_t entry_count, const char* step) {
  std::fprintf(stderr, "[%zu entries] %s\n", entry_count, step);
}

struct PreparedSnapshot {
  QuerySet queries;
  double parse_seconds;
  double build_seconds;
};

// Generates the list and the queries, then parses and compiles the list (timed) and
// writes the snapshot to `path`. Everything but the queries is freed on return.
PreparedSnapshot prepare_snapshot(std::size_t entry_count, std::size_t query_count, const std::string& path) {
  progress(entry_count, "generating the list and the queries");
  std::string text;
  std::vector<Query> queries;
  {
    const GeneratedList list(entry_count, kListSeed);
    text = list.text();
    queries = list.queries(query_count, kListedShare, kQuerySeed);
  }
  PreparedSnapshot prepared{QuerySet(queries), 0, 0};

  progress(entry_count, "parsing and compiling");
  Clock::time_point start = Clock::now();
  const ParsedList parsed = parse_list(text, "generated");
  prepared.parse_seconds = seconds_since(start);
  if (parsed.entries.size() != entry_count || parsed.skipped_lines != 0) {
    throw std::runtime_error("parse_list kept " + std::to_string(parsed.entries.size()) + " of " +
                             std::to_string(entry_count) + " generated names");
  }
  start = Clock::now();
  const ListInput input{.name = "bench", .action = Action::kStoppage, .serial = 0, .published_unix = 0,
                        .entries = parsed.entries};
  const std::vector<std::uint8_t> bytes = build_snapshot(std::span(&input, 1), 0);
  prepared.build_seconds = seconds_since(start);
  write_file_atomically(path, bytes);
  return prepared;
}

Run measure(std::size_t entry_count, std::size_t query_count, const std::string& directory) {
  const std::string path = directory + "/bench-" + std::to_string(entry_count) + ".snap";
  const PreparedSnapshot prepared = prepare_snapshot(entry_count, query_count, path);

  // The file was just written, so these loads read from the page cache.
  progress(entry_count, "loading");
  std::vector<double> load_ms;
  std::unique_ptr<const LoadedSnapshot> loaded;
  for (int repetition = 0; repetition < kLoadRepetitions; ++repetition) {
    loaded.reset();
    const Clock::time_point start = Clock::now();
    loaded = LoadedSnapshot::load(path);
    load_ms.push_back(seconds_since(start) * 1e3);
  }
  std::sort(load_ms.begin(), load_ms.end());
  std::filesystem::remove(path);
  const SnapshotView& view = loaded->view();
  if (view.entry_count() != entry_count) throw std::runtime_error("the snapshot lost entries");

  progress(entry_count, "looking up");
  Run run{entry_count, {}};
  const QuerySet& queries = prepared.queries;
  add_lookup_figures(run, queries, "lookup", "lookup (presentation)",
                     [&](std::size_t i) { return view.lookup(queries.presentation(i)); });
  add_lookup_figures(run, queries, "lookup_wire", "lookup_wire",
                     [&](std::size_t i) { return view.lookup_wire(queries.wire(i)); });

  const auto size = static_cast<double>(view.size_bytes());
  run.figures.push_back({"snapshot_bytes_per_entry", "snapshot size per entry", "bytes",
                         size / static_cast<double>(entry_count), kBytesPerEntryTarget});
  run.figures.push_back({"snapshot_mib", "snapshot size", "MiB", size / (1 << 20), std::nullopt});
  run.figures.push_back({"parse_seconds", "compile: parse_list", "s", prepared.parse_seconds, std::nullopt});
  run.figures.push_back({"build_seconds", "compile: build_snapshot", "s", prepared.build_seconds, std::nullopt});
  run.figures.push_back({"compile_seconds", "compile: total", "s", prepared.parse_seconds + prepared.build_seconds,
                         compile_target_seconds(entry_count)});
  run.figures.push_back({"load_ms", "load (read + validate), median", "ms", percentile(load_ms, 0.5),
                         load_target_ms(entry_count)});
  return run;
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value);
  return text;
}

void print_table(const std::vector<Run>& runs, double latency_ns) {
  std::printf("machine: one dependent random load from memory takes %s ns (the lookups' yardstick)\n\n",
              format_number(latency_ns).c_str());
  std::printf("%-10s  %-32s  %12s  %14s  %s\n", "entries", "figure", "measured", "target", "");
  for (const Run& run : runs) {
    for (const Figure& figure : run.figures) {
      const std::string measured = format_number(figure.value) + " " + figure.unit;
      const std::string target = figure.target ? "<= " + format_number(*figure.target) + " " + figure.unit : "-";
      const char* verdict = !figure.target ? "" : figure.met() ? "ok" : "MISSED";
      std::printf("%-10zu  %-32s  %12s  %14s  %s\n", run.entries, figure.label.c_str(), measured.c_str(),
                  target.c_str(), verdict);
    }
  }
}

std::string first_line_of(const std::string& path, std::string_view prefix) {
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    if (line.starts_with(prefix)) return line;
  }
  return "unknown";
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

// Everything the figures depend on besides the code: where and how they were taken.
std::string environment_json(std::size_t query_count, double latency_ns) {
  std::string cpu = first_line_of("/proc/cpuinfo", "model name");
  if (const std::size_t colon = cpu.find(':'); colon != std::string::npos) cpu = cpu.substr(colon + 2);
  const std::string huge_pages = first_line_of("/sys/kernel/mm/transparent_hugepage/enabled", "");
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return "\"environment\": {\"host\": " + json_string(host) + ", \"cpu\": " + json_string(cpu) +
         ", \"memory_latency_ns\": " + format_number(latency_ns) +
         ", \"transparent_hugepage\": " + json_string(huge_pages) + ", \"queries\": " + std::to_string(query_count) +
         ", \"listed_share\": " + format_number(kListedShare) + ", \"lookup_batch\": " +
         std::to_string(kBatchSize) + ", \"load_repetitions\": " + std::to_string(kLoadRepetitions) + "}";
}

void write_json(const std::string& path, const std::vector<Run>& runs, std::size_t query_count, double latency_ns) {
  std::string json = "{\n  " + environment_json(query_count, latency_ns) + ",\n  \"runs\": [";
  for (std::size_t r = 0; r < runs.size(); ++r) {
    json += (r == 0 ? "\n" : ",\n");
    json += "    {\"entries\": " + std::to_string(runs[r].entries) + ", \"figures\": {";
    for (std::size_t f = 0; f < runs[r].figures.size(); ++f) {
      const Figure& figure = runs[r].figures[f];
      char value[32];
      std::snprintf(value, sizeof(value), "%.6g", figure.value);
      json += (f == 0 ? "\n" : ",\n");
      json += "      \"" + figure.key + "\": {\"value\": " + value + ", \"unit\": \"" + figure.unit + "\"";
      if (figure.target) {
        json += ", \"target_max\": " + format_number(*figure.target);
        json += ", \"met\": " + std::string(figure.met() ? "true" : "false");
      }
      json += "}";
    }
    json += "\n    }}";
  }
  json += "\n  ]\n}\n";
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << json;
  file.close();
  if (!file) throw std::runtime_error(path + ": cannot write");
}

std::size_t parse_count(std::string_view text) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value == 0) {
    throw std::invalid_argument("expected a positive integer, not '" + std::string(text) + "'");
  }
  return value;
}

std::vector<std::size_t> parse_counts(std::string_view text) {
  std::vector<std::size_t> counts;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    counts.push_back(parse_count(text.substr(start, comma - start)));
    start = comma + 1;
  }
  return counts;
}

int run_benchmark(const std::vector<std::string_view>& args) {
  std::vector<std::size_t> entry_counts{1'000'000, 10'000'000};
  std::size_t query_count = 2'000'000;
  std::string json_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") {
      std::fputs(kUsage.data(), stdout);
      return 0;
    }
    if (i + 1 >= args.size()) throw std::invalid_argument(std::string(args[i]) + " needs a value");
    const std::string_view value = args[i + 1];
    if (args[i] == "--entries") {
      entry_counts = parse_counts(value);
    } else if (args[i] == "--queries") {
      query_count = parse_count(value);
    } else if (args[i] == "--json") {
      json_path = value;
    } else {
      throw std::invalid_argument("unknown option " + std::string(args[i]));
    }
    ++i;
  }
  if (query_count < kBatchSize) throw std::invalid_argument("--queries must be at least " + std::to_string(kBatchSize));

  const TemporaryDirectory directory;
  std::vector<Run> runs;
  for (std::size_t entries : entry_counts) runs.push_back(measure(entries, query_count, directory.path()));
  const double latency_ns = memory_latency_ns();
  print_table(runs, latency_ns);
  if (!json_path.empty()) write_json(json_path, runs, query_count, latency_ns);
  return 0;
}

}  // namespace
}  // namespace dnsstop::bench

int main(int argc, char** argv) {
  try {
    return dnsstop::bench::run_benchmark(std::vector<std::string_view>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "dnsstop-core-bench: %s\n\n%s", error.what(), dnsstop::bench::kUsage.data());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "dnsstop-core-bench: %s\n", error.what());
    return 1;
  }
}
