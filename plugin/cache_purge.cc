// Cache purge on snapshot swap.
//
// Each cache table is walked one hash bin at a time, locked the way a lookup locks
// it: under the locks the bin's owner names and keys are only copied, then the
// copies are judged against both snapshots (two lookups each, the slow part) with no
// lock held, so a worker never waits for a lookup of ours. Collected entries are
// removed at the end, as Unbound's own remove functions take the same locks.
#include "plugin/cache_purge.h"

#include <span>
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

struct CollectedKey {
  std::vector<std::uint8_t> name;
  KeyFields fields;
};

// The keys copied from one bin, their names packed into one buffer.
struct BinKeys {
  std::vector<std::uint8_t> names;
  std::vector<CachedKey> keys;

  void add(const std::uint8_t* name, std::size_t length, KeyFields fields) {
    keys.push_back({names.size(), length, fields});
    names.insert(names.end(), name, name + length);
  }
};

void copy_message_key(const lruhash_entry& entry, BinKeys& bin_keys) {
  const auto* key = static_cast<const query_info*>(entry.key);
  bin_keys.add(key->qname, key->qname_len, {key->qtype, key->qclass, 0, entry.hash});
}

void copy_rrset_key(const lruhash_entry& entry, BinKeys& bin_keys) {
  const auto* key = static_cast<const ub_packed_rrset_key*>(entry.key);
  bin_keys.add(key->rk.dname, key->rk.dname_len, {key->rk.type, key->rk.rrset_class, key->rk.flags, 0});
}

// A table's bin array; a resize replaces it and moves entries between bins.
struct BinArray {
  const lruhash_bin* bins = nullptr;
  std::size_t size = 0;
  bool operator==(const BinArray&) const = default;
};

BinArray bin_array(lruhash& table) {
  lock_quick_lock(&table.lock);
  const BinArray current{table.array, table.size};
  lock_quick_unlock(&table.lock);
  return current;
}

using CopyKey = void (*)(const lruhash_entry&, BinKeys&);

// Copies the keys in one bin, locking as lruhash_lookup does: the table's lock only
// to reach the bin, then the bin's own. False, copying nothing, if the table no
// longer has the bin array `walked` (it was resized).
bool copy_bin(lruhash& table, const BinArray& walked, std::size_t bin, CopyKey copy_key, BinKeys& bin_keys) {
  lock_quick_lock(&table.lock);
  if (BinArray{table.array, table.size} != walked) {
    lock_quick_unlock(&table.lock);
    return false;
  }
  lruhash_bin& locked = table.array[bin];
  lock_quick_lock(&locked.lock);
  lock_quick_unlock(&table.lock);
  for (lruhash_entry* entry = locked.overflow_list; entry; entry = entry->overflow_next) {
    lock_rw_rdlock(&entry->lock);
    copy_key(*entry, bin_keys);
    lock_rw_unlock(&entry->lock);
  }
  lock_quick_unlock(&locked.lock);
  return true;
}

struct Collected {
  std::vector<CollectedKey> changed;
  std::size_t judged = 0;
};

// Every entry of every slab whose owner name the two snapshots judge differently.
// An entry stored during the walk was decided with the new snapshot (the swap came
// first), so missing it is right; only a resize, which moves entries between bins,
// restarts a slab.
Collected collect_changed(slabhash& cache, CopyKey copy_key, const NameJudge& before, const NameJudge& after) {
  Collected collected;
  std::vector<CollectedKey>& changed = collected.changed;
  BinKeys bin_keys;
  for (std::size_t slab = 0; slab < cache.size; ++slab) {
    lruhash& table = *cache.array[slab];
    const std::size_t changed_before_slab = changed.size();
    BinArray walked = bin_array(table);
    std::size_t bin = 0;
    while (bin < walked.size) {
      bin_keys.names.clear();
      bin_keys.keys.clear();
      if (!copy_bin(table, walked, bin, copy_key, bin_keys)) {
        changed.resize(changed_before_slab);
        walked = bin_array(table);
        bin = 0;
        continue;
      }
      collected.judged += bin_keys.keys.size();
      for (const CachedKey& key : bin_keys.keys) {
        const std::span<const std::uint8_t> name(bin_keys.names.data() + key.name_offset, key.name_length);
        if (before(name) != after(name)) changed.push_back({{name.begin(), name.end()}, key.fields});
      }
      ++bin;
    }
  }
  return collected;
}

}  // namespace

PurgeCounts purge_changed_names(module_env* env, const NameJudge& before, const NameJudge& after) {
  PurgeCounts counts;
  Collected messages = collect_changed(*env->msg_cache, copy_message_key, before, after);
  for (CollectedKey& message : messages.changed) {
    query_info key{};
    key.qname = message.name.data();
    key.qname_len = message.name.size();
    key.qtype = message.fields.type;
    key.qclass = message.fields.klass;
    slabhash_remove(env->msg_cache, message.fields.hash, &key);
  }
  counts.messages = messages.changed.size();
  counts.messages_judged = messages.judged;

  // Removing an RRset zeroes its id, which also invalidates every cached message
  // that refers to it: a CNAME chain through a newly listed name is cut here.
  Collected rrsets = collect_changed(env->rrset_cache->table, copy_rrset_key, before, after);
  for (CollectedKey& rrset : rrsets.changed) {
    rrset_cache_remove(env->rrset_cache, rrset.name.data(), rrset.name.size(), ntohs(rrset.fields.type),
                       ntohs(rrset.fields.klass), rrset.fields.flags);
  }
  counts.rrsets = rrsets.changed.size();
  counts.rrsets_judged = rrsets.judged;
  return counts;
}

}  // namespace dnsstop::plugin
