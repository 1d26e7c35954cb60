// The `lists` section: each list's name, action and extended DNS error, its local
// file, and where dnsstop-sync fetches it (see config_sections.h).
#include <array>
#include <span>

#include "core/config_sections.h"
#include "core/list_name.h"
#include "core/minisign.h"
#include "core/printable.h"
#include "core/snapshot_format.h"

namespace dnsstop::config_sections {
namespace {

constexpr Keyword<Action> kActionKeywords[] = {
    {action_name(Action::kStoppage), Action::kStoppage},
    {action_name(Action::kNxdomain), Action::kNxdomain},
    {action_name(Action::kNodata), Action::kNodata},
    {action_name(Action::kAllow), Action::kAllow},
};

std::string read_list_name(const Value& value, std::span<const ListConfig> earlier_lists) {
  std::string name = read_string(value);
  if (!is_valid_list_name(name)) value.fail_expected(std::string(kListNameRule));
  for (std::size_t index = 0; index < earlier_lists.size(); ++index) {
    if (earlier_lists[index].name == name) {
      value.fail(in_quotes(name) + " is already the name of lists[" + std::to_string(index) + ']');
    }
  }
  return name;
}

std::string read_ede_text(const Value& value) {
  std::string text = read_string(value);
  if (text.size() > kMaxEdeTextBytes) {
    value.fail("is " + std::to_string(text.size()) + " bytes; at most " + std::to_string(kMaxEdeTextBytes) +
               " fit in every answer");
  }
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
    value.fail_expected("printable ASCII text");
  }
  return text;
}

// The keys of a list that tell dnsstop-sync where to fetch it (see ListSourceConfig),
// in the order read_list_source takes their values.
constexpr std::string_view kListSourceKeys[] = {
    "url",       "public_keys",       "ca_file",     "client_cert",        "client_key",
    "poll_seconds", "max_bytes",      "max_skipped_percent", "allow_plain_http", "required_signatures",
    "max_added", "max_added_percent", "max_removed", "max_removed_percent"};
using ListSourceValues = std::array<std::optional<Value>, std::size(kListSourceKeys)>;

ListSourceConfig read_list_source(const ListSourceValues& values) {
  const auto& [url, public_keys, ca_file, client_cert, client_key, poll_seconds, max_bytes, max_skipped_percent,
               allow_plain_http, required_signatures, max_added, max_added_percent, max_removed,
               max_removed_percent] = values;
  ListSourceConfig source;
  if (allow_plain_http) source.allow_plain_http = read_bool(*allow_plain_http);
  if (url) {
    source.url = read_string(*url);
    const bool https = source.url.starts_with("https://") && source.url.size() > 8;
    const bool plain = source.url.starts_with("http://") && source.url.size() > 7;
    if (!https && !(plain && source.allow_plain_http)) {
      url->fail_expected("an https:// URL (plain http:// only with allow_plain_http, for tests)");
    }
  }
  if (public_keys) {
    for (const Value& element : public_keys->elements("a sequence of minisign public keys", 8)) {
      std::string key = read_string(element);
      try {
        minisign::parse_public_key(key);
      } catch (const minisign::FormatError& error) {
        element.fail(error.what());
      }
      source.public_keys.push_back(std::move(key));
    }
  }
  if (url && source.public_keys.empty()) {
    (public_keys ? *public_keys : *url).fail("a list fetched from a url needs at least one key in public_keys");
  }
  if (ca_file) source.ca_file = read_path(*ca_file, EmptyPath::kRejected);
  if (client_cert) source.client_cert = read_path(*client_cert, EmptyPath::kRejected);
  if (client_key) source.client_key = read_path(*client_key, EmptyPath::kRejected);
  if (client_cert && !client_key) client_cert->fail("needs client_key too");
  if (client_key && !client_cert) client_key->fail("needs client_cert too");
  if (poll_seconds) source.poll_seconds = read_integer<std::uint32_t>(*poll_seconds, 1, 86400);
  if (max_bytes) {
    source.max_bytes = read_integer<std::uint64_t>(*max_bytes, 1024, std::uint64_t{1} << 32);
  }
  if (max_skipped_percent) {
    source.max_skipped_percent = read_integer<std::uint32_t>(*max_skipped_percent, 0, 100);
  }
  if (required_signatures) {
    const auto key_count = static_cast<std::uint32_t>(std::max<std::size_t>(source.public_keys.size(), 1));
    source.required_signatures = read_integer<std::uint32_t>(*required_signatures, 1, key_count);
  }
  ChangeBounds& bounds = source.change_bounds;
  if (max_added) bounds.added.max_lines = read_integer<std::uint64_t>(*max_added, 0, std::uint64_t{1} << 32);
  if (max_added_percent) bounds.added.max_percent = read_integer<std::uint32_t>(*max_added_percent, 0, 100000);
  if (max_removed) bounds.removed.max_lines = read_integer<std::uint64_t>(*max_removed, 0, std::uint64_t{1} << 32);
  if (max_removed_percent) bounds.removed.max_percent = read_integer<std::uint32_t>(*max_removed_percent, 0, 100);
  return source;
}

ListConfig parse_list(Value value, const AnswerConfig& answers, std::span<const ListConfig> earlier_lists) {
  Section section(std::move(value));
  const Value name = section.require("name");
  const Value action = section.require("action");
  const auto [ede_code, ede_text, file] = section.find_each({"ede_code", "ede_text", "file"});
  const ListSourceValues source = section.find_each(kListSourceKeys);
  section.check_keys();

  ListConfig list;
  list.name = read_list_name(name, earlier_lists);
  list.action = read_keyword<Action>(action, kActionKeywords);
  if (list.action == Action::kAllow) {
    // An exception answers as if dnsstop were absent, so there is no blocking to explain.
    for (const std::optional<Value>* ede : {&ede_code, &ede_text}) {
      if (*ede) (*ede)->fail("an allow list sends no extended DNS error; remove this key");
    }
    list.ede_code = 0;
  } else {
    if (ede_code) list.ede_code = read_integer<std::uint16_t>(*ede_code, 0, 65535);
    if (ede_text) list.ede_text = read_ede_text(*ede_text);
  }
  if (list.action == Action::kStoppage && answers.stoppage_ipv4.empty() && answers.stoppage_ipv6.empty()) {
    action.fail("stoppage needs an address in answers.stoppage_ipv4 or answers.stoppage_ipv6");
  }
  if (file) list.file = read_path(*file, EmptyPath::kRejected);
  list.source = read_list_source(source);
  return list;
}

}  // namespace

std::vector<ListConfig> parse_lists(const Value& value, const AnswerConfig& answers) {
  std::vector<ListConfig> lists;
  for (const Value& element : value.elements("a sequence of lists", snapshot_format::kMaxLists)) {
    lists.push_back(parse_list(element, answers, lists));
  }
  return lists;
}

}  // namespace dnsstop::config_sections
