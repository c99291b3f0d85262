#include "silk/chain/verify_chain.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "silk/chain/check_block.h"
#include "silk/chain/engine.h"
#include "silk/chain/replay_state.h"
#include "silk/contracts/executor.h"
#include "silk/contracts/identity.h"
#include "silk/core/clock.h"
#include "silk/core/crypto.h"
#include "silk/core/receipt.h"
#include "worker_pool.h"

namespace silk::chain {

using core::Hash;
using core::Result;
using core::Status;

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t kHistoryPage = 1000;
// How far the block reads (and the signature checks on them) run ahead of the replay.
constexpr size_t kMaxBlocksAhead = 64;
constexpr size_t kMaxTxsAhead = 8192;
// How many blocks workers read and decode ahead of those.
constexpr size_t kMaxBlocksReading = 16;
// The most replayed keys one worker task compares with the source.
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

// What looking a block up by its hash gave.
struct HashLookup {
  Status status;  // OK: height and hash are set
  uint64_t height = 0;
  Hash hash{};
};

// One block read ahead of the replay. Before its tasks are submitted to the
// WorkerPool, the replay thread sets, per tx it can, the key its sender names
// (a public-key sender's own key; for a certificate fingerprint, the key of a
// certificate seen with that fingerprint so far). The workers compute the tx
// digests and verify those signatures against those keys, and read what the
// checks compare that does not depend on the replay (the lookup by block
// hash, the stored receipts and tx index entries). check_block takes the
// digests and the signatures that verified as its fast-path inputs; it
// verifies any other signature itself, in chain order, so the differences
// come out exactly as a serial check gives them.
struct AheadBlock final : KnownTxs {
  static constexpr size_t kChunkTxs = 32;

  explicit AheadBlock(uint64_t h) : height(h) {}

  // KnownTxs: the workers verified tx i against the key its sender names.
  bool verified(size_t i, const core::Tx&, const Hash&, std::optional<Hash>*) const override {
    return has_key[i] != 0 && signature_ok[i] != 0;
  }

  uint64_t height;
  Result<core::Block> block = Status::internal("not read yet");  // set by read_block
  Batch read;                         // read_block, when a worker runs it
  std::vector<core::PublicKey> keys;  // per tx, the key its sender names, when has_key
  std::vector<uint8_t> has_key;       // per tx: 1 when keys[i] is set
  // Set by read_block and check_txs, on the workers (or on the replay thread
  // for a source that is not thread-safe):
  Hash hash{};  // block.hash()
  HashLookup by_hash;
  TxDigests digests;
  // Per tx:
  std::vector<uint8_t> signature_ok;  // 1: the signature verifies with keys[i]
  std::vector<std::optional<Result<core::Receipt>>> receipts;  // source.receipt(digests.ids[i])
  std::vector<core::Bytes> receipt_bytes;                      // receipts[i]->encode()
  std::vector<std::optional<Result<storage::TxLocation>>> locations;  // source.tx_location(...)
  Batch batch;
};

// Reads and decodes the block, and looks it up by its hash (but block 0,
// which is compared with the genesis instead).
void read_block(const BlockSource& source, AheadBlock& a) {
  a.block = source.block(a.height);
  if (!a.block.is_ok()) return;
  a.hash = a.block->hash();
  if (a.height == 0) return;
  Result<core::Block> by_hash = source.block_by_hash(a.hash);
  if (!by_hash.is_ok()) {
    a.by_hash.status = by_hash.status();
    return;
  }
  a.by_hash.height = by_hash->header.height;
  a.by_hash.hash = by_hash->hash();
}

// The stored receipt and tx index entry of tx i (its id set).
void read_tx_entry(const BlockSource& source, AheadBlock& a, size_t i) {
  const Hash& id = a.digests.ids[i];
  a.receipts[i].emplace(source.receipt(id));
  if (a.receipts[i]->is_ok()) a.receipt_bytes[i] = a.receipts[i]->value().encode();
  a.locations[i].emplace(source.tx_location(id));
}

// Tx digests, signatures and (`read` true) the stored receipts and tx index
// entries of txs [begin, end).
void check_txs(const BlockSource& source, AheadBlock& a, size_t begin, size_t end, bool read) {
  a.digests.compute(a.block->txs, begin, end);
  for (size_t i = begin; i < end; ++i) {
    if (a.has_key[i] != 0) {
      const Hash& id = a.digests.ids[i];
      a.signature_ok[i] =
          core::verify(a.keys[i], core::ByteSpan(id.data(), id.size()), a.block->txs[i].signature)
              ? 1
              : 0;
    }
    if (read) read_tx_entry(source, a, i);
  }
}

// Reads the stored receipts and tx index entries of `a` on this thread (a
// source that is not thread-safe).
void read_tx_entries(const BlockSource& source, AheadBlock& a) {
  for (size_t i = 0; i < a.digests.ids.size(); ++i) read_tx_entry(source, a, i);
}

// Queues the worker tasks of `ahead` (see AheadBlock). `concurrent_reads`:
// the workers read the source too.
void submit_block(WorkerPool& pool, const BlockSource& source,
                  const std::shared_ptr<AheadBlock>& ahead, bool concurrent_reads) {
  if (!ahead->block.is_ok()) return;
  const size_t n = ahead->block->txs.size();
  ahead->keys.resize(n);
  ahead->has_key.resize(n, 0);
  ahead->digests.resize(n);
  ahead->signature_ok.assign(n, 0);
  ahead->receipts.assign(n, std::nullopt);
  ahead->receipt_bytes.assign(n, core::Bytes{});
  ahead->locations.assign(n, std::nullopt);
  const std::string what = "verifying signatures of block " + std::to_string(ahead->height);
  for (size_t begin = 0; begin < n; begin += AheadBlock::kChunkTxs) {
    const size_t end = std::min(n, begin + AheadBlock::kChunkTxs);
    pool.submit(ahead->batch, what, [&source, ahead, begin, end, concurrent_reads] {
      check_txs(source, *ahead, begin, end, concurrent_reads);
    });
  }
}

// What the comparison of one replayed key with the source found; the messages
// are those a serial comparison adds, in its order.
struct KeyFinding {
  std::string value;          // the current value cannot be read or differs
  std::string history;        // the history cannot be read, or its first difference
  bool history_read = false;  // the history was read (else `history` says why not)
  uint64_t versions_checked = 0;
};

// Consecutive replayed keys compared with the source on a worker.
struct StateChunk {
  using Iterator = ReplayState::History::const_iterator;
  Iterator begin;
  Iterator end;
  std::vector<KeyFinding> findings;  // per key of [begin, end), once done
  Batch batch;
};

// Runs the checks and records the differences.
class ChainVerifier {
 public:
  ChainVerifier(const BlockSource& source, const core::Genesis& genesis,
                contracts::ConsensusRules rules, const VerifyChainOptions& options,
                const VerifyChainProgressFn& progress)
      : source_(source),
        genesis_(genesis),
        options_(options),
        progress_(progress),
        executor_(genesis, std::move(rules)),
        workers_(options.signature_threads != 0
                     ? options.signature_threads
                     : std::max(1u, std::thread::hardware_concurrency())) {}

