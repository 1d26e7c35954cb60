// Each rule is a few lines; what they share is how a failure is phrased.
#include "core/update_rules.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "core/name.h"
#include "core/public_suffix.h"

namespace dnsstop {
namespace {

RuleFailure failure(Reason reason, std::string detail) { return {reason, std::move(detail)}; }

std::string entry_text(const ListEntry& entry) {
  return (entry.scope == MatchScope::Exact ? "=" : "") + entry.name;
}

// "a, b, c" of at most `shown` items, then "and N more".
std::string listed(const std::vector<std::string>& items, std::size_t total) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  if (total > items.size()) text += " and " + std::to_string(total - items.size()) + " more";
  return text;
}

// Beyond both the absolute and the percent part of a bound.
bool beyond(std::uint64_t changed, std::uint64_t in_force, const ChangeBound& bound) {
  return changed > bound.max_lines && changed * 100 > in_force * bound.max_percent;
}

// The configuration keys that set `bound`, for a held version's reason.
std::string bound_keys(std::string_view direction, const ChangeBound& bound) {
  const std::string key = "max_" + std::string(direction);
  return key + " " + std::to_string(bound.max_lines) + " and " + key + "_percent " + std::to_string(bound.max_percent);
}

}  // namespace

std::optional<Reason> reason_from_name(std::string_view name) {
  for (std::size_t index = 0; index < std::size(kReasonNames); ++index) {
    if (kReasonNames[index] == name) return static_cast<Reason>(index);
  }
  return std::nullopt;
}

Outcome outcome_of(Reason reason) {
  return reason == Reason::kPublicSuffix || reason == Reason::kChangeBounds ? Outcome::kHeld : Outcome::kRefused;
}

SignatureCheck check_signatures(std::string_view manifest_text, std::span<const minisign::Signature> signatures,
                                std::span<const minisign::PublicKey> keys, std::uint32_t required) {
  SignatureCheck check;
  if (signatures.empty()) {
    check.failure = failure(Reason::kMissingSignature, "the manifest has no signature");
    return check;
  }
  const minisign::Signature& primary = signatures.front();
  const minisign::SignatureCheck signature_check = minisign::verify(primary, keys, manifest_text);
  if (signature_check == minisign::SignatureCheck::kUnknownKey) {
    check.failure = failure(Reason::kUnknownKey, "manifest signed by key " + minisign::key_id_text(primary.key_id) +
                                                     ", which public_keys does not hold");
    return check;
  }
  if (signature_check != minisign::SignatureCheck::kValid) {
    check.failure =
        failure(Reason::kBadSignature, "manifest: " + std::string(minisign::signature_check_text(signature_check)));
    return check;
  }
  check.signers.push_back(primary.key_id);
  for (const minisign::Signature& cosignature : signatures.subspan(1)) {
    const bool counted =
        std::find(check.signers.begin(), check.signers.end(), cosignature.key_id) != check.signers.end();
    if (counted || cosignature.trusted_comment != primary.trusted_comment) continue;
    if (minisign::verify(cosignature, keys, manifest_text) == minisign::SignatureCheck::kValid) {
      check.signers.push_back(cosignature.key_id);
    }
  }
  if (check.signers.size() < required) {
    std::vector<std::string> names;
    for (const minisign::KeyId& id : check.signers) names.push_back(minisign::key_id_text(id));
    check.failure = failure(Reason::kTooFewSignatures,
                            std::to_string(check.signers.size()) + " valid signature" +
                                (check.signers.size() == 1 ? "" : "s") + " (key " + listed(names, names.size()) +
                                ") where required_signatures is " + std::to_string(required));
  }
  return check;
}

RuleResult check_manifest(std::string_view manifest_text, std::string_view trusted_comment,
                          std::string_view configured_list, std::uint64_t now, Manifest& manifest) {
  try {
    const SignedClaims claims = parse_trusted_comment(trusted_comment);
    manifest = parse_manifest(manifest_text);
    if (claims != claims_of(manifest)) {
      return failure(Reason::kBadManifest,
                     "the signed trusted comment \"" + std::string(trusted_comment) + "\" does not match the manifest");
    }
  } catch (const ManifestError& error) {
    return failure(Reason::kBadManifest, error.what());
  }
  if (manifest.list_name != configured_list) {
    return failure(Reason::kWrongList, "manifest is for list " + manifest.list_name);
  }
  if (manifest.expires_unix <= now) {
    return failure(Reason::kExpired, "manifest serial " + std::to_string(manifest.serial) + " expired at " +
                                         std::to_string(manifest.expires_unix) + " (now " + std::to_string(now) + ")");
  }
  return std::nullopt;
}

SerialCheck check_serial(const Manifest& manifest, std::optional<std::uint64_t> accepted_serial,
                         const Sha256& accepted_sha256, std::uint64_t pinned) {
  SerialCheck check;
  if (!accepted_serial) return check;
  const std::uint64_t accepted = *accepted_serial;
  if (manifest.serial < accepted || (manifest.serial == accepted && manifest.full.sha256 != accepted_sha256)) {
    check.failure = failure(Reason::kRollback, "manifest serial " + std::to_string(manifest.serial) +
                                                   (manifest.serial == accepted ? " with other content" : "") +
                                                   " does not follow accepted serial " + std::to_string(accepted));
  } else if (manifest.serial == accepted) {
    check.step = SerialStep::kUnchanged;
  } else if (pinned != 0) {
    check.failure = failure(Reason::kPinned, "serial " + std::to_string(manifest.serial) + " waits: serial " +
                                                 std::to_string(pinned) + " is pinned until `dnsstop-sync unpin`");
  }
  return check;
}

