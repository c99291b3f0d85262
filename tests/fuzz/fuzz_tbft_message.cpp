// libFuzzer target: the tbft engine's message decoder and handlers, through
// Engine::step(MessageReceived) (engine.h above make_tbft_engine; formats in
// docs/consensus.md#tbft).
//
// One engine per input: validator 0 of four deterministic keys (a fifth key is a
// non-member). The input is a script of operations, each an op byte and its
// arguments (a missing byte reads as 0):
//   0 raw message   sender (% 5, 4 = non-member), u16 length, payload bytes
//   1 vote          sender, signer (validators 1..3), type, height, round, block
//                   (nil, one of four blocks of that height, this node's own
//                   proposal, or a hash nobody holds), flags (bit 0: bad signature)
//   2 proposal      sender, height, round, pol_round, block, flags (bit 0: signed by
//                   a validator that is not the round's proposer)
//   3 TimerFired    a timer the engine set (byte picks one), or a stray id
//   4 driver        TxsAvailable, or answer the queued requests (ProposalReady or
//                   ProposalEmpty, BlockValidated, BlockCommitted)
//   5 restart       a new engine from the WAL it asked for (a crash)
// Heights are the engine's current height, the one before it (catch-up answers) or
// the next; rounds are small, or near 2^32. The fuzzer plays the other three
// validators (it holds their keys, so it can be every Byzantine peer at once) and
// the driver: block 3 of each height is one the driver finds invalid.
//
// Requirements: no crash, hang, sanitizer report or exception; every action is
// well-formed: known timers, payloads and WAL records that parse strictly with
// signatures that verify, Sends to validators other than self, RequestProposal and
// ValidateBlock for the current height only, CommitBlock exactly once per height in
// order for a block the driver validated (or built), with a certificate that
// verifies; evidence that checks and never names this node. This node never signs
// two different votes for one (height, round, type), also across restarts, and what
// it signs is in its WAL before it is sent. A restart from its own WAL never counts
// a bad WAL record.
// See tests/fuzz/README.md to build and run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "silk/consensus/engine.h"
#include "silk/core/block.h"
#include "silk/core/codec.h"
#include "silk/core/crypto.h"
#include "silk/core/vote.h"

namespace {

using silk::core::Bytes;
using silk::core::ByteSpan;
using silk::core::Hash;
using silk::core::PublicKey;
using silk::core::SignedVote;
using silk::core::VoteType;
namespace consensus = silk::consensus;
namespace core = silk::core;

constexpr const char* kChainId = "silk-fuzz-tbft";
constexpr size_t kValidators = 4;
constexpr size_t kQuorum = 3;
constexpr size_t kMaxOps = 64;
constexpr uint32_t kNoPol = 0xffffffff;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_tbft_message: %s\n", what);
  std::abort();
}

std::vector<core::SecretKey>& keys() {
  static std::vector<core::SecretKey> k;
  return k;
}
std::vector<PublicKey>& validators() {
  static std::vector<PublicKey> v;
  return v;
}

// The fuzz input, read front to back; past the end every byte reads as 0.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  bool empty() const { return n_ == 0; }
  uint8_t u8() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  Bytes take(size_t len) {
    len = len < n_ ? len : n_;
    Bytes out(p_, p_ + len);
    p_ += len;
    n_ -= len;
    return out;
  }

 private:
  const uint8_t* p_;
  size_t n_;
};

size_t proposer_of(uint64_t height, uint32_t round) {
  return static_cast<size_t>((height + round) % kValidators);
}

Hash proposal_digest(uint64_t height, uint32_t round, uint32_t pol_round, const Hash& hash) {
  Bytes m;
  core::Writer w(m);
  w.raw(core::as_span("silk/proposal/v1"));
  w.str(kChainId);
  w.u64(height);
  w.u32(round);
  w.u32(pol_round);
  w.hash(hash);
  return core::sha256(m);
}

// Block k (0..3) of a height, as another validator builds it; the driver finds block 3
// invalid. Block 100 + r is the one this node's driver builds in round r.
Bytes make_block(uint64_t height, uint64_t k, const PublicKey& proposer) {
  core::Block b;
  b.header.chain_id = kChainId;
  b.header.height = height;
  b.header.timestamp_ms = 1 + k;
  b.header.proposer = proposer;
  b.header.validator_set_hash = core::validator_set_hash(validators());
  return b.encode();
}

