// One deterministic simulation harness for consensus (DESIGN.md §5, §8): N nodes, each with the
// real ChainDriver (stepped, no threads), the real executor (chain::make_executor), a memory
// store and an in-memory Env (node/env.h), over a simulated network and clock. Every choice the
// network makes (loss, duplication, delay, so reordering) comes from one Chooser: a seeded PRNG
// for sim_consensus, the fuzzer's bytes for tests/fuzz. The engine is the one genesis names
// (consensus.type), so any registered networked engine runs here unchanged.
//
// Faults: partitions, crashes (the node stops between two steps; its WAL loses what was not
// synced, plus an optional torn tail; the store keeps what it committed, as a synced RocksDB
// write does) and restarts, and validator-set changes by governance txs. Block sync is played
// by the harness: every kSyncIntervalMs a node behind a peer it can reach gets the peer's
// certified blocks, as PeerNetwork does.
//
// Checked as it runs: no two nodes commit different blocks at a height, no driver stops on an
// error. audit() replays the longest chain through chain::check_block on a fresh store.
// Single-threaded (the mempools' verifier pool aside); one harness per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <tuple>
#include <vector>

#include "silk/contracts/executor.h"
#include "silk/core/clock.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/node/chain_driver.h"
#include "silk/node/env.h"
#include "silk/node/thread_pool.h"
#include "silk/storage/store.h"

namespace silk::sim {

// The source of the network's choices: a value in [0, n) (0 when n is 0).
using Chooser = std::function<uint64_t(uint64_t n)>;

// A small PRNG (splitmix64) for seeded runs.
class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  uint64_t state_;
};

class Harness {
 public:
  struct Options {
    std::string engine = "raft";  // genesis consensus.type
    size_t validators = 3;        // nodes 0..validators-1 form the genesis set
    size_t spares = 0;            // further nodes, outside the set (governance may add them)
    uint64_t seed = 1;            // the engines' seeds
    bool member_sync = true;      // false: only nodes outside the latest set get block sync
    // A Byzantine validator (tbft): node `byzantine` runs a real engine, but the harness rewrites
    // what it broadcasts: with probability `equivocate`, a vote is sent to some peers for another
    // hash (and sometimes both halves to one peer: evidence), a proposal to some peers for
    // another block (a different timestamp, or a wrong state root), re-signed with its key.
    // -1: every node is correct. Only meaningful with at least 4 validators (f >= 1).
    int byzantine = -1;
    double equivocate = 0.3;
    // Each node compacts its WAL past this size (ChainDriver::set_wal_compact_bytes): small, so
    // that runs compact often and crashes hit compaction.
    uint64_t wal_compact_bytes = 16u << 10;
    bool verbose = false;
  };
  // What the network does to each message, in per-mille and milliseconds.
  struct Faults {
    uint32_t loss_permille = 0;
    uint32_t dup_permille = 0;
    uint64_t delay_min_ms = 1;
    uint64_t delay_jitter_ms = 5;
  };
  static constexpr uint64_t kSyncIntervalMs = 300;
  static constexpr size_t kSyncMaxBlocks = 64;
  static constexpr uint64_t kEpochMs = 1'700'000'000'000;  // the wall clock at time 0

  Harness(Options options, Chooser choose);
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  size_t size() const { return nodes_.size(); }
  uint64_t now_ms() const { return clock_.now_ms() - kEpochMs; }

  void set_faults(const Faults& faults) { faults_ = faults; }
  // Called on every message the network carries (a fuzzer flips bytes of real messages).
  using Tamper = std::function<void(core::Bytes& payload)>;
  void set_tamper(Tamper tamper) { tamper_ = std::move(tamper); }
  // Node i can reach node j only when group[i] == group[j]; messages between groups are lost.
  void partition(const std::vector<int>& group);
  void heal();
  // Stops node i at once; its WAL keeps what was synced and `torn_bytes` more.
  void crash(size_t i, size_t torn_bytes = 0);
  // Node i dies at a step of its next WAL compaction, drawn from the Chooser: before or after
  // writing, syncing or renaming the checkpoint, or syncing its folder (MemEnv::fail_after).
  // Until then it runs on. Its WAL then keeps what was synced, as in crash().
  void crash_in_compaction(size_t i);
  // The largest WAL any node has had (bytes), and the largest right after a compaction.
  uint64_t max_wal_bytes() const { return max_wal_bytes_; }
  uint64_t max_checkpoint_bytes() const { return max_checkpoint_bytes_; }
  // WAL compactions over all nodes and runs of them.
  uint64_t wal_checkpoints() const;
  // Starts node i again from its store and WAL.
  void restart(size_t i);
  bool up(size_t i) const;

