#include "silk/tools/audit_verify_chain.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

#include "silk/client/node_client.h"
#include "silk/contracts/executor.h"
#include "silk/contracts/identity.h"
#include "silk/core/block.h"
#include "silk/core/crypto.h"
#include "silk/core/merkle.h"
#include "silk/core/receipt.h"
#include "silk/core/write_set.h"
#include "silk/tools/rpc_store.h"

namespace silk::tools {

using core::Hash;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t kHistoryPage = 1000;
// How far the block reads (and the signature checks on them) run ahead of the replay.
constexpr size_t kMaxBlocksAhead = 64;
constexpr size_t kMaxTxsAhead = 8192;
// How many blocks workers read and decode ahead of those.
constexpr size_t kMaxBlocksReading = 16;
// The most replayed keys one worker task compares with the store.
constexpr size_t kMaxStateChunkKeys = 512;

std::string h(uint64_t height) { return "height " + std::to_string(height) + ": "; }

std::string quoted_key(std::string_view key) {
  std::string out = "\"";
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// "120 bytes, sha256 3f12..." — enough to tell two values apart without printing them.
std::string describe_value(const std::optional<std::string>& v) {
  if (!v) return "absent";
  return std::to_string(v->size()) + " bytes, sha256 " + core::to_hex(core::sha256(*v));
}

// Names the first field in which two receipts of one tx differ.
std::string receipt_difference(const core::Receipt& stored, const core::Receipt& replayed) {
  if (stored.code != replayed.code || stored.message != replayed.message) {
    return "stored code " + std::to_string(stored.code) + " \"" + stored.message +
           "\", replayed code " + std::to_string(replayed.code) + " \"" + replayed.message + "\"";
  }
  if (stored.result != replayed.result) {
    return "result differs (stored " + describe_value(stored.result) + ", replayed " +
           describe_value(replayed.result) + ")";
  }
  if (stored.write_set_hash != replayed.write_set_hash) {
    return "write_set_hash stored " + core::to_hex(stored.write_set_hash) + " != replayed " +
           core::to_hex(replayed.write_set_hash);
  }
  if (stored.events.size() != replayed.events.size()) {
    return std::to_string(stored.events.size()) + " events stored, " +
           std::to_string(replayed.events.size()) + " replayed";
  }
  for (size_t i = 0; i < stored.events.size(); ++i) {
    const core::ContractEvent& a = stored.events[i];
    const core::ContractEvent& b = replayed.events[i];
    if (a.contract != b.contract || a.name != b.name || a.data != b.data) {
      return "event " + std::to_string(i) + " differs";
    }
  }
  return "encodings differ";
}

// The state as of the last replayed block, built only from re-executed
// writes, with every version kept (contracts may read history).
class ReplayState final : public contracts::StateView {
 public:
  Result<std::optional<std::string>> get(std::string_view key) const override {
    auto it = current_.find(key);
    if (it == current_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                uint32_t limit) const override {
    std::vector<core::KeyVersion> out;
    auto it = history_.find(key);
    if (it == history_.end()) return out;
    for (uint64_t i = offset; i < it->second.size() && out.size() < limit; ++i) {
      out.push_back(it->second[i]);
    }
    return out;
  }

  // Applies one block's writes as storage::Store::commit_block does.
  void apply(const std::vector<core::StateWrite>& writes, const std::vector<Hash>& tx_ids,
             uint64_t height, uint64_t block_time_ms) {
    for (const core::StateWrite& w : writes) {
      core::KeyVersion v;
      v.height = height;
      v.tx_index = w.tx_index;
      v.tx_id = w.tx_index < tx_ids.size() ? tx_ids[w.tx_index] : Hash{};
      v.timestamp_ms = block_time_ms;
      v.deleted = !w.value.has_value();
      v.value = w.value.value_or("");
      std::vector<core::KeyVersion>& versions = history_[w.key];
      if (!versions.empty() && versions.back().height == height &&
          versions.back().tx_index == w.tx_index) {
        versions.back() = std::move(v);
      } else {
        versions.push_back(std::move(v));
      }
      if (w.value) {
        current_[w.key] = *w.value;
      } else {
        current_.erase(w.key);
      }
    }
  }

  const std::map<std::string, std::vector<core::KeyVersion>, std::less<>>& all_history() const {
    return history_;
  }

 private:
  std::map<std::string, std::string, std::less<>> current_;
  std::map<std::string, std::vector<core::KeyVersion>, std::less<>> history_;
};

// Tasks that one thread (the owner) waits for as a group. Guarded by
// WorkerPool::mu_.
struct Batch {
  size_t pending = 0;
  std::string failure;  // the first task's exception, if any
};

// Runs tasks on `threads` worker threads, the oldest submitted first. Owned
// and driven by one thread (the replay): submit and wait are not to be called
// concurrently. The destructor drops unstarted tasks and joins; a task must
// keep alive (shared_ptr) whatever it touches apart from the store.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads) {
    try {
      for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      // Fewer workers than asked: wait() runs the tasks itself, so this only slows it down.
    }
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      queue_.clear();
    }
    work_ready_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned threads() const { return static_cast<unsigned>(threads_.size()); }

  // Queues `task` as one of `batch`'s; `batch` must live until the task has
  // run (the task owning it is enough). `what` prefixes an exception's message.
  void submit(Batch& batch, std::string what, std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back({&batch, std::move(what), std::move(task)});
      ++batch.pending;
    }
    work_ready_.notify_one();
  }

