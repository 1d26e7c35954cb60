#include "core/address_port.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "core/decimal.h"
#include "core/printable.h"

namespace dnsstop {

std::string AddressPort::url_host() const { return ipv6() ? "[" + address + "]" : address; }

std::string AddressPort::text() const { return url_host() + ":" + std::to_string(port); }

ParsedAddressPort parse_address_port(std::string_view text, std::optional<std::uint16_t> default_port) {
  ParsedAddressPort parsed;
  const bool bracketed = text.starts_with('[');
  // The colon before the port: after "]" when bracketed, the only colon of an IPv4
  // form; a bare IPv6 address (several colons) has none.
  std::size_t port_colon = std::string_view::npos;
  if (bracketed) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || (close + 1 < text.size() && text[close + 1] != ':') ||
        (close + 1 == text.size() && !default_port)) {
      parsed.error = in_quotes(text) + " is not [IPV6]:PORT";
      return parsed;
    }
    if (close + 1 < text.size()) port_colon = close + 1;
    parsed.value.address = std::string(text.substr(1, close - 1));
  } else {
    if (std::count(text.begin(), text.end(), ':') == 1) port_colon = text.find(':');
    parsed.value.address = std::string(text.substr(0, port_colon));
  }
  // Brackets hold an IPv6 address only.
  std::array<std::uint8_t, 16> bytes{};
  const bool ipv6 = parsed.value.ipv6();
  if ((bracketed && !ipv6) || ::inet_pton(ipv6 ? AF_INET6 : AF_INET, parsed.value.address.c_str(), bytes.data()) != 1) {
    parsed.error = in_quotes(parsed.value.address) + " is not an IP address";
    return parsed;
  }
  if (port_colon == std::string_view::npos) {
    if (!default_port) {
      parsed.error = in_quotes(text) + " has no :PORT";
      return parsed;
    }
    parsed.value.port = *default_port;
    return parsed;
  }
  const std::string_view port_text = text.substr(port_colon + 1);
  const std::optional<std::uint64_t> port = parse_decimal(port_text, 65535);
  if (!port || *port == 0) {
    parsed.error = "bad port " + in_quotes(port_text, '\'');
    return parsed;
  }
  parsed.value.port = static_cast<std::uint16_t>(*port);
  return parsed;
}

}  // namespace dnsstop
