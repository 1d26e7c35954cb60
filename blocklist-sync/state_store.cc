// State files are "key value" lines; values run to the end of the line. A version
// line ("earlier", "held") holds its fields separated by single spaces.
#include "blocklist-sync/state_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string_view>

#include "blocklist-sync/files.h"
#include "core/decimal.h"
#include "core/file_io.h"
#include "core/split.h"

namespace dnsstop::sync {
namespace {

constexpr std::size_t kMaxStateBytes = 64 * 1024;
constexpr std::size_t kMaxListBytes = std::size_t{4} << 30;
constexpr std::string_view kMagic = "dnsstop-sync-state 1";

struct StateParser {
  const std::string& path;
  [[noreturn]] void damaged() const { throw std::runtime_error(path + ": damaged state file"); }
  std::uint64_t number(std::string_view text) const {
    const std::optional<std::uint64_t> number = parse_decimal(text);
    if (!number) damaged();
    return *number;
  }
  Sha256 digest(std::string_view text) const {
    const auto digest = sha256_from_hex(text);
    if (!digest) damaged();
    return *digest;
  }
  // "SERIAL SHA256 CREATED EXPIRES SEEN ENTRIES SIGNERS [REASON]"
  VersionInfo version(std::string_view text, Reason* reason) const {
    const std::vector<std::string_view> fields = split(text, ' ');
    if (fields.size() != (reason != nullptr ? 8u : 7u)) damaged();
    VersionInfo version;
    version.serial = number(fields[0]);
    version.sha256 = digest(fields[1]);
    version.created_unix = number(fields[2]);
    version.expires_unix = number(fields[3]);
    version.seen_unix = number(fields[4]);
    version.entries = number(fields[5]);
    if (fields[6] != "-") version.signers = fields[6];
    if (reason != nullptr) {
      const auto parsed = reason_from_name(fields[7]);
      if (!parsed) damaged();
      *reason = *parsed;
    }
    if (version.serial == 0) damaged();
    return version;
  }
};

std::string version_line(const VersionInfo& version) {
  return std::to_string(version.serial) + ' ' + to_hex(version.sha256) + ' ' + std::to_string(version.created_unix) +
         ' ' + std::to_string(version.expires_unix) + ' ' + std::to_string(version.seen_unix) + ' ' +
         std::to_string(version.entries) + ' ' + (version.signers.empty() ? "-" : version.signers);
}

}  // namespace

const VersionInfo* ListState::accepted(std::uint64_t serial) const {
  if (newest && newest->serial == serial) return &*newest;
  const auto kept = std::find_if(earlier.begin(), earlier.end(), [&](const VersionInfo& v) { return v.serial == serial; });
  return kept == earlier.end() ? nullptr : &*kept;
}

std::string StateStore::state_path(const std::string& list_name) const {
  return directory_ + '/' + list_name + ".state";
}

std::string StateStore::list_path(const std::string& list_name, std::uint64_t serial) const {
  return directory_ + '/' + list_file_name(list_name, serial);
}

std::string StateStore::journal_path(const std::string& list_name) const {
  return dnsstop::journal_path(directory_, list_name);
}

std::string StateStore::request_path(const std::string& list_name, std::string_view kind) const {
  return directory_ + '/' + list_name + '.' + std::string(kind);
}

ListState StateStore::load(const std::string& list_name) const {
  const std::string path = state_path(list_name);
  ListState state;
  const std::optional<std::string> text = read_file_if_present(path, kMaxStateBytes);
  if (!text) return state;
  const StateParser parser{path};
  std::string_view rest = *text;
  if (!rest.starts_with(std::string(kMagic) + '\n')) throw std::runtime_error(path + ": not a state file");
  rest.remove_prefix(kMagic.size() + 1);
  VersionInfo newest;
  bool have_hash = false;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) parser.damaged();
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    const std::size_t space = line.find(' ');
    const std::string_view key = line.substr(0, space);
    const std::string_view value = space == std::string_view::npos ? "" : line.substr(space + 1);
    if (key == "serial") newest.serial = parser.number(value);
    else if (key == "created") newest.created_unix = parser.number(value);
    else if (key == "expires") newest.expires_unix = parser.number(value);
    else if (key == "accepted") newest.seen_unix = parser.number(value);
    else if (key == "entries") newest.entries = parser.number(value);
    else if (key == "etag") newest.etag = value;
    else if (key == "last_modified") newest.last_modified = value;
    else if (key == "signers") newest.signers = value;
    else if (key == "pinned") state.pinned = parser.number(value);
    else if (key == "earlier") state.earlier.push_back(parser.version(value, nullptr));
    else if (key == "held") state.held = parser.version(value, &state.held_reason);
    else if (key == "held_etag" && state.held) state.held->etag = value;
    else if (key == "held_last_modified" && state.held) state.held->last_modified = value;
    else if (key == "held_why") state.held_why = value;
    else if (key == "sha256") {
      newest.sha256 = parser.digest(value);
      have_hash = true;
    }
  }
  if (newest.serial != 0 || have_hash) {
    if (newest.serial == 0 || !have_hash) parser.damaged();
    state.newest = std::move(newest);
  }
  if (state.pinned != 0 && state.accepted(state.pinned) == nullptr) parser.damaged();
  return state;
}

