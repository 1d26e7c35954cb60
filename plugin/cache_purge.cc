// Cache purge on snapshot swap, in slices.
//
// The walk goes slab by slab, bin by bin, in increasing bin order, reading the
// table's size afresh at every bin, and a slab counts as walked only once walked
// from its first bin to its last: when a table grows, an entry moves from bin i
// only to a bin i + k * old_size, never to a lower one, so entries present when the
// purge began are all visited; those already judged may be judged again. An entry
// stored after the purge began was decided with the new snapshot already (the swap
// came first), so missing it is right, unless its resolution began before the swap:
// BlockingModule::on_resolved then asks for another lap.
#include "plugin/cache_purge.h"

#include <vector>

namespace dnsstop::plugin {
namespace {

// What identifies a cache entry besides its owner name.
struct KeyFields {
  std::uint16_t type;   // network byte order, as stored in the keys
  std::uint16_t klass;  // network byte order for RRsets, host order for messages
  std::uint32_t flags;  // RRset flags (part of the RRset key)
  hashvalue_type hash;  // message cache hash
};

struct CachedKey {
  std::size_t name_offset;  // into BinKeys::names
  std::size_t name_length;
  KeyFields fields;
};

// The keys copied from one bin, their names packed into one buffer.
struct BinKeys {
  std::vector<std::uint8_t> names;
  std::vector<CachedKey> keys;

  void clear() {
    names.clear();
    keys.clear();
  }
  void add(const std::uint8_t* name, std::size_t length, KeyFields fields) {
    keys.push_back({names.size(), length, fields});
    names.insert(names.end(), name, name + length);
  }
  std::span<const std::uint8_t> name(const CachedKey& key) const { return {names.data() + key.name_offset, key.name_length}; }
};

void copy_message_key(const lruhash_entry& entry, BinKeys& bin_keys) {
  const auto* key = static_cast<const query_info*>(entry.key);
  bin_keys.add(key->qname, key->qname_len, {key->qtype, key->qclass, 0, entry.hash});
}

void copy_rrset_key(const lruhash_entry& entry, BinKeys& bin_keys) {
  const auto* key = static_cast<const ub_packed_rrset_key*>(entry.key);
  bin_keys.add(key->rk.dname, key->rk.dname_len, {key->rk.type, key->rk.rrset_class, key->rk.flags, 0});
}

void remove_message(module_env& env, std::span<const std::uint8_t> name, const KeyFields& fields) {
  query_info key{};
  key.qname = const_cast<std::uint8_t*>(name.data());
  key.qname_len = name.size();
  key.qtype = fields.type;
  key.qclass = fields.klass;
  slabhash_remove(env.msg_cache, fields.hash, &key);
}

// Removing an RRset zeroes its id, which also invalidates every cached message that
// refers to it: a CNAME chain through a newly listed name is cut here.
void remove_rrset(module_env& env, std::span<const std::uint8_t> name, const KeyFields& fields) {
  rrset_cache_remove(env.rrset_cache, const_cast<std::uint8_t*>(name.data()), name.size(), ntohs(fields.type),
                     ntohs(fields.klass), fields.flags);
}

// Copies the keys in one bin, locking as lruhash_lookup does: the table's lock only
// to reach the bin, then the bin's own. False when the table has no such bin.
bool copy_bin(lruhash& table, std::size_t bin, bool messages, BinKeys& bin_keys) {
  lock_quick_lock(&table.lock);
  if (bin >= table.size) {
    lock_quick_unlock(&table.lock);
    return false;
  }
  lruhash_bin& locked = table.array[bin];
  lock_quick_lock(&locked.lock);
  lock_quick_unlock(&table.lock);
  for (lruhash_entry* entry = locked.overflow_list; entry; entry = entry->overflow_next) {
    lock_rw_rdlock(&entry->lock);
    if (messages) {
      copy_message_key(*entry, bin_keys);
    } else {
      copy_rrset_key(*entry, bin_keys);
    }
    lock_rw_unlock(&entry->lock);
  }
  lock_quick_unlock(&locked.lock);
  return true;
}

}  // namespace

void CachePurge::restart_report_if_idle() {
  if (slabs_left_ != 0 || lap_requested_) return;
  const std::uint64_t generation = report_.generation;
  report_ = PurgeReport{};
  report_.generation = generation;
  began_ = std::chrono::steady_clock::now();
}

void CachePurge::begin(std::uint64_t generation, MustLeaveCache must_leave) {
  std::lock_guard lock(mutex_);
  restart_report_if_idle();
  report_.generation = generation;
  must_leave_ = std::move(must_leave);
  lap_requested_ = true;
}

void CachePurge::another_lap() {
  std::lock_guard lock(mutex_);
  if (!must_leave_) return;
  restart_report_if_idle();
  lap_requested_ = true;
}

SliceOutcome CachePurge::run_slice(module_env& worker_env, std::chrono::steady_clock::duration budget) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return {};  // another worker is on it and carries on
  if (lap_requested_) {
    // Every slab whole once more; the one the walk is in counts twice, as its first
    // part has been judged with an older snapshot, or none.
    slabs_left_ = worker_env.msg_cache->size + worker_env.rrset_cache->table.size + (bin_ > 0 ? 1 : 0);
    lap_requested_ = false;
  }
  if (slabs_left_ == 0) return {};
  const auto deadline = std::chrono::steady_clock::now() + budget;
  ++report_.slices;
  BinKeys bin_keys;
  do {
    const bool messages = cache_ == Cache::kMessages;
    slabhash& cache = messages ? *worker_env.msg_cache : worker_env.rrset_cache->table;
    if (slab_ >= cache.size) {  // round to the other cache
      cache_ = messages ? Cache::kRrsets : Cache::kMessages;
      slab_ = 0;
      bin_ = 0;
      continue;
    }
    bin_keys.clear();
    if (!copy_bin(*cache.array[slab_], bin_, messages, bin_keys)) {
      ++slab_;
      bin_ = 0;
      --slabs_left_;
      continue;
    }
    ++bin_;
    (messages ? report_.messages_judged : report_.rrsets_judged) += bin_keys.keys.size();
    for (const CachedKey& key : bin_keys.keys) {
      const std::span<const std::uint8_t> name = bin_keys.name(key);
      if (!must_leave_(name)) continue;
      if (messages) {
        remove_message(worker_env, name, key.fields);
        ++report_.messages_removed;
      } else {
        remove_rrset(worker_env, name, key.fields);
        ++report_.rrsets_removed;
      }
    }
  } while (slabs_left_ > 0 && std::chrono::steady_clock::now() < deadline);
  if (slabs_left_ > 0) return {.more = true, .completed = std::nullopt};
  report_.elapsed = std::chrono::steady_clock::now() - began_;
  return {.more = false, .completed = report_};
}

}  // namespace dnsstop::plugin
