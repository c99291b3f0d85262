#include "harness.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <nlohmann/json.hpp>

#include "silk/chain/chain_view.h"
#include "silk/chain/check_block.h"
#include "silk/chain/engine.h"
#include "silk/consensus/engine.h"
#include "silk/core/codec.h"
#include "silk/core/tx.h"
#include "silk/core/vote.h"
#include "silk/node/commit_waiters.h"
#include "silk/node/config_in_force.h"
#include "silk/node/mempool.h"
#include "silk/node/state_view.h"
#include "silk/node/wal.h"

namespace silk::sim {

using core::Bytes;
using core::PublicKey;

namespace {

constexpr const char* kChainId = "silk-sim";
constexpr const char* kWalPath = "consensus.wal";
// Iterations of run_until's loop with the clock standing still before a run counts as stuck.
constexpr uint64_t kMaxStepsAtOneTime = 100000;

core::SecretKey key_from_tag(uint8_t tag) {
  std::vector<uint8_t> seed(32, tag);
  return std::move(core::SecretKey::from_seed(core::ByteSpan(seed.data(), seed.size()))).value();
}

std::string hex(const PublicKey& pk) { return core::to_hex(core::ByteSpan(pk.data(), pk.size())); }

// tbft's wire messages (docs/consensus.md), written here by hand for the Byzantine node.
constexpr uint8_t kMsgProposal = 1;
constexpr uint8_t kMsgVote = 2;

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
  if (!r.u8(type, "type") || type != kMsgProposal || !r.u64(p.height, "height") ||
      !r.u32(p.round, "round") || !r.u32(p.pol_round, "pol_round") || !r.bytes(p.block, "block") ||
      r.remaining() != core::Signature{}.size()) {
    return std::nullopt;
  }
  return p;
}

Bytes encode_proposal(const WireProposal& p, const core::Hash& block_hash,
                      const core::SecretKey& key) {
  Bytes m;
  core::Writer mw(m);
  mw.raw(core::as_span("silk/proposal/v1"));
  mw.str(kChainId);
  mw.u64(p.height);
  mw.u32(p.round);
  mw.u32(p.pol_round);
  mw.hash(block_hash);
  const core::Hash digest = core::sha256(m);
  const core::Signature sig = key.sign(core::ByteSpan(digest.data(), digest.size()));
  Bytes out;
  core::Writer w(out);
  w.u8(kMsgProposal);
  w.u64(p.height);
  w.u32(p.round);
  w.u32(p.pol_round);
  w.bytes(p.block);
  w.raw(core::ByteSpan(sig.data(), sig.size()));
  return out;
}

std::optional<core::SignedVote> decode_vote(const Bytes& payload) {
  if (payload.empty() || payload[0] != kMsgVote) return std::nullopt;
  auto v = core::SignedVote::decode(core::ByteSpan(payload).subspan(1));
  if (!v.is_ok()) return std::nullopt;
  return std::move(v).value();
}

Bytes encode_vote(const core::SignedVote& v) {
  Bytes out{kMsgVote};
  const Bytes body = v.encode();
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace

uint64_t Prng::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A node: what survives a crash (keys, store, Env files) and what does not (the rest).
struct Harness::Node {
  Node(const core::Clock& clock, core::SecretKey node_key)
      : key(std::move(node_key)), pk(key.public_key()), env(clock) {}
  const core::SecretKey key;
  const PublicKey pk;
  std::unique_ptr<contracts::Executor> executor;
  std::unique_ptr<storage::Store> store;
  node::MemEnv env;
  bool up = false;
  uint64_t restarts = 0;
  bool fault_armed = false;  // crash_in_compaction: the Env fails on purpose
  bool fault_hit = false;    // and the driver stopped on it: crash the node
  // Gone at a crash.
  std::shared_ptr<node::ConfigInForce> config;
  std::unique_ptr<node::Mempool> mempool;
  std::unique_ptr<node::CommitWaiters> waiters;
  std::unique_ptr<node::ChainDriver> driver;
};

Harness::Harness(Options options, Chooser choose)
    : options_(std::move(options)),
      choose_(std::move(choose)),
      admin_(key_from_tag(200)),
      client_(key_from_tag(201)) {
  const size_t n = options_.validators + options_.spares;
  core::Genesis g;
  g.chain_id = kChainId;
  g.timestamp_ms = kEpochMs - 1000;
  g.consensus.type = options_.engine;
  g.consensus.max_block_txs = 8;
  g.identity_mode = "with-key";
  g.members.push_back({"admin", admin_.public_key(), "org1", {"admin"}});
  g.members.push_back({"client", client_.public_key(), "org1", {"client"}});
  for (size_t i = 0; i < n; ++i) {
    auto node = std::make_unique<Node>(clock_, key_from_tag(static_cast<uint8_t>(i + 1)));
    g.members.push_back({"node" + std::to_string(i), node->pk, "org1", {"node"}});
    if (i < options_.validators) g.validators.push_back(node->pk);
    nodes_.push_back(std::move(node));
  }
  core::Result<core::Genesis> parsed = core::Genesis::parse(g.to_json());
  if (!parsed.is_ok()) {
    fail("genesis: " + parsed.status().to_string());
    return;
  }
  genesis_ = std::move(parsed).value();
  group_.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    Node& node = *nodes_[i];
    core::Result<std::unique_ptr<contracts::Executor>> executor = chain::make_executor(genesis_);
    if (!executor.is_ok()) {
      fail("executor: " + executor.status().to_string());
      return;
    }
    node.executor = std::move(executor).value();
    node.store = storage::make_memory_store();
    core::Status st =
        node.store->init_genesis(core::make_genesis_block(genesis_), genesis_.canonical_json);
    if (!st.is_ok()) {
      fail("init_genesis: " + st.to_string());
      return;
    }
  }
  for (size_t i = 0; i < n; ++i) start_node(i);
}

Harness::~Harness() {
  for (auto& node : nodes_) {
    if (node->driver) node->driver->stop();
  }
}

void Harness::log(const std::string& line) const {
  if (options_.verbose)
    std::fprintf(stderr, "[%8llu] %s\n", (unsigned long long)now_ms(), line.c_str());
}

void Harness::fail(const std::string& why) {
  if (!failure_.empty()) return;
  failure_ = "at " + std::to_string(now_ms()) + " ms: " + why;
  log("FAIL " + failure_);
}

void Harness::start_node(size_t i) {
  if (!ok()) return;
  Node& node = *nodes_[i];
  core::Result<std::shared_ptr<node::ConfigInForce>> config =
      node::ConfigInForce::load(*node.executor, node::StoreStateView(*node.store));
  if (!config.is_ok()) {
    fail("node " + std::to_string(i) + " config: " + config.status().to_string());
    return;
  }
  node.config = std::move(config).value();
  node.mempool = std::make_unique<node::Mempool>(genesis_, *node.config, *node.executor,
                                                 *node.store, clock_, verifiers_, 10000);
  node.waiters = std::make_unique<node::CommitWaiters>(
      [](const core::Hash&) { return std::optional<node::CommitInfo>(); });

  consensus::EngineConfig ec;
  ec.chain_id = genesis_.chain_id;
  ec.params = genesis_.consensus;
  ec.validators = genesis_.validators;
  ec.self = node.pk;
  const core::SecretKey* key = &node.key;
  ec.signer = [key](const core::Hash& m) { return key->sign(core::ByteSpan(m.data(), m.size())); };
  // Short timeouts: the simulated network is fast, and short runs see many rounds.
  ec.raft_heartbeat_ms = 50;
  ec.raft_election_timeout_ms = 300;
  ec.tbft_propose_ms = 300;
  ec.tbft_vote_ms = 200;
  ec.tbft_delta_ms = 100;
  ec.seed = options_.seed * 0x2545f4914f6cdd1dULL + i * 1000 + node.restarts;
  core::Result<std::unique_ptr<consensus::Engine>> engine = consensus::make_engine(std::move(ec));
  if (!engine.is_ok()) {
    fail("engine: " + engine.status().to_string());
    return;
  }
  node.driver = std::make_unique<node::ChainDriver>(
      genesis_, node.pk, std::move(engine).value(), *node.executor, *node.config, *node.store,
      *node.mempool, *node.waiters, clock_, [this, i](const core::Status& st) {
        Node& n = *nodes_[i];
        if (n.fault_armed) {
          n.fault_hit = true;  // the fault crash_in_compaction asked for: a crash, not a bug
          return;
        }
        fail("node " + std::to_string(i) + " stopped: " + st.to_string());
      });
  node::ChainDriver& driver = *node.driver;
  node.mempool->set_on_admitted([&driver] { driver.notify_txs_available(); });
  driver.set_env(node.env);
  driver.set_on_committed([this, i](const core::Block& block, const std::vector<core::Receipt>&) {
    on_committed(i, block);
  });
  driver.set_evidence_sink([this, i](Bytes evidence) { on_evidence(i, evidence); });
  driver.set_network(node::DriverNetwork{
      [this, i](const PublicKey& to, Bytes payload) {
        observe(i, payload);
        for (size_t j = 0; j < nodes_.size(); ++j) {
          if (nodes_[j]->pk == to) send(i, j, payload);
        }
      },
      [this, i](Bytes payload) {
        observe(i, payload);
        if (static_cast<int>(i) == options_.byzantine) {
          byzantine_broadcast(i, payload);
          return;
        }
        for (size_t j = 0; j < nodes_.size(); ++j) {
          if (j != i) send(i, j, payload);
        }
      }});
  if (consensus::find_engine_kind(genesis_.consensus.type)->needs_wal()) {
    std::vector<Bytes> records;
    core::Result<std::unique_ptr<node::ConsensusWal>> wal =
        node::ConsensusWal::open(node.env, kWalPath, records);
    if (!wal.is_ok()) {
      fail("node " + std::to_string(i) + " WAL: " + wal.status().to_string());
      return;
    }
    driver.set_wal(std::move(wal).value(), std::move(records));
    driver.set_wal_compact_bytes(options_.wal_compact_bytes);
  }
  if (core::Status st = driver.start_stepped(); !st.is_ok()) {
    fail("node " + std::to_string(i) + " start: " + st.to_string());
    return;
  }
  node.up = true;
}

void Harness::partition(const std::vector<int>& group) {
  group_ = group;
  group_.resize(nodes_.size(), 0);
  std::string desc;
  for (int g : group_) desc += std::to_string(g);
  log("partition " + desc);
}

void Harness::heal() {
  std::fill(group_.begin(), group_.end(), 0);
  log("heal");
}

void Harness::crash(size_t i, size_t torn_bytes) {
  Node& node = *nodes_[i];
  if (!node.up) return;
  log("crash node " + std::to_string(i) + " torn=" + std::to_string(torn_bytes));
  node.up = false;
  if (node.driver) wal_checkpoints_ += node.driver->stats().wal_checkpoints;
  node.fault_armed = false;
  node.fault_hit = false;
  node.driver.reset();
  node.waiters.reset();
  node.mempool.reset();
  node.config.reset();
  node.env.crash(torn_bytes);
}

void Harness::crash_in_compaction(size_t i) {
  Node& node = *nodes_[i];
  if (!node.up || node.fault_armed) return;
  const uint64_t at = choose_(6);
  log("crash node " + std::to_string(i) + " at step " + std::to_string(at) +
      " of its next WAL compaction");
  // Counted: creating, writing, syncing and renaming the tmp file, and syncing the folder
  // through it; at 5 the node dies at its first write after the compaction.
  node.env.fail_after(at, node::ConsensusWal::tmp_path(kWalPath));
  node.fault_armed = true;
}

uint64_t Harness::wal_checkpoints() const {
  uint64_t n = wal_checkpoints_;
  for (const auto& node : nodes_) {
    if (node->driver) n += node->driver->stats().wal_checkpoints;
  }
  return n;
}

void Harness::after_step(size_t i) {
  Node& node = *nodes_[i];
  if (!node.up) return;
  if (node.fault_hit) {
    log("node " + std::to_string(i) + " stopped by its injected fault");
    crash(i);
    return;
  }
  const node::DriverStats stats = node.driver->stats();
  max_wal_bytes_ = std::max(max_wal_bytes_, stats.wal_max_bytes);
  max_checkpoint_bytes_ = std::max(max_checkpoint_bytes_, stats.wal_checkpoint_max_bytes);
}

void Harness::restart(size_t i) {
  Node& node = *nodes_[i];
  if (node.up && node.fault_armed) crash(i);  // a node waiting to die in compaction dies now
  if (node.up) return;
  ++node.restarts;
  log("restart node " + std::to_string(i));
  start_node(i);
}

void Harness::send(size_t from, size_t to, const Bytes& payload) {
  if (group_[from] != group_[to]) return;
  if (choose_(1000) < faults_.loss_permille) return;
  const size_t copies = choose_(1000) < faults_.dup_permille ? 2 : 1;
  for (size_t c = 0; c < copies; ++c) {
    const uint64_t delay = faults_.delay_min_ms + choose_(faults_.delay_jitter_ms + 1);
    Bytes copy = payload;
    if (tamper_) tamper_(copy);
    queue_.push(Delivery{now_ms() + delay, seq_++, to, nodes_[from]->pk, std::move(copy)});
  }
}

void Harness::observe(size_t from, const Bytes& payload) {
  if (std::optional<WireProposal> p = decode_proposal(payload)) {
    core::Result<core::Block> block = core::Block::decode(p->block);
    if (!block.is_ok()) return;
    std::vector<core::Hash>& seen = proposed_[p->height];
    if (seen.size() < 8 && std::find(seen.begin(), seen.end(), block->hash()) == seen.end()) {
      seen.push_back(block->hash());
    }
    return;
  }
  std::optional<core::SignedVote> v = decode_vote(payload);
  if (!v) return;
  // A node also relays votes others signed (the precommits of a block it decided): the signer
  // is the vote's, not the sender.
  size_t signer = nodes_.size();
  for (size_t j = 0; j < nodes_.size(); ++j) {
    if (nodes_[j]->pk == v->signer) signer = j;
  }
  if (signer == nodes_.size() || static_cast<int>(signer) == options_.byzantine) return;
  if (signer != from) return;  // checked when its signer sent it
  if (options_.verbose) {
    log("node " + std::to_string(from) + " sends " + core::vote_type_name(v->type) + " " +
        std::to_string(v->height) + "/" + std::to_string(v->round) + " " +
        (v->is_nil() ? std::string("nil") : core::to_hex(v->block_hash).substr(0, 8)));
  }
  auto [it, fresh] = signed_.emplace(
      std::make_tuple(signer, static_cast<uint8_t>(v->type), v->height, v->round), v->block_hash);
  if (!fresh && it->second != v->block_hash) {
    fail("safety: correct node " + std::to_string(signer) + " signed two " +
         core::vote_type_name(v->type) + "s at " + std::to_string(v->height) + "/" +
         std::to_string(v->round));
  }
}

void Harness::byzantine_broadcast(size_t i, const Bytes& payload) {
  Node& node = *nodes_[i];
  std::optional<Bytes> other;
  if (std::optional<core::SignedVote> v = decode_vote(payload); v && chance(options_.equivocate)) {
    // Mostly another real block of that height (so conflicting polkas can form), else nil or
    // junk.
    core::Hash hash{};
    const std::vector<core::Hash>& seen = proposed_[v->height];
    if (!seen.empty() && chance(0.7)) {
      hash = seen[choose_(seen.size())];
    } else if (v->is_nil() || chance(0.5)) {
      for (auto& b : hash) b = static_cast<uint8_t>(choose_(256));
    }
    if (hash != v->block_hash) {
      other = encode_vote(
          core::SignedVote::make(kChainId, v->type, v->height, v->round, hash, node.key));
    }
  } else if (std::optional<WireProposal> p = decode_proposal(payload);
             p && chance(options_.equivocate)) {
    core::Result<core::Block> block = core::Block::decode(p->block);
    if (block.is_ok()) {
      block->header.timestamp_ms += 1 + choose_(1000);                 // another block
      if (chance(0.3)) block->header.state_root[0] ^= 1;               // one that does not execute
      WireProposal q = *p;
      // Mostly a fresh block; sometimes one claiming a polka it does not have.
      q.pol_round = p->round > 0 && chance(0.2) ? p->round - 1 : 0xffffffff;
      q.block = block->encode();
      other = encode_proposal(q, block->hash(), node.key);
    }
  }
  if (!other) {
    for (size_t j = 0; j < nodes_.size(); ++j) {
      if (j != i) send(i, j, payload);
    }
    return;
  }
  log("byzantine node " + std::to_string(i) + " equivocates");
  std::vector<size_t> peers;
  for (size_t j = 0; j < nodes_.size(); ++j) {
    if (j != i) peers.push_back(j);
  }
  for (size_t j : peers) send(i, j, chance(0.5) ? payload : *other);
  if (payload[0] == kMsgVote && chance(0.3)) {  // both halves to one peer: evidence
    const size_t j = peers[choose_(peers.size())];
    if (nodes_[j]->up && group_[j] == group_[i]) ++double_signs_delivered_;
    send(i, j, payload);
    send(i, j, *other);
  }
}

void Harness::on_evidence(size_t i, const Bytes& evidence) {
  core::Result<core::DoubleSignEvidence> ev =
      core::DoubleSignEvidence::decode(core::ByteSpan(evidence.data(), evidence.size()));
  if (!ev.is_ok()) {
    fail("node " + std::to_string(i) + " reported evidence that does not decode");
    return;
  }
  if (core::Status st = ev->check(kChainId); !st.is_ok()) {
    fail("node " + std::to_string(i) + " reported bad evidence: " + st.to_string());
    return;
  }
  if (options_.byzantine < 0 || ev->a.signer != nodes_[options_.byzantine]->pk) {
    fail("node " + std::to_string(i) + " reported double-sign evidence against a correct node");
    return;
  }
  if (static_cast<int>(i) != options_.byzantine) ++evidence_reports_;
  log("node " + std::to_string(i) + " reports a double " + core::vote_type_name(ev->a.type) +
      " at " + std::to_string(ev->a.height) + "/" + std::to_string(ev->a.round));
}

void Harness::inject(size_t to, size_t from, Bytes payload) {
  if (!nodes_[to]->up) return;
  nodes_[to]->driver->deliver_message(nodes_[from]->pk, std::move(payload));
}

Bytes Harness::sign_tx(const core::SecretKey& key, const std::string& contract,
                       const std::string& method, const std::string& args) {
  core::Tx tx;
  tx.chain_id = genesis_.chain_id;
  tx.nonce = ++nonce_;
  tx.timestamp_ms = clock_.now_ms();
  tx.sender_kind = core::SenderKind::kPublicKey;
  tx.sender = key.public_key();
  tx.contract = contract;
  tx.method = method;
  tx.args = args;
  tx.sign(key);
  return tx.encode();
}

void Harness::resubmit(const Bytes& encoded) {
  for (auto& node : nodes_) {
    if (!node->up) continue;
    std::vector<core::ByteSpan> batch{core::ByteSpan(encoded.data(), encoded.size())};
    (void)node->mempool->add_batch(batch, node::TxOrigin::kPeer);
  }
}

void Harness::submit_txs(size_t count) {
  for (size_t k = 0; k < count; ++k) {
    const std::string digest = core::to_hex(core::sha256("sim document " + std::to_string(nonce_)));
    resubmit(sign_tx(client_, "notary", "anchor", nlohmann::json{{"hash", digest}}.dump()));
  }
}

core::Hash Harness::propose_validators(const std::vector<size_t>& members) {
  nlohmann::json keys = nlohmann::json::array();
  std::string desc;
  for (size_t i : members) {
    keys.push_back(hex(nodes_[i]->pk));
    desc += ' ';
    desc += std::to_string(i);
  }
  log("governance: validators" + desc);
  const nlohmann::json args = {{"kind", "set_validators"},
                               {"params", {{"validators", keys}}},
                               {"description", "sim: validators" + desc}};
  last_governance_tx_ = sign_tx(admin_, "governance", "propose", args.dump());
  resubmit(last_governance_tx_);
  return core::sha256(core::ByteSpan(last_governance_tx_.data(), last_governance_tx_.size()));
}

void Harness::on_committed(size_t i, const core::Block& block) {
  const uint64_t h = block.header.height;
  const core::Hash hash = block.hash();
  auto [it, inserted] = committed_.emplace(h, hash);
  if (!inserted && it->second != hash) {
    fail("safety: node " + std::to_string(i) + " committed block " + core::to_hex(hash) +
         " at height " + std::to_string(h) + ", another node committed " +
         core::to_hex(it->second));
  }
  if (h > 1 && committed_.count(h - 1) == 0) {
    fail("node " + std::to_string(i) + " committed height " + std::to_string(h) +
         " before anyone committed " + std::to_string(h - 1));
  }
  log("node " + std::to_string(i) + " committed height=" + std::to_string(h) +
      " txs=" + std::to_string(block.txs.size()));
}

void Harness::block_sync() {
  // Without member sync, the members of the latest set (after the longest chain's tip, not a
  // node's own stale view: a node removed while it was down is outside it) get none.
  std::vector<size_t> latest;
  if (!options_.member_sync) {
    size_t longest = 0;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (height(i) > height(longest)) longest = i;
    }
    latest = validators_after_tip(longest);
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& node = *nodes_[i];
    if (!node.up) continue;
    if (!options_.member_sync && std::find(latest.begin(), latest.end(), i) != latest.end()) {
      continue;
    }
    const uint64_t mine = node.store->tip()->height;
    size_t best = i;
    uint64_t best_height = mine;
    for (size_t j = 0; j < nodes_.size(); ++j) {
      if (j == i || !nodes_[j]->up || group_[j] != group_[i]) continue;
      const uint64_t theirs = nodes_[j]->store->tip()->height;
      if (theirs > best_height) {
        best = j;
        best_height = theirs;
      }
    }
    if (best == i) continue;
    std::vector<Bytes> blocks;
    for (uint64_t h = mine + 1; h <= best_height && blocks.size() < kSyncMaxBlocks; ++h) {
      core::Result<core::Block> b = nodes_[best]->store->block_by_height(h);
      if (!b.is_ok()) break;
      blocks.push_back(b->encode());
    }
    node.driver->deliver_synced_blocks(nodes_[best]->pk, std::move(blocks));
  }
}

