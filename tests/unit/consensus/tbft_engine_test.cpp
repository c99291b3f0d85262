#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "silk/consensus/engine.h"
#include "silk/core/block.h"
#include "silk/core/codec.h"
#include "silk/core/crypto.h"
#include "silk/core/vote.h"

namespace silk::consensus {
namespace {

using core::Bytes;
using core::Hash;
using core::PublicKey;
using core::SignedVote;
using core::VoteType;

constexpr const char* kChainId = "silk-tbft-test";
constexpr uint32_t kNoPol = 0xffffffff;

std::shared_ptr<core::SecretKey> key_from_byte(uint8_t b) {
  REQUIRE(core::crypto_init().is_ok());
  auto key = core::SecretKey::from_seed(Bytes(32, b));
  REQUIRE(key.is_ok());
  return std::make_shared<core::SecretKey>(std::move(key).value());
}

template <typename T>
std::vector<T> all_of(const std::vector<Action>& actions) {
  std::vector<T> found;
  for (const Action& a : actions) {
    if (const T* t = std::get_if<T>(&a)) found.push_back(*t);
  }
  return found;
}

template <typename T>
size_t first_index(const std::vector<Action>& actions) {
  for (size_t i = 0; i < actions.size(); ++i) {
    if (std::holds_alternative<T>(actions[i])) return i;
  }
  return actions.size();
}

// The wire format of docs/consensus.md, written by hand: the test pins the format.
Bytes vote_msg(const SignedVote& v) {
  Bytes out{2};
  const Bytes body = v.encode();
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes proposal_msg(const core::SecretKey& key, uint64_t height, uint32_t round, uint32_t pol_round,
                   const Bytes& block) {
  auto decoded = core::Block::decode(block);
  REQUIRE(decoded.is_ok());
  Bytes m;
  core::Writer mw(m);
  mw.raw(core::as_span("silk/proposal/v1"));
  mw.str(kChainId);
  mw.u64(height);
  mw.u32(round);
  mw.u32(pol_round);
  mw.hash(decoded->hash());
  const Hash digest = core::sha256(m);
  const core::Signature sig = key.sign(core::ByteSpan(digest.data(), digest.size()));
  Bytes out;
  core::Writer w(out);
  w.u8(1);
  w.u64(height);
  w.u32(round);
  w.u32(pol_round);
  w.bytes(block);
  w.raw(core::ByteSpan(sig.data(), sig.size()));
  return out;
}

// Decoded broadcast votes (type 2 messages) among the actions.
std::vector<SignedVote> votes_in(const std::vector<Action>& actions) {
  std::vector<SignedVote> found;
  for (const Broadcast& b : all_of<Broadcast>(actions)) {
    if (b.payload.empty() || b.payload[0] != 2) continue;
    auto v = SignedVote::decode(core::ByteSpan(b.payload).subspan(1));
    REQUIRE(v.is_ok());
    found.push_back(*v);
  }
  return found;
}

size_t proposals_in(const std::vector<Action>& actions) {
  size_t n = 0;
  for (const Broadcast& b : all_of<Broadcast>(actions)) n += b.payload[0] == 1 ? 1 : 0;
  return n;
}

// Four validators; the engine under test is validator `me` (0 unless said otherwise). At
// height 1 the proposer of round r is validator (1 + r) % 4.
struct Fixture {
  std::vector<std::shared_ptr<core::SecretKey>> keys;
  std::vector<PublicKey> validators;
  size_t me = 0;
  std::unique_ptr<Engine> engine;
  std::vector<Bytes> wal;

  explicit Fixture(size_t self = 0, size_t n = 4) : me(self) {
    for (size_t i = 0; i < n; ++i) {
      keys.push_back(key_from_byte(static_cast<uint8_t>(40 + i)));
      validators.push_back(keys.back()->public_key());
    }
    engine = make();
  }

  EngineConfig config() const {
    EngineConfig c;
    c.chain_id = kChainId;
    c.params.type = "tbft";
    c.validators = validators;
    c.self = validators[me];
    auto k = keys[me];
    c.signer = [k](const Hash& m) { return k->sign(core::ByteSpan(m.data(), m.size())); };
    c.tbft_propose_ms = 1000;
    c.tbft_vote_ms = 500;
    c.tbft_delta_ms = 100;
    return c;
  }

  std::unique_ptr<Engine> make() const {
    auto e = make_tbft_engine(config());
    REQUIRE_MESSAGE(e.is_ok(), e.status().to_string());
    return std::move(e).value();
  }

  std::vector<Action> step(const Event& e) {
    std::vector<Action> out = engine->step(e);
    for (const PersistWal& p : all_of<PersistWal>(out)) wal.push_back(p.record);
    return out;
  }

  std::vector<Action> start(uint64_t tip = 0) { return step(Started{tip, Hash{}, wal, {}}); }

  // A crash: the engine is rebuilt from the WAL it asked for.
  std::vector<Action> restart(uint64_t tip = 0) {
    engine = make();
    return start(tip);
  }

  Bytes block(uint64_t height, size_t proposer, uint64_t timestamp = 1) const {
    core::Block b;
    b.header.chain_id = kChainId;
    b.header.height = height;
    b.header.timestamp_ms = timestamp;
    b.header.proposer = validators[proposer];
    b.header.validator_set_hash = core::validator_set_hash(validators);
    return b.encode();
  }
  static Hash hash_of(const Bytes& block) { return core::Block::decode(block)->hash(); }

  SignedVote vote(size_t who, VoteType type, uint64_t h, uint32_t r, const Hash& hash) const {
    return SignedVote::make(kChainId, type, h, r, hash, *keys[who]);
  }
  std::vector<Action> receive_vote(size_t who, VoteType type, uint64_t h, uint32_t r,
                                   const Hash& hash) {
    return step(MessageReceived{validators[who], vote_msg(vote(who, type, h, r, hash))});
  }
  std::vector<Action> receive_proposal(size_t who, uint64_t h, uint32_t r, uint32_t pol,
                                       const Bytes& block) {
    return step(MessageReceived{validators[who], proposal_msg(*keys[who], h, r, pol, block)});
  }

  // Height 1, round 0 from validator 0's side: proposal A by validator 1, validated, prevoted
  // by 1 and 2 too: the engine locks on A and precommits it. Returns A's bytes.
  Bytes lock_on_a() {
    start();
    step(TxsAvailable{});
    const Bytes a = block(1, 1);
    const auto got = receive_proposal(1, 1, 0, kNoPol, a);
    REQUIRE(all_of<ValidateBlock>(got).size() == 1);
    step(BlockValidated{1, hash_of(a), true, ""});
    receive_vote(1, VoteType::kPrevote, 1, 0, hash_of(a));
    const auto locked = receive_vote(2, VoteType::kPrevote, 1, 0, hash_of(a));
    const auto votes = votes_in(locked);
    REQUIRE(votes.size() == 1);
    REQUIRE(votes[0].type == VoteType::kPrecommit);
    REQUIRE(votes[0].block_hash == hash_of(a));
    return a;
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
    if (const auto* t = std::get_if<SetTimer>(&a)) {
      w.u64(t->timer_id);
      w.u64(t->delay_ms);
    }
    if (const auto* v = std::get_if<ValidateBlock>(&a)) w.hash(v->block_hash);
    if (const auto* c = std::get_if<CommitBlock>(&a)) w.hash(c->block_hash);
  }
  return out;
}

TEST_SUITE("tbft_engine") {
  TEST_CASE("config is checked") {
    Fixture f;
    CHECK(make_tbft_engine(f.config()).is_ok());
    CHECK(make_engine(f.config()).is_ok());
    CHECK(make_engine(f.config()).value()->name() == "tbft");
    auto bad = [&](auto&& change) {
      EngineConfig c = f.config();
      change(c);
      auto e = make_tbft_engine(std::move(c));
      CHECK(e.status().code() == core::Status::Code::kInvalid);
    };
    bad([](EngineConfig& c) { c.chain_id.clear(); });
    bad([](EngineConfig& c) { c.signer = nullptr; });
    bad([](EngineConfig& c) { c.validators.push_back(c.validators[1]); });
    bad([](EngineConfig& c) { c.tbft_propose_ms = 0; });
    bad([](EngineConfig& c) { c.tbft_vote_ms = 0; });
    bad([](EngineConfig& c) { c.tbft_delta_ms = 0; });
    bad([](EngineConfig& c) {
      c.params.empty_blocks = true;
      c.params.block_interval_ms = 0;
    });
  }

  TEST_CASE("a node outside the validator set follows silently until a set includes it") {
    Fixture f(4, 5);  // five keys; genesis validators are the first four; this node is the fifth
    const std::vector<PublicKey> genesis_set(f.validators.begin(), f.validators.begin() + 4);
    EngineConfig c = f.config();
    c.validators = genesis_set;
    auto made = make_tbft_engine(c);
    REQUIRE_MESSAGE(made.is_ok(), made.status().to_string());
    f.engine = std::move(made).value();
    CHECK(f.step(Started{0, Hash{}, {}, genesis_set}).empty());
    const auto on_txs = f.step(TxsAvailable{});  // it may run the round's timers, never sign
    CHECK(votes_in(on_txs).empty());
    CHECK(all_of<PersistWal>(on_txs).empty());
    CHECK(all_of<RequestProposal>(on_txs).empty());
    // Height 1, round 0: validator 1 proposes; the observer may check the block but never votes.
    const Bytes a = f.block(1, 1);
    std::vector<Action> out = f.receive_proposal(1, 1, 0, kNoPol, a);
    for (const Action& act : f.step(BlockValidated{1, Fixture::hash_of(a), true, ""})) {
      out.push_back(act);
    }
    CHECK(votes_in(out).empty());
    CHECK(all_of<PersistWal>(out).empty());
    // Governance adds it from height 2: now it prevotes a valid proposal.
    f.step(BlockCommitted{1, Fixture::hash_of(a), f.validators});
    const Bytes b = f.block(2, 2);  // the proposer of (2, 0) among five is validator 2
    std::vector<Action> got = f.receive_proposal(2, 2, 0, kNoPol, b);
    for (const Action& act : f.step(BlockValidated{2, Fixture::hash_of(b), true, ""})) {
      got.push_back(act);
    }
    const auto votes = votes_in(got);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].type == VoteType::kPrevote);
    CHECK(votes[0].signer == f.validators[4]);
    CHECK_FALSE(all_of<PersistWal>(got).empty());  // durable before it leaves
  }