  // Whether every task of `batch` is done.
  bool done(const Batch& batch) {
    std::lock_guard lock(mu_);
    return batch.pending == 0;
  }

  // Returns once every task of `batch` is done, running queued tasks (the
  // oldest first: this batch's, or earlier ones') meanwhile. kInternal when a
  // task of the batch threw.
  Status wait(Batch& batch) {
    std::unique_lock lock(mu_);
    while (batch.pending > 0) {
      if (!queue_.empty()) {
        run_front(lock);
      } else {
        task_done_.wait(lock);
      }
    }
    if (!batch.failure.empty()) return Status::internal(batch.failure);
    return Status();
  }

 private:
  struct Task {
    Batch* batch = nullptr;
    std::string what;
    std::function<void()> run;
  };

  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      run_front(lock);
    }
  }

  // Pops the oldest task and runs it with mu_ released.
  void run_front(std::unique_lock<std::mutex>& lock) {
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::string failure;
    try {
      task.run();
    } catch (const std::exception& e) {
      failure = task.what + ": " + e.what();
    }
    lock.lock();
    if (!failure.empty() && task.batch->failure.empty()) task.batch->failure = failure;
    if (--task.batch->pending == 0) task_done_.notify_all();
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  // Guarded by mu_ (with each queued task's Batch):
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::condition_variable work_ready_;  // queue_ not empty, or stopping_
  std::condition_variable task_done_;   // some batch's pending reached 0
};

// What looking a block up by its hash gave.
struct HashLookup {
  Status status;  // OK: height and hash are set
  uint64_t height = 0;
  Hash hash{};
};

// One block read ahead of the replay. Before its tasks are submitted to the
// WorkerPool, the replay thread sets, per tx it can, the key the signature is
// expected to verify with (a public-key sender's own key; a certificate
// sender's key from the certificate seen for that fingerprint so far). The
// workers fill in the tx ids and verify those signatures against those keys,
// and read what the checks compare that does not depend on the replay (the
// lookup by block hash, the stored receipts and tx index entries).
// The replay still resolves each signer in chain order as a serial check
// does, and uses a worker's verdict only when the key is the same, verifying
// again itself otherwise; so the differences come out exactly as a serial
// check would give them.
struct AheadBlock {
  static constexpr size_t kChunkTxs = 32;

  explicit AheadBlock(uint64_t h) : height(h) {}

  uint64_t height;
  Result<core::Block> block = Status::internal("not read yet");  // set by read_block
  Batch read;                         // read_block, when a worker runs it
  std::vector<core::PublicKey> keys;  // per tx, the expected key, when has_key
  std::vector<uint8_t> has_key;       // per tx: 1 when keys[i] is set
  // Set by read_block and check_txs, on the workers (or on the replay thread
  // for a store that is not thread-safe):
  Hash hash{};  // block.hash()
  HashLookup by_hash;
  // Per tx:
  std::vector<Hash> tx_ids;
  std::vector<Hash> tx_leaves;        // merkle_leaf_hash(tx.encode()), for the tx_root
  std::vector<uint8_t> cert_matches;  // 1: sender_cert is not empty and hashes to the sender
  std::vector<uint8_t> signature_ok;  // 1: the signature verifies with keys[i]
  std::vector<std::optional<Result<core::Receipt>>> receipts;         // store.receipt(tx_ids[i])
  std::vector<core::Bytes> receipt_bytes;                             // receipts[i]->encode()
  std::vector<std::optional<Result<storage::TxLocation>>> locations;  // store.tx_location(...)
  Batch batch;
};

// Reads and decodes the block, and looks it up by its hash (but block 0,
// which is compared with the genesis instead).
void read_block(const storage::Store& store, AheadBlock& a) {
  a.block = store.block_by_height(a.height);
  if (!a.block.is_ok()) return;
  a.hash = a.block->hash();
  if (a.height == 0) return;
  Result<core::Block> by_hash = store.block_by_hash(a.hash);
  if (!by_hash.is_ok()) {
    a.by_hash.status = by_hash.status();
    return;
  }
  a.by_hash.height = by_hash->header.height;
  a.by_hash.hash = by_hash->hash();
}

// The stored receipt and tx index entry of tx i (its id set).
void read_tx_entry(const storage::Store& store, AheadBlock& a, size_t i) {
  a.receipts[i].emplace(store.receipt(a.tx_ids[i]));
  if (a.receipts[i]->is_ok()) a.receipt_bytes[i] = a.receipts[i]->value().encode();
  a.locations[i].emplace(store.tx_location(a.tx_ids[i]));
}

