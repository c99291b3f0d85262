// Signed consensus votes and double-sign evidence (see vote.h).
#include "silk/core/vote.h"

#include <algorithm>
#include <string>

#include "silk/core/block.h"
#include "silk/core/codec.h"

namespace silk::core {

const char* vote_type_name(VoteType type) {
  switch (type) {
    case VoteType::kPrevote:
      return "prevote";
    case VoteType::kPrecommit:
      return "precommit";
  }
  return "unknown";
}

Hash vote_message(const std::string& chain_id, VoteType type, uint64_t height, uint32_t round,
                  const Hash& block_hash) {
  if (type == VoteType::kPrecommit) return commit_message(chain_id, height, round, block_hash);
  Bytes buf;
  Writer w(buf);
  w.raw(as_span("silk/prevote/v1"));
  w.str(chain_id);
  w.u64(height);
  w.u32(round);
  w.hash(block_hash);
  return sha256(buf);
}

bool SignedVote::is_nil() const { return block_hash == Hash{}; }

SignedVote SignedVote::make(const std::string& chain_id, VoteType type, uint64_t height,
                            uint32_t round, const Hash& block_hash, const SecretKey& key) {
  SignedVote v;
  v.type = type;
  v.height = height;
  v.round = round;
  v.block_hash = block_hash;
  v.signer = key.public_key();
  const Hash m = v.message(chain_id);
  v.signature = key.sign(ByteSpan(m.data(), m.size()));
  return v;
}

bool SignedVote::verify(const std::string& chain_id) const {
  const Hash m = message(chain_id);
  return core::verify(signer, ByteSpan(m.data(), m.size()), signature);
}

Bytes SignedVote::encode() const {
  Bytes out;
  out.reserve(kEncodedBytes);
  Writer w(out);
  w.u8(static_cast<uint8_t>(type));
  w.u64(height);
  w.u32(round);
  w.hash(block_hash);
  w.raw(ByteSpan(signer.data(), signer.size()));
  w.raw(ByteSpan(signature.data(), signature.size()));
  return out;
}

Result<SignedVote> SignedVote::decode(ByteSpan in) {
  if (in.size() != kEncodedBytes) {
    return Status::invalid("vote is " + std::to_string(in.size()) + " bytes; expected " +
                           std::to_string(kEncodedBytes));
  }
  SignedVote v;
  Reader r(in);
  uint8_t type = 0;
  Hash signer{};
  if (!r.u8(type, "vote.type") || !r.u64(v.height, "vote.height") ||
      !r.u32(v.round, "vote.round") || !r.hash(v.block_hash, "vote.block_hash") ||
      !r.hash(signer, "vote.signer")) {
    return r.error().with_context("vote");
  }
  if (type != static_cast<uint8_t>(VoteType::kPrevote) &&
      type != static_cast<uint8_t>(VoteType::kPrecommit)) {
    return Status::invalid("vote: unknown type " + std::to_string(type));
  }
  v.type = static_cast<VoteType>(type);
  std::copy(signer.begin(), signer.end(), v.signer.begin());
  const ByteSpan sig = in.subspan(r.position());
  std::copy(sig.begin(), sig.end(), v.signature.begin());
  return v;
}

Status DoubleSignEvidence::check(const std::string& chain_id) const {
  if (a.type != b.type) return Status::invalid("evidence: the votes differ in type");
  if (a.height != b.height) return Status::invalid("evidence: the votes differ in height");
  if (a.round != b.round) return Status::invalid("evidence: the votes differ in round");
  if (a.signer != b.signer) return Status::invalid("evidence: the votes differ in signer");
  if (a.block_hash == b.block_hash) {
    return Status::invalid("evidence: both votes name the same block");
  }
  if (!a.verify(chain_id)) return Status::invalid("evidence: the first signature does not verify");
  if (!b.verify(chain_id)) {
    return Status::invalid("evidence: the second signature does not verify");
  }
  return Status::ok();
}

Bytes DoubleSignEvidence::encode() const {
  Bytes out = a.encode();
  const Bytes second = b.encode();
  out.insert(out.end(), second.begin(), second.end());
  return out;
}

Result<DoubleSignEvidence> DoubleSignEvidence::decode(ByteSpan in) {
  if (in.size() != 2 * SignedVote::kEncodedBytes) {
    return Status::invalid("evidence is " + std::to_string(in.size()) + " bytes; expected " +
                           std::to_string(2 * SignedVote::kEncodedBytes));
  }
  DoubleSignEvidence e;
  SILK_ASSIGN_OR_RETURN(e.a, SignedVote::decode(in.first(SignedVote::kEncodedBytes)));
  SILK_ASSIGN_OR_RETURN(e.b, SignedVote::decode(in.subspan(SignedVote::kEncodedBytes)));
  return e;
}

}  // namespace silk::core
