// Publishing: canonicalise, diff against the kept earlier full lists, write data
// files, then sign and write the manifest, then remove files no manifest names.
#include "blocklist-sync/publisher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "blocklist-sync/files.h"
#include "core/decimal.h"
#include "core/file_io.h"
#include "core/list_delta.h"
#include "core/list_name.h"
#include "core/list_parser.h"
#include "core/update_rules.h"

namespace dnsstop::sync {
namespace {

std::string delta_name(const std::string& list, std::uint64_t from, std::uint64_t to) {
  return list + '-' + std::to_string(from) + '-' + std::to_string(to) + ".delta";
}

PublishedFile write_published(const std::string& directory, const std::string& name, const std::string& text) {
  write_file_atomically(directory + '/' + name, text);
  return {name, text.size(), sha256(text)};
}

// The numbers N >= 2 of the co-signature files NAME.manifest.minisig.N in `directory`, ascending.
std::vector<std::uint64_t> cosignature_numbers(const std::string& directory, const std::string& list) {
  std::vector<std::uint64_t> numbers;
  std::vector<std::string> files;
  try {
    files = directory_entries(directory);
  } catch (const FileError&) {
    return numbers;
  }
  const std::string prefix = list + ".manifest.minisig.";
  for (const std::string& file : files) {
    if (!file.starts_with(prefix)) continue;
    const std::optional<std::uint64_t> number = parse_decimal(std::string_view(file).substr(prefix.size()));
    if (number && *number >= 2) numbers.push_back(*number);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

// mkdir -p: each missing directory of `path`, 0755 (what a static server serves).
void make_directories(const std::string& path) {
  for (std::size_t slash = path.find('/', 1); ; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      throw FileError(prefix, "create the output directory", errno);
    }
    if (slash == std::string::npos) return;
  }
}

// Seconds of the file's mtime; 0 when there is none.
std::int64_t mtime_seconds(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<std::int64_t>(info.st_mtim.tv_sec) : 0;
}

void set_mtime_seconds(const std::string& path, std::int64_t seconds) {
  const timespec times[2] = {{seconds, 0}, {seconds, 0}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
    throw FileError(path, "set its time", errno);
  }
}

void remove_unreferenced(const std::string& directory, const Manifest& manifest) {
  std::vector<std::string> keep{manifest.full.name};
  for (const DeltaReference& delta : manifest.deltas) keep.push_back(delta.file.name);
  std::vector<std::string> files;
  try {
    files = directory_entries(directory);
  } catch (const FileError&) {
    return;
  }
  const std::string prefix = manifest.list_name + '-';
  for (const std::string& file : files) {
    const bool ours = file.starts_with(prefix) && file.ends_with(".delta");
    if (ours && std::find(keep.begin(), keep.end(), file) == keep.end()) ::unlink((directory + '/' + file).c_str());
  }
}

}  // namespace

PublishResult publish(const PublishRequest& request) {
  if (!is_valid_list_name(request.list_name)) {
    throw std::runtime_error("list name must be " + std::string(kListNameRule));
  }
  // The same rule as dnsstop-sync's (syncer.cc): a manifest whose expiry is not after
  // now is rejected as expired by every resolver.
  const std::uint64_t expires_unix = request.created_unix + request.lifetime_seconds;
  if (expires_unix <= request.now_unix) {
    throw std::runtime_error("the manifest would expire at " + std::to_string(expires_unix) + " (created " +
                             std::to_string(request.created_unix) + " + lifetime " +
                             std::to_string(request.lifetime_seconds) + " s), which is not after now (" +
                             std::to_string(request.now_unix) +
                             "); every resolver would reject it as expired: give a later --created or a longer "
                             "--lifetime");
  }
  const std::string text = read_whole_file(request.list_path, kMaxListFileBytes);
  PublishResult result;
  const ParsedList parsed = parse_list(text, request.list_path);
  result.problems = parsed.problems;
  result.skipped_lines = parsed.skipped_lines;
  if (request.public_suffixes != nullptr) {
    result.public_suffix_entries =
        dnsstop::public_suffix_entries(parsed.entries, text, *request.public_suffixes, parsed.entries.size());
  }
  make_directories(request.output_dir);

  const std::string manifest_path = request.output_dir + '/' + request.list_name + ".manifest";
  std::uint64_t previous_serial = 0;
  if (const auto previous = read_file_if_present(manifest_path, kMaxManifestBytes)) {
    previous_serial = parse_manifest(*previous).serial;
  }
  const std::uint64_t serial = request.serial != 0 ? request.serial : previous_serial + 1;
  if (serial <= previous_serial) {
    throw std::runtime_error("serial " + std::to_string(serial) + " is not above the published serial " +
                             std::to_string(previous_serial) + "; resolvers would refuse it as a rollback");
  }

  const std::string canonical = canonical_list(text);
  Manifest& manifest = result.manifest;
  manifest.list_name = request.list_name;
  manifest.serial = serial;
  manifest.created_unix = request.created_unix;
  manifest.expires_unix = expires_unix;
  manifest.full = write_published(request.output_dir, list_file_name(request.list_name, serial), canonical);

  std::vector<std::uint64_t> earlier = list_file_serials(request.output_dir, request.list_name);
  std::erase_if(earlier, [&](std::uint64_t old) { return old >= serial; });
  std::reverse(earlier.begin(), earlier.end());
  for (const std::uint64_t old_serial : earlier) {
    const std::string old_path = request.output_dir + '/' + list_file_name(request.list_name, old_serial);
    if (manifest.deltas.size() == std::min(request.kept_deltas, kMaxManifestDeltas)) {
      ::unlink(old_path.c_str());
      continue;
    }
    const std::string old_text = read_whole_file(old_path, kMaxListFileBytes);
    const std::string delta = format_delta(diff_lists(old_text, canonical, old_serial, serial));
    manifest.deltas.push_back(
        {old_serial, write_published(request.output_dir, delta_name(request.list_name, old_serial, serial), delta)});
  }

  const std::string manifest_text = format_manifest(manifest);
  const minisign::Signature signature =
      minisign::sign(request.key, manifest_text, format_trusted_comment(claims_of(manifest)),
                     "dnsstop list manifest signed by key " + minisign::key_id_text(request.key.id));
  // A static server's validators are the mtime in seconds and the size: a manifest
  // replacing one of the same size within the same second must still look new.
  const std::int64_t previous_mtime = mtime_seconds(manifest_path);
  write_file_atomically(manifest_path + ".minisig", minisign::format_signature(signature));
  for (const std::uint64_t number : cosignature_numbers(request.output_dir, request.list_name)) {
    ::unlink((manifest_path + ".minisig." + std::to_string(number)).c_str());  // they signed the old manifest
  }
  write_file_atomically(manifest_path, manifest_text);
  const std::int64_t written_mtime = mtime_seconds(manifest_path);
  if (written_mtime <= previous_mtime) {
    set_mtime_seconds(manifest_path + ".minisig", previous_mtime + 1);
    set_mtime_seconds(manifest_path, previous_mtime + 1);
  }
  remove_unreferenced(request.output_dir, manifest);
  return result;
}

std::string cosign(const std::string& output_dir, const std::string& list_name, const minisign::SecretKey& key) {
  const std::string manifest_path = output_dir + '/' + list_name + ".manifest";
  const std::string manifest_text = read_whole_file(manifest_path, kMaxManifestBytes);
  const Manifest manifest = parse_manifest(manifest_text);
  const std::string comment = format_trusted_comment(claims_of(manifest));
  const minisign::Signature first =
      minisign::parse_signature(read_whole_file(manifest_path + ".minisig", 4096));
  if (first.key_id == key.id) {
    throw std::runtime_error("key " + minisign::key_id_text(key.id) + " made the first signature; a second "
                             "signature needs a second key");
  }
  if (first.trusted_comment != comment) {
    throw std::runtime_error(manifest_path + ".minisig does not sign this manifest (trusted comment \"" +
                             first.trusted_comment + "\")");
  }
  std::uint64_t number = 2;
  for (const std::uint64_t taken : cosignature_numbers(output_dir, list_name)) {
    const std::string path = manifest_path + ".minisig." + std::to_string(taken);
    const auto existing = read_file_if_present(path, 4096);
    if (existing && minisign::parse_signature(*existing).key_id == key.id) {
      number = taken;  // this key signed before: replace its signature
      break;
    }
    if (taken == number) ++number;
  }
  const std::string path = manifest_path + ".minisig." + std::to_string(number);
  const minisign::Signature signature = minisign::sign(
      key, manifest_text, comment, "dnsstop list manifest co-signed by key " + minisign::key_id_text(key.id));
  write_file_atomically(path, minisign::format_signature(signature));
  return path;
}

}  // namespace dnsstop::sync
