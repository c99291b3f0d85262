#include "silk/core/block.h"

#include <set>

#include "silk/core/codec.h"
#include "silk/core/merkle.h"

namespace silk::core {

namespace {
constexpr uint32_t kMaxBlockTxs = 1'000'000;
constexpr uint32_t kMaxVotes = 10'000;

bool read_pubkey(Reader& r, PublicKey& pk, const char* field) {
  Hash h{};
  if (!r.hash(h, field)) return false;
  std::copy(h.begin(), h.end(), pk.begin());
  return true;
}
}  // namespace

Bytes BlockHeader::encode() const {
  Bytes out;
  out.reserve(300);
  Writer w(out);
  w.u32(version);
  w.str(chain_id);
  w.u64(height);
  w.hash(prev_hash);
  w.u64(timestamp_ms);
  w.raw(ByteSpan(proposer.data(), proposer.size()));
  w.u32(tx_count);
  w.hash(tx_root);
  w.hash(receipts_root);
  w.hash(state_root);
  w.hash(validator_set_hash);
  w.u64(term);
  w.u32(round);
  return out;
}

Result<BlockHeader> BlockHeader::decode(ByteSpan in) {
  BlockHeader h;
  Reader r(in);
  if (!r.u32(h.version, "header.version")) return r.error().with_context("block header");
  if (h.version != kVersion) {
    return Status::invalid("block header: unsupported version " + std::to_string(h.version));
  }
  if (!r.str(h.chain_id, "header.chain_id", 128) || !r.u64(h.height, "header.height") ||
      !r.hash(h.prev_hash, "header.prev_hash") || !r.u64(h.timestamp_ms, "header.timestamp_ms") ||
      !read_pubkey(r, h.proposer, "header.proposer") || !r.u32(h.tx_count, "header.tx_count") ||
      !r.hash(h.tx_root, "header.tx_root") || !r.hash(h.receipts_root, "header.receipts_root") ||
      !r.hash(h.state_root, "header.state_root") ||
      !r.hash(h.validator_set_hash, "header.validator_set_hash") || !r.u64(h.term, "header.term") ||
      !r.u32(h.round, "header.round")) {
    return r.error().with_context("block header");
  }
  SILK_RETURN_IF_ERROR(r.finish("block header"));
  return h;
}

Hash BlockHeader::hash() const { return sha256(encode()); }

Bytes CommitCert::encode() const {
  Bytes out;
  Writer w(out);
  w.u8(static_cast<uint8_t>(kind));
  w.u32(round);
  w.u32(static_cast<uint32_t>(votes.size()));
  for (const CommitVote& v : votes) {
    w.raw(ByteSpan(v.signer.data(), v.signer.size()));
    w.raw(ByteSpan(v.signature.data(), v.signature.size()));
  }
  return out;
}

Result<CommitCert> CommitCert::decode(ByteSpan in) {
  CommitCert c;
  Reader r(in);
  uint8_t kind = 0;
  uint32_t n = 0;
  if (!r.u8(kind, "cert.kind") || !r.u32(c.round, "cert.round") || !r.u32(n, "cert.vote_count")) {
    return r.error().with_context("commit cert");
  }
  if (kind > static_cast<uint8_t>(Kind::kTbft)) {
    return Status::invalid("commit cert: unknown kind " + std::to_string(kind));
  }
  c.kind = static_cast<Kind>(kind);
  if (n > kMaxVotes || static_cast<size_t>(n) * 96 > r.remaining()) {
    return Status::invalid("commit cert: " + std::to_string(n) + " votes do not fit in " +
                           std::to_string(r.remaining()) + " bytes");
  }
  c.votes.resize(n);
  for (CommitVote& v : c.votes) {
    Hash a{}, b{};
    if (!read_pubkey(r, v.signer, "vote.signer") || !r.hash(a, "vote.signature") ||
        !r.hash(b, "vote.signature")) {
      return r.error().with_context("commit cert");
    }
    std::copy(a.begin(), a.end(), v.signature.begin());
    std::copy(b.begin(), b.end(), v.signature.begin() + 32);
  }
  SILK_RETURN_IF_ERROR(r.finish("commit cert"));
  return c;
}

Hash commit_message(const std::string& chain_id, uint64_t height, uint32_t round,
                    const Hash& block_hash) {
  Bytes buf;
  Writer w(buf);
  w.raw(as_span("silk/commit/v1"));
  w.str(chain_id);
  w.u64(height);
  w.u32(round);
  w.hash(block_hash);
  return sha256(buf);
}

Bytes Block::encode() const {
  Bytes out;
  Writer w(out);
  w.bytes(header.encode());
  w.u32(static_cast<uint32_t>(txs.size()));
  for (const Tx& tx : txs) w.bytes(tx.encode());
  w.bytes(cert.encode());
  return out;
}

Result<Block> Block::decode(ByteSpan in) {
  if (in.size() > kMaxEncodedBytes) {
    return Status::invalid("block is " + std::to_string(in.size()) + " bytes; limit is " +
                           std::to_string(kMaxEncodedBytes));
  }
  Block b;
  Reader r(in);
  Bytes buf;
  if (!r.bytes(buf, "block.header", 4096)) return r.error().with_context("block");
  SILK_ASSIGN_OR_RETURN(b.header, BlockHeader::decode(buf));
  uint32_t n = 0;
  if (!r.u32(n, "block.tx_count")) return r.error().with_context("block");
  if (n > kMaxBlockTxs || static_cast<size_t>(n) * 4 > r.remaining()) {
    return Status::invalid("block: " + std::to_string(n) + " txs do not fit in " +
                           std::to_string(r.remaining()) + " bytes");
  }
  if (n != b.header.tx_count) {
    return Status::invalid("block: header says " + std::to_string(b.header.tx_count) +
                           " txs, body has " + std::to_string(n));
  }
  b.txs.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (!r.bytes(buf, "block.tx", static_cast<uint32_t>(Tx::kMaxEncodedBytes))) {
      return r.error().with_context("block");
    }
    auto tx = Tx::decode(buf);
    if (!tx) return tx.status().with_context("block tx " + std::to_string(i));
    b.txs.push_back(std::move(tx).value());
  }
  if (!r.bytes(buf, "block.cert", 1u << 20)) return r.error().with_context("block");
  SILK_ASSIGN_OR_RETURN(b.cert, CommitCert::decode(buf));
  SILK_RETURN_IF_ERROR(r.finish("block"));
  return b;
}

