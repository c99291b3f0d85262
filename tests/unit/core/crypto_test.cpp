#include "silk/core/crypto.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <set>
#include <string>
#include <vector>

using namespace silk::core;

namespace {

Bytes unhex(std::string_view s) {
  auto r = from_hex(s);
  REQUIRE(r.is_ok());
  return r.value();
}

template <size_t N>
std::array<uint8_t, N> unhex_array(std::string_view s) {
  Bytes b = unhex(s);
  REQUIRE(b.size() == N);
  std::array<uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

void init() { REQUIRE(crypto_init().is_ok()); }

// RFC 8032 §7.1, "Test Vectors for Ed25519".
struct Ed25519Vector {
  const char* name;
  const char* secret_key;  // the 32-byte seed
  const char* public_key;
  const char* message;
  const char* signature;
};

const Ed25519Vector kRfc8032[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
     "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
     // 1023 bytes.
     "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
     "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
     "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
     "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
     "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
     "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
     "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
     "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
     "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
     "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
     "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
     "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
     "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
     "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
     "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
     "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
     "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
     "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
     "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
     "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
     "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
     "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
     "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
     "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
     "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
     "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
     "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
     "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
     "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
     "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
     "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
     "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
     "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
     "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
};

// The Ed25519 group order L, little-endian (RFC 8032 §5.1).
const char* kGroupOrderLe = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

}  // namespace

TEST_SUITE("crypto") {
  TEST_CASE("crypto_init succeeds and may be called again") {
    CHECK(crypto_init().is_ok());
    CHECK(crypto_init().is_ok());
  }

  // FIPS 180-2 / NIST CSRC example values for SHA-256.
  TEST_CASE("SHA-256 known answers") {
    init();
    CHECK(to_hex(sha256(std::string_view(""))) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(to_hex(sha256(ByteSpan())) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(to_hex(sha256(std::string_view("abc"))) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(sha256(
              std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const std::string million(1000000, 'a');
    CHECK(to_hex(sha256(std::string_view(million))) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }

  TEST_CASE("incremental SHA-256 equals one-shot") {
    init();
    // One million 'a' fed in uneven chunks.
    Sha256 h;
    const std::string chunk(997, 'a');
    size_t left = 1000000;
    while (left > 0) {
      const size_t n = std::min(left, chunk.size());
      h.update(as_span(std::string_view(chunk).substr(0, n)));
      left -= n;
    }
    CHECK(to_hex(h.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    // Every split point of a 200-byte message, across block boundaries.
    Bytes msg(200);
    for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i * 31 + 7);
    const Hash whole = sha256(msg);
    for (size_t cut = 0; cut <= msg.size(); ++cut) {
      Sha256 s;
      s.update(ByteSpan(msg.data(), cut)).update(ByteSpan(msg.data() + cut, msg.size() - cut));
      CHECK(s.finish() == whole);
    }

    // "abc" one byte at a time; no update at all is the empty hash.
    Sha256 abc;
    abc.update(as_span("a")).update(as_span("b")).update(as_span("c"));
    CHECK(to_hex(abc.finish()) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(Sha256().finish()) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    // Against libsodium's SHA-256 (what hashed before OpenSSL did): every size up to past the
    // inline buffer and a few larger ones, one-shot and split at the inline limit's edges.
    Bytes data(5000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131 + (i >> 7));
    for (size_t n = 0; n <= 5000; n += (n < 600 ? 1 : 613)) {
      Hash ref{};
      crypto_hash_sha256(ref.data(), data.data(), n);
      CHECK(sha256(ByteSpan(data.data(), n)) == ref);
      for (size_t cut : {size_t{0}, Sha256::kInline - 1, Sha256::kInline, Sha256::kInline + 1}) {
        if (cut > n) continue;
        Sha256 s;
        s.update(ByteSpan(data.data(), cut)).update(ByteSpan(data.data() + cut, n - cut));
        CHECK(s.finish() == ref);
      }
    }

    // update(Hash) is update over its 32 raw bytes.
    Hash a = sha256(as_span("x")), b = sha256(as_span("y"));
    Bytes ab(a.begin(), a.end());
    ab.insert(ab.end(), b.begin(), b.end());
    CHECK(Sha256().update(a).update(b).finish() == sha256(ab));
  }

  TEST_CASE("Ed25519 RFC 8032 test vectors: public key, signature, verify") {
    init();
    for (const Ed25519Vector& v : kRfc8032) {
      CAPTURE(v.name);
      const Bytes seed = unhex(v.secret_key);
      const Bytes msg = unhex(v.message);
      const auto want_pk = unhex_array<32>(v.public_key);
      const auto want_sig = unhex_array<64>(v.signature);
      if (std::string(v.name) == "TEST 1024") CHECK(msg.size() == 1023);

      auto key = SecretKey::from_seed(seed);
      REQUIRE(key.is_ok());
      CHECK(key->public_key() == want_pk);
      CHECK(key->seed() == seed);
      const Signature sig = key->sign(msg);
      CHECK(to_hex(sig) == to_hex(ByteSpan(want_sig.data(), want_sig.size())));
      CHECK(verify(want_pk, msg, want_sig));

      // A flipped bit anywhere in message, signature or public key fails.
      if (!msg.empty()) {
        for (size_t i : {size_t{0}, msg.size() / 2, msg.size() - 1}) {
          Bytes bad = msg;
          bad[i] ^= 0x01;
          CHECK_FALSE(verify(want_pk, bad, want_sig));
        }
      }
      Bytes longer = msg;
      longer.push_back(0);
      CHECK_FALSE(verify(want_pk, longer, want_sig));
      for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
        Signature bad = want_sig;
        bad[i] ^= 0x80;
        CHECK_FALSE(verify(want_pk, msg, bad));
      }
      for (size_t i : {size_t{0}, size_t{17}, size_t{31}}) {
        PublicKey bad = want_pk;
        bad[i] ^= 0x04;
        CHECK_FALSE(verify(bad, msg, want_sig));
      }
    }
  }

  TEST_CASE("a malleated signature (S + L) is rejected") {
    init();
    const Ed25519Vector& v = kRfc8032[0];
    const auto pk = unhex_array<32>(v.public_key);
    Signature sig = unhex_array<64>(v.signature);
    REQUIRE(verify(pk, ByteSpan(), sig));
    // S is the second half, little-endian; S < L < 2^253, so S + L fits in 32 bytes.
    const Bytes l = unhex(kGroupOrderLe);
    unsigned carry = 0;
    for (size_t i = 0; i < 32; ++i) {
      const unsigned sum = sig[32 + i] + l[i] + carry;
      sig[32 + i] = static_cast<uint8_t>(sum);
      carry = sum >> 8;
    }
    REQUIRE(carry == 0);
    CHECK_FALSE(verify(pk, ByteSpan(), sig));
  }

  TEST_CASE("an all-zero public key and signature never verify") {
    init();
    CHECK_FALSE(verify(PublicKey{}, ByteSpan(), Signature{}));
    CHECK_FALSE(verify(PublicKey{}, as_span("abc"), Signature{}));
  }

  TEST_CASE("from_seed rejects anything but 32 bytes") {
    init();
    for (size_t n : {size_t{0}, size_t{1}, size_t{31}, size_t{33}, size_t{64}}) {
      CAPTURE(n);
      Bytes seed(n, 0x11);
      auto k = SecretKey::from_seed(seed);
      CHECK_FALSE(k.is_ok());
      CHECK(k.status().code() == Status::Code::kInvalid);
    }
    CHECK(SecretKey::from_seed(Bytes(32, 0x11)).is_ok());
  }

  TEST_CASE("generate gives distinct keys that sign and verify") {
    init();
    std::set<std::string> pks;
    std::set<std::string> seeds;
    for (int i = 0; i < 8; ++i) {
      SecretKey k = SecretKey::generate();
      pks.insert(to_hex(k.public_key()));
      seeds.insert(to_hex(k.seed()));
      const Signature sig = k.sign(as_span("trade document"));
      CHECK(verify(k.public_key(), as_span("trade document"), sig));
      CHECK_FALSE(verify(k.public_key(), as_span("trade documenT"), sig));
    }
    CHECK(pks.size() == 8);
    CHECK(seeds.size() == 8);
  }

  TEST_CASE("the seed round-trips to the same key") {
    init();
    SecretKey k = SecretKey::generate();
    const Bytes seed = k.seed();
    CHECK(seed.size() == 32);
    auto again = SecretKey::from_seed(seed);
    REQUIRE(again.is_ok());
    CHECK(again->public_key() == k.public_key());
    CHECK(again->seed() == seed);
    // Ed25519 is deterministic: both produce the same signature.
    CHECK(again->sign(as_span("m")) == k.sign(as_span("m")));
    // A different key signs differently and does not verify under k.
    SecretKey other = SecretKey::generate();
    CHECK_FALSE(verify(k.public_key(), as_span("m"), other.sign(as_span("m"))));
  }

  TEST_CASE("a moved key keeps working") {
    init();
    auto k = SecretKey::from_seed(unhex(kRfc8032[1].secret_key));
    REQUIRE(k.is_ok());
    SecretKey moved(std::move(k.value()));
    CHECK(to_hex(moved.public_key()) == kRfc8032[1].public_key);
    SecretKey assigned;
    assigned = std::move(moved);
    CHECK(to_hex(assigned.public_key()) == kRfc8032[1].public_key);
    CHECK(to_hex(assigned.sign(unhex("72"))) == kRfc8032[1].signature);
  }

  TEST_CASE("public_key_from_hex") {
    auto pk = public_key_from_hex(kRfc8032[0].public_key);
    REQUIRE(pk.is_ok());
    CHECK(to_hex(pk.value()) == kRfc8032[0].public_key);
    const std::string good = kRfc8032[0].public_key;
    CHECK_FALSE(public_key_from_hex(good.substr(0, 62)).is_ok());
    CHECK_FALSE(public_key_from_hex(good + "00").is_ok());
    CHECK_FALSE(public_key_from_hex("").is_ok());
    std::string bad = good;
    bad[3] = 'z';
    auto r = public_key_from_hex(bad);
    CHECK_FALSE(r.is_ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
  }

  TEST_CASE("wipe zeroes the buffer") {
    std::array<uint8_t, 48> buf;
    buf.fill(0xa5);
    wipe(buf.data(), buf.size());
    for (uint8_t b : buf) CHECK(b == 0);
    // Zero length is a no-op.
    uint8_t one = 7;
    wipe(&one, 0);
    CHECK(one == 7);
  }
}
