// The acceptance rules, in the order docs/list-distribution.md gives them. Every
// refusal is a Rejection carrying its reason; sync_list turns it into one log line
// and one count, and nothing held changes.
#include "blocklist-sync/syncer.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "blocklist-sync/files.h"
#include "core/file_io.h"
#include "blocklist-sync/log.h"
#include "core/list_delta.h"
#include "core/snapshot_builder.h"
#include "core/snapshot_file.h"

namespace dnsstop::sync {
namespace {

constexpr std::uint64_t kMaxSignatureBytes = 4096;
// Far longer than a publisher takes between its two renames.
constexpr std::chrono::milliseconds kPublicationRaceDelay{500};

std::string describe_list(const ListConfig& list) { return "list " + list.name; }

}  // namespace

Syncer::Syncer(const Config& config) : config_(config), store_(config.sync.state_dir) {
  held_.resize(config.lists.size());
  statuses_.resize(config.lists.size());
  for (const ListConfig& list : config.lists) {
    fetchers_.push_back(std::make_unique<Fetcher>(list.source, config.sync.timeout_seconds));
    std::vector<minisign::PublicKey> keys;
    for (const std::string& key : list.source.public_keys) keys.push_back(minisign::parse_public_key(key));
    keys_.push_back(std::move(keys));
  }
  for (std::size_t index = 0; index < config.lists.size(); ++index) {
    const ListConfig& list = config.lists[index];
    if (list.source.url.empty()) continue;
    try {
      held_[index].accepted = store_.load(list.name);
      if (!held_[index].accepted) continue;
      ListStatus& status = statuses_[index];
      status.held = true;
      status.serial = held_[index].accepted->serial;
      status.published_unix = held_[index].accepted->created_unix;
      status.expires_unix = held_[index].accepted->expires_unix;
      status.last_success_unix = held_[index].accepted->accepted_unix;
      status.entries = held_[index].accepted->entries;
    } catch (const std::exception& error) {
      log_line(LogLevel::kError, describe_list(list) + ": ignoring the saved state: " + error.what());
      held_[index].accepted.reset();
    }
  }
  compare_with_published_snapshot();
}

void Syncer::compare_with_published_snapshot() {
  published_entries_.assign(config_.lists.size(), std::nullopt);
  try {
    const auto snapshot = LoadedSnapshot::load(config_.snapshot.path);
    const SnapshotView& view = snapshot->view();
    if (view.list_count() != config_.lists.size()) {
      changed_ = true;
      return;
    }
    for (std::size_t index = 0; index < config_.lists.size(); ++index) {
      const ListInfo info = view.list(index);
      if (info.name != config_.lists[index].name || info.action != config_.lists[index].action ||
          info.serial != statuses_[index].serial) {
        changed_ = true;
      }
      published_entries_[index] = info.entry_count;
    }
  } catch (const std::exception&) {
    changed_ = true;  // missing or unreadable: publish_if_changed writes a new one
  }
}

bool Syncer::sync_list(std::size_t index, std::uint64_t now) {
  const ListConfig& list = config_.lists[index];
  ListStatus& status = statuses_[index];
  const std::uint64_t requests_before = fetchers_[index]->requests();
  bool current = true;
  try {
    if (!list.source.url.empty()) {
      sync_remote(index, now);
    } else if (!list.file.empty()) {
      sync_local(index);
    }
    status.last_success_unix = now;
  } catch (const Rejection& rejection) {
    ++status.failures[static_cast<std::size_t>(rejection.reason())];
    log_line(LogLevel::kError, describe_list(list) + ": rejected (" + std::string(reason_name(rejection.reason())) +
                                   "): " + rejection.what() + "; keeping serial " + std::to_string(status.serial));
    current = false;
  } catch (const std::exception& error) {
    ++status.failures[static_cast<std::size_t>(Reason::kInternal)];
    log_line(LogLevel::kError, describe_list(list) + ": failed (internal): " + error.what() + "; keeping serial " +
                                   std::to_string(status.serial));
    current = false;
  }
  status.requests += fetchers_[index]->requests() - requests_before;
  return current;
}

void Syncer::sync_local(std::size_t index) {
  const ListConfig& list = config_.lists[index];
  std::string text;
  try {
    text = read_whole_file(list.file, kMaxListFileBytes);
  } catch (const std::exception& error) {
    throw Rejection(Reason::kLocalFile, error.what());
  }
  Held& held = held_[index];
  if (statuses_[index].held && text == held.local_text) return;
  held.entries = parse_checked(index, text);
  const bool first_read = !statuses_[index].held;
  if (!first_read || published_entries_[index] != held.entries.size()) changed_ = true;
  held.local_text = std::move(text);
  held.parsed = true;
  statuses_[index].held = true;
  statuses_[index].entries = held.entries.size();
  log_line(LogLevel::kInfo, describe_list(list) + ": read " + list.file + ", " +
                                std::to_string(held.entries.size()) + " entries");
}

void Syncer::sync_remote(std::size_t index, std::uint64_t now) {
  const ListConfig& list = config_.lists[index];
  Fetcher& fetcher = *fetchers_[index];
  Held& held = held_[index];
  const std::string& url = list.source.url;

  Validators validators;
  if (held.accepted) validators = {held.accepted->etag, held.accepted->last_modified};
  Download manifest_download = fetcher.fetch(url, kMaxManifestBytes, validators);
  if (manifest_download.not_modified) return;

  minisign::Signature signature;
  const auto fetch_signature = [&] {
    const Download download = fetcher.fetch(url + ".minisig", kMaxSignatureBytes, {}, Reason::kMissingSignature);
    try {
      signature = minisign::parse_signature(download.body);
    } catch (const minisign::FormatError& error) {
      throw Rejection(Reason::kBadSignature, error.what());
    }
    return minisign::verify(signature, keys_[index], manifest_download.body);
  };
  minisign::Verdict verdict = fetch_signature();
  if (verdict == minisign::Verdict::kBadSignature) {
    // The publisher replaces the signature, then the manifest: a fetch between the
    // two renames pairs files of two publications. Both are fetched once more.
    std::this_thread::sleep_for(kPublicationRaceDelay);
    manifest_download = fetcher.fetch(url, kMaxManifestBytes);
    verdict = fetch_signature();
  }
  const std::string& manifest_text = manifest_download.body;
  if (verdict == minisign::Verdict::kUnknownKey) {
    throw Rejection(Reason::kUnknownKey, "manifest signed by key " + minisign::key_id_text(signature.key_id) +
                                             ", which public_keys does not hold");
  }
  if (verdict != minisign::Verdict::kValid) {
    throw Rejection(Reason::kBadSignature, "manifest: " + std::string(minisign::verdict_text(verdict)));
  }

  Manifest manifest;
  try {
    const SignedClaims claims = parse_trusted_comment(signature.trusted_comment);
    manifest = parse_manifest(manifest_text);
    if (claims != claims_of(manifest)) {
      throw ManifestError("the signed trusted comment \"" + signature.trusted_comment +
                          "\" does not match the manifest");
    }
  } catch (const ManifestError& error) {
    throw Rejection(Reason::kBadManifest, error.what());
  }
  if (manifest.list_name != list.name) {
    throw Rejection(Reason::kWrongList, "manifest is for list " + manifest.list_name);
  }
  if (manifest.expires_unix <= now) {
    throw Rejection(Reason::kExpired, "manifest serial " + std::to_string(manifest.serial) + " expired at " +
                                          std::to_string(manifest.expires_unix) + " (now " + std::to_string(now) + ")");
  }
  if (held.accepted) {
    const AcceptedList& accepted = *held.accepted;
    if (manifest.serial < accepted.serial ||
        (manifest.serial == accepted.serial && manifest.full.sha256 != accepted.sha256)) {
      throw Rejection(Reason::kRollback, "manifest serial " + std::to_string(manifest.serial) +
                                             (manifest.serial == accepted.serial ? " with other content" : "") +
                                             " does not follow accepted serial " + std::to_string(accepted.serial));
    }
    if (manifest.serial == accepted.serial) {  // the same list, newly served: remember the validators
      held.accepted->etag = manifest_download.etag;
      held.accepted->last_modified = manifest_download.last_modified;
      store_.save(list.name, *held.accepted);
      return;
    }
  }

  std::optional<std::string> text = try_delta(index, manifest, fetcher);
  const bool by_delta = text.has_value();
  if (!text) text = fetch_full(index, manifest, fetcher);
  std::vector<ListEntry> entries = parse_checked(index, *text);

  AcceptedList accepted;
  accepted.serial = manifest.serial;
  accepted.created_unix = manifest.created_unix;
  accepted.expires_unix = manifest.expires_unix;
  accepted.accepted_unix = now;
  accepted.sha256 = manifest.full.sha256;
  accepted.etag = manifest_download.etag;
  accepted.last_modified = manifest_download.last_modified;
  accepted.canonical_text = *std::move(text);
  accepted.entries = entries.size();
  store_.save(list.name, accepted);
  const std::uint64_t previous_serial = held.accepted ? held.accepted->serial : 0;
  held.accepted = std::move(accepted);
  held.entries = std::move(entries);
  held.parsed = true;
  ListStatus& status = statuses_[index];
  status.held = true;
  status.serial = manifest.serial;
  status.published_unix = manifest.created_unix;
  status.expires_unix = manifest.expires_unix;
  status.entries = held.entries.size();
  changed_ = true;
  log_line(LogLevel::kInfo, describe_list(list) + ": accepted serial " + std::to_string(manifest.serial) +
                                (by_delta ? " by delta from " : " as a full list, replacing ") +
                                std::to_string(previous_serial) + ", " + std::to_string(status.entries) +
                                " entries, signed by key " + minisign::key_id_text(signature.key_id));
}

std::optional<std::string> Syncer::try_delta(std::size_t index, const Manifest& manifest, Fetcher& fetcher) {
  const ListConfig& list = config_.lists[index];
  const Held& held = held_[index];
  if (!held.accepted) return std::nullopt;
  const auto delta = std::find_if(manifest.deltas.begin(), manifest.deltas.end(), [&](const DeltaReference& ref) {
    return ref.from_serial == held.accepted->serial;
  });
  if (delta == manifest.deltas.end() || delta->file.size > list.source.max_bytes) return std::nullopt;
  try {
    const Download download = fetcher.fetch(sibling_url(list.source.url, delta->file.name), delta->file.size);
    if (download.body.size() != delta->file.size || sha256(download.body) != delta->file.sha256) {
      throw DeltaError("delta file does not match its size and SHA-256 in the manifest");
    }
    const ListDelta parsed = parse_delta(download.body);
    if (parsed.from_serial != held.accepted->serial || parsed.to_serial != manifest.serial) {
      throw DeltaError("delta file names other serials than the manifest");
    }
    return apply_delta(held.accepted->canonical_text, parsed, manifest.full.sha256);
  } catch (const std::exception& error) {
    log_line(LogLevel::kWarning, describe_list(list) + ": delta from serial " +
                                     std::to_string(held.accepted->serial) + " unusable (" + error.what() +
                                     "); fetching the full list");
    return std::nullopt;
  }
}

std::string Syncer::fetch_full(std::size_t index, const Manifest& manifest, Fetcher& fetcher) {
  const ListConfig& list = config_.lists[index];
  if (manifest.full.size > list.source.max_bytes) {
    throw Rejection(Reason::kOversized, "full list of " + std::to_string(manifest.full.size) +
                                            " bytes exceeds max_bytes " + std::to_string(list.source.max_bytes));
  }
  Download download = fetcher.fetch(sibling_url(list.source.url, manifest.full.name), manifest.full.size);
  if (download.body.size() < manifest.full.size) {
    throw Rejection(Reason::kTruncated, manifest.full.name + ": " + std::to_string(download.body.size()) +
                                            " bytes of the " + std::to_string(manifest.full.size) +
                                            " the manifest names");
  }
  if (sha256(download.body) != manifest.full.sha256) {
    throw Rejection(Reason::kHashMismatch, manifest.full.name + ": SHA-256 differs from the manifest's");
  }
  return std::move(download.body);
}

std::vector<ListEntry> Syncer::parse_checked(std::size_t index, const std::string& text) {
  const ListConfig& list = config_.lists[index];
  ParsedList parsed = parse_list(text, list.name);
  const std::uint64_t limit = parsed.content_lines * list.source.max_skipped_percent;
  if (parsed.skipped_lines * std::uint64_t{100} > limit) {
    throw Rejection(Reason::kBadLines, std::to_string(parsed.skipped_lines) + " of " +
                                           std::to_string(parsed.content_lines) + " lines do not parse (at most " +
                                           std::to_string(list.source.max_skipped_percent) + "% allowed)" +
                                           (parsed.problems.empty() ? "" : "; first: " + parsed.problems.front()));
  }
  return std::move(parsed.entries);
}

bool Syncer::publish_if_changed(std::uint64_t now) {
  struct stat info {};
  const bool snapshot_missing = ::stat(config_.snapshot.path.c_str(), &info) != 0;
  if (!changed_ && !snapshot_missing) return false;
  std::vector<ListInput> inputs;
  for (std::size_t index = 0; index < config_.lists.size(); ++index) {
    const ListConfig& list = config_.lists[index];
    const bool fetched = !list.source.url.empty();
    if ((fetched || !list.file.empty()) && !statuses_[index].held) {
      log_line(LogLevel::kError, "not publishing a snapshot: " + describe_list(list) +
                                     " has no accepted version yet, and leaving it out would unblock its names");
      return false;
    }
    Held& held = held_[index];
    if (!held.parsed && held.accepted) {
      held.entries = parse_list(held.accepted->canonical_text, list.name).entries;
      held.parsed = true;
    }
    inputs.push_back({list.name, list.action, statuses_[index].serial, statuses_[index].published_unix,
                      held_[index].entries});
  }
  const std::vector<std::uint8_t> bytes = build_snapshot(inputs, now);
  write_file_atomically(config_.snapshot.path, bytes);
  changed_ = false;
  log_line(LogLevel::kInfo, "published snapshot " + config_.snapshot.path + " (" + std::to_string(bytes.size()) +
                                " bytes)");
  return true;
}

std::string Syncer::metrics_text(std::uint64_t now) const {
  std::string text =
      "# HELP dnsstop_sync_list_serial Accepted serial of the list (0: local file or none yet).\n"
      "# TYPE dnsstop_sync_list_serial gauge\n";
  const auto each_list = [&](const std::string& metric, auto value) {
    for (std::size_t index = 0; index < config_.lists.size(); ++index) {
      text += metric + "{list=\"" + config_.lists[index].name + "\"} " + std::to_string(value(statuses_[index])) + '\n';
    }
  };
  each_list("dnsstop_sync_list_serial", [](const ListStatus& s) { return s.serial; });
  text += "# HELP dnsstop_sync_list_entries Entries of the accepted list.\n# TYPE dnsstop_sync_list_entries gauge\n";
  each_list("dnsstop_sync_list_entries", [](const ListStatus& s) { return s.entries; });
  text += "# HELP dnsstop_sync_last_success_seconds Unix time of the last round that left the list current.\n"
          "# TYPE dnsstop_sync_last_success_seconds gauge\n";
  each_list("dnsstop_sync_last_success_seconds", [](const ListStatus& s) { return s.last_success_unix; });
  text += "# HELP dnsstop_sync_list_age_seconds Seconds since the accepted list was published.\n"
          "# TYPE dnsstop_sync_list_age_seconds gauge\n";
  each_list("dnsstop_sync_list_age_seconds", [&](const ListStatus& s) {
    return s.published_unix == 0 || s.published_unix > now ? 0 : now - s.published_unix;
  });
  text += "# HELP dnsstop_sync_list_expiry_timestamp_seconds Unix time the accepted list's manifest expires "
          "(0: local file or none yet).\n"
          "# TYPE dnsstop_sync_list_expiry_timestamp_seconds gauge\n";
  each_list("dnsstop_sync_list_expiry_timestamp_seconds", [](const ListStatus& s) { return s.expires_unix; });
  text += "# HELP dnsstop_sync_requests_total HTTP requests made for the list.\n"
          "# TYPE dnsstop_sync_requests_total counter\n";
  each_list("dnsstop_sync_requests_total", [](const ListStatus& s) { return s.requests; });
  text += "# HELP dnsstop_sync_failures_total Rejected updates by reason.\n"
          "# TYPE dnsstop_sync_failures_total counter\n";
  for (std::size_t index = 0; index < config_.lists.size(); ++index) {
    for (std::size_t reason = 0; reason < statuses_[index].failures.size(); ++reason) {
      text += "dnsstop_sync_failures_total{list=\"" + config_.lists[index].name + "\",reason=\"" +
              std::string(kReasonNames[reason]) + "\"} " + std::to_string(statuses_[index].failures[reason]) + '\n';
    }
  }
  return text;
}

}  // namespace dnsstop::sync
