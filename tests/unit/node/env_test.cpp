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
}

}  // namespace
}  // namespace silk::node
