// `dnsstop check [--server ADDR] [--config FILE] [NAME]`: asks a resolver for the
// consumer check name and says whether it blocks (core/block_check.h), as a
// monitoring check would. Exit 0: it blocks; 1: it does not; 3: cannot tell (no
// answer, SERVFAIL, NXDOMAIN or NODATA without an explanation).
#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/block_check.h"
#include "core/config.h"
#include "core/name.h"
#include "core/printable.h"

// Last: ldns's headers define C's bool in a way that breaks <optional>'s operator<=>
// when they come first.
#include <ldns/ldns.h>

namespace dnsstop::cli {
namespace {

struct ExtendedError {
  std::uint16_t code = 0;
  std::string text;
};

// What the resolver said to one question: what the judgement needs, and what is
// printed beside it.
struct DnsAnswer {
  ResolverAnswer judged;
  ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR;
  std::optional<ExtendedError> ede;
};

using ResolverPtr = std::unique_ptr<ldns_resolver, decltype(&ldns_resolver_deep_free)>;

ResolverPtr make_resolver(const std::optional<AddressPort>& server) {
  ldns_resolver* resolver = nullptr;
  if (server) {
    resolver = ldns_resolver_new();
    ldns_rdf* address = ldns_rdf_new_frm_str(server->ipv6() ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, server->address.c_str());
    if (address == nullptr) {
      ldns_resolver_deep_free(resolver);
      throw std::invalid_argument("--server: " + server->address + " is not an IP address");
    }
    ldns_resolver_push_nameserver(resolver, address);
    ldns_rdf_deep_free(address);
    ldns_resolver_set_port(resolver, server->port);
  } else if (ldns_resolver_new_frm_file(&resolver, nullptr) != LDNS_STATUS_OK) {
    throw std::runtime_error("cannot read /etc/resolv.conf; name a resolver with --server");
  }
  ldns_resolver_set_recursive(resolver, true);
  ldns_resolver_set_edns_udp_size(resolver, 1232);  // EDNS, so the resolver can send its EDE
  ldns_resolver_set_retry(resolver, 2);
  ldns_resolver_set_timeout(resolver, timeval{2, 0});
  ldns_resolver_set_fallback(resolver, true);
  return ResolverPtr(resolver, &ldns_resolver_deep_free);
}

DnsAnswer ask(ldns_resolver* resolver, const std::string& name, ldns_rr_type type) {
  DnsAnswer answer;
  ldns_rdf* owner = ldns_dname_new_frm_str(name.c_str());
  if (owner == nullptr) throw std::invalid_argument("'" + name + "' is not a domain name");
  ldns_pkt* packet = nullptr;
  const ldns_status status = ldns_resolver_send(&packet, resolver, owner, type, LDNS_RR_CLASS_IN, LDNS_RD);
  ldns_rdf_deep_free(owner);
  if (status != LDNS_STATUS_OK || packet == nullptr) return answer;
  answer.judged.answered = true;
  answer.rcode = ldns_pkt_get_rcode(packet);
  const ldns_rr_list* records = ldns_pkt_answer(packet);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(records); ++i) {
    const ldns_rr* record = ldns_rr_list_rr(records, i);
    if (ldns_rr_get_type(record) != type || ldns_rr_rd_count(record) == 0) continue;
    char* text = ldns_rdf2str(ldns_rr_rdf(record, 0));
    if (text != nullptr) answer.judged.addresses.emplace_back(text);
    std::free(text);
  }
  if (const ldns_edns_option_list* options = ldns_pkt_edns_get_option_list(packet)) {
    for (std::size_t i = 0; i < ldns_edns_option_list_get_count(options); ++i) {
      const ldns_edns_option* option = ldns_edns_option_list_get_option(options, i);
      if (ldns_edns_get_code(option) != LDNS_EDNS_EDE || ldns_edns_get_size(option) < 2) continue;
      const std::uint8_t* data = ldns_edns_get_data(option);
      const std::size_t size = ldns_edns_get_size(option);
      answer.ede = ExtendedError{static_cast<std::uint16_t>(data[0] << 8 | data[1]),
                                 std::string(reinterpret_cast<const char*>(data) + 2, size - 2)};
      answer.judged.ede_code = answer.ede->code;
      break;
    }
  }
  ldns_pkt_free(packet);
  return answer;
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* body) {
  auto& text = *static_cast<std::string*>(body);
  if (text.size() + size * count > 65536) return 0;  // a check.json is a few hundred bytes
  text.append(data, size * count);
  return size * count;
}

// The list facts the stop page publishes at /check.json, or "" when it cannot be had.
std::string fetch_list_facts(const std::string& address, std::uint16_t port, const std::string& name) {
  const std::string url = "http://" + AddressPort{address, port}.text() + "/check.json";
  const std::string host_header = "Host: " + name;
  std::string body;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return {};
  curl_slist* headers = curl_slist_append(nullptr, host_header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 3000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");  // the stop page is reached directly, as a browser would
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (status != 200) return {};
  // The object our own stop page writes (stoppage/pages.cc); anything else, or a
  // stop page that knows no list yet (serial null), leaves the facts unknown.
  const nlohmann::json facts = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!facts.is_object() || !facts.contains("serial") || !facts["serial"].is_number_unsigned()) return {};
  std::string text = std::to_string(facts["serial"].get<std::uint64_t>());
  if (facts.contains("list") && facts["list"].is_string()) text += ", list " + printable(facts["list"].get<std::string>());
  if (facts.contains("age_seconds") && facts["age_seconds"].is_number_unsigned()) {
    text += ", " + std::to_string(facts["age_seconds"].get<std::uint64_t>() / 60) + " min old";
  }
  return text;
}

}  // namespace

