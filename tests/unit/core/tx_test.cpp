#include "silk/core/tx.h"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "silk/core/codec.h"

using namespace silk::core;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

SecretKey test_key(uint8_t fill) {
  auto k = SecretKey::from_seed(Bytes(32, fill));
  REQUIRE(k.is_ok());
  return std::move(k.value());
}

// A tx with every field set to something non-default.
Tx full_tx() {
  Tx tx;
  tx.chain_id = "silk-test-chain";
  tx.nonce = 0x0102030405060708ull;
  tx.timestamp_ms = 1700000000123ull;
  tx.sender_kind = SenderKind::kCertFingerprint;
  for (size_t i = 0; i < tx.sender.size(); ++i) tx.sender[i] = static_cast<uint8_t>(0xa0 + i);
  tx.sender_cert = {0x30, 0x82, 0x01, 0x0a, 0x02, 0x82};
  tx.contract = "notary";
  tx.method = "anchor";
  tx.args = R"({"hash":"ab12","meta":{"doc":"CoO \u00e9"}})";
  for (size_t i = 0; i < tx.signature.size(); ++i) tx.signature[i] = static_cast<uint8_t>(i);
  return tx;
}

void push_le(Bytes& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void push_str(Bytes& out, std::string_view s) {
  push_le(out, s.size(), 4);
  out.insert(out.end(), s.begin(), s.end());
}

// The encoding as docs/formats.md writes it down, built byte by byte.
Bytes expected_signing_bytes(const Tx& tx) {
  Bytes out;
  push_le(out, tx.version, 4);
  push_str(out, tx.chain_id);
  push_le(out, tx.nonce, 8);
  push_le(out, tx.timestamp_ms, 8);
  out.push_back(static_cast<uint8_t>(tx.sender_kind));
  out.insert(out.end(), tx.sender.begin(), tx.sender.end());
  push_str(out, as_string_view(tx.sender_cert));
  push_str(out, tx.contract);
  push_str(out, tx.method);
  push_str(out, tx.args);
  return out;
}

void check_equal(const Tx& a, const Tx& b) {
  CHECK(a.version == b.version);
  CHECK(a.chain_id == b.chain_id);
  CHECK(a.nonce == b.nonce);
  CHECK(a.timestamp_ms == b.timestamp_ms);
  CHECK(a.sender_kind == b.sender_kind);
  CHECK(a.sender == b.sender);
  CHECK(a.sender_cert == b.sender_cert);
  CHECK(a.contract == b.contract);
  CHECK(a.method == b.method);
  CHECK(a.args == b.args);
  CHECK(a.signature == b.signature);
}

// Offset of sender_kind in an encoding of tx.
size_t sender_kind_offset(const Tx& tx) { return 4 + 4 + tx.chain_id.size() + 8 + 8; }

}  // namespace

