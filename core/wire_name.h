// Domain names in DNS wire format (length-prefixed labels ending with the root
// label), as Unbound hands them to the module.
//
// Pure functions on caller-owned bytes; any thread; O(name length); no allocation
// except where a std::vector is returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dnsstop {

// Wire form of a canonical presentation name ("example.com" -> 7example3com0).
// The root is "" -> {0}.
std::vector<std::uint8_t> wire_from_name(std::string_view canonical_name);

// The last `labels` labels of a well-formed wire name, still in wire form (the
// zone a matched entry names, inside the query's own bytes).
std::span<const std::uint8_t> wire_suffix(std::span<const std::uint8_t> wire_name, std::size_t labels) noexcept;

// Presentation form for logs: labels joined by '.', bytes outside [!-~] and '.'
// or '\\' inside a label escaped as \DDD. Malformed input gives "<malformed name>".
std::string name_from_wire(std::span<const std::uint8_t> wire_name);

}  // namespace dnsstop
