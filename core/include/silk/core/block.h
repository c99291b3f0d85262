// Block header, block and commit certificate (docs/formats.md#block).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "silk/core/status.h"
#include "silk/core/tx.h"

namespace silk::core {

struct BlockHeader {
  static constexpr uint32_t kVersion = 1;

  uint32_t version = kVersion;
  std::string chain_id;
  uint64_t height = 0;
  Hash prev_hash{};
  uint64_t timestamp_ms = 0;
  PublicKey proposer{};
  uint32_t tx_count = 0;
  Hash tx_root{};        // RFC 6962 root over leaf = Tx::encode()
  Hash receipts_root{};  // RFC 6962 root over leaf = Receipt::encode()
  Hash state_root{};     // SHA-256(prev state_root || write-set root)
  Hash validator_set_hash{};
  uint64_t term = 0;   // raft term / tbft height-epoch; 0 for solo
  uint32_t round = 0;  // tbft round; 0 otherwise

  Bytes encode() const;
  static Result<BlockHeader> decode(ByteSpan in);
  Hash hash() const;  // SHA-256(encode())
};

// One validator's signature over commit_message().
struct CommitVote {
  PublicKey signer{};
  Signature signature{};
};

// Proof of finality stored with each block: the proposer's signature (solo,
// raft) or 2f+1 precommits (tbft), each over the same commit message.
struct CommitCert {
  enum class Kind : uint8_t { kSolo = 0, kRaft = 1, kTbft = 2 };
  Kind kind = Kind::kSolo;
  uint32_t round = 0;
  std::vector<CommitVote> votes;

  Bytes encode() const;
  static Result<CommitCert> decode(ByteSpan in);
};

// The bytes every commit vote signs:
// SHA-256("silk/commit/v1" || str chain_id || u64 height || u32 round || block_hash).
Hash commit_message(const std::string& chain_id, uint64_t height, uint32_t round,
                    const Hash& block_hash);

struct Block {
  static constexpr size_t kMaxEncodedBytes = 64u << 20;  // 64 MiB

  BlockHeader header;
  std::vector<Tx> txs;
  CommitCert cert;

  Hash hash() const { return header.hash(); }
  Bytes encode() const;
  static Result<Block> decode(ByteSpan in);
  // tx_root over these txs.
  static Hash compute_tx_root(const std::vector<Tx>& txs);
};

// The validator-set hash: SHA-256 over u32 count || each 32-byte public key, in order.
Hash validator_set_hash(const std::vector<PublicKey>& validators);

}  // namespace silk::core

namespace silk::core {
// Checks a block's certificate against the validator set: every vote is by a
// distinct validator and verifies over commit_message(); solo and raft need
// one vote, from the header's proposer; tbft needs more than 2/3 of the
// validators. kInvalid naming the first problem otherwise.
Status verify_commit_cert(const BlockHeader& header, const CommitCert& cert,
                          const std::vector<PublicKey>& validators);
}  // namespace silk::core
