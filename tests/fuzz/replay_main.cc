// Stands in for libFuzzer where it is not available (gcc, the sanitizer builds):
// runs a fuzz target's LLVMFuzzerTestOneInput over every file of its corpus, then
// over deterministic mutations of those files, so that `make test` replays every
// seed and regression input and explores a little beyond them on every build, under
// ASan and UBSan in `make test SANITIZE=address`.
//
//   <target>_replay [--mutations N] PATH...    PATH: a corpus directory or one file
//
// The mutations come from a fixed seed, so a failure reproduces on every run; the
// input that crashed or hung is also written to ./replay-crash-input.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Present when a sanitizer runtime is linked in (gcc's and clang's alike), absent otherwise.
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kDefaultMutations = 2000;
constexpr std::uint64_t kMutationSeed = 0x646e7373746f7021ull;
// Mutations grow inputs at most this far beyond the largest seed (libFuzzer's
// default -max_len), which keeps a run of the default count to seconds.
constexpr std::size_t kMaxGrowth = 4096;
constexpr char kCrashInputPath[] = "replay-crash-input";
// Inputs that hang or exhaust memory are failures too, and must not take the
// machine down with them (yaml-cpp has a loop that allocates without end). The
// values are libFuzzer's -timeout as run-fuzzers.sh sets it and its default -rss_limit_mb.
constexpr unsigned kInputTimeoutSeconds = 10;
constexpr rlim_t kAddressSpaceLimitBytes = rlim_t{2048} << 20;

struct CorpusFile {
  std::string path;
  Bytes bytes;
};

// What runs now, for the crash report. Plain globals: a signal handler reads them.
const std::uint8_t* g_running_data = nullptr;
std::size_t g_running_size = 0;
char g_running_origin[512] = "";

void write_fully(int fd, const void* data, std::size_t size) noexcept {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t written = ::write(fd, bytes, size);
    if (written <= 0) return;
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
}

void write_stderr(const char* text) noexcept { write_fully(STDERR_FILENO, text, std::strlen(text)); }

// Async-signal-safe: runs from a signal handler or a sanitizer's death callback.
void save_running_input() noexcept {
  write_stderr("replay: crashed on ");
  write_stderr(g_running_origin);
  write_stderr("; the input is saved as ./");
  write_stderr(kCrashInputPath);
  write_stderr("\n");
  const int fd = ::open(kCrashInputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  write_fully(fd, g_running_data, g_running_size);
  ::close(fd);
}

void on_fatal_signal(int signal_number) {
  if (signal_number == SIGALRM) write_stderr("replay: input timed out\n");
  save_running_input();
  // SA_RESETHAND restored the default action: the process ends as the signal demands.
  std::raise(signal_number);
}

void install_crash_report() {
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(save_running_input);
  for (const int signal_number : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM}) {
    struct sigaction current {};
    ::sigaction(signal_number, nullptr, &current);
    // A sanitizer that handles the signal itself reports far better; its death
    // callback saves the input then.
    if (current.sa_handler != SIG_DFL) continue;
    struct sigaction action {};
    action.sa_handler = on_fatal_signal;
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal_number, &action, nullptr);
  }
}

// Sanitizer runtimes reserve terabytes of address space, so under them only the
// timeout applies (their allocators grow far slower).
void limit_address_space() {
  if (__sanitizer_set_death_callback != nullptr) return;
  const struct rlimit limit {kAddressSpaceLimitBytes, kAddressSpaceLimitBytes};
  ::setrlimit(RLIMIT_AS, &limit);
}

