// Deterministic simulation of the tbft engine (engine.h, docs/consensus.md).
//
// N = 3f+1 engines (4, sometimes 7) over a simulated network and clock, all randomness from one
// seeded PRNG: message loss, delay (so reordering), duplication, malformed frames, partitions
// and heals, crashes (also between a PersistWal and the sends after it) and restarts from the
// persisted WAL records, and in most runs one Byzantine validator. The Byzantine node runs a
// real engine, but the simulator rewrites what it sends: conflicting votes to different peers
// (and sometimes both to one peer), a different block or an invalid block in its proposals.
//
// The simulator plays the node's driver: a per-node "disk" (WAL records and committed blocks)
// that survives crashes, real core::Block bytes built from fake txs for RequestProposal,
// ValidateBlock answered by checking that the block extends the node's tip with the expected
// roots, BlockCommitted for each CommitBlock, and a simple block sync: a node whose tip lags a
// connected correct peer's by two heights, or by one for a whole sync period, copies the
// peer's committed blocks after verifying their certificates, then tells its engine.
//
// Checked on every action:
//   - no two nodes commit different blocks at one height; each node commits on top of its tip;
//   - every committed block carries a kTbft certificate that core::verify_commit_cert accepts;
//   - every ReportEvidence decodes, checks, and names the Byzantine node (never a correct one);
//   - no correct node ever sends two different votes for one (height, round, type);
// and at the end of a run:
//   - after the last heal (every node up and connected, no loss), every correct node commits
//     a block above the height reached at the heal within kLivenessBoundMs of simulated time;
//   - when the Byzantine node sent both halves of a double sign to one correct peer at least
//     kEvidenceSends times after the heal, some correct node reported evidence.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "silk/consensus/engine.h"
#include "silk/core/block.h"
#include "silk/core/codec.h"
#include "silk/core/crypto.h"
#include "silk/core/vote.h"
#include "sim.h"