  // `count` signed anchor txs, into the pool of every node that is up (gossip).
  void submit_txs(size_t count);
  // A governance tx (the admin's, executed on proposal) that sets the validators to these
  // nodes, into every pool that is up. Its tx_id.
  core::Hash propose_validators(const std::vector<size_t>& nodes);
  // Submits an encoded tx (again) to every pool that is up.
  void resubmit(const core::Bytes& encoded);
  const core::Bytes& last_governance_tx() const { return last_governance_tx_; }

  // Delivers `payload` to node i now, as a consensus message from node `from` (a fuzzer's
  // bytes: anything a peer could send).
  void inject(size_t to, size_t from, core::Bytes payload);

  // Runs the simulation until now_ms() == t (or the first failure).
  void run_until(uint64_t t);
  void run_for(uint64_t ms) { run_until(now_ms() + ms); }

  uint64_t height(size_t i) const;
  uint64_t max_height() const;
  // The validator set in force after node i's tip, as node indexes (or -1 for a stranger).
  std::vector<size_t> validators_after_tip(size_t i) const;
  // The delivered raw message count, for statistics.
  uint64_t messages() const { return messages_; }
  // Double-sign evidence reported by correct nodes (each checked: it verifies and names the
  // Byzantine node, else the run fails).
  uint64_t evidence_reports() const { return evidence_reports_; }
  // How often, since the count was reset, the Byzantine node sent both halves of a double sign
  // to one correct node that was up and reachable.
  uint64_t double_signs_delivered() const { return double_signs_delivered_; }
  void reset_double_sign_count() { double_signs_delivered_ = 0; }

  // Replays the longest chain through chain::check_block on a fresh memory store; records a
  // failure when a block does not check.
  void audit();

  bool ok() const { return failure_.empty(); }
  const std::string& failure() const { return failure_; }
  void fail(const std::string& why);

 private:
  struct Node;
  struct Delivery {
    uint64_t at;
    uint64_t seq;
    size_t to;
    core::PublicKey from;
    core::Bytes payload;
    bool operator>(const Delivery& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void start_node(size_t i);
  // After node i's step: notes its WAL's size; crashes it if an injected fault stopped it.
  void after_step(size_t i);
  void send(size_t from, size_t to, const core::Bytes& payload);
  void block_sync();
  // Every message a node sends, before the network: tracks proposed blocks and checks that no
  // correct node signs two votes for one (height, round, type), across its restarts.
  void observe(size_t from, const core::Bytes& payload);
  void byzantine_broadcast(size_t from, const core::Bytes& payload);
  void on_evidence(size_t i, const core::Bytes& evidence);
  bool chance(double p) { return static_cast<double>(choose_(1'000'000)) < p * 1e6; }
  void on_committed(size_t i, const core::Block& block);
  core::Bytes sign_tx(const core::SecretKey& key, const std::string& contract,
                      const std::string& method, const std::string& args);
  void log(const std::string& line) const;

  Options options_;
  Chooser choose_;
  Faults faults_;
  Tamper tamper_;
  core::ManualClock clock_{kEpochMs};
  core::Genesis genesis_;
  core::SecretKey admin_;
  core::SecretKey client_;
  node::ThreadPool verifiers_{1};
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<int> group_;
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<>> queue_;
  uint64_t seq_ = 0;
  uint64_t nonce_ = 0;
  uint64_t next_sync_ = kSyncIntervalMs;
  uint64_t messages_ = 0;
  std::map<uint64_t, core::Hash> committed_;  // height -> the block every node committed there
  std::map<uint64_t, std::vector<core::Hash>> proposed_;  // height -> blocks proposed there
  std::map<std::tuple<size_t, uint8_t, uint64_t, uint32_t>, core::Hash> signed_;  // correct votes
  uint64_t evidence_reports_ = 0;
  uint64_t double_signs_delivered_ = 0;
  uint64_t max_wal_bytes_ = 0;
  uint64_t max_checkpoint_bytes_ = 0;
  uint64_t wal_checkpoints_ = 0;
  core::Bytes last_governance_tx_;
  std::string failure_;
};

}  // namespace silk::sim
