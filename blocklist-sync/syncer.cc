// The daemon's side of the rules: it fetches, asks core/update_rules.h in the order
// docs/list-distribution.md gives, and applies, holds or refuses. Every refusal is a
// Rejection carrying its reason; sync_list turns it into one log line, one count and
// (once the version is authenticated) one journal record, and nothing in force changes.
#include "blocklist-sync/syncer.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

#include "blocklist-sync/files.h"
#include "blocklist-sync/reload_command.h"
#include "core/file_io.h"
#include "core/list_delta.h"
#include "core/log.h"
#include "core/prometheus_text.h"
#include "core/rpz_zone.h"
#include "core/snapshot_builder.h"
#include "core/snapshot_follower.h"
#include "core/split.h"

namespace dnsstop::sync {
namespace {

constexpr std::uint64_t kMaxSignatureBytes = 4096;
// Far longer than a publisher takes between its two renames.
constexpr std::chrono::milliseconds kPublicationRaceDelay{500};
// Co-signatures are NAME.manifest.minisig.2 up to this (one per possible key).
constexpr std::size_t kMaxSignatureFiles = 8;

std::string describe_list(const ListConfig& list) { return "list " + list.name; }

std::vector<std::string> signer_names(const std::vector<minisign::KeyId>& ids) {
  std::vector<std::string> names;
  for (const minisign::KeyId& id : ids) names.push_back(minisign::key_id_text(id));
  return names;
}

std::string comma_joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

std::vector<std::string> split_signers(const std::string& signers) {
  std::vector<std::string> names;
  for (const std::string_view name : split(signers, ',')) names.emplace_back(name);
  return names;
}

// The per-list metrics, in the order list_figures gives their values.
struct ListMetric {
  const char* name;
  MetricType type;
  const char* help;
};
constexpr ListMetric kListMetrics[] = {
    {"dnsstop_sync_list_serial", MetricType::kGauge, "Serial of the list in force (0: local file or none yet)."},
    {"dnsstop_sync_list_entries", MetricType::kGauge, "Entries of the list in force."},
    {"dnsstop_sync_last_success_seconds", MetricType::kGauge,
     "Unix time of the last round that left the list current."},
    {"dnsstop_sync_list_age_seconds", MetricType::kGauge, "Seconds since the list in force was published."},
    {"dnsstop_sync_list_expiry_timestamp_seconds", MetricType::kGauge,
     "Unix time the manifest of the list in force expires (0: local file or none yet)."},
    {"dnsstop_sync_list_held", MetricType::kGauge,
     "1 while a version of the list is held awaiting the operator's approval."},
    {"dnsstop_sync_list_held_serial", MetricType::kGauge, "Serial of the version held awaiting approval (0: none)."},
    {"dnsstop_sync_list_pinned_serial", MetricType::kGauge, "Serial the operator pinned in force (0: none)."},
    {"dnsstop_sync_requests_total", MetricType::kCounter, "HTTP requests made for the list."},
};

std::array<std::uint64_t, std::size(kListMetrics)> list_figures(const ListStatus& status, std::uint64_t now) {
  const bool published = status.published_unix != 0 && status.published_unix <= now;
  return {status.serial,
          status.entries,
          status.last_success_unix,
          published ? now - status.published_unix : 0,
          status.expires_unix,
          status.held_serial != 0 ? 1u : 0u,
          status.held_serial,
          status.pinned_serial,
          status.requests};
}

std::uint64_t line_count(const std::string& canonical) {
  return static_cast<std::uint64_t>(std::count(canonical.begin(), canonical.end(), '\n'));
}

}  // namespace

Syncer::Syncer(const Config& config)
    : config_(config), store_(config.sync.state_dir), psl_(PublicSuffixList::load_file(config.sync.public_suffix_list)) {
  held_.resize(config.lists.size());
  statuses_.resize(config.lists.size());
  rpz_outputs_.resize(config.sync.rpz_outputs.size());
  for (const ListConfig& list : config.lists) {
    fetchers_.push_back(std::make_unique<Fetcher>(list.source, config.sync.timeout_seconds));
    std::vector<minisign::PublicKey> keys;
    for (const std::string& key : list.source.public_keys) keys.push_back(minisign::parse_public_key(key));
    keys_.push_back(std::move(keys));
  }
  for (std::size_t index = 0; index < config.lists.size(); ++index) {
    const ListConfig& list = config.lists[index];
    if (list.source.url.empty()) continue;
    Held& held = held_[index];
    try {
      held.state = store_.load(list.name);
      if (held.state.newest) held.newest_text = store_.read_list(list.name, *held.state.newest);
      if (held.state.pinned != 0) {
        held.pinned_text = store_.read_list(list.name, *held.state.accepted(held.state.pinned));
      }
      held.rejudge_held = held.state.held.has_value();
    } catch (const std::exception& error) {
      log_line(LogLevel::kError, describe_list(list) + ": ignoring the saved state: " + error.what());
      held = Held{};
    }
    refresh_status(index);
  }
  compare_with_published_snapshot();
}

void Syncer::refresh_status(std::size_t index) {
  const ListState& state = held_[index].state;
  ListStatus& status = statuses_[index];
  status.pinned_serial = state.pinned;
  status.held_serial = state.held ? state.held->serial : 0;
  const VersionInfo* in_force = state.accepted(state.in_force_serial());
  if (in_force == nullptr) return;
  status.has_list = true;
  status.serial = in_force->serial;
  status.published_unix = in_force->created_unix;
  status.expires_unix = in_force->expires_unix;
  status.entries = in_force->entries;
  if (status.last_success_unix == 0) status.last_success_unix = state.newest->seen_unix;
}

void Syncer::compare_with_published_snapshot() {
  published_entries_.assign(config_.lists.size(), std::nullopt);
  changed_ = true;  // unless the snapshot in place holds exactly the lists in force
  const auto compare = [&](std::shared_ptr<const LoadedSnapshot> snapshot) {
    const SnapshotView& view = snapshot->view();
    if (view.list_count() != config_.lists.size()) return;
    changed_ = false;
    for (std::size_t index = 0; index < config_.lists.size(); ++index) {
      const ListInfo info = view.list(index);
      if (info.name != config_.lists[index].name || info.action != config_.lists[index].action ||
          info.serial != statuses_[index].serial) {
        changed_ = true;
      }
      published_entries_[index] = info.entry_count;
    }
  };
  // A missing or bad snapshot is written anew by publish_if_changed.
  SnapshotFollower({config_.snapshot.path, true, ""}, compare, log_line).check(std::time(nullptr));
}

bool Syncer::sync_list(std::size_t index, std::uint64_t now) {
  const ListConfig& list = config_.lists[index];
  ListStatus& status = statuses_[index];
  const std::uint64_t requests_before = fetchers_[index]->requests();
  bool current = true;
  try {
    if (!list.source.url.empty()) {
      if (held_[index].rejudge_held) rejudge_held(index, now);
      sync_remote(index, now);
    } else if (!list.file.empty()) {
      sync_local(index);
    }
    if (status.held_serial == 0) status.last_success_unix = now;
    current = status.held_serial == 0;
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
  if (statuses_[index].has_list && text == held.local_text) return;
  held.entries = parse_checked(index, text);
  const bool first_read = !statuses_[index].has_list;
  if (!first_read || published_entries_[index] != held.entries.size()) changed_ = true;
  held.local_text = std::move(text);
  held.parsed = true;
  statuses_[index].has_list = true;
  statuses_[index].entries = held.entries.size();
  log_line(LogLevel::kInfo, describe_list(list) + ": read " + list.file + ", " +
                                std::to_string(held.entries.size()) + " entries");
}

std::vector<minisign::Signature> Syncer::fetch_signatures(std::size_t index, const std::string& manifest_url) {
  const ListConfig& list = config_.lists[index];
  Fetcher& fetcher = *fetchers_[index];
  std::vector<minisign::Signature> signatures;
  const Download primary = fetcher.fetch(manifest_url + ".minisig", kMaxSignatureBytes, {}, Reason::kMissingSignature);
  try {
    signatures.push_back(minisign::parse_signature(primary.body));
  } catch (const minisign::FormatError& error) {
    throw Rejection(Reason::kBadSignature, error.what());
  }
  if (list.source.required_signatures < 2) return signatures;
  const std::size_t files = std::min(kMaxSignatureFiles, keys_[index].size());
  for (std::size_t number = 2; number <= files; ++number) {
    const std::string url = manifest_url + ".minisig." + std::to_string(number);
    try {
      signatures.push_back(
          minisign::parse_signature(fetcher.fetch(url, kMaxSignatureBytes, {}, Reason::kMissingSignature).body));
    } catch (const Rejection& missing) {
      if (missing.reason() != Reason::kMissingSignature) throw;
      break;  // co-signatures are numbered without gaps
    } catch (const minisign::FormatError& error) {
      log_line(LogLevel::kWarning, describe_list(list) + ": ignoring " + url + ": " + error.what());
    }
  }
  return signatures;
}

void Syncer::sync_remote(std::size_t index, std::uint64_t now) {
  const ListConfig& list = config_.lists[index];
  Fetcher& fetcher = *fetchers_[index];
  Held& held = held_[index];
  const std::string& url = list.source.url;

  // While a version is held, polling asks whether something newer than it came.
  const std::optional<VersionInfo>& last_seen = held.state.held ? held.state.held : held.state.newest;
  Validators validators;
  if (last_seen) validators = {last_seen->etag, last_seen->last_modified};
  Download manifest_download = fetcher.fetch(url, kMaxManifestBytes, validators);
  if (manifest_download.not_modified) return;

  std::vector<minisign::Signature> signatures = fetch_signatures(index, url);
  SignatureCheck signed_by =
      check_signatures(manifest_download.body, signatures, keys_[index], list.source.required_signatures);
  if (signed_by.failure && signed_by.failure->reason == Reason::kBadSignature) {
    // The publisher replaces the signature, then the manifest: a fetch between the
    // two renames pairs files of two publications. Both are fetched once more.
    std::this_thread::sleep_for(kPublicationRaceDelay);
    manifest_download = fetcher.fetch(url, kMaxManifestBytes);
    signatures = fetch_signatures(index, url);
    signed_by = check_signatures(manifest_download.body, signatures, keys_[index], list.source.required_signatures);
  }
  const std::vector<std::string> signers = signer_names(signed_by.signers);
  // From here on the serial is authenticated (by at least one trusted signature), so
  // a refusal is journaled against it. With too few signatures the manifest is not
  // read, but the valid signature's trusted comment names the serial.
  std::uint64_t serial = 0;
  if (signed_by.failure && signed_by.failure->reason == Reason::kTooFewSignatures) {
    try {
      serial = parse_trusted_comment(signatures.front().trusted_comment).serial;
    } catch (const ManifestError&) {
      // A malformed comment leaves the serial unknown: the refusal is logged and counted only.
    }
  }
  try {
    enforce(signed_by.failure);
    Manifest manifest;
    enforce(check_manifest(manifest_download.body, signatures.front().trusted_comment, list.name, now, manifest));
    serial = manifest.serial;
    const std::optional<std::uint64_t> newest_serial =
        held.state.newest ? std::optional(held.state.newest->serial) : std::nullopt;
    const SerialCheck step = check_serial(manifest, newest_serial,
                                          held.state.newest ? held.state.newest->sha256 : Sha256{}, held.state.pinned);
    enforce(step.failure);
    if (step.step == SerialStep::kUnchanged || (held.state.held && held.state.held->serial == manifest.serial &&
                                                held.state.held->sha256 == manifest.full.sha256)) {
      // The same version, newly served: remember the validators, so polling stays one request.
      ListState next = held.state;
      VersionInfo& same = step.step == SerialStep::kUnchanged ? *next.newest : *next.held;
      same.etag = manifest_download.etag;
      same.last_modified = manifest_download.last_modified;
      save_state(index, std::move(next), {});
      return;
    }

    std::optional<std::string> text = try_delta(index, manifest, fetcher);
    const bool by_delta = text.has_value();
    if (!text) text = fetch_full(index, manifest, fetcher);
    Candidate candidate;
    candidate.entries = parse_checked(index, *text);
    candidate.text = *std::move(text);
    VersionInfo& info = candidate.info;
    info.serial = manifest.serial;
    info.sha256 = manifest.full.sha256;
    info.created_unix = manifest.created_unix;
    info.expires_unix = manifest.expires_unix;
    info.seen_unix = now;
    info.entries = candidate.entries.size();
    info.signers = comma_joined(signers);
    info.etag = manifest_download.etag;
    info.last_modified = manifest_download.last_modified;
    const std::uint64_t newest = newest_serial.value_or(0);
    decide(index, std::move(candidate),
           (by_delta ? "by delta from " : "as a full list, replacing ") + std::to_string(newest), now);
  } catch (const Rejection& rejection) {
    if (serial != 0) journal_refusal(index, serial, rejection, signers, now);
    throw;
  }
}

RuleResult Syncer::judge_guard_rails(std::size_t index, const Candidate& candidate) const {
  const ListConfig& list = config_.lists[index];
  if (list.action != Action::kAllow) {
    if (RuleResult refused = check_protected(candidate.entries, config_.protected_names)) return refused;
  }
  if (RuleResult held = check_public_suffixes(candidate.entries, candidate.text, psl_)) return held;
  if (!statuses_[index].has_list) return std::nullopt;  // the first version: nothing to compare with
  const std::string& lines = in_force_text(index);
  return check_change_bounds(diff_lists(lines, candidate.text, 0, 0), line_count(lines), list.source.change_bounds);
}

void Syncer::decide(std::size_t index, Candidate candidate, const std::string& how, std::uint64_t now) {
  const RuleResult failure = judge_guard_rails(index, candidate);
  if (!failure) return apply(index, std::move(candidate), Decision::kApplied, how, now);
  if (outcome_of(failure->reason) == Outcome::kHeld) return hold(index, std::move(candidate), *failure, now);
  throw Rejection(*failure);
}

const std::string& Syncer::in_force_text(std::size_t index) const {
  const Held& held = held_[index];
  return held.state.pinned != 0 ? held.pinned_text : held.newest_text;
}

void Syncer::set_in_force(std::size_t index, const std::string& lines) {
  Held& held = held_[index];
  held.entries = parse_list(lines, config_.lists[index].name).entries;
  held.parsed = true;
  changed_ = true;
}

void Syncer::save_state(std::size_t index, ListState next,
                        const std::vector<std::pair<std::uint64_t, const std::string*>>& texts) {
  store_.save(config_.lists[index].name, next, texts);
  held_[index].state = std::move(next);
  refresh_status(index);
}

void Syncer::apply(std::size_t index, Candidate candidate, Decision decision, const std::string& why,
                   std::uint64_t now) {
  const ListConfig& list = config_.lists[index];
  Held& held = held_[index];
  ListState next = held.state;
  if (next.newest) next.earlier.insert(next.earlier.begin(), *next.newest);
  next.newest = candidate.info;
  // Keep keep_versions accepted versions in all, and always the pinned one.
  for (std::size_t kept = next.earlier.size(); kept-- > 0;) {
    if (kept + 1 >= config_.sync.keep_versions && next.earlier[kept].serial != next.pinned) {
      next.earlier.erase(next.earlier.begin() + static_cast<std::ptrdiff_t>(kept));
    }
  }
  if (next.held && next.held->serial <= candidate.info.serial) next.held.reset();  // approved or superseded
  const bool pinned = next.pinned != 0;
  ListDelta change;
  if (!pinned) change = diff_lists(in_force_text(index), candidate.text, 0, 0);
  save_state(index, std::move(next), {{candidate.info.serial, &candidate.text}});

  JournalRecord record;
  record.time_unix = now;
  record.serial = candidate.info.serial;
  record.decision = decision;
  record.signers = split_signers(candidate.info.signers);
  record.psl_version = psl_.version();
  record.why = why;
  if (!pinned) {
    record.added_count = change.added.size();
    record.removed_count = change.removed.size();
    record.added = std::move(change.added);
    record.removed = std::move(change.removed);
  } else {
    record.why += "; not in force while serial " + std::to_string(held.state.pinned) + " is pinned";
  }
  held.newest_text = std::move(candidate.text);
  if (!pinned) {
    held.entries = std::move(candidate.entries);
    held.parsed = true;
    changed_ = true;
  }
  journal(index, std::move(record));
  log_line(LogLevel::kInfo, describe_list(list) + ": " +
                                (decision == Decision::kApproved ? "approved by the operator: " : "") +
                                "accepted serial " +
                                std::to_string(held.state.newest->serial) + " " + why + ", " +
                                std::to_string(held.state.newest->entries) + " entries, signed by key " +
                                held.state.newest->signers);
}

void Syncer::hold(std::size_t index, Candidate candidate, const RuleFailure& failure, std::uint64_t now) {
  const ListConfig& list = config_.lists[index];
  ListState next = held_[index].state;
  next.held = candidate.info;
  next.held_reason = failure.reason;
  next.held_why = failure.detail;
  const ListDelta change = diff_lists(in_force_text(index), candidate.text, 0, 0);
  save_state(index, std::move(next), {{candidate.info.serial, &candidate.text}});
  ++statuses_[index].failures[static_cast<std::size_t>(failure.reason)];
  JournalRecord record;
  record.time_unix = now;
  record.serial = candidate.info.serial;
  record.decision = Decision::kHeld;
  record.reason = failure.reason;
  record.signers = split_signers(candidate.info.signers);
  record.psl_version = psl_.version();
  record.added_count = change.added.size();
  record.removed_count = change.removed.size();
  record.why = failure.detail;
  journal(index, std::move(record));
  log_line(LogLevel::kWarning, describe_list(list) + ": held serial " + std::to_string(candidate.info.serial) + " (" +
                                   std::string(reason_name(failure.reason)) + "): " + failure.detail +
                                   "; keeping serial " + std::to_string(statuses_[index].serial) +
                                   "; apply it with `dnsstop-sync approve " + list.name + ' ' +
                                   std::to_string(candidate.info.serial) + "`");
}

void Syncer::rejudge_held(std::size_t index, std::uint64_t now) {
  Held& held = held_[index];
  held.rejudge_held = false;
  if (!held.state.held) return;  // approved or replaced since the start
  const ListConfig& list = config_.lists[index];
  Candidate candidate;
  candidate.info = *held.state.held;
  candidate.text = store_.read_list(list.name, candidate.info);
  candidate.entries = parse_list(candidate.text, list.name).entries;
  const RuleResult failure = judge_guard_rails(index, candidate);
  if (failure && outcome_of(failure->reason) == Outcome::kHeld) return;  // still waits for the operator
  if (!failure) {
    return apply(index, std::move(candidate), Decision::kApplied, "held before, within the rules as configured now",
                 now);
  }
  ListState next = held.state;
  next.held.reset();
  save_state(index, std::move(next), {});
  const Rejection rejection(*failure);
  journal_refusal(index, candidate.info.serial, rejection, split_signers(candidate.info.signers), now);
  throw rejection;
}

std::vector<std::size_t> Syncer::take_operator_requests(std::uint64_t now) {
  std::vector<std::size_t> poll_now;
  for (std::size_t index = 0; index < config_.lists.size(); ++index) {
    if (config_.lists[index].source.url.empty()) continue;
    try {
      take_pin_request(index, now, poll_now);
      take_approve_request(index, now);
    } catch (const std::exception& error) {
      log_line(LogLevel::kError, describe_list(config_.lists[index]) + ": operator request failed: " + error.what());
    }
  }
  return poll_now;
}

void Syncer::take_pin_request(std::size_t index, std::uint64_t now, std::vector<std::size_t>& poll_now) {
  const ListConfig& list = config_.lists[index];
  Held& held = held_[index];
  const std::uint64_t wanted = store_.read_request(list.name, "pin").value_or(0);
  if (wanted == held.state.pinned || (wanted != 0 && wanted == held.refused_pin)) return;
  JournalRecord record;
  record.time_unix = now;
  std::string after;
  ListState next = held.state;
  if (wanted != 0) {
    const VersionInfo* version = held.state.accepted(wanted);
    if (version == nullptr) {
      held.refused_pin = wanted;
      log_line(LogLevel::kError, describe_list(list) + ": cannot pin serial " + std::to_string(wanted) +
                                     ": it is not one of the kept versions");
      return;
    }
    after = store_.read_list(list.name, *version);
    next.pinned = wanted;
    record.decision = Decision::kPinned;
    record.serial = wanted;
    record.signers = split_signers(version->signers);
    record.why = "pinned by the operator; newer serials wait for unpin";
  } else {
    after = held.newest_text;
    next.pinned = 0;
    record.decision = Decision::kUnpinned;
    record.serial = next.newest->serial;
    record.signers = split_signers(next.newest->signers);
    record.why = "unpinned by the operator; following the publisher again";
    poll_now.push_back(index);
  }
  ListDelta change = diff_lists(in_force_text(index), after, 0, 0);
  record.added_count = change.added.size();
  record.removed_count = change.removed.size();
  record.added = std::move(change.added);
  record.removed = std::move(change.removed);
  held.refused_pin = 0;
  save_state(index, std::move(next), {});
  set_in_force(index, after);
  held.pinned_text = wanted != 0 ? std::move(after) : std::string();
  journal(index, std::move(record));
  log_line(LogLevel::kWarning, describe_list(list) + ": " +
                                   (wanted != 0 ? "pinned serial " + std::to_string(wanted) + " by the operator"
                                                : "unpinned by the operator; serial " +
                                                      std::to_string(statuses_[index].serial) + " in force"));
}

void Syncer::take_approve_request(std::size_t index, std::uint64_t now) {
  const ListConfig& list = config_.lists[index];
  const std::optional<std::uint64_t> serial = store_.read_request(list.name, "approve");
  if (!serial) return;
  // Taken once, whatever comes of it; removed last, so that the waiting command then
  // finds the state it asked for.
  struct RemoveWhenDone {
    const StateStore& store;
    const std::string& list;
    ~RemoveWhenDone() {
      try {
        store.remove_request(list, "approve");
      } catch (const std::exception& error) {
        log_line(LogLevel::kError, "list " + list + ": " + error.what());
      }
    }
  } remove_when_done{store_, list.name};
  const ListState& state = held_[index].state;
  if (!state.held || state.held->serial != *serial) {
    log_line(LogLevel::kError, describe_list(list) + ": cannot approve serial " + std::to_string(*serial) +
                                   ": " + (state.held ? "the held serial is " + std::to_string(state.held->serial)
                                                      : std::string("no version is held")));
    return;
  }
  Candidate candidate;
  candidate.info = *state.held;
  candidate.text = store_.read_list(list.name, candidate.info);
  candidate.entries = parse_list(candidate.text, list.name).entries;
  apply(index, std::move(candidate), Decision::kApproved,
        "approved by the operator, held for " + std::string(reason_name(state.held_reason)) + ": " + state.held_why,
        now);
}

void Syncer::journal(std::size_t index, JournalRecord record) {
  Held& held = held_[index];
  if (!changes_lines_in_force(record.decision)) {
    const std::string key = std::to_string(record.serial) + ' ' + std::string(decision_name(record.decision)) + ' ' +
                            std::string(record.reason ? reason_name(*record.reason) : "-");
    if (key == held.last_journaled) return;
    held.last_journaled = key;
  } else {
    held.last_journaled.clear();
  }
  try {
    store_.append_journal(config_.lists[index].name, record);
  } catch (const std::exception& error) {
    log_line(LogLevel::kError, describe_list(config_.lists[index]) + ": cannot write the journal: " + error.what());
  }
}

void Syncer::journal_refusal(std::size_t index, std::uint64_t serial, const Rejection& rejection,
                             const std::vector<std::string>& signers, std::uint64_t now) {
  JournalRecord record;
  record.time_unix = now;
  record.serial = serial;
  record.decision = Decision::kRefused;
  record.reason = rejection.reason();
  record.signers = signers;
  record.why = rejection.what();
  if (rejection.reason() == Reason::kProtectedName) record.psl_version = psl_.version();
  journal(index, std::move(record));
}

std::optional<std::string> Syncer::try_delta(std::size_t index, const Manifest& manifest, Fetcher& fetcher) {
  const ListConfig& list = config_.lists[index];
  const Held& held = held_[index];
  if (!held.state.newest) return std::nullopt;
  const std::uint64_t base = held.state.newest->serial;
  const auto delta = std::find_if(manifest.deltas.begin(), manifest.deltas.end(),
                                  [&](const DeltaReference& ref) { return ref.from_serial == base; });
  if (delta == manifest.deltas.end() || delta->file.size > list.source.max_bytes) return std::nullopt;
  try {
    const Download download = fetcher.fetch(sibling_url(list.source.url, delta->file.name), delta->file.size);
    if (check_download(delta->file, download.body)) {
      throw DeltaError("delta file does not match its size and SHA-256 in the manifest");
    }
    const ListDelta parsed = parse_delta(download.body);
    if (parsed.from_serial != base || parsed.to_serial != manifest.serial) {
      throw DeltaError("delta file names other serials than the manifest");
    }
    return apply_delta(held.newest_text, parsed, manifest.full.sha256);
  } catch (const std::exception& error) {
    log_line(LogLevel::kWarning, describe_list(list) + ": delta from serial " + std::to_string(base) + " unusable (" +
                                     error.what() + "); fetching the full list");
    return std::nullopt;
  }
}

std::string Syncer::fetch_full(std::size_t index, const Manifest& manifest, Fetcher& fetcher) {
  const ListConfig& list = config_.lists[index];
  enforce(check_declared_size(manifest.full, list.source.max_bytes));
  Download download = fetcher.fetch(sibling_url(list.source.url, manifest.full.name), manifest.full.size);
  enforce(check_download(manifest.full, download.body));
  return std::move(download.body);
}

std::vector<ListEntry> Syncer::parse_checked(std::size_t index, const std::string& text) {
  const ListConfig& list = config_.lists[index];
  ParsedList parsed = parse_list(text, list.name);
  enforce(check_skipped_lines(parsed, list.source.max_skipped_percent));
  return std::move(parsed.entries);
}

bool Syncer::publish_if_changed(std::uint64_t now) {
  const auto missing = [](const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) != 0;
  };
  const bool snapshot_due = config_.sync.write_snapshot && (changed_ || missing(config_.snapshot.path));
  bool rpz_due = false;
  for (std::size_t output = 0; output < rpz_outputs_.size(); ++output) {
    RpzOutputStatus& status = rpz_outputs_[output];
    status.due = status.due || changed_ || missing(config_.sync.rpz_outputs[output].path);
    rpz_due = rpz_due || status.due;
  }
  if (!snapshot_due && !rpz_due) return false;
  std::vector<ListInput> inputs;
  for (std::size_t index = 0; index < config_.lists.size(); ++index) {
    const ListConfig& list = config_.lists[index];
    const bool fetched = !list.source.url.empty();
    if ((fetched || !list.file.empty()) && !statuses_[index].has_list) {
      log_line(LogLevel::kError, "not publishing a snapshot: " + describe_list(list) +
                                     " has no accepted version yet, and leaving it out would unblock its names");
      return false;
    }
    Held& held = held_[index];
    if (!held.parsed && fetched) {
      held.entries = parse_list(in_force_text(index), list.name).entries;
      held.parsed = true;
    }
    inputs.push_back({list.name, list.action, statuses_[index].serial, statuses_[index].published_unix,
                      held_[index].entries});
  }
  if (snapshot_due) {
    const std::vector<std::uint8_t> bytes = build_snapshot(inputs, now);
    write_file_atomically(config_.snapshot.path, bytes);
    log_line(LogLevel::kInfo, "published snapshot " + config_.snapshot.path + " (" + std::to_string(bytes.size()) +
                                  " bytes)");
  }
  changed_ = false;
  for (std::size_t output = 0; output < rpz_outputs_.size(); ++output) {
    if (rpz_outputs_[output].due) write_rpz_output(output, inputs, now);
  }
  return true;
}

void Syncer::write_rpz_output(std::size_t output, std::span<const ListInput> inputs, std::uint64_t now) {
  const RpzOutputConfig& config = config_.sync.rpz_outputs[output];
  RpzOutputStatus& status = rpz_outputs_[output];
  const std::string what = "RPZ zone " + config.zone + " (" + config.path + ")";
  try {
    std::optional<std::uint32_t> previous;
    if (const auto text = read_file_if_present(config.path, kMaxListFileBytes)) previous = read_rpz_serial(*text);
    RpzZoneOptions options;
    options.origin = config.zone;
    options.serial = next_rpz_serial(previous, now);
    options.ttl = config_.answers.ttl;
    options.soa_mname = config_.answers.soa_mname;
    options.soa_rname = config_.answers.soa_rname;
    options.stoppage_ipv4 = config_.answers.stoppage_ipv4;
    options.stoppage_ipv6 = config_.answers.stoppage_ipv6;
    const std::string zone = build_rpz_zone(inputs, options);
    write_file_atomically(config.path, zone);
    status.due = false;
    status.serial = options.serial;
    ++status.writes;
    log_line(LogLevel::kInfo, "wrote " + what + ", serial " + std::to_string(options.serial) + " (" +
                                  std::to_string(zone.size()) + " bytes)");
  } catch (const std::exception& error) {
    ++status.write_failures;
    log_line(LogLevel::kError, "cannot write " + what + ": " + error.what() + "; the file in place stays, retrying next round");
    return;
  }
  if (config.reload_command.empty()) return;
  const ReloadOutcome outcome =
      run_reload_command(config.reload_command, std::chrono::seconds(config.reload_timeout_seconds));
  ++status.reloads[static_cast<std::size_t>(outcome.result)];
  if (outcome.result == ReloadOutcome::Result::kOk) {
    log_line(LogLevel::kInfo, "reloaded " + what + " with " + config.reload_command[0]);
  } else {
    log_line(LogLevel::kError, "reload command for " + what + " " + result_name(outcome.result) + " (" + outcome.detail +
                                   ")" + (outcome.output.empty() ? "" : ": " + outcome.output) +
                                   "; the zone is written, the next change runs the command again");
  }
}

std::string Syncer::metrics_text(std::uint64_t now) const {
  PrometheusText text;
  std::vector<std::array<std::uint64_t, std::size(kListMetrics)>> figures;
  for (const ListStatus& status : statuses_) figures.push_back(list_figures(status, now));
  for (std::size_t metric = 0; metric < std::size(kListMetrics); ++metric) {
    text.family(kListMetrics[metric].name, kListMetrics[metric].type, kListMetrics[metric].help);
    for (std::size_t index = 0; index < config_.lists.size(); ++index) {
      text.sample(kListMetrics[metric].name, {{"list", config_.lists[index].name}}, figures[index][metric]);
    }
  }
  constexpr MetricType kCounter = MetricType::kCounter;
  constexpr MetricType kGauge = MetricType::kGauge;
  text.family("dnsstop_sync_failures_total", kCounter, "Refused and held versions and failed rounds by reason.");
  for (std::size_t index = 0; index < config_.lists.size(); ++index) {
    for (std::size_t reason = 0; reason < statuses_[index].failures.size(); ++reason) {
      text.sample("dnsstop_sync_failures_total", {{"list", config_.lists[index].name}, {"reason", kReasonNames[reason]}},
                  statuses_[index].failures[reason]);
    }
  }
  const auto each_output = [&](const std::string& metric, const std::string& help, MetricType type, auto value) {
    if (rpz_outputs_.empty()) return;
    text.family(metric, type, help);
    for (std::size_t output = 0; output < rpz_outputs_.size(); ++output) {
      // By position in sync.rpz_outputs: a path may hold bytes a label cannot.
      text.sample(metric, {{"output", std::to_string(output)}, {"zone", config_.sync.rpz_outputs[output].zone}},
                  value(rpz_outputs_[output]));
    }
  };
  each_output("dnsstop_sync_rpz_serial", "SOA serial of the RPZ zone last written (0: none since start).", kGauge,
              [](const RpzOutputStatus& s) { return s.serial; });
  each_output("dnsstop_sync_rpz_writes_total", "RPZ zone files written.", kCounter,
              [](const RpzOutputStatus& s) { return s.writes; });
  each_output("dnsstop_sync_rpz_write_failures_total", "RPZ zone files that could not be written.", kCounter,
              [](const RpzOutputStatus& s) { return s.write_failures; });
  for (const auto result : {ReloadOutcome::Result::kOk, ReloadOutcome::Result::kFailed, ReloadOutcome::Result::kTimedOut}) {
    each_output(std::string("dnsstop_sync_rpz_reloads_") + result_name(result) + "_total",
                std::string("Reload commands run after an RPZ write that ended: ") + result_name(result) + ".", kCounter,
                [result](const RpzOutputStatus& s) { return s.reloads[static_cast<std::size_t>(result)]; });
  }
  return text.take();
}

}  // namespace dnsstop::sync
