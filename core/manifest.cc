// Strict parsing: every line in its place, every number plain decimal, every
// unexpected byte an error with its line number. A manifest comes from the network;
// its signature is checked before it is parsed, but a strict parser keeps a
// publisher's mistake from being read two ways.
#include "core/manifest.h"

#include <algorithm>

#include "core/decimal.h"
#include "core/list_name.h"
#include "core/snapshot_format.h"
#include "core/split.h"

namespace dnsstop {
namespace {

constexpr std::string_view kMagicLine = "dnsstop-manifest 1";

[[noreturn]] void fail_at(std::size_t line, std::string_view what) {
  throw ManifestError("manifest line " + std::to_string(line) + ": " + std::string(what));
}

bool valid_file_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxPublishedFileNameBytes && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), is_list_name_character);
}

bool parse_number(std::string_view text, std::uint64_t& number) {
  const std::optional<std::uint64_t> parsed = parse_decimal(text);
  if (parsed) number = *parsed;
  return parsed.has_value();
}

class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // The next line's words, which must start with `keyword` and number `count`.
  std::vector<std::string_view> expect(std::string_view keyword, std::size_t count) {
    if (!has_more()) fail_at(line_number_ + 1, "missing; expected \"" + std::string(keyword) + '"');
    const std::string_view line = next();
    std::vector<std::string_view> words = split(line, ' ');
    if (words.empty() || words[0] != keyword) fail_at(line_number_, "expected \"" + std::string(keyword) + '"');
    if (words.size() != count || line.find("  ") != std::string_view::npos || line.back() == ' ') {
      fail_at(line_number_, "expected " + std::to_string(count - 1) + " values separated by single spaces");
    }
    return words;
  }

  std::uint64_t number(std::string_view text) const {
    std::uint64_t value = 0;
    if (!parse_number(text, value)) fail_at(line_number_, "expected a plain decimal number");
    return value;
  }

  PublishedFile file(std::string_view name, std::string_view size, std::string_view hash) const {
    PublishedFile file;
    if (!valid_file_name(name)) fail_at(line_number_, "file name must be 1-128 of A-Z a-z 0-9 . _ - not starting with .");
    file.name = name;
    file.size = number(size);
    const auto digest = sha256_from_hex(hash);
    if (!digest) fail_at(line_number_, "expected a SHA-256 of 64 hex digits");
    file.sha256 = *digest;
    return file;
  }

  bool has_more() const { return position_ < text_.size(); }
  bool next_starts_with(std::string_view word) const { return text_.substr(position_).starts_with(word); }
  std::size_t line_number() const { return line_number_; }

 private:
  std::string_view next() {
    const std::size_t end = text_.find('\n', position_);
    if (end == std::string_view::npos) fail_at(line_number_ + 1, "does not end with a newline");
    const std::string_view line = text_.substr(position_, end - position_);
    position_ = end + 1;
    ++line_number_;
    for (const char c : line) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
        fail_at(line_number_, "holds a byte that is not printable ASCII");
      }
    }
    return line;
  }

  std::string_view text_;
  std::size_t position_ = 0;
  std::size_t line_number_ = 0;
};

}  // namespace

Manifest parse_manifest(std::string_view text) {
  if (text.size() > kMaxManifestBytes) {
    throw ManifestError("manifest: larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  }
  LineReader reader(text);
  Manifest manifest;
  if (reader.expect("dnsstop-manifest", 2)[1] != "1") fail_at(1, "unknown manifest version; expected \"" + std::string(kMagicLine) + '"');
  manifest.list_name = reader.expect("list", 2)[1];
  if (!is_valid_list_name(manifest.list_name)) {
    fail_at(reader.line_number(), "list name must be " + std::string(kListNameRule));
  }
  manifest.serial = reader.number(reader.expect("serial", 2)[1]);
  if (manifest.serial == 0) fail_at(reader.line_number(), "serial must be at least 1");
  manifest.created_unix = reader.number(reader.expect("created", 2)[1]);
  manifest.expires_unix = reader.number(reader.expect("expires", 2)[1]);
  if (manifest.expires_unix <= manifest.created_unix) fail_at(reader.line_number(), "expires must be after created");
  const auto full = reader.expect("full", 4);
  manifest.full = reader.file(full[1], full[2], full[3]);
  while (reader.has_more()) {
    const auto delta = reader.expect("delta", 5);
    DeltaReference reference;
    reference.from_serial = reader.number(delta[1]);
    reference.file = reader.file(delta[2], delta[3], delta[4]);
    if (reference.from_serial == 0 || reference.from_serial >= manifest.serial) {
      fail_at(reader.line_number(), "a delta must start from a serial between 1 and the manifest's serial");
    }
    if (!manifest.deltas.empty() && reference.from_serial >= manifest.deltas.back().from_serial) {
      fail_at(reader.line_number(), "deltas must be listed by descending serial, each once");
    }
    if (manifest.deltas.size() == kMaxManifestDeltas) {
      fail_at(reader.line_number(), "more than " + std::to_string(kMaxManifestDeltas) + " deltas");
    }
    manifest.deltas.push_back(std::move(reference));
  }
  return manifest;
}

std::string format_manifest(const Manifest& manifest) {
  const auto file_words = [](const PublishedFile& file) {
    return file.name + ' ' + std::to_string(file.size) + ' ' + to_hex(file.sha256);
  };
  std::string text = std::string(kMagicLine) + '\n';
  text += "list " + manifest.list_name + '\n';
  text += "serial " + std::to_string(manifest.serial) + '\n';
  text += "created " + std::to_string(manifest.created_unix) + '\n';
  text += "expires " + std::to_string(manifest.expires_unix) + '\n';
  text += "full " + file_words(manifest.full) + '\n';
  for (const DeltaReference& delta : manifest.deltas) {
    text += "delta " + std::to_string(delta.from_serial) + ' ' + file_words(delta.file) + '\n';
  }
  return text;
}

std::string format_trusted_comment(const SignedClaims& claims) {
  return "dnsstop list=" + claims.list_name + " serial=" + std::to_string(claims.serial) +
         " expires=" + std::to_string(claims.expires_unix);
}

SignedClaims parse_trusted_comment(std::string_view comment) {
  const auto fail = [&] {
    throw ManifestError("trusted comment is not \"dnsstop list=NAME serial=N expires=UNIX\"");
  };
  const std::vector<std::string_view> words = split(comment, ' ');
  if (words.size() != 4 || words[0] != "dnsstop" || !words[1].starts_with("list=") ||
      !words[2].starts_with("serial=") || !words[3].starts_with("expires=")) {
    fail();
  }
  SignedClaims claims;
  claims.list_name = words[1].substr(5);
  if (!is_valid_list_name(claims.list_name) || !parse_number(words[2].substr(7), claims.serial) ||
      !parse_number(words[3].substr(8), claims.expires_unix)) {
    fail();
  }
  return claims;
}

SignedClaims claims_of(const Manifest& manifest) {
  return {manifest.list_name, manifest.serial, manifest.expires_unix};
}

}  // namespace dnsstop
