// Bounded whole-file reads: content, a missing file, a file past the bound
// (/dev/zero never ends), and an unreadable path; every error names the path.
#include "core/file_io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()), path + ": No such file or directory");
  }
}

TEST(FileIoTest, StopsAtTheBound) {
  EXPECT_THROW(read_whole_file("/dev/zero", 1 << 20), FileTooLargeError);
  try {
    read_whole_file("/dev/zero", 1000);
  } catch (const FileTooLargeError& error) {
    EXPECT_EQ(std::string(error.what()), "/dev/zero: larger than 1000 bytes");
  }
}

TEST(FileIoTest, UnreadablePathIsAnErrorNamingIt) {
  try {
    read_whole_file("/", 100);
    FAIL() << "a directory was read";
  } catch (const FileTooLargeError&) {
    FAIL() << "wrong error";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()), "/: Is a directory");
  }
}

}  // namespace
}  // namespace dnsstop
