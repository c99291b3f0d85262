#include "silk/tools/audit_verify_chain.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

#include "silk/contracts/executor.h"
#include "silk/contracts/identity.h"
#include "silk/core/block.h"
#include "silk/core/crypto.h"
#include "silk/core/merkle.h"
#include "silk/core/receipt.h"
#include "silk/core/write_set.h"
#include "silk/tools/node_client.h"
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

// One block read ahead of the replay. Before it is submitted to a
// SignaturePool, the replay thread sets, per tx it can, the key the signature
// is expected to verify with (a public-key sender's own key; a certificate
// sender's key from the certificate seen for that fingerprint so far). The
// workers fill in the tx ids and verify those signatures against those keys.
// The replay still resolves each signer in chain order as a serial check
// does, and uses a worker's verdict only when the key is the same, verifying
// again itself otherwise; so the differences come out exactly as a serial
// check would give them.
struct AheadBlock {
  AheadBlock(uint64_t h, Result<core::Block> read) : height(h), block(std::move(read)) {}

  uint64_t height;
  Result<core::Block> block;
  std::vector<core::PublicKey> keys;  // per tx, the expected key, when has_key
  std::vector<uint8_t> has_key;       // per tx: 1 when keys[i] is set
  // Per tx, set by the workers:
  std::vector<Hash> tx_ids;
  std::vector<Hash> tx_leaves;        // merkle_leaf_hash(tx.encode()), for the tx_root
  std::vector<uint8_t> cert_matches;  // 1: sender_cert is not empty and hashes to the sender
  std::vector<uint8_t> signature_ok;  // 1: the signature verifies with keys[i]
  // Guarded by SignaturePool::mu_:
  size_t pending_chunks = 0;
  std::string failure;  // a worker's exception, if any
};

// Verifies tx signatures on `threads` worker threads, in the order blocks are
// submitted. Owned and driven by one thread (the replay): submit and wait are
// not to be called concurrently. The destructor drops unstarted work and joins.
class SignaturePool {
 public:
  static constexpr size_t kChunkTxs = 32;

