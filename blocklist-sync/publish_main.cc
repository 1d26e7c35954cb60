// dnsstop-publish: the publisher's tool. `keygen` makes an Ed25519 key pair in
// minisign's public-key format; `publish` signs a list into a directory for any
// static HTTP server, `cosign` adds a second person's signature to it
// (blocklist-sync/publisher.h).
#include <openssl/rand.h>

#include <cstdio>
#include <ctime>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "blocklist-sync/publisher.h"
#include "core/decimal.h"
#include "core/file_io.h"
#include "core/log.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kUsage =
    "usage: dnsstop-publish COMMAND [OPTIONS]\n"
    "\n"
    "  keygen -p PUBLIC.pub -s SECRET.key\n"
    "        Make an Ed25519 key pair. PUBLIC.pub is a minisign public key for the\n"
    "        resolvers' configuration; SECRET.key is created readable by you only.\n"
    "  publish -s SECRET.key -n NAME [--serial N] [--created UNIX] [--lifetime SECONDS]\n"
    "          [--keep-deltas N] [--public-suffix-list FILE] LIST_FILE OUTPUT_DIR\n"
    "        Publish LIST_FILE as list NAME: write OUTPUT_DIR/NAME.manifest and its\n"
    "        .minisig, the full list and deltas from the kept earlier serials. The serial\n"
    "        defaults to one more than the published one; the lifetime (time until\n"
    "        resolvers refuse the list as stale) to 604800 (7 days). Warns about entries\n"
    "        that block a whole public suffix (resolvers hold such a version for their\n"
    "        operator's approval); the list read is Debian's unless FILE is given.\n"
    "  cosign -s SECRET.key -n NAME OUTPUT_DIR\n"
    "        Add a second person's signature (a second key) to the manifest published\n"
    "        in OUTPUT_DIR, for lists whose resolvers require two signatures. Each\n"
    "        signature file verifies with the stock `minisign -V -x FILE`.\n";

struct UsageError : std::runtime_error {
  using runtime_error::runtime_error;
};

std::uint64_t parse_number(std::string_view text, std::string_view option) {
  const std::optional<std::uint64_t> number = dnsstop::parse_decimal(text);
  if (!number) throw UsageError(std::string(option) + " needs a number, not '" + std::string(text) + "'");
  return *number;
}

template <typename Buffer>
void random_fill(Buffer& buffer) {
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    throw std::runtime_error("the system's random generator failed");
  }
}

int keygen(std::span<const std::string_view> args) {
  std::string public_path;
  std::string secret_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i + 1 == args.size()) throw UsageError("option " + std::string(args[i]) + " needs a value");
    if (args[i] == "-p") {
      public_path = args[++i];
    } else if (args[i] == "-s") {
      secret_path = args[++i];
    } else {
      throw UsageError("unknown option " + std::string(args[i]));
    }
  }
  if (public_path.empty() || secret_path.empty()) throw UsageError("keygen needs -p and -s");
  dnsstop::minisign::KeyId id;
  dnsstop::minisign::Ed25519Seed seed;
  random_fill(id);
  random_fill(seed);
  const dnsstop::minisign::SecretKey key = dnsstop::minisign::secret_key_from_seed(id, seed);
  dnsstop::create_new_file(secret_path, dnsstop::minisign::format_secret_key(key), 0600);  // readable by its owner only
  dnsstop::write_file_atomically(public_path,
                                 dnsstop::minisign::format_public_key(dnsstop::minisign::public_key_of(key)));
  std::printf("key %s: public key in %s, secret key in %s\n", dnsstop::minisign::key_id_text(id).c_str(),
              public_path.c_str(), secret_path.c_str());
  return kExitOk;
}

