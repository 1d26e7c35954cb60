// Does the module run inside the Unbound binary it was compiled for?
//
// The module is compiled against one configured Unbound tree, and its struct
// offsets are only right inside the daemon built from that tree
// (docs/unbound-module.md). Unbound itself cannot tell: any daemon with the
// dynlib module dlopen()s any module. A version string would not do either:
// Debian's stock build, our rebuild and a developer's build all say 1.17.1.
// What does identify one build is the GNU build ID, the hash the linker writes
// into every Debian executable (and that survives stripping). The build
// records the build ID of the unbound binary it compiled against; init()
// compares it with the build ID of the running executable.
#pragma once

#include <string>
#include <string_view>

namespace dnsstop::plugin {

// The GNU build ID of the running executable, as lower-case hex; empty if it
// has none.
std::string running_executable_build_id();

// Empty if the running executable's build ID is `expected` (the check passes),
// otherwise the reason, ready for a log line. An empty `expected` means the
// build recorded none, and the check passes.
std::string check_running_unbound(std::string_view expected);

}  // namespace dnsstop::plugin