namespace silk::sim {
namespace {

namespace cs = silk::consensus;
using core::Bytes;
using core::Hash;
using core::PublicKey;

constexpr const char* kChainId = "silk-tbft-sim";
constexpr uint64_t kChaosMs = 8'000;
constexpr uint64_t kLivenessBoundMs = 20'000;
constexpr uint64_t kSyncPeriodMs = 1'000;
constexpr uint64_t kBlocksAfterHeal = 2;  // the run ends once every correct node has these
constexpr uint32_t kMaxBlockTxs = 8;
constexpr uint64_t kEvidenceSends = 3;

class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  uint64_t state_;
};

// The wire format of docs/consensus.md, written here by hand for the Byzantine node.
Hash proposal_message(uint64_t height, uint32_t round, uint32_t pol_round, const Hash& hash) {
  Bytes buf;
  core::Writer w(buf);
  w.raw(core::as_span("silk/proposal/v1"));
  w.str(kChainId);
  w.u64(height);
  w.u32(round);
  w.u32(pol_round);
  w.hash(hash);
  return core::sha256(buf);
}

struct WireProposal {
  uint64_t height = 0;
  uint32_t round = 0;
  uint32_t pol_round = 0;
  Bytes block;
};

std::optional<WireProposal> decode_proposal(const Bytes& payload) {
  WireProposal p;
  core::Reader r(payload);
  uint8_t type = 0;
  if (!r.u8(type, "type") || type != 1 || !r.u64(p.height, "height") || !r.u32(p.round, "round") ||
      !r.u32(p.pol_round, "pol_round") || !r.bytes(p.block, "block") || r.remaining() != 64) {
    return std::nullopt;
  }
  return p;
}

Bytes encode_proposal(const WireProposal& p, const core::SecretKey& key) {
  auto header = core::Block::decode(p.block);
  const Hash hash = header.is_ok() ? header->hash() : Hash{};
  const Hash m = proposal_message(p.height, p.round, p.pol_round, hash);
  const core::Signature sig = key.sign(core::ByteSpan(m.data(), m.size()));
  Bytes out;
  core::Writer w(out);
  w.u8(1);
  w.u64(p.height);
  w.u32(p.round);
  w.u32(p.pol_round);
  w.bytes(p.block);
  w.raw(core::ByteSpan(sig.data(), sig.size()));
  return out;
}

Bytes encode_vote(const core::SignedVote& v) {
  Bytes out{2};
  const Bytes body = v.encode();
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

struct Result {
  bool ok = true;
  std::string failure;
  uint64_t blocks = 0;
  uint64_t rounds = 0;
  uint64_t crashes = 0;
  uint64_t evidence = 0;
  uint64_t synced = 0;
  uint64_t dropped = 0;
};

class Sim {
 public:
  Sim(uint64_t seed, const std::vector<std::shared_ptr<core::SecretKey>>& keys, bool verbose)
      : rng_(seed * 0x2545f4914f6cdd1dULL + 7), verbose_(verbose) {
    const size_t n = rng_.chance(0.25) ? 7 : 4;
    for (size_t i = 0; i < n; ++i) {
      Node node;
      node.key = keys[i];
      node.pk = keys[i]->public_key();
      validators_.push_back(node.pk);
      nodes_.push_back(std::move(node));
    }
    vset_hash_ = core::validator_set_hash(validators_);
    const double losses[] = {0.0, 0.02, 0.1, 0.25};
    const double dups[] = {0.0, 0.05, 0.2};
    loss_ = losses[rng_.below(4)];
    dup_ = dups[rng_.below(3)];
    delay_min_ = rng_.between(1, 10);
    delay_jitter_ = rng_.between(0, 1) ? rng_.between(1, 150) : 5;
    crash_rate_ = rng_.chance(0.7) ? 0.3 : 0.0;                  // per chaos tick
    partition_rate_ = rng_.chance(0.7) ? 0.3 : 0.0;              // per chaos tick
    wal_crash_ = rng_.chance(0.5) ? 0.02 : 0.0;                  // per WAL record persisted
    byzantine_ = rng_.chance(0.75) ? n - 1 - rng_.below(n) : n;  // n: none
    equivocate_ = byzantine_ < n ? (rng_.chance(0.5) ? 0.3 : 0.8) : 0.0;
    bad_proposal_ = byzantine_ < n ? 0.5 : 0.0;
    group_.assign(n, 0);
    description_ = make_description();
  }

  Result run() {
    for (size_t i = 0; i < nodes_.size(); ++i) start(i);
    for (uint64_t t = rng_.between(200, 1500); t < kChaosMs; t += rng_.between(200, 1500)) {
      push(Ev{t, 0, Ev::kChaos});
    }
    for (uint64_t t = rng_.between(10, 300); t < kChaosMs + kLivenessBoundMs;
         t += rng_.between(50, 600)) {
      push(Ev{t, 0, Ev::kTxs});
    }
    for (uint64_t t = kSyncPeriodMs; t < kChaosMs + kLivenessBoundMs; t += kSyncPeriodMs) {
      push(Ev{t, 0, Ev::kSync});
    }
    push(Ev{kChaosMs, 0, Ev::kHeal});
    while (!queue_.empty() && result_.ok) {
      Ev ev = queue_.top();
      queue_.pop();
      if (ev.time > kChaosMs + kLivenessBoundMs) break;
      now_ = ev.time;
      dispatch(ev);
      if (healed_ && live()) break;
    }
    if (result_.ok && !live()) {
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (i != byzantine_ && nodes_[i].tip_height <= heal_height_) {
          fail("liveness: node " + std::to_string(i) + " is at height " +
               std::to_string(nodes_[i].tip_height) + ", no block after the heal at height " +
               std::to_string(heal_height_) + " within " + std::to_string(kLivenessBoundMs) +
               " ms");
          break;
        }
      }
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const Node& node = nodes_[i];
      result_.blocks = std::max<uint64_t>(result_.blocks, node.tip_height);
      if (node.engine) add_counters(node);
      result_.rounds += node.rounds_before;
      result_.dropped += node.dropped_before;
    }
    if (result_.ok && both_sent_after_heal_ >= kEvidenceSends && result_.evidence == 0) {
      fail("the Byzantine node sent " + std::to_string(both_sent_after_heal_) +
           " double signs to single correct peers after the heal; no evidence was reported");
    }
    return result_;
  }

  const std::string& describe() const { return description_; }

 private:
  std::string make_description() const {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "nodes=%zu byzantine=%s loss=%.2f dup=%.2f delay=%llu+%llu crash=%.1f "
                  "partition=%.1f wal_crash=%.2f equivocate=%.1f",
                  nodes_.size(),
                  byzantine_ < nodes_.size() ? std::to_string(byzantine_).c_str() : "none", loss_,
                  dup_, static_cast<unsigned long long>(delay_min_),
                  static_cast<unsigned long long>(delay_jitter_), crash_rate_, partition_rate_,
                  wal_crash_, equivocate_);
    return buf;
  }

  struct Node {
    std::shared_ptr<core::SecretKey> key;
    PublicKey pk{};
    // "Disk": survives crashes.
    std::vector<Bytes> wal;
    std::map<uint64_t, core::Block> blocks;
    uint64_t tip_height = 0;
    Hash tip_hash{};
    uint64_t committed_txs = 0;
    // Volatile.
    bool up = false;
    uint64_t incarnation = 0;
    std::unique_ptr<cs::Engine> engine;
    std::map<uint64_t, uint64_t> timer_gen;
    uint64_t synced_tip = 0;  // tip at the previous sync tick
    uint64_t rounds_before = 0;
    uint64_t dropped_before = 0;
  };

