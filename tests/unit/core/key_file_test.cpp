#include "silk/core/key_file.h"

#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/openssl_cli.h"

using namespace silk::core;
namespace fs = std::filesystem;

namespace {

// A fresh folder removed when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "silk-keyfile-XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    REQUIRE_MESSAGE(made != nullptr, "mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// The cheapest KDF cost so the tests run fast.
KeyFileOptions fast() {
  KeyFileOptions o;
  o.opslimit = crypto_pwhash_OPSLIMIT_MIN;
  o.memlimit = crypto_pwhash_MEMLIMIT_MIN;
  return o;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Rewrites one field of a key file's JSON.
void patch_field(const std::string& path, const std::string& field, const nlohmann::json& value) {
  nlohmann::json doc = nlohmann::json::parse(read_text(path));
  doc[field] = value;
  write_text(path, doc.dump());
}

SecretKey key_from_byte(uint8_t b) {
  Bytes seed(32, b);
  auto key = SecretKey::from_seed(seed);
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

}  // namespace

TEST_SUITE("key_file") {
  TEST_CASE("a written key reads back with its passphrase") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    SecretKey key = key_from_byte(7);
    REQUIRE(write_key_file(path, key, "correct horse", fast()).is_ok());

    auto back = read_key_file(path, "correct horse");
    REQUIRE_MESSAGE(back.is_ok(), back.status().to_string());
    CHECK(back->public_key() == key.public_key());
    CHECK(back->seed() == key.seed());
    // The key signs as the original does.
    const Bytes msg = to_bytes("hello");
    CHECK(verify(key.public_key(), msg, back->sign(msg)));
  }

  TEST_CASE("the file is the documented JSON and holds no plaintext seed") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    SecretKey key = key_from_byte(9);
    REQUIRE(write_key_file(path, key, "pw", fast()).is_ok());

    const std::string text = read_text(path);
    nlohmann::json doc = nlohmann::json::parse(text);
    CHECK(doc["version"] == 1);
    CHECK(doc["type"] == "ed25519");
    CHECK(doc["kdf"] == "argon2id13");
    CHECK(doc["public_key"] == to_hex(key.public_key()));
    CHECK(doc["opslimit"].get<unsigned long long>() == crypto_pwhash_OPSLIMIT_MIN);
    CHECK(doc["memlimit"].get<size_t>() == crypto_pwhash_MEMLIMIT_MIN);
    CHECK(doc["salt"].get<std::string>().size() == 2 * crypto_pwhash_SALTBYTES);
    CHECK(doc["nonce"].get<std::string>().size() == 2 * crypto_secretbox_NONCEBYTES);
    CHECK(doc["ciphertext"].get<std::string>().size() == 2 * (32 + crypto_secretbox_MACBYTES));
    CHECK_FALSE(contains(text, to_hex(key.seed())));
  }