// Like libFuzzer, hands the target a heap block of exactly the input's size, so
// that ASan catches a read one byte past the end.
void run(const Bytes& input, const std::string& origin) {
  auto exact = std::make_unique_for_overwrite<std::uint8_t[]>(input.size());
  std::copy(input.begin(), input.end(), exact.get());
  g_running_data = exact.get();
  g_running_size = input.size();
  std::snprintf(g_running_origin, sizeof(g_running_origin), "%s", origin.c_str());
  ::alarm(kInputTimeoutSeconds);
  LLVMFuzzerTestOneInput(exact.get(), input.size());
  ::alarm(0);
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  return Bytes(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
}

// Directory entries come in no particular order; sorting keeps every run identical.
std::vector<CorpusFile> read_corpus(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> files;
  for (const auto& path : paths) {
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else if (std::filesystem::is_regular_file(path)) {
      files.push_back(path);
    } else {
      std::fprintf(stderr, "replay: no corpus file or directory %s\n", path.c_str());
      std::exit(2);
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<CorpusFile> corpus;
  for (const auto& file : files) corpus.push_back({file.string(), read_file(file)});
  return corpus;
}

// A few of libFuzzer's own mutations: enough to leave the seeds' exact paths.
class Mutator {
 public:
  explicit Mutator(const std::vector<CorpusFile>& corpus) : corpus_(corpus) {
    for (const CorpusFile& file : corpus) max_size_ = std::max(max_size_, file.bytes.size());
    max_size_ += kMaxGrowth;
  }

  // The mutation and the corpus file it started from.
  std::pair<Bytes, const CorpusFile*> next() {
    const CorpusFile* base = corpus_.empty() ? nullptr : &corpus_[below(corpus_.size())];
    Bytes bytes = base ? base->bytes : Bytes{};
    for (std::size_t step = 1 + below(4); step > 0; --step) mutate(bytes);
    if (bytes.size() > max_size_) bytes.resize(max_size_);
    return {std::move(bytes), base};
  }

 private:
  std::size_t below(std::size_t bound) { return bound == 0 ? 0 : static_cast<std::size_t>(random_() % bound); }
  std::uint8_t random_byte() { return static_cast<std::uint8_t>(random_()); }

  // Values at the edges of what parsers check: zero, sign bits, all ones,
  // separators of names and lines, and label lengths around their limits.
  std::uint8_t interesting_byte() {
    static constexpr std::uint8_t kInteresting[] = {0, 1, 0x3f, 0x40, 0x7f, 0x80, 0xff, '.', '\n', ' ', '#', ':'};
    return kInteresting[below(std::size(kInteresting))];
  }

  void mutate(Bytes& bytes) {
    const std::size_t position = below(bytes.size() + 1);
    switch (bytes.empty() ? 2 : below(6)) {
      case 0:
        bytes[position % bytes.size()] ^= static_cast<std::uint8_t>(1u << below(8));
        break;
      case 1:
        bytes[position % bytes.size()] = below(2) ? interesting_byte() : random_byte();
        break;
      case 2:
        for (std::size_t count = 1 + below(8); count > 0; --count) {
          bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(position), random_byte());
        }
        break;
      case 3: {
        const std::size_t start = position % bytes.size();
        const std::size_t count = std::min(bytes.size() - start, 1 + below(16));
        bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(start),
                    bytes.begin() + static_cast<std::ptrdiff_t>(start + count));
        break;
      }
      case 4: {
        const std::size_t start = below(bytes.size());
        const std::size_t count = std::min(bytes.size() - start, 1 + below(32));
        const Bytes chunk(bytes.begin() + static_cast<std::ptrdiff_t>(start),
                          bytes.begin() + static_cast<std::ptrdiff_t>(start + count));
        bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(position), chunk.begin(), chunk.end());
        break;
      }
      default:
        splice(bytes, position);
        break;
    }
  }

  // This input's head up to `position`, then another corpus file's tail.
  void splice(Bytes& bytes, std::size_t position) {
    if (corpus_.empty()) return;
    const Bytes& other = corpus_[below(corpus_.size())].bytes;
    const std::size_t from = below(other.size() + 1);
    bytes.resize(position);
    bytes.insert(bytes.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
  }

  const std::vector<CorpusFile>& corpus_;
  std::size_t max_size_ = 0;
  std::mt19937_64 random_{kMutationSeed};  // the standard fixes its sequence on every platform
};

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: replay [--mutations N] CORPUS_DIR_OR_FILE...\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mutations = kDefaultMutations;
  std::vector<std::filesystem::path> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--mutations") {
      if (++i == argc) usage();
      char* end = nullptr;
      mutations = std::strtoull(argv[i], &end, 10);
      if (*argv[i] == '\0' || *end != '\0') usage();
    } else {
      paths.emplace_back(argument);
    }
  }
  if (paths.empty()) usage();

  install_crash_report();
  limit_address_space();
  const std::vector<CorpusFile> corpus = read_corpus(paths);
  for (const CorpusFile& file : corpus) run(file.bytes, file.path);
  Mutator mutator(corpus);
  for (std::size_t index = 0; index < mutations; ++index) {
    auto [bytes, base] = mutator.next();
    run(bytes, "mutation " + std::to_string(index) + (base ? " of " + base->path : std::string()));
  }
  std::printf("replay: %zu corpus files and %zu mutations passed\n", corpus.size(), mutations);
  return 0;
}