  struct Ev {
    enum Kind { kMessage, kTimer, kRestart, kChaos, kTxs, kHeal, kSync };
    uint64_t time = 0;
    uint64_t seq = 0;
    Kind kind = kChaos;
    size_t node = 0;
    size_t from = 0;
    Bytes payload{};
    uint64_t timer_id = 0;
    uint64_t gen = 0;
    uint64_t incarnation = 0;
  };
  struct Later {
    bool operator()(const Ev& a, const Ev& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };

  static uint64_t dropped(const Node& n) {
    const cs::EngineCounters c = n.engine->counters();
    return c.malformed_messages + c.unknown_senders;
  }

  void add_counters(const Node& n) {
    const cs::EngineCounters c = n.engine->counters();
    result_.rounds += c.rounds_started;
    result_.dropped += c.malformed_messages + c.unknown_senders;
  }

  bool live() const {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (i != byzantine_ && nodes_[i].tip_height < heal_height_ + kBlocksAfterHeal) return false;
    }
    return true;
  }

  void push(Ev ev) {
    ev.seq = seq_++;
    queue_.push(std::move(ev));
  }

  void fail(const std::string& why) {
    if (!result_.ok) return;
    result_.ok = false;
    result_.failure = "t=" + std::to_string(now_) + "ms: " + why;
  }

  void log(const std::string& line) {
    if (verbose_) std::printf("[%llu] %s\n", static_cast<unsigned long long>(now_), line.c_str());
  }

  // ---- node lifecycle ----
  void start(size_t i) {
    Node& node = nodes_[i];
    node.up = true;
    ++node.incarnation;
    node.timer_gen.clear();
    cs::EngineConfig c;
    c.chain_id = kChainId;
    c.params.type = "tbft";
    c.validators = validators_;
    c.self = node.pk;
    auto key = node.key;
    c.signer = [key](const Hash& m) { return key->sign(core::ByteSpan(m.data(), m.size())); };
    c.tbft_propose_ms = 300;
    c.tbft_vote_ms = 200;
    c.tbft_delta_ms = 100;
    auto engine = cs::make_engine(std::move(c));
    if (!engine.is_ok()) {
      fail("make_engine: " + engine.status().to_string());
      return;
    }
    node.engine = std::move(engine).value();
    log("start node " + std::to_string(i) + " tip=" + std::to_string(node.tip_height) +
        " wal=" + std::to_string(node.wal.size()));
    run(i, cs::Started{node.tip_height, node.tip_hash, node.wal, {}});
    if (node.up && pool(i) > 0) run(i, cs::TxsAvailable{});
  }

  void crash(size_t i) {
    Node& node = nodes_[i];
    if (!node.up) return;
    log("crash node " + std::to_string(i));
    const cs::EngineCounters c = node.engine->counters();
    node.rounds_before += c.rounds_started;
    node.dropped_before += c.malformed_messages + c.unknown_senders;
    node.up = false;
    node.engine.reset();
    ++result_.crashes;
  }

  uint64_t pool(size_t i) const { return submitted_ - nodes_[i].committed_txs; }

  // ---- the driver ----
  void run(size_t i, cs::Event first) {
    std::vector<cs::Event> events{std::move(first)};
    for (size_t next = 0; next < events.size() && nodes_[i].up && result_.ok; ++next) {
      const cs::Event event = events[next];
      const uint64_t incarnation = nodes_[i].incarnation;
      crash_in_ = -1;
      for (const cs::Action& action : nodes_[i].engine->step(event)) {
        if (!nodes_[i].up || nodes_[i].incarnation != incarnation || !result_.ok) return;
        carry_out(i, action, events);
        if (crash_in_ >= 0 && crash_in_-- == 0) {
          // A record was just persisted: down now (before or after some of its sends), back
          // up soon, while its round may still be running.
          crash(i);
          push(Ev{now_ + rng_.between(1, 500), 0, Ev::kRestart, i});
          return;
        }
      }
    }
  }

