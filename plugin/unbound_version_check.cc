#include "plugin/unbound_version_check.h"

#include <elf.h>
#include <link.h>

#include <cstdint>
#include <cstring>

namespace dnsstop::plugin {
namespace {

// The build ID note in one loaded object's PT_NOTE segments, as hex.
std::string build_id_of(const dl_phdr_info& object) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (ElfW(Half) i = 0; i < object.dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = object.dlpi_phdr[i];
    if (segment.p_type != PT_NOTE) continue;
    // Notes are padded to 4 bytes, or to 8 in segments aligned to 8.
    const std::uintptr_t align = segment.p_align == 8 ? 8 : 4;
    const auto pad = [align](std::uintptr_t n) { return (n + align - 1) & ~(align - 1); };
    auto at = static_cast<std::uintptr_t>(object.dlpi_addr + segment.p_vaddr);
    const std::uintptr_t end = at + segment.p_memsz;
    while (at + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) note;
      std::memcpy(&note, reinterpret_cast<const void*>(at), sizeof note);
      const std::uintptr_t name = at + sizeof note;
      const std::uintptr_t desc = name + pad(note.n_namesz);
      if (desc + note.n_descsz > end) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          std::memcmp(reinterpret_cast<const void*>(name), "GNU", 4) == 0) {
        std::string hex;
        const auto* bytes = reinterpret_cast<const unsigned char*>(desc);
        for (ElfW(Word) b = 0; b < note.n_descsz; ++b) {
          hex += kHex[bytes[b] >> 4];
          hex += kHex[bytes[b] & 0xf];
        }
        return hex;
      }
      at = desc + pad(note.n_descsz);
    }
  }
  return {};
}

}  // namespace

std::string running_executable_build_id() {
  std::string id;
  // dl_iterate_phdr visits the main program first.
  dl_iterate_phdr(
      [](dl_phdr_info* object, std::size_t, void* result) {
        *static_cast<std::string*>(result) = build_id_of(*object);
        return 1;  // stop after the first
      },
      &id);
  return id;
}

std::string check_running_unbound(std::string_view expected) {
  if (expected.empty()) return {};
  const std::string running = running_executable_build_id();
  if (running == expected) return {};
  return "this module was built for the unbound binary with build ID " + std::string(expected) +
         ", but runs in one with build ID " + (running.empty() ? std::string("(none)") : running) +
         ": install the unbound package version that dnsstop-unbound-module depends on";
}

}  // namespace dnsstop::plugin
