// dnsstop-genlist: writes a generated blocklist, and optionally a query file, for
// benchmarks that drive a resolver from outside: one name per line in both files,
// or with --format dnsperf, query lines "name TYPE" shaped like resolver traffic.
#include <charconv>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tests/bench/list_generator.h"

namespace {

constexpr std::string_view kUsage =
    "usage: dnsstop-genlist --count N --seed S --out FILE\n"
    "                       [--queries FILE [--query-count M] [--listed-share 0.5]\n"
    "                        [--format names|dnsperf] [--distinct-unlisted K]\n"
    "                        [--www-share 0] [--aaaa-share 0] [--query-seed Q]]\n"
    "  Writes N distinct random domains to FILE. With --queries, also writes M query\n"
    "  names (default 1000000) of 2 to 4 labels in random order, of which the given\n"
    "  share is covered by the list. The same seeds always give the same files;\n"
    "  --query-seed (default derived from --seed) tells query files of one list apart.\n"
    "  --format dnsperf writes \"name A\" or \"name AAAA\" lines (dnsperf's input) and\n"
    "  takes the traffic options: the unlisted names are all distinct, or repeat K\n"
    "  distinct questions; the given shares get a \"www.\" label in front, or ask AAAA.\n";

// Queries come from their own stream, so changing --query-count leaves the list as it is.
constexpr std::uint64_t kQuerySeedOffset = 0x7175657279ull;  // "query"

struct Options {
  std::size_t count = 0;
  std::uint64_t seed = 0;
  std::string out;
  std::string queries_out;
  std::optional<std::uint64_t> query_seed;
  std::size_t query_count = 1'000'000;
  bool dnsperf_format = false;
  dnsstop::bench::TrafficMix mix{.listed_share = 0.5};
  bool have_traffic_option = false;
};

template <class Number>
Number parse_number(std::string_view option, std::string_view text) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    throw std::invalid_argument(std::string(option) + " needs a number, not '" + std::string(text) + "'");
  }
  return value;
}

double parse_share(std::string_view option, std::string_view text) {
  const auto share = parse_number<double>(option, text);
  if (!(share >= 0 && share <= 1)) throw std::invalid_argument(std::string(option) + " must be within [0, 1]");
  return share;
}

Options parse_options(const std::vector<std::string_view>& args) {
  Options options;
  bool have_count = false;
  bool have_seed = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view option = args[i];
    if (i + 1 >= args.size()) throw std::invalid_argument(std::string(option) + " needs a value");
    const std::string_view value = args[++i];
    if (option == "--count") {
      options.count = parse_number<std::size_t>(option, value);
      have_count = true;
    } else if (option == "--seed") {
      options.seed = parse_number<std::uint64_t>(option, value);
      have_seed = true;
    } else if (option == "--out") {
      options.out = value;
    } else if (option == "--queries") {
      options.queries_out = value;
    } else if (option == "--query-seed") {
      options.query_seed = parse_number<std::uint64_t>(option, value);
    } else if (option == "--query-count") {
      options.query_count = parse_number<std::size_t>(option, value);
    } else if (option == "--listed-share") {
      options.mix.listed_share = parse_share(option, value);
    } else if (option == "--format") {
      if (value != "names" && value != "dnsperf") throw std::invalid_argument("--format is names or dnsperf");
      options.dnsperf_format = value == "dnsperf";
    } else if (option == "--distinct-unlisted") {
      options.mix.distinct_unlisted = parse_number<std::size_t>(option, value);
      options.have_traffic_option = true;
    } else if (option == "--www-share") {
      options.mix.www_share = parse_share(option, value);
      options.have_traffic_option = true;
    } else if (option == "--aaaa-share") {
      options.mix.aaaa_share = parse_share(option, value);
      options.have_traffic_option = true;
    } else {
      throw std::invalid_argument("unknown option " + std::string(option));
    }
  }
  if (!have_count || !have_seed || options.out.empty()) {
    throw std::invalid_argument("--count, --seed and --out are required");
  }
  if (options.have_traffic_option && !options.dnsperf_format) {
    throw std::invalid_argument("--distinct-unlisted, --www-share and --aaaa-share need --format dnsperf");
  }
  return options;
}

// The plain form stays exactly as it was for the same seed: queries(), not traffic().
std::string query_file_text(const dnsstop::bench::GeneratedList& list, const Options& options) {
  const std::uint64_t seed = options.query_seed.value_or(options.seed + kQuerySeedOffset);
  std::string text;
  if (!options.dnsperf_format) {
    for (const dnsstop::bench::Query& query : list.queries(options.query_count, options.mix.listed_share, seed)) {
      text += query.name;
      text += '\n';
    }
    return text;
  }
  for (const dnsstop::bench::Query& query : list.traffic(options.query_count, options.mix, seed)) {
    text += query.name;
    text += query.type == dnsstop::bench::QueryType::aaaa ? " AAAA\n" : " A\n";
  }
  return text;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(text.data(), static_cast<std::streamsize>(text.size()));
  file.close();
  if (!file) throw std::runtime_error(path + ": cannot write");
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  try {
    const Options options = parse_options(args);
    const dnsstop::bench::GeneratedList list(options.count, options.seed);
    write_text(options.out, list.text());
    if (!options.queries_out.empty()) write_text(options.queries_out, query_file_text(list, options));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "dnsstop-genlist: %s\n\n%s", error.what(), kUsage.data());
    return 2;
  }
  return 0;
}