  void carry_out(size_t i, const cs::Action& action, std::vector<cs::Event>& events) {
    Node& node = nodes_[i];
    if (const auto* a = std::get_if<cs::SetTimer>(&action)) {
      const uint64_t gen = ++node.timer_gen[a->timer_id];
      Ev ev{now_ + a->delay_ms, 0, Ev::kTimer, i};
      ev.timer_id = a->timer_id;
      ev.gen = gen;
      ev.incarnation = node.incarnation;
      push(std::move(ev));
    } else if (const auto* a = std::get_if<cs::PersistWal>(&action)) {
      node.wal.push_back(a->record);
      // Any record (proposal, vote, lock): sometimes crash right after it, before or after
      // the send that follows.
      if (!healed_ && i != byzantine_ && wal_crash_ > 0 && rng_.chance(wal_crash_)) {
        crash_in_ = static_cast<int>(rng_.below(2));
      }
    } else if (const auto* a = std::get_if<cs::Send>(&action)) {
      const size_t to = index_of(a->to);
      if (to == nodes_.size() || to == i) {
        fail("node " + std::to_string(i) + " sent to itself or a non-validator");
        return;
      }
      send(i, to, a->payload);
    } else if (const auto* a = std::get_if<cs::Broadcast>(&action)) {
      if (i == byzantine_) {
        byzantine_broadcast(i, a->payload);
      } else {
        for (size_t to = 0; to < nodes_.size(); ++to) {
          if (to != i) send(i, to, a->payload);
        }
      }
    } else if (const auto* a = std::get_if<cs::RequestProposal>(&action)) {
      propose(i, *a, events);
    } else if (const auto* a = std::get_if<cs::ValidateBlock>(&action)) {
      validate(i, *a, events);
    } else if (const auto* a = std::get_if<cs::CommitBlock>(&action)) {
      commit(i, *a, events);
    } else if (const auto* a = std::get_if<cs::ReportEvidence>(&action)) {
      evidence(i, *a);
    }
  }