std::string StateStore::read_list(const std::string& list_name, const VersionInfo& version) const {
  const std::string path = list_path(list_name, version.serial);
  std::string text = read_whole_file(path, kMaxListBytes);
  if (sha256(text) != version.sha256) {
    throw std::runtime_error(path + ": does not match the hash in " + state_path(list_name));
  }
  return text;
}

void StateStore::save(const std::string& list_name, const ListState& state,
                      const std::vector<std::pair<std::uint64_t, const std::string*>>& new_texts) const {
  ::mkdir(directory_.c_str(), 0750);
  for (const auto& [serial, text] : new_texts) write_file_atomically(list_path(list_name, serial), *text);
  std::string text = std::string(kMagic) + '\n';
  if (state.newest) {
    const VersionInfo& newest = *state.newest;
    text += "serial " + std::to_string(newest.serial) + '\n';
    text += "sha256 " + to_hex(newest.sha256) + '\n';
    text += "created " + std::to_string(newest.created_unix) + '\n';
    text += "expires " + std::to_string(newest.expires_unix) + '\n';
    text += "accepted " + std::to_string(newest.seen_unix) + '\n';
    text += "entries " + std::to_string(newest.entries) + '\n';
    if (!newest.signers.empty()) text += "signers " + newest.signers + '\n';
    if (!newest.etag.empty()) text += "etag " + newest.etag + '\n';
    if (!newest.last_modified.empty()) text += "last_modified " + newest.last_modified + '\n';
  }
  if (state.pinned != 0) text += "pinned " + std::to_string(state.pinned) + '\n';
  for (const VersionInfo& version : state.earlier) text += "earlier " + version_line(version) + '\n';
  if (state.held) {
    text += "held " + version_line(*state.held) + ' ' + std::string(reason_name(state.held_reason)) + '\n';
    if (!state.held->etag.empty()) text += "held_etag " + state.held->etag + '\n';
    if (!state.held->last_modified.empty()) text += "held_last_modified " + state.held->last_modified + '\n';
    text += "held_why " + state.held_why + '\n';
  }
  write_file_atomically(state_path(list_name), text);

  // List files the state no longer names: versions rotated out, held ones dropped.
  // The state is saved already; a directory that cannot be read leaves them for the
  // next save.
  std::vector<std::uint64_t> kept;
  try {
    kept = list_file_serials(directory_, list_name);
  } catch (const FileError&) {
    return;
  }
  for (const std::uint64_t serial : kept) {
    if (state.accepted(serial) == nullptr && !(state.held && state.held->serial == serial)) {
      ::unlink(list_path(list_name, serial).c_str());
    }
  }
}

void StateStore::append_journal(const std::string& list_name, const JournalRecord& record) const {
  ::mkdir(directory_.c_str(), 0750);
  append_to_file(journal_path(list_name), format_journal_record(record), 0640);
}

std::optional<std::uint64_t> StateStore::read_request(const std::string& list_name, std::string_view kind) const {
  const std::string path = request_path(list_name, kind);
  const std::optional<std::string> text = read_file_if_present(path, 64);
  if (!text) return std::nullopt;
  std::string_view digits = *text;
  if (digits.ends_with('\n')) digits.remove_suffix(1);
  return StateParser{path}.number(digits);
}

void StateStore::write_request(const std::string& list_name, std::string_view kind, std::uint64_t serial) const {
  const std::string path = request_path(list_name, kind);
  write_file_atomically(path, std::to_string(serial) + '\n');
  struct stat directory_info {};
  if (::stat(directory_.c_str(), &directory_info) != 0) throw FileError(directory_, "stat", errno);
  // Run as root, the command leaves the request to the daemon's user, as the directory is.
  if (::chown(path.c_str(), directory_info.st_uid, directory_info.st_gid) != 0 && errno != EPERM) {
    throw FileError(path, "change its owner", errno);
  }
}

void StateStore::remove_request(const std::string& list_name, std::string_view kind) const {
  const std::string path = request_path(list_name, kind);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw FileError(path, "remove", errno);
}

}  // namespace dnsstop::sync