TEST_SUITE("tx") {
  TEST_CASE("the encoding is the documented field order, signature last") {
    const Tx tx = full_tx();
    const Bytes sb = expected_signing_bytes(tx);
    CHECK(tx.signing_bytes() == sb);
    Bytes full = sb;
    full.insert(full.end(), tx.signature.begin(), tx.signature.end());
    CHECK(tx.encode() == full);
    CHECK(tx.encode().size() == tx.signing_bytes().size() + 64);
    // Version 1 leads, little-endian.
    CHECK(Bytes(full.begin(), full.begin() + 4) == Bytes{1, 0, 0, 0});
    // A default tx: every length zero, kind 0.
    Tx empty;
    const Bytes e = empty.encode();
    CHECK(e.size() == 4 + 4 + 8 + 8 + 1 + 32 + 4 + 4 + 4 + 4 + 64);
    Bytes want_empty(e.size(), 0);
    want_empty[0] = 1;
    CHECK(e == want_empty);
  }

  TEST_CASE("tx_id is SHA-256 of the encoding without the signature") {
    REQUIRE(crypto_init().is_ok());
    const Tx tx = full_tx();
    CHECK(tx.tx_id() == sha256(expected_signing_bytes(tx)));
    const Bytes enc = tx.encode();
    CHECK(tx.tx_id() == sha256(ByteSpan(enc.data(), enc.size() - 64)));
  }

  TEST_CASE("a fully populated tx round-trips, both sender kinds") {
    for (SenderKind kind : {SenderKind::kPublicKey, SenderKind::kCertFingerprint}) {
      Tx tx = full_tx();
      tx.sender_kind = kind;
      const Bytes enc = tx.encode();
      auto back = Tx::decode(enc);
      REQUIRE(back.is_ok());
      check_equal(back.value(), tx);
      CHECK(back->encode() == enc);
      CHECK(back->tx_id() == tx.tx_id());
    }
    Tx empty;
    auto back = Tx::decode(empty.encode());
    REQUIRE(back.is_ok());
    check_equal(back.value(), empty);
  }

  TEST_CASE("tx_id changes with every signed field and not with the signature") {
    REQUIRE(crypto_init().is_ok());
    const Tx base = full_tx();
    const Hash id = base.tx_id();
    const std::vector<std::pair<const char*, std::function<void(Tx&)>>> mutations = {
        {"version", [](Tx& t) { t.version = 2; }},
        {"chain_id", [](Tx& t) { t.chain_id += "x"; }},
        {"nonce", [](Tx& t) { t.nonce ^= 1; }},
        {"timestamp_ms", [](Tx& t) { t.timestamp_ms += 1; }},
        {"sender_kind", [](Tx& t) { t.sender_kind = SenderKind::kPublicKey; }},
        {"sender", [](Tx& t) { t.sender[31] ^= 1; }},
        {"sender_cert", [](Tx& t) { t.sender_cert.push_back(0); }},
        {"sender_cert cleared", [](Tx& t) { t.sender_cert.clear(); }},
        {"contract", [](Tx& t) { t.contract = "notarx"; }},
        {"method", [](Tx& t) { t.method = "anchoR"; }},
        {"args", [](Tx& t) { t.args += " "; }},
        // Moving a byte between adjacent strings keeps the concatenation but not the encoding.
        {"contract/method boundary",
         [](Tx& t) {
           t.contract = "notarya";
           t.method = "nchor";
         }},
    };
    for (const auto& mutation : mutations) {
      const auto& name = mutation.first;  // not a structured binding: clang 14 cannot capture one
      CAPTURE(name);
      Tx t = base;
      mutation.second(t);
      CHECK_FALSE(t.tx_id() == id);
      CHECK_FALSE(t.signing_bytes() == base.signing_bytes());
    }
    Tx resigned = base;
    resigned.signature[0] ^= 0xff;
    resigned.signature[63] ^= 0xff;
    CHECK(resigned.tx_id() == id);
    CHECK(resigned.signing_bytes() == base.signing_bytes());
    CHECK_FALSE(resigned.encode() == base.encode());
  }

  TEST_CASE("sign is Ed25519 over the 32-byte tx_id; verify_signature checks it") {
    REQUIRE(crypto_init().is_ok());
    const SecretKey key = test_key(0x42);
    const SecretKey other = test_key(0x43);
    Tx tx = full_tx();
    tx.sender_kind = SenderKind::kPublicKey;
    tx.sender = key.public_key();
    tx.sign(key);
    const Hash id = tx.tx_id();
    CHECK(tx.signature == key.sign(ByteSpan(id.data(), id.size())));
    CHECK(verify(key.public_key(), ByteSpan(id.data(), id.size()), tx.signature));
    CHECK(tx.verify_signature(key.public_key()));
    CHECK_FALSE(tx.verify_signature(other.public_key()));

    // The signature survives the round trip.
    auto back = Tx::decode(tx.encode());
    REQUIRE(back.is_ok());
    CHECK(back->verify_signature(key.public_key()));

    // Any change to a signed field invalidates it.
    Tx changed = tx;
    changed.args += "!";
    CHECK_FALSE(changed.verify_signature(key.public_key()));
    Tx nonce = tx;
    nonce.nonce += 1;
    CHECK_FALSE(nonce.verify_signature(key.public_key()));
    Tx bad_sig = tx;
    bad_sig.signature[10] ^= 0x01;
    CHECK_FALSE(bad_sig.verify_signature(key.public_key()));
    // An unsigned tx does not verify.
    Tx unsigned_tx = full_tx();
    unsigned_tx.signature = Signature{};
    CHECK_FALSE(unsigned_tx.verify_signature(key.public_key()));
  }

  TEST_CASE("every proper prefix of a valid encoding fails cleanly") {
    const Bytes enc = full_tx().encode();
    for (size_t n = 0; n < enc.size(); ++n) {
      CAPTURE(n);
      auto r = Tx::decode(ByteSpan(enc.data(), n));
      CHECK_FALSE(r.is_ok());
      CHECK(r.status().code() == Status::Code::kInvalid);
      CHECK_FALSE(r.status().message().empty());
    }
    CHECK(Tx::decode(enc).is_ok());
  }

  TEST_CASE("a trailing byte is rejected") {
    Bytes enc = full_tx().encode();
    enc.push_back(0);
    auto r = Tx::decode(enc);
    CHECK_FALSE(r.is_ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK(contains(r.status().message(), "trailing"));
  }

  TEST_CASE("an unknown version is rejected") {
    for (uint32_t v : {0u, 2u, 0xffffffffu}) {
      CAPTURE(v);
      Tx tx = full_tx();
      tx.version = v;
      auto r = Tx::decode(tx.encode());
      CHECK_FALSE(r.is_ok());
      CHECK(r.status().code() == Status::Code::kInvalid);
      CHECK(contains(r.status().message(), "version"));
    }
  }

  TEST_CASE("an unknown sender kind is rejected") {
    const Tx tx = full_tx();
    for (uint8_t kind : {uint8_t{2}, uint8_t{0x80}, uint8_t{0xff}}) {
      CAPTURE(int(kind));
      Bytes enc = tx.encode();
      const size_t off = sender_kind_offset(tx);
      REQUIRE(enc[off] == static_cast<uint8_t>(SenderKind::kCertFingerprint));
      enc[off] = kind;
      auto r = Tx::decode(enc);
      CHECK_FALSE(r.is_ok());
      CHECK(r.status().code() == Status::Code::kInvalid);
      CHECK(contains(r.status().message(), "sender kind"));
    }
  }

  TEST_CASE("oversized input is rejected; the limit itself is accepted") {
    Tx tx = full_tx();
    const size_t overhead = tx.encode().size() - tx.args.size();
    tx.args.assign(Tx::kMaxEncodedBytes - overhead, 'a');
    const Bytes at_limit = tx.encode();
    REQUIRE(at_limit.size() == Tx::kMaxEncodedBytes);
    auto ok = Tx::decode(at_limit);
    CHECK(ok.is_ok());

    tx.args.push_back('a');
    const Bytes over = tx.encode();
    REQUIRE(over.size() == Tx::kMaxEncodedBytes + 1);
    auto r = Tx::decode(over);
    CHECK_FALSE(r.is_ok());
    CHECK(r.status().code() == Status::Code::kInvalid);

    // Trailing garbage past the limit is rejected as oversize too.
    Bytes padded = full_tx().encode();
    padded.resize(Tx::kMaxEncodedBytes + 10, 0);
    CHECK_FALSE(Tx::decode(padded).is_ok());
  }

  TEST_CASE("a declared length running past the end is rejected") {
    const Tx tx = full_tx();
    Bytes enc = tx.encode();
    // chain_id length at offset 4: claim 0x7fffffff bytes.
    enc[4] = 0xff;
    enc[5] = 0xff;
    enc[6] = 0xff;
    enc[7] = 0x7f;
    auto r = Tx::decode(enc);
    CHECK_FALSE(r.is_ok());
    CHECK(contains(r.status().message(), "chain_id"));

    // args claims one byte more than it has: everything shifts and the signature is short.
    Bytes enc2 = tx.encode();
    const size_t args_len_off = enc2.size() - 64 - tx.args.size() - 4;
    REQUIRE(enc2[args_len_off] == static_cast<uint8_t>(tx.args.size()));
    enc2[args_len_off] += 1;
    CHECK_FALSE(Tx::decode(enc2).is_ok());
  }

  TEST_CASE("decode of garbage never succeeds by accident") {
    CHECK_FALSE(Tx::decode(ByteSpan()).is_ok());
    CHECK_FALSE(Tx::decode(Bytes(200, 0xff)).is_ok());
    CHECK_FALSE(Tx::decode(Bytes(200, 0x00)).is_ok());  // version 0
  }
}
