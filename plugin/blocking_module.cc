// The module's decisions on the query path and the watcher that keeps the
// snapshot current. docs/unbound-module.md explains why it works this way.
#include "plugin/blocking_module.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "core/wire_name.h"
#include "plugin/cache_purge.h"
#include "plugin/metrics_textfile.h"

namespace dnsstop::plugin {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::span<const std::uint8_t> query_name(const query_info& qinfo) { return {qinfo.qname, qinfo.qname_len}; }

// A worker spends at most this long at a time on a purge before it answers its
// queries again: the cost a purge adds to one answer's latency.
constexpr std::chrono::microseconds kPurgeSliceBudget{500};

// The first name of a message that a list blocks: its question name (for a resolved
// answer, the lists may have changed while it was resolved), then every owner and
// CNAME/DNAME target of the answer section. The question name is looked up once at
// most, and not at all when `question_unlisted` says this very snapshot already found
// it unlisted; owners and targets equal to it are not looked up again. On a cache
// miss without a CNAME that leaves no lookup at all.
struct BlockedName {
  LookupResult verdict;
  std::span<const std::uint8_t> name;
};

std::optional<BlockedName> first_blocked_name(const SnapshotView& view, const query_info& question,
                                              const reply_info& reply, bool question_unlisted) {
  const std::span<const std::uint8_t> asked = query_name(question);
  const auto is_asked = [&](std::span<const std::uint8_t> name) {
    return query_dname_compare(const_cast<std::uint8_t*>(name.data()), const_cast<std::uint8_t*>(asked.data())) == 0;
  };
  const auto check = [&](std::span<const std::uint8_t> name) -> std::optional<BlockedName> {
    const LookupResult verdict = view.lookup_wire(name);
    if (verdict.listing == Listing::kBlocked) return BlockedName{verdict, name};
    return std::nullopt;
  };
  if (!question_unlisted) {
    if (auto blocked = check(asked)) return blocked;
  }
  const auto check_other = [&](std::span<const std::uint8_t> name) -> std::optional<BlockedName> {
    return is_asked(name) ? std::nullopt : check(name);
  };
  for (std::size_t i = 0; i < reply.an_numrrsets; ++i) {
    ub_packed_rrset_key* rrset = reply.rrsets[i];
    if (auto blocked = check_other({rrset->rk.dname, rrset->rk.dname_len})) return blocked;
    std::uint8_t* target = nullptr;
    std::size_t target_length = 0;
    get_cname_target(rrset, &target, &target_length);  // leaves target null for other types
    if (target != nullptr) {
      if (auto blocked = check_other({target, target_length})) return blocked;
    }
  }
  return std::nullopt;
}

}  // namespace

namespace {

// The follower's messages go to Unbound's log, at the follower's level.
void log_for_follower(LogLevel level, const std::string& text) {
  if (level == LogLevel::kError) {
    log_err("dnsstop: %s", text.c_str());
  } else if (level == LogLevel::kWarning) {
    log_warn("dnsstop: %s", text.c_str());
  } else {
    log_info("dnsstop: %s", text.c_str());
  }
}

}  // namespace

BlockingModule::BlockingModule(module_env* env, Config config)
    : config_(std::move(config)),
      answers_(AnswerSettings::from_config(config_.answers)),
      follower_({config_.snapshot.path, true,
                 config_.snapshot.when_missing == SnapshotConfig::WhenMissing::kServfail ? "answering SERVFAIL"
                                                                                          : "answering unfiltered"},
                [this](std::shared_ptr<const LoadedSnapshot> file) { install(std::move(file)); }, log_for_follower) {
  // Before the first query, a present snapshot blocks from the start, and the cache a
  // reload kept (reload_keep_cache) agrees with it: no worker runs yet, so the purge
  // can run here at once.
  check_snapshot_file();
  while (run_purge_slice(*env)) {
  }
  watcher_.emplace(std::chrono::milliseconds(config_.snapshot.check_interval_ms), [this] { watch(); });
}

// watcher_, the last member, is stopped and joined first.
BlockingModule::~BlockingModule() = default;

void BlockingModule::operate(module_qstate* qstate, module_ev event, int id) {
  doorbell_.enroll(qstate->env);
  switch (event) {
    case module_event_new:
    case module_event_pass:
      on_new_query(qstate, id);
      break;
    case module_event_moddone:
      on_resolved(qstate, id);
      break;
    default:
      qstate->ext_state[id] = module_error;
      break;
  }
}

