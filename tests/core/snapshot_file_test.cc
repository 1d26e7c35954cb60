// Snapshot files on disk: atomic replacement, loading, and the errors a broken
// file gives (each names the path).
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "core/snapshot_file.h"
#include "tests/core/snapshot_test_support.h"

namespace dnsstop {
namespace {

namespace fs = std::filesystem;

class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("dnsstop-snapshot-file-test-" + std::to_string(::getpid()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  void TearDown() override {
    fs::permissions(directory_, fs::perms::owner_all);
    fs::remove_all(directory_);
  }
  std::string path(const std::string& name) const { return (directory_ / name).string(); }
  static void write_raw(const std::string& file, const std::vector<std::uint8_t>& bytes) {
    std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
  }
  std::size_t files_in_directory() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(directory_), fs::directory_iterator()));
  }

  fs::path directory_;
};

std::vector<std::uint8_t> snapshot_blocking(const std::string& name) {
  return testing::build_from_texts({{"police", Action::kStoppage, name + "\n"}});
}

std::string load_error(const std::string& file) {
  try {
    LoadedSnapshot::load(file);
  } catch (const FileError& error) {
    return error.what();
  } catch (const SnapshotError& error) {
    return error.what();
  }
  return "";
}

TEST_F(SnapshotFileTest, WrittenSnapshotLoadsAndAnswers) {
  write_file_atomically(path("current.snap"), snapshot_blocking("example.com"));
  const auto loaded = LoadedSnapshot::load(path("current.snap"));
  EXPECT_EQ(loaded->view().lookup("www.example.com").listing, Listing::kBlocked);
  EXPECT_EQ(loaded->identity(), identify_file(path("current.snap")));
  struct stat st {};
  ASSERT_EQ(::stat(path("current.snap").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(files_in_directory(), 1u);  // no temporary file left behind
}

TEST_F(SnapshotFileTest, ReplacementIsSeenAsANewFileAndOldLoadsStayValid) {
  write_file_atomically(path("current.snap"), snapshot_blocking("example.com"));
  const auto first = LoadedSnapshot::load(path("current.snap"));
  write_file_atomically(path("current.snap"), snapshot_blocking("example.org"));
  EXPECT_NE(identify_file(path("current.snap")), first->identity());
  const auto second = LoadedSnapshot::load(path("current.snap"));
  EXPECT_EQ(first->view().lookup("example.com").listing, Listing::kBlocked);
  EXPECT_EQ(second->view().lookup("example.com").listing, Listing::kUnlisted);
  EXPECT_EQ(second->view().lookup("example.org").listing, Listing::kBlocked);
}

TEST_F(SnapshotFileTest, LoadedSnapshotSurvivesTruncationOfItsFile) {
  write_file_atomically(path("current.snap"), snapshot_blocking("example.com"));
  const auto loaded = LoadedSnapshot::load(path("current.snap"));
  ASSERT_EQ(::truncate(path("current.snap").c_str(), 0), 0);  // an operator's mistake, in place
  EXPECT_EQ(loaded->view().lookup("example.com").listing, Listing::kBlocked);
}

TEST_F(SnapshotFileTest, BrokenFilesGiveErrorsNamingThePath) {
  EXPECT_EQ(load_error(path("missing.snap")), path("missing.snap") + ": No such file or directory");
  auto bytes = snapshot_blocking("example.com");
  write_raw(path("truncated.snap"), {bytes.begin(), bytes.end() - 16});
  EXPECT_NE(load_error(path("truncated.snap")).find(path("truncated.snap") + ": snapshot offset 16"), std::string::npos);
  write_raw(path("empty.snap"), {});
  EXPECT_NE(load_error(path("empty.snap")).find("shorter than the header"), std::string::npos);
  bytes[bytes.size() / 2] ^= 0x10;
  write_raw(path("flipped.snap"), bytes);
  EXPECT_NE(load_error(path("flipped.snap")).find("checksum mismatch"), std::string::npos);
  EXPECT_NE(load_error(directory_.string()).find("not a regular file"), std::string::npos);
}

// A full disk, simulated with a file size limit (which binds root too).
TEST_F(SnapshotFileTest, FailedWriteLeavesThePreviousFileUntouched) {
  write_file_atomically(path("current.snap"), snapshot_blocking("example.com"));
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "site" + std::to_string(i) + ".example.org\n";
  const auto large = testing::build_from_texts({{"police", Action::kStoppage, many}});
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto saved_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limited = saved;
  limited.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  EXPECT_THROW(write_file_atomically(path("current.snap"), large), FileError);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, saved_handler);
  EXPECT_EQ(LoadedSnapshot::load(path("current.snap"))->view().lookup("example.com").listing, Listing::kBlocked);
  EXPECT_EQ(files_in_directory(), 1u);  // the partial temporary file was removed
}

TEST_F(SnapshotFileTest, WriteIntoAMissingDirectoryFailsWithThePath) {
  try {
    write_file_atomically(path("no/such/dir/current.snap"), snapshot_blocking("example.com"));
    FAIL() << "write into a missing directory succeeded";
  } catch (const FileError& error) {
    EXPECT_EQ(error.path(), path("no/such/dir/current.snap"));
    EXPECT_EQ(std::string(error.what()), path("no/such/dir/current.snap") +
                                             ": cannot create a temporary file beside it: No such file or directory");
  }
}

}  // namespace
}  // namespace dnsstop
