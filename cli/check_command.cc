// `dnsstop check [--server ADDR] [--config FILE] [NAME]`: asks a resolver for the
// consumer check name and says whether it blocks, as a monitoring check would.
// Exit 0: it blocks; 1: it does not; 2: cannot tell (no answer, SERVFAIL, NXDOMAIN
// without an explanation, bad arguments).
#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/config.h"
#include "core/decimal.h"
#include "core/name.h"

// Last: ldns's headers define C's bool in a way that breaks <optional>'s operator<=>
// when they come first.
#include <ldns/ldns.h>

namespace dnsstop::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: dnsstop check [--server ADDR|ADDR:PORT|[ADDR6]:PORT] [--config FILE] [--http-port PORT] [NAME]";

struct ExtendedError {
  std::uint16_t code = 0;
  std::string text;
};

struct DnsAnswer {
  bool answered = false;
  ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR;
  std::vector<std::string> addresses;
  std::optional<ExtendedError> ede;
};

// RFC 8914 codes that mean "a policy stopped this name": Blocked, Censored,
// Filtered, Prohibited.
bool is_blocking_code(std::uint16_t code) { return code >= 15 && code <= 18; }

std::string_view ede_name(std::uint16_t code) {
  switch (code) {
    case 15: return "Blocked";
    case 16: return "Censored";
    case 17: return "Filtered";
    case 18: return "Prohibited";
    default: return "other";
  }
}

struct Server {
  std::string address;
  std::uint16_t port = 53;
};

Server parse_server(std::string_view text) {
  Server server;
  const bool bracketed = text.starts_with('[');
  const std::size_t colon = bracketed ? text.find("]:") : (std::count(text.begin(), text.end(), ':') == 1 ? text.find(':') : std::string_view::npos);
  if (bracketed && colon == std::string_view::npos) throw std::invalid_argument("--server: [ADDR6] needs :PORT");
  server.address = std::string(bracketed ? text.substr(1, colon - 1) : text.substr(0, colon));
  if (colon != std::string_view::npos) {
    const std::string_view port = text.substr(colon + (bracketed ? 2 : 1));
    const std::optional<std::uint64_t> number = parse_decimal(port, 65535);
    if (!number || *number == 0) throw std::invalid_argument("--server: bad port '" + std::string(port) + "'");
    server.port = static_cast<std::uint16_t>(*number);
  }
  return server;
}

using ResolverPtr = std::unique_ptr<ldns_resolver, decltype(&ldns_resolver_deep_free)>;

