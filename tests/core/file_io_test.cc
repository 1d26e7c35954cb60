// File operations: bounded whole-file reads (content, a missing file, a file past the
// bound: /dev/zero never ends, an unreadable path), atomic replacement, new files,
// appends and listings; every error is a FileError naming the path and the operation.
#include "core/file_io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace dnsstop {
namespace {

TEST(FileIoTest, ReadsWholeFilesAndSaysWhenOneIsMissing) {
  const auto path = (std::filesystem::temp_directory_path() / "dnsstop-file-io-test.txt").string();
  std::ofstream(path) << "example.com\n";
  EXPECT_EQ(read_whole_file(path, 12), "example.com\n");
  EXPECT_EQ(read_file_if_present(path, 100), "example.com\n");
  std::filesystem::remove(path);
  EXPECT_EQ(read_file_if_present(path, 100), std::nullopt);
  try {
    read_whole_file(path, 100);
    FAIL() << "a missing file was read";
  } catch (const FileError& error) {
    EXPECT_EQ(std::string(error.what()), path + ": No such file or directory");
    EXPECT_EQ(error.path(), path);
    EXPECT_EQ(error.operation(), "read");
    EXPECT_EQ(error.code(), std::errc::no_such_file_or_directory);
  }
}

TEST(FileIoTest, StopsAtTheBound) {
  try {
    read_whole_file("/dev/zero", 1000);
    FAIL() << "/dev/zero was read to its end";
  } catch (const FileError& error) {
    EXPECT_EQ(std::string(error.what()), "/dev/zero: larger than 1000 bytes");
    EXPECT_EQ(error.code(), std::errc::file_too_large);
  }
}

TEST(FileIoTest, UnreadablePathIsAnErrorNamingIt) {
  try {
    read_whole_file("/", 100);
    FAIL() << "a directory was read";
  } catch (const FileError& error) {
    EXPECT_EQ(std::string(error.what()), "/: Is a directory");
    EXPECT_EQ(error.code(), std::errc::is_a_directory);
  }
}

class FileIoDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("dnsstop-file-io-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string path(const std::string& name) const { return (directory_ / name).string(); }

  std::filesystem::path directory_;
};

TEST_F(FileIoDirectoryTest, AtomicWritesReplaceTheFileAndLeaveNoTemporaryFile) {
  write_file_atomically(path("state"), "first\n");
  write_file_atomically(path("state"), "second\n");
  EXPECT_EQ(read_whole_file(path("state"), 100), "second\n");
  EXPECT_EQ(directory_entries(directory_.string()), std::vector<std::string>{"state"});
  EXPECT_EQ(std::filesystem::status(path("state")).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0644));
}

TEST_F(FileIoDirectoryTest, NewFilesAreNeverOverwritten) {
  create_new_file(path("secret.key"), "key\n", 0600);
  EXPECT_EQ(std::filesystem::status(path("secret.key")).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0600));
  try {
    create_new_file(path("secret.key"), "other\n", 0600);
    FAIL() << "an existing file was overwritten";
  } catch (const FileError& error) {
    EXPECT_EQ(std::string(error.what()), path("secret.key") + ": cannot create: File exists");
    EXPECT_EQ(error.code(), std::errc::file_exists);
  }
  EXPECT_EQ(read_whole_file(path("secret.key"), 100), "key\n");
}

TEST_F(FileIoDirectoryTest, AppendsKeepWhatWasThere) {
  append_to_file(path("journal"), "one\n", 0640);
  append_to_file(path("journal"), "two\n", 0640);
  EXPECT_EQ(read_whole_file(path("journal"), 100), "one\ntwo\n");
  try {
    append_to_file(path("missing/journal"), "three\n", 0640);
    FAIL() << "appended into a missing directory";
  } catch (const FileError& error) {
    EXPECT_EQ(std::string(error.what()), path("missing/journal") + ": cannot open for appending: No such file or directory");
  }
}

TEST_F(FileIoDirectoryTest, ListsAndIdentifiesFilesOrSaysWhyNot) {
  write_file_atomically(path("a"), "1");
  const FileIdentity first = identify_file(path("a"));
  write_file_atomically(path("a"), "22");
  EXPECT_NE(identify_file(path("a")), first);
  EXPECT_EQ(identify_file(path("a")).size, 2u);
  try {
    identify_file(path("b"));
    FAIL() << "a missing file was identified";
  } catch (const FileError& error) {
    EXPECT_EQ(std::string(error.what()), path("b") + ": cannot stat: No such file or directory");
    EXPECT_EQ(error.operation(), "stat");
  }
  EXPECT_THROW(directory_entries(path("none")), FileError);
}

}  // namespace
}  // namespace dnsstop
