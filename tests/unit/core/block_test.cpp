#include "silk/core/block.h"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "silk/core/crypto.h"
#include "silk/core/merkle.h"

using namespace silk::core;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void push_le(Bytes& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void push_str(Bytes& out, std::string_view s) {
  push_le(out, s.size(), 4);
  out.insert(out.end(), s.begin(), s.end());
}
template <size_t N>
void push_raw(Bytes& out, const std::array<uint8_t, N>& a) {
  out.insert(out.end(), a.begin(), a.end());
}

SecretKey test_key(uint8_t fill) {
  auto k = SecretKey::from_seed(Bytes(32, fill));
  REQUIRE(k.is_ok());
  return std::move(k.value());
}

Hash filled(uint8_t start) {
  Hash h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(start + i);
  return h;
}

BlockHeader full_header() {
  BlockHeader h;
  h.chain_id = "silk-test-chain";
  h.height = 0x0000000100000002ull;
  h.prev_hash = filled(0x10);
  h.timestamp_ms = 1700000000456ull;
  h.proposer = filled(0x30);
  h.tx_count = 3;
  h.tx_root = filled(0x50);
  h.receipts_root = filled(0x70);
  h.state_root = filled(0x90);
  h.validator_set_hash = filled(0xb0);
  h.term = 0x0a0b0c0d0e0f1011ull;
  h.round = 0x01020304u;
  return h;
}

// docs/formats.md#blockheader, byte by byte.
Bytes expected_header_encoding(const BlockHeader& h) {
  Bytes out;
  push_le(out, h.version, 4);
  push_str(out, h.chain_id);
  push_le(out, h.height, 8);
  push_raw(out, h.prev_hash);
  push_le(out, h.timestamp_ms, 8);
  push_raw(out, h.proposer);
  push_le(out, h.tx_count, 4);
  push_raw(out, h.tx_root);
  push_raw(out, h.receipts_root);
  push_raw(out, h.state_root);
  push_raw(out, h.validator_set_hash);
  push_le(out, h.term, 8);
  push_le(out, h.round, 4);
  return out;
}

void check_equal(const BlockHeader& a, const BlockHeader& b) {
  CHECK(a.version == b.version);
  CHECK(a.chain_id == b.chain_id);
  CHECK(a.height == b.height);
  CHECK(a.prev_hash == b.prev_hash);
  CHECK(a.timestamp_ms == b.timestamp_ms);
  CHECK(a.proposer == b.proposer);
  CHECK(a.tx_count == b.tx_count);
  CHECK(a.tx_root == b.tx_root);
  CHECK(a.receipts_root == b.receipts_root);
  CHECK(a.state_root == b.state_root);
  CHECK(a.validator_set_hash == b.validator_set_hash);
  CHECK(a.term == b.term);
  CHECK(a.round == b.round);
}

Tx make_tx(const SecretKey& key, uint64_t nonce, std::string args) {
  Tx tx;
  tx.chain_id = "silk-test-chain";
  tx.nonce = nonce;
  tx.timestamp_ms = 1700000000000ull + nonce;
  tx.sender = key.public_key();
  tx.contract = "notary";
  tx.method = "anchor";
  tx.args = std::move(args);
  tx.sign(key);
  return tx;
}

CommitVote vote(const SecretKey& key, const BlockHeader& h, uint32_t round) {
  const Hash m = commit_message(h.chain_id, h.height, round, h.hash());
  return CommitVote{key.public_key(), key.sign(ByteSpan(m.data(), m.size()))};
}

// A block with three signed txs, consistent roots and a solo certificate.
Block full_block(const SecretKey& proposer) {
  Block b;
  b.txs.push_back(make_tx(proposer, 1, R"({"hash":"01"})"));
  b.txs.push_back(make_tx(proposer, 2, R"({"hash":"02","meta":"bill of lading"})"));
  b.txs.push_back(make_tx(proposer, 3, ""));
  b.header = full_header();
  b.header.round = 0;
  b.header.term = 0;
  b.header.proposer = proposer.public_key();
  b.header.tx_count = static_cast<uint32_t>(b.txs.size());
  b.header.tx_root = Block::compute_tx_root(b.txs);
  b.cert.kind = CommitCert::Kind::kSolo;
  b.cert.round = 0;
  b.cert.votes.push_back(vote(proposer, b.header, 0));
  return b;
}

void check_equal(const Block& a, const Block& b) {
  check_equal(a.header, b.header);
  REQUIRE(a.txs.size() == b.txs.size());
  for (size_t i = 0; i < a.txs.size(); ++i) CHECK(a.txs[i].encode() == b.txs[i].encode());
  CHECK(a.cert.kind == b.cert.kind);
  CHECK(a.cert.round == b.cert.round);
  REQUIRE(a.cert.votes.size() == b.cert.votes.size());
  for (size_t i = 0; i < a.cert.votes.size(); ++i) {
    CHECK(a.cert.votes[i].signer == b.cert.votes[i].signer);
    CHECK(a.cert.votes[i].signature == b.cert.votes[i].signature);
  }
}

struct Validators {
  std::vector<SecretKey> keys;
  std::vector<PublicKey> pks;
};

Validators validators(size_t n) {
  Validators v;
  for (size_t i = 0; i < n; ++i) {
    v.keys.push_back(test_key(static_cast<uint8_t>(0x60 + i)));
    v.pks.push_back(v.keys.back().public_key());
  }
  return v;
}

}  // namespace

