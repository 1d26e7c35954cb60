// dnsstop-publish: the publisher's tool. `keygen` makes an Ed25519 key pair in
// minisign's formats; `publish` signs a list into a directory for any static HTTP
// server, `cosign` adds a second person's signature to it
// (blocklist-sync/publisher.h). Either signs with a key made by `minisign -G` too.
#include <openssl/rand.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "blocklist-sync/publisher.h"
#include "core/command_line.h"
#include "core/file_io.h"
#include "core/log.h"

namespace {

using dnsstop::kExitFailure;
using dnsstop::kExitOk;

template <typename Buffer>
void random_fill(Buffer& buffer) {
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    throw std::runtime_error("the system's random generator failed");
  }
}

// A password-protected key (minisign's default) asks for its password on the
// terminal, without echo, or reads it as the first line of standard input.
dnsstop::minisign::SecretKey read_secret_key(const std::string& path) {
  const std::string text = dnsstop::read_whole_file(path, 4096);
  if (!dnsstop::minisign::secret_key_needs_password(text)) return dnsstop::minisign::parse_secret_key(text);
  termios saved{};
  const bool echo_off = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (echo_off) {
    std::fprintf(stderr, "Password for %s: ", path.c_str());
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string password;
  for (int c; (c = std::getchar()) != EOF && c != '\n';) password += static_cast<char>(c);
  if (echo_off) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputc('\n', stderr);
  }
  const dnsstop::minisign::SecretKey key = dnsstop::minisign::parse_secret_key(text, password);
  std::fill(password.begin(), password.end(), '\0');
  return key;
}

int make_key_pair(const std::string& public_path, const std::string& secret_path) {
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

// `request` holds what the command line gave; secret_path names the key.
int publish_list(dnsstop::sync::PublishRequest request, const std::string& secret_path,
            const std::string& public_suffix_path) {
  request.key = read_secret_key(secret_path);
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

int cosign_list(const std::string& secret_path, const std::string& list_name, const std::string& output_dir) {
  const dnsstop::minisign::SecretKey key = read_secret_key(secret_path);
  const std::string path = dnsstop::sync::cosign(output_dir, list_name, key);
  std::printf("co-signed %s with key %s: %s\n", list_name.c_str(), dnsstop::minisign::key_id_text(key.id).c_str(),
              path.c_str());
  return kExitOk;
}

namespace command_line = dnsstop::command_line;

void add_secret_key_option(CLI::App& command, std::string& path, const std::string& help) {
  command.add_option("-s,--secret-key", path, help)->option_text("SECRET.key")->required();
}

void add_list_name_option(CLI::App& command, std::string& name) {
  command.add_option("-n,--name", name, "The list's name")->option_text("NAME")->required();
}

// The three commands, each with the options it was given.
struct Commands {
  command_line::App app{"The publisher's tool: Ed25519 keys in minisign's formats, lists signed into a directory for "
                        "any static HTTP server, and a second person's signature.",
                        "dnsstop-publish"};

  CLI::App* keygen = app.add_subcommand(
      "keygen", "Make an Ed25519 key pair. PUBLIC.pub is a minisign public key for the resolvers' configuration; "
                "SECRET.key is created readable by you only.");
  std::string public_path;
  std::string keygen_secret_path;

  CLI::App* publish = app.add_subcommand(
      "publish",
      "Publish LIST_FILE as list NAME: write OUTPUT_DIR/NAME.manifest and its .minisig, the full list and deltas "
      "from the kept earlier serials. Warns about entries that block a whole public suffix (resolvers hold such a "
      "version for their operator's approval).");
  dnsstop::sync::PublishRequest request;
  std::string publish_secret_path;
  std::string public_suffix_path{dnsstop::kDebianPublicSuffixList};

  CLI::App* cosign = app.add_subcommand(
      "cosign", "Add a second person's signature (a second key) to the manifest published in OUTPUT_DIR, for lists "
                "whose resolvers require two signatures. Each signature file verifies with the stock "
                "`minisign -V -x FILE`.");
  std::string cosign_secret_path;
  std::string cosign_list_name;
  std::string cosign_output_dir;

  explicit Commands(std::uint64_t now_unix) {
    app.require_subcommand(1);
    keygen->add_option("-p,--public-key", public_path, "The public key to write")
        ->option_text("PUBLIC.pub")
        ->required();
    add_secret_key_option(*keygen, keygen_secret_path, "The secret key to create");

    request.now_unix = now_unix;
    request.created_unix = now_unix;
    add_secret_key_option(*publish, publish_secret_path, "The secret key");
    add_list_name_option(*publish, request.list_name);
    command_line::add_decimal(*publish, "--serial", request.serial,
                              "The serial (default, or 0: one more than the published one)",
                              {0, UINT64_MAX, "serial", "N"});
    command_line::add_decimal(*publish, "--created", request.created_unix, "The creation time (default: now)",
                              {0, UINT64_MAX, "Unix time", "UNIX"});
    command_line::add_decimal(*publish, "--lifetime", request.lifetime_seconds,
                              "Time until resolvers refuse the list as stale (default 604800, 7 days)",
                              {1, UINT64_MAX, "lifetime", "SECONDS"});
    command_line::add_decimal(*publish, "--keep-deltas", request.kept_deltas,
                              "Deltas from this many earlier serials (default 8)",
                              {0, UINT64_MAX, "number of deltas", "N"});
    publish->add_option("--public-suffix-list", public_suffix_path,
                        "The Public Suffix List to warn against (default: Debian's)")
        ->option_text("FILE");
    publish->add_option("LIST_FILE", request.list_path, "The list")->required();
    publish->add_option("OUTPUT_DIR", request.output_dir, "The directory the HTTP server serves")->required();

    add_secret_key_option(*cosign, cosign_secret_path, "The secret key");
    add_list_name_option(*cosign, cosign_list_name);
    cosign->add_option("OUTPUT_DIR", cosign_output_dir, "The directory the list was published in")->required();
  }

  // Runs the command the command line chose.
  int run() {
    const CLI::App* chosen = app.get_subcommands().front();
    try {
      if (chosen == keygen) return make_key_pair(public_path, keygen_secret_path);
      if (chosen == publish) return publish_list(std::move(request), publish_secret_path, public_suffix_path);
      return cosign_list(cosign_secret_path, cosign_list_name, cosign_output_dir);
    } catch (const std::exception& error) {
      dnsstop::log_line(dnsstop::LogLevel::kError, chosen->get_name() + ": " + error.what());
      return kExitFailure;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  Commands commands(static_cast<std::uint64_t>(std::time(nullptr)));
  if (const std::optional<int> done = command_line::parse(commands.app, argc, argv)) return *done;
  return commands.run();
}
