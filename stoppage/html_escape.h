// Making untrusted text safe to show: HTML escaping for page bodies, JSON string
// escaping for /check.json, and reducing a Host header to the name to display.
//
// Pure; any thread; O(length of the input), one allocation for the result.
#pragma once

#include <string>
#include <string_view>

namespace dnsstop::stoppage {

// Escapes & < > " ' so the result is safe in element text and in quoted attributes.
// Bytes that are not valid printable text (controls, DEL, and anything that is not
// well-formed UTF-8, one U+FFFD per maximal ill-formed subpart) become U+FFFD, so
// a hostile header cannot smuggle anything a browser would interpret and the page
// stays valid UTF-8.
std::string html_escape(std::string_view text);

// The body of a JSON string (without the quotes): " \ and control bytes escaped.
std::string json_escape(std::string_view text);

// The host name a Host header names, for display and comparison: the port and a
// trailing dot removed, ASCII lowered, cut to 253 bytes (the longest DNS name). It
// is not validated: the result must still be escaped before it is shown.
std::string host_from_header(std::string_view host_header);

}  // namespace dnsstop::stoppage