  size_t index_of(const PublicKey& pk) const {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].pk == pk) return i;
    }
    return nodes_.size();
  }

  core::Block build(size_t i, uint64_t height, uint32_t round, uint64_t txs) const {
    const Node& node = nodes_[i];
    core::Block block;
    for (uint64_t k = 0; k < txs; ++k) {
      core::Tx tx;
      tx.chain_id = kChainId;
      tx.nonce = node.committed_txs + k;
      tx.timestamp_ms = now_;
      tx.contract = "sim";
      tx.method = "tx";
      tx.args = "{}";
      block.txs.push_back(std::move(tx));
    }
    core::BlockHeader& h = block.header;
    h.chain_id = kChainId;
    h.height = height;
    h.prev_hash = node.tip_hash;
    h.timestamp_ms = now_;
    h.proposer = node.pk;
    h.tx_count = static_cast<uint32_t>(txs);
    h.tx_root = core::Block::compute_tx_root(block.txs);
    h.state_root = expected_state_root(node.tip_hash);
    h.validator_set_hash = vset_hash_;
    h.term = 0;
    h.round = round;
    return block;
  }

  static Hash expected_state_root(const Hash& tip) {
    return core::sha256(core::ByteSpan(tip.data(), tip.size()));
  }

  void propose(size_t i, const cs::RequestProposal& r, std::vector<cs::Event>& events) {
    Node& node = nodes_[i];
    const uint64_t n = std::min<uint64_t>(pool(i), kMaxBlockTxs);
    if (r.height != node.tip_height + 1 || (n == 0 && !r.allow_empty) || r.term != 0) {
      events.push_back(cs::ProposalEmpty{r.height});
      return;
    }
    const core::Block block = build(i, r.height, r.round, n);
    const Hash hash = block.hash();
    log("node " + std::to_string(i) + " builds height " + std::to_string(r.height) + " round " +
        std::to_string(r.round) + " " + core::to_hex(hash).substr(0, 8));
    events.push_back(cs::ProposalReady{r.height, hash, static_cast<uint32_t>(n), block.encode()});
  }

  // The driver's checks: decodes, extends the tip, the expected roots and validator set.
  std::string invalid_reason(size_t i, uint64_t height, const Hash& hash, const Bytes& bytes) {
    const Node& node = nodes_[i];
    auto block = core::Block::decode(bytes);
    if (!block.is_ok()) return "does not decode";
    const core::BlockHeader& h = block->header;
    if (height != node.tip_height + 1 || h.height != height) return "not at tip+1";
    if (block->hash() != hash) return "hash differs";
    if (h.prev_hash != node.tip_hash) return "does not extend the tip";
    if (h.chain_id != kChainId || h.validator_set_hash != vset_hash_) return "wrong chain";
    if (h.tx_root != core::Block::compute_tx_root(block->txs)) return "tx root";
    if (h.state_root != expected_state_root(node.tip_hash)) return "state root";
    if (!block->cert.votes.empty()) return "carries a cert";
    return "";
  }

  void validate(size_t i, const cs::ValidateBlock& v, std::vector<cs::Event>& events) {
    const std::string why = invalid_reason(i, v.height, v.block_hash, v.block);
    if (!why.empty()) log("node " + std::to_string(i) + " rejects a block: " + why);
    events.push_back(cs::BlockValidated{v.height, v.block_hash, why.empty(), why});
  }

  // Stores a block with its certificate after checking every invariant. False: a failure.
  bool store(size_t i, core::Block block, const std::string& how) {
    Node& node = nodes_[i];
    const uint64_t height = block.header.height;
    const std::string who = "node " + std::to_string(i) + " block " + std::to_string(height);
    if (height != node.tip_height + 1) {
      fail(who + ": committed out of order (tip " + std::to_string(node.tip_height) + ")");
      return false;
    }
    if (block.header.prev_hash != node.tip_hash) {
      fail(who + ": does not extend this node's tip");
      return false;
    }
    if (block.cert.kind != core::CommitCert::Kind::kTbft) {
      fail(who + ": certificate is not kTbft");
      return false;
    }
    const core::Status verified = core::verify_commit_cert(block.header, block.cert, validators_);
    if (!verified.is_ok()) {
      fail(who + ": certificate does not verify: " + verified.to_string());
      return false;
    }
    const Hash hash = block.hash();
    auto [it, fresh] = decided_.emplace(height, hash);
    if (!fresh && it->second != hash) {
      fail(who + ": AGREEMENT VIOLATED, " + core::to_hex(hash) + " vs " + core::to_hex(it->second));
      return false;
    }
    log("commit node " + std::to_string(i) + " height " + std::to_string(height) + " " +
        core::to_hex(hash).substr(0, 8) + " round " + std::to_string(block.cert.round) + " " + how);
    node.tip_height = height;
    node.tip_hash = hash;
    node.committed_txs += block.header.tx_count;
    node.blocks[height] = std::move(block);
    return true;
  }

  void commit(size_t i, const cs::CommitBlock& c, std::vector<cs::Event>& events) {
    Node& node = nodes_[i];
    const std::string who = "node " + std::to_string(i) + " block " + std::to_string(c.height);
    if (c.height <= node.tip_height) {  // block sync got there first
      if (node.blocks.at(c.height).hash() != c.block_hash) fail(who + ": fork below the tip");
      events.push_back(cs::BlockCommitted{c.height, c.block_hash, {}});
      return;
    }
    if (c.block.empty()) {
      fail(who + ": tbft CommitBlock without the block's bytes");
      return;
    }
    auto decoded = core::Block::decode(c.block);
    if (!decoded.is_ok()) {
      fail(who + ": block bytes do not decode: " + decoded.status().to_string());
      return;
    }
    core::Block block = std::move(decoded).value();
    if (block.hash() != c.block_hash || block.header.height != c.height) {
      fail(who + ": bytes hash to another block");
      return;
    }
    const std::string why = invalid_reason(i, c.height, c.block_hash, c.block);
    if (!why.empty()) {
      fail(who + ": committed an invalid block: " + why);
      return;
    }
    block.cert = c.cert;
    if (!store(i, std::move(block), "")) return;
    events.push_back(cs::BlockCommitted{c.height, c.block_hash, {}});
  }

  void evidence(size_t i, const cs::ReportEvidence& e) {
    auto ev = core::DoubleSignEvidence::decode(e.evidence);
    if (!ev.is_ok()) {
      fail("node " + std::to_string(i) + " reported evidence that does not decode");
      return;
    }
    const core::Status checked = ev->check(kChainId);
    if (!checked.is_ok()) {
      fail("node " + std::to_string(i) + " reported bad evidence: " + checked.to_string());
      return;
    }
    if (byzantine_ >= nodes_.size() || ev->a.signer != nodes_[byzantine_].pk) {
      fail("node " + std::to_string(i) + " reported evidence against correct node " +
           std::to_string(index_of(ev->a.signer)));
      return;
    }
    // Once per (signer, type, height, round) per engine run (a restarted engine may repeat).
    if (!evidence_seen_
             .emplace(i, nodes_[i].incarnation, static_cast<uint8_t>(ev->a.type), ev->a.height,
                      ev->a.round)
             .second) {
      fail("node " + std::to_string(i) + " reported the same double sign twice");
      return;
    }
    if (i != byzantine_) ++result_.evidence;
    log("node " + std::to_string(i) + " reports a double " + core::vote_type_name(ev->a.type) +
        " at " + std::to_string(ev->a.height) + "/" + std::to_string(ev->a.round));
  }

  // ---- the Byzantine node ----
  void byzantine_broadcast(size_t i, const Bytes& payload) {
    std::vector<size_t> peers;
    for (size_t to = 0; to < nodes_.size(); ++to) {
      if (to != i) peers.push_back(to);
    }
    std::optional<Bytes> other;
    if (!payload.empty() && payload[0] == 2 && rng_.chance(equivocate_)) {
      auto v = core::SignedVote::decode(core::ByteSpan(payload).subspan(1));
      if (v.is_ok()) {
        // Mostly a real block of that height (so conflicting polkas can form), else nil or
        // junk.
        Hash hash{};
        const std::vector<Hash>& seen = proposed_[v->height];
        if (!seen.empty() && rng_.chance(0.7)) {
          hash = seen[rng_.below(seen.size())];
        } else if (v->is_nil() || rng_.chance(0.5)) {
          for (auto& b : hash) b = static_cast<uint8_t>(rng_.next());
        }
        if (hash != v->block_hash) {
          other = encode_vote(
              core::SignedVote::make(kChainId, v->type, v->height, v->round, hash, *nodes_[i].key));
        }
      }
    } else if (!payload.empty() && payload[0] == 1 && rng_.chance(bad_proposal_)) {
      std::optional<WireProposal> p = decode_proposal(payload);
      if (p && p->height == nodes_[i].tip_height + 1) {
        core::Block block = build(i, p->height, p->round, rng_.below(3));
        block.header.timestamp_ms += 1 + rng_.below(1000);      // another block
        if (rng_.chance(0.3)) block.header.state_root[0] ^= 1;  // one that does not execute
        WireProposal q = *p;
        // Mostly a fresh block; sometimes one claiming a polka it does not have.
        q.pol_round = p->round > 0 && rng_.chance(0.2) ? p->round - 1 : 0xffffffff;
        q.block = block.encode();
        other = encode_proposal(q, *nodes_[i].key);
      }
    }
    if (!other) {
      for (size_t to : peers) send(i, to, payload);
      return;
    }
    log("byzantine node " + std::to_string(i) + " equivocates");
    for (size_t to : peers) send(i, to, rng_.chance(0.5) ? payload : *other);
    if (payload[0] == 2 && rng_.chance(0.3)) {  // both halves to one peer: evidence
      const size_t to = peers[rng_.below(peers.size())];
      send(i, to, payload);
      send(i, to, *other);
      if (healed_ && nodes_[to].up) ++both_sent_after_heal_;
    }
  }

  // ---- the network ----
  bool connected(size_t a, size_t b) const { return group_[a] == group_[b]; }

  // "prevote 9/2 ab12cd34" (verbose logs).
  static std::string describe_message(const Bytes& payload) {
    if (!payload.empty() && payload[0] == 2) {
      auto v = core::SignedVote::decode(core::ByteSpan(payload).subspan(1));
      if (v.is_ok()) {
        return std::string(core::vote_type_name(v->type)) + " " + std::to_string(v->height) + "/" +
               std::to_string(v->round) + " " +
               (v->is_nil() ? "nil" : core::to_hex(v->block_hash).substr(0, 8));
      }
    }
    if (std::optional<WireProposal> p = decode_proposal(payload)) {
      auto b = core::Block::decode(p->block);
      return "proposal " + std::to_string(p->height) + "/" + std::to_string(p->round) + " pol " +
             std::to_string(static_cast<int32_t>(p->pol_round)) + " " +
             (b.is_ok() ? core::to_hex(b->hash()).substr(0, 8) : "?");
    }
    return "junk";
  }

  // Every vote on the wire signed by a correct node: never two for one (height, round, type),
  // across restarts (the WAL must prevent it).
  void observe(const Bytes& payload) {
    if (std::optional<WireProposal> p = decode_proposal(payload)) {
      auto block = core::Block::decode(p->block);
      if (!block.is_ok()) return;
      std::vector<Hash>& seen = proposed_[p->height];
      if (seen.size() < 8 && std::find(seen.begin(), seen.end(), block->hash()) == seen.end()) {
        seen.push_back(block->hash());
      }
      return;
    }
    if (payload.empty() || payload[0] != 2) return;
    auto v = core::SignedVote::decode(core::ByteSpan(payload).subspan(1));
    if (!v.is_ok()) return;
    const size_t signer = index_of(v->signer);
    if (signer == byzantine_) return;
    auto [it, fresh] = signed_.emplace(
        std::make_tuple(signer, static_cast<uint8_t>(v->type), v->height, v->round), v->block_hash);
    if (!fresh && it->second != v->block_hash) {
      fail("correct node " + std::to_string(signer) + " signed two " +
           core::vote_type_name(v->type) + "s at " + std::to_string(v->height) + "/" +
           std::to_string(v->round));
    }
  }

  void send(size_t from, size_t to, const Bytes& payload) {
    observe(payload);
    if (verbose_) {
      log("send " + std::to_string(from) + "->" + std::to_string(to) + " " +
          describe_message(payload) + (!connected(from, to) ? " (cut)" : ""));
    }
    if (!connected(from, to) || rng_.chance(loss_)) return;
    const int copies = rng_.chance(dup_) ? 2 : 1;
    for (int k = 0; k < copies; ++k) {
      Ev ev{now_ + delay_min_ + rng_.below(delay_jitter_ + 1), 0, Ev::kMessage, to};
      ev.from = from;
      ev.payload = payload;
      push(std::move(ev));
    }
  }

  void deliver(const Ev& ev) {
    if (!nodes_[ev.node].up) return;
    run(ev.node, cs::MessageReceived{nodes_[ev.from].pk, ev.payload});
  }

  // Garbage a transport might let through from a validator, or a stranger's frame.
  void inject_malformed() {
    const size_t to = rng_.below(nodes_.size());
    if (!nodes_[to].up) return;
    Bytes junk;
    switch (rng_.below(4)) {
      case 0:  // unknown type
        junk = Bytes{static_cast<uint8_t>(3 + rng_.below(200)), 1, 2, 3};
        break;
      case 1:  // truncated vote
        junk = Bytes(1 + core::SignedVote::kEncodedBytes - 1, 0);
        junk[0] = 2;
        break;
      case 2:  // a vote with a trailing byte
        junk = Bytes(1 + core::SignedVote::kEncodedBytes + 1, 0);
        junk[0] = 2;
        junk[1] = 1;
        break;
      default:  // a proposal claiming a huge block
        junk = Bytes(1 + 8 + 4 + 4 + 4, 0xff);
        junk[0] = 1;
        break;
    }
    const size_t from = rng_.below(nodes_.size() + 1);
    const PublicKey sender = from == nodes_.size() ? PublicKey{0xee} : nodes_[from].pk;
    const uint64_t before = dropped(nodes_[to]);
    run(to, cs::MessageReceived{sender, junk});
    if (nodes_[to].up && nodes_[to].engine && dropped(nodes_[to]) != before + 1) {
      fail("node " + std::to_string(to) + " did not count a malformed message as dropped");
    }
  }

  // Block sync: a node behind a connected correct peer copies its committed blocks.
  void sync() {
    for (size_t i = 0; i < nodes_.size() && result_.ok; ++i) {
      Node& node = nodes_[i];
      if (!node.up) continue;
      const bool stuck = node.synced_tip == node.tip_height;
      node.synced_tip = node.tip_height;
      size_t best = nodes_.size();
      for (size_t j = 0; j < nodes_.size(); ++j) {
        if (j == i || j == byzantine_ || !nodes_[j].up || !connected(i, j)) continue;
        if (best == nodes_.size() || nodes_[j].tip_height > nodes_[best].tip_height) best = j;
      }
      if (best == nodes_.size()) continue;
      const uint64_t target = nodes_[best].tip_height;
      if (target < node.tip_height + 2 && !(stuck && target > node.tip_height)) continue;
      log("node " + std::to_string(i) + " syncs from node " + std::to_string(best) + " to " +
          std::to_string(target));
      while (node.up && result_.ok && node.tip_height < target) {
        const uint64_t h = node.tip_height + 1;
        core::Block block = nodes_[best].blocks.at(h);
        const Hash hash = block.hash();
        if (!store(i, std::move(block), "(synced)")) return;
        ++result_.synced;
        run(i, cs::BlockCommitted{h, hash, {}});
      }
      node.synced_tip = node.tip_height;
    }
  }

  void chaos() {
    if (rng_.chance(crash_rate_)) {
      const size_t i = rng_.below(nodes_.size());
      if (nodes_[i].up && i != byzantine_) {
        crash(i);
        push(Ev{now_ + rng_.between(100, 3000), 0, Ev::kRestart, i});
      }
    }
    if (rng_.chance(partition_rate_)) {
      if (rng_.chance(0.4)) {
        group_.assign(nodes_.size(), 0);
        log("heal partition");
      } else if (rng_.chance(0.5)) {
        for (size_t& g : group_) g = rng_.below(2);
        log("partition");
      } else {
        group_.assign(nodes_.size(), 0);
        group_[rng_.below(nodes_.size())] = 1;
        log("isolate");
      }
    }
    if (rng_.chance(0.3)) inject_malformed();
  }

  void heal() {
    healed_ = true;
    loss_ = 0;
    dup_ = 0;
    group_.assign(nodes_.size(), 0);
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (!nodes_[i].up) start(i);
    }
    for (const Node& node : nodes_) heal_height_ = std::max(heal_height_, node.tip_height);
    log("heal at height " + std::to_string(heal_height_));
  }

  void dispatch(const Ev& ev) {
    switch (ev.kind) {
      case Ev::kMessage:
        deliver(ev);
        break;
      case Ev::kTimer: {
        Node& node = nodes_[ev.node];
        if (node.up && node.incarnation == ev.incarnation &&
            node.timer_gen[ev.timer_id] == ev.gen) {
          run(ev.node, cs::TimerFired{ev.timer_id});
        }
        break;
      }
      case Ev::kRestart:
        if (!nodes_[ev.node].up && !healed_) start(ev.node);
        break;
      case Ev::kChaos:
        if (!healed_) chaos();
        break;
      case Ev::kTxs:
        submitted_ += rng_.between(1, 5);
        for (size_t i = 0; i < nodes_.size(); ++i) {
          if (nodes_[i].up) run(i, cs::TxsAvailable{});
        }
        break;
      case Ev::kHeal:
        heal();
        break;
      case Ev::kSync:
        sync();
        break;
    }
  }

  Prng rng_;
  std::string description_;
  const bool verbose_;
  std::vector<Node> nodes_;
  std::vector<PublicKey> validators_;
  Hash vset_hash_{};
  size_t byzantine_ = 0;  // nodes_.size(): none
  double loss_ = 0;
  double dup_ = 0;
  uint64_t delay_min_ = 1;
  uint64_t delay_jitter_ = 0;
  double crash_rate_ = 0;
  double partition_rate_ = 0;
  double wal_crash_ = 0;
  double equivocate_ = 0;
  double bad_proposal_ = 0;
  int crash_in_ = -1;  // crash after this many more actions of the current step
  std::vector<size_t> group_;
  bool healed_ = false;
  uint64_t heal_height_ = 0;
  uint64_t both_sent_after_heal_ = 0;
  uint64_t submitted_ = 0;
  uint64_t now_ = 0;
  uint64_t seq_ = 0;
  std::priority_queue<Ev, std::vector<Ev>, Later> queue_;
  std::map<uint64_t, Hash> decided_;  // height -> the block committed there
  std::set<std::tuple<size_t, uint64_t, uint8_t, uint64_t, uint32_t>> evidence_seen_;
  std::map<std::tuple<size_t, uint8_t, uint64_t, uint32_t>, Hash> signed_;  // correct votes
  std::map<uint64_t, std::vector<Hash>> proposed_;  // height -> blocks proposed on the wire
  Result result_;
};

}  // namespace

