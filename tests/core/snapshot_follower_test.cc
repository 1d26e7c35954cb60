// The snapshot follower's rules, shared by the module, the stop page and the sync
// daemon: load a file once per identity, reject a bad one once, keep or drop the
// snapshot in use as configured, and log each cause once (a missing snapshot once a
// minute, by the time passed in).
#include "core/snapshot_follower.h"

#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/file_io.h"
#include "tests/core/snapshot_test_support.h"

namespace dnsstop {
namespace {

namespace fs = std::filesystem;
using Outcome = SnapshotFollower::Outcome;

class SnapshotFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("dnsstop-follower-test-" + std::to_string(::getpid()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  SnapshotFollower follower(bool keep_last_good) {
    return SnapshotFollower(
        {path_, keep_last_good, "answering SERVFAIL"},
        [this](std::shared_ptr<const LoadedSnapshot> snapshot) { used_.push_back(std::move(snapshot)); },
        [this](LogLevel level, const std::string& text) { logged_.push_back(std::to_string(int(level)) + " " + text); });
  }
  void publish(const std::string& name) {
    write_file_atomically(path_, testing::build_from_texts({{"police", Action::kStoppage, name + "\n"}}));
  }
  void publish_corrupt() {
    std::vector<std::uint8_t> bytes = testing::build_from_texts({{"police", Action::kStoppage, "bad.example\n"}});
    bytes[bytes.size() / 2] ^= 0x10;
    write_file_atomically(path_, bytes);
  }
  bool used_blocks(std::size_t index, const std::string& name) const {
    return used_.at(index) && used_.at(index)->view().lookup(name).listing == Listing::kBlocked;
  }

  fs::path directory_;
  std::string path_ = (fs::temp_directory_path() / ("dnsstop-follower-test-" + std::to_string(::getpid())) /
                       "current.snap").string();
  std::vector<std::shared_ptr<const LoadedSnapshot>> used_;
  std::vector<std::string> logged_;
};

TEST_F(SnapshotFollowerTest, AMissingSnapshotIsLoggedOnceAMinuteUntilOneArrives) {
  SnapshotFollower following = follower(true);
  EXPECT_EQ(following.check(1000), Outcome::kNoFile);
  EXPECT_EQ(following.check(1059), Outcome::kNoFile);
  ASSERT_EQ(logged_.size(), 1u);
  EXPECT_EQ(logged_[0], "3 no snapshot yet (" + path_ +
                            ": cannot stat: No such file or directory); answering SERVFAIL until one arrives");
  EXPECT_EQ(following.check(1060), Outcome::kNoFile);
  EXPECT_EQ(logged_.size(), 2u);
  publish("example.com");
  EXPECT_EQ(following.check(1061), Outcome::kLoaded);
  EXPECT_TRUE(following.has_snapshot());
  ASSERT_EQ(used_.size(), 1u);
  EXPECT_TRUE(used_blocks(0, "example.com"));
}

TEST_F(SnapshotFollowerTest, AFileIsLoadedOncePerIdentity) {
  publish("example.com");
  SnapshotFollower following = follower(true);
  EXPECT_EQ(following.check(0), Outcome::kLoaded);
  EXPECT_EQ(following.check(0), Outcome::kUnchanged);
  EXPECT_EQ(used_.size(), 1u);
  publish("example.org");
  EXPECT_EQ(following.check(0), Outcome::kLoaded);
  ASSERT_EQ(used_.size(), 2u);
  EXPECT_TRUE(used_blocks(1, "example.org"));
  EXPECT_TRUE(logged_.empty());
}

TEST_F(SnapshotFollowerTest, ABadFileIsRejectedOnceAndTheGoodOneKept) {
  publish("example.com");
  SnapshotFollower following = follower(true);
  following.check(0);
  publish_corrupt();
  EXPECT_EQ(following.check(0), Outcome::kRejected);
  EXPECT_EQ(following.check(0), Outcome::kUnchanged);  // the same bad file: not read again
  ASSERT_EQ(logged_.size(), 1u);
  EXPECT_TRUE(logged_[0].starts_with("3 rejected snapshot: " + path_ + ": ")) << logged_[0];
  EXPECT_TRUE(logged_[0].ends_with("checksum mismatch (corrupted file); keeping the previous one")) << logged_[0];
  EXPECT_EQ(used_.size(), 1u);
  EXPECT_TRUE(following.has_snapshot());
  publish("example.net");
  EXPECT_EQ(following.check(0), Outcome::kLoaded);
  EXPECT_TRUE(used_blocks(1, "example.net"));
}

TEST_F(SnapshotFollowerTest, ABadFirstFileLeavesItWithout) {
  publish_corrupt();
  SnapshotFollower following = follower(true);
  EXPECT_EQ(following.check(0), Outcome::kRejected);
  ASSERT_EQ(logged_.size(), 1u);
  EXPECT_TRUE(logged_[0].ends_with("; still without a snapshot")) << logged_[0];
  EXPECT_FALSE(following.has_snapshot());
  EXPECT_TRUE(used_.empty());
}

TEST_F(SnapshotFollowerTest, APathGoneBadIsLoggedOncePerCauseWhileTheSnapshotKeepsServing) {
  publish("example.com");
  SnapshotFollower following = follower(true);
  following.check(0);
  fs::rename(path_, path_ + ".kept");
  EXPECT_EQ(following.check(0), Outcome::kNoFile);
  EXPECT_EQ(following.check(100), Outcome::kNoFile);
  fs::create_symlink(path_, path_);  // a symlink loop: another cause
  EXPECT_EQ(following.check(200), Outcome::kNoFile);
  ASSERT_EQ(logged_.size(), 2u);
  EXPECT_EQ(logged_[0], "3 cannot examine the snapshot path: " + path_ +
                            ": cannot stat: No such file or directory; keeping the loaded snapshot");
  EXPECT_NE(logged_[1].find("Too many levels of symbolic links"), std::string::npos) << logged_[1];
  EXPECT_TRUE(following.has_snapshot());
  fs::remove(path_);
  fs::rename(path_ + ".kept", path_);
  EXPECT_EQ(following.check(300), Outcome::kUnchanged);  // the very file in use
  EXPECT_EQ(used_.size(), 1u);
}

TEST_F(SnapshotFollowerTest, WithoutKeepingTheLastGoodTheUserIsToldWhenThereIsNone) {
  publish("example.com");
  SnapshotFollower following = follower(false);
  following.check(0);
  fs::rename(path_, path_ + ".kept");
  EXPECT_EQ(following.check(0), Outcome::kNoFile);
  EXPECT_EQ(following.check(0), Outcome::kNoFile);
  ASSERT_EQ(used_.size(), 2u);  // told once
  EXPECT_EQ(used_[1], nullptr);
  fs::rename(path_ + ".kept", path_);
  EXPECT_EQ(following.check(0), Outcome::kLoaded);  // the same file, back: used again
  ASSERT_EQ(used_.size(), 3u);
  EXPECT_TRUE(used_blocks(2, "example.com"));
  publish_corrupt();
  EXPECT_EQ(following.check(0), Outcome::kRejected);
  ASSERT_EQ(used_.size(), 4u);
  EXPECT_EQ(used_[3], nullptr);
  EXPECT_FALSE(following.has_snapshot());
}

}  // namespace
}  // namespace dnsstop
