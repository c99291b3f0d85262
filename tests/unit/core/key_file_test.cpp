#include "silk/core/key_file.h"

#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

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
    patch_field(path, "version", 2);
    expect_invalid("unsupported version 2");
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
}
