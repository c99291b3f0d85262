#include "silk/node/mempool.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "silk/core/merkle.h"
#include "silk/node/json_view.h"
#include "silk/node/log.h"

namespace silk::node {

using core::Hash;
using core::Result;
using core::Status;

struct Mempool::Candidate {
  Status status;                  // non-OK once a check failed
  std::shared_ptr<PoolTx> entry;  // set by precheck when it passes
};

Mempool::Mempool(const core::Genesis& genesis, const ConfigInForce& config,
                 const contracts::Executor& executor, const storage::Store& store,
                 const core::Clock& clock, ThreadPool& verifiers, size_t capacity)
    : genesis_(genesis),
      config_(config),
      executor_(executor),
      store_(store),
      clock_(clock),
      verifiers_(verifiers),
      capacity_(std::max<size_t>(1, capacity)),
      state_view_(store) {}

void Mempool::precheck(core::ByteSpan encoded, uint64_t max_bytes, Candidate& c) const {
  // A tx larger than a block could never be proposed: it would sit at the head
  // of the FIFO forever. So the limit is the smaller of the two.
  const uint64_t limit = std::min<uint64_t>(core::Tx::kMaxEncodedBytes, max_bytes);
  if (encoded.size() > limit) {
    c.status = Status::invalid("tx is " + std::to_string(encoded.size()) + " bytes; limit is " +
                               std::to_string(limit));
    return;
  }
  Result<core::Tx> decoded = core::Tx::decode(encoded);
  if (!decoded.is_ok()) {
    c.status = decoded.status();
    return;
  }
  auto entry = std::make_shared<PoolTx>();
  entry->admitted_at = std::chrono::steady_clock::now();
  entry->tx = std::move(decoded).value();
  const core::Tx& tx = entry->tx;
  // The block stores the re-encoded tx and tx_root hashes its encoding: insist
  // they are the bytes the client signed and sent.
  if (tx.encode() != core::Bytes(encoded.begin(), encoded.end())) {
    c.status = Status::invalid("tx encoding is not canonical");
    return;
  }
  // Contracts parse args with nlohmann::json, whose dump and copy recurse
  // once per nesting level: deep args would overflow the executor's stack.
  if (json_nesting_depth(tx.args) > kMaxJsonDepth) {
    c.status = Status::invalid("tx args are nested deeper than " + std::to_string(kMaxJsonDepth) +
                               " levels");
    return;
  }
  // Args that are not a JSON object would only become a failed receipt (whose words are kept
  // short and the library's out of it): refuse them here, saying where they break.
  if (!nlohmann::json::accept(tx.args)) {
    try {
      const nlohmann::json parsed = nlohmann::json::parse(tx.args);
      c.status = Status::invalid("tx args are not valid JSON (" + std::string(parsed.type_name()) +
                                 " accepted on a second look)");
    } catch (const nlohmann::json::exception& e) {
      c.status = Status::invalid(std::string("tx args are not valid JSON: ") + e.what());
    }
    return;
  }
  if (std::optional<std::string> dup = core::json_duplicate_key(tx.args)) {
    c.status = Status::invalid("tx args repeat the key " + *dup +
                               " (one meaning per key: a signer's tool may read the first)");
    return;
  }
  if (const size_t first = tx.args.find_first_not_of(" \t\r\n");
      first == std::string::npos || tx.args[first] != '{') {
    c.status = Status::invalid("tx args must be a JSON object {...}");
    return;
  }
  if (tx.sender_kind == core::SenderKind::kPublicKey && !tx.sender_cert.empty()) {
    // Nothing reads it (the key is the identity), so it would only be bytes stored forever.
    c.status = Status::invalid("a tx whose sender is a public key carries no sender_cert (got " +
                               std::to_string(tx.sender_cert.size()) + " bytes)");
    return;
  }
  if (tx.chain_id != genesis_.chain_id) {
    c.status = Status::invalid("wrong chain id '" + tx.chain_id + "': this node serves '" +
                               genesis_.chain_id + "'");
    return;
  }
  const uint64_t now = clock_.now_ms();
  const uint64_t window = genesis_.tx_window_ms;
  if (tx.timestamp_ms > now && tx.timestamp_ms - now > window) {
    c.status =
        Status::invalid("tx timestamp " + std::to_string(tx.timestamp_ms) + " is " +
                        std::to_string(tx.timestamp_ms - now) +
                        " ms ahead of node time; window is ±" + std::to_string(window) + " ms");
    return;
  }
  if (tx.timestamp_ms < now && now - tx.timestamp_ms > window) {
    c.status =
        Status::invalid("tx timestamp " + std::to_string(tx.timestamp_ms) + " is " +
                        std::to_string(now - tx.timestamp_ms) +
                        " ms behind node time; window is ±" + std::to_string(window) + " ms");
    return;
  }
  // docs/formats.md: tx := signing_bytes signature (64 raw bytes), and the
  // bytes were just checked to be canonical, so this is tx.tx_id() without
  // encoding the tx once more.
  entry->tx_id = core::sha256(encoded.first(encoded.size() - core::Signature().size()));
  entry->leaf_hash = core::merkle_leaf_hash(encoded);
  entry->encoded_bytes = encoded.size();
  c.entry = std::move(entry);
}

void Mempool::check_committed(Candidate& c) const {
  const Hash& id = c.entry->tx_id;
  if (!store_.has_tx(id)) return;
  Result<storage::TxLocation> loc = store_.tx_location(id);
  c.status = Status::conflict("tx " + core::to_hex(id) + " already committed" +
                              (loc.is_ok() ? " at height " + std::to_string(loc->height) : ""));
}

void Mempool::verify(Candidate& c, const contracts::ChainConfig& config) const {
  const core::Tx& tx = c.entry->tx;
  Result<core::Member> member = executor_.authorize(tx, config, state_view_, clock_.now_ms());
  if (!member.is_ok()) {
    c.status = member.status();
    return;
  }
  const Hash& id = c.entry->tx_id;
  if (!core::verify(member->public_key, core::ByteSpan(id.data(), id.size()), tx.signature)) {
    c.status = Status::invalid("signature does not match sender " + core::to_hex(tx.sender));
  }
}

Result<Hash> Mempool::add(core::ByteSpan encoded) {
  std::vector<Result<Hash>> results = add_batch({encoded});
  return std::move(results.front());
}

std::vector<Result<Hash>> Mempool::add_batch(const std::vector<core::ByteSpan>& encoded,
                                             TxOrigin origin) {
  const size_t n = encoded.size();
  std::vector<Candidate> cands(n);
  auto alive = [&](size_t i) { return cands[i].status.is_ok(); };

  // Everything below runs under the configuration the next block will run with.
  const std::optional<storage::ChainTip> tip = store_.tip();
  const std::shared_ptr<const contracts::ChainConfig> config =
      config_.at(tip ? tip->height + 1 : 1);

  // 1-4: size, decode, chain id, time window. Parallel: decoding and hashing
  // are per-tx work.
  verifiers_.parallel_for(
      n, [&](size_t i) { precheck(encoded[i], config->block.max_block_bytes, cands[i]); });

  // 5a: already in the pool? And is there room at all? A full pool refuses
  // before spending verification work.
  uint64_t removals_seen = 0;
  {
    std::lock_guard lock(mu_);
    removals_seen = removals_;
    const bool full = by_seq_.size() >= capacity_;
    for (size_t i = 0; i < n; ++i) {
      if (!alive(i)) continue;
      if (seq_by_id_.count(cands[i].entry->tx_id) != 0) {
        cands[i].status =
            Status::conflict("tx " + core::to_hex(cands[i].entry->tx_id) + " already in the pool");
      } else if (full) {
        cands[i].status = Status::exhausted("pool full: " + std::to_string(by_seq_.size()) +
                                            " of " + std::to_string(capacity_) + " txs");
      }
    }
  }

  // 5b-7: already committed? Then sender and signature, in parallel.
  verifiers_.parallel_for(n, [&](size_t i) {
    if (!alive(i)) return;
    check_committed(cands[i]);
    if (alive(i)) verify(cands[i], *config);
  });

  // 8: insert. The store check above is still valid if no remove() ran since
  // the pool check in 5a: a tx reaches the store only from the pool (block
  // building takes from it) and leaves the pool only by remove() after its
  // block is stored. If a remove() did run, check the store again, outside
  // the lock while that is cheap to retry, under it as a last resort.
  size_t admitted = 0;
  for (int attempt = 0;; ++attempt) {
    std::unique_lock lock(mu_);
    if (removals_ != removals_seen) {
      removals_seen = removals_;
      if (attempt < 3) {
        lock.unlock();
        for (size_t i = 0; i < n; ++i) {
          if (alive(i)) check_committed(cands[i]);
        }
        continue;
      }
      for (size_t i = 0; i < n; ++i) {
        if (alive(i)) check_committed(cands[i]);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (!alive(i)) continue;
      const Hash& id = cands[i].entry->tx_id;
      if (seq_by_id_.count(id) != 0) {
        cands[i].status = Status::conflict("tx " + core::to_hex(id) + " already in the pool");
        continue;
      }
      if (by_seq_.size() >= capacity_) {
        cands[i].status = Status::exhausted("pool full: " + std::to_string(by_seq_.size()) +
                                            " of " + std::to_string(capacity_) + " txs");
        continue;
      }
      const uint64_t seq = next_seq_++;
      seq_by_id_.emplace(id, seq);
      by_seq_.emplace_hint(by_seq_.end(), seq, cands[i].entry);
      ++admitted;
    }
    break;
  }
  if (admitted > 0 && on_admitted_) on_admitted_();
  if (admitted > 0 && origin == TxOrigin::kClient && on_client_txs_) {
    std::vector<core::ByteSpan> fresh;
    fresh.reserve(admitted);
    for (size_t i = 0; i < n; ++i) {
      if (alive(i)) fresh.push_back(encoded[i]);
    }
    on_client_txs_(fresh);
  }

  std::vector<Result<Hash>> results;
  results.reserve(n);
  for (Candidate& c : cands) {
    if (c.status.is_ok()) {
      results.emplace_back(c.entry->tx_id);
    } else {
      const auto code = static_cast<size_t>(c.status.code());
      refused_[code < kCodes ? code : kCodes - 1].fetch_add(1, std::memory_order_relaxed);
      results.emplace_back(std::move(c.status));
    }
  }
  return results;
}

std::vector<std::shared_ptr<const PoolTx>> Mempool::take(
    size_t max_txs, uint64_t max_bytes, const std::unordered_set<Hash, TxIdHash>* skip) {
  std::vector<std::shared_ptr<const PoolTx>> out;
  std::lock_guard lock(mu_);
  out.reserve(std::min(max_txs, by_seq_.size()));
  uint64_t bytes = 0;
  for (auto it = by_seq_.begin(); it != by_seq_.end();) {
    const std::shared_ptr<const PoolTx>& entry = it->second;
    if (skip != nullptr && skip->count(entry->tx_id) != 0) {
      ++it;
      continue;
    }
    if (entry->encoded_bytes > max_bytes) {
      // No block can hold it any more: drop it rather than stall the FIFO behind it.
      logger("mempool")->warn(
          "dropped tx {}: {} bytes, larger than the block limit of {} bytes now in force",
          core::to_hex(entry->tx_id), entry->encoded_bytes, max_bytes);
      seq_by_id_.erase(entry->tx_id);
      it = by_seq_.erase(it);
      ++removals_;
      continue;
    }
    if (out.size() >= max_txs || bytes + entry->encoded_bytes > max_bytes) break;
    bytes += entry->encoded_bytes;
    out.push_back(entry);
    ++it;
  }
  return out;
}

void Mempool::remove(const std::vector<Hash>& tx_ids) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  ++removals_;
  for (const Hash& id : tx_ids) {
    auto it = seq_by_id_.find(id);
    if (it == seq_by_id_.end()) continue;
    if (metrics_ != nullptr) {
      const PoolTx& tx = *by_seq_.at(it->second);
      metrics_->tx_commit_seconds.observe(
          std::chrono::duration<double>(now - tx.admitted_at).count());
    }
    by_seq_.erase(it->second);
    seq_by_id_.erase(it);
  }
}

std::array<uint64_t, Mempool::kCodes> Mempool::refused_by_code() const {
  std::array<uint64_t, kCodes> out{};
  for (size_t i = 0; i < kCodes; ++i) out[i] = refused_[i].load(std::memory_order_relaxed);
  return out;
}

std::shared_ptr<const PoolTx> Mempool::get(const Hash& tx_id) const {
  std::lock_guard lock(mu_);
  auto it = seq_by_id_.find(tx_id);
  if (it == seq_by_id_.end()) return nullptr;
  return by_seq_.at(it->second);
}

bool Mempool::contains(const Hash& tx_id) const {
  std::lock_guard lock(mu_);
  return seq_by_id_.count(tx_id) != 0;
}

size_t Mempool::size() const {
  std::lock_guard lock(mu_);
  return by_seq_.size();
}

}  // namespace silk::node
