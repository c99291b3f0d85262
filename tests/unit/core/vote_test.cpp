#include "silk/core/vote.h"

#include <doctest/doctest.h>

#include "silk/core/block.h"

namespace silk::core {
namespace {

constexpr const char* kChainId = "silk-vote-test";

SecretKey key_from_byte(uint8_t b) {
  REQUIRE(crypto_init().is_ok());
  auto key = SecretKey::from_seed(Bytes(32, b));
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

Hash hash_of(uint8_t b) {
  Hash h{};
  h.fill(b);
  return h;
}

TEST_SUITE("vote") {
  TEST_CASE("a vote round-trips in 141 bytes, field by field") {
    const SecretKey key = key_from_byte(1);
    const SignedVote v = SignedVote::make(kChainId, VoteType::kPrecommit, 0x0102030405060708ULL,
                                          0x0a0b0c0d, hash_of(0xab), key);
    const Bytes bytes = v.encode();
    REQUIRE(bytes.size() == SignedVote::kEncodedBytes);
    CHECK(bytes[0] == 2);
    CHECK(bytes[1] == 0x08);  // height, little-endian
    CHECK(bytes[8] == 0x01);
    CHECK(bytes[9] == 0x0d);  // round
    CHECK(bytes[13] == 0xab);
    CHECK(bytes[45] == v.signer[0]);
    CHECK(bytes[77] == v.signature[0]);
    auto back = SignedVote::decode(bytes);
    REQUIRE(back.is_ok());
    CHECK(back->type == VoteType::kPrecommit);
    CHECK(back->height == v.height);
    CHECK(back->round == v.round);
    CHECK(back->block_hash == v.block_hash);
    CHECK(back->signer == key.public_key());
    CHECK(back->signature == v.signature);
    CHECK(back->encode() == bytes);
    CHECK(back->verify(kChainId));
  }

  TEST_CASE("decode is strict") {
    const SecretKey key = key_from_byte(2);
    const Bytes bytes =
        SignedVote::make(kChainId, VoteType::kPrevote, 5, 1, hash_of(1), key).encode();
    Bytes longer = bytes;
    longer.push_back(0);
    CHECK(SignedVote::decode(longer).status().code() == Status::Code::kInvalid);
    CHECK(!SignedVote::decode(ByteSpan(bytes).first(bytes.size() - 1)).is_ok());
    CHECK(!SignedVote::decode(Bytes{}).is_ok());
    for (uint8_t type : {uint8_t{0}, uint8_t{3}, uint8_t{0xff}}) {
      Bytes bad = bytes;
      bad[0] = type;
      CHECK(!SignedVote::decode(bad).is_ok());
    }
  }

  TEST_CASE("a precommit signs the commit message; a prevote signs something else") {
    const Hash h = hash_of(7);
    CHECK(vote_message(kChainId, VoteType::kPrecommit, 3, 2, h) ==
          commit_message(kChainId, 3, 2, h));
    CHECK(vote_message(kChainId, VoteType::kPrevote, 3, 2, h) != commit_message(kChainId, 3, 2, h));
    CHECK(vote_message(kChainId, VoteType::kPrevote, 3, 2, h) !=
          vote_message("other-chain", VoteType::kPrevote, 3, 2, h));
    CHECK(vote_message(kChainId, VoteType::kPrevote, 3, 2, h) !=
          vote_message(kChainId, VoteType::kPrevote, 3, 1, h));
    // So 2f+1 precommits are a commit certificate.
    std::vector<SecretKey> keys;
    std::vector<PublicKey> validators;
    for (uint8_t b = 10; b < 14; ++b) {
      keys.push_back(key_from_byte(b));
      validators.push_back(keys.back().public_key());
    }
    BlockHeader header;
    header.chain_id = kChainId;
    header.height = 3;
    header.validator_set_hash = validator_set_hash(validators);
    CommitCert cert;
    cert.kind = CommitCert::Kind::kTbft;
    cert.round = 2;
    for (size_t i = 0; i < 3; ++i) {
      const SignedVote v =
          SignedVote::make(kChainId, VoteType::kPrecommit, 3, 2, header.hash(), keys[i]);
      cert.votes.push_back(CommitVote{v.signer, v.signature});
    }
    CHECK(verify_commit_cert(header, cert, validators).is_ok());
    // Prevotes are not.
    for (size_t i = 0; i < 3; ++i) {
      const SignedVote v =
          SignedVote::make(kChainId, VoteType::kPrevote, 3, 2, header.hash(), keys[i]);
      cert.votes[i] = CommitVote{v.signer, v.signature};
    }
    CHECK(!verify_commit_cert(header, cert, validators).is_ok());
  }

  TEST_CASE("a vote for nil carries the zero hash and verifies") {
    const SecretKey key = key_from_byte(3);
    const SignedVote v = SignedVote::make(kChainId, VoteType::kPrevote, 1, 0, Hash{}, key);
    CHECK(v.is_nil());
    CHECK(v.verify(kChainId));
    CHECK(!v.verify("other-chain"));
    SignedVote tampered = v;
    tampered.round = 1;
    CHECK(!tampered.verify(kChainId));
    CHECK(std::string(vote_type_name(VoteType::kPrevote)) == "prevote");
    CHECK(std::string(vote_type_name(VoteType::kPrecommit)) == "precommit");
  }

  TEST_CASE("evidence: a real double sign checks, round-trips, and nothing else checks") {
    const SecretKey key = key_from_byte(4);
    const SecretKey other = key_from_byte(5);
    const SignedVote a = SignedVote::make(kChainId, VoteType::kPrevote, 9, 1, hash_of(1), key);
    const SignedVote b = SignedVote::make(kChainId, VoteType::kPrevote, 9, 1, hash_of(2), key);
    const DoubleSignEvidence e{a, b};
    CHECK(e.check(kChainId).is_ok());
    CHECK(!e.check("other-chain").is_ok());
    // Against nil counts too.
    CHECK(DoubleSignEvidence{a, SignedVote::make(kChainId, VoteType::kPrevote, 9, 1, Hash{}, key)}
              .check(kChainId)
              .is_ok());

    const Bytes bytes = e.encode();
    CHECK(bytes.size() == 2 * SignedVote::kEncodedBytes);
    auto back = DoubleSignEvidence::decode(bytes);
    REQUIRE(back.is_ok());
    CHECK(back->encode() == bytes);
    CHECK(back->check(kChainId).is_ok());
    Bytes longer = bytes;
    longer.push_back(0);
    CHECK(!DoubleSignEvidence::decode(longer).is_ok());
    CHECK(!DoubleSignEvidence::decode(ByteSpan(bytes).first(SignedVote::kEncodedBytes)).is_ok());

    auto rejected = [&](const SignedVote& x, const SignedVote& y) {
      const Status st = DoubleSignEvidence{x, y}.check(kChainId);
      CHECK(st.code() == Status::Code::kInvalid);
      CHECK(!st.message().empty());
    };
    rejected(a, a);  // same hash
    rejected(a, SignedVote::make(kChainId, VoteType::kPrevote, 9, 2, hash_of(2), key));
    rejected(a, SignedVote::make(kChainId, VoteType::kPrecommit, 9, 1, hash_of(2), key));
    rejected(a, SignedVote::make(kChainId, VoteType::kPrevote, 10, 1, hash_of(2), key));
    rejected(a, SignedVote::make(kChainId, VoteType::kPrevote, 9, 1, hash_of(2), other));
    SignedVote forged = b;
    forged.signature[0] ^= 1;
    rejected(a, forged);
    rejected(forged, a);
  }
}

}  // namespace
}  // namespace silk::core
