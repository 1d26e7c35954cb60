// Publishing: canonicalise, diff against the kept earlier full lists, write data
// files, then sign and write the manifest, then remove files no manifest names.
#include "blocklist-sync/publisher.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "blocklist-sync/files.h"
#include "core/file_io.h"
#include "core/list_delta.h"
#include "core/list_parser.h"

namespace dnsstop::sync {
namespace {

std::string full_list_name(const std::string& list, std::uint64_t serial) {
  return list + '-' + std::to_string(serial) + ".list";
}

std::string delta_name(const std::string& list, std::uint64_t from, std::uint64_t to) {
  return list + '-' + std::to_string(from) + '-' + std::to_string(to) + ".delta";
}

// Serials of the full lists NAME-SERIAL.list in `directory`, ascending.
std::vector<std::uint64_t> published_serials(const std::string& directory, const std::string& list) {
  std::vector<std::uint64_t> serials;
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) throw std::runtime_error(directory + ": cannot open the output directory");
  const std::string prefix = list + '-';
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view file = entry->d_name;
    if (!file.starts_with(prefix) || !file.ends_with(".list")) continue;
    const std::string_view digits = file.substr(prefix.size(), file.size() - prefix.size() - 5);
    std::uint64_t serial = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), serial);
    if (error == std::errc() && end == digits.data() + digits.size() && serial > 0) serials.push_back(serial);
  }
  ::closedir(dir);
  std::sort(serials.begin(), serials.end());
  return serials;
}

PublishedFile write_published(const std::string& directory, const std::string& name, const std::string& text) {
  write_text_atomically(directory + '/' + name, text);
  return {name, text.size(), sha256(text)};
}

void remove_unreferenced(const std::string& directory, const Manifest& manifest) {
  std::vector<std::string> keep{manifest.full.name};
  for (const DeltaReference& delta : manifest.deltas) keep.push_back(delta.file.name);
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> stale;
  const std::string prefix = manifest.list_name + '-';
  while (const dirent* entry = ::readdir(dir)) {
    const std::string file = entry->d_name;
    const bool ours = file.starts_with(prefix) && file.ends_with(".delta");
    if (ours && std::find(keep.begin(), keep.end(), file) == keep.end()) stale.push_back(file);
  }
  ::closedir(dir);
  for (const std::string& file : stale) ::unlink((directory + '/' + file).c_str());
}

}  // namespace

PublishResult publish(const PublishRequest& request) {
  if (!valid_list_name(request.list_name)) {
    throw std::runtime_error("list name must be 1-32 of A-Z a-z 0-9 . _ -");
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
  manifest.full = write_published(request.output_dir, full_list_name(request.list_name, serial), canonical);

  std::vector<std::uint64_t> earlier = published_serials(request.output_dir, request.list_name);
  std::erase_if(earlier, [&](std::uint64_t old) { return old >= serial; });
  std::reverse(earlier.begin(), earlier.end());
  for (const std::uint64_t old_serial : earlier) {
    const std::string old_path = request.output_dir + '/' + full_list_name(request.list_name, old_serial);
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
  write_text_atomically(manifest_path + ".minisig", minisign::format_signature(signature));
  write_text_atomically(manifest_path, manifest_text);
  remove_unreferenced(request.output_dir, manifest);
  return result;
}

}  // namespace dnsstop::sync