int publish(std::span<const std::string_view> args) {
  dnsstop::sync::PublishRequest request;
  request.now_unix = static_cast<std::uint64_t>(std::time(nullptr));
  request.created_unix = request.now_unix;
  std::string secret_path;
  std::string public_suffix_path(dnsstop::kDebianPublicSuffixList);
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view option = args[i];
    if (!option.starts_with("-")) {
      positional.emplace_back(option);
      continue;
    }
    if (i + 1 == args.size()) throw UsageError("option " + std::string(option) + " needs a value");
    const std::string_view value = args[++i];
    if (option == "-s") {
      secret_path = value;
    } else if (option == "-n") {
      request.list_name = value;
    } else if (option == "--serial") {
      request.serial = parse_number(value, option);
    } else if (option == "--created") {
      request.created_unix = parse_number(value, option);
    } else if (option == "--lifetime") {
      request.lifetime_seconds = parse_number(value, option);
    } else if (option == "--keep-deltas") {
      request.kept_deltas = parse_number(value, option);
    } else if (option == "--public-suffix-list") {
      public_suffix_path = value;
    } else {
      throw UsageError("unknown option " + std::string(option));
    }
  }
  if (secret_path.empty() || request.list_name.empty() || positional.size() != 2) {
    throw UsageError("publish needs -s, -n, a list file and an output directory");
  }
  if (request.lifetime_seconds == 0) throw UsageError("--lifetime must be at least 1");
  request.list_path = positional[0];
  request.output_dir = positional[1];
  request.key = dnsstop::minisign::parse_secret_key(dnsstop::read_whole_file(secret_path, 4096));
  std::optional<dnsstop::PublicSuffixList> public_suffixes;
  try {
    public_suffixes = dnsstop::PublicSuffixList::load_file(public_suffix_path);
    request.public_suffixes = &*public_suffixes;
  } catch (const std::exception& error) {
    dnsstop::log_line(dnsstop::LogLevel::kWarning,
                      std::string("cannot check entries against the public suffix list: ") + error.what());
  }
  const dnsstop::sync::PublishResult result = dnsstop::sync::publish(request);
  for (const std::string& problem : result.problems) dnsstop::log_line(dnsstop::LogLevel::kWarning, problem);
  for (const std::string& suffix : result.public_suffix_entries) {
    dnsstop::log_line(dnsstop::LogLevel::kWarning,
                      "entry " + suffix + " blocks the whole public suffix " + suffix + " (public suffix list " +
                          public_suffixes->version() + "); resolvers hold this version until their operator approves "
                          "it; write =" + suffix + " to block that name only");
  }
  const dnsstop::Manifest& manifest = result.manifest;
  std::printf("published %s serial %llu: %llu bytes, %zu deltas, expires %llu, %zu lines resolvers will skip\n",
              manifest.list_name.c_str(), static_cast<unsigned long long>(manifest.serial),
              static_cast<unsigned long long>(manifest.full.size), manifest.deltas.size(),
              static_cast<unsigned long long>(manifest.expires_unix), result.skipped_lines);
  return kExitOk;
}

int cosign(std::span<const std::string_view> args) {
  std::string secret_path;
  std::string list_name;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!args[i].starts_with("-")) {
      positional.emplace_back(args[i]);
      continue;
    }
    if (i + 1 == args.size()) throw UsageError("option " + std::string(args[i]) + " needs a value");
    if (args[i] == "-s") {
      secret_path = args[++i];
    } else if (args[i] == "-n") {
      list_name = args[++i];
    } else {
      throw UsageError("unknown option " + std::string(args[i]));
    }
  }
  if (secret_path.empty() || list_name.empty() || positional.size() != 1) {
    throw UsageError("cosign needs -s, -n and the output directory");
  }
  const dnsstop::minisign::SecretKey key =
      dnsstop::minisign::parse_secret_key(dnsstop::read_whole_file(secret_path, 4096));
  const std::string path = dnsstop::sync::cosign(positional[0], list_name, key);
  std::printf("co-signed %s with key %s: %s\n", list_name.c_str(), dnsstop::minisign::key_id_text(key.id).c_str(),
              path.c_str());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  dnsstop::set_log_program("dnsstop-publish");
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs(kUsage.data(), args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
  try {
    if (args[0] == "keygen") return keygen(rest);
    if (args[0] == "publish") return publish(rest);
    if (args[0] == "cosign") return cosign(rest);
    throw UsageError("unknown command " + std::string(args[0]));
  } catch (const UsageError& error) {
    std::fprintf(stderr, "dnsstop-publish: %s\n\n%s", error.what(), kUsage.data());
    return kExitUsage;
  } catch (const std::exception& error) {
    dnsstop::log_line(dnsstop::LogLevel::kError, std::string(args[0]) + ": " + error.what());
    return kExitFailed;
  }
}