  explicit SignaturePool(unsigned threads) {
    try {
      for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      // Fewer workers than asked: wait() runs the chunks itself, so this only slows it down.
    }
  }
  ~SignaturePool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      queue_.clear();
    }
    work_ready_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  SignaturePool(const SignaturePool&) = delete;
  SignaturePool& operator=(const SignaturePool&) = delete;

  unsigned threads() const { return static_cast<unsigned>(threads_.size()); }

  void submit(const std::shared_ptr<AheadBlock>& ahead) {
    if (!ahead->block.is_ok()) return;
    const size_t n = ahead->block->txs.size();
    ahead->keys.resize(n);
    ahead->has_key.resize(n, 0);
    ahead->tx_ids.assign(n, Hash{});
    ahead->tx_leaves.assign(n, Hash{});
    ahead->cert_matches.assign(n, 0);
    ahead->signature_ok.assign(n, 0);
    if (n == 0) return;
    {
      std::lock_guard lock(mu_);
      for (size_t begin = 0; begin < n; begin += kChunkTxs) {
        queue_.push_back({ahead, begin, std::min(n, begin + kChunkTxs)});
        ++ahead->pending_chunks;
      }
    }
    work_ready_.notify_all();
  }

  // Returns once every chunk of `ahead` is done, running queued chunks (the
  // oldest first: this block's, or earlier ones') meanwhile. kInternal when a
  // worker failed on this block.
  Status wait(AheadBlock& ahead) {
    std::unique_lock lock(mu_);
    while (ahead.pending_chunks > 0) {
      if (!queue_.empty()) {
        run_front(lock);
      } else {
        chunk_done_.wait(lock);
      }
    }
    if (!ahead.failure.empty()) return Status::internal(ahead.failure);
    return Status();
  }

 private:
  struct Chunk {
    std::shared_ptr<AheadBlock> ahead;
    size_t begin = 0;
    size_t end = 0;
  };

  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      run_front(lock);
    }
  }

  // Pops the oldest chunk and runs it with mu_ released.
  void run_front(std::unique_lock<std::mutex>& lock) {
    Chunk chunk = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::string failure;
    try {
      AheadBlock& a = *chunk.ahead;
      for (size_t i = chunk.begin; i < chunk.end; ++i) {
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
      }
    } catch (const std::exception& e) {
      failure = std::string("verifying signatures of block ") +
                std::to_string(chunk.ahead->height) + ": " + e.what();
    }
    lock.lock();
    if (!failure.empty() && chunk.ahead->failure.empty()) chunk.ahead->failure = failure;
    if (--chunk.ahead->pending_chunks == 0) chunk_done_.notify_all();
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  // Guarded by mu_ (with each queued block's pending_chunks and failure):
  std::deque<Chunk> queue_;
  bool stopping_ = false;
  std::condition_variable work_ready_;  // queue_ not empty, or stopping_
  std::condition_variable chunk_done_;  // some block's pending_chunks reached 0
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
        signatures_(options.signature_threads != 0
                        ? options.signature_threads
                        : std::max(1u, std::thread::hardware_concurrency())) {}

  Result<VerifyChainReport> run() {
    started_ = SteadyClock::now();
    report_.chain_id = genesis_.chain_id;
    report_.genesis_hash = genesis_.hash;
    std::optional<storage::ChainTip> tip = store_.tip();
    if (!tip) return Status::not_found("the store holds no chain (no genesis block)");
    report_.tip_height = tip->height;
    report_.signature_threads = signatures_.threads();

    SILK_ASSIGN_OR_RETURN(bool go_on, verify_blocks(*tip));
    if (go_on) go_on = verify_tip(*tip);
    if (go_on && options_.check_state) go_on = verify_state();
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

  // Blocks are read ahead of the replay (up to kMaxBlocksAhead blocks and
  // kMaxTxsAhead txs) and their signatures checked on signatures_ meanwhile;
  // only this thread reads the store.
  Result<bool> verify_blocks(const storage::ChainTip& tip) {
    std::deque<std::shared_ptr<AheadBlock>> ahead;
    size_t txs_ahead = 0;
    uint64_t next_read = 0;
    bool read_failed = false;
    Hash prev_hash{};
    Hash prev_state_root{};
    uint64_t prev_time = 0;
    for (uint64_t height = 0; height <= tip.height; ++height) {
      while (!read_failed && next_read <= tip.height &&
             (ahead.empty() || (ahead.size() < kMaxBlocksAhead && txs_ahead < kMaxTxsAhead))) {
        auto next = std::make_shared<AheadBlock>(next_read, store_.block_by_height(next_read));
        ++next_read;
        read_failed = !next->block.is_ok();
        if (!read_failed) {
          txs_ahead += next->block->txs.size();
          expect_keys(*next);
        }
        signatures_.submit(next);
        ahead.push_back(std::move(next));
      }
      const std::shared_ptr<AheadBlock> current = std::move(ahead.front());
      ahead.pop_front();
      Result<core::Block>& read = current->block;
      if (!read.is_ok()) {
        return add_fatal(height, h(height) + "block cannot be read: " + read.status().message());
      }
      txs_ahead -= read->txs.size();
      SILK_RETURN_IF_ERROR(signatures_.wait(*current));
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
    const Hash hash = block.hash();
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
    Result<core::Block> by_hash = store_.block_by_hash(hash);
    if (!by_hash.is_ok()) {
      if (!add(height, at + "lookup by block hash " + core::to_hex(hash) +
                           " fails: " + by_hash.status().message())) {
        return false;
      }
    } else if (by_hash->header.height != height || by_hash->hash() != hash) {
      if (!add(height, at + "lookup by block hash " + core::to_hex(hash) + " gives height " +
                           std::to_string(by_hash->header.height))) {
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
        executor_.execute_block(block.txs, height, hd.timestamp_ms, prev_state_root, replay_);
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
      Result<core::Receipt> stored = store_.receipt(tx_ids[i]);
      if (!stored.is_ok()) {
        if (!add(height, which() + " receipt cannot be read: " + stored.status().message())) {
          return false;
        }
      } else if (i < exec->receipts.size() && stored->encode() != exec->receipts[i].encode()) {
        if (!add(height, which() + " stored receipt differs from replay: " +
                             receipt_difference(*stored, exec->receipts[i]))) {
          return false;
        }
      }
      Result<storage::TxLocation> loc = store_.tx_location(tx_ids[i]);
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

  bool verify_state() {
    for (const auto& [key, versions] : replay_.all_history()) {
      const std::string name = "state key " + quoted_key(key);
      Result<std::optional<std::string>> replayed = replay_.get(key);
      Result<std::optional<std::string>> stored = store_.get_state(key);
      ++report_.state_keys_checked;
      if (!stored.is_ok()) {
        if (!add(std::nullopt,
                 name + ": stored value cannot be read: " + stored.status().message())) {
          return false;
        }
      } else if (*stored != *replayed) {
        if (!add(std::nullopt, name + ": stored value differs from replay (stored " +
                                   describe_value(*stored) + "; replayed " +
                                   describe_value(*replayed) + ")")) {
          return false;
        }
      }
      if (!verify_history(key, name, versions)) return false;
    }
    return true;
  }

  bool verify_history(const std::string& key, const std::string& name,
                      const std::vector<core::KeyVersion>& expected) {
    std::vector<core::KeyVersion> stored;
    for (;;) {
      Result<std::vector<core::KeyVersion>> page = store_.history(key, stored.size(), kHistoryPage);
      if (!page.is_ok()) {
        return add(std::nullopt, name + ": history cannot be read: " + page.status().message());
      }
      const size_t n = page->size();
      for (core::KeyVersion& v : *page) stored.push_back(std::move(v));
      if (n < kHistoryPage || stored.size() > expected.size()) break;
    }
    report_.history_versions_checked += std::min(stored.size(), expected.size());
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
        return add(std::nullopt, name + ": history version " + std::to_string(i) + " (height " +
                                     std::to_string(e.height) + " tx " +
                                     std::to_string(e.tx_index) + ") " + what);
      }
    }
    if (stored.size() != expected.size()) {
      return add(std::nullopt, name + ": store holds " + std::to_string(stored.size()) +
                                   (stored.size() > expected.size() ? "+" : "") +
                                   " history versions, replay " + std::to_string(expected.size()));
    }
    return true;
  }

  const storage::Store& store_;
  const core::Genesis& genesis_;
  const VerifyChainOptions& options_;
  const VerifyChainProgressFn& progress_;
  contracts::Executor executor_;
  SignaturePool signatures_;
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
  std::optional<NodeClient> node;
  if (!options.node_url.empty()) {
    Result<Url> url = parse_url(options.node_url);
    if (!url.is_ok()) return url.status();
    node.emplace(*url);
    opened = make_rpc_store(*node, *genesis);
    verify_options.check_state = false;
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
