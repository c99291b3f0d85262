#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "silk/consensus/engine.h"
#include "silk/core/block.h"
#include "silk/core/codec.h"
#include "silk/core/crypto.h"

namespace silk::consensus {
namespace {

using core::Bytes;
using core::Hash;
using core::PublicKey;
using core::Status;

constexpr const char* kChainId = "silk-raft-test";

std::shared_ptr<core::SecretKey> key_from_byte(uint8_t b) {
  REQUIRE(core::crypto_init().is_ok());
  auto key = core::SecretKey::from_seed(Bytes(32, b));
  REQUIRE(key.is_ok());
  return std::make_shared<core::SecretKey>(std::move(key).value());
}

// The wire format of engine.h, written by hand: the test pins the format.
Bytes request_vote(uint64_t term, uint64_t last_index, uint64_t last_term) {
  Bytes out;
  core::Writer w(out);
  w.u8(1);
  w.u64(term);
  w.u64(last_index);
  w.u64(last_term);
  return out;
}

struct Decoded {
  uint8_t type = 0;
  uint64_t term = 0;
  uint8_t flag = 0;
};
Decoded peek(const Bytes& payload) {
  core::Reader r(payload);
  Decoded d;
  REQUIRE(r.u8(d.type, "type"));
  REQUIRE(r.u64(d.term, "term"));
  if (d.type == 2) REQUIRE(r.u8(d.flag, "granted"));
  if (d.type == 4) REQUIRE(r.u8(d.flag, "success"));
  return d;
}

template <typename T>
std::vector<T> all_of(const std::vector<Action>& actions) {
  std::vector<T> found;
  for (const Action& a : actions) {
    if (const T* t = std::get_if<T>(&a)) found.push_back(*t);
  }
  return found;
}

// Index of the first action of type T, or actions.size().
template <typename T>
size_t first_index(const std::vector<Action>& actions) {
  for (size_t i = 0; i < actions.size(); ++i) {
    if (std::holds_alternative<T>(actions[i])) return i;
  }
  return actions.size();
}
template <typename T>
size_t last_index(const std::vector<Action>& actions) {
  size_t found = actions.size();
  for (size_t i = 0; i < actions.size(); ++i) {
    if (std::holds_alternative<T>(actions[i])) found = i;
  }
  return found;
}

// Three validators with engines and a driver each; messages go where they
// are addressed, synchronously, until none is left (or a node is cut off).
struct Cluster {
  std::vector<std::shared_ptr<core::SecretKey>> keys;
  std::vector<PublicKey> validators;
  std::vector<std::unique_ptr<Engine>> engines;
  std::vector<std::vector<Bytes>> wal;
  std::vector<std::vector<CommitBlock>> commits;
  std::vector<std::vector<RequestProposal>> requests;
  std::vector<uint64_t> tips;
  std::vector<Hash> tip_hashes;
  std::vector<bool> cut;
  std::vector<std::optional<core::Block>> proposals;
  struct Pending {
    size_t from;
    size_t to;
    Bytes payload;
  };
  std::vector<Pending> wire;
  // What the driver reports as the validator set for the next height (governance).
  std::vector<PublicKey> next_validators;

  explicit Cluster(size_t n = 3) {
    for (size_t i = 0; i < n; ++i) {
      keys.push_back(key_from_byte(static_cast<uint8_t>(20 + i)));
      validators.push_back(keys.back()->public_key());
    }
    for (size_t i = 0; i < n; ++i) engines.push_back(make(i, 100 + i));
    wal.resize(n);
    commits.resize(n);
    requests.resize(n);
    tips.assign(n, 0);
    tip_hashes.assign(n, Hash{});
    cut.assign(n, false);
    proposals.resize(n);
  }

  EngineConfig config(size_t i, uint64_t seed) const {
    EngineConfig c;
    c.chain_id = kChainId;
    c.params.type = "raft";
    c.validators = validators;
    c.self = validators[i];
    auto k = keys[i];
    c.signer = [k](const Hash& m) { return k->sign(core::ByteSpan(m.data(), m.size())); };
    c.seed = seed;
    return c;
  }

