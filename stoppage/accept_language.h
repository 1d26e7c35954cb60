// Choosing the page's language from a request's Accept-Language header (RFC 9110
// section 12.5.4): Swedish or English, whichever the browser ranks higher.
//
// Pure; any thread; O(length of the header), no allocation.
#pragma once

#include <cstdint>
#include <string_view>

namespace dnsstop::stoppage {

enum class Language : std::uint8_t { kSwedish, kEnglish };
inline constexpr Language kLanguages[] = {Language::kSwedish, Language::kEnglish};

// "sv" or "en": the code used in file names, html lang= and metrics labels.
std::string_view language_code(Language language) noexcept;
// Reads "sv" or "en"; anything else gives `fallback`.
Language language_from_code(std::string_view code, Language fallback) noexcept;

// The language with the highest q-value among sv and en (any region: sv-FI counts
// as sv); on equal weight, the one named first. `*` stands for `fallback`. A header
// that is empty, malformed or names neither language gives `fallback`.
Language choose_language(std::string_view accept_language, Language fallback) noexcept;

}  // namespace dnsstop::stoppage
