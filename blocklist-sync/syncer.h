// One resolver's view of its lists: what is in force, accepted, held and pinned, and
// the steps that fetch a newer version, ask the rules of core/update_rules.h in the
// order docs/list-distribution.md gives, and apply, hold or refuse it; the
// operator's pin, unpin and approve requests; then compiling everything into the
// snapshot the module watches. Every decision about a version is journaled.
//
// Used from dnsstop-sync's one sync thread. A list update costs its download plus
// O(n log n) for n list lines; publishing compiles every list (about a second per
// million entries).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "blocklist-sync/fetcher.h"
#include "blocklist-sync/rejection.h"
#include "blocklist-sync/state_store.h"
#include "core/config.h"
#include "core/journal.h"
#include "core/list_parser.h"
#include "core/manifest.h"
#include "core/minisign.h"
#include "core/public_suffix.h"
#include "core/snapshot_builder.h"

namespace dnsstop::sync {

struct ListStatus {
  std::uint64_t serial = 0;           // serial in force; 0 for a local file or nothing yet
  std::uint64_t published_unix = 0;   // the manifest in force's creation time
  std::uint64_t expires_unix = 0;     // the manifest in force's expiry
  std::uint64_t last_success_unix = 0;  // last round that ended with the list current
  std::size_t entries = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(Reason::kCount)> failures{};  // refused and held versions
  std::uint64_t requests = 0;  // HTTP requests made for this list
  bool has_list = false;       // a version is accepted (or the local file was read)
  std::uint64_t held_serial = 0;    // a version waiting for approval; 0: none
  std::uint64_t pinned_serial = 0;  // the operator's pin; 0: none
};

class Syncer {
 public:
  // Loads the state of every list; a damaged state is logged and treated as none
  // (the next round fetches the full list). Lists are parsed only when a snapshot is
  // compiled, so a restart that finds nothing new costs no parsing. Throws
  // std::runtime_error when the public suffix list cannot be read.
  explicit Syncer(const Config& config);

  // One attempt to bring list `index` up to date. Returns false after a rejection or
  // a hold, which is logged, counted and journaled; the list in force stays.
  bool sync_list(std::size_t index, std::uint64_t now);

  // Carries out the operator's pin, unpin and approve requests (state directory
  // files, blocklist-sync/operator_commands.h). Returns the lists to poll at once: an
  // unpinned list follows its publisher again.
  std::vector<std::size_t> take_operator_requests(std::uint64_t now);

  // Compiles every list into the snapshot (unless sync.write_snapshot is false) and
  // each RPZ output when one changed since the last time or the file is missing; RPZ
  // outputs are also written once after start, and again while a write failed. After
  // writing an RPZ zone its reload command runs (blocking, up to its timeout); a
  // failed reload is logged and counted, the zone stays, and the next change runs it
  // again. Refuses (false, logged) while a fetched list has no accepted version at
  // all: publishing it empty would unblock its names.
  bool publish_if_changed(std::uint64_t now);

  std::string metrics_text(std::uint64_t now) const;

 private:
  struct Held {
    ListState state;
    std::string newest_text;  // canonical text of state.newest
    std::string pinned_text;  // canonical text of the pinned version, while one is
    std::string local_text;   // local file lists
    std::vector<ListEntry> entries;  // of the lines in force
    bool parsed = false;  // entries are parsed only when a snapshot is compiled
    bool rejudge_held = false;  // a held version found at start meets the rules as now configured?
    std::string last_journaled;  // the last held/refused decision journaled, to journal each once
    std::uint64_t refused_pin = 0;  // a pin request already refused, to log it once
  };
  struct RpzOutputStatus {
    bool due = true;  // to be written: a change, a failed write, or not yet since start
    std::uint32_t serial = 0;  // of the zone last written
    std::uint64_t writes = 0;
    std::uint64_t write_failures = 0;
    std::array<std::uint64_t, 3> reloads{};  // by ReloadOutcome::Result
  };
  struct Candidate {  // a version that passed every acceptance rule
    VersionInfo info;
    std::string text;
    std::vector<ListEntry> entries;
  };

  void sync_remote(std::size_t index, std::uint64_t now);
  void sync_local(std::size_t index);
  std::vector<minisign::Signature> fetch_signatures(std::size_t index, const std::string& manifest_url);
  std::optional<std::string> try_delta(std::size_t index, const Manifest& manifest, Fetcher& fetcher);
  std::string fetch_full(std::size_t index, const Manifest& manifest, Fetcher& fetcher);
  std::vector<ListEntry> parse_checked(std::size_t index, const std::string& text);

  // The guard rails: protected names (refused), public suffixes and change bounds (held).
  RuleResult judge_guard_rails(std::size_t index, const Candidate& candidate) const;
  // Applies, holds or refuses a candidate as the guard rails say.
  void decide(std::size_t index, Candidate candidate, const std::string& how, std::uint64_t now);
  void apply(std::size_t index, Candidate candidate, Decision decision, const std::string& why, std::uint64_t now);
  void hold(std::size_t index, Candidate candidate, const RuleFailure& failure, std::uint64_t now);
  void rejudge_held(std::size_t index, std::uint64_t now);
  void take_pin_request(std::size_t index, std::uint64_t now, std::vector<std::size_t>& poll_now);
  void take_approve_request(std::size_t index, std::uint64_t now);

  const std::string& in_force_text(std::size_t index) const;
  // Puts `lines` in force for the snapshot (entries parsed from them).
  void set_in_force(std::size_t index, const std::string& lines);
  void save_state(std::size_t index, ListState next, const std::vector<std::pair<std::uint64_t, const std::string*>>& texts);
  void refresh_status(std::size_t index);
  // Appends to the journal; a held or refused decision equal to the last one is not
  // repeated. A journal that cannot be written is logged, never fatal.
  void journal(std::size_t index, JournalRecord record);
  void journal_refusal(std::size_t index, std::uint64_t serial, const Rejection& rejection,
                       const std::vector<std::string>& signers, std::uint64_t now);

  const Config& config_;
  StateStore store_;
  PublicSuffixList psl_;
  std::vector<Held> held_;
  std::vector<ListStatus> statuses_;
  std::vector<std::unique_ptr<Fetcher>> fetchers_;
  std::vector<std::vector<minisign::PublicKey>> keys_;
  void compare_with_published_snapshot();
  void write_rpz_output(std::size_t output, std::span<const ListInput> inputs, std::uint64_t now);

  bool changed_ = false;  // the lists in force differ from the published snapshot's
  // Entries per list in the snapshot found at start (none: unknown), so that reading
  // unchanged local files after a restart does not recompile.
  std::vector<std::optional<std::uint64_t>> published_entries_;
  std::vector<RpzOutputStatus> rpz_outputs_;  // by config_.sync.rpz_outputs
};

}  // namespace dnsstop::sync