  std::unique_ptr<Engine> make(size_t i, uint64_t seed) const {
    auto e = make_raft_engine(config(i, seed));
    REQUIRE_MESSAGE(e.is_ok(), e.status().to_string());
    return std::move(e).value();
  }

  size_t index(const PublicKey& pk) const {
    for (size_t i = 0; i < validators.size(); ++i) {
      if (validators[i] == pk) return i;
    }
    FAIL("unknown key");
    return 0;
  }

  core::BlockHeader header(size_t i, uint64_t height, uint64_t term, uint32_t txs) const {
    core::BlockHeader h;
    h.chain_id = kChainId;
    h.height = height;
    h.prev_hash = tip_hashes[i];
    h.proposer = validators[i];
    h.tx_count = txs;
    h.validator_set_hash = core::validator_set_hash(validators);
    h.term = term;
    return h;
  }

  // Feeds one event to node i and carries out its actions like a driver.
  std::vector<Action> step(size_t i, const Event& event) {
    std::vector<Action> actions = engines[i]->step(event);
    for (const Action& a : actions) {
      if (const auto* p = std::get_if<PersistWal>(&a)) {
        wal[i].push_back(p->record);
      } else if (const auto* s = std::get_if<Send>(&a)) {
        wire.push_back({i, index(s->to), s->payload});
      } else if (const auto* b = std::get_if<Broadcast>(&a)) {
        for (size_t to = 0; to < engines.size(); ++to) {
          if (to != i) wire.push_back({i, to, b->payload});
        }
      } else if (const auto* r = std::get_if<RequestProposal>(&a)) {
        requests[i].push_back(*r);
      } else if (const auto* c = std::get_if<CommitBlock>(&a)) {
        CHECK(c->height == tips[i] + 1);
        commits[i].push_back(*c);
        tips[i] = c->height;
        tip_hashes[i] = c->block_hash;
      }
    }
    return actions;
  }

  // Delivers messages until the wire is empty; the driver's answers to
  // CommitBlock (BlockCommitted) go back at once.
  void settle() {
    for (size_t rounds = 0; !wire.empty() && rounds < 10000; ++rounds) {
      Pending m = wire.front();
      wire.erase(wire.begin());
      if (cut[m.from] || cut[m.to]) continue;
      auto actions = step(m.to, MessageReceived{validators[m.from], m.payload});
      for (const CommitBlock& c : all_of<CommitBlock>(actions)) {
        step(m.to, BlockCommitted{c.height, c.block_hash, next_validators});
      }
    }
  }

  // Starts everyone and elects node `leader` by firing its election timer.
  void elect(size_t leader) {
    for (size_t i = 0; i < engines.size(); ++i) step(i, Started{0, Hash{}, {}});
    step(leader, TimerFired{kRaftElectionTimer});
    settle();
  }

  // The leader proposes a block at its tip + 1 and the cluster settles.
  Hash propose(size_t leader, uint64_t term, uint32_t txs = 2) {
    auto actions = step(leader, TxsAvailable{});
    auto requests = all_of<RequestProposal>(actions);
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].height == tips[leader] + 1);
    CHECK(requests[0].term == term);
    core::Block block;
    block.header = header(leader, requests[0].height, term, 0);
    (void)txs;
    const Hash hash = block.hash();
    auto ready = step(leader, ProposalReady{requests[0].height, hash, 0, block.encode()});
    // Persist the entry before sending it.
    REQUIRE(first_index<PersistWal>(ready) < ready.size());
    CHECK(last_index<PersistWal>(ready) < first_index<Send>(ready));
    settle();
    for (const CommitBlock& c : commits[leader]) {
      if (c.height == requests[0].height) {
        step(leader, BlockCommitted{c.height, c.block_hash, next_validators});
      }
    }
    return hash;
  }
};

// What a driver would do with these actions, as bytes: equal for engines that act alike.
Bytes digest(const std::vector<Action>& actions) {
  Bytes out;
  core::Writer w(out);
  for (const Action& a : actions) {
    w.u8(static_cast<uint8_t>(a.index()));
    if (const auto* p = std::get_if<PersistWal>(&a)) w.bytes(p->record);
    if (const auto* b = std::get_if<Broadcast>(&a)) w.bytes(b->payload);
    if (const auto* s = std::get_if<Send>(&a)) {
      w.raw(core::ByteSpan(s->to.data(), s->to.size()));
      w.bytes(s->payload);
    }
    if (const auto* t = std::get_if<SetTimer>(&a)) {
      w.u64(t->timer_id);
      w.u64(t->delay_ms);
    }
    if (const auto* c = std::get_if<CommitBlock>(&a)) w.hash(c->block_hash);
  }
  return out;
}