// Tx ids, tx_root leaves, signatures and (`read` true) the stored receipts and
// tx index entries of txs [begin, end).
void check_txs(const storage::Store& store, AheadBlock& a, size_t begin, size_t end, bool read) {
  for (size_t i = begin; i < end; ++i) {
    const core::Tx& tx = a.block->txs[i];
    core::Bytes encoded = tx.signing_bytes();
    a.tx_ids[i] = core::sha256(encoded);
    encoded.insert(encoded.end(), tx.signature.begin(), tx.signature.end());  // tx.encode()
    a.tx_leaves[i] = core::merkle_leaf_hash(encoded);
    a.cert_matches[i] = !tx.sender_cert.empty() && core::sha256(tx.sender_cert) == tx.sender;
    if (a.has_key[i] != 0) {
      a.signature_ok[i] =
          core::verify(a.keys[i], core::ByteSpan(a.tx_ids[i].data(), a.tx_ids[i].size()),
                       tx.signature)
              ? 1
              : 0;
    }
    if (read) read_tx_entry(store, a, i);
  }
}

// Reads the stored receipts and tx index entries of `a` on this thread (a
// store that is not thread-safe).
void read_tx_entries(const storage::Store& store, AheadBlock& a) {
  for (size_t i = 0; i < a.tx_ids.size(); ++i) read_tx_entry(store, a, i);
}

// Queues the worker tasks of `ahead` (see AheadBlock). `concurrent_reads`:
// the workers read the store too.
void submit_block(WorkerPool& pool, const storage::Store& store,
                  const std::shared_ptr<AheadBlock>& ahead, bool concurrent_reads) {
  if (!ahead->block.is_ok()) return;
  const size_t n = ahead->block->txs.size();
  ahead->keys.resize(n);
  ahead->has_key.resize(n, 0);
  ahead->tx_ids.assign(n, Hash{});
  ahead->tx_leaves.assign(n, Hash{});
  ahead->cert_matches.assign(n, 0);
  ahead->signature_ok.assign(n, 0);
  ahead->receipts.assign(n, std::nullopt);
  ahead->receipt_bytes.assign(n, core::Bytes{});
  ahead->locations.assign(n, std::nullopt);
  const std::string what = "verifying signatures of block " + std::to_string(ahead->height);
  for (size_t begin = 0; begin < n; begin += AheadBlock::kChunkTxs) {
    const size_t end = std::min(n, begin + AheadBlock::kChunkTxs);
    pool.submit(ahead->batch, what, [&store, ahead, begin, end, concurrent_reads] {
      check_txs(store, *ahead, begin, end, concurrent_reads);
    });
  }
}

// What the comparison of one replayed key with the store found; the messages
// are those a serial comparison adds, in its order.
struct KeyFinding {
  std::string value;          // the current value cannot be read or differs
  std::string history;        // the history cannot be read, or its first difference
  bool history_read = false;  // the history was read (else `history` says why not)
  uint64_t versions_checked = 0;
};

// Consecutive replayed keys compared with the store on a worker.
struct StateChunk {
  using Iterator =
      std::map<std::string, std::vector<core::KeyVersion>, std::less<>>::const_iterator;
  Iterator begin;
  Iterator end;
  std::vector<KeyFinding> findings;  // per key of [begin, end), once done
  Batch batch;
};

// Runs the checks and records the differences.
class ChainVerifier {
 public:
  ChainVerifier(const storage::Store& store, const core::Genesis& genesis,
                const VerifyChainOptions& options, const VerifyChainProgressFn& progress)
      : store_(store),
        genesis_(genesis),
        options_(options),
        progress_(progress),
        executor_(genesis),
        workers_(options.signature_threads != 0
                     ? options.signature_threads
                     : std::max(1u, std::thread::hardware_concurrency())) {}

  Result<VerifyChainReport> run() {
    started_ = SteadyClock::now();
    report_.chain_id = genesis_.chain_id;
    report_.genesis_hash = genesis_.hash;
    std::optional<storage::ChainTip> tip = store_.tip();
    if (!tip) return Status::not_found("the store holds no chain (no genesis block)");
    report_.tip_height = tip->height;
    report_.signature_threads = workers_.threads();

    SILK_ASSIGN_OR_RETURN(bool go_on, verify_blocks(*tip));
    if (go_on) go_on = verify_tip(*tip);
    if (go_on && options_.check_state) {
      SILK_ASSIGN_OR_RETURN(go_on, verify_state());
    }
    report_.complete = go_on;
    finish();
    return std::move(report_);
  }

 private:
  // False when the verification must stop here.
  bool add(std::optional<uint64_t> height, std::string message) {
    if (report_.differences.size() >= options_.max_differences) {
      report_.truncated = true;
      return false;
    }
    report_.differences.push_back({height, std::move(message)});
    if (!options_.keep_going) return false;
    if (report_.differences.size() >= options_.max_differences) {
      report_.truncated = true;
      return false;
    }
    return true;
  }
  // A difference after which the replay cannot go on, even with keep_going.
  bool add_fatal(std::optional<uint64_t> height, std::string message) {
    (void)add(height, std::move(message));
    stopped_ = true;
    return false;
  }

  void finish() {
    report_.duration_ms =
        std::chrono::duration<double, std::milli>(SteadyClock::now() - started_).count();
  }