RuleResult check_declared_size(const PublishedFile& file, std::uint64_t max_bytes) {
  if (file.size <= max_bytes) return std::nullopt;
  return failure(Reason::kOversized, file.name + " of " + std::to_string(file.size) + " bytes exceeds max_bytes " +
                                         std::to_string(max_bytes));
}

RuleResult check_download(const PublishedFile& file, std::string_view body) {
  if (body.size() < file.size) {
    return failure(Reason::kTruncated, file.name + ": " + std::to_string(body.size()) + " bytes of the " +
                                           std::to_string(file.size) + " the manifest names");
  }
  if (body.size() > file.size) {
    return failure(Reason::kOversized, file.name + ": more than the " + std::to_string(file.size) +
                                           " bytes the manifest names");
  }
  if (sha256(body) != file.sha256) {
    return failure(Reason::kHashMismatch, file.name + ": SHA-256 differs from the manifest's");
  }
  return std::nullopt;
}

RuleResult check_skipped_lines(const ParsedList& parsed, std::uint32_t max_skipped_percent) {
  if (parsed.skipped_lines * std::uint64_t{100} <= parsed.content_lines * std::uint64_t{max_skipped_percent}) {
    return std::nullopt;
  }
  return failure(Reason::kBadLines, std::to_string(parsed.skipped_lines) + " of " +
                                        std::to_string(parsed.content_lines) + " lines do not parse (at most " +
                                        std::to_string(max_skipped_percent) + "% allowed)" +
                                        (parsed.problems.empty() ? "" : "; first: " + parsed.problems.front()));
}

std::vector<ProtectedHit> protected_hits(std::span<const ListEntry> entries, const ProtectedNames& protected_names,
                                         std::size_t limit) {
  std::vector<ProtectedHit> hits;
  if (protected_names.empty()) return hits;
  std::unordered_set<std::string_view> subtree;
  std::unordered_set<std::string_view> exact;
  for (const ListEntry& entry : entries) (entry.scope == MatchScope::Exact ? exact : subtree).insert(entry.name);
  for (const std::string& name : protected_names) {
    if (hits.size() == limit) break;
    if (exact.contains(name)) hits.push_back({{name, MatchScope::Exact}, name});
    // The name itself, then each parent: "a.b.c", "b.c", "c".
    for (std::size_t start = 0; start != std::string::npos && hits.size() < limit;) {
      const std::string_view suffix = std::string_view(name).substr(start);
      if (subtree.contains(suffix)) hits.push_back({{std::string(suffix), MatchScope::Subtree}, name});
      const std::size_t dot = name.find('.', start);
      start = dot == std::string::npos ? dot : dot + 1;
    }
  }
  return hits;
}

RuleResult check_protected(std::span<const ListEntry> entries, const ProtectedNames& protected_names) {
  const std::vector<ProtectedHit> hits = protected_hits(entries, protected_names);
  if (hits.empty()) return std::nullopt;
  std::vector<std::string> described;
  for (const ProtectedHit& hit : hits) described.push_back(entry_text(hit.entry) + " blocks " + hit.protected_name);
  return failure(Reason::kProtectedName, "entries block protected names: " + listed(described, described.size()));
}

std::vector<std::string> public_suffix_entries(std::span<const ListEntry> entries, std::string_view list_text,
                                               const PublicSuffixList& psl, std::size_t limit) {
  std::vector<std::string> suffixes;
  for (const ListEntry& entry : entries) {
    if (suffixes.size() == limit) return suffixes;
    if (entry.scope == MatchScope::Subtree && psl.is_public_suffix(entry.name)) suffixes.push_back(entry.name);
  }
  while (!list_text.empty() && suffixes.size() < limit) {
    const std::size_t end = std::min(list_text.find('\n'), list_text.size());
    std::string_view line = list_text.substr(0, end);
    list_text.remove_prefix(std::min(end + 1, list_text.size()));
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    if (line.ends_with('.')) line.remove_suffix(1);
    // A label of letters, digits, '-', '_' or non-ASCII bytes (an internationalised TLD).
    const bool single_label = !line.empty() && std::all_of(line.begin(), line.end(), [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return byte >= 0x80 || is_canonical_label_byte(static_cast<unsigned char>(std::tolower(byte)));
    });
    if (single_label) {
      std::string label(line);
      std::transform(label.begin(), label.end(), label.begin(), [](unsigned char c) { return std::tolower(c); });
      suffixes.push_back(std::move(label));
    }
  }
  return suffixes;
}

RuleResult check_public_suffixes(std::span<const ListEntry> entries, std::string_view list_text,
                                 const PublicSuffixList& psl) {
  const std::vector<std::string> suffixes = public_suffix_entries(entries, list_text, psl);
  if (suffixes.empty()) return std::nullopt;
  return failure(Reason::kPublicSuffix, "entries block whole public suffixes: " +
                                            listed(suffixes, suffixes.size()) + " (public suffix list " +
                                            psl.version() + ")");
}

RuleResult check_change_bounds(const ListDelta& change, std::uint64_t in_force_lines, const ChangeBounds& bounds) {
  const bool too_many_added = beyond(change.added.size(), in_force_lines, bounds.added);
  const bool too_many_removed = beyond(change.removed.size(), in_force_lines, bounds.removed);
  if (!too_many_added && !too_many_removed) return std::nullopt;
  return failure(Reason::kChangeBounds,
                 "adds " + std::to_string(change.added.size()) + " and removes " +
                     std::to_string(change.removed.size()) + " of " + std::to_string(in_force_lines) +
                     " lines in force; bounds: " +
                     (too_many_added ? bound_keys("added", bounds.added) : bound_keys("removed", bounds.removed)));
}

}  // namespace dnsstop