TEST_SUITE("raft_engine") {
  TEST_CASE("a validator removed by governance no longer counts toward commits or campaigns") {
    Cluster c(3);
    c.elect(0);
    const std::vector<PublicKey> two = {c.validators[0], c.validators[1]};
    c.next_validators = two;  // governance: from height 2 on, validator 2 is out
    c.propose(0, 1);
    REQUIRE(c.tips == std::vector<uint64_t>{1, 1, 1});

    c.cut[1] = true;  // of the new set only the leader is reachable; node 2 still is
    auto actions = c.step(0, TxsAvailable{});
    auto requests = all_of<RequestProposal>(actions);
    REQUIRE(requests.size() == 1);
    core::Block block;
    block.header = c.header(0, 2, requests[0].term, 0);
    block.header.validator_set_hash = core::validator_set_hash(two);
    c.step(0, ProposalReady{2, block.hash(), 0, block.encode()});
    c.settle();
    CHECK(c.tips[0] == 1);  // node 2's copy would have made a majority of the old set: not now
    CHECK(c.tips[2] == 1);  // and it is sent nothing

    c.cut[1] = false;
    c.step(0, TimerFired{kRaftHeartbeatTimer});
    c.settle();
    CHECK(c.tips[0] == 2);
    CHECK(c.tips[1] == 2);
    CHECK(c.tips[2] == 1);

    // The removed node does not campaign.
    auto timer = c.step(2, TimerFired{kRaftElectionTimer});
    CHECK(all_of<Broadcast>(timer).empty());
    CHECK(all_of<PersistWal>(timer).empty());
  }

  TEST_CASE("make_raft_engine checks the validator set, signer and timing") {
    Cluster c;
    CHECK(make_raft_engine(c.config(0, 1)).is_ok());

    // A node outside the set follows: it never campaigns until governance adds it.
    EngineConfig stranger = c.config(0, 1);
    stranger.self = key_from_byte(99)->public_key();
    auto e = make_raft_engine(stranger);
    REQUIRE(e.is_ok());
    CHECK((*e)->step(Started{0, Hash{}, {}}).empty());
    CHECK((*e)->step(TimerFired{kRaftElectionTimer}).empty());

    EngineConfig twice = c.config(0, 1);
    twice.validators.push_back(twice.validators[1]);
    CHECK(make_raft_engine(twice).status().code() == Status::Code::kInvalid);

    EngineConfig unsigned_config = c.config(0, 1);
    unsigned_config.signer = nullptr;
    CHECK(make_raft_engine(unsigned_config).status().code() == Status::Code::kInvalid);

    EngineConfig fast = c.config(0, 1);
    fast.raft_election_timeout_ms = 2 * fast.raft_heartbeat_ms;
    CHECK(make_raft_engine(fast).status().code() == Status::Code::kInvalid);

    EngineConfig by_type = c.config(0, 1);
    auto picked = make_engine(by_type);
    REQUIRE(picked.is_ok());
    CHECK((*picked)->name() == "raft");
  }

  TEST_CASE("election timeouts are randomised from the seed, and reproducible") {
    Cluster c;
    auto timeout = [&](uint64_t seed) {
      auto e = c.make(0, seed);
      auto timers = all_of<SetTimer>(e->step(Started{0, Hash{}, {}}));
      REQUIRE(timers.size() == 1);
      CHECK(timers[0].timer_id == kRaftElectionTimer);
      CHECK(timers[0].delay_ms >= 1000);
      CHECK(timers[0].delay_ms < 2000);
      return timers[0].delay_ms;
    };
    CHECK(timeout(7) == timeout(7));
    std::set<uint64_t> seen;
    for (uint64_t s = 0; s < 8; ++s) seen.insert(timeout(s));
    CHECK(seen.size() > 1);
  }

  TEST_CASE("a candidate persists its vote before asking, and wins with a majority") {
    Cluster c;
    for (size_t i = 0; i < 3; ++i) c.step(i, Started{0, Hash{}, {}});
    auto actions = c.step(0, TimerFired{kRaftElectionTimer});
    REQUIRE(all_of<Broadcast>(actions).size() == 1);
    CHECK(first_index<PersistWal>(actions) < first_index<Broadcast>(actions));
    const Decoded rv = peek(all_of<Broadcast>(actions)[0].payload);
    CHECK(rv.type == 1);
    CHECK(rv.term == 1);

    // A follower persists the new term and its vote before answering.
    auto vote = c.step(1, MessageReceived{c.validators[0], c.wire[0].payload});
    REQUIRE(all_of<Send>(vote).size() == 1);
    CHECK(last_index<PersistWal>(vote) < first_index<Send>(vote));
    const Decoded v = peek(all_of<Send>(vote)[0].payload);
    CHECK(v.type == 2);
    CHECK(v.term == 1);
    CHECK(v.flag == 1);
    // It does not vote for another candidate in the same term.
    auto second = c.step(1, MessageReceived{c.validators[2], request_vote(1, 0, 0)});
    REQUIRE(all_of<Send>(second).size() == 1);
    CHECK(peek(all_of<Send>(second)[0].payload).flag == 0);
    CHECK(all_of<PersistWal>(second).empty());

    // The vote makes node 0 leader: appends to both followers, a heartbeat timer.
    auto lead = c.step(0, MessageReceived{c.validators[1], all_of<Send>(vote)[0].payload});
    CHECK(all_of<Send>(lead).size() == 2);
    for (const Send& s : all_of<Send>(lead)) CHECK(peek(s.payload).type == 3);
    auto timers = all_of<SetTimer>(lead);
    REQUIRE(timers.size() == 1);
    CHECK(timers[0].timer_id == kRaftHeartbeatTimer);
    CHECK(c.engines[0]->counters().terms_led == 1);
  }

  TEST_CASE("blocks replicate and commit in order on every node, with a raft certificate") {
    Cluster c;
    c.elect(0);
    const Hash h1 = c.propose(0, 1);
    const Hash h2 = c.propose(0, 1);
    for (size_t i = 0; i < 3; ++i) {
      INFO("node " << i);
      REQUIRE(c.commits[i].size() == 2);
      CHECK(c.commits[i][0].height == 1);
      CHECK(c.commits[i][0].block_hash == h1);
      CHECK(c.commits[i][1].height == 2);
      CHECK(c.commits[i][1].block_hash == h2);
      for (const CommitBlock& commit : c.commits[i]) {
        CHECK(commit.cert.kind == core::CommitCert::Kind::kRaft);
        CHECK(commit.cert.round == 1);
        // The proposer already holds its block; the others get the bytes.
        CHECK(commit.block.empty() == (i == 0));
        if (i != 0) {
          auto block = core::Block::decode(commit.block);
          REQUIRE(block.is_ok());
          CHECK(block->hash() == commit.block_hash);
          Status ok = core::verify_commit_cert(block->header, commit.cert, c.validators);
          CHECK_MESSAGE(ok.is_ok(), ok.to_string());
        }
      }
    }
  }

  TEST_CASE("a lagging follower catches up from the leader") {
    Cluster c;
    c.elect(0);
    c.cut[2] = true;
    c.propose(0, 1);
    c.propose(0, 1);
    c.propose(0, 1);
    CHECK(c.commits[0].size() == 3);
    CHECK(c.commits[2].empty());
    c.cut[2] = false;
    c.step(0, TimerFired{kRaftHeartbeatTimer});
    c.settle();
    REQUIRE(c.commits[2].size() == 3);
    for (size_t k = 0; k < 3; ++k) CHECK(c.commits[2][k].block_hash == c.commits[0][k].block_hash);
  }

  TEST_CASE("a restarted node keeps its term, its vote and its log") {
    Cluster c;
    c.elect(0);
    c.propose(0, 1);
    REQUIRE(c.tips[1] == 1);
    // Node 1 restarts from its WAL and its store tip.
    c.engines[1] = c.make(1, 555);
    c.step(1, Started{c.tips[1], c.tip_hashes[1], c.wal[1]});
    // Term 1: it voted for node 0, so not for node 2.
    auto again = c.step(1, MessageReceived{c.validators[2], request_vote(1, 5, 1)});
    REQUIRE(all_of<Send>(again).size() == 1);
    CHECK(peek(all_of<Send>(again)[0].payload).flag == 0);
    // Term 2: a candidate with an empty log is not up to date with its log.
    auto behind = c.step(1, MessageReceived{c.validators[2], request_vote(2, 0, 0)});
    REQUIRE(all_of<Send>(behind).size() == 1);
    CHECK(peek(all_of<Send>(behind)[0].payload).flag == 0);
    CHECK(peek(all_of<Send>(behind)[0].payload).term == 2);
    // ...but one that has the entry gets the vote.
    auto fine = c.step(1, MessageReceived{c.validators[2], request_vote(2, 1, 1)});
    REQUIRE(all_of<Send>(fine).size() == 1);
    CHECK(peek(all_of<Send>(fine)[0].payload).flag == 1);
    // Height 1 is in its store: it is never committed again.
    c.wire.clear();
    c.step(0, TimerFired{kRaftHeartbeatTimer});
    c.settle();
    CHECK(c.commits[1].size() == 1);
  }

  TEST_CASE("a new leader commits the previous leader's uncommitted block in its own term") {
    Cluster c;
    c.elect(0);
    // Node 0 proposes, but only node 1 hears it; node 0 then dies.
    c.cut[2] = true;
    auto actions = c.step(0, TxsAvailable{});
    auto req = all_of<RequestProposal>(actions);
    REQUIRE(req.size() == 1);
    core::Block block;
    block.header = c.header(0, 1, 1, 0);
    c.step(0, ProposalReady{1, block.hash(), 0, block.encode()});
    // Deliver only the append to node 1, drop its answer.
    std::vector<Cluster::Pending> to1;
    for (const auto& m : c.wire) {
      if (m.to == 1) to1.push_back(m);
    }
    c.wire.clear();
    for (const auto& m : to1) c.step(1, MessageReceived{c.validators[0], m.payload});
    c.wire.clear();
    CHECK(c.commits[1].empty());
    c.cut[0] = true;
    c.cut[2] = false;
    // Node 1 is elected in term 2 (node 2's log is behind) and commits height 1.
    c.step(1, TimerFired{kRaftElectionTimer});
    c.settle();
    REQUIRE(c.commits[1].size() == 1);
    REQUIRE(c.commits[2].size() == 1);
    CHECK(c.commits[1][0].block_hash == block.hash());
    CHECK(c.commits[2][0].block_hash == block.hash());
    // The certificate is still the proposer's, for its term.
    CHECK(c.commits[2][0].cert.round == 1);
    CHECK(core::verify_commit_cert(block.header, c.commits[2][0].cert, c.validators).is_ok());
  }

  TEST_CASE("an entry block sync committed differently is dropped for good, never sent") {
    Cluster c;
    c.elect(0);
    // Node 0 proposes block A at height 1; only node 1 gets it, nobody commits it.
    c.cut[2] = true;
    auto actions = c.step(0, TxsAvailable{});
    REQUIRE(all_of<RequestProposal>(actions).size() == 1);
    core::Block a;
    a.header = c.header(0, 1, 1, 0);
    c.step(0, ProposalReady{1, a.hash(), 0, a.encode()});
    std::vector<Cluster::Pending> to1;
    for (const auto& m : c.wire) {
      if (m.to == 1) to1.push_back(m);
    }
    c.wire.clear();
    for (const auto& m : to1) c.step(1, MessageReceived{c.validators[0], m.payload});
    c.wire.clear();
    REQUIRE(c.commits[1].empty());

    // Block sync brings node 1 another block B at height 1 (committed elsewhere).
    core::Block b = a;
    b.header.tx_count = 9;
    const Hash b_hash = b.hash();
    REQUIRE(b_hash != a.hash());
    auto synced = c.step(1, BlockCommitted{1, b_hash, {}});
    const auto records = all_of<PersistWal>(synced);
    REQUIRE(records.size() == 1);
    Bytes truncate;
    core::Writer w(truncate);
    w.u8(3);
    w.u64(1);
    CHECK(records[0].record == truncate);

    // Node 1 restarts (its store holds B), leads, and node 2 needs height 1:
    // it must never be sent A as committed.
    c.tips[1] = 1;
    c.tip_hashes[1] = b_hash;
    c.engines[1] = c.make(1, 777);
    c.step(1, Started{1, b_hash, c.wal[1]});
    c.cut[0] = true;
    c.cut[2] = false;
    c.step(2, Started{0, Hash{}, {}});
    c.step(1, TimerFired{kRaftElectionTimer});
    c.settle();
    c.step(1, TimerFired{kRaftHeartbeatTimer});
    c.settle();
    for (const CommitBlock& commit : c.commits[2]) CHECK(commit.block_hash != a.hash());
  }

  TEST_CASE("Raft figure 8: an earlier term's entry never commits by counting its replicas") {
    Cluster c;
    for (size_t i = 0; i < 3; ++i) c.step(i, Started{0, Hash{}, {}});
    auto lead = [&](size_t i) {
      const uint64_t led = c.engines[i]->counters().terms_led;
      for (int tries = 0; tries < 5 && c.engines[i]->counters().terms_led == led; ++tries) {
        c.step(i, TimerFired{kRaftElectionTimer});
        c.settle();
      }
      return c.engines[i]->counters().terms_led > led;
    };
    // A crash and restart from the WAL (the store is still at genesis).
    auto restart = [&](size_t i) {
      c.engines[i] = c.make(i, 1000 + i);
      c.step(i, Started{c.tips[i], c.tip_hashes[i], c.wal[i]});
    };
    // The leader writes its block to its own log only.
    auto propose_alone = [&](size_t i, uint64_t term) {
      auto req = all_of<RequestProposal>(c.step(i, TxsAvailable{}));
      REQUIRE(req.size() == 1);
      CHECK(req[0].term == term);
      core::Block block;
      block.header = c.header(i, 1, term, 0);
      block.header.timestamp_ms = i;  // distinct blocks
      c.step(i, ProposalReady{1, block.hash(), 0, block.encode()});
      c.settle();
      return block.hash();
    };
    REQUIRE(lead(0));  // term 1
    c.cut[0] = true;
    const Hash x = propose_alone(0, 1);
    REQUIRE(lead(2));  // term 2, with node 1's vote
    c.cut[2] = true;
    const Hash y = propose_alone(2, 2);
    CHECK(x != y);
    c.cut[0] = false;
    restart(0);
    REQUIRE(lead(0));  // term 3, with node 1's vote; its x goes to node 1 in term 3
    REQUIRE(c.commits[0].size() == 1);
    CHECK(c.commits[0][0].block_hash == x);
    // Node 2 (last entry of term 2) cannot lead any more: node 1 holds a term-3 entry.
    c.cut[0] = true;
    c.cut[2] = false;
    restart(2);
    CHECK_FALSE(lead(2));
    // Node 1 leads and brings node 2 to x, replacing its uncommitted y.
    REQUIRE(lead(1));
    c.step(1, TimerFired{kRaftHeartbeatTimer});
    c.settle();
    for (size_t i = 0; i < 3; ++i) {
      INFO("node " << i);
      REQUIRE(c.commits[i].size() == 1);
      CHECK(c.commits[i][0].block_hash == x);
    }
  }

  TEST_CASE("a proposal that comes back after leadership changed is dropped and asked again") {
    Cluster c;
    c.elect(0);
    auto req = all_of<RequestProposal>(c.step(0, TxsAvailable{}));
    REQUIRE(req.size() == 1);
    CHECK(req[0].term == 1);
    // Node 1 campaigns in term 2 and node 0 votes for it: node 0 is no longer leader.
    auto vote = c.step(0, MessageReceived{c.validators[1], request_vote(2, 0, 0)});
    REQUIRE(all_of<Send>(vote).size() == 1);
    CHECK(peek(all_of<Send>(vote)[0].payload).flag == 1);
    c.wire.clear();
    core::Block block;
    block.header = c.header(0, 1, 1, 1);
    auto late = c.step(0, ProposalReady{1, block.hash(), 1, block.encode()});
    CHECK(all_of<PersistWal>(late).empty());
    CHECK(all_of<Send>(late).empty());
    CHECK(all_of<RequestProposal>(late).empty());
    // Elected again (term 3), node 0 asks for the block again without new TxsAvailable.
    c.requests[0].clear();
    c.step(0, TimerFired{kRaftElectionTimer});
    c.settle();
    REQUIRE(c.requests[0].size() == 1);
    CHECK(c.requests[0][0].height == 1);
    CHECK(c.requests[0][0].term == 3);
  }

  TEST_CASE("malformed messages and strangers are dropped and counted") {
    Cluster c;
    c.elect(0);
    Engine& e = *c.engines[1];
    const uint64_t before = e.counters().malformed_messages;
    const std::vector<Bytes> junk = {
        {},
        {9, 0, 0, 0, 0, 0, 0, 0, 0},        // unknown type
        {2, 1, 0, 0, 0, 0, 0, 0, 0, 2},     // vote with granted = 2
        {2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0},  // trailing byte
        {3, 1, 0, 0, 0, 0, 0, 0},           // truncated
    };
    for (const Bytes& b : junk) CHECK(e.step(MessageReceived{c.validators[0], b}).empty());
    // A huge term would not fit a certificate round: dropped.
    CHECK(e.step(MessageReceived{c.validators[0], request_vote(uint64_t{1} << 40, 9, 9)}).empty());
    CHECK(e.counters().malformed_messages == before + junk.size() + 1);

    // An append whose entry carries a forged certificate (signed by node 2
    // for node 0's block) is dropped, not acknowledged.
    core::BlockHeader h = c.header(0, 1, 1, 0);
    core::CommitCert forged;
    forged.kind = core::CommitCert::Kind::kRaft;
    forged.round = 1;
    const Hash msg = core::commit_message(kChainId, 1, 1, h.hash());
    forged.votes.push_back({c.validators[0], c.keys[2]->sign(core::ByteSpan(msg.data(), 32))});
    core::Block block;
    block.header = h;
    Bytes append;
    core::Writer w(append);
    w.u8(3);
    w.u64(1);  // term
    w.u64(0);  // prev_index
    w.u64(0);  // prev_term
    w.u64(1);  // leader_commit
    w.u32(1);
    w.u64(1);
    w.hash(h.hash());
    w.bytes(block.encode());
    w.bytes(forged.encode());
    CHECK(e.step(MessageReceived{c.validators[0], append}).empty());
    CHECK(e.counters().malformed_messages == before + junk.size() + 2);
    CHECK(c.commits[1].empty());

    const uint64_t strangers = e.counters().unknown_senders;
    CHECK(e.step(MessageReceived{key_from_byte(77)->public_key(), request_vote(5, 0, 0)}).empty());
    CHECK(e.step(MessageReceived{c.validators[1], request_vote(5, 0, 0)}).empty());  // itself
    CHECK(e.counters().unknown_senders == strangers + 2);
  }

  TEST_CASE("a WAL record that does not decode halts the engine") {
    Cluster c;
    auto e = c.make(0, 1);
    CHECK(e->step(Started{0, Hash{}, {Bytes{7, 7}}}).empty());
    CHECK(e->counters().bad_wal_records == 1);
    CHECK(e->step(TimerFired{kRaftElectionTimer}).empty());
    CHECK(e->step(MessageReceived{c.validators[1], request_vote(1, 0, 0)}).empty());
  }

  TEST_CASE("a single validator leads at once and never commits at or below the tip") {
    auto key = key_from_byte(42);
    EngineConfig c;
    c.chain_id = kChainId;
    c.params.type = "raft";
    c.self = key->public_key();
    c.validators = {c.self};
    c.signer = [key](const Hash& m) { return key->sign(core::ByteSpan(m.data(), m.size())); };
    auto made = make_raft_engine(c);
    REQUIRE(made.is_ok());
    auto e = std::move(made).value();
    auto start = e->step(Started{5, core::sha256("tip"), {}});
    CHECK(all_of<PersistWal>(start).size() == 1);  // term 1, vote for itself
    CHECK(all_of<Send>(start).empty());
    auto req = all_of<RequestProposal>(e->step(TxsAvailable{}));
    REQUIRE(req.size() == 1);
    CHECK(req[0].height == 6);
    CHECK(req[0].term == 1);
    core::Block block;
    block.header.chain_id = kChainId;
    block.header.height = 6;
    block.header.proposer = c.self;
    block.header.validator_set_hash = core::validator_set_hash(c.validators);
    block.header.term = 1;
    // Bytes that do not match the announced hash are ignored.
    CHECK(e->step(ProposalReady{6, core::sha256("other"), 0, block.encode()}).empty());
    auto req2 = all_of<RequestProposal>(e->step(TxsAvailable{}));
    REQUIRE(req2.size() == 1);
    auto ready = e->step(ProposalReady{6, block.hash(), 0, block.encode()});
    auto commits = all_of<CommitBlock>(ready);
    REQUIRE(commits.size() == 1);
    CHECK(commits[0].height == 6);
    CHECK(commits[0].block.empty());
    CHECK(first_index<PersistWal>(ready) < first_index<CommitBlock>(ready));
    block.cert = commits[0].cert;
    CHECK(core::verify_commit_cert(block.header, block.cert, c.validators).is_ok());
  }
  TEST_CASE(
      "wal_checkpoint() keeps term, vote and the log near the tip; a restart from it is as from "
      "all") {
    Cluster c;
    c.elect(0);
    CHECK_FALSE(c.make(1, 1)->wal_checkpoint().has_value());  // before Started
    const uint64_t tip = kRaftCheckpointEntries + 20;
    for (uint64_t h = 1; h <= tip; ++h) c.propose(0, 1);
    REQUIRE(c.tips == std::vector<uint64_t>{tip, tip, tip});
    // An entry the leader holds alone: in no store, so it must survive compaction.
    c.cut[1] = c.cut[2] = true;
    auto req = all_of<RequestProposal>(c.step(0, TxsAvailable{}));
    REQUIRE(req.size() == 1);
    core::Block block;
    block.header = c.header(0, tip + 1, 1, 0);
    c.step(0, ProposalReady{tip + 1, block.hash(), 0, block.encode()});
    c.settle();
    REQUIRE(c.tips[0] == tip);

    for (size_t i : {size_t{0}, size_t{1}}) {
      INFO("node " << i);
      const std::optional<std::vector<Bytes>> cp = c.engines[i]->wal_checkpoint();
      REQUIRE(cp.has_value());
      // One hard state, the entries from tip - kRaftCheckpointEntries to the tip, and the
      // leader's uncommitted one.
      CHECK(cp->size() == 1 + (kRaftCheckpointEntries + 1) + (i == 0 ? 1 : 0));
      CHECK(cp->size() < c.wal[i].size());
      auto whole = c.make(i, 77);
      auto compact = c.make(i, 77);
      CHECK(digest(whole->step(Started{c.tips[i], c.tip_hashes[i], c.wal[i]})) ==
            digest(compact->step(Started{c.tips[i], c.tip_hashes[i], *cp})));
      CHECK(whole->wal_checkpoint() == cp);
      CHECK(compact->wal_checkpoint() == cp);
      // The same answers: no second vote in term 1; in term 2 no vote for a candidate whose
      // log lacks the last entry (the entry at the tip gives its term), a vote for one that
      // has it.
      const uint64_t last = tip + (i == 0 ? 1 : 0);
      const std::vector<std::pair<Bytes, uint8_t>> asks = {{request_vote(1, 1000, 1), 0},
                                                           {request_vote(2, last, 0), 0},
                                                           {request_vote(2, last - 1, 1), 0},
                                                           {request_vote(2, last, 1), 1}};
      for (const auto& [ask, granted] : asks) {
        const auto a = whole->step(MessageReceived{c.validators[2], ask});
        const auto b = compact->step(MessageReceived{c.validators[2], ask});
        CHECK(digest(a) == digest(b));
        REQUIRE(all_of<Send>(b).size() == 1);
        CHECK(peek(all_of<Send>(b)[0].payload).flag == granted);
      }
      CHECK(whole->wal_checkpoint() == compact->wal_checkpoint());
    }
  }
}

}  // namespace
}  // namespace silk::consensus