  Result<VerifyChainReport> run() {
    started_ = SteadyClock::now();
    now_ms_ = options_.now_ms.value_or(core::SystemClock::instance().now_ms());
    report_.chain_id = genesis_.chain_id;
    report_.genesis_hash = genesis_.hash;
    Result<storage::ChainTip> tip = source_.tip();
    if (!tip.is_ok()) return tip.status();
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
    for (uint64_t height = 0; height <= tip.height; ++height) {
      for (;;) {
        while (concurrent && !read_failed && next_read <= tip.height &&
               reading.size() < kMaxBlocksReading) {
          auto next = std::make_shared<AheadBlock>(next_read++);
          workers_.submit(next->read, "reading block " + std::to_string(next->height),
                          [this, next] { read_block(source_, *next); });
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
          read_block(source_, *next);
        }
        read_failed = !next->block.is_ok();
        if (!read_failed) {
          txs_ahead += next->block->txs.size();
          expect_keys(*next);
        }
        submit_block(workers_, source_, next, concurrent);
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
      if (!concurrent) read_tx_entries(source_, *current);
      const core::Block& block = read.value();
      bool go_on = true;
      if (height == 0) {
        go_on = verify_genesis(block);
        replay_.emplace(block);
      } else {
        SILK_ASSIGN_OR_RETURN(go_on, verify_block(*current, height));
      }
      if (stopped_) return false;
      report_.blocks_checked = height + 1;
      report_.txs_checked += block.txs.size();
      if (progress_) {
        finish();
        progress_({height, tip.height, report_.txs_checked, report_.duration_ms});
      }
      if (!go_on) return false;
    }
    return true;
  }

  // Sets the key each tx's sender names, where one is known without the
  // replayed state of the blocks still ahead: a public-key sender's own key,
  // or the key of the certificate seen (carried, or registered in the state
  // replayed so far) for a fingerprint. The fingerprint is the certificate's
  // SHA-256, so the key is the sender's whichever way it was found; a tx
  // without one is verified by check_block on the replay thread.
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
      // Only a certificate that hashes to the fingerprint enters cert_cache_.
      if (known == expected_keys_.end() && !tx.sender_cert.empty() &&
          core::sha256(tx.sender_cert) == tx.sender) {
        Result<core::Certificate> cert = cert_cache_.parse(tx.sender, tx.sender_cert);
        if (cert.is_ok()) known = expected_keys_.emplace(tx.sender, cert->public_key()).first;
      }
      if (known == expected_keys_.end() && replay_) {
        contracts::KeyReader read = [this](std::string_view key) { return replay_->get(key); };
        Result<std::optional<core::Certificate>> registered =
            contracts::registered_certificate(tx.sender, read, &cert_cache_);
        if (registered.is_ok() && *registered) {
          known = expected_keys_.emplace(tx.sender, (*registered)->public_key()).first;
        }
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
    Result<std::string> stored_json = source_.genesis_json();
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

  // Block `height` with its certificate on the replayed chain (check_block:
  // a validator's rules), then what the source says of it; the replay moves
  // on to it.
  Result<bool> verify_block(const AheadBlock& checked, uint64_t height) {
    const core::Block& block = checked.block.value();
    const std::string at = h(height);
    CheckOptions check;
    check.now_ms = now_ms_;
    check.digests = &checked.digests;
    check.known = &checked;
    bool go_on = true;
    SILK_ASSIGN_OR_RETURN(
        CheckedBlock valid,
        check_block(block, &block.cert, *replay_, executor_, check, [&](const Problem& problem) {
          go_on = add(height, at + problem.message);
          return go_on;
        }));
    // Stopped at a problem (or short of execution): the replay cannot go on.
    if (!go_on || !valid.execution) return false;
    replay_->apply(block.header, checked.hash, valid.execution->writes, valid.tx_ids);

    const HashLookup& by_hash = checked.by_hash;
    if (!by_hash.status.is_ok()) {
      if (!add(height, at + "lookup by block hash " + core::to_hex(checked.hash) +
                           " fails: " + by_hash.status.message())) {
        return false;
      }
    } else if (by_hash.height != height || by_hash.hash != checked.hash) {
      if (!add(height, at + "lookup by block hash " + core::to_hex(checked.hash) +
                           " gives height " + std::to_string(by_hash.height))) {
        return false;
      }
    }
    const std::vector<core::Receipt>& receipts = valid.execution->receipts;
    for (size_t i = 0; i < block.txs.size(); ++i) {
      const auto which = [&] {
        return at + "tx " + std::to_string(i) + " (" + core::to_hex(valid.tx_ids[i]) + ")";
      };
      const Result<core::Receipt>& stored = *checked.receipts[i];
      if (!stored.is_ok()) {
        if (!add(height, which() + " receipt cannot be read: " + stored.status().message())) {
          return false;
        }
      } else if (i < receipts.size() && checked.receipt_bytes[i] != receipts[i].encode()) {
        if (!add(height, which() + " stored receipt differs from replay: " +
                             receipt_difference(*stored, receipts[i]))) {
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
    Result<core::Block> block = source_.block(tip.height);
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

  // The replayed keys are compared with the source in chunks on workers_; the
  // findings are then added key by key in the replay's key order, exactly as
  // a serial comparison adds them (and stopping where it stops).
  // kInternal when a worker failed.
  Result<bool> verify_state() {
    const ReplayState::History& all = replay_->all_history();
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
        workers_.submit(chunk->batch, "comparing the replayed state with the source",
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

  // On a worker: compares the keys of `chunk` with the source.
  void compare_keys(StateChunk& chunk) const {
    for (auto it = chunk.begin; it != chunk.end; ++it) {
      const std::string& key = it->first;
      KeyFinding& found = chunk.findings.emplace_back();
      const std::string name = "state key " + quoted_key(key);
      Result<std::optional<std::string>> replayed = replay_->get(key);
      Result<std::optional<std::string>> stored = source_.state(key);
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

  // Compares the source's history of `key` with the replayed one (`expected`)
  // into `found`: the first difference only, as the serial check did.
  void compare_history(const std::string& key, const std::string& name,
                       const std::vector<core::KeyVersion>& expected, KeyFinding& found) const {
    std::vector<core::KeyVersion> stored;
    for (;;) {
      Result<std::vector<core::KeyVersion>> page =
          source_.history(key, stored.size(), kHistoryPage);
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

  const BlockSource& source_;
  const core::Genesis& genesis_;
  const VerifyChainOptions& options_;
  const VerifyChainProgressFn& progress_;
  contracts::Executor executor_;
  uint64_t now_ms_ = 0;
  contracts::CertCache cert_cache_;
  // The key each certificate fingerprint names, as far as the read-ahead has
  // seen (see expect_keys).
  std::map<Hash, core::PublicKey> expected_keys_;
  std::optional<ReplayState> replay_;  // from block 0 on
  VerifyChainReport report_;
  SteadyClock::time_point started_;
  bool stopped_ = false;  // a fatal difference ended the replay
  // Last, so that it joins its threads (whose tasks may read replay_) before
  // the other members go.
  WorkerPool workers_;
};

}  // namespace

Result<VerifyChainReport> verify_chain(const BlockSource& source, const core::Genesis& genesis,
                                       const VerifyChainOptions& options,
                                       const VerifyChainProgressFn& progress) {
  try {
    SILK_ASSIGN_OR_RETURN(contracts::ConsensusRules rules, consensus_rules(genesis));
    ChainVerifier verifier(source, genesis, std::move(rules), options, progress);
    return verifier.run();
  } catch (const std::exception& e) {
    return Status::internal(std::string("verify-chain: unexpected failure: ") + e.what());
  }
}

Result<VerifyChainReport> verify_chain(const storage::Store& store, const core::Genesis& genesis,
                                       const VerifyChainOptions& options,
                                       const VerifyChainProgressFn& progress) {
  return verify_chain(*make_store_source(store), genesis, options, progress);
}

}  // namespace silk::chain