  TEST_CASE("default options use libsodium's interactive cost") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    SecretKey key = key_from_byte(1);
    REQUIRE(write_key_file(path, key, "pw").is_ok());
    nlohmann::json doc = nlohmann::json::parse(read_text(path));
    CHECK(doc["opslimit"].get<unsigned long long>() == crypto_pwhash_OPSLIMIT_INTERACTIVE);
    CHECK(doc["memlimit"].get<size_t>() == crypto_pwhash_MEMLIMIT_INTERACTIVE);
    auto back = read_key_file(path, "pw");
    REQUIRE(back.is_ok());
    CHECK(back->public_key() == key.public_key());
  }

  TEST_CASE("two files of one key differ (fresh salt and nonce)") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    SecretKey key = key_from_byte(3);
    REQUIRE(write_key_file(dir.file("a.key"), key, "pw", fast()).is_ok());
    REQUIRE(write_key_file(dir.file("b.key"), key, "pw", fast()).is_ok());
    auto a = nlohmann::json::parse(read_text(dir.file("a.key")));
    auto b = nlohmann::json::parse(read_text(dir.file("b.key")));
    CHECK(a["salt"] != b["salt"]);
    CHECK(a["nonce"] != b["nonce"]);
    CHECK(a["ciphertext"] != b["ciphertext"]);
  }

  TEST_CASE("a wrong passphrase is refused with a clear message") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    REQUIRE(write_key_file(path, key_from_byte(2), "right", fast()).is_ok());
    auto back = read_key_file(path, "wrong");
    REQUIRE_FALSE(back.is_ok());
    CHECK(back.status().code() == Status::Code::kInvalid);
    CHECK(back.status().message() == "key file " + path + ": wrong passphrase or corrupted file");
  }

  TEST_CASE("the file is created with mode 0600 whatever the umask") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    mode_t old = ::umask(0);
    Status st = write_key_file(path, key_from_byte(4), "pw", fast());
    ::umask(old);
    REQUIRE(st.is_ok());
    struct stat sb;
    REQUIRE(::stat(path.c_str(), &sb) == 0);
    CHECK((sb.st_mode & 0777) == 0600);
  }

  TEST_CASE("an existing file is never overwritten") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    write_text(path, "precious");
    Status st = write_key_file(path, key_from_byte(5), "pw", fast());
    CHECK(st.code() == Status::Code::kConflict);
    CHECK(contains(st.message(), path));
    CHECK(read_text(path) == "precious");

    // Also an existing key file.
    const std::string k = dir.file("k.key");
    REQUIRE(write_key_file(k, key_from_byte(6), "pw", fast()).is_ok());
    const std::string before = read_text(k);
    CHECK(write_key_file(k, key_from_byte(7), "pw", fast()).code() == Status::Code::kConflict);
    CHECK(read_text(k) == before);
  }

  TEST_CASE("an empty passphrase is refused and writes nothing") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    Status st = write_key_file(path, key_from_byte(5), "", fast());
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK_FALSE(fs::exists(path));
  }

  TEST_CASE("an unwritable folder is an I/O error") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    Status st = write_key_file(dir.file("no/such/folder/a.key"), key_from_byte(5), "pw", fast());
    CHECK(st.code() == Status::Code::kIOError);
  }

  TEST_CASE("a corrupted ciphertext is refused") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    REQUIRE(write_key_file(path, key_from_byte(8), "pw", fast()).is_ok());
    nlohmann::json doc = nlohmann::json::parse(read_text(path));
    std::string ct = doc["ciphertext"];
    ct[10] = ct[10] == '0' ? '1' : '0';
    patch_field(path, "ciphertext", ct);
    auto back = read_key_file(path, "pw");
    REQUIRE_FALSE(back.is_ok());
    CHECK(back.status().message() == "key file " + path + ": wrong passphrase or corrupted file");
  }

  TEST_CASE("a swapped public key is detected") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    REQUIRE(write_key_file(path, key_from_byte(8), "pw", fast()).is_ok());
    patch_field(path, "public_key", to_hex(key_from_byte(9).public_key()));
    auto back = read_key_file(path, "pw");
    REQUIRE_FALSE(back.is_ok());
    CHECK(back.status().code() == Status::Code::kInvalid);
    CHECK(contains(back.status().message(), "does not match"));
  }

  TEST_CASE("malformed files name what is wrong") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    REQUIRE(write_key_file(path, key_from_byte(8), "pw", fast()).is_ok());
    const std::string good = read_text(path);

    auto expect_invalid = [&](const std::string& why) {
      auto back = read_key_file(path, "pw");
      REQUIRE_FALSE(back.is_ok());
      CHECK(back.status().code() == Status::Code::kInvalid);
      CHECK(back.status().message() == "key file " + path + ": " + why);
      auto pub = read_key_file_public(path);
      CHECK_FALSE(pub.is_ok());
      write_text(path, good);
    };

    patch_field(path, "salt", "zz");
    expect_invalid("field salt: bad hex");
    patch_field(path, "nonce", "abcd");
    expect_invalid("field nonce: expected 24 bytes, got 2");
    patch_field(path, "version", 3);
    expect_invalid("unsupported version 3");
    // Version 2 (any suite) has other fields: a version-1 body relabelled is not one.
    patch_field(path, "version", 2);
    expect_invalid("missing field suite");
    patch_field(path, "kdf", "scrypt");
    expect_invalid("unsupported kdf \"scrypt\"");
    patch_field(path, "memlimit", "lots");
    expect_invalid("field memlimit: not an unsigned integer");
    patch_field(path, "opslimit", 1000000);
    expect_invalid("field opslimit: out of range");
    {
      nlohmann::json doc = nlohmann::json::parse(good);
      doc.erase("ciphertext");
      write_text(path, doc.dump());
      expect_invalid("missing field ciphertext");
    }
    write_text(path, good.substr(0, good.size() / 2));
    expect_invalid("not a JSON object");
    write_text(path, "");
    expect_invalid("not a JSON object");
  }

  TEST_CASE("the public key reads without a passphrase") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    const std::string path = dir.file("a.key");
    SecretKey key = key_from_byte(11);
    REQUIRE(write_key_file(path, key, "pw", fast()).is_ok());
    auto pk = read_key_file_public(path);
    REQUIRE(pk.is_ok());
    CHECK(*pk == key.public_key());
  }

  TEST_CASE("a missing key file is not found") {
    TempDir dir;
    const std::string path = dir.file("missing.key");
    auto a = read_key_file(path, "pw");
    CHECK(a.status().code() == Status::Code::kNotFound);
    CHECK(contains(a.status().message(), path));
    CHECK(read_key_file_public(path).status().code() == Status::Code::kNotFound);
  }

  TEST_CASE("a passphrase file gives its first line") {
    TempDir dir;
    const std::string path = dir.file("p");
    write_text(path, "s3cret\nsecond line\n");
    auto p = read_passphrase_file(path);
    REQUIRE(p.is_ok());
    CHECK(*p == "s3cret");

    write_text(path, "no newline");
    CHECK(read_passphrase_file(path).value() == "no newline");
    write_text(path, "dos\r\n");
    CHECK(read_passphrase_file(path).value() == "dos");
    write_text(path, " spaces kept \n");
    CHECK(read_passphrase_file(path).value() == " spaces kept ");

    write_text(path, "\nlater");
    CHECK(read_passphrase_file(path).status().code() == Status::Code::kInvalid);
    write_text(path, "");
    CHECK(read_passphrase_file(path).status().code() == Status::Code::kInvalid);
    CHECK(read_passphrase_file(dir.file("missing")).status().code() == Status::Code::kNotFound);
  }

  TEST_CASE("a version-1 key file written by an earlier silk still reads") {
    // `silk keygen --key-kdf fast` of main before signature suites existed, passphrase old-pass.
    TempDir dir;
    const std::string path = dir.file("old.key");
    write_text(path, R"({
  "ciphertext": "cf49ed5aa632e5b260a3898d90f6edf8886c5341f5b43ac622a60c4d4e2c7f8b09946a4a7d661fe9ee1349e6d385c3f1",
  "kdf": "argon2id13",
  "memlimit": 8192,
  "nonce": "b5c252557b2f15dc7e2faac1ae7b96ed47a46cc4d052d106",
  "opslimit": 1,
  "public_key": "9963b8515248635026a9f547b49035380205af7925f119d1e1ecd8c0ec449b96",
  "salt": "6fdf417cc8edab0a12955de10c3f9240",
  "type": "ed25519",
  "version": 1
}
)");
    const std::string pk = "9963b8515248635026a9f547b49035380205af7925f119d1e1ecd8c0ec449b96";
    auto old = read_key_file(path, "old-pass");
    REQUIRE_MESSAGE(old.is_ok(), old.status().to_string());
    CHECK(to_hex(old->public_key()) == pk);
    auto any = read_signing_key_file(path, "old-pass");
    REQUIRE_MESSAGE(any.is_ok(), any.status().to_string());
    CHECK(any->suite() == SignatureSuite::kEd25519);
    CHECK(to_hex(*any->verifying_key().ed25519_key()) == pk);
    auto vk = read_key_file_verifying_key(path);
    REQUIRE(vk.is_ok());
    CHECK(*vk == any->verifying_key());
    CHECK(*private_key_file_kind(path) == PrivateKeyFileKind::kKeyFile);
    CHECK(read_private_key_file(path, "old-pass").is_ok());
  }

  TEST_CASE("keys of every suite round-trip through a key file") {
    REQUIRE(crypto_init().is_ok());
    TempDir dir;
    for (SignatureSuite suite : all_suites()) {
      CAPTURE(suite_name(suite));
      auto key = SigningKey::generate(suite, 2048);
      REQUIRE_MESSAGE(key.is_ok(), key.status().to_string());
      const std::string path = dir.file(std::string(suite_name(suite)) + ".key");
      REQUIRE(write_signing_key_file(path, *key, "pw", fast()).is_ok());
      struct stat st {};
      REQUIRE(::stat(path.c_str(), &st) == 0);
      CHECK((st.st_mode & 0777) == 0600);
      const nlohmann::json doc = nlohmann::json::parse(read_text(path));
      if (suite == SignatureSuite::kEd25519) {
        // Still version 1, which every earlier silk and silkd reads.
        CHECK(doc["version"] == 1);
        CHECK(doc["type"] == "ed25519");
        CHECK(read_key_file(path, "pw").is_ok());
      } else {
        CHECK(doc["version"] == 2);
        CHECK(doc["suite"] == suite_name(suite));
        CHECK(doc["public_key"] == to_hex(key->verifying_key().spki_der()));
        // The PKCS#8 is not in the file in clear.
        auto der = key->pkcs8_der();
        REQUIRE(der.is_ok());
        CHECK_FALSE(contains(read_text(path), to_hex(der->span()).substr(40, 64)));
        // The Ed25519-only readers refuse it, naming the suite.
        auto old = read_key_file(path, "pw");
        REQUIRE_FALSE(old.is_ok());
        CHECK(old.status().message() == "key file " + path + ": a " + suite_name(suite) +
                                            " key; only ed25519 keys can be used here so far");
        CHECK_FALSE(read_key_file_public(path).is_ok());
      }
      auto back = read_signing_key_file(path, "pw");
      REQUIRE_MESSAGE(back.is_ok(), back.status().to_string());
      CHECK(back->verifying_key() == key->verifying_key());
      auto sig = back->sign(as_span("m"));
      REQUIRE(sig.is_ok());
      CHECK(key->verifying_key().verify(as_span("m"), *sig).is_ok());
      auto vk = read_key_file_verifying_key(path);
      REQUIRE(vk.is_ok());
      CHECK(*vk == key->verifying_key());

      auto wrong = read_signing_key_file(path, "not-pw");
      REQUIRE_FALSE(wrong.is_ok());
      CHECK(contains(wrong.status().message(), "wrong passphrase or corrupted file"));
      CHECK(write_signing_key_file(path, *key, "pw", fast()).code() == Status::Code::kConflict);
    }
  }

  TEST_CASE("a version-2 key file whose public key or suite was changed is refused") {
    TempDir dir;
    const std::string path = dir.file("p256.key");
    auto key = SigningKey::generate(SignatureSuite::kEcdsaP256Sha256);
    auto other = SigningKey::generate(SignatureSuite::kEcdsaP256Sha256);
    REQUIRE((key.is_ok() && other.is_ok()));
    REQUIRE(write_signing_key_file(path, *key, "pw", fast()).is_ok());
    const std::string good = read_text(path);

    patch_field(path, "public_key", to_hex(other->verifying_key().spki_der()));
    auto back = read_signing_key_file(path, "pw");
    REQUIRE_FALSE(back.is_ok());
    CHECK(contains(back.status().message(), "public_key does not match the encrypted key"));
    write_text(path, good);

    patch_field(path, "suite", "sm2-sm3");
    back = read_signing_key_file(path, "pw");
    REQUIRE_FALSE(back.is_ok());
    CHECK(contains(back.status().message(), "a ecdsa-p256-sha256 key, but suite is sm2-sm3"));
    write_text(path, good);

    patch_field(path, "suite", "ecdsa-p384");
    back = read_signing_key_file(path, "pw");
    REQUIRE_FALSE(back.is_ok());
    CHECK(contains(back.status().message(), "field suite: unknown signature suite"));
  }

  TEST_CASE("PKCS#8 files made by openssl read directly, clear or encrypted, PEM or DER") {
    if (!silk::test::have_openssl_cli()) return;
    const silk::test::ScratchDir dir;
    silk::test::openssl(dir, "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out k.pem");
    silk::test::openssl(dir, "pkcs8 -topk8 -nocrypt -in k.pem -outform DER -out k.der");
    silk::test::openssl(dir, "pkcs8 -topk8 -v2 aes-256-cbc -in k.pem -passout pass:pw -out e.pem");
    silk::test::openssl(
        dir, "pkcs8 -topk8 -v2 aes-256-cbc -in k.pem -passout pass:pw -outform DER -out e.der");
    CHECK(*private_key_file_kind(dir.file("k.pem")) == PrivateKeyFileKind::kPkcs8);
    CHECK(*private_key_file_kind(dir.file("k.der")) == PrivateKeyFileKind::kPkcs8);
    CHECK(*private_key_file_kind(dir.file("e.pem")) == PrivateKeyFileKind::kPkcs8Encrypted);
    CHECK(*private_key_file_kind(dir.file("e.der")) == PrivateKeyFileKind::kPkcs8Encrypted);
    auto a = read_private_key_file(dir.file("k.pem"), "");
    REQUIRE_MESSAGE(a.is_ok(), a.status().to_string());
    CHECK(a->suite() == SignatureSuite::kSm2Sm3);
    for (const char* f : {"k.der", "e.pem", "e.der"}) {
      auto b = read_private_key_file(dir.file(f), "pw");
      REQUIRE_MESSAGE(b.is_ok(), b.status().to_string());
      CHECK(b->verifying_key() == a->verifying_key());
    }
    auto bad = read_private_key_file(dir.file("e.pem"), "nope");
    REQUIRE_FALSE(bad.is_ok());
    CHECK(contains(bad.status().message(), dir.file("e.pem")));
    CHECK(contains(bad.status().message(), "wrong passphrase"));
  }
}