  // Blocks are read and decoded on workers_ (up to kMaxBlocksReading ahead
  // of the window), and within the window (kMaxBlocksAhead blocks,
  // kMaxTxsAhead txs) their signatures checked and their receipts and tx
  // index entries read there too (see AheadBlock), ahead of the replay.
  Result<bool> verify_blocks(const storage::ChainTip& tip) {
    const bool concurrent = options_.concurrent_store_reads;
    std::deque<std::shared_ptr<AheadBlock>> reading;  // read_block submitted to workers_
    std::deque<std::shared_ptr<AheadBlock>> ahead;    // read, its tx tasks submitted
    size_t txs_ahead = 0;
    uint64_t next_read = 0;
    bool read_failed = false;
    Hash prev_hash{};
    Hash prev_state_root{};
    uint64_t prev_time = 0;
    for (uint64_t height = 0; height <= tip.height; ++height) {
      for (;;) {
        while (concurrent && !read_failed && next_read <= tip.height &&
               reading.size() < kMaxBlocksReading) {
          auto next = std::make_shared<AheadBlock>(next_read++);
          workers_.submit(next->read, "reading block " + std::to_string(next->height),
                          [this, next] { read_block(store_, *next); });
          reading.push_back(std::move(next));
        }
        if (read_failed ||
            !(ahead.empty() || (ahead.size() < kMaxBlocksAhead && txs_ahead < kMaxTxsAhead))) {
          break;
        }
        std::shared_ptr<AheadBlock> next;
        if (concurrent) {
          // Waits only when the replay has nothing else to do.
          if (reading.empty() || (!ahead.empty() && !workers_.done(reading.front()->read))) break;
          next = std::move(reading.front());
          reading.pop_front();
          SILK_RETURN_IF_ERROR(workers_.wait(next->read));
        } else {
          if (next_read > tip.height) break;
          next = std::make_shared<AheadBlock>(next_read++);
          read_block(store_, *next);
        }
        read_failed = !next->block.is_ok();
        if (!read_failed) {
          txs_ahead += next->block->txs.size();
          expect_keys(*next);
        }
        submit_block(workers_, store_, next, concurrent);
        ahead.push_back(std::move(next));
      }
      const std::shared_ptr<AheadBlock> current = std::move(ahead.front());
      ahead.pop_front();
      Result<core::Block>& read = current->block;
      if (!read.is_ok()) {
        return add_fatal(height, h(height) + "block cannot be read: " + read.status().message());
      }
      txs_ahead -= read->txs.size();
      SILK_RETURN_IF_ERROR(workers_.wait(current->batch));
      if (!concurrent) read_tx_entries(store_, *current);
      const core::Block& block = read.value();
      bool go_on = true;
      if (height == 0) {
        go_on = verify_genesis(block);
      } else {
        SILK_ASSIGN_OR_RETURN(
            go_on, verify_block(*current, height, prev_hash, prev_state_root, prev_time));
      }
      if (stopped_) return false;
      report_.blocks_checked = height + 1;
      report_.txs_checked += block.txs.size();
      prev_hash = block.hash();
      prev_state_root = block.header.state_root;
      prev_time = block.header.timestamp_ms;
      if (progress_) {
        finish();
        progress_({height, tip.height, report_.txs_checked, report_.duration_ms});
      }
      if (!go_on) return false;
    }
    return true;
  }

  // Sets the key each tx's signature is expected to verify with, where one
  // is known without the replayed state: a public-key sender's own key, or
  // the key of the certificate last seen (carried or resolved) for a
  // fingerprint. A wrong expectation costs a second verification, nothing more.
  void expect_keys(AheadBlock& ahead) {
    const std::vector<core::Tx>& txs = ahead.block->txs;
    ahead.keys.assign(txs.size(), core::PublicKey{});
    ahead.has_key.assign(txs.size(), 0);
    for (size_t i = 0; i < txs.size(); ++i) {
      const core::Tx& tx = txs[i];
      if (tx.sender_kind == core::SenderKind::kPublicKey) {
        ahead.keys[i] = tx.sender;
        ahead.has_key[i] = 1;
        continue;
      }
      auto known = expected_keys_.find(tx.sender);
      // As signer_key: only a certificate that hashes to the fingerprint enters cert_cache_.
      if (known == expected_keys_.end() && !tx.sender_cert.empty() &&
          core::sha256(tx.sender_cert) == tx.sender) {
        Result<core::Certificate> cert = cert_cache_.parse(tx.sender, tx.sender_cert);
        if (cert.is_ok()) known = expected_keys_.emplace(tx.sender, cert->public_key()).first;
      }
      if (known != expected_keys_.end()) {
        ahead.keys[i] = known->second;
        ahead.has_key[i] = 1;
      }
    }
  }

