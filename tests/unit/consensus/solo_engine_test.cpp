#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "silk/consensus/engine.h"
#include "silk/core/block.h"
#include "silk/core/crypto.h"

namespace silk::consensus {
namespace {

using core::Status;

constexpr const char* kChainId = "silk-test";

std::shared_ptr<core::SecretKey> key_from_byte(uint8_t b) {
  REQUIRE(core::crypto_init().is_ok());
  auto key = core::SecretKey::from_seed(core::Bytes(32, b));
  REQUIRE(key.is_ok());
  return std::make_shared<core::SecretKey>(std::move(key).value());
}

struct Fixture {
  std::shared_ptr<core::SecretKey> key = key_from_byte(7);
  core::PublicKey self = key->public_key();
  std::vector<core::PublicKey> validators{self};
  size_t signatures = 0;

  EngineConfig config(bool empty_blocks = false, uint64_t interval_ms = 100) {
    EngineConfig c;
    c.chain_id = kChainId;
    c.params.type = "solo";
    c.params.block_interval_ms = interval_ms;
    c.params.empty_blocks = empty_blocks;
    c.validators = validators;
    c.self = self;
    auto k = key;
    c.signer = [k, this](const core::Hash& m) {
      ++signatures;
      return k->sign(core::ByteSpan(m.data(), m.size()));
    };
    return c;
  }

  std::unique_ptr<Engine> engine(bool empty_blocks = false, uint64_t interval_ms = 100) {
    auto e = make_solo_engine(config(empty_blocks, interval_ms));
    REQUIRE_MESSAGE(e.is_ok(), e.status().to_string());
    return std::move(e).value();
  }

