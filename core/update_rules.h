// The rules a new version of a fetched list must pass before dnsstop-sync applies
// it (docs/list-distribution.md, "Acceptance rules" and "Guard rails"), each one a
// pure function of what was fetched, what is held and the time, so that every rule
// is unit-tested without a network. dnsstop-sync fetches and asks them in the
// documented order; `dnsstop compile` asks the guard rails that fit a local file.
//
// A rule answers nothing (pass) or a RuleFailure naming its Reason and what is wrong.
// Two reasons hold the version for the operator's approval instead of refusing it
// (outcome_of): a public-suffix entry and a change beyond the bounds.
//
// Pure; any thread. Costs: signatures two Ed25519 verifications each; the list rules
// O(n) in the entries (public suffixes: one libpsl lookup per subtree entry).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/digest.h"
#include "core/list_delta.h"
#include "core/list_parser.h"
#include "core/manifest.h"
#include "core/minisign.h"

namespace dnsstop {

class PublicSuffixList;

// Why a version was not applied: one counted reason per decision, named in the log
// line, in the journal and in the metric dnsstop_sync_failures_total{list,reason}.
enum class Reason : std::size_t {
  kNetwork,          // connection refused, timeout, HTTP error status
  kTls,              // certificate or handshake failure
  kPlainHttp,        // an http:// URL or redirect without allow_plain_http
  kMissingSignature,
  kBadSignature,     // data or trusted comment do not match the signature
  kUnknownKey,       // signed, but by no trusted key
  kTooFewSignatures, // fewer distinct trusted keys signed than required_signatures
  kBadManifest,      // malformed, or its claims differ from the signed trusted comment
  kWrongList,        // a manifest for another list
  kRollback,         // serial below the accepted one, or equal with other content
  kExpired,          // the manifest's expiry time has passed (a frozen or replayed list)
  kPinned,           // the operator pinned an earlier serial; newer ones wait for unpin
  kTruncated,        // fewer bytes than the manifest says
  kOversized,        // more bytes than the manifest says or than max_bytes
  kHashMismatch,     // the bytes do not hash to the manifest's SHA-256
  kBadLines,         // more list lines fail to parse than max_skipped_percent allows
  kProtectedName,    // an entry blocks a name the operator protects
  kPublicSuffix,     // held: a subtree entry is a public suffix
  kChangeBounds,     // held: more added or removed than the configured bounds
  kLocalFile,        // a local list file cannot be read
  kInternal,         // this host's fault: the state directory cannot be written, no memory
  kCount,
};

inline constexpr std::string_view kReasonNames[] = {
    "network",     "tls",           "plain_http",  "missing_signature", "bad_signature",
    "unknown_key", "too_few_signatures", "bad_manifest", "wrong_list", "rollback",
    "expired",     "pinned",        "truncated",   "oversized",         "hash_mismatch",
    "bad_lines",   "protected_name", "public_suffix", "change_bounds",  "local_file",
    "internal"};
static_assert(std::size(kReasonNames) == static_cast<std::size_t>(Reason::kCount));

inline std::string_view reason_name(Reason reason) { return kReasonNames[static_cast<std::size_t>(reason)]; }
// The reason whose name is `name`; nullopt for none.
std::optional<Reason> reason_from_name(std::string_view name);

enum class Outcome { kRefused, kHeld };
// kHeld for kPublicSuffix and kChangeBounds: such a version may be exactly what the
// police meant (an urgent addition on a free-hosting suffix), so it waits for the
// operator instead of being lost.
Outcome outcome_of(Reason reason);

struct RuleFailure {
  Reason reason;
  std::string detail;  // what is wrong, for the log line and the journal
  friend bool operator==(const RuleFailure&, const RuleFailure&) = default;
};
using RuleResult = std::optional<RuleFailure>;

// --- The signed manifest ---------------------------------------------------------

struct SignatureCheck {
  std::vector<minisign::KeyId> signers;  // distinct trusted keys whose signature is valid
  RuleResult failure;
};
// signatures[0] is NAME.manifest.minisig and decides unknown_key / bad_signature as
// before; the others (NAME.manifest.minisig.2 ...) are co-signatures, counted when
// valid, made by a trusted key not counted yet, and carrying the same trusted
// comment. A co-signature that does not verify (one left from an earlier manifest)
// is not counted. Fewer than `required` signers: kTooFewSignatures.
SignatureCheck check_signatures(std::string_view manifest_text, std::span<const minisign::Signature> signatures,
                                std::span<const minisign::PublicKey> keys, std::uint32_t required);

// The manifest parses and agrees with the signed trusted comment (kBadManifest),
// names the configured list (kWrongList) and has not expired at `now` (kExpired).
// On success `manifest` holds the parsed manifest.
RuleResult check_manifest(std::string_view manifest_text, std::string_view trusted_comment,
                          std::string_view configured_list, std::uint64_t now, Manifest& manifest);

// What a manifest's serial means against the newest accepted version.
enum class SerialStep { kNew, kUnchanged };
struct SerialCheck {
  SerialStep step = SerialStep::kNew;
  RuleResult failure;
};
// kRollback below the accepted serial, or equal to it with other content; kPinned
// for a newer serial while the operator pins one (`pinned` = 0: none).
SerialCheck check_serial(const Manifest& manifest, std::optional<std::uint64_t> accepted_serial,
                         const Sha256& accepted_sha256, std::uint64_t pinned);

// --- The downloaded list ---------------------------------------------------------

// kOversized when the manifest declares more than max_bytes.
RuleResult check_declared_size(const PublishedFile& file, std::uint64_t max_bytes);
// kTruncated when fewer bytes came than declared, kHashMismatch when they hash to
// something else. (More bytes than declared are stopped by the download.)
RuleResult check_download(const PublishedFile& file, std::string_view body);
// kBadLines when more than max_skipped_percent of the content lines did not parse.
RuleResult check_skipped_lines(const ParsedList& parsed, std::uint32_t max_skipped_percent);

// --- Guard rails -----------------------------------------------------------------

// Names that must never be blocked, canonical (core/name.h), sorted and unique.
using ProtectedNames = std::vector<std::string>;
// Every (entry, protected name) pair where the entry blocks the name: an exact entry
// equal to it, or a subtree entry equal to it or to one of its parents. At most
// `limit` pairs, in protected-name order.
struct ProtectedHit {
  ListEntry entry;
  std::string protected_name;
  friend bool operator==(const ProtectedHit&, const ProtectedHit&) = default;
};
std::vector<ProtectedHit> protected_hits(std::span<const ListEntry> entries, const ProtectedNames& protected_names,
                                         std::size_t limit = 10);
// kProtectedName when any entry blocks a protected name (allow lists block nothing:
// the caller does not ask for them).
RuleResult check_protected(std::span<const ListEntry> entries, const ProtectedNames& protected_names);

// The subtree entries that are public suffixes (`co.uk`, `github.io`), then the
// lines of `list_text` naming a single label (`com`, `se.`): the list parser skips
// those as entries, but a version holding one is as wrong as one that blocks a
// public suffix. At most `limit`. Exact entries are not: they block one name only.
std::vector<std::string> public_suffix_entries(std::span<const ListEntry> entries, std::string_view list_text,
                                               const PublicSuffixList& psl, std::size_t limit = 10);
// kPublicSuffix (held) when there are any; the detail names the PSL version used.
RuleResult check_public_suffixes(std::span<const ListEntry> entries, std::string_view list_text,
                                 const PublicSuffixList& psl);

// How far one version may move from the one in force before it is held. A change is
// beyond a bound when it exceeds both its absolute and its percent part (the
// percent of the entries in force): the absolute part keeps small lists' ordinary
// updates from looking large, the percent part lets large lists grow.
struct ChangeBound {
  std::uint64_t max_lines;
  std::uint32_t max_percent;
  friend bool operator==(const ChangeBound&, const ChangeBound&) = default;
};
struct ChangeBounds {
  ChangeBound added{.max_lines = 1000, .max_percent = 100};
  ChangeBound removed{.max_lines = 100, .max_percent = 20};
  friend bool operator==(const ChangeBounds&, const ChangeBounds&) = default;
};
// kChangeBounds (held) when the delta from the lines in force (`in_force_lines`
// canonical lines) adds or removes beyond the bounds. The first version of a list
// has nothing to be compared with; the caller does not ask for it.
RuleResult check_change_bounds(const ListDelta& change, std::uint64_t in_force_lines, const ChangeBounds& bounds);

}  // namespace dnsstop
