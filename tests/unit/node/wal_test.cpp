#include "silk/node/wal.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "silk/consensus/engine.h"
#include "silk/core/block.h"
#include "silk/node/env.h"

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
  TEST_CASE("a checkpoint replaces the records on disk; a leftover tmp is removed at open") {
    TempWal t;
    {
      std::vector<core::Bytes> records;
      auto wal = ConsensusWal::open(t.path.string(), records);
      for (const char* r : {"old 1", "old 2", "old 3"}) {
        core::Bytes b = rec(r);
        REQUIRE((*wal)->append(core::ByteSpan(b.data(), b.size())).is_ok());
      }
      REQUIRE((*wal)->checkpoint({rec("state"), rec("")}).is_ok());
      CHECK_FALSE((*wal)->pending());
      CHECK((*wal)->size_bytes() == 8 + (8 + 5) + 8);
      core::Bytes b = rec("after");
      REQUIRE((*wal)->append(core::ByteSpan(b.data(), b.size())).is_ok());
      REQUIRE((*wal)->sync().is_ok());
    }
    CHECK_FALSE(fs::exists(ConsensusWal::tmp_path(t.path.string())));
    CHECK((fs::status(t.path).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(reopen(t) == std::vector<core::Bytes>{rec("state"), rec(""), rec("after")});

    // A crash before the rename leaves a tmp beside the WAL in force: never read, removed.
    {
      std::ofstream tmp(ConsensusWal::tmp_path(t.path.string()), std::ios::binary);
      tmp << "SILKWAL1 half a checkpoint";
    }
    CHECK(reopen(t) == std::vector<core::Bytes>{rec("state"), rec(""), rec("after")});
    CHECK_FALSE(fs::exists(ConsensusWal::tmp_path(t.path.string())));
  }

  // A raft engine, alone in its validator set, that has committed `heights` blocks: the WAL
  // of a node that ran a while (a hard state, then one entry per block).
  struct RaftRun {
    std::shared_ptr<core::SecretKey> key;
    consensus::EngineConfig config;
    std::vector<core::Bytes> wal;
    uint64_t tip = 0;
    core::Hash tip_hash{};
    std::optional<std::vector<core::Bytes>> live;  // the running engine's checkpoint at the end

    explicit RaftRun(uint64_t heights) {
      REQUIRE(core::crypto_init().is_ok());
      auto made = core::SecretKey::from_seed(core::Bytes(32, 3));
      REQUIRE(made.is_ok());
      key = std::make_shared<core::SecretKey>(std::move(made).value());
      config.chain_id = "silk-wal-test";
      config.params.type = "raft";
      config.validators = {key->public_key()};
      config.self = key->public_key();
      auto k = key;
      config.signer = [k](const core::Hash& m) {
        return k->sign(core::ByteSpan(m.data(), m.size()));
      };
      std::unique_ptr<consensus::Engine> engine = make();
      std::vector<consensus::Event> events{consensus::Started{}, consensus::TxsAvailable{}};
      while (!events.empty()) {
        consensus::Event e = std::move(events.front());
        events.erase(events.begin());
        for (const consensus::Action& a : engine->step(e)) {
          if (const auto* p = std::get_if<consensus::PersistWal>(&a)) wal.push_back(p->record);
          if (const auto* r = std::get_if<consensus::RequestProposal>(&a)) {
            if (r->height > heights) continue;
            core::Block b;
            b.header.chain_id = config.chain_id;
            b.header.height = r->height;
            b.header.prev_hash = tip_hash;
            b.header.proposer = config.self;
            b.header.term = r->term;
            events.push_back(consensus::ProposalReady{r->height, b.hash(), 1, b.encode()});
          }
          if (const auto* c = std::get_if<consensus::CommitBlock>(&a)) {
            tip = c->height;
            tip_hash = c->block_hash;
            events.push_back(consensus::BlockCommitted{c->height, c->block_hash, {}});
          }
        }
      }
      REQUIRE(tip == heights);
      live = engine->wal_checkpoint();
    }
    std::unique_ptr<consensus::Engine> make() const {
      auto e = consensus::make_raft_engine(config);
      REQUIRE(e.is_ok());
      return std::move(e).value();
    }
    // What an engine restarted from `records` on the store's tip would checkpoint. (Into a
    // set of two, so that it waits for an election instead of starting one at once.)
    std::optional<std::vector<core::Bytes>> restarted(const std::vector<core::Bytes>& records) {
      std::unique_ptr<consensus::Engine> e = make();
      const core::PublicKey other{};
      e->step(consensus::Started{tip, tip_hash, records, {config.self, other}});
      return e->wal_checkpoint();
    }
  };

  TEST_CASE("a crash at every step of a compaction leaves the old WAL or the checkpoint") {
    RaftRun run(200);
    // The engine as the full WAL restores it, and what it would compact to.
    const std::optional<std::vector<core::Bytes>> cp = run.live;
    REQUIRE(cp.has_value());
    CHECK(run.restarted(run.wal) == cp);
    CHECK(cp->size() == 1 + consensus::kRaftCheckpointEntries + 1);
    CHECK(cp->size() < run.wal.size());
    CHECK(run.restarted(*cp) == cp);

    core::ManualClock clock;
    bool saw_old = false;
    bool saw_new = false;
    uint64_t step = 0;
    for (;; ++step) {
      INFO("crash at step " << step);
      MemEnv env(clock);
      std::vector<core::Bytes> records;
      {
        auto wal = ConsensusWal::open(env, "n/c.wal", records);
        REQUIRE(wal.is_ok());
        for (const core::Bytes& r : run.wal) {
          REQUIRE((*wal)->append(core::ByteSpan(r.data(), r.size())).is_ok());
        }
        REQUIRE((*wal)->sync().is_ok());
        // Counted: create the tmp, write it, sync it, rename it, sync the folder.
        env.fail_after(step, ConsensusWal::tmp_path("n/c.wal"));
        const core::Status st = (*wal)->checkpoint(*cp);
        if (st.is_ok()) {
          CHECK(step >= 5);
          CHECK((*wal)->size_bytes() == env.durable("n/c.wal").size());
        } else {
          CHECK(st.code() == core::Status::Code::kIOError);
        }
        if (step == 3 || step == 4) {
          // The rename may have happened: the WAL refuses to go on (the env works again).
          env.fail_after(1000);
          core::Bytes more = rec("after");
          CHECK_FALSE((*wal)->append(core::ByteSpan(more.data(), more.size())).is_ok());
        }
      }
      env.crash(step % 2 == 0 ? 0 : 11);  // sometimes a torn write after the last sync
      auto wal = ConsensusWal::open(env, "n/c.wal", records);
      REQUIRE_MESSAGE(wal.is_ok(), wal.status().to_string());
      CHECK_FALSE(env.file_exists(ConsensusWal::tmp_path("n/c.wal")));
      if (records == run.wal) {
        saw_old = true;
        CHECK(step < 5);  // before the folder sync, the rename may not have survived
      } else {
        REQUIRE(records == *cp);
        saw_new = true;
      }
      // Either way the engine comes back the same.
      CHECK(run.restarted(records) == cp);
      // And the WAL goes on: an append after the reopen is there at the next one.
      core::Bytes more = rec("after");
      REQUIRE((*wal)->append(core::ByteSpan(more.data(), more.size())).is_ok());
      REQUIRE((*wal)->sync().is_ok());
      env.crash();
      std::vector<core::Bytes> again;
      REQUIRE(ConsensusWal::open(env, "n/c.wal", again).is_ok());
      REQUIRE(again.size() == records.size() + 1);
      CHECK(again.back() == more);
      if (step >= 5) break;
    }
    CHECK(saw_old);
    CHECK(saw_new);
    CHECK(step == 5);
  }
}

}  // namespace
}  // namespace silk::node