struct ParsedProposal {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash hash{};
};

// Strict parse of a proposal message (docs/consensus.md), with its signature checked.
std::optional<ParsedProposal> parse_proposal(ByteSpan in) {
  core::Reader r(in);
  uint8_t type = 0;
  uint32_t pol = 0;
  Bytes block;
  ParsedProposal p;
  if (!r.u8(type, "type") || type != 1 || !r.u64(p.height, "height") || !r.u32(p.round, "round") ||
      !r.u32(pol, "pol") ||
      !r.bytes(block, "block", static_cast<uint32_t>(core::Block::kMaxEncodedBytes)) ||
      r.remaining() != 64) {
    return std::nullopt;
  }
  if (pol != kNoPol && pol >= p.round) return std::nullopt;
  auto b = core::Block::decode(block);
  if (!b.is_ok() || b->header.height != p.height) return std::nullopt;
  p.hash = b->hash();
  core::Signature sig{};
  const ByteSpan s = in.subspan(r.position());
  std::copy(s.begin(), s.end(), sig.begin());
  const Hash digest = proposal_digest(p.height, p.round, pol, p.hash);
  if (!core::verify(validators()[proposer_of(p.height, p.round)],
                    ByteSpan(digest.data(), digest.size()), sig)) {
    return std::nullopt;
  }
  return p;
}

// The driver, the other validators and the checks, for one input.
class Harness {
 public:
  Harness() { start(); }

  void run(Input& in) {
    for (size_t ops = 0; ops < kMaxOps && !in.empty(); ++ops) {
      const uint8_t op = in.u8();
      switch (op % 6) {
        case 0: {
          const uint8_t who = in.u8();
          const size_t len = in.u16();
          deliver(sender(who), in.take(len));
          break;
        }
        case 1:
          vote(in);
          break;
        case 2:
          proposal(in);
          break;
        case 3: {
          const uint8_t pick = in.u8();
          if (timers_.empty() || pick == 0xff) {
            step(consensus::TimerFired{pick});  // stray
          } else {
            auto it = timers_.begin();
            std::advance(it, pick % timers_.size());
            const uint64_t id = *it;
            timers_.erase(it);
            step(consensus::TimerFired{id});
          }
          break;
        }
        case 4: {
          const uint8_t what = in.u8();
          if (what & 1) {
            step(consensus::TxsAvailable{});
          } else {
            answer(static_cast<size_t>(what >> 2) + 1, (what & 2) != 0);
          }
          break;
        }
        case 5:
          answer(64, false);  // what the driver finished before the crash
          start();
          break;
      }
    }
    answer(64, false);
  }

 private:
  PublicKey sender(uint8_t b) const {
    const size_t i = b % (kValidators + 1);
    return i < kValidators ? validators()[i] : keys()[kValidators].public_key();
  }
  uint64_t height(uint8_t b) const {
    const uint64_t current = engine_tip_ + 1;
    switch (b % 4) {
      case 0:
        return current - 1;
      case 3:
        return current + 1;
      default:
        return current;
    }
  }
  static uint32_t round(uint8_t b) {
    if ((b & 0xc0) == 0xc0) return 0xffffffffu - (b & 7);
    return b % 12;
  }
  Bytes block(uint64_t h, uint8_t b) const {
    const uint64_t k = b % 4;
    return make_block(h, k, validators()[1 + k % 3]);
  }

  void vote(Input& in) {
    const uint8_t who = in.u8();
    const size_t signer = 1 + in.u8() % (kValidators - 1);
    const VoteType type = (in.u8() & 1) ? VoteType::kPrecommit : VoteType::kPrevote;
    const uint64_t h = height(in.u8());
    const uint32_t r = round(in.u8());
    const uint8_t which = in.u8();
    const uint8_t flags = in.u8();
    Hash hash{};
    if (which % 8 < 4) {
      hash = core::Block::decode(block(h, which))->hash();
    } else if (which % 8 == 4) {
      auto it = own_.find(h);
      if (it != own_.end()) hash = it->second;
    } else if (which % 8 == 5) {
      hash.fill(which);
    }  // else nil
    SignedVote v = SignedVote::make(kChainId, type, h, r, hash, keys()[signer]);
    if (flags & 1) v.signature[0] ^= 1;
    Bytes m{2};
    const Bytes body = v.encode();
    m.insert(m.end(), body.begin(), body.end());
    deliver(sender(who), std::move(m));
  }