  bool verify_genesis(const core::Block& block) {
    const core::Block expected = core::make_genesis_block(genesis_);
    if (block.encode() != expected.encode()) {
      if (!add(0, h(0) + "block 0 is not the genesis block of this genesis file (stored hash " +
                      core::to_hex(block.hash()) + ", expected " + core::to_hex(expected.hash()) +
                      ")")) {
        return false;
      }
    }
    Result<std::string> stored_json = store_.genesis_json();
    if (!stored_json.is_ok()) {
      return add(0, h(0) + "stored genesis JSON cannot be read: " + stored_json.status().message());
    }
    Result<core::Genesis> stored = core::Genesis::parse(*stored_json);
    if (!stored.is_ok()) {
      return add(0, h(0) + "stored genesis JSON does not parse: " + stored.status().message());
    }
    if (stored->hash != genesis_.hash) {
      return add(0, h(0) + "stored genesis JSON hashes to " + core::to_hex(stored->hash) +
                        ", the genesis file to " + core::to_hex(genesis_.hash));
    }
    return true;
  }

  Result<bool> verify_block(const AheadBlock& checked, uint64_t height, const Hash& prev_hash,
                            const Hash& prev_state_root, uint64_t prev_time) {
    const core::Block& block = checked.block.value();
    const core::BlockHeader& hd = block.header;
    const std::string at = h(height);
    const Hash hash = checked.hash;
    if (hd.height != height && !add(height, at + "header.height is " + std::to_string(hd.height))) {
      return false;
    }
    if (hd.chain_id != genesis_.chain_id &&
        !add(height,
             at + "chain_id \"" + hd.chain_id + "\" != genesis \"" + genesis_.chain_id + "\"")) {
      return false;
    }
    if (hd.prev_hash != prev_hash &&
        !add(height, at + "prev_hash " + core::to_hex(hd.prev_hash) + " != hash of block " +
                         std::to_string(height - 1) + " " + core::to_hex(prev_hash))) {
      return false;
    }
    if (hd.timestamp_ms < prev_time &&
        !add(height, at + "timestamp_ms " + std::to_string(hd.timestamp_ms) + " is before block " +
                         std::to_string(height - 1) + "'s " + std::to_string(prev_time))) {
      return false;
    }
    const HashLookup& by_hash = checked.by_hash;
    if (!by_hash.status.is_ok()) {
      if (!add(height, at + "lookup by block hash " + core::to_hex(hash) +
                           " fails: " + by_hash.status.message())) {
        return false;
      }
    } else if (by_hash.height != height || by_hash.hash != hash) {
      if (!add(height, at + "lookup by block hash " + core::to_hex(hash) + " gives height " +
                           std::to_string(by_hash.height))) {
        return false;
      }
    }
    if (hd.tx_count != block.txs.size() &&
        !add(height, at + "tx_count " + std::to_string(hd.tx_count) +
                         " != " + std::to_string(block.txs.size()) + " txs in the block")) {
      return false;
    }
    const Hash tx_root = core::merkle_root(checked.tx_leaves);  // Block::compute_tx_root
    if (tx_root != hd.tx_root && !add(height, at + "tx_root in header " + core::to_hex(hd.tx_root) +
                                                  " != computed " + core::to_hex(tx_root))) {
      return false;
    }
    const std::vector<Hash>& tx_ids = checked.tx_ids;
    for (size_t i = 0; i < block.txs.size(); ++i) {
      const core::Tx& tx = block.txs[i];
      const auto which = [&] {
        return at + "tx " + std::to_string(i) + " (" + core::to_hex(tx_ids[i]) + ")";
      };
      Result<core::PublicKey> signer = signer_key(tx, checked.cert_matches[i] != 0);
      if (!signer.is_ok()) {
        if (!add(height, which() + " sender cannot be resolved: " + signer.status().message())) {
          return false;
        }
        continue;
      }
      expected_keys_.insert_or_assign(tx.sender, *signer);
      // The workers' verdict when they used this key; else verify here.
      const bool verifies = checked.has_key[i] != 0 && checked.keys[i] == *signer
                                ? checked.signature_ok[i] != 0
                                : tx.verify_signature(*signer);
      if (!verifies && !add(height, which() + " signature does not verify against sender " +
                                        core::to_hex(tx.sender))) {
        return false;
      }
    }
    // The validator set in force at this height (governance may change it).
    Result<std::shared_ptr<const contracts::ChainConfig>> config =
        executor_.config_at(replay_, height);
    if (!config.is_ok()) {
      return config.status().with_context("reading the chain config at " + std::to_string(height));
    }
    if (Status cert = core::verify_commit_cert(hd, block.cert, (*config)->validators);
        !cert.is_ok() &&
        !add(height, at + "commit certificate does not verify: " + cert.message())) {
      return false;
    }

    // Re-execute over the replayed state as of block height-1.
    Result<contracts::BlockExecution> exec =
        executor_.execute_block(block.txs, height, hd.timestamp_ms, prev_state_root, replay_,
                                &tx_ids);  // hashed by the workers
    if (!exec.is_ok()) {
      return exec.status().with_context("re-executing block " + std::to_string(height));
    }
    replay_.apply(exec->writes, tx_ids, height, hd.timestamp_ms);

    if (exec->receipts_root != hd.receipts_root &&
        !add(height, at + "receipts_root in header " + core::to_hex(hd.receipts_root) +
                         " != replayed " + core::to_hex(exec->receipts_root))) {
      return false;
    }
    if (exec->state_root != hd.state_root &&
        !add(height, at + "state_root in header " + core::to_hex(hd.state_root) + " != replayed " +
                         core::to_hex(exec->state_root))) {
      return false;
    }
    for (size_t i = 0; i < block.txs.size(); ++i) {
      const auto which = [&] {
        return at + "tx " + std::to_string(i) + " (" + core::to_hex(tx_ids[i]) + ")";
      };
      const Result<core::Receipt>& stored = *checked.receipts[i];
      if (!stored.is_ok()) {
        if (!add(height, which() + " receipt cannot be read: " + stored.status().message())) {
          return false;
        }
      } else if (i < exec->receipts.size() &&
                 checked.receipt_bytes[i] != exec->receipts[i].encode()) {
        if (!add(height, which() + " stored receipt differs from replay: " +
                             receipt_difference(*stored, exec->receipts[i]))) {
          return false;
        }
      }
      const Result<storage::TxLocation>& loc = *checked.locations[i];
      if (!loc.is_ok()) {
        if (!add(height, which() + " tx index entry cannot be read: " + loc.status().message())) {
          return false;
        }
      } else if (loc->height != height || loc->index != i) {
        if (!add(height, which() + " tx index points to height " + std::to_string(loc->height) +
                             " index " + std::to_string(loc->index) + ", not height " +
                             std::to_string(height) + " index " + std::to_string(i))) {
          return false;
        }
      }
    }
    return true;
  }

