#include "silk/chain/check_block.h"

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "silk/chain/engine.h"
#include "silk/core/crypto.h"
#include "silk/core/merkle.h"

namespace silk::chain {

using core::Hash;
using core::Result;
using core::Status;

namespace {

std::string hex(const Hash& h) { return core::to_hex(h); }

// Reports problems to the caller's sink and counts them.
class Problems {
 public:
  Problems(const ProblemSink& sink, size_t& count) : sink_(sink), count_(count) {}
  // False when the check must stop here.
  bool add(std::string message, Problem::Kind kind = Problem::Kind::kBlock) {
    ++count_;
    return sink_(Problem{kind, std::move(message)});
  }

 private:
  const ProblemSink& sink_;
  size_t& count_;
};

// The per-tx part of the check, run for each tx (possibly in parallel).
struct TxChecks {
  const std::vector<core::Tx>& txs;
  const TxDigests* given;
  const KnownTxs* known;
  const contracts::Executor& executor;
  const contracts::ChainConfig& config;
  const ChainView& chain;
  uint64_t block_time_ms;
  TxDigests digests;                   // when not given
  std::vector<uint8_t> bad_signature;  // per tx: 1 when its signature does not verify

  const Hash& id(size_t i) const { return given ? given->ids[i] : digests.ids[i]; }
  const Hash& leaf(size_t i) const { return given ? given->leaves[i] : digests.leaves[i]; }
  uint64_t size(size_t i) const { return given ? given->sizes[i] : digests.sizes[i]; }

  void run(size_t i) {
    const core::Tx& tx = txs[i];
    Hash* leaf_out = nullptr;
    core::Bytes encoded;
    if (given == nullptr) {
      encoded = tx.encode();
      const core::ByteSpan span(encoded.data(), encoded.size());
      digests.sizes[i] = encoded.size();
      // tx := signing_bytes signature (docs/formats.md): the id hashes all but
      // the signature, as Tx::tx_id() does, without encoding the tx again.
      digests.ids[i] = core::sha256(span.first(span.size() - core::Signature().size()));
      leaf_out = &digests.leaves[i];
    }
    std::optional<Hash> known_leaf;
    if (known != nullptr && known->verified(i, tx, id(i), &known_leaf)) {
      if (leaf_out != nullptr)
        *leaf_out = known_leaf ? *known_leaf : core::merkle_leaf_hash(encoded);
      return;
    }
    if (leaf_out != nullptr) *leaf_out = core::merkle_leaf_hash(encoded);
    Result<core::Member> member = executor.authorize(tx, config, chain, block_time_ms);
    // An unauthorized tx fails at execution and changes nothing; its signature
    // cannot be checked (the key may be unknown) and need not be.
    if (!member.is_ok()) return;
    // Tx::verify_signature, with the id already hashed.
    const Hash& signed_id = id(i);
    if (!core::verify(member->public_key, core::ByteSpan(signed_id.data(), signed_id.size()),
                      tx.signature)) {
      bad_signature[i] = 1;
    }
  }
};

}  // namespace

void TxDigests::resize(size_t n) {
  ids.assign(n, Hash{});
  leaves.assign(n, Hash{});
  sizes.assign(n, 0);
}

void TxDigests::compute(const std::vector<core::Tx>& txs, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    const core::Tx& tx = txs[i];
    core::Bytes encoded = tx.signing_bytes();
    ids[i] = core::sha256(encoded);
    encoded.insert(encoded.end(), tx.signature.begin(), tx.signature.end());  // tx.encode()
    leaves[i] = core::merkle_leaf_hash(encoded);
    sizes[i] = encoded.size();
  }
}

Status check_certificate(const core::BlockHeader& header, const core::CommitCert& cert,
                         const contracts::ChainConfig& config, const core::Genesis& genesis) {
  Result<const consensus::EngineKind*> engine = engine_of(genesis);
  Status verified =
      engine.is_ok() ? (*engine)->verify_commit(header, cert, config.validators) : engine.status();
  if (verified.is_ok()) return verified;
  return Status::invalid("commit certificate does not verify: " + verified.message());
}