  // The header the driver would build for `height`; its hash is what the engine commits.
  core::BlockHeader header(uint64_t height, uint32_t tx_count = 1) const {
    core::BlockHeader h;
    h.chain_id = kChainId;
    h.height = height;
    h.prev_hash = core::sha256("block " + std::to_string(height - 1));
    h.timestamp_ms = 1'700'000'000'000 + height;
    h.proposer = self;
    h.tx_count = tx_count;
    h.validator_set_hash = core::validator_set_hash(validators);
    return h;
  }
};

const RequestProposal& as_request(const Action& a) {
  REQUIRE(std::holds_alternative<RequestProposal>(a));
  return std::get<RequestProposal>(a);
}
const CommitBlock& as_commit(const Action& a) {
  REQUIRE(std::holds_alternative<CommitBlock>(a));
  return std::get<CommitBlock>(a);
}
const SetTimer& as_timer(const Action& a) {
  REQUIRE(std::holds_alternative<SetTimer>(a));
  return std::get<SetTimer>(a);
}

// Exactly one RequestProposal for `height`.
void check_request(const std::vector<Action>& actions, uint64_t height, bool allow_empty) {
  REQUIRE(actions.size() == 1);
  const RequestProposal& r = as_request(actions[0]);
  CHECK(r.height == height);
  CHECK(r.round == 0);
  CHECK(r.allow_empty == allow_empty);
}

void check_timer(const Action& a, uint64_t delay_ms) {
  const SetTimer& t = as_timer(a);
  CHECK(t.timer_id == kSoloProposeTimer);
  CHECK(t.delay_ms == delay_ms);
}

TEST_SUITE("solo_engine") {
  TEST_CASE("the engine needs exactly {self} as validators, a signer and a sane interval") {
    Fixture f;
    const core::PublicKey other = key_from_byte(8)->public_key();

    EngineConfig none = f.config();
    none.validators.clear();
    auto e1 = make_solo_engine(none);
    REQUIRE_FALSE(e1.is_ok());
    CHECK(e1.status().code() == Status::Code::kInvalid);
    CHECK(e1.status().message().find("exactly one validator") != std::string::npos);

    EngineConfig stranger = f.config();
    stranger.validators = {other};
    auto e2 = make_solo_engine(stranger);
    REQUIRE_FALSE(e2.is_ok());
    CHECK(e2.status().code() == Status::Code::kInvalid);
    CHECK(e2.status().message().find(core::to_hex(other)) != std::string::npos);

    EngineConfig two = f.config();
    two.validators = {f.self, other};
    CHECK(make_solo_engine(two).status().code() == Status::Code::kInvalid);

    EngineConfig unsigned_config = f.config();
    unsigned_config.signer = nullptr;
    CHECK(make_solo_engine(unsigned_config).status().code() == Status::Code::kInvalid);

    auto zero = make_solo_engine(f.config(/*empty_blocks=*/true, /*interval_ms=*/0));
    CHECK(zero.status().code() == Status::Code::kInvalid);
    CHECK(make_solo_engine(f.config(/*empty_blocks=*/false, 0)).is_ok());
  }

  TEST_CASE("make_engine picks solo, raft or tbft and refuses unknown engines") {
    Fixture f;
    auto solo = make_engine(f.config());
    REQUIRE(solo.is_ok());
    CHECK((*solo)->name() == "solo");

    for (const char* type : {"pbft"}) {
      EngineConfig c = f.config();
      c.params.type = type;
      auto e = make_engine(c);
      REQUIRE_FALSE(e.is_ok());
      CHECK(e.status().code() == Status::Code::kInvalid);
    }
    EngineConfig raft = f.config();
    raft.params.type = "raft";
    auto r = make_engine(raft);
    REQUIRE(r.is_ok());
    CHECK((*r)->name() == "raft");
    EngineConfig c = f.config();
    c.params.type = "pow";
    auto e = make_engine(c);
    CHECK(e.status().code() == Status::Code::kInvalid);
    CHECK(e.status().message().find("unknown consensus type 'pow'") != std::string::npos);

    EngineConfig bad = f.config();
    bad.validators.push_back(key_from_byte(9)->public_key());
    CHECK(make_engine(bad).status().code() == Status::Code::kInvalid);
  }

  TEST_CASE("an idle chain without empty_blocks does nothing") {
    Fixture f;
    auto e = f.engine();
    CHECK(e->step(Started{3, core::sha256("tip")}).empty());
    CHECK(e->step(TimerFired{kSoloProposeTimer}).empty());
    CHECK(e->step(MessageReceived{f.self, core::Bytes{1, 2, 3}}).empty());
    CHECK(e->step(ProposalEmpty{4}).empty());
    CHECK(f.signatures == 0);
  }

  TEST_CASE("txs are proposed, committed with a certificate that verifies, then re-checked") {
    Fixture f;
    auto e = f.engine();
    CHECK(e->step(Started{4, core::sha256("tip")}).empty());
    check_request(e->step(TxsAvailable{}), 5, false);

    const core::BlockHeader header = f.header(5, 3);
    auto actions = e->step(ProposalReady{5, header.hash(), 3});
    REQUIRE(actions.size() == 1);
    const CommitBlock& commit = as_commit(actions[0]);
    CHECK(commit.height == 5);
    CHECK(commit.block_hash == header.hash());
    CHECK(commit.cert.kind == core::CommitCert::Kind::kSolo);
    CHECK(commit.cert.round == 0);
    REQUIRE(commit.cert.votes.size() == 1);
    CHECK(commit.cert.votes[0].signer == f.self);
    const core::Hash message = core::commit_message(kChainId, 5, 0, header.hash());
    CHECK(core::verify(f.self, core::ByteSpan(message.data(), message.size()),
                       commit.cert.votes[0].signature));
    Status verified = core::verify_commit_cert(header, commit.cert, f.validators);
    CHECK_MESSAGE(verified.is_ok(), verified.to_string());
    // The certificate does not verify for another block.
    CHECK_FALSE(core::verify_commit_cert(f.header(5, 4), commit.cert, f.validators).is_ok());

    // The block held txs: the pool may hold more, so ask again at once.
    check_request(e->step(BlockCommitted{5, header.hash()}), 6, false);
    // The pool was empty: idle, no timer, no empty block.
    CHECK(e->step(ProposalEmpty{6}).empty());
    CHECK(e->step(TimerFired{kSoloProposeTimer}).empty());
    // New txs start the next block at the new tip.
    check_request(e->step(TxsAvailable{}), 6, false);
    CHECK(f.signatures == 1);
  }

  TEST_CASE("TxsAvailable while a block is in flight coalesces into one next request") {
    Fixture f;
    auto e = f.engine();
    CHECK(e->step(Started{0, {}}).empty());
    check_request(e->step(TxsAvailable{}), 1, false);
    for (int i = 0; i < 5; ++i) CHECK(e->step(TxsAvailable{}).empty());
    const core::Hash h1 = f.header(1).hash();
    REQUIRE(e->step(ProposalReady{1, h1, 1}).size() == 1);
    for (int i = 0; i < 5; ++i) CHECK(e->step(TxsAvailable{}).empty());
    check_request(e->step(BlockCommitted{1, h1}), 2, false);
    CHECK(e->step(TxsAvailable{}).empty());  // block 2 is in flight
  }

  TEST_CASE("an empty answer with txs signalled meanwhile asks again, once") {
    Fixture f;
    auto e = f.engine();
    CHECK(e->step(Started{0, {}}).empty());
    check_request(e->step(TxsAvailable{}), 1, false);
    CHECK(e->step(TxsAvailable{}).empty());
    check_request(e->step(ProposalEmpty{1}), 1, false);
    CHECK(e->step(ProposalEmpty{1}).empty());
    CHECK(e->step(ProposalEmpty{1}).empty());  // not in flight any more: ignored
  }

  TEST_CASE("stale and unexpected events are ignored") {
    Fixture f;
    auto e = f.engine();
    CHECK(e->step(Started{10, {}}).empty());
    // Nothing requested yet.
    CHECK(e->step(ProposalReady{11, f.header(11).hash(), 1}).empty());
    check_request(e->step(TxsAvailable{}), 11, false);
    // Wrong heights.
    CHECK(e->step(ProposalReady{12, f.header(12).hash(), 1}).empty());
    CHECK(e->step(ProposalReady{10, f.header(10).hash(), 1}).empty());
    CHECK(e->step(ProposalEmpty{12}).empty());
    CHECK(e->step(BlockCommitted{10, {}}).empty());
    CHECK(e->step(BlockCommitted{3, {}}).empty());
    // The right one commits, once.
    REQUIRE(e->step(ProposalReady{11, f.header(11).hash(), 1}).size() == 1);
    CHECK(e->step(ProposalReady{11, f.header(11).hash(), 1}).empty());
    CHECK(e->step(ProposalEmpty{11}).empty());
    CHECK(f.signatures == 1);
    CHECK(e->step(TimerFired{99}).empty());
    check_request(e->step(BlockCommitted{11, f.header(11).hash()}), 12, false);
    CHECK(e->step(BlockCommitted{11, f.header(11).hash()}).empty());  // duplicate
  }

  TEST_CASE("TxsAvailable before Started is acted on at Started") {
    Fixture f;
    auto e = f.engine();
    CHECK(e->step(TxsAvailable{}).empty());
    CHECK(e->step(TimerFired{kSoloProposeTimer}).empty());
    CHECK(e->step(BlockCommitted{1, {}}).empty());
    check_request(e->step(Started{10, {}}), 11, false);
  }

  TEST_CASE("with empty_blocks, the timer produces empty blocks every interval") {
    Fixture f;
    auto e = f.engine(/*empty_blocks=*/true, /*interval_ms=*/250);
    auto started = e->step(Started{0, {}});
    REQUIRE(started.size() == 1);
    check_timer(started[0], 250);

    check_request(e->step(TimerFired{kSoloProposeTimer}), 1, true);
    const core::BlockHeader h1 = f.header(1, 0);
    auto commit = e->step(ProposalReady{1, h1.hash(), 0});
    REQUIRE(commit.size() == 1);
    CHECK(core::verify_commit_cert(h1, as_commit(commit[0]).cert, f.validators).is_ok());
    // An empty block: no immediate re-request, just the next tick.
    auto committed = e->step(BlockCommitted{1, h1.hash()});
    REQUIRE(committed.size() == 1);
    check_timer(committed[0], 250);

    check_request(e->step(TimerFired{kSoloProposeTimer}), 2, true);
    // The driver could not build one: keep ticking.
    auto empty = e->step(ProposalEmpty{2});
    REQUIRE(empty.size() == 1);
    check_timer(empty[0], 250);
    CHECK(e->step(TimerFired{kSoloProposeTimer + 1}).empty());  // not ours
  }

  TEST_CASE("with empty_blocks, txs still go at once and the timer waits for the block") {
    Fixture f;
    auto e = f.engine(/*empty_blocks=*/true, /*interval_ms=*/50);
    REQUIRE(e->step(Started{0, {}}).size() == 1);
    check_request(e->step(TxsAvailable{}), 1, false);
    CHECK(e->step(TimerFired{kSoloProposeTimer}).empty());  // block 1 in flight
    const core::Hash h1 = f.header(1, 10).hash();
    REQUIRE(e->step(ProposalReady{1, h1, 10}).size() == 1);
    auto committed = e->step(BlockCommitted{1, h1});
    REQUIRE(committed.size() == 2);
    CHECK(as_request(committed[0]).height == 2);
    CHECK_FALSE(as_request(committed[0]).allow_empty);
    check_timer(committed[1], 50);
  }

  TEST_CASE("under sustained load, blocks follow back to back and fill up; then the chain idles") {
    // A minimal driver: a pool of tx counts, blocks of at most kMax txs.
    constexpr uint32_t kMax = 5;
    Fixture f;
    auto e = f.engine();
    uint64_t pool = 0;
    std::vector<uint32_t> blocks;  // tx count of each committed block
    std::map<uint64_t, uint32_t> proposed;
    size_t requests = 0;
    std::deque<Event> events;
    auto drive = [&] {
      while (!events.empty()) {
        Event ev = events.front();
        events.pop_front();
        for (const Action& a : e->step(ev)) {
          if (const auto* r = std::get_if<RequestProposal>(&a)) {
            ++requests;
            CHECK_FALSE(r->allow_empty);
            if (pool == 0) {
              events.push_back(ProposalEmpty{r->height});
              continue;
            }
            const auto n = static_cast<uint32_t>(std::min<uint64_t>(pool, kMax));
            pool -= n;
            proposed[r->height] = n;
            events.push_back(ProposalReady{r->height, f.header(r->height, n).hash(), n});
            // Clients keep submitting while the block is being built.
            if (blocks.size() < 3) {
              pool += 4;
              events.push_back(TxsAvailable{});
            }
          } else if (const auto* c = std::get_if<CommitBlock>(&a)) {
            CHECK(c->height == blocks.size() + 1);
            const uint32_t n = proposed.at(c->height);
            CHECK(core::verify_commit_cert(f.header(c->height, n), c->cert, f.validators).is_ok());
            blocks.push_back(n);
            events.push_back(BlockCommitted{c->height, c->block_hash});
          } else {
            FAIL("unexpected action");
          }
        }
      }
    };
    events.push_back(Started{0, {}});
    drive();
    CHECK(blocks.empty());
    pool = 12;
    events.push_back(TxsAvailable{});
    drive();
    // 12, then +4 for each of the first three blocks = 24 txs in blocks of at most 5:
    // 5 5 5 5 4, all back to back, and one final empty answer.
    CHECK(pool == 0);
    CHECK(blocks == std::vector<uint32_t>{5, 5, 5, 5, 4});
    CHECK(requests == blocks.size() + 1);
    // Idle again: nothing happens until new txs.
    CHECK(e->step(TimerFired{kSoloProposeTimer}).empty());
    check_request(e->step(TxsAvailable{}), 6, false);
  }
}

}  // namespace
}  // namespace silk::consensus