  bool verify_tip(const storage::ChainTip& tip) {
    Result<core::Block> block = store_.block_by_height(tip.height);
    if (!block.is_ok()) return add(std::nullopt, "tip: " + block.status().message());
    if (tip.block_hash != block->hash()) {
      return add(std::nullopt, "tip: stored tip hash " + core::to_hex(tip.block_hash) +
                                   " != hash of block " + std::to_string(tip.height) + " " +
                                   core::to_hex(block->hash()));
    }
    if (tip.state_root != block->header.state_root) {
      return add(std::nullopt, "tip: stored tip state_root " + core::to_hex(tip.state_root) +
                                   " != block " + std::to_string(tip.height) + "'s " +
                                   core::to_hex(block->header.state_root));
    }
    if (tip.total_txs != report_.txs_checked) {
      return add(std::nullopt, "tip: stored total_txs " + std::to_string(tip.total_txs) +
                                   " != " + std::to_string(report_.txs_checked) +
                                   " txs in blocks 0.." + std::to_string(tip.height));
    }
    return true;
  }

  // The replayed keys are compared with the store in chunks on workers_; the
  // findings are then added key by key in the replay's key order, exactly as
  // a serial comparison adds them (and stopping where it stops).
  // kInternal when a worker failed.
  Result<bool> verify_state() {
    using History = std::map<std::string, std::vector<core::KeyVersion>, std::less<>>;
    const History& all = replay_.all_history();
    const size_t threads = std::max<size_t>(1, workers_.threads());
    const size_t chunk_keys =
        std::clamp<size_t>(all.size() / (threads * 8) + 1, 16, kMaxStateChunkKeys);
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::shared_ptr<StateChunk>> chunks;
    for (auto it = all.begin(); it != all.end();) {
      auto chunk = std::make_shared<StateChunk>();
      chunk->begin = it;
      for (size_t n = 0; n < chunk_keys && it != all.end(); ++n) ++it;
      chunk->end = it;
      if (options_.concurrent_store_reads) {
        workers_.submit(chunk->batch, "comparing the replayed state with the store",
                        [this, chunk, cancelled] {
                          if (!cancelled->load(std::memory_order_relaxed)) compare_keys(*chunk);
                        });
      }
      chunks.push_back(std::move(chunk));
    }
    bool go_on = true;
    Status failed;
    for (const std::shared_ptr<StateChunk>& chunk : chunks) {
      if (!options_.concurrent_store_reads && go_on) compare_keys(*chunk);
      Status done = workers_.wait(chunk->batch);
      if (!go_on) continue;  // only draining: the tasks read replay_
      if (!done.is_ok()) {
        failed = done;
      } else {
        go_on = add_key_findings(*chunk);
        if (go_on) continue;
      }
      go_on = false;
      cancelled->store(true, std::memory_order_relaxed);
    }
    if (!failed.is_ok()) return failed;
    return go_on;
  }

  // On a worker: compares the keys of `chunk` with the store.
  void compare_keys(StateChunk& chunk) const {
    for (auto it = chunk.begin; it != chunk.end; ++it) {
      const std::string& key = it->first;
      KeyFinding& found = chunk.findings.emplace_back();
      const std::string name = "state key " + quoted_key(key);
      Result<std::optional<std::string>> replayed = replay_.get(key);
      Result<std::optional<std::string>> stored = store_.get_state(key);
      if (!stored.is_ok()) {
        found.value = name + ": stored value cannot be read: " + stored.status().message();
      } else if (*stored != *replayed) {
        found.value = name + ": stored value differs from replay (stored " +
                      describe_value(*stored) + "; replayed " + describe_value(*replayed) + ")";
      }
      compare_history(key, name, it->second, found);
    }
  }