int check_command(const CheckOptions& options) {
  // The configuration supplies the default check name and the stop page's addresses;
  // without one, a name must be given and only the EDE can tell a block.
  Config config;
  std::string name = options.name;
  try {
    config = load_config(options.config);
  } catch (const ConfigError& error) {
    if (name.empty()) throw std::runtime_error(std::string(error.what()) + "; give the check NAME");
  }
  if (name.empty()) name = config.stoppage.check_host;
  if (name.empty()) throw std::runtime_error(options.config + ": stoppage.check_host is empty; give the check NAME");
  const NormalizedName normalized = normalize_name(name);
  if (!normalized.ok()) throw std::invalid_argument("'" + name + "': " + normalized.error);
  name = normalized.name;

  const ResolverPtr resolver = make_resolver(options.server);
  const std::string via = options.server ? options.server->text() : std::string("the resolvers in /etc/resolv.conf");
  const DnsAnswer ipv4 = ask(resolver.get(), name, LDNS_RR_TYPE_A);
  const DnsAnswer ipv6 = ask(resolver.get(), name, LDNS_RR_TYPE_AAAA);
  const CheckFinding finding = judge_check_answers(ipv4.judged, ipv6.judged, config.answers);

  std::vector<std::string> addresses = ipv4.judged.addresses;
  addresses.insert(addresses.end(), ipv6.judged.addresses.begin(), ipv6.judged.addresses.end());
  const std::optional<ExtendedError>& ede = ipv4.ede ? ipv4.ede : ipv6.ede;
  int exit_code = kExitCannotTell;
  std::string reason;
  switch (finding) {
    case CheckFinding::kBlocks:
      exit_code = kExitOk;
      reason = "BLOCKS";
      break;
    case CheckFinding::kResolves:
      exit_code = kExitFailure;
      reason = "does NOT block: the name resolves to its real addresses";
      break;
    case CheckFinding::kNoAnswer:
      reason = "cannot tell: no answer";
      break;
    case CheckFinding::kNoExplanation: {
      const ldns_pkt_rcode rcode = ipv4.judged.answered ? ipv4.rcode : ipv6.rcode;
      ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, rcode);
      reason = std::string("cannot tell: ") + (entry != nullptr ? entry->name : "rcode " + std::to_string(rcode)) +
               " without an extended DNS error";
      break;
    }
  }
  std::printf("%s via %s: %s\n", name.c_str(), via.c_str(), reason.c_str());
  if (!addresses.empty()) {
    std::string joined;
    for (const std::string& address : addresses) joined += (joined.empty() ? "" : " ") + address;
    std::printf("  %s: %s\n", finding == CheckFinding::kBlocks ? "stop page" : "addresses", joined.c_str());
  }
  if (ede) std::printf("  EDE %u (%s): %s\n", ede->code, std::string(ede_name(ede->code)).c_str(), ede->text.c_str());
  if (finding == CheckFinding::kBlocks) {
    std::string facts;
    for (const std::string& address : addresses) {
      if (!(facts = fetch_list_facts(address, options.http_port, name)).empty()) break;
    }
    std::printf("  list serial: %s\n", facts.empty() ? "unknown (the stop page's /check.json did not answer)" : facts.c_str());
  }
  return exit_code;
}

}  // namespace dnsstop::cli
