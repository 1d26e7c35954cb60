// Templates and PageRenderer: which page, status and language a request gets, what
// the page shows, and the shipped templates in etc/stoppage.
#include "stoppage/pages.h"

#include <gtest/gtest.h>

#include <string>

#include "stoppage/templates.h"

namespace dnsstop::stoppage {
namespace {

const std::string kShippedTemplates = std::string(DNSSTOP_SOURCE_DIR) + "/etc/stoppage";
constexpr std::int64_t kNow = 1'800'000'000;

StoppageConfig test_config() {
  StoppageConfig config;
  config.operator_name = "Tele & Co <AB>";
  config.blocked_by_url = "https://operator.example/block?a=1&b=2";
  config.hotline_url = "https://hotline.example/";
  config.help_url = "https://help.example/";
  config.check_host = "check.example";
  config.default_language = "sv";
  return config;
}

ListFacts known_facts() { return {true, "police", 42, kNow - 2 * 3600 - 5 * 60}; }

TEST(TemplateTest, RendersFieldsInPlace) {
  const Template parsed = Template::parse("a{{host}}b{{operator}}{{host}}", "t.html");
  FieldValues values;
  values[static_cast<std::size_t>(Field::kHost)] = "H";
  values[static_cast<std::size_t>(Field::kOperator)] = "O";
  EXPECT_EQ(parsed.render(values), "aHbOH");
  EXPECT_EQ(Template::parse("no fields", "t.html").render(values), "no fields");
}

TEST(TemplateTest, RejectsUnknownAndUnclosedPlaceholders) {
  try {
    Template::parse("line 1\n{{hots}}", "t.html");
    FAIL() << "accepted an unknown placeholder";
  } catch (const TemplateError& error) {
    EXPECT_EQ(std::string(error.what()).substr(0, 38), "t.html:2: unknown placeholder {{hots}}");
  }
  EXPECT_THROW(Template::parse("{{host", "t.html"), TemplateError);
}

TEST(TemplateTest, MissingDirectoryIsAnError) {
  EXPECT_THROW(TemplateSet::load("/nonexistent/stoppage"), TemplateError);
}

TEST(PagesTest, AnyHostGetsTheStopPageWith451) {
  const PageRenderer renderer(test_config(), TemplateSet::load(kShippedTemplates));
  const Response response = renderer.respond({"blocked.example:80", "/any/path", ""}, known_facts(), kNow);
  EXPECT_EQ(response.status, 451u);
  EXPECT_EQ(response.page, Page::kStop);
  EXPECT_EQ(response.language, Language::kSwedish);
  EXPECT_NE(response.body.find("lang=\"sv\""), std::string::npos);
  EXPECT_NE(response.body.find("blocked.example"), std::string::npos);
  EXPECT_NE(response.body.find("sexuella övergrepp på barn"), std::string::npos);
  EXPECT_NE(response.body.find("https://hotline.example/"), std::string::npos);
  EXPECT_NE(response.body.find("https://help.example/"), std::string::npos);
  EXPECT_NE(response.body.find("Tele &amp; Co &lt;AB&gt;"), std::string::npos);
  EXPECT_EQ(renderer.link_header(), "<https://operator.example/block?a=1&b=2>; rel=\"blocked-by\"");
}

TEST(PagesTest, StopPageOffersTheComplaintRouteInBothLanguages) {
  StoppageConfig config = test_config();
  config.complaint_url = "https://operator.example/complaint";
  const PageRenderer renderer(config, TemplateSet::load(kShippedTemplates));
  const Response swedish = renderer.respond({"blocked.example", "/", "sv"}, known_facts(), kNow);
  EXPECT_NE(swedish.body.find("felaktigt blockerad? H\xc3\xb6r av dig h\xc3\xa4r: <a href=\"https://operator.example/complaint\">"),
            std::string::npos);
  const Response english = renderer.respond({"blocked.example", "/", "en"}, known_facts(), kNow);
  EXPECT_NE(english.body.find("wrongly blocked? Tell us here: <a href=\"https://operator.example/complaint\">"),
            std::string::npos);
  // Without one, complaints go to the operator's page about the block.
  const PageRenderer fallback(test_config(), TemplateSet::load(kShippedTemplates));
  EXPECT_NE(fallback.respond({"blocked.example", "/", "en"}, known_facts(), kNow)
                .body.find("Tell us here: <a href=\"https://operator.example/block?a=1&amp;b=2\">"),
            std::string::npos);
}

TEST(PagesTest, HostileHostIsEscaped) {
  const PageRenderer renderer(test_config(), TemplateSet::load(kShippedTemplates));
  const Response response =
      renderer.respond({"<script>alert(1)</script>\"'.example", "/", "en"}, known_facts(), kNow);
  EXPECT_EQ(response.body.find("<script>"), std::string::npos);
  EXPECT_NE(response.body.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;.example"), std::string::npos);
  EXPECT_NE(response.body.find("lang=\"en\""), std::string::npos);
}

TEST(PagesTest, CheckHostShowsTheListFacts) {
  const PageRenderer renderer(test_config(), TemplateSet::load(kShippedTemplates));
  const Response page = renderer.respond({"Check.Example.", "/", "en-GB"}, known_facts(), kNow);
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.page, Page::kCheck);
  EXPECT_NE(page.body.find("Your operator blocks"), std::string::npos);
  EXPECT_NE(page.body.find("police, version 42"), std::string::npos);
  EXPECT_NE(page.body.find("2 h 5 min ago"), std::string::npos);

  const Response json = renderer.respond({"check.example", "/check.json", ""}, known_facts(), kNow);
  EXPECT_TRUE(json.json);
  EXPECT_EQ(json.content_type, "application/json");
  EXPECT_EQ(json.body,
            "{\"blocked\":true,\"operator\":\"Tele & Co <AB>\",\"check_host\":\"check.example\",\"list\":\"police\","
            "\"serial\":42,\"published_unix\":1799992500,\"age_seconds\":7500}\n");

  const Response unknown = renderer.respond({"check.example", "/check.json", ""}, ListFacts{}, kNow);
  EXPECT_NE(unknown.body.find("\"serial\":null"), std::string::npos);
  // /check.json on any other host is the stop page like every other path.
  EXPECT_EQ(renderer.respond({"other.example", "/check.json", ""}, known_facts(), kNow).status, 451u);
}

TEST(PagesTest, PublicCheckModeSaysNotBlocked) {
  StoppageConfig config = test_config();
  config.mode = StoppageConfig::Mode::kPublicCheck;
  config.default_language = "en";
  const PageRenderer renderer(config, TemplateSet::load(kShippedTemplates));
  const Response page = renderer.respond({"check.example", "/", ""}, ListFacts{}, kNow);
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.page, Page::kNotBlocked);
  EXPECT_NE(page.body.find("Your operator does NOT block"), std::string::npos);
  const Response json = renderer.respond({"check.example", "/check.json", ""}, ListFacts{}, kNow);
  EXPECT_EQ(json.body.substr(0, 17), "{\"blocked\":false,");
}

TEST(PagesTest, AgeAndTimeFormats) {
  EXPECT_EQ(format_age(-5), "0 min");
  EXPECT_EQ(format_age(59), "0 min");
  EXPECT_EQ(format_age(61 * 60), "1 h 1 min");
  EXPECT_EQ(format_age(3 * 86400 + 4 * 3600 + 59), "3 d 4 h");
  EXPECT_EQ(format_utc(0), "1970-01-01 00:00 UTC");
}

}  // namespace
}  // namespace dnsstop::stoppage
