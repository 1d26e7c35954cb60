// What a list does with the names it matches, and how actions are named in
// configuration files and on the command line.
//
// Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dnsstop {

enum class Action : std::uint8_t {
  kStoppage = 1,  // A/AAAA answered with the stop page's addresses, other types NODATA
  kNxdomain = 2,
  kNodata = 3,
  kAllow = 4,     // an exception: the name resolves normally
};

constexpr bool is_valid_action(std::uint8_t raw) noexcept {
  return raw >= static_cast<std::uint8_t>(Action::kStoppage) &&
         raw <= static_cast<std::uint8_t>(Action::kAllow);
}

constexpr std::string_view action_name(Action action) noexcept {
  switch (action) {
    case Action::kStoppage: return "stoppage";
    case Action::kNxdomain: return "nxdomain";
    case Action::kNodata: return "nodata";
    case Action::kAllow: return "allow";
  }
  return "invalid";
}

constexpr std::optional<Action> parse_action(std::string_view name) noexcept {
  for (Action action : {Action::kStoppage, Action::kNxdomain, Action::kNodata, Action::kAllow}) {
    if (action_name(action) == name) return action;
  }
  return std::nullopt;
}

}  // namespace dnsstop