  // Adds the findings of `chunk` as a serial comparison would; false where it stops.
  bool add_key_findings(const StateChunk& chunk) {
    for (const KeyFinding& found : chunk.findings) {
      ++report_.state_keys_checked;
      if (!found.value.empty() && !add(std::nullopt, found.value)) return false;
      if (!found.history_read) {
        if (!add(std::nullopt, found.history)) return false;
        continue;
      }
      report_.history_versions_checked += found.versions_checked;
      if (!found.history.empty() && !add(std::nullopt, found.history)) return false;
    }
    return true;
  }

  // Compares the store's history of `key` with the replayed one (`expected`)
  // into `found`: the first difference only, as the serial check did.
  void compare_history(const std::string& key, const std::string& name,
                       const std::vector<core::KeyVersion>& expected, KeyFinding& found) const {
    std::vector<core::KeyVersion> stored;
    for (;;) {
      Result<std::vector<core::KeyVersion>> page = store_.history(key, stored.size(), kHistoryPage);
      if (!page.is_ok()) {
        found.history = name + ": history cannot be read: " + page.status().message();
        return;
      }
      const size_t n = page->size();
      for (core::KeyVersion& v : *page) stored.push_back(std::move(v));
      if (n < kHistoryPage || stored.size() > expected.size()) break;
    }
    found.history_read = true;
    found.versions_checked = std::min(stored.size(), expected.size());
    for (size_t i = 0; i < std::min(stored.size(), expected.size()); ++i) {
      const core::KeyVersion& s = stored[i];
      const core::KeyVersion& e = expected[i];
      std::string what;
      if (s.height != e.height || s.tx_index != e.tx_index) {
        what = "is at height " + std::to_string(s.height) + " tx " + std::to_string(s.tx_index);
      } else if (s.tx_id != e.tx_id) {
        what = "names tx " + core::to_hex(s.tx_id) + ", replay " + core::to_hex(e.tx_id);
      } else if (s.timestamp_ms != e.timestamp_ms) {
        what = "has time " + std::to_string(s.timestamp_ms) + ", replay " +
               std::to_string(e.timestamp_ms);
      } else if (s.deleted != e.deleted || s.value != e.value) {
        what = "value differs (stored " +
               describe_value(s.deleted ? std::nullopt : std::optional<std::string>(s.value)) +
               "; replayed " +
               describe_value(e.deleted ? std::nullopt : std::optional<std::string>(e.value)) + ")";
      }
      if (!what.empty()) {
        found.history = name + ": history version " + std::to_string(i) + " (height " +
                        std::to_string(e.height) + " tx " + std::to_string(e.tx_index) + ") " +
                        what;
        return;
      }
    }
    if (stored.size() != expected.size()) {
      found.history = name + ": store holds " + std::to_string(stored.size()) +
                      (stored.size() > expected.size() ? "+" : "") + " history versions, replay " +
                      std::to_string(expected.size());
    }
  }

  const storage::Store& store_;
  const core::Genesis& genesis_;
  const VerifyChainOptions& options_;
  const VerifyChainProgressFn& progress_;
  contracts::Executor executor_;
  // The key a tx's signature must verify with: the sender itself (with-key),
  // else the certificate the tx carries (its SHA-256 must be the sender), one
  // an earlier tx carried, or one registered in the replayed state.
  // `cert_matches`: the tx's sender_cert hashes to its sender (AheadBlock).
  Result<core::PublicKey> signer_key(const core::Tx& tx, bool cert_matches) {
    if (tx.sender_kind == core::SenderKind::kPublicKey) return core::PublicKey(tx.sender);
    if (!tx.sender_cert.empty()) {
      if (!cert_matches) {
        return Status::invalid("sender_cert does not hash to the sender fingerprint");
      }
      Result<core::Certificate> cert = cert_cache_.parse(tx.sender, tx.sender_cert);
      if (!cert.is_ok()) return cert.status();
      seen_keys_.insert_or_assign(tx.sender, cert->public_key());
      return cert->public_key();
    }
    if (auto it = seen_keys_.find(tx.sender); it != seen_keys_.end()) return it->second;
    contracts::KeyReader read = [this](std::string_view key) { return replay_.get(key); };
    Result<std::optional<core::Certificate>> registered =
        contracts::registered_certificate(tx.sender, read, &cert_cache_);
    if (!registered.is_ok()) return registered.status();
    if (!*registered) {
      return Status::not_found("certificate " + core::to_hex(tx.sender) +
                               " is neither carried nor registered");
    }
    return (*registered)->public_key();
  }

  contracts::CertCache cert_cache_;
  std::map<Hash, core::PublicKey> seen_keys_;
  // Read-ahead's guess of a certificate sender's key (see expect_keys); never
  // decides a finding.
  std::map<Hash, core::PublicKey> expected_keys_;
  ReplayState replay_;
  VerifyChainReport report_;
  SteadyClock::time_point started_;
  bool stopped_ = false;  // a fatal difference ended the replay
  // Last, so that it joins its threads (whose tasks may read replay_) before
  // the other members go.
  WorkerPool workers_;
};

bool mentions_lock(const std::string& message) {
  std::string lower = message;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("lock") != std::string::npos;
}

std::string format_seconds(double ms) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(2);
  s << ms / 1000.0 << " s";
  return s.str();
}

}  // namespace

