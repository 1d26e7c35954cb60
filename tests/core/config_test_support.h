// Shared by the configuration tests: the error a configuration text gives.
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/config.h"

namespace dnsstop::testing {

// The message parse_config throws for `yaml`, read as "t.yaml"; a test failure if
// the text is accepted.
inline std::string config_error_of(std::string_view yaml) {
  try {
    parse_config(yaml, "t.yaml");
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "accepted:\n" << yaml;
  return {};
}

}  // namespace dnsstop::testing
