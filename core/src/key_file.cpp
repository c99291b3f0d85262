#include "silk/core/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "silk/core/file_io.h"

namespace silk::core {
namespace {

constexpr int kKeyFileVersion = 1;
constexpr const char* kKeyType = "ed25519";
constexpr const char* kKdfName = "argon2id13";
constexpr size_t kSeedBytes = crypto_sign_SEEDBYTES;
// A key file is a few hundred bytes; anything much larger is not one.
constexpr size_t kMaxKeyFileBytes = 64 * 1024;
// Refuse cost parameters a crafted file could use to exhaust memory or time.
constexpr unsigned long long kMaxOpslimit = 64;
constexpr size_t kMaxMemlimit = size_t{4} << 30;  // 4 GiB

// Wipes a byte container when it goes out of scope.
template <typename T>
class WipeOnExit {
 public:
  explicit WipeOnExit(T& buf) : buf_(buf) {}
  ~WipeOnExit() {
    if (!buf_.empty()) sodium_memzero(buf_.data(), buf_.size());
  }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  T& buf_;
};

std::string errno_text(int err) { return std::strerror(err); }

Status init_sodium() {
  if (sodium_init() < 0) return Status::internal("libsodium failed to initialise");
  return Status::ok();
}

// Reads a whole small file. kNotFound if missing, kIOError otherwise.
Result<std::string> read_small_file(const std::string& path, const char* what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::not_found(std::string(what) + " " + path + " not found");
    return Status::io_error("cannot open " + std::string(what) + " " + path + ": " +
                            errno_text(err));
  }
  std::string text(kMaxKeyFileBytes + 1, '\0');
  size_t got = 0;
  int err = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (err != 0) {
    sodium_memzero(text.data(), text.size());
    return Status::io_error("cannot read " + std::string(what) + " " + path + ": " +
                            errno_text(err));
  }
  if (got > kMaxKeyFileBytes) {
    sodium_memzero(text.data(), text.size());
    return Status::invalid(std::string(what) + " " + path + ": larger than " +
                           std::to_string(kMaxKeyFileBytes) + " bytes");
  }
  // Shrinking keeps the buffer; the tail is zeros already.
  text.resize(got);
  return text;
}

Status key_file_invalid(const std::string& path, const std::string& why) {
  return Status::invalid("key file " + path + ": " + why);
}

Result<const nlohmann::json*> get_field(const nlohmann::json& doc, const std::string& path,
                                        const char* name) {
  auto it = doc.find(name);
  if (it == doc.end()) return key_file_invalid(path, std::string("missing field ") + name);
  return &*it;
}

Result<std::string> get_string(const nlohmann::json& doc, const std::string& path,
                               const char* name) {
  SILK_ASSIGN_OR_RETURN(const nlohmann::json* v, get_field(doc, path, name));
  if (!v->is_string())
    return key_file_invalid(path, std::string("field ") + name + ": not a string");
  return v->get<std::string>();
}

Result<uint64_t> get_uint(const nlohmann::json& doc, const std::string& path, const char* name) {
  SILK_ASSIGN_OR_RETURN(const nlohmann::json* v, get_field(doc, path, name));
  if (!v->is_number_unsigned()) {
    return key_file_invalid(path, std::string("field ") + name + ": not an unsigned integer");
  }
  return v->get<uint64_t>();
}

Result<Bytes> get_hex(const nlohmann::json& doc, const std::string& path, const char* name,
                      size_t expected_len) {
  SILK_ASSIGN_OR_RETURN(std::string text, get_string(doc, path, name));
  auto bytes = from_hex(text);
  if (!bytes.is_ok()) return key_file_invalid(path, std::string("field ") + name + ": bad hex");
  if (expected_len != 0 && bytes->size() != expected_len) {
    return key_file_invalid(path, std::string("field ") + name + ": expected " +
                                      std::to_string(expected_len) + " bytes, got " +
                                      std::to_string(bytes->size()));
  }
  return std::move(bytes).value();
}

struct ParsedKeyFile {
  PublicKey public_key{};
  unsigned long long opslimit = 0;
  size_t memlimit = 0;
  Bytes salt;
  Bytes nonce;
  Bytes ciphertext;
};

Result<ParsedKeyFile> parse_key_file(const std::string& path) {
  SILK_ASSIGN_OR_RETURN(std::string text, read_small_file(path, "key file"));
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return key_file_invalid(path, "not a JSON object");

  SILK_ASSIGN_OR_RETURN(uint64_t version, get_uint(doc, path, "version"));
  if (version != kKeyFileVersion) {
    return key_file_invalid(path, "unsupported version " + std::to_string(version));
  }
  SILK_ASSIGN_OR_RETURN(std::string type, get_string(doc, path, "type"));
  if (type != kKeyType) return key_file_invalid(path, "unsupported key type \"" + type + "\"");
  SILK_ASSIGN_OR_RETURN(std::string kdf, get_string(doc, path, "kdf"));
  if (kdf != kKdfName) return key_file_invalid(path, "unsupported kdf \"" + kdf + "\"");

  ParsedKeyFile out;
  SILK_ASSIGN_OR_RETURN(Bytes pk, get_hex(doc, path, "public_key", crypto_sign_PUBLICKEYBYTES));
  std::copy(pk.begin(), pk.end(), out.public_key.begin());

  SILK_ASSIGN_OR_RETURN(uint64_t ops, get_uint(doc, path, "opslimit"));
  if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > kMaxOpslimit) {
    return key_file_invalid(path, "field opslimit: out of range");
  }
  SILK_ASSIGN_OR_RETURN(uint64_t mem, get_uint(doc, path, "memlimit"));
  if (mem < crypto_pwhash_MEMLIMIT_MIN || mem > kMaxMemlimit) {
    return key_file_invalid(path, "field memlimit: out of range");
  }
  out.opslimit = ops;
  out.memlimit = static_cast<size_t>(mem);

