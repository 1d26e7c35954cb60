// Wire-format name helpers: conversion, suffixes (the SOA owner of a blocked
// answer), and escaping for logs.
#include "core/wire_name.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<std::uint8_t> out;
  for (int value : values) out.push_back(static_cast<std::uint8_t>(value));
  return out;
}

TEST(WireNameTest, ConvertsCanonicalNames) {
  EXPECT_EQ(wire_from_name("www.example.com"),
            bytes({3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0}));
  EXPECT_EQ(wire_from_name(""), bytes({0}));
}

TEST(WireNameTest, SuffixKeepsTheLastLabels) {
  const auto name = wire_from_name("a.b.example.com");
  const auto suffix = [&](std::size_t labels) {
    const auto part = wire_suffix(name, labels);
    return std::vector<std::uint8_t>(part.begin(), part.end());
  };
  EXPECT_EQ(suffix(2), wire_from_name("example.com"));
  EXPECT_EQ(suffix(4), name);
  EXPECT_EQ(suffix(9), name);
  EXPECT_EQ(suffix(0), bytes({0}));
}

TEST(WireNameTest, PresentationEscapesWhatLogsMustNotCarryRaw) {
  EXPECT_EQ(name_from_wire(wire_from_name("www.example.com")), "www.example.com");
  EXPECT_EQ(name_from_wire(bytes({3, 'a', '.', 0x0A, 3, 'c', 'o', 'm', 0})), "a\\046\\010.com");
  EXPECT_EQ(name_from_wire(bytes({0})), ".");
  EXPECT_EQ(name_from_wire(bytes({5, 'a', 'b', 0})), "<malformed name>");
  EXPECT_EQ(name_from_wire(bytes({3, 'c', 'o', 'm'})), "<malformed name>");
  EXPECT_EQ(name_from_wire(bytes({64})), "<malformed name>");
}

}  // namespace
}  // namespace dnsstop
