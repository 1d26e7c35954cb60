// Exit codes every dnsstop program shares; a program documents any of its own
// above these (dnsstop check: 3 cannot tell; dnsstop-sync: 3 request not taken yet).
//
// Constants only.
#pragma once

namespace dnsstop {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the program ran and found a problem
inline constexpr int kExitUsage = 2;    // bad arguments, unreadable input, bad configuration

}  // namespace dnsstop
