#include "silk/node/wal.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace silk::node {
namespace {

namespace fs = std::filesystem;

struct TempWal {
  fs::path dir = fs::temp_directory_path() / ("silk-wal-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(reinterpret_cast<uintptr_t>(this)));
  fs::path path = dir / "consensus.wal";
  TempWal() { fs::create_directories(dir); }
  ~TempWal() { fs::remove_all(dir); }
  std::string bytes() const {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void write(const std::string& data) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
  }
};

core::Bytes rec(const std::string& s) { return core::Bytes(s.begin(), s.end()); }

std::vector<core::Bytes> reopen(const TempWal& t) {
  std::vector<core::Bytes> records;
  auto wal = ConsensusWal::open(t.path.string(), records);
  REQUIRE_MESSAGE(wal.is_ok(), wal.status().to_string());
  return records;
}

TEST_SUITE("wal") {
  TEST_CASE("records come back in order after a reopen, empty ones included") {
    TempWal t;
    {
      std::vector<core::Bytes> records;
      auto wal = ConsensusWal::open(t.path.string(), records);
      REQUIRE(wal.is_ok());
      CHECK(records.empty());
      for (const char* r : {"vote 1", "", "entry 2"}) {
        core::Bytes b = rec(r);
        REQUIRE((*wal)->append(core::ByteSpan(b.data(), b.size())).is_ok());
      }
      CHECK((*wal)->pending());
      REQUIRE((*wal)->sync().is_ok());
      CHECK_FALSE((*wal)->pending());
    }
    auto records = reopen(t);
    REQUIRE(records.size() == 3);
    CHECK(records[0] == rec("vote 1"));
    CHECK(records[1].empty());
    CHECK(records[2] == rec("entry 2"));
    CHECK((fs::status(t.path).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
  }

  TEST_CASE("a torn last record is dropped and the file truncated; appends go on after it") {
    TempWal t;
    {
      std::vector<core::Bytes> records;
      auto wal = ConsensusWal::open(t.path.string(), records);
      for (const char* r : {"first", "second"}) {
        core::Bytes b = rec(r);
        REQUIRE((*wal)->append(core::ByteSpan(b.data(), b.size())).is_ok());
      }
    }
    const std::string whole = t.bytes();
    for (size_t cut = 1; cut < 4 + 4 + 6; ++cut) {  // inside the second record
      t.write(whole.substr(0, whole.size() - cut));
      auto records = reopen(t);
      REQUIRE(records.size() == 1);
      CHECK(records[0] == rec("first"));
      CHECK(t.bytes().size() == whole.size() - (8 + 6));  // truncated to the first record
    }
    // Zeros after a whole record (a file system that extended the file first).
    t.write(whole + std::string(64, '\0'));
    CHECK(reopen(t).size() == 2);
    {
      std::vector<core::Bytes> records;
      auto wal = ConsensusWal::open(t.path.string(), records);
      core::Bytes b = rec("third");
      REQUIRE((*wal)->append(core::ByteSpan(b.data(), b.size())).is_ok());
      REQUIRE((*wal)->sync().is_ok());
    }
    auto records = reopen(t);
    REQUIRE(records.size() == 3);
    CHECK(records[2] == rec("third"));
  }

  TEST_CASE("damage in the middle is refused, and a file that is not a WAL") {
    TempWal t;
    {
      std::vector<core::Bytes> records;
      auto wal = ConsensusWal::open(t.path.string(), records);
      for (const char* r : {"aaaa", "bbbb", "cccc"}) {
        core::Bytes b = rec(r);
        REQUIRE((*wal)->append(core::ByteSpan(b.data(), b.size())).is_ok());
      }
    }
    std::string data = t.bytes();
    data[8 + 8] ^= 1;  // the first record's payload
    t.write(data);
    std::vector<core::Bytes> records;
    auto damaged = ConsensusWal::open(t.path.string(), records);
    REQUIRE_FALSE(damaged.is_ok());
    CHECK(damaged.status().code() == core::Status::Code::kCorruption);
    CHECK(damaged.status().message().find("offset 8") != std::string::npos);

    t.write("not a wal at all");
    auto foreign = ConsensusWal::open(t.path.string(), records);
    REQUIRE_FALSE(foreign.is_ok());
    CHECK(foreign.status().message().find("does not start with SILKWAL1") != std::string::npos);
  }
}

}  // namespace
}  // namespace silk::node
