// A numeric IP address with a port, as the configuration (listen addresses) and
// command lines (`dnsstop check --server`) write it: "192.0.2.80:80",
// "[2001:db8::80]:80" (brackets keep an IPv6 address's colons apart from the
// port's), and where a default port applies, "192.0.2.80" or "2001:db8::80".
//
// Pure; any thread; O(length).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnsstop {

struct AddressPort {
  std::string address;  // numeric IPv4 or IPv6 address, as inet_pton accepts it
  std::uint16_t port = 0;
  bool ipv6() const { return address.find(':') != std::string::npos; }
  // "192.0.2.80:80" or "[2001:db8::80]:80", the form parse_address_port reads.
  std::string text() const;
  // The address alone, bracketed when IPv6, as a URL's host needs it.
  std::string url_host() const;
  friend bool operator==(const AddressPort&, const AddressPort&) = default;
};

struct ParsedAddressPort {
  AddressPort value;  // meaningful only when ok()
  std::string error;  // what is wrong, e.g. "bad port '53x'"
  bool ok() const noexcept { return error.empty(); }
};

// Ports are 1-65535, plain decimals (core/decimal.h). Without a default port, the
// port is required.
ParsedAddressPort parse_address_port(std::string_view text, std::optional<std::uint16_t> default_port = std::nullopt);

}  // namespace dnsstop
