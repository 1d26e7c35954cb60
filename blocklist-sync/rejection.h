// How dnsstop-sync refuses an update inside a round: a Rejection carries the reason
// (core/update_rules.h names them all), which the round logs, counts and journals;
// nothing held changes.
//
// Header-only; any thread.
#pragma once

#include <stdexcept>
#include <string>

#include "core/update_rules.h"

namespace dnsstop::sync {

class Rejection : public std::runtime_error {
 public:
  Rejection(Reason reason, const std::string& what) : runtime_error(what), reason_(reason) {}
  explicit Rejection(const RuleFailure& failure) : Rejection(failure.reason, failure.detail) {}
  Reason reason() const noexcept { return reason_; }

 private:
  Reason reason_;
};

// Throws the rule's failure, if any.
inline void enforce(const RuleResult& result) {
  if (result) throw Rejection(*result);
}

}  // namespace dnsstop::sync
