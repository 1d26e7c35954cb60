// dnsstop-genlist: writes a generated blocklist, and optionally a query file, for
// benchmarks that drive a resolver from outside (one name per line in both files).
#include <charconv>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tests/bench/list_generator.h"

namespace {

constexpr std::string_view kUsage =
    "usage: dnsstop-genlist --count N --seed S --out FILE\n"
    "                       [--queries FILE [--query-count M] [--listed-share 0.5]]\n"
    "  Writes N distinct random domains to FILE. With --queries, also writes M query\n"
    "  names (default 1000000) of 2 to 4 labels in random order, of which the given\n"
    "  share is covered by the list. The same seed always gives the same files.\n";

// Queries come from their own stream, so changing --query-count leaves the list as it is.
constexpr std::uint64_t kQuerySeedOffset = 0x7175657279ull;  // "query"

struct Options {
  std::size_t count = 0;
  std::uint64_t seed = 0;
  std::string out;
  std::string queries_out;
  std::size_t query_count = 1'000'000;
  double listed_share = 0.5;
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
    } else if (option == "--query-count") {
      options.query_count = parse_number<std::size_t>(option, value);
    } else if (option == "--listed-share") {
      options.listed_share = parse_number<double>(option, value);
      if (!(options.listed_share >= 0 && options.listed_share <= 1)) {
        throw std::invalid_argument("--listed-share must be within [0, 1]");
      }
    } else {
      throw std::invalid_argument("unknown option " + std::string(option));
    }
  }
  if (!have_count || !have_seed || options.out.empty()) {
    throw std::invalid_argument("--count, --seed and --out are required");
  }
  return options;
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
    if (!options.queries_out.empty()) {
      std::string text;
      for (const dnsstop::bench::Query& query :
           list.queries(options.query_count, options.listed_share, options.seed + kQuerySeedOffset)) {
        text += query.name;
        text += '\n';
      }
      write_text(options.queries_out, text);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "dnsstop-genlist: %s\n\n%s", error.what(), kUsage.data());
    return 2;
  }
  return 0;
}