  void proposal(Input& in) {
    const uint8_t who = in.u8();
    const uint64_t h = height(in.u8());
    const uint32_t r = round(in.u8());
    const uint8_t pol_byte = in.u8();
    const uint32_t pol = (pol_byte & 0x80 || r == 0) ? kNoPol : pol_byte % r;
    const Bytes b = block(h, in.u8());
    const uint8_t flags = in.u8();
    size_t signer = proposer_of(h, r);
    // The fuzzer does not hold (forge) this node's key: its rounds get a wrong signer.
    if (signer == 0 || (flags & 1)) signer = 1 + (signer + flags / 2) % (kValidators - 1);
    if (signer == proposer_of(h, r) && (flags & 1)) signer = 1 + signer % (kValidators - 1);
    const Hash digest = proposal_digest(h, r, pol, core::Block::decode(b)->hash());
    const core::Signature sig = keys()[signer].sign(ByteSpan(digest.data(), digest.size()));
    Bytes m;
    core::Writer w(m);
    w.u8(1);
    w.u64(h);
    w.u32(r);
    w.u32(pol);
    w.bytes(b);
    w.raw(ByteSpan(sig.data(), sig.size()));
    deliver(sender(who), std::move(m));
  }

  void start() {
    engine_.reset();
    consensus::EngineConfig c;
    c.chain_id = kChainId;
    c.params.type = "tbft";
    c.validators = validators();
    c.self = validators()[0];
    c.signer = [](const Hash& m) { return keys()[0].sign(ByteSpan(m.data(), m.size())); };
    c.tbft_propose_ms = 1000;
    c.tbft_vote_ms = 500;
    c.tbft_delta_ms = 100;
    auto made = consensus::make_tbft_engine(std::move(c));
    if (!made.is_ok()) fail("make_tbft_engine failed");
    engine_ = std::move(made).value();
    timers_.clear();
    queue_.clear();
    asked_.clear();
    reported_.clear();
    engine_tip_ = tip_;
    next_commit_ = tip_ + 1;
    step(consensus::Started{tip_, tip_hash_, wal_, validators()});
    if (engine_->counters().bad_wal_records != 0) fail("its own WAL has a bad record");
  }

  void deliver(const PublicKey& from, Bytes payload) {
    step(consensus::MessageReceived{from, std::move(payload)});
  }

  // Carries out up to `n` queued driver answers (each may queue more).
  void answer(size_t n, bool empty_proposals) {
    for (size_t i = 0; i < n && !queue_.empty(); ++i) {
      consensus::Event e = std::move(queue_.front());
      queue_.pop_front();
      if (auto* ready = std::get_if<consensus::ProposalReady>(&e); ready && empty_proposals) {
        e = consensus::ProposalEmpty{ready->height};
      }
      if (auto* ready = std::get_if<consensus::ProposalReady>(&e)) {
        own_[ready->height] = ready->block_hash;
        valid_.insert({ready->height, ready->block_hash});
      }
      if (auto* v = std::get_if<consensus::BlockValidated>(&e); v && v->valid) {
        valid_.insert({v->height, v->block_hash});
      }
      if (auto* done = std::get_if<consensus::BlockCommitted>(&e)) engine_tip_ = done->height;
      step(e);
    }
  }

  void step(const consensus::Event& e) {
    const std::vector<consensus::Action> actions = engine_->step(e);
    for (const consensus::Action& a : actions) check(a);
  }

