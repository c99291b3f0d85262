// The in-memory Env: its files keep what was synced across a crash, and the consensus WAL over it
// recovers exactly the synced records (a torn tail dropped), as on a disk.
#include "silk/node/env.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "silk/node/wal.h"

namespace silk::node {
namespace {

core::Bytes rec(const std::string& s) { return core::Bytes(s.begin(), s.end()); }

TEST_SUITE("env") {
  TEST_CASE("a MemEnv file loses what was not synced at a crash") {
    core::ManualClock clock(5);
    MemEnv env(clock);
    CHECK(env.timer_clock().now_ms() == 5);
    auto file = env.open_file("f");
    REQUIRE(file.is_ok());
    REQUIRE(env.sync_dir("f").is_ok());  // its name survives a crash
    const core::Bytes a = rec("abc");
    const core::Bytes b = rec("defg");
    REQUIRE((*file)->append(core::ByteSpan(a.data(), a.size())).is_ok());
    REQUIRE((*file)->sync().is_ok());
    REQUIRE((*file)->append(core::ByteSpan(b.data(), b.size())).is_ok());
    CHECK((*file)->read_all()->size() == 7);
    CHECK(env.durable("f") == a);
    env.crash(2);  // a torn write: two bytes of the unsynced four made it
    auto again = env.open_file("f");
    REQUIRE(again.is_ok());
    CHECK(*(*again)->read_all() == rec("abcde"));
  }

  TEST_CASE("the WAL over a MemEnv keeps the synced records and drops a torn tail") {
    core::ManualClock clock;
    MemEnv env(clock);
    {
      std::vector<core::Bytes> records;
      auto wal = ConsensusWal::open(env, "c.wal", records);
      REQUIRE(wal.is_ok());
      CHECK(records.empty());
      const core::Bytes one = rec("vote 1");
      const core::Bytes two = rec("vote 2");
      REQUIRE((*wal)->append(core::ByteSpan(one.data(), one.size())).is_ok());
      REQUIRE((*wal)->sync().is_ok());
      REQUIRE((*wal)->append(core::ByteSpan(two.data(), two.size())).is_ok());
      CHECK((*wal)->pending());
    }
    env.crash(5);  // part of the second record's header
    std::vector<core::Bytes> records;
    auto wal = ConsensusWal::open(env, "c.wal", records);
    REQUIRE(wal.is_ok());
    REQUIRE(records.size() == 1);
    CHECK(records[0] == rec("vote 1"));
    CHECK(env.durable("c.wal").size() == (*wal)->size_bytes());  // truncated and synced
  }
  TEST_CASE("MemEnv names: creations, renames and removals survive a crash only after sync_dir") {
    core::ManualClock clock;
    MemEnv env(clock);
    const core::Bytes a = rec("aaaa");
    const core::Bytes b = rec("bbbb");
    auto put = [&](const std::string& path, const core::Bytes& bytes) {
      auto f = env.open_file(path);
      REQUIRE(f.is_ok());
      REQUIRE((*f)->append(core::ByteSpan(bytes.data(), bytes.size())).is_ok());
      REQUIRE((*f)->sync().is_ok());
    };
    put("d/x", a);
    REQUIRE(env.sync_dir("d/x").is_ok());
    put("d/y", b);
    CHECK(env.file_exists("d/y"));
    env.crash();
    CHECK_FALSE(env.file_exists("d/y"));  // created, its folder never synced
    CHECK(env.files() == std::vector<std::string>{"d/x"});

    put("d/y", b);
    REQUIRE(env.rename_file("d/y", "d/x").is_ok());  // replaces x
    CHECK(*(*env.open_file("d/x"))->read_all() == b);
    env.crash();
    CHECK(*(*env.open_file("d/x"))->read_all() == a);  // the rename was not durable

    put("d/y", b);
    REQUIRE(env.rename_file("d/y", "d/x").is_ok());
    REQUIRE(env.sync_dir("d/x").is_ok());
    env.crash();
    CHECK(env.files() == std::vector<std::string>{"d/x"});
    CHECK(*(*env.open_file("d/x"))->read_all() == b);

    REQUIRE(env.remove_file("d/x").is_ok());
    REQUIRE(env.remove_file("d/none").is_ok());  // nothing to remove is fine
    CHECK_FALSE(env.file_exists("d/x"));
    env.crash();
    CHECK(env.file_exists("d/x"));  // the removal was not durable
    REQUIRE(env.remove_file("d/x").is_ok());
    REQUIRE(env.sync_dir("d/x").is_ok());
    env.crash();
    CHECK(env.files().empty());
  }

  TEST_CASE("MemEnv fail_after stops every change after the given count, until a crash") {
    core::ManualClock clock;
    MemEnv env(clock);
    auto f = env.open_file("f");
    REQUIRE(f.is_ok());
    REQUIRE(env.sync_dir("f").is_ok());
    const core::Bytes a = rec("aa");
    env.fail_after(1);
    CHECK((*f)->append(core::ByteSpan(a.data(), a.size())).is_ok());
    CHECK((*f)->sync().code() == core::Status::Code::kIOError);
    CHECK(env.rename_file("f", "g").code() == core::Status::Code::kIOError);
    CHECK(env.file_exists("f"));
    env.crash();
    auto again = env.open_file("f");
    REQUIRE(again.is_ok());
    CHECK((*again)->read_all()->empty());  // the append was never synced
    CHECK((*again)->append(core::ByteSpan(a.data(), a.size())).is_ok());

    // Counting only one path: other files go on until that path's count is spent.
    env.fail_after(1, "t");
    CHECK((*again)->sync().is_ok());
    auto t = env.open_file("t");  // the one counted operation
    REQUIRE(t.is_ok());
    CHECK((*again)->sync().code() == core::Status::Code::kIOError);
  }
}

}  // namespace
}  // namespace silk::node
