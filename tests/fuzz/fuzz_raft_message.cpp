// libFuzzer target: the raft engine's message decoder and handlers, through
// Engine::step(MessageReceived) (consensus/include/silk/consensus/engine.h, the
// message and WAL formats above make_raft_engine).
//
// One engine per input: validator 0 of four deterministic keys (a fifth key is a
// non-member). The input is a script of operations, each an op byte and its
// arguments (a missing byte reads as 0):
//   0 raw message        sender (% 5, 4 = non-member), u16 length, payload bytes
//   1 RequestVote        sender, term, last_index, last_term    (built, well-formed)
//   2 Vote               sender, term, granted
//   3 AppendEntries      sender, term, prev_index, prev_term, commit, n (% 4), then per
//                        entry: term, proposer, timestamp, flags (bit 0: wrong height,
//                        bit 1: bad signature, bit 2: hash of another block)
//   4 AppendResponse     sender, term, success, index
//   5 TimerFired         a timer the engine set (byte picks one), or a stray id
//   6 driver             TxsAvailable, or answer the queued requests (ProposalReady /
//                        ProposalEmpty, BlockCommitted)
//   7 restart            a new engine from the WAL it asked for (a crash)
// Terms and heights are small numbers or near what the engine last said, so that the
// built messages reach the interesting branches. The fuzzer plays every other
// validator (it holds their keys) and the driver, which answers RequestProposal and
// CommitBlock as node/src/chain_driver.cpp does.
//
// Requirements: no crash, hang, sanitizer report or exception; every action is
// well-formed: timers known and sane, payloads and WAL records that parse strictly,
// Sends to validators other than self, RequestProposal for the next height only,
// CommitBlock exactly once per height in order with a certificate that verifies and
// block bytes that match; a granted vote is durable (PersistWal) before it is sent,
// and the engine never grants two candidates in one term (also across restarts).
// A restart from the engine's own WAL never counts a bad WAL record.
// See tests/fuzz/README.md to build and run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "silk/consensus/engine.h"
#include "silk/core/block.h"
#include "silk/core/codec.h"
#include "silk/core/crypto.h"

namespace {

using silk::core::Bytes;
using silk::core::ByteSpan;
using silk::core::Hash;
using silk::core::PublicKey;
namespace consensus = silk::consensus;
namespace core = silk::core;

constexpr const char* kChainId = "silk-fuzz-raft";
constexpr size_t kValidators = 4;
constexpr size_t kMaxOps = 64;
constexpr uint64_t kHeartbeatMs = 100;
constexpr uint64_t kElectionMs = 1000;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_raft_message: %s\n", what);
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

Bytes header_bytes_of(ByteSpan block) {
  core::Reader r(block);
  Bytes header;
  if (!r.bytes(header, "header", 4096)) return {};
  return header;
}

// Strict parse of an entry body (engine.h); false on anything malformed.
bool parse_entry_body(core::Reader& r) {
  uint64_t term = 0;
  Hash hash{};
  Bytes block;
  Bytes cert;
  if (!r.u64(term, "term") || !r.hash(hash, "hash") ||
      !r.bytes(block, "block", static_cast<uint32_t>(core::Block::kMaxEncodedBytes)) ||
      !r.bytes(cert, "cert", 1u << 20)) {
    return false;
  }
  auto header = core::BlockHeader::decode(header_bytes_of(block));
  return term != 0 && header.is_ok() && header->hash() == hash &&
         core::CommitCert::decode(cert).is_ok();
}

struct Parsed {
  uint8_t type = 0;
  uint64_t term = 0;
  uint8_t flag = 0;
};

// Strict parse of an outgoing message (engine.h message format).
std::optional<Parsed> parse_message(ByteSpan payload) {
  core::Reader r(payload);
  Parsed m;
  uint64_t a = 0, b = 0, c = 0;
  if (!r.u8(m.type, "type") || !r.u64(m.term, "term")) return std::nullopt;
  switch (m.type) {
    case 1:
      if (!r.u64(a, "a") || !r.u64(b, "b")) return std::nullopt;
      break;
    case 2:
      if (!r.u8(m.flag, "granted") || m.flag > 1) return std::nullopt;
      break;
    case 3: {
      uint32_t n = 0;
      if (!r.u64(a, "a") || !r.u64(b, "b") || !r.u64(c, "c") || !r.u32(n, "n")) {
        return std::nullopt;
      }
      if (n > consensus::kRaftMaxEntriesPerMessage) return std::nullopt;
      for (uint32_t k = 0; k < n; ++k) {
        if (!parse_entry_body(r)) return std::nullopt;
      }
      break;
    }
    case 4:
      if (!r.u8(m.flag, "success") || m.flag > 1 || !r.u64(a, "index")) return std::nullopt;
      break;
    default:
      return std::nullopt;
  }
  if (!r.at_end()) return std::nullopt;
  return m;
}

Bytes make_block(uint64_t height, uint64_t term, size_t proposer, uint64_t timestamp,
                 const Hash& prev) {
  core::Block b;
  b.header.chain_id = kChainId;
  b.header.height = height;
  b.header.prev_hash = prev;
  b.header.timestamp_ms = timestamp;
  b.header.proposer = validators()[proposer];
  b.header.validator_set_hash = core::validator_set_hash(validators());
  b.header.term = term;
  return b.encode();
}

// The driver, the other validators and the checks, for one input.
class Harness {
 public:
  Harness() { start(); }

