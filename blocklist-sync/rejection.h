// Why dnsstop-sync refused an update: one counted reason per refusal, named in the
// log line and in the metric dnsstop_sync_failures_total{list,reason}.
//
// Header-only constants; any thread.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dnsstop::sync {

enum class Reason : std::size_t {
  kNetwork,         // connection refused, timeout, HTTP error status
  kTls,             // certificate or handshake failure
  kPlainHttp,       // an http:// URL or redirect without allow_plain_http
  kMissingSignature,
  kBadSignature,    // data or trusted comment do not match the signature
  kUnknownKey,      // signed, but by no trusted key
  kBadManifest,     // malformed, or its claims differ from the signed trusted comment
  kWrongList,       // a manifest for another list
  kRollback,        // serial below the accepted one, or equal with other content
  kExpired,         // the manifest's expiry time has passed (a frozen or replayed list)
  kTruncated,       // fewer bytes than the manifest says
  kOversized,       // more bytes than the manifest says or than max_bytes
  kHashMismatch,    // the bytes do not hash to the manifest's SHA-256
  kBadLines,        // more list lines fail to parse than max_skipped_percent allows
  kLocalFile,       // a local list file cannot be read
  kInternal,        // this host's fault: the state directory cannot be written, no memory
  kCount,
};

inline constexpr std::string_view kReasonNames[] = {
    "network",  "tls",       "plain_http", "missing_signature", "bad_signature",
    "unknown_key", "bad_manifest", "wrong_list", "rollback",   "expired",
    "truncated", "oversized", "hash_mismatch", "bad_lines",   "local_file",
    "internal"};
static_assert(std::size(kReasonNames) == static_cast<std::size_t>(Reason::kCount));

inline std::string_view reason_name(Reason reason) { return kReasonNames[static_cast<std::size_t>(reason)]; }

// Thrown inside a sync round; the round logs it, counts it and keeps the old list.
class Rejection : public std::runtime_error {
 public:
  Rejection(Reason reason, const std::string& what) : runtime_error(what), reason_(reason) {}
  Reason reason() const noexcept { return reason_; }

 private:
  Reason reason_;
};

}  // namespace dnsstop::sync
