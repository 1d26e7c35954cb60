// Synthesised answers for blocked names. The module never caches them (that would
// hand the stop page's address to the iterator's own look-ups of name servers), but
// a module before it may cache what it makes of them (dns64): every RRset is flagged
// PACKED_RRSET_RPZ, as Unbound flags its own RPZ data, so that it never mixes with
// real data for the same name.
#include "plugin/answer_synthesis.h"

#include <cstring>

#include "core/wire_name.h"

namespace dnsstop::plugin {
namespace {

// SOA timers of the synthesised zone; only `minimum` (the negative TTL) matters to
// resolvers, the rest are conventional values.
constexpr std::uint32_t kSoaRefresh = 3600;
constexpr std::uint32_t kSoaRetry = 600;
constexpr std::uint32_t kSoaExpire = 86400;

void write_u32(std::uint8_t* at, std::uint32_t value) {
  at[0] = static_cast<std::uint8_t>(value >> 24);
  at[1] = static_cast<std::uint8_t>(value >> 16);
  at[2] = static_cast<std::uint8_t>(value >> 8);
  at[3] = static_cast<std::uint8_t>(value);
}

// One RRset whose records all have `rdata_length` bytes; `fill(i, rdata)` writes
// record i. Layout as packed_rrset_ptr_fixup expects: data, lengths, pointers, TTLs, rdata.
template <class Fill>
ub_packed_rrset_key* make_rrset(regional* region, std::span<const std::uint8_t> owner, std::uint16_t type,
                                std::uint32_t flags, std::size_t count, std::size_t rdata_length, std::uint32_t ttl,
                                Fill fill) {
  auto* key = static_cast<ub_packed_rrset_key*>(regional_alloc_zero(region, sizeof(ub_packed_rrset_key)));
  const std::size_t record_bytes = sizeof(std::size_t) + sizeof(std::uint8_t*) + sizeof(time_t) + 2 + rdata_length;
  auto* data = static_cast<packed_rrset_data*>(regional_alloc_zero(region, sizeof(packed_rrset_data) + count * record_bytes));
  if (key == nullptr || data == nullptr) return nullptr;
  key->entry.key = key;
  key->entry.data = data;
  key->rk.dname = const_cast<std::uint8_t*>(owner.data());
  key->rk.dname_len = owner.size();
  key->rk.type = htons(type);
  key->rk.rrset_class = htons(LDNS_RR_CLASS_IN);
  key->rk.flags = flags;
  key->entry.hash = rrset_key_hash(&key->rk);
  data->ttl = ttl;
  data->count = count;
  data->trust = rrset_trust_prim_noglue;
  data->security = sec_status_insecure;
  auto* lengths = reinterpret_cast<std::size_t*>(data + 1);
  for (std::size_t i = 0; i < count; ++i) lengths[i] = 2 + rdata_length;
  packed_rrset_ptr_fixup(data);
  for (std::size_t i = 0; i < count; ++i) {
    data->rr_ttl[i] = ttl;
    data->rr_data[i][0] = static_cast<std::uint8_t>(rdata_length >> 8);
    data->rr_data[i][1] = static_cast<std::uint8_t>(rdata_length);
    fill(i, data->rr_data[i] + 2);
  }
  return key;
}

template <std::size_t N>
ub_packed_rrset_key* address_rrset(regional* region, const query_info& qinfo, std::uint16_t type, std::uint32_t flags,
                                   const std::vector<std::array<std::uint8_t, N>>& addresses, std::uint32_t ttl) {
  return make_rrset(region, {qinfo.qname, qinfo.qname_len}, type, flags, addresses.size(), N, ttl,
                    [&](std::size_t i, std::uint8_t* rdata) { std::memcpy(rdata, addresses[i].data(), N); });
}

ub_packed_rrset_key* soa_rrset(regional* region, std::span<const std::uint8_t> zone, std::uint32_t flags,
                               const AnswerSettings& settings, std::uint32_t serial) {
  const auto& mname = settings.soa_mname_wire;
  const auto& rname = settings.soa_rname_wire;
  return make_rrset(region, zone, LDNS_RR_TYPE_SOA, flags, 1, mname.size() + rname.size() + 20, settings.ttl,
                    [&](std::size_t, std::uint8_t* rdata) {
                      std::memcpy(rdata, mname.data(), mname.size());
                      rdata += mname.size();
                      std::memcpy(rdata, rname.data(), rname.size());
                      rdata += rname.size();
                      for (std::uint32_t value : {serial, kSoaRefresh, kSoaRetry, kSoaExpire, settings.ttl}) {
                        write_u32(rdata, value);
                        rdata += 4;
                      }
                    });
}

}  // namespace

AnswerSettings AnswerSettings::from_config(const AnswerConfig& config) {
  return {config.stoppage_ipv4, config.stoppage_ipv6, config.ttl, wire_from_name(config.soa_mname),
          wire_from_name(config.soa_rname)};
}

dns_msg* synthesize_block_answer(module_qstate* qstate, Action action, const AnswerSettings& settings,
                                 std::span<const std::uint8_t> zone, std::uint32_t serial) {
  regional* region = qstate->region;
  const query_info& qinfo = qstate->qinfo;
  const std::uint32_t rrset_flags = PACKED_RRSET_RPZ;
  ub_packed_rrset_key* answers[2] = {nullptr, nullptr};
  std::size_t answer_count = 0;
  if (action == Action::kStoppage && qinfo.qclass == LDNS_RR_CLASS_IN) {
    const bool any = qinfo.qtype == LDNS_RR_TYPE_ANY;
    if ((any || qinfo.qtype == LDNS_RR_TYPE_A) && !settings.stoppage_ipv4.empty()) {
      answers[answer_count++] = address_rrset(region, qinfo, LDNS_RR_TYPE_A, rrset_flags, settings.stoppage_ipv4, settings.ttl);
    }
    if ((any || qinfo.qtype == LDNS_RR_TYPE_AAAA) && !settings.stoppage_ipv6.empty()) {
      answers[answer_count++] = address_rrset(region, qinfo, LDNS_RR_TYPE_AAAA, rrset_flags, settings.stoppage_ipv6, settings.ttl);
    }
  }
  const bool negative = answer_count == 0;
  std::uint16_t flags = BIT_QR | BIT_AA | BIT_RA | (qstate->query_flags & (BIT_RD | BIT_CD));
  if (action == Action::kNxdomain) flags |= LDNS_RCODE_NXDOMAIN;

  auto* msg = static_cast<dns_msg*>(regional_alloc_zero(region, sizeof(dns_msg)));
  if (msg == nullptr) return nullptr;
  msg->qinfo = qinfo;
  msg->rep = unbound::make_reply(region, flags, answer_count, negative ? 1 : 0, settings.ttl);
  if (msg->rep == nullptr) return nullptr;
  msg->rep->authoritative = 1;
  for (std::size_t i = 0; i < answer_count; ++i) {
    if (answers[i] == nullptr) return nullptr;
    msg->rep->rrsets[i] = answers[i];
  }
  if (negative) {
    msg->rep->rrsets[0] = soa_rrset(region, zone, rrset_flags, settings, serial);
    if (msg->rep->rrsets[0] == nullptr) return nullptr;
  }
  return msg;
}

}  // namespace dnsstop::plugin
