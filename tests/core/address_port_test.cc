// Tests for parse_address_port: the ADDR:PORT of listen addresses and --server.
#include "core/address_port.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

AddressPort parsed(std::string_view text, std::optional<std::uint16_t> default_port = std::nullopt) {
  const ParsedAddressPort result = parse_address_port(text, default_port);
  EXPECT_TRUE(result.ok()) << text << ": " << result.error;
  return result.value;
}

std::string error_of(std::string_view text, std::optional<std::uint16_t> default_port = std::nullopt) {
  return parse_address_port(text, default_port).error;
}

TEST(AddressPortTest, ReadsBothFamilies) {
  EXPECT_EQ(parsed("192.0.2.80:80"), (AddressPort{"192.0.2.80", 80}));
  EXPECT_EQ(parsed("[2001:db8::80]:8080"), (AddressPort{"2001:db8::80", 8080}));
  EXPECT_EQ(parsed("127.0.0.1:65535").port, 65535);
  EXPECT_TRUE(parsed("[::1]:53").ipv6());
  EXPECT_FALSE(parsed("127.0.0.1:53").ipv6());
}

TEST(AddressPortTest, ADefaultPortMakesThePortOptional) {
  EXPECT_EQ(parsed("192.0.2.1", 53), (AddressPort{"192.0.2.1", 53}));
  EXPECT_EQ(parsed("2001:db8::1", 53), (AddressPort{"2001:db8::1", 53}));
  EXPECT_EQ(parsed("[2001:db8::1]", 53), (AddressPort{"2001:db8::1", 53}));
  EXPECT_EQ(parsed("192.0.2.1:5353", 53).port, 5353);
}

TEST(AddressPortTest, PortsArePlainDecimals1To65535) {
  EXPECT_EQ(error_of("127.0.0.1:53x"), "bad port '53x'");
  EXPECT_EQ(error_of("127.0.0.1:053"), "bad port '053'");
  EXPECT_EQ(error_of("127.0.0.1:0"), "bad port '0'");
  EXPECT_EQ(error_of("127.0.0.1:65536"), "bad port '65536'");
  EXPECT_EQ(error_of("127.0.0.1:"), "bad port ''");
  EXPECT_EQ(error_of("[::1]:+53"), "bad port '+53'");
}

TEST(AddressPortTest, RefusesWhatIsNoNumericAddress) {
  EXPECT_EQ(error_of("192.0.2.80"), "\"192.0.2.80\" has no :PORT");
  EXPECT_EQ(error_of("2001:db8::80:80"), "\"2001:db8::80:80\" has no :PORT");  // IPv6 needs brackets
  EXPECT_EQ(error_of("localhost:80"), "\"localhost\" is not an IP address");
  EXPECT_EQ(error_of("[192.0.2.80]:80"), "\"192.0.2.80\" is not an IP address");
  EXPECT_EQ(error_of("[2001:db8::80]"), "\"[2001:db8::80]\" is not [IPV6]:PORT");
  EXPECT_EQ(error_of("[2001:db8::80]80"), "\"[2001:db8::80]80\" is not [IPV6]:PORT");
  EXPECT_EQ(error_of("[2001:db8::80:80"), "\"[2001:db8::80:80\" is not [IPV6]:PORT");
  EXPECT_FALSE(error_of(":80").empty());
  EXPECT_FALSE(error_of("").empty());
  EXPECT_FALSE(error_of("", 53).empty());
}

TEST(AddressPortTest, WritesWhatItReads) {
  for (const char* text : {"192.0.2.80:80", "[2001:db8::80]:443"}) EXPECT_EQ(parsed(text).text(), text);
  EXPECT_EQ(parsed("[::1]:8080").url_host(), "[::1]");
  EXPECT_EQ(parsed("127.0.0.1:8080").url_host(), "127.0.0.1");
}

}  // namespace
}  // namespace dnsstop