TEST_SUITE("block") {
  TEST_CASE("the header encoding is the documented field order") {
    const BlockHeader h = full_header();
    CHECK(h.encode() == expected_header_encoding(h));
    CHECK(h.encode().size() == 4 + 4 + h.chain_id.size() + 8 + 32 + 8 + 32 + 4 + 4 * 32 + 8 + 4);
  }

  TEST_CASE("block hash is SHA-256 of the header encoding") {
    REQUIRE(crypto_init().is_ok());
    const BlockHeader h = full_header();
    CHECK(h.hash() == sha256(expected_header_encoding(h)));
  }

  TEST_CASE("a fully populated header round-trips") {
    const BlockHeader h = full_header();
    const Bytes enc = h.encode();
    auto back = BlockHeader::decode(enc);
    REQUIRE(back.is_ok());
    check_equal(back.value(), h);
    CHECK(back->encode() == enc);
    CHECK(back->hash() == h.hash());
  }

  TEST_CASE("every header field changes the block hash") {
    REQUIRE(crypto_init().is_ok());
    const BlockHeader base = full_header();
    const Hash id = base.hash();
    const std::vector<std::pair<const char*, std::function<void(BlockHeader&)>>> mutations = {
        {"version", [](BlockHeader& h) { h.version = 2; }},
        {"chain_id", [](BlockHeader& h) { h.chain_id += "x"; }},
        {"height", [](BlockHeader& h) { h.height += 1; }},
        {"prev_hash", [](BlockHeader& h) { h.prev_hash[0] ^= 1; }},
        {"timestamp_ms", [](BlockHeader& h) { h.timestamp_ms += 1; }},
        {"proposer", [](BlockHeader& h) { h.proposer[31] ^= 1; }},
        {"tx_count", [](BlockHeader& h) { h.tx_count += 1; }},
        {"tx_root", [](BlockHeader& h) { h.tx_root[5] ^= 1; }},
        {"receipts_root", [](BlockHeader& h) { h.receipts_root[5] ^= 1; }},
        {"state_root", [](BlockHeader& h) { h.state_root[5] ^= 1; }},
        {"validator_set_hash", [](BlockHeader& h) { h.validator_set_hash[5] ^= 1; }},
        {"term", [](BlockHeader& h) { h.term += 1; }},
        {"round", [](BlockHeader& h) { h.round += 1; }},
    };
    for (const auto& mutation : mutations) {
      const char* name = mutation.first;  // not a structured binding: clang 14 cannot capture one
      CAPTURE(name);
      BlockHeader h = base;
      mutation.second(h);
      CHECK_FALSE(h.hash() == id);
    }
  }

  TEST_CASE("header decode rejects every proper prefix, a trailing byte and unknown versions") {
    const Bytes enc = full_header().encode();
    for (size_t n = 0; n < enc.size(); ++n) {
      CAPTURE(n);
      auto r = BlockHeader::decode(ByteSpan(enc.data(), n));
      CHECK_FALSE(r.is_ok());
      CHECK(r.status().code() == Status::Code::kInvalid);
    }
    Bytes trailing = enc;
    trailing.push_back(0);
    CHECK_FALSE(BlockHeader::decode(trailing).is_ok());
    for (uint32_t v : {0u, 2u, 0xffffffffu}) {
      BlockHeader h = full_header();
      h.version = v;
      auto r = BlockHeader::decode(h.encode());
      CHECK_FALSE(r.is_ok());
      CHECK(contains(r.status().message(), "version"));
    }
  }

  TEST_CASE("commit certificate round-trips; unknown kinds and prefixes are rejected") {
    REQUIRE(crypto_init().is_ok());
    Validators v = validators(3);
    const BlockHeader h = full_header();
    for (CommitCert::Kind kind :
         {CommitCert::Kind::kSolo, CommitCert::Kind::kRaft, CommitCert::Kind::kTbft}) {
      CommitCert c;
      c.kind = kind;
      c.round = 7;
      for (const SecretKey& k : v.keys) c.votes.push_back(vote(k, h, 7));
      const Bytes enc = c.encode();
      auto back = CommitCert::decode(enc);
      REQUIRE(back.is_ok());
      CHECK(back->kind == c.kind);
      CHECK(back->round == c.round);
      REQUIRE(back->votes.size() == c.votes.size());
      for (size_t i = 0; i < c.votes.size(); ++i) {
        CHECK(back->votes[i].signer == c.votes[i].signer);
        CHECK(back->votes[i].signature == c.votes[i].signature);
      }
      CHECK(back->encode() == enc);
      for (size_t n = 0; n < enc.size(); ++n) {
        CAPTURE(n);
        CHECK_FALSE(CommitCert::decode(ByteSpan(enc.data(), n)).is_ok());
      }
      Bytes trailing = enc;
      trailing.push_back(1);
      CHECK_FALSE(CommitCert::decode(trailing).is_ok());
    }
    // An empty certificate (the genesis block's) round-trips too.
    CommitCert none;
    auto back = CommitCert::decode(none.encode());
    REQUIRE(back.is_ok());
    CHECK(back->votes.empty());
    // The kind is the first byte of the encoding; 3 is unknown.
    Bytes enc = none.encode();
    REQUIRE(enc[0] == 0);
    enc[0] = 3;
    CHECK_FALSE(CommitCert::decode(enc).is_ok());
    enc[0] = 0xff;
    CHECK_FALSE(CommitCert::decode(enc).is_ok());
  }

  TEST_CASE("a block with txs and a certificate round-trips") {
    REQUIRE(crypto_init().is_ok());
    const SecretKey proposer = test_key(0x21);
    const Block b = full_block(proposer);
    const Bytes enc = b.encode();
    auto back = Block::decode(enc);
    REQUIRE(back.is_ok());
    check_equal(back.value(), b);
    CHECK(back->encode() == enc);
    CHECK(back->hash() == b.header.hash());
    CHECK(b.hash() == b.header.hash());
    for (const Tx& tx : back->txs) CHECK(tx.verify_signature(proposer.public_key()));

    // An empty block too.
    Block empty;
    auto e = Block::decode(empty.encode());
    REQUIRE(e.is_ok());
    check_equal(e.value(), empty);
  }

  TEST_CASE("block decode rejects every proper prefix and a trailing byte") {
    REQUIRE(crypto_init().is_ok());
    const SecretKey proposer = test_key(0x21);
    const Bytes enc = full_block(proposer).encode();
    for (size_t n = 0; n < enc.size(); ++n) {
      CAPTURE(n);
      auto r = Block::decode(ByteSpan(enc.data(), n));
      CHECK_FALSE(r.is_ok());
      CHECK(r.status().code() == Status::Code::kInvalid);
    }
    Bytes trailing = enc;
    trailing.push_back(0);
    CHECK_FALSE(Block::decode(trailing).is_ok());
  }

  TEST_CASE("block decode rejects oversized input") {
    Bytes huge(Block::kMaxEncodedBytes + 1, 0);
    auto r = Block::decode(huge);
    CHECK_FALSE(r.is_ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
  }

  TEST_CASE("block decode rejects a tx that does not decode") {
    REQUIRE(crypto_init().is_ok());
    const SecretKey proposer = test_key(0x21);
    Block b = full_block(proposer);
    b.txs[1].version = 9;  // encodes fine, must not decode
    CHECK_FALSE(Block::decode(b.encode()).is_ok());
  }

  TEST_CASE("block decode rejects a body whose tx count differs from the header's") {
    REQUIRE(crypto_init().is_ok());
    const SecretKey proposer = test_key(0x21);
    Block b = full_block(proposer);
    b.header.tx_count = 2;
    auto r = Block::decode(b.encode());
    CHECK_FALSE(r.is_ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
    b.header.tx_count = 4;
    CHECK_FALSE(Block::decode(b.encode()).is_ok());
  }

  TEST_CASE("the block encoding: str-framed header, u32 count, framed txs, framed cert") {
    REQUIRE(crypto_init().is_ok());
    const SecretKey proposer = test_key(0x21);
    const Block b = full_block(proposer);
    Bytes want;
    const Bytes he = b.header.encode();
    push_str(want, as_string_view(he));
    push_le(want, b.txs.size(), 4);
    for (const Tx& tx : b.txs) push_str(want, as_string_view(tx.encode()));
    const Bytes ce = b.cert.encode();
    push_str(want, as_string_view(ce));
    CHECK(b.encode() == want);
    // The cert: u8 kind, u32 round, u32 count, then signer (32) || signature (64) per vote.
    Bytes want_cert = {static_cast<uint8_t>(b.cert.kind)};
    push_le(want_cert, b.cert.round, 4);
    push_le(want_cert, b.cert.votes.size(), 4);
    for (const CommitVote& v : b.cert.votes) {
      push_raw(want_cert, v.signer);
      push_raw(want_cert, v.signature);
    }
    CHECK(ce == want_cert);
  }

  TEST_CASE("a vote count that cannot fit is rejected before allocating") {
    CommitCert c;
    Bytes enc = c.encode();
    REQUIRE(enc.size() == 9);
    enc[5] = 0xff;
    enc[6] = 0xff;
    enc[7] = 0xff;
    enc[8] = 0x7f;
    CHECK_FALSE(CommitCert::decode(enc).is_ok());
  }

  TEST_CASE("compute_tx_root is the RFC 6962 root over Tx::encode()") {
    REQUIRE(crypto_init().is_ok());
    const SecretKey key = test_key(0x21);
    std::vector<Tx> txs = {make_tx(key, 1, "a"), make_tx(key, 2, "b"), make_tx(key, 3, "c")};
    std::vector<Hash> leaves;
    for (const Tx& tx : txs) leaves.push_back(merkle_leaf_hash(tx.encode()));
    CHECK(Block::compute_tx_root(txs) == merkle_root(leaves));
    CHECK(Block::compute_tx_root(txs) ==
          merkle_node_hash(merkle_node_hash(leaves[0], leaves[1]), leaves[2]));
    CHECK(to_hex(Block::compute_tx_root({})) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // The leaf is the full encoding: the signature is committed to, not just tx_id.
    std::vector<Tx> resigned = txs;
    resigned[0].signature[0] ^= 1;
    CHECK_FALSE(Block::compute_tx_root(resigned) == Block::compute_tx_root(txs));
    // Order matters.
    std::swap(resigned[0], resigned[1]);
    resigned[1].signature[0] ^= 1;
    CHECK_FALSE(Block::compute_tx_root(resigned) == Block::compute_tx_root(txs));
  }

  TEST_CASE("commit_message is the documented SHA-256 and differs per field") {
    REQUIRE(crypto_init().is_ok());
    const Hash bh = filled(0x44);
    Bytes pre = to_bytes("silk/commit/v1");
    push_str(pre, "silk-test-chain");
    push_le(pre, 12, 8);
    push_le(pre, 3, 4);
    push_raw(pre, bh);
    const Hash m = commit_message("silk-test-chain", 12, 3, bh);
    CHECK(m == sha256(pre));

    Hash other = bh;
    other[0] ^= 1;
    CHECK_FALSE(commit_message("silk-test-chaiN", 12, 3, bh) == m);
    CHECK_FALSE(commit_message("silk-test-chain", 13, 3, bh) == m);
    CHECK_FALSE(commit_message("silk-test-chain", 12, 4, bh) == m);
    CHECK_FALSE(commit_message("silk-test-chain", 12, 3, other) == m);
    // The chain_id is length-prefixed: moving a digit from chain_id into height's bytes can't
    // collide.
    CHECK_FALSE(commit_message("", 0, 0, bh) == commit_message("", 0, 0, Hash{}));
  }

  TEST_CASE("validator_set_hash is SHA-256(u32 count || keys in order)") {
    REQUIRE(crypto_init().is_ok());
    Validators v = validators(3);
    Bytes pre;
    push_le(pre, 3, 4);
    for (const PublicKey& pk : v.pks) push_raw(pre, pk);
    CHECK(validator_set_hash(v.pks) == sha256(pre));
    std::vector<PublicKey> swapped = v.pks;
    std::swap(swapped[0], swapped[2]);
    CHECK_FALSE(validator_set_hash(swapped) == validator_set_hash(v.pks));
    std::vector<PublicKey> fewer(v.pks.begin(), v.pks.end() - 1);
    CHECK_FALSE(validator_set_hash(fewer) == validator_set_hash(v.pks));
    // The empty set: SHA-256 of four zero bytes.
    CHECK(validator_set_hash({}) == sha256(Bytes{0, 0, 0, 0}));
  }

  TEST_CASE("verify_commit_cert: solo and raft") {
    REQUIRE(crypto_init().is_ok());
    Validators v = validators(3);
    const std::vector<PublicKey> solo_set = {v.pks[0]};

    // One validator, the proposer.
    BlockHeader h1 = full_header();
    h1.round = 0;
    h1.proposer = v.pks[0];
    h1.validator_set_hash = validator_set_hash(solo_set);
    CommitCert c1;
    c1.kind = CommitCert::Kind::kSolo;
    c1.votes.push_back(vote(v.keys[0], h1, 0));
    CHECK(verify_commit_cert(h1, c1, solo_set).is_ok());

    // Three validators, the proposer's one vote (solo and raft certificates alike).
    BlockHeader h = full_header();
    h.round = 0;
    h.proposer = v.pks[0];
    h.validator_set_hash = validator_set_hash(v.pks);
    CommitCert c;
    c.kind = CommitCert::Kind::kSolo;
    c.votes.push_back(vote(v.keys[0], h, 0));
    CHECK(verify_commit_cert(h, c, v.pks).is_ok());
    CommitCert raft = c;
    raft.kind = CommitCert::Kind::kRaft;
    CHECK(verify_commit_cert(h, raft, v.pks).is_ok());

    SUBCASE("a validator set other than the header's") {
      CHECK(verify_commit_cert(h, c, solo_set).code() == Status::Code::kInvalid);
      std::vector<PublicKey> reordered = v.pks;
      std::swap(reordered[1], reordered[2]);
      CHECK(verify_commit_cert(h, c, reordered).code() == Status::Code::kInvalid);
    }
    SUBCASE("no votes") {
      CommitCert none;
      Status st = verify_commit_cert(h, none, v.pks);
      CHECK(st.code() == Status::Code::kInvalid);
      CHECK(verify_commit_cert(h1, none, solo_set).code() == Status::Code::kInvalid);
    }
    SUBCASE("signer is not a validator") {
      const SecretKey outsider = test_key(0x99);
      BlockHeader ho = h1;
      ho.proposer = outsider.public_key();
      CommitCert co;
      co.votes.push_back(vote(outsider, ho, 0));
      Status st = verify_commit_cert(ho, co, solo_set);
      CHECK(st.code() == Status::Code::kInvalid);
      CHECK(contains(st.message(), "not a validator"));
    }
    SUBCASE("a validator that is not the proposer") {
      CommitCert cw;
      cw.votes.push_back(vote(v.keys[1], h, 0));
      CHECK(verify_commit_cert(h, cw, v.pks).code() == Status::Code::kInvalid);
      cw.kind = CommitCert::Kind::kRaft;
      CHECK(verify_commit_cert(h, cw, v.pks).code() == Status::Code::kInvalid);
    }
    SUBCASE("signer field names the proposer but the signature is another key's") {
      CommitCert cw;
      CommitVote forged = vote(v.keys[1], h, 0);
      forged.signer = v.pks[0];
      cw.votes.push_back(forged);
      CHECK(verify_commit_cert(h, cw, v.pks).code() == Status::Code::kInvalid);
    }
    SUBCASE("bad signature") {
      CommitCert bad = c1;
      bad.votes[0].signature[7] ^= 0x10;
      Status st = verify_commit_cert(h1, bad, solo_set);
      CHECK(st.code() == Status::Code::kInvalid);
      CHECK(contains(st.message(), "verify"));
    }
    SUBCASE("a signature over another block") {
      BlockHeader other = h1;
      other.state_root[0] ^= 1;
      CommitCert co;
      co.votes.push_back(vote(v.keys[0], other, 0));
      CHECK(verify_commit_cert(h1, co, solo_set).code() == Status::Code::kInvalid);
    }
    SUBCASE("a signature for another round than the certificate's") {
      CommitCert co;
      co.round = 1;
      co.votes.push_back(vote(v.keys[0], h1, 0));
      CHECK(verify_commit_cert(h1, co, solo_set).code() == Status::Code::kInvalid);
    }
    SUBCASE("the same vote twice") {
      CommitCert dup = c1;
      dup.votes.push_back(c1.votes[0]);
      Status st = verify_commit_cert(h1, dup, solo_set);
      CHECK(st.code() == Status::Code::kInvalid);
      CHECK(contains(st.message(), "duplicate"));
    }
    SUBCASE("two votes, the proposer's and another validator's") {
      CommitCert two = c;
      two.votes.push_back(vote(v.keys[1], h, 0));
      CHECK(verify_commit_cert(h, two, v.pks).code() == Status::Code::kInvalid);
    }
    SUBCASE("a changed header no longer matches the certificate") {
      BlockHeader changed = h1;
      changed.timestamp_ms += 1;
      CHECK(verify_commit_cert(changed, c1, solo_set).code() == Status::Code::kInvalid);
    }
  }

  TEST_CASE("verify_commit_cert: tbft needs more than two thirds of distinct validators") {
    REQUIRE(crypto_init().is_ok());
    BlockHeader h = full_header();
    h.round = 2;
    auto tbft = [&](const Validators& v, std::vector<size_t> who) {
      CommitCert c;
      c.kind = CommitCert::Kind::kTbft;
      c.round = 2;
      for (size_t i : who) c.votes.push_back(vote(v.keys[i], h, 2));
      return c;
    };

    Validators four = validators(4);
    h.proposer = four.pks[0];
    h.validator_set_hash = validator_set_hash(four.pks);
    CHECK(verify_commit_cert(h, tbft(four, {0, 1, 2}), four.pks).is_ok());
    CHECK(verify_commit_cert(h, tbft(four, {3, 1, 2}), four.pks).is_ok());
    CHECK(verify_commit_cert(h, tbft(four, {0, 1, 2, 3}), four.pks).is_ok());
    CHECK(verify_commit_cert(h, tbft(four, {0, 1}), four.pks).code() == Status::Code::kInvalid);
    CHECK(verify_commit_cert(h, tbft(four, {2}), four.pks).code() == Status::Code::kInvalid);
    CHECK(verify_commit_cert(h, tbft(four, {}), four.pks).code() == Status::Code::kInvalid);

    // Duplicate voters do not count twice, and a duplicate is rejected outright.
    CHECK(verify_commit_cert(h, tbft(four, {0, 1, 1}), four.pks).code() == Status::Code::kInvalid);
    CHECK(verify_commit_cert(h, tbft(four, {0, 0, 0, 0}), four.pks).code() ==
          Status::Code::kInvalid);
    CHECK(verify_commit_cert(h, tbft(four, {0, 1, 2, 0}), four.pks).code() ==
          Status::Code::kInvalid);

    // One bad signature among enough good ones is still rejected.
    CommitCert one_bad = tbft(four, {0, 1, 2, 3});
    one_bad.votes[3].signature[0] ^= 1;
    CHECK(verify_commit_cert(h, one_bad, four.pks).code() == Status::Code::kInvalid);

    // An outsider's vote does not make up the quorum.
    Validators outsiders = validators(5);  // keys 0x60..0x64; key 4 is outside `four`
    CommitCert with_outsider = tbft(four, {0, 1});
    with_outsider.votes.push_back(vote(outsiders.keys[4], h, 2));
    CHECK(verify_commit_cert(h, with_outsider, four.pks).code() == Status::Code::kInvalid);

    // Votes for another round do not count.
    CommitCert wrong_round = tbft(four, {0, 1, 2});
    wrong_round.votes[2] = vote(four.keys[2], h, 3);
    CHECK(verify_commit_cert(h, wrong_round, four.pks).code() == Status::Code::kInvalid);

    // 7 validators: 5 needed (more than 14/3), 4 is not enough.
    Validators seven = validators(7);
    h.validator_set_hash = validator_set_hash(seven.pks);
    CHECK(verify_commit_cert(h, tbft(seven, {0, 1, 2, 3, 4}), seven.pks).is_ok());
    CHECK(verify_commit_cert(h, tbft(seven, {6, 5, 4, 3}), seven.pks).code() ==
          Status::Code::kInvalid);
    // 3 validators: all 3 needed.
    Validators three = validators(3);
    h.validator_set_hash = validator_set_hash(three.pks);
    CHECK(verify_commit_cert(h, tbft(three, {0, 1, 2}), three.pks).is_ok());
    CHECK(verify_commit_cert(h, tbft(three, {0, 1}), three.pks).code() == Status::Code::kInvalid);
    // 1 validator: its vote is enough.
    Validators one = validators(1);
    h.validator_set_hash = validator_set_hash(one.pks);
    CHECK(verify_commit_cert(h, tbft(one, {0}), one.pks).is_ok());
  }
}
