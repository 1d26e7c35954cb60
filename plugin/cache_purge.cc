// Cache purge on snapshot swap. Entries are collected during the walk and removed
// afterwards: removing from inside slabhash_traverse would deadlock on the slab lock.
#include "plugin/cache_purge.h"

#include <vector>

namespace dnsstop::plugin {
namespace {

struct CollectedName {
  std::vector<std::uint8_t> name;
  std::uint16_t type;   // network byte order, as stored in the keys
  std::uint16_t klass;  // network byte order for RRsets, host order for messages
  std::uint32_t flags;  // RRset flags (part of the RRset key)
  hashvalue_type hash;  // message cache hash
};

struct Walk {
  const NameJudge* before;
  const NameJudge* after;
  std::vector<CollectedName> changed;
};

bool judged_differently(const Walk& walk, const std::uint8_t* name, std::size_t length) {
  const std::span<const std::uint8_t> wire(name, length);
  return (*walk.before)(wire) != (*walk.after)(wire);
}

void collect_message(lruhash_entry* entry, void* argument) {
  auto& walk = *static_cast<Walk*>(argument);
  const auto* key = static_cast<const query_info*>(entry->key);
  if (!judged_differently(walk, key->qname, key->qname_len)) return;
  walk.changed.push_back({{key->qname, key->qname + key->qname_len}, key->qtype, key->qclass, 0, entry->hash});
}

void collect_rrset(lruhash_entry* entry, void* argument) {
  auto& walk = *static_cast<Walk*>(argument);
  const auto* key = static_cast<const ub_packed_rrset_key*>(entry->key);
  if (!judged_differently(walk, key->rk.dname, key->rk.dname_len)) return;
  walk.changed.push_back(
      {{key->rk.dname, key->rk.dname + key->rk.dname_len}, key->rk.type, key->rk.rrset_class, key->rk.flags, 0});
}

}  // namespace

PurgeCounts purge_changed_names(module_env* env, const NameJudge& before, const NameJudge& after) {
  PurgeCounts counts;
  Walk messages{&before, &after, {}};
  slabhash_traverse(env->msg_cache, 0, collect_message, &messages);
  for (CollectedName& message : messages.changed) {
    query_info key{};
    key.qname = message.name.data();
    key.qname_len = message.name.size();
    key.qtype = message.type;
    key.qclass = message.klass;
    slabhash_remove(env->msg_cache, message.hash, &key);
  }
  counts.messages = messages.changed.size();

  // Removing an RRset zeroes its id, which also invalidates every cached message
  // that refers to it: a CNAME chain through a newly listed name is cut here.
  Walk rrsets{&before, &after, {}};
  slabhash_traverse(&env->rrset_cache->table, 0, collect_rrset, &rrsets);
  for (CollectedName& rrset : rrsets.changed) {
    rrset_cache_remove(env->rrset_cache, rrset.name.data(), rrset.name.size(), ntohs(rrset.type), ntohs(rrset.klass),
                       rrset.flags);
  }
  counts.rrsets = rrsets.changed.size();
  return counts;
}

}  // namespace dnsstop::plugin