int run_tbft_sims(const SimOptions& options) {
  const uint64_t count = options.count.value_or(100);
  if (!core::crypto_init().is_ok()) return 1;
  std::vector<std::shared_ptr<core::SecretKey>> keys;
  for (uint8_t b = 1; b <= 7; ++b) {
    auto key = core::SecretKey::from_seed(Bytes(32, static_cast<uint8_t>(0x40 + b)));
    if (!key.is_ok()) return 1;
    keys.push_back(std::make_shared<core::SecretKey>(std::move(key).value()));
  }
  const auto started = std::chrono::steady_clock::now();
  uint64_t runs = 0, blocks = 0, rounds = 0, crashes = 0, evidence = 0, synced = 0, dropped = 0;
  const uint64_t from = options.only.value_or(options.first);
  const uint64_t to = options.only ? *options.only + 1 : options.first + count;
  for (uint64_t seed = from; seed < to; ++seed) {
    Sim sim(seed, keys, options.verbose);
    const Result r = sim.run();
    ++runs;
    blocks += r.blocks;
    rounds += r.rounds;
    crashes += r.crashes;
    evidence += r.evidence;
    synced += r.synced;
    dropped += r.dropped;
    if (!r.ok) {
      std::printf(
          "FAILED tbft seed=%llu (%s)\n  %s\n  replay: sim_consensus --engine tbft --seed %llu "
          "--verbose\n",
          static_cast<unsigned long long>(seed), sim.describe().c_str(), r.failure.c_str(),
          static_cast<unsigned long long>(seed));
      return 1;
    }
    if (options.only) {
      std::printf(
          "tbft seed=%llu ok (%s) blocks=%llu rounds=%llu crashes=%llu evidence=%llu\n",
          static_cast<unsigned long long>(seed), sim.describe().c_str(),
          static_cast<unsigned long long>(r.blocks), static_cast<unsigned long long>(r.rounds),
          static_cast<unsigned long long>(r.crashes), static_cast<unsigned long long>(r.evidence));
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "sim_consensus tbft: %llu seeds ok in %.1f s: %llu blocks (max height per run, summed), "
      "%llu rounds, %llu crashes, %llu evidence reports, %llu blocks synced, %llu malformed "
      "frames dropped\n",
      static_cast<unsigned long long>(runs), secs, static_cast<unsigned long long>(blocks),
      static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(crashes),
      static_cast<unsigned long long>(evidence), static_cast<unsigned long long>(synced),
      static_cast<unsigned long long>(dropped));
  return 0;
}

}  // namespace silk::sim
