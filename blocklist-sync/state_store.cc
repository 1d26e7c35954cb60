// State files are "key value" lines; values run to the end of the line.
#include "blocklist-sync/state_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <stdexcept>
#include <string_view>

#include "blocklist-sync/files.h"
#include "core/file_io.h"

namespace dnsstop::sync {
namespace {

constexpr std::size_t kMaxStateBytes = 16 * 1024;
constexpr std::size_t kMaxListBytes = std::size_t{4} << 30;
constexpr std::string_view kMagic = "dnsstop-sync-state 1";

std::uint64_t number_of(std::string_view text, const std::string& path) {
  std::uint64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw std::runtime_error(path + ": damaged state file");
  }
  return number;
}

}  // namespace

std::string StateStore::state_path(const std::string& list_name) const {
  return directory_ + '/' + list_name + ".state";
}

std::string StateStore::list_path(const std::string& list_name, std::uint64_t serial) const {
  return directory_ + '/' + list_name + '-' + std::to_string(serial) + ".list";
}

std::optional<AcceptedList> StateStore::load(const std::string& list_name) const {
  const std::string path = state_path(list_name);
  const std::optional<std::string> text = read_file_if_present(path, kMaxStateBytes);
  if (!text) return std::nullopt;
  std::string_view rest = *text;
  if (!rest.starts_with(std::string(kMagic) + '\n')) throw std::runtime_error(path + ": not a state file");
  rest.remove_prefix(kMagic.size() + 1);
  AcceptedList accepted;
  bool have_hash = false;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) throw std::runtime_error(path + ": damaged state file");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    const std::size_t space = line.find(' ');
    const std::string_view key = line.substr(0, space);
    const std::string_view value = space == std::string_view::npos ? "" : line.substr(space + 1);
    if (key == "serial") accepted.serial = number_of(value, path);
    else if (key == "created") accepted.created_unix = number_of(value, path);
    else if (key == "expires") accepted.expires_unix = number_of(value, path);
    else if (key == "accepted") accepted.accepted_unix = number_of(value, path);
    else if (key == "entries") accepted.entries = number_of(value, path);
    else if (key == "etag") accepted.etag = value;
    else if (key == "last_modified") accepted.last_modified = value;
    else if (key == "sha256") {
      const auto digest = sha256_from_hex(value);
      if (!digest) throw std::runtime_error(path + ": damaged state file");
      accepted.sha256 = *digest;
      have_hash = true;
    }
  }
  if (accepted.serial == 0 || !have_hash) throw std::runtime_error(path + ": damaged state file");
  accepted.canonical_text = read_whole_file(list_path(list_name, accepted.serial), kMaxListBytes);
  if (sha256(accepted.canonical_text) != accepted.sha256) {
    throw std::runtime_error(list_path(list_name, accepted.serial) + ": does not match the hash in " + path);
  }
  return accepted;
}

void StateStore::save(const std::string& list_name, const AcceptedList& accepted) const {
  ::mkdir(directory_.c_str(), 0755);
  std::uint64_t previous_serial = 0;
  if (const auto previous = read_file_if_present(state_path(list_name), kMaxStateBytes)) {
    const std::size_t at = previous->find("\nserial ");
    if (at != std::string::npos) {
      const std::size_t end = previous->find('\n', at + 8);
      std::from_chars(previous->data() + at + 8, previous->data() + end, previous_serial);
    }
  }
  // The same serial again (new HTTP validators only): its list file is already there.
  if (previous_serial != accepted.serial) {
    write_text_atomically(list_path(list_name, accepted.serial), accepted.canonical_text);
  }
  std::string text = std::string(kMagic) + '\n';
  text += "serial " + std::to_string(accepted.serial) + '\n';
  text += "sha256 " + to_hex(accepted.sha256) + '\n';
  text += "created " + std::to_string(accepted.created_unix) + '\n';
  text += "expires " + std::to_string(accepted.expires_unix) + '\n';
  text += "accepted " + std::to_string(accepted.accepted_unix) + '\n';
  text += "entries " + std::to_string(accepted.entries) + '\n';
  if (!accepted.etag.empty()) text += "etag " + accepted.etag + '\n';
  if (!accepted.last_modified.empty()) text += "last_modified " + accepted.last_modified + '\n';
  write_text_atomically(state_path(list_name), text);
  if (previous_serial != 0 && previous_serial != accepted.serial) {
    ::unlink(list_path(list_name, previous_serial).c_str());
  }
}

}  // namespace dnsstop::sync