  void check(const consensus::Action& a) {
    if (const auto* t = std::get_if<consensus::SetTimer>(&a)) {
      if (t->timer_id < consensus::kTbftProposeTimer ||
          t->timer_id > consensus::kTbftPrecommitTimer) {
        fail("SetTimer with an unknown id");
      }
      if (t->delay_ms == 0) fail("SetTimer with no delay");
      timers_.insert(t->timer_id);
    } else if (const auto* r = std::get_if<consensus::RequestProposal>(&a)) {
      if (r->height != engine_tip_ + 1) fail("RequestProposal not for the current height");
      if (r->term != 0) fail("RequestProposal with a term");
      if (proposer_of(r->height, r->round) != 0)
        fail("RequestProposal in a round it does not lead");
      core::Block b;
      b.header.chain_id = kChainId;
      b.header.height = r->height;
      b.header.prev_hash = tip_hash_;
      b.header.timestamp_ms = 100 + r->round;
      b.header.proposer = validators()[0];
      b.header.validator_set_hash = core::validator_set_hash(validators());
      b.header.round = r->round;
      queue_.push_back(consensus::ProposalReady{r->height, b.hash(), 0, b.encode()});
    } else if (const auto* v = std::get_if<consensus::ValidateBlock>(&a)) {
      if (v->height != engine_tip_ + 1) fail("ValidateBlock not for the current height");
      auto b = core::Block::decode(v->block);
      if (!b.is_ok() || b->header.height != v->height || b->hash() != v->block_hash) {
        fail("ValidateBlock bytes do not match");
      }
      if (!asked_.insert(v->block_hash).second) fail("ValidateBlock twice for one hash");
      const bool valid = b->header.timestamp_ms != 4;  // block 3 does not execute
      queue_.push_back(consensus::BlockValidated{v->height, v->block_hash, valid,
                                                 valid ? "" : "fuzz: bad state root"});
    } else if (const auto* c = std::get_if<consensus::CommitBlock>(&a)) {
      check_commit(*c);
    } else if (const auto* s = std::get_if<consensus::Send>(&a)) {
      bool member = false;
      for (size_t i = 1; i < kValidators; ++i) member = member || s->to == validators()[i];
      if (!member) fail("Send to self or to a non-member");
      check_message(s->payload);
    } else if (const auto* b = std::get_if<consensus::Broadcast>(&a)) {
      check_message(b->payload);
    } else if (const auto* p = std::get_if<consensus::PersistWal>(&a)) {
      check_record(p->record);
      wal_.push_back(p->record);
      persisted_.insert(p->record);
    } else if (const auto* e = std::get_if<consensus::ReportEvidence>(&a)) {
      auto ev = core::DoubleSignEvidence::decode(e->evidence);
      if (!ev.is_ok() || !ev->check(kChainId).is_ok()) fail("evidence does not check");
      if (ev->a.signer == validators()[0]) fail("evidence names this node");
      const auto key =
          std::make_tuple(ev->a.signer, static_cast<int>(ev->a.type), ev->a.height, ev->a.round);
      if (!reported_.insert(key).second) fail("evidence reported twice");
    } else {
      fail("an unknown action");
    }
  }

  // A vote message or proposal: parses, verifies; this node's own are durable first and
  // never conflict.
  void check_message(const Bytes& payload) {
    if (payload.empty()) fail("an empty message");
    if (payload[0] == 1) {
      const auto p = parse_proposal(payload);
      if (!p) fail("an outgoing proposal does not parse or verify");
      if (proposer_of(p->height, p->round) == 0 && !persisted_.count(payload)) {
        fail("own proposal sent before it is durable");
      }
      return;
    }
    if (payload[0] != 2) fail("an outgoing message of an unknown type");
    auto v = SignedVote::decode(ByteSpan(payload).subspan(1));
    if (!v.is_ok() || !v->verify(kChainId)) fail("an outgoing vote does not parse or verify");
    bool member = false;
    for (const PublicKey& k : validators()) member = member || v->signer == k;
    if (!member) fail("an outgoing vote by a non-member");
    if (v->signer == validators()[0]) {
      if (!persisted_.count(payload)) fail("own vote sent before it is durable");
      own_vote(*v);
    }
  }

  void own_vote(const SignedVote& v) {
    const auto key = std::make_tuple(v.height, v.round, static_cast<int>(v.type));
    auto [it, fresh] = signed_.emplace(key, v.block_hash);
    if (!fresh && it->second != v.block_hash) fail("this node signed two conflicting votes");
  }