  void run(Input& in) {
    for (size_t ops = 0; ops < kMaxOps && !in.empty(); ++ops) {
      const uint8_t op = in.u8();
      switch (op % 8) {
        case 0: {
          const uint8_t who = in.u8();
          const size_t len = in.u16();
          deliver(sender(who), in.take(len));
          break;
        }
        case 1: {
          const uint8_t who = in.u8();
          Bytes m;
          core::Writer w(m);
          w.u8(1);
          w.u64(term(in.u8()));
          w.u64(height(in.u8()));
          w.u64(term(in.u8()));
          deliver(sender(who), m);
          break;
        }
        case 2: {
          const uint8_t who = in.u8();
          Bytes m;
          core::Writer w(m);
          w.u8(2);
          w.u64(term(in.u8()));
          w.u8(in.u8() & 1);
          deliver(sender(who), m);
          break;
        }
        case 3:
          append_entries(in);
          break;
        case 4: {
          const uint8_t who = in.u8();
          Bytes m;
          core::Writer w(m);
          w.u8(4);
          w.u64(term(in.u8()));
          w.u8(in.u8() & 1);
          w.u64(height(in.u8()));
          deliver(sender(who), m);
          break;
        }
        case 5: {
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
        case 6: {
          const uint8_t what = in.u8();
          if (what & 1) {
            step(consensus::TxsAvailable{});
          } else {
            answer(static_cast<size_t>(what >> 1) + 1, (what & 2) != 0);
          }
          break;
        }
        case 7:
          answer(64, false);  // what the driver finished before the crash
          restart();
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
  // Small absolute terms, or near the highest term the engine has used.
  uint64_t term(uint8_t b) const { return (b & 0x80) ? max_term_ + (b & 7) : (b & 0x3f); }
  uint64_t height(uint8_t b) const {
    if (b & 0x80) return b & 0x3f;
    const int64_t h = static_cast<int64_t>(engine_tip_) + (b & 7) - 2;
    return h < 0 ? 0 : static_cast<uint64_t>(h);
  }

  void append_entries(Input& in) {
    const uint8_t who = in.u8();
    const uint64_t t = term(in.u8());
    const uint64_t prev = height(in.u8());
    const uint64_t prev_term = term(in.u8());
    const uint64_t commit = height(in.u8());
    const size_t n = in.u8() % 4;
    Bytes m;
    core::Writer w(m);
    w.u8(3);
    w.u64(t);
    w.u64(prev);
    w.u64(prev_term);
    w.u64(commit);
    w.u32(static_cast<uint32_t>(n));
    for (size_t k = 0; k < n; ++k) {
      const uint64_t et = term(in.u8());
      // Proposers 1..3 only: the fuzzer does not hold (forge) this node's own key.
      const size_t proposer = 1 + in.u8() % (kValidators - 1);
      const uint64_t ts = in.u8();
      const uint8_t flags = in.u8();
      const uint64_t h = prev + 1 + k + ((flags & 1) ? 1 : 0);
      const Bytes block = make_block(h, et, proposer, ts, Hash{});
      Hash hash = core::BlockHeader::decode(header_bytes_of(block))->hash();
      core::CommitCert cert;
      cert.kind = core::CommitCert::Kind::kRaft;
      cert.round = static_cast<uint32_t>(et);
      const Hash msg = core::commit_message(kChainId, h, cert.round, hash);
      core::CommitVote vote;
      vote.signer = validators()[proposer];
      vote.signature = keys()[proposer].sign(ByteSpan(msg.data(), msg.size()));
      if (flags & 2) vote.signature[0] ^= 1;
      cert.votes.push_back(vote);
      if (flags & 4) hash[0] ^= 1;
      w.u64(et);
      w.hash(hash);
      w.bytes(block);
      w.bytes(cert.encode());
    }
    deliver(sender(who), m);
  }

  void start() {
    engine_.reset();
    consensus::EngineConfig c;
    c.chain_id = kChainId;
    c.params.type = "raft";
    c.validators = validators();
    c.self = validators()[0];
    c.signer = [](const Hash& m) { return keys()[0].sign(ByteSpan(m.data(), m.size())); };
    c.seed = 7 + restarts_;
    c.raft_heartbeat_ms = kHeartbeatMs;
    c.raft_election_timeout_ms = kElectionMs;
    auto made = consensus::make_raft_engine(std::move(c));
    if (!made.is_ok()) fail("make_raft_engine failed");
    engine_ = std::move(made).value();
    timers_.clear();
    queue_.clear();
    own_.clear();
    engine_tip_ = tip_;
    next_commit_ = tip_ + 1;
    step(consensus::Started{tip_, tip_hash_, wal_, validators()});
    if (engine_->counters().bad_wal_records != 0) fail("its own WAL has a bad record");
  }

  void restart() {
    ++restarts_;
    start();
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
      }
      if (auto* done = std::get_if<consensus::BlockCommitted>(&e)) {
        engine_tip_ = done->height;
      }
      step(e);
    }
  }

  void step(const consensus::Event& e) {
    const std::vector<consensus::Action> actions = engine_->step(e);
    for (const consensus::Action& a : actions) check(a);
  }

  void check(const consensus::Action& a) {
    if (const auto* t = std::get_if<consensus::SetTimer>(&a)) {
      if (t->timer_id == consensus::kRaftElectionTimer) {
        if (t->delay_ms < kElectionMs || t->delay_ms >= 2 * kElectionMs) fail("election timeout");
      } else if (t->timer_id == consensus::kRaftHeartbeatTimer) {
        if (t->delay_ms == 0 || t->delay_ms > kElectionMs) fail("heartbeat delay");
      } else {
        fail("SetTimer with an unknown id");
      }
      timers_.insert(t->timer_id);
    } else if (const auto* r = std::get_if<consensus::RequestProposal>(&a)) {
      if (r->height != engine_tip_ + 1) fail("RequestProposal not for the next height");
      if (r->term == 0 || r->term > max_term_) fail("RequestProposal with a term never used");
      const Bytes block = make_block(r->height, r->term, 0, r->height, tip_hash_);
      core::Block b = *core::Block::decode(block);
      b.header.round = r->round;
      queue_.push_back(consensus::ProposalReady{r->height, b.hash(), 0, b.encode()});
    } else if (const auto* c = std::get_if<consensus::CommitBlock>(&a)) {
      check_commit(*c);
    } else if (const auto* s = std::get_if<consensus::Send>(&a)) {
      bool member = false;
      for (size_t i = 1; i < kValidators; ++i) member = member || s->to == validators()[i];
      if (!member) fail("Send to self or to a non-member");
      check_payload(s->to, s->payload);
    } else if (const auto* b = std::get_if<consensus::Broadcast>(&a)) {
      check_payload(PublicKey{}, b->payload);
    } else if (const auto* p = std::get_if<consensus::PersistWal>(&a)) {
      check_record(p->record);
      wal_.push_back(p->record);
    } else {
      fail("raft emitted ValidateBlock or ReportEvidence");
    }
  }

  void check_payload(const PublicKey& to, const Bytes& payload) {
    const std::optional<Parsed> m = parse_message(payload);
    if (!m) fail("an outgoing message does not parse");
    if (m->term > max_term_) max_term_ = m->term;
    if (m->type == 2 && m->flag == 1) {
      auto [it, fresh] = granted_.emplace(m->term, to);
      if (!fresh && it->second != to) fail("granted two candidates in one term");
      if (!durable_vote_ || durable_vote_->first != m->term || durable_vote_->second != to) {
        fail("granted a vote before it was durable");
      }
    }
  }

  void check_record(const Bytes& record) {
    core::Reader r(record);
    uint8_t type = 0;
    if (!r.u8(type, "type")) fail("empty WAL record");
    if (type == 1) {
      uint64_t t = 0;
      uint8_t has_vote = 0;
      Hash voted{};
      if (!r.u64(t, "term") || !r.u8(has_vote, "has_vote") || has_vote > 1 ||
          !r.hash(voted, "voted_for") || !r.at_end()) {
        fail("bad hard_state record");
      }
      if (t > max_term_) max_term_ = t;
      if (has_vote) {
        PublicKey k{};
        std::copy(voted.begin(), voted.end(), k.begin());
        durable_vote_ = std::make_pair(t, k);
      } else {
        if (voted != Hash{}) fail("hard_state without a vote names a key");
        durable_vote_.reset();
      }
    } else if (type == 2) {
      uint64_t h = 0;
      if (!r.u64(h, "height") || !parse_entry_body(r) || !r.at_end()) fail("bad entry record");
      if (h == 0) fail("entry record at height 0");
    } else {
      fail("WAL record of an unknown type");
    }
  }

  void check_commit(const consensus::CommitBlock& c) {
    if (c.height != next_commit_) fail("CommitBlock out of order or twice");
    ++next_commit_;
    if (c.cert.kind != core::CommitCert::Kind::kRaft) fail("CommitBlock cert is not raft");
    Bytes header_bytes;
    if (c.block.empty()) {
      auto it = own_.find(c.height);
      if (it == own_.end() || it->second != c.block_hash) {
        fail("CommitBlock without bytes for a block the driver does not hold");
      }
    } else {
      auto block = core::Block::decode(c.block);
      if (!block.is_ok()) fail("CommitBlock bytes do not decode");
      if (block->header.height != c.height || block->hash() != c.block_hash) {
        fail("CommitBlock bytes name another height or hash");
      }
      if (!core::verify_commit_cert(block->header, c.cert, validators()).is_ok()) {
        fail("CommitBlock cert does not verify");
      }
    }
    queue_.push_back(consensus::BlockCommitted{c.height, c.block_hash, {}});
    tip_ = c.height;
    tip_hash_ = c.block_hash;
  }

  std::unique_ptr<consensus::Engine> engine_;
  std::set<uint64_t> timers_;
  std::deque<consensus::Event> queue_;
  std::map<uint64_t, Hash> own_;  // ProposalReady of this run: height -> hash
  std::vector<Bytes> wal_;
  std::map<uint64_t, PublicKey> granted_;  // term -> candidate granted
  std::optional<std::pair<uint64_t, PublicKey>> durable_vote_;
  uint64_t max_term_ = 0;
  uint64_t tip_ = 0;  // the driver's store
  Hash tip_hash_{};
  uint64_t engine_tip_ = 0;  // the last BlockCommitted the engine heard
  uint64_t next_commit_ = 1;
  uint64_t restarts_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!core::crypto_init().is_ok()) fail("crypto_init failed");
  for (size_t i = 0; i <= kValidators; ++i) {
    auto key = core::SecretKey::from_seed(Bytes(32, static_cast<uint8_t>(60 + i)));
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
