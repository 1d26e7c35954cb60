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

int keygen(const std::string& public_path, const std::string& secret_path) {
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
int publish(dnsstop::sync::PublishRequest request, const std::string& secret_path,
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

int cosign(const std::string& secret_path, const std::string& list_name, const std::string& output_dir) {
  const dnsstop::minisign::SecretKey key = read_secret_key(secret_path);
  const std::string path = dnsstop::sync::cosign(output_dir, list_name, key);
  std::printf("co-signed %s with key %s: %s\n", list_name.c_str(), dnsstop::minisign::key_id_text(key.id).c_str(),
              path.c_str());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  namespace command_line = dnsstop::command_line;
  command_line::App app(
      "The publisher's tool: Ed25519 keys in minisign's formats, lists signed into a directory for any static HTTP "
      "server, and a second person's signature.",
      "dnsstop-publish");
  app.require_subcommand(1);
  const auto secret_key_option = [](CLI::App* command, std::string& path) {
    command->add_option("-s,--secret-key", path, "The secret key")->option_text("SECRET.key")->required();
  };
  const auto list_name_option = [](CLI::App* command, std::string& name) {
    command->add_option("-n,--name", name, "The list's name")->option_text("NAME")->required();
  };

  std::string public_path;
  std::string keygen_secret_path;
  CLI::App* keygen_app = app.add_subcommand(
      "keygen", "Make an Ed25519 key pair. PUBLIC.pub is a minisign public key for the resolvers' configuration; "
                "SECRET.key is created readable by you only.");
  keygen_app->add_option("-p,--public-key", public_path, "The public key to write")
      ->option_text("PUBLIC.pub")
      ->required();
  keygen_app->add_option("-s,--secret-key", keygen_secret_path, "The secret key to create")
      ->option_text("SECRET.key")
      ->required();

  dnsstop::sync::PublishRequest request;
  request.now_unix = static_cast<std::uint64_t>(std::time(nullptr));
  request.created_unix = request.now_unix;
  std::string publish_secret_path;
  std::string public_suffix_path(dnsstop::kDebianPublicSuffixList);
  CLI::App* publish_app = app.add_subcommand(
      "publish",
      "Publish LIST_FILE as list NAME: write OUTPUT_DIR/NAME.manifest and its .minisig, the full list and deltas "
      "from the kept earlier serials. Warns about entries that block a whole public suffix (resolvers hold such a "
      "version for their operator's approval).");
  secret_key_option(publish_app, publish_secret_path);
  list_name_option(publish_app, request.list_name);
  publish_app->add_option("--serial", request.serial, "The serial (default, or 0: one more than the published one)")
      ->check(command_line::decimal(0, UINT64_MAX, "serial"))
      ->option_text("N");
  publish_app->add_option("--created", request.created_unix, "The creation time (default: now)")
      ->check(command_line::decimal(0, UINT64_MAX, "Unix time"))
      ->option_text("UNIX");
  publish_app
      ->add_option("--lifetime", request.lifetime_seconds,
                   "Time until resolvers refuse the list as stale (default 604800, 7 days)")
      ->check(command_line::decimal(1, UINT64_MAX, "lifetime"))
      ->option_text("SECONDS");
  publish_app->add_option("--keep-deltas", request.kept_deltas, "Deltas from this many earlier serials (default 8)")
      ->check(command_line::decimal(0, UINT64_MAX, "number of deltas"))
      ->option_text("N");
  publish_app
      ->add_option("--public-suffix-list", public_suffix_path,
                   "The Public Suffix List to warn against (default: Debian's)")
      ->option_text("FILE");
  publish_app->add_option("LIST_FILE", request.list_path, "The list")->required();
  publish_app->add_option("OUTPUT_DIR", request.output_dir, "The directory the HTTP server serves")->required();

  std::string cosign_secret_path;
  std::string cosign_list_name;
  std::string cosign_output_dir;
  CLI::App* cosign_app = app.add_subcommand(
      "cosign", "Add a second person's signature (a second key) to the manifest published in OUTPUT_DIR, for lists "
                "whose resolvers require two signatures. Each signature file verifies with the stock "
                "`minisign -V -x FILE`.");
  secret_key_option(cosign_app, cosign_secret_path);
  list_name_option(cosign_app, cosign_list_name);
  cosign_app->add_option("OUTPUT_DIR", cosign_output_dir, "The directory the list was published in")->required();

  if (const std::optional<int> done = command_line::parse(app, argc, argv)) return *done;
  const CLI::App* chosen = app.get_subcommands().front();
  try {
    if (chosen == keygen_app) return keygen(public_path, keygen_secret_path);
    if (chosen == publish_app) return publish(std::move(request), publish_secret_path, public_suffix_path);
    return cosign(cosign_secret_path, cosign_list_name, cosign_output_dir);
  } catch (const std::exception& error) {
    dnsstop::log_line(dnsstop::LogLevel::kError, chosen->get_name() + ": " + error.what());
    return kExitFailure;
  }
}