void BlockingModule::on_new_query(module_qstate* qstate, int id) {
  qstate->minfo[id] = nullptr;
  // The validator's own DS/DNSKEY lookups and root priming resolve as usual: blocking
  // them could make an allowlisted name under a blocked zone fail validation. The
  // lists name Internet (IN) names: other classes are answered as without the module.
  if (qstate->is_valrec || qstate->is_priming || qstate->qinfo.qclass != LDNS_RR_CLASS_IN) {
    qstate->ext_state[id] = module_wait_module;
    return;
  }
  const auto snapshot = snapshot_.read();
  if (!snapshot) {
    if (config_.snapshot.when_missing == SnapshotConfig::WhenMissing::kServfail) {
      counters_.count_servfail();
      qstate->return_rcode = LDNS_RCODE_SERVFAIL;
      qstate->ext_state[id] = module_finished;
    } else {
      counters_.count_unfiltered();
      qstate->ext_state[id] = module_wait_module;
    }
    return;
  }
  const std::span<const std::uint8_t> name = query_name(qstate->qinfo);
  const LookupResult verdict = snapshot->file->view().lookup_wire(name);
  if (verdict.listing == Listing::kBlocked && !is_protected(name)) {
    qstate->ext_state[id] = answer_blocked(qstate, *snapshot, verdict, name) ? module_finished : module_error;
    return;
  }
  // Resolve; the iterator caches as it would without the module, but for responses
  // that lead to a listed name (on_upstream_response). on_resolved() judges the answer.
  auto* state = static_cast<QueryState*>(regional_alloc(qstate->region, sizeof(QueryState)));
  if (state == nullptr) {
    qstate->ext_state[id] = module_error;
    return;
  }
  state->unlisted_in_generation = snapshot->generation;
  qstate->minfo[id] = state;
  qstate->ext_state[id] = module_wait_module;
}

void BlockingModule::on_resolved(module_qstate* qstate, int id) {
  qstate->ext_state[id] = module_finished;
  const auto* state = static_cast<const QueryState*>(qstate->minfo[id]);
  if (state == nullptr) return;  // a query this module let through unchecked
  if (qstate->return_msg == nullptr || qstate->return_msg->rep == nullptr) return;
  const auto snapshot = snapshot_.read();
  if (!snapshot) return;
  const auto blocked = first_blocked_name(snapshot->file->view(), qstate->qinfo, *qstate->return_msg->rep,
                                          state->unlisted_in_generation == snapshot->generation);
  if (!blocked || is_protected(query_name(qstate->qinfo))) return;
  // The iterator or validator may have stored this answer: from RRsets cached before
  // a swap, or decided with the snapshot before it. Neither may be served again.
  remove_cached_answer(qstate);
  if (state->unlisted_in_generation != snapshot->generation) {
    // This resolution began before a swap, and what it stored for the other names of
    // its chain may have come after the purge's walk had passed them.
    purge_.another_lap();
    doorbell_.ring();
  }
  if (!answer_blocked(qstate, *snapshot, blocked->verdict, blocked->name)) qstate->ext_state[id] = module_error;
}

void BlockingModule::on_upstream_response(module_qstate* qstate, const dns_msg* response, int id) {
  if (qstate->no_cache_store || response == nullptr || response->rep == nullptr ||
      qstate->qinfo.qclass != LDNS_RR_CLASS_IN) {
    return;
  }
  const auto snapshot = snapshot_.read();
  if (!snapshot) return;
  // A response to the client's own question, under the snapshot that found it
  // unlisted: only its other names need a lookup (none, mostly).
  const auto* state = static_cast<const QueryState*>(qstate->minfo[id]);
  const bool question_unlisted =
      state != nullptr && state->unlisted_in_generation == snapshot->generation &&
      query_dname_compare(response->qinfo.qname, qstate->qinfo.qname) == 0;
  if (first_blocked_name(snapshot->file->view(), response->qinfo, *response->rep, question_unlisted)) {
    qstate->no_cache_store = 1;
  }
}

bool BlockingModule::answer_blocked(module_qstate* qstate, const ActiveSnapshot& snapshot, const LookupResult& verdict,
                                    std::span<const std::uint8_t> listed_name) {
  const ListPolicy& policy = snapshot.lists[verdict.list];
  const ListInfo list = snapshot.file->view().list(verdict.list);
  const auto serial = static_cast<std::uint32_t>(list.serial != 0 ? list.serial : snapshot.file->view().created_unix());
  dns_msg* answer =
      synthesize_block_answer(qstate, policy.action, answers_, wire_suffix(listed_name, verdict.matched_labels), serial);
  if (answer == nullptr) {
    log_err("dnsstop: out of memory while answering a blocked query");
    return false;
  }
  qstate->return_msg = answer;
  qstate->return_rcode = LDNS_RCODE_NOERROR;
  attach_ede(&qstate->edns_opts_front_out, qstate->region, policy);
  counters_.count_blocked(policy.counter);
  if (config_.log_queried_names) {
    log_info("dnsstop: blocked %s (list %.*s)", name_from_wire(query_name(qstate->qinfo)).c_str(),
             static_cast<int>(list.name.size()), list.name.data());
  }
  return true;
}

void BlockingModule::remove_cached_answer(module_qstate* qstate) {
  // The message cache keys a query with and without CD apart: remove both.
  for (const std::uint16_t flags : {std::uint16_t(qstate->query_flags & ~BIT_CD), std::uint16_t(qstate->query_flags | BIT_CD)}) {
    slabhash_remove(qstate->env->msg_cache, query_info_hash(&qstate->qinfo, flags), &qstate->qinfo);
  }
}

