// libpsl reads the list from a stdio stream; the text is handed to it through
// fmemopen, so the file is read (and hashed for its version) exactly once.
#include "core/public_suffix.h"

#include <libpsl.h>

#include <cstdio>
#include <stdexcept>

#include "core/digest.h"
#include "core/file_io.h"

namespace dnsstop {
namespace {

// Debian's list is about 230 KB; the cap only guards against a wrong path.
constexpr std::size_t kMaxPublicSuffixListBytes = 16 << 20;

}  // namespace

struct PublicSuffixList::Context {
  psl_ctx_t* psl = nullptr;
  ~Context() { psl_free(psl); }
};

PublicSuffixList::PublicSuffixList(std::unique_ptr<Context> context, std::string version)
    : context_(std::move(context)), version_(std::move(version)) {}
PublicSuffixList::PublicSuffixList(PublicSuffixList&&) noexcept = default;
PublicSuffixList& PublicSuffixList::operator=(PublicSuffixList&&) noexcept = default;
PublicSuffixList::~PublicSuffixList() = default;

PublicSuffixList PublicSuffixList::from_text(std::string_view text) {
  std::string copy(text);  // fmemopen wants a mutable buffer
  FILE* stream = ::fmemopen(copy.data(), copy.size(), "r");
  if (stream == nullptr) throw std::runtime_error("public suffix list: cannot open a memory stream");
  auto context = std::make_unique<Context>();
  context->psl = psl_load_fp(stream);
  std::fclose(stream);
  if (context->psl == nullptr || psl_suffix_count(context->psl) <= 0) {
    throw std::runtime_error("holds no public suffix rules");
  }
  return PublicSuffixList(std::move(context), to_hex(sha256(text)).substr(0, 16));
}

PublicSuffixList PublicSuffixList::load_file(const std::string& path) {
  const std::string text = read_whole_file(path, kMaxPublicSuffixListBytes);
  try {
    return from_text(text);
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(path + ": " + error.what());
  }
}

bool PublicSuffixList::is_public_suffix(const std::string& name) const {
  return psl_is_public_suffix2(context_->psl, name.c_str(), PSL_TYPE_ANY) != 0;
}

}  // namespace dnsstop