Result<CheckedBlock> check_block(const core::Block& block, const core::CommitCert* cert,
                                 const ChainView& chain, const contracts::Executor& executor,
                                 const CheckOptions& options, const ProblemSink& on_problem) {
  const core::Genesis& genesis = executor.genesis();
  const core::BlockHeader& h = block.header;
  const storage::ChainTip tip = chain.tip();
  const uint64_t height = tip.height + 1;
  CheckedBlock out;
  out.hash = h.hash();
  Problems problems(on_problem, out.problems);

  // 1. Where it goes.
  if (h.height != height && !problems.add("header.height is " + std::to_string(h.height) +
                                          ", expected " + std::to_string(height))) {
    return out;
  }
  // Block limits and validators: the configuration in force at this height,
  // so a governance change takes effect where it says.
  Result<std::shared_ptr<const contracts::ChainConfig>> config_read =
      executor.config_at(chain, height);
  if (!config_read.is_ok()) {
    return config_read.status().with_context("reading the chain config at " +
                                             std::to_string(height));
  }
  const contracts::ChainConfig& config = **config_read;

  // 2. Finality.
  if (cert != nullptr) {
    Status verified = check_certificate(h, *cert, config, genesis);
    if (!verified.is_ok() && !problems.add(verified.message(), Problem::Kind::kCertificate)) {
      return out;
    }
  }

  // 3. The header's links and time.
  if (h.chain_id != genesis.chain_id &&
      !problems.add("chain_id \"" + h.chain_id + "\" != genesis \"" + genesis.chain_id + "\"")) {
    return out;
  }
  if (h.prev_hash != tip.block_hash &&
      !problems.add("prev_hash " + hex(h.prev_hash) + " is not the tip, block " +
                    std::to_string(tip.height) + " " + hex(tip.block_hash))) {
    return out;
  }
  if (h.timestamp_ms < tip.timestamp_ms &&
      !problems.add("timestamp_ms " + std::to_string(h.timestamp_ms) + " is before block " +
                    std::to_string(tip.height) + "'s " + std::to_string(tip.timestamp_ms))) {
    return out;
  }
  if (h.timestamp_ms > options.now_ms + genesis.tx_window_ms &&
      !problems.add("timestamp_ms " + std::to_string(h.timestamp_ms) +
                    " is too far ahead of the clock (now " + std::to_string(options.now_ms) +
                    ", window " + std::to_string(genesis.tx_window_ms) + " ms)")) {
    return out;
  }

  // 4. Who may make it.
  const Hash set_hash = core::validator_set_hash(config.validators);
  if (h.validator_set_hash != set_hash &&
      !problems.add("validator_set_hash " + hex(h.validator_set_hash) +
                    " is not the set in force at this height " + hex(set_hash))) {
    return out;
  }
  if (std::find(config.validators.begin(), config.validators.end(), h.proposer) ==
          config.validators.end() &&
      !problems.add("proposer " + hex(h.proposer) + " is not a validator")) {
    return out;
  }

  // 5. How many txs.
  const size_t n = block.txs.size();
  if (h.tx_count != n && !problems.add("tx_count " + std::to_string(h.tx_count) +
                                       " != " + std::to_string(n) + " txs in the block")) {
    return out;
  }
  if (n > config.block.max_block_txs && !problems.add(std::to_string(n) + " txs; the limit is " +
                                                      std::to_string(config.block.max_block_txs))) {
    return out;
  }

  // 6. The txs.
  if (options.digests != nullptr && options.digests->ids.size() != n) {
    return Status::internal("check_block: digests of " +
                            std::to_string(options.digests->ids.size()) + " txs for " +
                            std::to_string(n));
  }
  TxChecks txs{
      block.txs, options.digests, options.known, executor, config, chain, h.timestamp_ms, {}, {}};
  txs.bad_signature.assign(n, 0);
  if (options.digests == nullptr) txs.digests.resize(n);
  if (options.parallel_for && n > 1) {
    options.parallel_for(n, [&txs](size_t i) { txs.run(i); });
  } else {
    for (size_t i = 0; i < n; ++i) txs.run(i);
  }
  const auto which = [&](size_t i) {
    return "tx " + std::to_string(i) + " (" + hex(txs.id(i)) + ")";
  };
  for (size_t i = 0; i < n; ++i) {
    if (txs.bad_signature[i] != 0 &&
        !problems.add(which(i) + " signature does not verify against sender " +
                      hex(block.txs[i].sender))) {
      return out;
    }
  }
  out.tx_ids.resize(n);
  std::set<Hash> seen;
  std::vector<Hash> leaves(n);
  for (size_t i = 0; i < n; ++i) {
    out.tx_ids[i] = txs.id(i);
    leaves[i] = txs.leaf(i);
    out.tx_bytes += txs.size(i);
    if (!seen.insert(out.tx_ids[i]).second) {
      if (!problems.add(which(i) + " appears twice in the block")) return out;
    } else if (chain.has_tx(out.tx_ids[i])) {
      if (!problems.add(which(i) + " is already on chain")) return out;
    }
  }
  if (out.tx_bytes > config.block.max_block_bytes &&
      !problems.add(std::to_string(out.tx_bytes) + " tx bytes; the limit is " +
                    std::to_string(config.block.max_block_bytes))) {
    return out;
  }
  const Hash tx_root = core::merkle_root(leaves);  // Block::compute_tx_root
  if (tx_root != h.tx_root &&
      !problems.add("tx_root in header " + hex(h.tx_root) + " != computed " + hex(tx_root))) {
    return out;
  }

  // 7. What they do.
  Result<contracts::BlockExecution> exec =
      executor.execute_block(block.txs, height, h.timestamp_ms, tip.state_root, chain, &out.tx_ids);
  if (!exec.is_ok()) {
    return exec.status().with_context("executing block " + std::to_string(height));
  }
  out.execution = std::move(exec).value();
  const contracts::BlockExecution& e = *out.execution;
  if (e.receipts_root != h.receipts_root &&
      !problems.add("receipts_root in header " + hex(h.receipts_root) + " != replayed " +
                    hex(e.receipts_root))) {
    return out;
  }
  if (e.state_root != h.state_root && !problems.add("state_root in header " + hex(h.state_root) +
                                                    " != replayed " + hex(e.state_root))) {
    return out;
  }
  return out;
}

}  // namespace silk::chain