void Harness::run_until(uint64_t t) {
  uint64_t steps_now = 0;
  uint64_t last_now = now_ms();
  while (ok()) {
    for (size_t i = 0; i < nodes_.size() && ok(); ++i) {
      if (nodes_[i]->up) {
        nodes_[i]->driver->step();
        after_step(i);
      }
    }
    if (!ok()) return;
    uint64_t next = std::min(t + 1, next_sync_);
    if (!queue_.empty()) next = std::min(next, queue_.top().at);
    for (const auto& node : nodes_) {
      if (!node->up) continue;
      if (auto deadline = node->driver->next_timer_ms()) {
        next = std::min(next, *deadline - kEpochMs);
      }
    }
    if (next > t) {
      clock_.set(kEpochMs + t);
      return;
    }
    next = std::max(next, now_ms());
    if (next == last_now) {
      if (++steps_now > kMaxStepsAtOneTime) {
        fail("the simulation makes no progress in time (a timer of 0 ms in a loop?)");
        return;
      }
    } else {
      steps_now = 0;
      last_now = next;
    }
    clock_.set(kEpochMs + next);
    while (!queue_.empty() && queue_.top().at <= next) {
      Delivery d = queue_.top();
      queue_.pop();
      Node& to = *nodes_[d.to];
      if (!to.up) continue;
      ++messages_;
      to.driver->deliver_message(d.from, std::move(d.payload));
    }
    if (next >= next_sync_) {
      block_sync();
      next_sync_ = next + kSyncIntervalMs;
    }
  }
}

