// Fuzz target for wire-format names as they arrive in queries: lookup_wire on a
// fixed snapshot never lists a malformed name and agrees with the presentation
// lookup, and name_from_wire always gives one printable line for the logs.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/wire_name.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> wire_name(data, size);
  dnsstop::fuzz::check_wire_lookup(dnsstop::fuzz::fixed_snapshot(), wire_name);
  const std::string text = dnsstop::name_from_wire(wire_name);
  DNSSTOP_FUZZ_CHECK(!text.empty());
  DNSSTOP_FUZZ_CHECK(std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c <= '~'; }) ||
                     text == "<malformed name>");
  return 0;
}