  void check_record(const Bytes& record) {
    if (record.empty()) fail("an empty WAL record");
    if (record[0] == 1) {
      const auto p = parse_proposal(record);
      if (!p || proposer_of(p->height, p->round) != 0) fail("a bad proposal record");
      return;
    }
    if (record[0] == 2) {
      auto v = SignedVote::decode(ByteSpan(record).subspan(1));
      if (!v.is_ok() || !v->verify(kChainId) || v->signer != validators()[0]) {
        fail("a bad vote record");
      }
      own_vote(*v);
      return;
    }
    if (record[0] != 3) fail("a WAL record of an unknown type");
    core::Reader r(record);
    uint8_t type = 0;
    uint64_t h = 0;
    uint32_t round = 0, n = 0;
    Hash hash{};
    Bytes block;
    if (!r.u8(type, "type") || !r.u64(h, "height") || !r.u32(round, "round") ||
        !r.hash(hash, "hash") || !r.bytes(block, "block") || !r.u32(n, "n") ||
        r.remaining() != static_cast<size_t>(n) * SignedVote::kEncodedBytes) {
      fail("a lock record does not parse");
    }
    auto b = core::Block::decode(block);
    if (!b.is_ok() || b->hash() != hash || b->header.height != h) fail("a lock's block");
    if (n < kQuorum || n > kValidators) fail("a lock without a polka");
    std::set<PublicKey> signers;
    for (uint32_t k = 0; k < n; ++k) {
      auto v = SignedVote::decode(ByteSpan(record).subspan(
          r.position() + k * SignedVote::kEncodedBytes, SignedVote::kEncodedBytes));
      if (!v.is_ok() || !v->verify(kChainId) || v->type != VoteType::kPrevote || v->height != h ||
          v->round != round || v->block_hash != hash) {
        fail("a lock's polka holds a bad vote");
      }
      signers.insert(v->signer);
    }
    if (signers.size() != n) fail("a lock's polka repeats a signer");
  }

  void check_commit(const consensus::CommitBlock& c) {
    if (c.height != next_commit_) fail("CommitBlock out of order or twice");
    ++next_commit_;
    if (c.cert.kind != core::CommitCert::Kind::kTbft) fail("CommitBlock cert is not tbft");
    auto block = core::Block::decode(c.block);
    if (!block.is_ok()) fail("CommitBlock bytes do not decode");
    if (block->header.height != c.height || block->hash() != c.block_hash) {
      fail("CommitBlock bytes name another height or hash");
    }
    if (!core::verify_commit_cert(block->header, c.cert, validators()).is_ok()) {
      fail("CommitBlock cert does not verify");
    }
    if (!valid_.count({c.height, c.block_hash})) fail("CommitBlock of a block not validated");
    queue_.push_back(consensus::BlockCommitted{c.height, c.block_hash, {}});
    tip_ = c.height;
    tip_hash_ = c.block_hash;
  }

  std::unique_ptr<consensus::Engine> engine_;
  std::set<uint64_t> timers_;
  std::deque<consensus::Event> queue_;
  std::set<Hash> asked_;                       // ValidateBlock hashes of this run
  std::map<uint64_t, Hash> own_;               // ProposalReady: height -> hash
  std::set<std::pair<uint64_t, Hash>> valid_;  // built or validated: (height, hash)
  std::vector<Bytes> wal_;
  std::set<Bytes> persisted_;
  std::map<std::tuple<uint64_t, uint32_t, int>, Hash> signed_;  // own votes
  std::set<std::tuple<PublicKey, int, uint64_t, uint32_t>> reported_;
  uint64_t tip_ = 0;  // the driver's store
  Hash tip_hash_{};
  uint64_t engine_tip_ = 0;  // the last BlockCommitted the engine heard
  uint64_t next_commit_ = 1;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!core::crypto_init().is_ok()) fail("crypto_init failed");
  for (size_t i = 0; i <= kValidators; ++i) {
    auto key = core::SecretKey::from_seed(Bytes(32, static_cast<uint8_t>(80 + i)));
    if (!key.is_ok()) fail("from_seed failed");
    keys().push_back(std::move(key).value());
    if (i < kValidators) validators().push_back(keys().back().public_key());
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  Harness h;
  h.run(in);
  return 0;
}