bool Harness::up(size_t i) const { return nodes_[i]->up; }

uint64_t Harness::height(size_t i) const { return nodes_[i]->store->tip()->height; }

uint64_t Harness::max_height() const {
  uint64_t h = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) h = std::max(h, height(i));
  return h;
}

std::vector<size_t> Harness::validators_after_tip(size_t i) const {
  const Node& node = *nodes_[i];
  const chain::StoreChainView view(*node.store);
  std::vector<size_t> out;
  auto config = node.executor->config_at(view, view.tip().height + 1);
  if (!config.is_ok()) return out;
  for (const PublicKey& pk : (*config)->validators) {
    for (size_t j = 0; j < nodes_.size(); ++j) {
      if (nodes_[j]->pk == pk) out.push_back(j);
    }
  }
  return out;
}

void Harness::audit() {
  size_t longest = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (height(i) > height(longest)) longest = i;
  }
  const storage::Store& source = *nodes_[longest]->store;
  std::unique_ptr<storage::Store> replay = storage::make_memory_store();
  core::Result<std::unique_ptr<contracts::Executor>> executor = chain::make_executor(genesis_);
  if (!executor.is_ok() ||
      !replay->init_genesis(core::make_genesis_block(genesis_), genesis_.canonical_json).is_ok()) {
    fail("audit: cannot set up the replay");
    return;
  }
  const chain::StoreChainView view(*replay);
  chain::CheckOptions options;
  options.now_ms = clock_.now_ms();
  const uint64_t tip = source.tip()->height;
  for (uint64_t h = 1; h <= tip && ok(); ++h) {
    core::Result<core::Block> block = source.block_by_height(h);
    if (!block.is_ok()) {
      fail("audit: block " + std::to_string(h) + ": " + block.status().to_string());
      return;
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (height(i) < h) continue;
      core::Result<core::Block> other = nodes_[i]->store->block_by_height(h);
      if (!other.is_ok() || other->hash() != block->hash()) {
        fail("safety: node " + std::to_string(i) + " stores another block at height " +
             std::to_string(h));
        return;
      }
    }
    std::string problems;
    core::Result<chain::CheckedBlock> checked = chain::check_block(
        *block, &block->cert, view, **executor, options, [&problems](const chain::Problem& p) {
          problems += p.message + "; ";
          return true;
        });
    if (!checked.is_ok() || !checked->valid() || !checked->execution) {
      fail("audit: block " + std::to_string(h) +
           " does not check: " + (checked.is_ok() ? problems : checked.status().to_string()));
      return;
    }
    core::Status st =
        replay->commit_block(*block, checked->execution->receipts, checked->execution->writes);
    if (!st.is_ok()) {
      fail("audit: storing block " + std::to_string(h) + ": " + st.to_string());
      return;
    }
  }
}

}  // namespace silk::sim