bool BlockingModule::is_protected(std::span<const std::uint8_t> name) const {
  if (config_.protected_names.empty()) return false;
  std::string text = name_from_wire(name);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::binary_search(config_.protected_names.begin(), config_.protected_names.end(), text);
}

void BlockingModule::attach_ede(edns_option** list, regional* region, const ListPolicy& policy) {
  edns_opt_list_append_ede(list, region, static_cast<sldns_ede_code>(policy.ede_code),
                           policy.ede_text.empty() ? nullptr : policy.ede_text.c_str());
}

std::size_t BlockingModule::memory_bytes() const {
  const auto snapshot = snapshot_.read();
  return sizeof(*this) + (snapshot ? snapshot->file->view().size_bytes() : 0);
}

void BlockingModule::watch() {
  check_snapshot_file();
  if (!config_.metrics.textfile.empty() &&
      unix_now() - last_metrics_write_ >= static_cast<std::int64_t>(config_.metrics.interval_seconds)) {
    write_metrics();
    last_metrics_write_ = unix_now();
  }
}

void BlockingModule::check_snapshot_file() {
  if (follower_.check(unix_now()) == SnapshotFollower::Outcome::kRejected) {
    rejected_loads_.fetch_add(1, std::memory_order_relaxed);
  }
}

void BlockingModule::install(std::shared_ptr<const LoadedSnapshot> file) {
  ActiveSnapshot next;
  next.file = std::move(file);
  next.generation = current_ ? current_->generation + 1 : 1;
  const SnapshotView& view = next.file->view();
  next.lists = list_policies(view, config_.lists);
  for (std::size_t i = 0; i < view.list_count(); ++i) {
    const ListInfo list = view.list(i);
    if (next.lists[i].action != list.action) {
      log_warn("dnsstop: list %.*s was compiled with action %s; the configuration's %s applies",
               static_cast<int>(list.name.size()), list.name.data(), std::string(action_name(list.action)).c_str(),
               std::string(action_name(next.lists[i].action)).c_str());
    }
  }

  // Swap first, then purge: an answer cached after the purge began was judged with
  // the new snapshot (on_resolved judges again those stored just before). Cached data
  // of a name the new snapshot blocks must go; a protected name's may stay.
  current_ = next;
  snapshot_.replace(std::make_unique<const ActiveSnapshot>(std::move(next)));
  installed_unix_ = unix_now();
  purge_.begin(current_->generation, [this, file = current_->file](std::span<const std::uint8_t> name) {
    return file->view().lookup_wire(name).listing == Listing::kBlocked && !is_protected(name);
  });
  doorbell_.ring();

  std::string lists;
  for (std::size_t i = 0; i < view.list_count(); ++i) {
    const ListInfo list = view.list(i);
    lists += (i == 0 ? "" : ", ") + std::string(list.name) + " serial " + std::to_string(list.serial);
  }
  log_info("dnsstop: snapshot %s in use: %llu entries (%s); purging the cache", config_.snapshot.path.c_str(),
           static_cast<unsigned long long>(view.entry_count()), lists.c_str());
}

bool BlockingModule::run_purge_slice(module_env& worker_env) {
  const SliceOutcome outcome = purge_.run_slice(worker_env, kPurgeSliceBudget);
  if (const std::optional<PurgeReport>& report = outcome.completed) {
    purged_entries_.fetch_add(report->messages_removed + report->rrsets_removed, std::memory_order_relaxed);
    const double seconds = std::chrono::duration<double>(report->elapsed).count();
    last_purge_seconds_.store(seconds, std::memory_order_relaxed);
    log_info("dnsstop: cache purge for snapshot generation %llu done: purged %zu of %zu cached messages and %zu of "
             "%zu RRsets in %lld ms (%zu slices)",
             static_cast<unsigned long long>(report->generation), report->messages_removed, report->messages_judged,
             report->rrsets_removed, report->rrsets_judged, static_cast<long long>(seconds * 1000), report->slices);
  }
  return outcome.more;
}

void BlockingModule::write_metrics() {
  ModuleFigures figures;
  figures.counters = counters_.totals();
  for (const ListConfig& list : config_.lists) figures.configured_lists.push_back(list.name);
  figures.snapshot = current_ ? &current_->file->view() : nullptr;
  figures.rejected_snapshots = rejected_loads_.load(std::memory_order_relaxed);
  figures.purged_cache_entries = purged_entries_.load(std::memory_order_relaxed);
  figures.installed_unix = installed_unix_;
  figures.last_purge_seconds = last_purge_seconds_.load(std::memory_order_relaxed);
  figures.now_unix = unix_now();
  const std::string text = render_metrics(figures);
  try {
    write_file_atomically(config_.metrics.textfile, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  } catch (const std::system_error& error) {
    log_err("dnsstop: cannot write metrics: %s", error.what());
  }
}

}  // namespace dnsstop::plugin