Result<VerifyChainReport> verify_chain(const storage::Store& store, const core::Genesis& genesis,
                                       const VerifyChainOptions& options,
                                       const VerifyChainProgressFn& progress) {
  try {
    ChainVerifier verifier(store, genesis, options, progress);
    return verifier.run();
  } catch (const std::exception& e) {
    return Status::internal(std::string("verify-chain: unexpected failure: ") + e.what());
  }
}

Result<CommandOutput> run_audit_verify_chain(const AuditVerifyChainOptions& options,
                                             const VerifyChainProgressFn& progress) {
  namespace fs = std::filesystem;
  Result<core::Genesis> genesis = core::load_genesis_file(options.genesis_file);
  if (!genesis.is_ok()) return genesis.status();

  VerifyChainOptions verify_options;
  verify_options.keep_going = options.keep_going;
  std::unique_ptr<storage::Store> opened;
  std::optional<client::NodeClient> node;
  if (!options.node_url.empty()) {
    Result<client::Url> url = client::parse_url(options.node_url);
    if (!url.is_ok()) return url.status();
    node.emplace(*url);
    opened = make_rpc_store(*node, *genesis);
    verify_options.check_state = false;
    verify_options.concurrent_store_reads = false;  // one HTTP client
  } else {
    std::error_code ec;
    if (!fs::is_directory(options.data_dir, ec)) {
      return Status::not_found("data folder " + options.data_dir +
                               " does not exist or is not a folder");
    }
    storage::RocksDbOptions open_options;
    open_options.create_if_missing = false;
    open_options.sync_writes = false;  // the audit never writes a block
    Result<std::unique_ptr<storage::Store>> store =
        storage::open_rocksdb_store(options.data_dir, open_options);
    if (!store.is_ok()) {
      const std::string& m = store.status().message();
      if (mentions_lock(m)) {
        return Status::unavailable("data folder " + options.data_dir +
                                   " is locked by a running silkd; stop it, or verify a copy of "
                                   "the folder (cp -a) instead (" +
                                   m + ")");
      }
      return Status(store.status().code(),
                    "cannot open data folder " + options.data_dir + ": " + m);
    }
    opened = std::move(store).value();
  }
  SILK_ASSIGN_OR_RETURN(VerifyChainReport report,
                        verify_chain(*opened, *genesis, verify_options, progress));

  const double blocks_per_s = report.duration_ms > 0 ? static_cast<double>(report.blocks_checked) *
                                                           1000.0 / report.duration_ms
                                                     : 0.0;
  const double txs_per_s =
      report.duration_ms > 0 ? static_cast<double>(report.txs_checked) * 1000.0 / report.duration_ms
                             : 0.0;
  CommandOutput out;
  json differences = json::array();
  for (const ChainDifference& d : report.differences) {
    differences.push_back(
        {{"height", d.height ? json(*d.height) : json(nullptr)}, {"message", d.message}});
  }
  out.json = {{"ok", report.ok()},
              {"complete", report.complete},
              {"chain_id", report.chain_id},
              {"genesis_hash", core::to_hex(report.genesis_hash)},
              {"tip_height", report.tip_height},
              {"blocks_checked", report.blocks_checked},
              {"txs_checked", report.txs_checked},
              {"state_keys_checked", report.state_keys_checked},
              {"history_versions_checked", report.history_versions_checked},
              {"duration_ms", report.duration_ms},
              {"txs_per_s", txs_per_s},
              {"signature_threads", report.signature_threads},
              {"differences", differences},
              {"truncated", report.truncated}};

  std::ostringstream t;
  t << "chain:       " << report.chain_id << " (genesis " << core::to_hex(report.genesis_hash)
    << ")\n";
  t << "blocks:      " << report.blocks_checked << " of " << report.tip_height + 1
    << " (heights 0.." << report.tip_height << ")\n";
  t << "txs:         " << report.txs_checked << "\n";
  t << "state keys:  " << report.state_keys_checked << " (" << report.history_versions_checked
    << " history versions)\n";
  t << "duration:    " << format_seconds(report.duration_ms) << " ("
    << static_cast<uint64_t>(blocks_per_s) << " blocks/s, " << static_cast<uint64_t>(txs_per_s)
    << " txs/s; signatures on " << report.signature_threads << " threads)\n";
  if (report.ok() && options.node_url.empty()) {
    t << "result:      OK: every hash link, signature, commit certificate, receipt, state root "
         "and replayed state value matches\n";
  } else if (report.ok()) {
    t << "result:      OK: every hash link, signature, commit certificate, receipt and state root "
         "the node serves matches the replay (state values are checked from a data folder)\n";
  } else {
    t << "result:      DIFFERS";
    if (!report.complete) t << " (verification stopped early)";
    t << "\n";
    for (const ChainDifference& d : report.differences) t << "  " << d.message << "\n";
    if (report.truncated) t << "  (more differences not listed)\n";
    out.exit_code = 1;
    out.error = report.differences.empty() ? "chain verification did not complete"
                                           : "chain differs: " + report.differences.front().message;
  }
  out.text = t.str();
  return out;
}

}  // namespace silk::tools
