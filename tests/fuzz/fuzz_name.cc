// Fuzz target for normalize_name: whatever the bytes, a name it accepts is
// canonical (at most 253 octets of lower-case labels) and normalising it again
// changes nothing, so every later comparison of names can be byte-wise.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/name.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dnsstop::fuzz::is_canonical_name;
  const dnsstop::NormalizedName result =
      dnsstop::normalize_name(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!result.ok()) return 0;
  DNSSTOP_FUZZ_CHECK(result.name.size() <= dnsstop::kMaxNameLength);
  DNSSTOP_FUZZ_CHECK(is_canonical_name(result.name));
  const dnsstop::NormalizedName again = dnsstop::normalize_name(result.name);
  DNSSTOP_FUZZ_CHECK(again.ok() && again.name == result.name);
  return 0;
}