Hash Block::compute_tx_root(const std::vector<Tx>& txs) {
  std::vector<Hash> leaves;
  leaves.reserve(txs.size());
  for (const Tx& tx : txs) leaves.push_back(merkle_leaf_hash(tx.encode()));
  return merkle_root(leaves);
}

Hash validator_set_hash(const std::vector<PublicKey>& validators) {
  Bytes buf;
  Writer w(buf);
  w.u32(static_cast<uint32_t>(validators.size()));
  for (const PublicKey& pk : validators) w.raw(ByteSpan(pk.data(), pk.size()));
  return sha256(buf);
}

Status verify_commit_cert(const BlockHeader& header, const CommitCert& cert,
                          const std::vector<PublicKey>& validators) {
  const std::string where = "block " + std::to_string(header.height) + " commit cert";
  if (validator_set_hash(validators) != header.validator_set_hash) {
    return Status::invalid(where + ": header names validator set " +
                           to_hex(header.validator_set_hash) + ", not the one given");
  }
  if (cert.votes.empty()) return Status::invalid(where + ": no votes");
  const Hash msg = commit_message(header.chain_id, header.height, cert.round, header.hash());
  std::set<PublicKey> seen;
  for (const CommitVote& v : cert.votes) {
    bool known = false;
    for (const PublicKey& pk : validators) known = known || pk == v.signer;
    if (!known)
      return Status::invalid(where + ": signer " + to_hex(v.signer) + " is not a validator");
    if (!seen.insert(v.signer).second) {
      return Status::invalid(where + ": duplicate vote by " + to_hex(v.signer));
    }
    if (!verify(v.signer, ByteSpan(msg.data(), msg.size()), v.signature)) {
      return Status::invalid(where + ": signature by " + to_hex(v.signer) + " does not verify");
    }
  }
  if (cert.kind == CommitCert::Kind::kTbft) {
    size_t n = validators.size();
    if (seen.size() * 3 <= n * 2) {
      return Status::invalid(where + ": " + std::to_string(seen.size()) + " of " +
                             std::to_string(n) + " validators signed; more than 2/3 needed");
    }
  } else {
    if (cert.votes.size() != 1 || cert.votes[0].signer != header.proposer) {
      return Status::invalid(where + ": expected one vote by the proposer " +
                             to_hex(header.proposer));
    }
  }
  return Status::ok();
}

}  // namespace silk::core