ResolverPtr make_resolver(const std::optional<Server>& server) {
  ldns_resolver* resolver = nullptr;
  if (server) {
    resolver = ldns_resolver_new();
    ldns_rdf* address = ldns_rdf_new_frm_str(server->address.find(':') == std::string::npos ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
                                             server->address.c_str());
    if (address == nullptr) {
      ldns_resolver_deep_free(resolver);
      throw std::invalid_argument("--server: '" + server->address + "' is not an IP address");
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
  answer.answered = true;
  answer.rcode = ldns_pkt_get_rcode(packet);
  const ldns_rr_list* records = ldns_pkt_answer(packet);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(records); ++i) {
    const ldns_rr* record = ldns_rr_list_rr(records, i);
    if (ldns_rr_get_type(record) != type || ldns_rr_rd_count(record) == 0) continue;
    char* text = ldns_rdf2str(ldns_rr_rdf(record, 0));
    if (text != nullptr) answer.addresses.emplace_back(text);
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

// A number, or a string without escapes, from the flat JSON object our own stop
// page writes (pages.cc); "" when the key is missing. Not a general JSON reader.
std::string json_value(const std::string& json, std::string_view key) {
  const std::string quoted_key = "\"" + std::string(key) + "\":";
  const std::size_t start = json.find(quoted_key);
  if (start == std::string::npos) return {};
  std::size_t begin = start + quoted_key.size();
  const bool is_string = begin < json.size() && json[begin] == '"';
  if (is_string) ++begin;
  const std::size_t end = json.find_first_of(is_string ? "\"\\" : ",}", begin);
  if (end == std::string::npos || end - begin > 64) return {};
  return json.substr(begin, end - begin);
}

// The list facts the stop page publishes at /check.json, or "" when it cannot be had.
std::string fetch_list_facts(const std::string& address, std::uint16_t port, const std::string& name) {
  const std::string host = address.find(':') == std::string::npos ? address : "[" + address + "]";
  const std::string url = "http://" + host + ":" + std::to_string(port) + "/check.json";
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
  const std::string serial = json_value(body, "serial");
  if (serial.empty() || serial == "null") return {};
  std::string facts = serial;
  if (const std::string list = json_value(body, "list"); !list.empty()) facts += ", list " + list;
  if (const std::string age = json_value(body, "age_seconds"); !age.empty() && age != "null")
    facts += ", " + std::to_string(std::strtoull(age.c_str(), nullptr, 10) / 60) + " min old";
  return facts;
}

bool is_stop_page_address(const Config& config, const std::string& text) {
  std::array<std::uint8_t, 16> bytes{};
  if (::inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    return std::any_of(config.answers.stoppage_ipv4.begin(), config.answers.stoppage_ipv4.end(),
                       [&](const auto& address) { return std::equal(address.begin(), address.end(), bytes.begin()); });
  }
  if (::inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    return std::find(config.answers.stoppage_ipv6.begin(), config.answers.stoppage_ipv6.end(), bytes) !=
           config.answers.stoppage_ipv6.end();
  }
  return false;
}

}  // namespace

int check_command(std::span<const std::string_view> args) {
  std::optional<Server> server;
  std::string config_path;
  std::string name;
  std::uint16_t http_port = 80;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--server" && has_value) {
      server = parse_server(args[++i]);
    } else if (args[i] == "--config" && has_value) {
      config_path = std::string(args[++i]);
    } else if (args[i] == "--http-port" && has_value) {
      const std::string_view port = args[++i];
      const std::optional<std::uint64_t> number = parse_decimal(port, 65535);
      if (!number || *number == 0) throw std::invalid_argument("--http-port: bad port '" + std::string(port) + "'");
      http_port = static_cast<std::uint16_t>(*number);
    } else if (!args[i].starts_with("-") && name.empty()) {
      name = std::string(args[i]);
    } else {
      throw std::invalid_argument(std::string(kUsage));
    }
  }
  // The configuration supplies the default check name and the stop page's addresses;
  // without one, a name must be given and only the EDE can tell a block.
  Config config;
  const char* from_environment = std::getenv("DNSSTOP_CONFIG");
  if (config_path.empty()) config_path = from_environment != nullptr ? from_environment : "/etc/dnsstop/dnsstop.yaml";
  try {
    config = load_config(config_path);
  } catch (const ConfigError& error) {
    if (name.empty()) throw std::runtime_error(std::string(error.what()) + "; give the check NAME");
  }
  if (name.empty()) name = config.stoppage.check_host;
  if (name.empty()) throw std::runtime_error(config_path + ": stoppage.check_host is empty; give the check NAME");
  const NormalizedName normalized = normalize_name(name);
  if (!normalized.ok()) throw std::invalid_argument("'" + name + "': " + normalized.error);
  name = normalized.name;

  const ResolverPtr resolver = make_resolver(server);
  const std::string via = server ? (server->address.find(':') == std::string::npos ? server->address : "[" + server->address + "]") + ":" + std::to_string(server->port)
                                 : std::string("the resolvers in /etc/resolv.conf");
  const DnsAnswer ipv4 = ask(resolver.get(), name, LDNS_RR_TYPE_A);
  const DnsAnswer ipv6 = ask(resolver.get(), name, LDNS_RR_TYPE_AAAA);

  std::vector<std::string> addresses = ipv4.addresses;
  addresses.insert(addresses.end(), ipv6.addresses.begin(), ipv6.addresses.end());
  const std::optional<ExtendedError>& ede = ipv4.ede ? ipv4.ede : ipv6.ede;
  const bool blocking_ede = ede && is_blocking_code(ede->code);
  const bool all_stop_page = !addresses.empty() && std::all_of(addresses.begin(), addresses.end(), [&](const std::string& address) {
    return is_stop_page_address(config, address);
  });

  int verdict;
  std::string reason;
  if (!ipv4.answered && !ipv6.answered) {
    verdict = kExitUsage;
    reason = "cannot tell: no answer";
  } else if (blocking_ede || all_stop_page) {
    verdict = kExitOk;
    reason = "BLOCKS";
  } else if (!addresses.empty()) {
    verdict = kExitFailure;
    reason = "does NOT block: the name resolves to its real addresses";
  } else {
    verdict = kExitUsage;
    const ldns_pkt_rcode rcode = ipv4.answered ? ipv4.rcode : ipv6.rcode;
    ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, rcode);
    reason = std::string("cannot tell: ") + (entry != nullptr ? entry->name : "rcode " + std::to_string(rcode)) +
             " without an extended DNS error";
  }
  std::printf("%s via %s: %s\n", name.c_str(), via.c_str(), reason.c_str());
  if (!addresses.empty()) {
    std::string joined;
    for (const std::string& address : addresses) joined += (joined.empty() ? "" : " ") + address;
    std::printf("  %s: %s\n", verdict == kExitOk ? "stop page" : "addresses", joined.c_str());
  }
  if (ede) std::printf("  EDE %u (%s): %s\n", ede->code, std::string(ede_name(ede->code)).c_str(), ede->text.c_str());
  if (verdict == kExitOk) {
    std::string facts;
    for (const std::string& address : addresses) {
      if (!(facts = fetch_list_facts(address, http_port, name)).empty()) break;
    }
    std::printf("  list serial: %s\n", facts.empty() ? "unknown (the stop page's /check.json did not answer)" : facts.c_str());
  }
  return verdict;
}

}  // namespace dnsstop::cli