  TEST_CASE("an idle height sends nothing and sets no timer") {
    Fixture f;  // validator 0 does not propose round 0 of height 1
    const auto started = f.start();
    CHECK(started.empty());
    CHECK(f.step(TimerFired{kTbftProposeTimer}).empty());  // stray
    CHECK(f.step(ProposalEmpty{1}).empty());
    CHECK(f.engine->counters().rounds_started == 0);

    Fixture p(1);  // the round-0 proposer only asks its driver
    const auto asked = p.start();
    REQUIRE(all_of<RequestProposal>(asked).size() == 1);
    CHECK(all_of<RequestProposal>(asked)[0].height == 1);
    CHECK(!all_of<RequestProposal>(asked)[0].allow_empty);
    CHECK(all_of<SetTimer>(asked).empty());
    CHECK(p.step(ProposalEmpty{1}).empty());  // nothing to do: stays idle
    CHECK(all_of<Broadcast>(p.step(TimerFired{kTbftProposeTimer})).empty());
  }

  TEST_CASE("txs start the height: the propose timer runs") {
    Fixture f;
    f.start();
    const auto got = f.step(TxsAvailable{});
    const auto timers = all_of<SetTimer>(got);
    REQUIRE(timers.size() == 1);
    CHECK(timers[0].timer_id == kTbftProposeTimer);
    CHECK(timers[0].delay_ms == 1000);
    CHECK(f.engine->counters().rounds_started == 1);
    // TxsAvailable before Started is remembered.
    Fixture early;
    CHECK(early.step(TxsAvailable{}).empty());
    CHECK(all_of<SetTimer>(early.start()).size() == 1);
    // No proposal: the timeout prevotes nil, persisted before it is sent.
    const auto timeout = f.step(TimerFired{kTbftProposeTimer});
    const auto votes = votes_in(timeout);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].type == VoteType::kPrevote);
    CHECK(votes[0].is_nil());
    CHECK(votes[0].round == 0);
    CHECK(first_index<PersistWal>(timeout) < first_index<Broadcast>(timeout));
  }

  TEST_CASE("the proposer rotates with height and round") {
    for (size_t me = 0; me < 4; ++me) {
      Fixture f(me);
      // Walk rounds 0..4 by timeouts; note the rounds in which this node asks for a block
      // (the driver has nothing: it answers empty).
      std::vector<uint32_t> asked_in;
      std::vector<Action> all = f.start();
      for (const auto& req : all_of<RequestProposal>(all)) f.step(ProposalEmpty{req.height});
      all = f.step(TxsAvailable{});
      for (uint32_t r = 0; r < 5; ++r) {
        for (const auto& req : all_of<RequestProposal>(all)) {
          asked_in.push_back(req.round);
          CHECK(req.allow_empty == (req.round > 0));
          f.step(ProposalEmpty{req.height});
        }
        f.step(TimerFired{kTbftProposeTimer});
        f.step(TimerFired{kTbftPrevoteTimer});
        all = f.step(TimerFired{kTbftPrecommitTimer});  // round r + 1
      }
      // Height 1: validator (1 + r) % 4 proposes round r.
      std::vector<uint32_t> expected;
      for (uint32_t r = 0; r <= 4; ++r) {
        if ((1 + r) % 4 == me) expected.push_back(r);
      }
      CHECK_MESSAGE(asked_in == expected, "validator " << me);
    }
  }

  TEST_CASE("a happy height with four validators commits with a real certificate") {
    Fixture f;
    f.start();
    CHECK(f.step(TxsAvailable{}).size() == 1);  // the propose timer
    const Bytes a = f.block(1, 1);
    const Hash ha = Fixture::hash_of(a);

    auto got = f.receive_proposal(1, 1, 0, kNoPol, a);
    const auto checks = all_of<ValidateBlock>(got);
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].height == 1);
    CHECK(checks[0].block_hash == ha);
    CHECK(checks[0].block == a);
    CHECK(votes_in(got).empty());  // not before the driver answers
    // The same proposal again asks nothing more.
    CHECK(f.receive_proposal(1, 1, 0, kNoPol, a).empty());

    got = f.step(BlockValidated{1, ha, true, ""});
    auto votes = votes_in(got);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].type == VoteType::kPrevote);
    CHECK(votes[0].block_hash == ha);
    CHECK(votes[0].signer == f.validators[0]);
    CHECK(votes[0].verify(kChainId));
    CHECK(first_index<PersistWal>(got) < first_index<Broadcast>(got));

    CHECK(votes_in(f.receive_vote(1, VoteType::kPrevote, 1, 0, ha)).empty());
    got = f.receive_vote(3, VoteType::kPrevote, 1, 0, ha);  // 3 of 4: a polka
    votes = votes_in(got);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].type == VoteType::kPrecommit);
    CHECK(votes[0].block_hash == ha);
    CHECK(all_of<PersistWal>(got).size() == 2);  // the lock, then the precommit
    CHECK(first_index<PersistWal>(got) < first_index<Broadcast>(got));

    CHECK(all_of<CommitBlock>(f.receive_vote(3, VoteType::kPrecommit, 1, 0, ha)).empty());
    got = f.receive_vote(2, VoteType::kPrecommit, 1, 0, ha);
    const auto commits = all_of<CommitBlock>(got);
    REQUIRE(commits.size() == 1);
    const CommitBlock& c = commits[0];
    CHECK(c.height == 1);
    CHECK(c.block_hash == ha);
    CHECK(c.block == a);
    CHECK(c.cert.kind == core::CommitCert::Kind::kTbft);
    CHECK(c.cert.round == 0);
    REQUIRE(c.cert.votes.size() == 3);
    CHECK(c.cert.votes[0].signer < c.cert.votes[1].signer);
    CHECK(c.cert.votes[1].signer < c.cert.votes[2].signer);
    auto decoded = core::Block::decode(c.block);
    REQUIRE(decoded.is_ok());
    CHECK(core::verify_commit_cert(decoded->header, c.cert, f.validators).is_ok());
    // Later precommits commit nothing more.
    CHECK(all_of<CommitBlock>(f.receive_vote(1, VoteType::kPrecommit, 1, 0, ha)).empty());

    // Height 2 starts idle: validator 0 does not propose round 0 of height 2 either.
    got = f.step(BlockCommitted{1, ha, {}});
    CHECK(all_of<Broadcast>(got).empty());
    CHECK(all_of<SetTimer>(got).empty());
    // A late message of height 1 is answered with what decided it (catch-up), once per round.
    got = f.receive_vote(1, VoteType::kPrecommit, 1, 0, ha);
    const auto sends = all_of<Send>(got);
    REQUIRE(sends.size() == 4);  // the proposal and three precommits
    CHECK(sends[0].to == f.validators[1]);
    CHECK(sends[0].payload[0] == 1);
    CHECK(f.receive_vote(1, VoteType::kPrevote, 1, 0, ha).empty());
  }

  TEST_CASE("the proposer proposes the block its driver built, then prevotes it") {
    Fixture f(1);
    const auto asked = f.start();
    REQUIRE(all_of<RequestProposal>(asked).size() == 1);
    const Bytes a = f.block(1, 1);
    const auto got = f.step(ProposalReady{1, Fixture::hash_of(a), 0, a});
    CHECK(proposals_in(got) == 1);
    CHECK(all_of<ValidateBlock>(got).empty());  // its own block counts as validated
    const auto votes = votes_in(got);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].block_hash == Fixture::hash_of(a));
    CHECK(first_index<PersistWal>(got) < first_index<Broadcast>(got));
    // A ProposalReady naming another proposer, or answering nothing, is ignored.
    Fixture g(1);
    g.start();
    const Bytes other = g.block(1, 2);
    CHECK(proposals_in(g.step(ProposalReady{1, Fixture::hash_of(other), 0, other})) == 0);
  }

  TEST_CASE("a lock prevents prevoting another block; the lock is re-proposed with its round") {
    Fixture f;
    const Bytes a = f.lock_on_a();
    const Hash ha = Fixture::hash_of(a);
    // Round 0 ends without a decision: precommit timeout.
    auto got = f.step(TimerFired{kTbftPrecommitTimer});
    CHECK(f.engine->counters().rounds_started == 2);
    // Round 1: validator 2 proposes a fresh block B: valid, but this node is locked on A.
    const Bytes b = f.block(1, 2, 2);
    const Hash hb = Fixture::hash_of(b);
    got = f.receive_proposal(2, 1, 1, kNoPol, b);
    REQUIRE(all_of<ValidateBlock>(got).size() == 1);
    got = f.step(BlockValidated{1, hb, true, ""});
    auto votes = votes_in(got);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].round == 1);
    CHECK(votes[0].is_nil());
    // Rounds 2 and 3 pass; in round 3 this node proposes and re-proposes A with pol_round 0,
    // with the prevotes that make it valid.
    f.step(TimerFired{kTbftPrevoteTimer});
    f.step(TimerFired{kTbftPrecommitTimer});  // round 2
    f.step(TimerFired{kTbftProposeTimer});
    f.step(TimerFired{kTbftPrevoteTimer});
    got = f.step(TimerFired{kTbftPrecommitTimer});  // round 3: (1 + 3) % 4 == 0
    CHECK(all_of<RequestProposal>(got).empty());
    Bytes proposal;
    for (const Broadcast& bc : all_of<Broadcast>(got)) {
      if (bc.payload[0] == 1) proposal = bc.payload;
    }
    REQUIRE(!proposal.empty());
    core::Reader r(proposal);
    uint8_t type = 0;
    uint64_t h = 0;
    uint32_t round = 0, pol = 0;
    Bytes block;
    REQUIRE((r.u8(type, "t") && r.u64(h, "h") && r.u32(round, "r") && r.u32(pol, "p") &&
             r.bytes(block, "b")));
    CHECK(round == 3);
    CHECK(pol == 0);
    CHECK(block == a);
    size_t polka_votes = 0;
    for (const SignedVote& v : votes_in(got)) {
      polka_votes += v.round == 0 && v.block_hash == ha ? 1 : 0;
    }
    CHECK(polka_votes == 3);
  }

  TEST_CASE("a re-proposal is prevoted only once its polka is seen") {
    Fixture f;
    f.start();
    f.step(TxsAvailable{});
    const Bytes b = f.block(1, 3, 5);
    const Hash hb = Fixture::hash_of(b);
    f.step(TimerFired{kTbftProposeTimer});
    f.step(TimerFired{kTbftPrevoteTimer});
    f.step(TimerFired{kTbftPrecommitTimer});  // round 1
    f.step(TimerFired{kTbftProposeTimer});
    f.step(TimerFired{kTbftPrevoteTimer});
    f.step(TimerFired{kTbftPrecommitTimer});  // round 2: validator 3 proposes
    auto got = f.receive_proposal(3, 1, 2, 1, b);
    REQUIRE(all_of<ValidateBlock>(got).size() == 1);
    CHECK(votes_in(f.step(BlockValidated{1, hb, true, ""})).empty());  // no polka yet
    f.receive_vote(1, VoteType::kPrevote, 1, 1, hb);
    f.receive_vote(2, VoteType::kPrevote, 1, 1, hb);
    got = f.receive_vote(3, VoteType::kPrevote, 1, 1, hb);
    const auto votes = votes_in(got);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].round == 2);
    CHECK(votes[0].block_hash == hb);
  }

  TEST_CASE("f+1 validators in a later round make the node skip to it") {
    Fixture f;
    f.start();
    f.step(TxsAvailable{});
    // One validator in round 5 is not enough (it may be the faulty one).
    auto got = f.receive_vote(2, VoteType::kPrevote, 1, 5, Hash{});
    CHECK(all_of<SetTimer>(got).empty());
    got = f.receive_vote(3, VoteType::kPrecommit, 1, 5, Hash{});
    const auto timers = all_of<SetTimer>(got);
    REQUIRE(!timers.empty());
    CHECK(timers[0].timer_id == kTbftProposeTimer);
    CHECK(timers[0].delay_ms == 1000 + 5 * 100);
    CHECK(f.engine->counters().rounds_started == 2);
    // Far-away rounds are not stored but still count towards a skip.
    f.receive_vote(1, VoteType::kPrevote, 1, 1000, Hash{});
    got = f.receive_vote(2, VoteType::kPrevote, 1, 1000, Hash{});
    REQUIRE(!all_of<SetTimer>(got).empty());
    CHECK(all_of<SetTimer>(got)[0].delay_ms == 1000 + 1000 * 100);
  }

  TEST_CASE("f+1 is counted with f = (n-1)/3: with three validators one in a later round is enough") {
    // n = 3 tolerates no faulty validator, so one signer in round 4 is a correct one. A node
    // that went on alone through rounds while the other two were down must pull them there
    // when all are back: it cannot finish a round without them (the quorum is all three).
    Fixture f(0, 3);
    f.start();
    f.step(TxsAvailable{});
    auto got = f.receive_vote(1, VoteType::kPrevote, 1, 4, Hash{});
    const auto timers = all_of<SetTimer>(got);
    REQUIRE(!timers.empty());
    CHECK(timers[0].timer_id == kTbftProposeTimer);
    CHECK(timers[0].delay_ms == 1000 + 4 * 100);
    // With six validators f = 1: two are needed (not three, as "more than n/3" said).
    Fixture six(0, 6);
    six.start();
    six.step(TxsAvailable{});
    CHECK(all_of<SetTimer>(six.receive_vote(1, VoteType::kPrevote, 1, 3, Hash{})).empty());
    got = six.receive_vote(2, VoteType::kPrevote, 1, 3, Hash{});
    REQUIRE(!all_of<SetTimer>(got).empty());
    CHECK(all_of<SetTimer>(got)[0].delay_ms == 1000 + 3 * 100);
  }

  TEST_CASE("a double sign is reported once, and counts") {
    Fixture f;
    f.start();
    f.step(TxsAvailable{});
    Hash x{}, y{}, z{};
    x.fill(1);
    y.fill(2);
    z.fill(3);
    CHECK(all_of<ReportEvidence>(f.receive_vote(2, VoteType::kPrevote, 1, 0, x)).empty());
    auto got = f.receive_vote(2, VoteType::kPrevote, 1, 0, y);
    const auto ev = all_of<ReportEvidence>(got);
    REQUIRE(ev.size() == 1);
    auto decoded = core::DoubleSignEvidence::decode(ev[0].evidence);
    REQUIRE(decoded.is_ok());
    CHECK(decoded->check(kChainId).is_ok());
    CHECK(decoded->a.signer == f.validators[2]);
    CHECK(decoded->a.block_hash == x);
    CHECK(decoded->b.block_hash == y);
    // Copies and a third vote: no second report for (signer, type, height, round).
    CHECK(all_of<ReportEvidence>(f.receive_vote(2, VoteType::kPrevote, 1, 0, y)).empty());
    CHECK(all_of<ReportEvidence>(f.receive_vote(2, VoteType::kPrevote, 1, 0, Hash{})).empty());
    CHECK(f.engine->counters().evidence_reported == 1);
    // Another type is another report; correct validators' votes never are.
    CHECK(all_of<ReportEvidence>(f.receive_vote(2, VoteType::kPrecommit, 1, 0, x)).empty());
    CHECK(all_of<ReportEvidence>(f.receive_vote(2, VoteType::kPrecommit, 1, 0, z)).size() == 1);
    CHECK(all_of<ReportEvidence>(f.receive_vote(1, VoteType::kPrevote, 1, 0, x)).empty());
    CHECK(f.engine->counters().evidence_reported == 2);
  }

  TEST_CASE("after a restart the node never signs a conflicting vote") {
    Fixture f;
    const Bytes a = f.lock_on_a();
    const Hash ha = Fixture::hash_of(a);
    const size_t records = f.wal.size();
    REQUIRE(records == 3);  // prevote, lock, precommit
    // Crash and restart: the votes go out again, unchanged, and nothing new is persisted.
    auto got = f.restart();
    CHECK(f.wal.size() == records);
    auto votes = votes_in(got);
    REQUIRE(votes.size() == 2);
    for (const SignedVote& v : votes) {
      CHECK(v.round == 0);
      CHECK(v.block_hash == ha);
    }
    CHECK(!all_of<SetTimer>(got).empty());  // resumes in round 0, precommit step
    // A timeout would precommit nil in a fresh node; this one repeats its precommit for A.
    got = f.step(TimerFired{kTbftPrecommitTimer});
    for (const SignedVote& v : votes_in(got)) {
      if (v.round == 0) CHECK(v.block_hash == ha);
    }
    // The lock survived: a fresh block B in round 1 is prevoted nil.
    const Bytes b = f.block(1, 2, 9);
    f.receive_proposal(2, 1, 1, kNoPol, b);
    got = f.step(BlockValidated{1, Fixture::hash_of(b), true, ""});
    votes = votes_in(got);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].is_nil());
    // Precommits of others for A in round 0 commit it, with the bytes from the WAL.
    f.receive_vote(1, VoteType::kPrecommit, 1, 0, ha);
    got = f.receive_vote(2, VoteType::kPrecommit, 1, 0, ha);
    const auto commits = all_of<CommitBlock>(got);
    REQUIRE(commits.size() == 1);
    CHECK(commits[0].block == a);
    CHECK(commits[0].cert.round == 0);

    // Records of an older height are ignored; a record that does not decode halts the engine.
    Fixture g;
    g.wal = f.wal;
    CHECK(votes_in(g.start(1)).empty());
    Fixture h;
    h.wal = {Bytes{9, 9}};
    CHECK(h.start().empty());
    CHECK(h.engine->counters().bad_wal_records == 1);
    CHECK(h.step(TxsAvailable{}).empty());
  }

  TEST_CASE("a restarted proposer proposes the same block again") {
    Fixture f(1);
    f.start();
    const Bytes a = f.block(1, 1);
    f.step(ProposalReady{1, Fixture::hash_of(a), 0, a});
    REQUIRE(f.wal.size() == 2);  // proposal, prevote
    auto got = f.restart();
    CHECK(all_of<RequestProposal>(got).empty());
    CHECK(proposals_in(got) == 1);
    CHECK(f.wal.size() == 2);
  }

  TEST_CASE("malformed messages and strangers are dropped and counted") {
    Fixture f;
    f.start();
    f.step(TxsAvailable{});
    const PublicKey stranger{0xee};
    CHECK(f.step(MessageReceived{stranger, Bytes{2}}).empty());
    CHECK(f.engine->counters().unknown_senders == 1);
    const PublicKey peer = f.validators[1];
    const Bytes good = vote_msg(f.vote(1, VoteType::kPrevote, 1, 0, Hash{}));
    Bytes trailing = good;
    trailing.push_back(0);
    Bytes unknown = good;
    unknown[0] = 7;
    Bytes bad_sig = good;
    bad_sig.back() ^= 1;
    for (const Bytes& m :
         {Bytes{}, Bytes{1}, trailing, unknown, bad_sig, Bytes(good.begin(), good.end() - 1)}) {
      CHECK(f.step(MessageReceived{peer, m}).empty());
    }
    CHECK(f.engine->counters().malformed_messages == 6);
    // A vote by a key outside the set, relayed by a validator.
    auto outsider = key_from_byte(99);
    const SignedVote ov = SignedVote::make(kChainId, VoteType::kPrevote, 1, 0, Hash{}, *outsider);
    CHECK(f.step(MessageReceived{peer, vote_msg(ov)}).empty());
    CHECK(f.engine->counters().malformed_messages == 7);
    // A proposal signed by someone other than the round's proposer.
    const Bytes a = f.block(1, 2);
    CHECK(f.step(MessageReceived{f.validators[2], proposal_msg(*f.keys[2], 1, 0, kNoPol, a)})
              .empty());
    CHECK(f.engine->counters().invalid_proposals == 1);
    // A proposal whose pol_round is not below its round does not decode.
    CHECK(f.step(MessageReceived{peer, proposal_msg(*f.keys[1], 1, 0, 0, f.block(1, 1))}).empty());
    CHECK(f.engine->counters().malformed_messages == 8);
    // An invalid block is prevoted nil and counted.
    const Bytes bad = f.block(1, 1, 77);
    f.receive_proposal(1, 1, 0, kNoPol, bad);
    const auto votes = votes_in(f.step(BlockValidated{1, Fixture::hash_of(bad), false, "roots"}));
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].is_nil());
    CHECK(f.engine->counters().invalid_proposals == 2);
  }

  TEST_CASE("messages of the next height are held and replayed when it starts") {
    Fixture f;
    f.start();
    const Bytes b2 = f.block(2, 2);  // height 2, round 0: proposer (2 + 0) % 4 == 2
    CHECK(f.receive_proposal(2, 2, 0, kNoPol, b2).empty());
    const auto got = f.step(BlockCommitted{1, Hash{}, {}});
    const auto checks = all_of<ValidateBlock>(got);
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].height == 2);
    CHECK(!all_of<SetTimer>(got).empty());  // the held proposal started the height
  }

  TEST_CASE("messages held for the next height are bounded per sender") {
    Fixture f;
    f.start();
    for (uint32_t r = 0; r < 20; ++r) {
      CHECK(f.receive_vote(2, VoteType::kPrevote, 2, r, Hash{}).empty());
      CHECK(f.receive_vote(3, VoteType::kPrevote, 2, r, Hash{}).empty());
    }
    // Replayed: rounds 0..15 of each sender (16 held each), so f+1 are seen in round 15.
    const auto got = f.step(BlockCommitted{1, Hash{}, {}});
    uint64_t last_propose_delay = 0;
    for (const SetTimer& t : all_of<SetTimer>(got)) {
      if (t.timer_id == kTbftProposeTimer) last_propose_delay = t.delay_ms;
    }
    CHECK(last_propose_delay == 1000 + 15 * 100);
  }

  TEST_CASE("a single validator commits alone") {
    Fixture f(0, 1);
    const auto asked = f.start();
    REQUIRE(all_of<RequestProposal>(asked).size() == 1);
    const Bytes a = f.block(1, 0);
    const auto got = f.step(ProposalReady{1, Fixture::hash_of(a), 1, a});
    const auto commits = all_of<CommitBlock>(got);
    REQUIRE(commits.size() == 1);
    CHECK(commits[0].cert.votes.size() == 1);
    CHECK(core::verify_commit_cert(core::Block::decode(a)->header, commits[0].cert, f.validators)
              .is_ok());
    CHECK(first_index<PersistWal>(got) < first_index<CommitBlock>(got));
    // Height 2: it asks again at once.
    CHECK(all_of<RequestProposal>(f.step(BlockCommitted{1, Fixture::hash_of(a), {}})).size() == 1);
  }

  TEST_CASE("the validator set changes with BlockCommitted::next_validators") {
    Fixture f;
    f.start();
    auto newcomer = key_from_byte(77);
    std::vector<PublicKey> next = {f.validators[0], f.validators[1], f.validators[2],
                                   newcomer->public_key()};
    f.step(BlockCommitted{1, Hash{}, next});
    // Validator 3 is gone: its messages come from a stranger now.
    f.receive_vote(3, VoteType::kPrevote, 2, 0, Hash{});
    CHECK(f.engine->counters().unknown_senders == 1);
    // The newcomer counts: with validators 1 and 2 it makes a quorum of nil prevotes.
    f.step(TxsAvailable{});
    f.step(TimerFired{kTbftProposeTimer});  // own prevote nil
    f.receive_vote(1, VoteType::kPrevote, 2, 0, Hash{});
    const SignedVote nv = SignedVote::make(kChainId, VoteType::kPrevote, 2, 0, Hash{}, *newcomer);
    const auto got = f.step(MessageReceived{f.validators[1], vote_msg(nv)});
    const auto votes = votes_in(got);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].type == VoteType::kPrecommit);
    CHECK(votes[0].is_nil());
    // Dropped from the set: the node still follows but never signs.
    Fixture g;
    g.start();
    g.step(BlockCommitted{1, Hash{}, {g.validators[1], g.validators[2], g.validators[3]}});
    g.step(TxsAvailable{});
    CHECK(votes_in(g.step(TimerFired{kTbftProposeTimer})).empty());
  }

  TEST_CASE("with empty_blocks an idle height starts after block_interval_ms") {
    Fixture f;
    EngineConfig c = f.config();
    c.params.empty_blocks = true;
    c.params.block_interval_ms = 250;
    f.engine = std::move(make_tbft_engine(std::move(c))).value();
    const auto got = f.start();
    const auto timers = all_of<SetTimer>(got);
    REQUIRE(timers.size() == 1);
    CHECK(timers[0].timer_id == kTbftIdleTimer);
    CHECK(timers[0].delay_ms == 250);
    const auto fired = f.step(TimerFired{kTbftIdleTimer});
    REQUIRE(all_of<SetTimer>(fired).size() == 1);
    CHECK(all_of<SetTimer>(fired)[0].timer_id == kTbftProposeTimer);
  }
  TEST_CASE("wal_checkpoint() is the current height's records; a restart from it is as from all") {
    Fixture f;
    CHECK_FALSE(f.engine->wal_checkpoint().has_value());  // before Started
    const Bytes a = f.lock_on_a();
    const Hash ha = Fixture::hash_of(a);
    CHECK(f.engine->wal_checkpoint() == f.wal);  // prevote, lock, precommit of height 1
    f.receive_vote(1, VoteType::kPrecommit, 1, 0, ha);
    REQUIRE(all_of<CommitBlock>(f.receive_vote(2, VoteType::kPrecommit, 1, 0, ha)).size() == 1);
    CHECK(f.engine->wal_checkpoint()->size() == 3);  // decided, not yet heard committed: kept
    f.step(BlockCommitted{1, ha, {}});
    CHECK(f.engine->wal_checkpoint()->empty());  // height 1 is in the store

    // Height 2 (proposer: validator 2): the engine prevotes B.
    f.step(TxsAvailable{});
    const Bytes b = f.block(2, 2);
    f.receive_proposal(2, 2, 0, kNoPol, b);
    REQUIRE(votes_in(f.step(BlockValidated{2, Fixture::hash_of(b), true, ""})).size() == 1);
    const std::vector<Bytes> cp = *f.engine->wal_checkpoint();
    REQUIRE(cp.size() == 1);
    CHECK(cp[0] == f.wal.back());
    CHECK(f.wal.size() == 4);

    // Restarted on a store at height 1, from the whole WAL and from the checkpoint: the same
    // actions (its prevote for B again, never another), the same checkpoint, and the same
    // answers to what comes next.
    Fixture whole;
    whole.wal = f.wal;
    Fixture compact;
    compact.wal = cp;
    const auto from_whole = whole.start(1);
    const auto from_cp = compact.start(1);
    CHECK(digest(from_whole) == digest(from_cp));
    const auto again = votes_in(from_cp);
    REQUIRE(again.size() == 1);
    CHECK(again[0].height == 2);
    CHECK(again[0].block_hash == Fixture::hash_of(b));
    CHECK(whole.engine->wal_checkpoint() == cp);
    CHECK(compact.engine->wal_checkpoint() == cp);
    CHECK(digest(whole.step(TimerFired{kTbftPrevoteTimer})) ==
          digest(compact.step(TimerFired{kTbftPrevoteTimer})));
    CHECK(whole.engine->wal_checkpoint() == compact.engine->wal_checkpoint());
    CHECK(compact.engine->wal_checkpoint()->size() == 2);  // and its nil precommit

    // A halted engine has no checkpoint: its WAL must stay as it is.
    Fixture h;
    h.wal = {Bytes{9, 9}};
    h.start();
    CHECK_FALSE(h.engine->wal_checkpoint().has_value());
  }
}

}  // namespace
}  // namespace silk::consensus