  SILK_ASSIGN_OR_RETURN(out.salt, get_hex(doc, path, "salt", crypto_pwhash_SALTBYTES));
  SILK_ASSIGN_OR_RETURN(out.nonce, get_hex(doc, path, "nonce", crypto_secretbox_NONCEBYTES));
  SILK_ASSIGN_OR_RETURN(out.ciphertext,
                        get_hex(doc, path, "ciphertext", kSeedBytes + crypto_secretbox_MACBYTES));
  return out;
}

}  // namespace

Status write_key_file(const std::string& path, const SecretKey& key, const std::string& passphrase,
                      const KeyFileOptions& options) {
  SILK_RETURN_IF_ERROR(init_sodium());
  if (passphrase.empty()) return Status::invalid("empty passphrase: a key file needs one");

  const unsigned long long opslimit =
      options.opslimit != 0 ? options.opslimit : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  const size_t memlimit =
      options.memlimit != 0 ? options.memlimit : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  if (opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > kMaxOpslimit ||
      memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > kMaxMemlimit) {
    return Status::invalid("key file options: kdf cost out of range");
  }

  std::array<uint8_t, crypto_pwhash_SALTBYTES> salt{};
  std::array<uint8_t, crypto_secretbox_NONCEBYTES> nonce{};
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());

  std::array<uint8_t, crypto_secretbox_KEYBYTES> box_key{};
  WipeOnExit wipe_box_key(box_key);
  if (crypto_pwhash(box_key.data(), box_key.size(), passphrase.data(), passphrase.size(),
                    salt.data(), opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::internal("key derivation failed (out of memory?)");
  }

  Bytes seed = key.seed();
  WipeOnExit wipe_seed(seed);
  if (seed.size() != kSeedBytes) return Status::internal("secret key seed has the wrong size");
  Bytes ciphertext(seed.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(ciphertext.data(), seed.data(), seed.size(), nonce.data(), box_key.data());

  PublicKey pk = key.public_key();
  nlohmann::json doc = {
      {"version", kKeyFileVersion},
      {"type", kKeyType},
      {"public_key", to_hex(ByteSpan(pk.data(), pk.size()))},
      {"kdf", kKdfName},
      {"opslimit", opslimit},
      {"memlimit", memlimit},
      {"salt", to_hex(ByteSpan(salt.data(), salt.size()))},
      {"nonce", to_hex(ByteSpan(nonce.data(), nonce.size()))},
      {"ciphertext", to_hex(ciphertext)},
  };
  std::string text = doc.dump(2) + "\n";

  Status st = write_new_file(path, text, 0600);
  if (st.code() == Status::Code::kConflict) {
    return Status::conflict("key file " + path + " already exists: refusing to overwrite it");
  }
  if (!st.is_ok()) return st.with_context("key file");
  return Status::ok();
}

Result<SecretKey> read_key_file(const std::string& path, const std::string& passphrase) {
  SILK_RETURN_IF_ERROR(init_sodium());
  SILK_ASSIGN_OR_RETURN(ParsedKeyFile file, parse_key_file(path));

  std::array<uint8_t, crypto_secretbox_KEYBYTES> box_key{};
  WipeOnExit wipe_box_key(box_key);
  if (crypto_pwhash(box_key.data(), box_key.size(), passphrase.data(), passphrase.size(),
                    file.salt.data(), file.opslimit, file.memlimit,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::internal("key derivation failed for key file " + path + " (out of memory?)");
  }

  Bytes seed(kSeedBytes);
  WipeOnExit wipe_seed(seed);
  if (crypto_secretbox_open_easy(seed.data(), file.ciphertext.data(), file.ciphertext.size(),
                                 file.nonce.data(), box_key.data()) != 0) {
    return key_file_invalid(path, "wrong passphrase or corrupted file");
  }
  auto key = SecretKey::from_seed(seed);
  if (!key.is_ok()) return key_file_invalid(path, "bad key seed: " + key.status().message());
  if (key->public_key() != file.public_key) {
    return key_file_invalid(path, "public_key does not match the encrypted key (corrupted file)");
  }
  return key;
}

Result<PublicKey> read_key_file_public(const std::string& path) {
  SILK_ASSIGN_OR_RETURN(ParsedKeyFile file, parse_key_file(path));
  return file.public_key;
}

Result<std::string> read_passphrase_file(const std::string& path) {
  SILK_ASSIGN_OR_RETURN(std::string text, read_small_file(path, "passphrase file"));
  WipeOnExit wipe_text(text);
  size_t end = text.find('\n');
  if (end == std::string::npos) end = text.size();
  if (end > 0 && text[end - 1] == '\r') --end;
  if (end == 0) return Status::invalid("passphrase file " + path + " is empty");
  return std::string(text.data(), end);
}

}  // namespace silk::core
