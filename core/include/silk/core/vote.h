// Signed consensus votes and double-sign evidence (tbft; DESIGN.md §5, docs/formats.md#votes).
//
// A precommit signs exactly core::commit_message(chain_id, height, round, block_hash), so 2f+1
// precommits for one block ARE its commit certificate (CommitCert kind kTbft, round = the round
// they were cast in). A prevote signs a different message (its own domain tag), so a prevote can
// never be passed off as a precommit. A vote for nil carries the zero hash.
//
// Evidence: two votes by one validator of the same type, height and round for different hashes
// (nil counts as a hash). Anyone holding both can prove the double sign with no node: both
// signatures verify over messages that a correct validator signs at most one of.
#pragma once

#include <cstdint>
#include <string>

#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "silk/core/status.h"

namespace silk::core {

enum class VoteType : uint8_t { kPrevote = 1, kPrecommit = 2 };

// "prevote" / "precommit".
const char* vote_type_name(VoteType type);

// The bytes a vote signs:
//   prevote:   SHA-256("silk/prevote/v1" || str chain_id || u64 height || u32 round || block_hash)
//   precommit: commit_message(chain_id, height, round, block_hash)
// (str = u32 length + bytes, integers little-endian: core/codec.h).
Hash vote_message(const std::string& chain_id, VoteType type, uint64_t height, uint32_t round,
                  const Hash& block_hash);

struct SignedVote {
  VoteType type = VoteType::kPrevote;
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_hash{};  // zero: a vote for nil
  PublicKey signer{};
  Signature signature{};

  bool is_nil() const;
  Hash message(const std::string& chain_id) const {
    return vote_message(chain_id, type, height, round, block_hash);
  }
  // Signs with `key` (sets signer and signature).
  static SignedVote make(const std::string& chain_id, VoteType type, uint64_t height,
                         uint32_t round, const Hash& block_hash, const SecretKey& key);
  // True when the signature verifies over message(chain_id) under signer.
  bool verify(const std::string& chain_id) const;

  // u8 type, u64 height, u32 round, 32 bytes hash, 32 bytes signer, 64 bytes signature
  // (141 bytes). decode is strict: kInvalid for a short or long input or an unknown type.
  Bytes encode() const;
  static Result<SignedVote> decode(ByteSpan in);
  static constexpr size_t kEncodedBytes = 1 + 8 + 4 + 32 + 32 + 64;
};

struct DoubleSignEvidence {
  SignedVote a;
  SignedVote b;

  // OK when a and b have the same type, height, round and signer, different hashes, and both
  // signatures verify for chain_id. kInvalid naming what does not hold otherwise.
  Status check(const std::string& chain_id) const;
  // a.encode() || b.encode(); decode strict (exactly 2 x SignedVote::kEncodedBytes).
  Bytes encode() const;
  static Result<DoubleSignEvidence> decode(ByteSpan in);
};

}  // namespace silk::core
