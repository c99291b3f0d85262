#include "silk/core/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "silk/core/file_io.h"

namespace silk::core {
namespace {

constexpr int kKeyFileVersion = 1;        // ed25519 only: the seed inside
constexpr int kKeyFileVersionSuites = 2;  // any suite: PKCS#8 DER inside
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
  uint64_t version = 0;
  SignatureSuite suite = SignatureSuite::kEd25519;
  PublicKey public_key{};  // the raw key of an ed25519 key file
  Bytes spki;              // version 2: the SubjectPublicKeyInfo DER
  unsigned long long opslimit = 0;
  size_t memlimit = 0;
  Bytes salt;
  Bytes nonce;
  Bytes ciphertext;
};

Result<ParsedKeyFile> parse_key_file_text(const std::string& path, const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return key_file_invalid(path, "not a JSON object");

  ParsedKeyFile out;
  SILK_ASSIGN_OR_RETURN(out.version, get_uint(doc, path, "version"));
  if (out.version == kKeyFileVersion) {
    SILK_ASSIGN_OR_RETURN(std::string type, get_string(doc, path, "type"));
    if (type != kKeyType) return key_file_invalid(path, "unsupported key type \"" + type + "\"");
  } else if (out.version == kKeyFileVersionSuites) {
    SILK_ASSIGN_OR_RETURN(std::string suite, get_string(doc, path, "suite"));
    auto parsed = parse_suite_name(suite);
    if (!parsed.is_ok()) return key_file_invalid(path, "field suite: " + parsed.status().message());
    out.suite = *parsed;
  } else {
    return key_file_invalid(path, "unsupported version " + std::to_string(out.version));
  }
  SILK_ASSIGN_OR_RETURN(std::string kdf, get_string(doc, path, "kdf"));
  if (kdf != kKdfName) return key_file_invalid(path, "unsupported kdf \"" + kdf + "\"");

  if (out.version == kKeyFileVersion) {
    SILK_ASSIGN_OR_RETURN(Bytes pk, get_hex(doc, path, "public_key", crypto_sign_PUBLICKEYBYTES));
    std::copy(pk.begin(), pk.end(), out.public_key.begin());
  } else {
    SILK_ASSIGN_OR_RETURN(out.spki, get_hex(doc, path, "public_key", 0));
    auto vk = VerifyingKey::from_spki_der(out.spki);
    if (!vk.is_ok()) return key_file_invalid(path, "field public_key: " + vk.status().message());
    if (vk->suite() != out.suite) {
      return key_file_invalid(path, std::string("field public_key: a ") + suite_name(vk->suite()) +
                                        " key, but suite is " + suite_name(out.suite));
    }
    if (out.suite == SignatureSuite::kEd25519) out.public_key = *vk->ed25519_key();
  }

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
  if (out.version == kKeyFileVersion) {
    SILK_ASSIGN_OR_RETURN(out.ciphertext,
                          get_hex(doc, path, "ciphertext", kSeedBytes + crypto_secretbox_MACBYTES));
  } else {
    SILK_ASSIGN_OR_RETURN(out.ciphertext, get_hex(doc, path, "ciphertext", 0));
    if (out.ciphertext.size() <= crypto_secretbox_MACBYTES ||
        out.ciphertext.size() > kMaxKeyEncodingBytes + crypto_secretbox_MACBYTES) {
      return key_file_invalid(
          path, "field ciphertext: bad length " + std::to_string(out.ciphertext.size()));
    }
  }
  return out;
}

Result<ParsedKeyFile> parse_key_file(const std::string& path) {
  SILK_ASSIGN_OR_RETURN(std::string text, read_small_file(path, "key file"));
  return parse_key_file_text(path, text);
}

// The plaintext of a key file: the 32-byte seed (version 1) or the PKCS#8 DER (version 2).
Result<SecretBytes> decrypt_key_file(const std::string& path, const ParsedKeyFile& file,
                                     const std::string& passphrase) {
  std::array<uint8_t, crypto_secretbox_KEYBYTES> box_key{};
  WipeOnExit wipe_box_key(box_key);
  if (crypto_pwhash(box_key.data(), box_key.size(), passphrase.data(), passphrase.size(),
                    file.salt.data(), file.opslimit, file.memlimit,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::internal("key derivation failed for key file " + path + " (out of memory?)");
  }
  Bytes plain(file.ciphertext.size() - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(plain.data(), file.ciphertext.data(), file.ciphertext.size(),
                                 file.nonce.data(), box_key.data()) != 0) {
    sodium_memzero(plain.data(), plain.size());
    return key_file_invalid(path, "wrong passphrase or corrupted file");
  }
  return SecretBytes(std::move(plain));
}

// Encrypts `plaintext` under `passphrase` and writes `fields` plus the kdf and cipher fields.
Status write_encrypted_key_file(const std::string& path, nlohmann::json fields, ByteSpan plaintext,
                                const std::string& passphrase, const KeyFileOptions& options) {
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

  Bytes ciphertext(plaintext.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(ciphertext.data(), plaintext.data(), plaintext.size(), nonce.data(),
                        box_key.data());

  fields["kdf"] = kKdfName;
  fields["opslimit"] = opslimit;
  fields["memlimit"] = memlimit;
  fields["salt"] = to_hex(ByteSpan(salt.data(), salt.size()));
  fields["nonce"] = to_hex(ByteSpan(nonce.data(), nonce.size()));
  fields["ciphertext"] = to_hex(ciphertext);
  std::string text = fields.dump(2) + "\n";

  Status st = write_new_file(path, text, 0600);
  if (st.code() == Status::Code::kConflict) {
    return Status::conflict("key file " + path + " already exists: refusing to overwrite it");
  }
  if (!st.is_ok()) return st.with_context("key file");
  return Status::ok();
}

Status not_ed25519(const std::string& path, SignatureSuite suite) {
  return key_file_invalid(path, std::string("a ") + suite_name(suite) +
                                    " key; only ed25519 keys can be used here so far");
}

}  // namespace

Status write_key_file(const std::string& path, const SecretKey& key, const std::string& passphrase,
                      const KeyFileOptions& options) {
  SILK_RETURN_IF_ERROR(init_sodium());
  Bytes seed = key.seed();
  WipeOnExit wipe_seed(seed);
  if (seed.size() != kSeedBytes) return Status::internal("secret key seed has the wrong size");
  PublicKey pk = key.public_key();
  nlohmann::json fields = {
      {"version", kKeyFileVersion},
      {"type", kKeyType},
      {"public_key", to_hex(ByteSpan(pk.data(), pk.size()))},
  };
  return write_encrypted_key_file(path, std::move(fields), seed, passphrase, options);
}

Status write_signing_key_file(const std::string& path, const SigningKey& key,
                              const std::string& passphrase, const KeyFileOptions& options) {
  if (key.suite() == SignatureSuite::kEd25519) {
    SILK_ASSIGN_OR_RETURN(SecretKey sk, key.ed25519_key());
    return write_key_file(path, sk, passphrase, options);
  }
  SILK_ASSIGN_OR_RETURN(SecretBytes pkcs8, key.pkcs8_der());
  nlohmann::json fields = {
      {"version", kKeyFileVersionSuites},
      {"suite", suite_name(key.suite())},
      {"public_key", to_hex(key.verifying_key().spki_der())},
  };
  return write_encrypted_key_file(path, std::move(fields), pkcs8.span(), passphrase, options);
}

Result<SigningKey> read_signing_key_file(const std::string& path, const std::string& passphrase) {
  SILK_RETURN_IF_ERROR(init_sodium());
  SILK_ASSIGN_OR_RETURN(ParsedKeyFile file, parse_key_file(path));
  SILK_ASSIGN_OR_RETURN(SecretBytes plain, decrypt_key_file(path, file, passphrase));
  if (file.version == kKeyFileVersion) {
    auto key = SecretKey::from_seed(plain.span());
    if (!key.is_ok()) return key_file_invalid(path, "bad key seed: " + key.status().message());
    if (key->public_key() != file.public_key) {
      return key_file_invalid(path, "public_key does not match the encrypted key (corrupted file)");
    }
    return SigningKey::from_ed25519(*key);
  }
  auto key = SigningKey::from_pkcs8(plain.span());
  if (!key.is_ok()) return key_file_invalid(path, key.status().message());
  if (key->verifying_key().spki_der() != file.spki) {
    return key_file_invalid(path, "public_key does not match the encrypted key (corrupted file)");
  }
  return key;
}

Result<VerifyingKey> read_key_file_verifying_key(const std::string& path) {
  SILK_ASSIGN_OR_RETURN(ParsedKeyFile file, parse_key_file(path));
  if (file.version == kKeyFileVersion) return VerifyingKey::from_ed25519(file.public_key);
  return VerifyingKey::from_spki_der(file.spki);
}

Result<SecretKey> read_key_file(const std::string& path, const std::string& passphrase) {
  SILK_RETURN_IF_ERROR(init_sodium());
  SILK_ASSIGN_OR_RETURN(ParsedKeyFile file, parse_key_file(path));
  if (file.suite != SignatureSuite::kEd25519) return not_ed25519(path, file.suite);
  SILK_ASSIGN_OR_RETURN(SigningKey key, read_signing_key_file(path, passphrase));
  return key.ed25519_key();
}

Result<PublicKey> read_key_file_public(const std::string& path) {
  SILK_ASSIGN_OR_RETURN(ParsedKeyFile file, parse_key_file(path));
  if (file.suite != SignatureSuite::kEd25519) return not_ed25519(path, file.suite);
  return file.public_key;
}

Result<PrivateKeyFileKind> private_key_file_kind(const std::string& path) {
  SILK_ASSIGN_OR_RETURN(std::string text, read_small_file(path, "key file"));
  WipeOnExit wipe_text(text);
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i < text.size() && text[i] == '{') return PrivateKeyFileKind::kKeyFile;
  const std::string_view rest = std::string_view(text).substr(i);
  if (rest.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
    return PrivateKeyFileKind::kPkcs8Encrypted;
  }
  if (rest.starts_with("-----BEGIN ")) return PrivateKeyFileKind::kPkcs8;
  // DER: PrivateKeyInfo is SEQUENCE { INTEGER version, ... }; EncryptedPrivateKeyInfo is
  // SEQUENCE { SEQUENCE algorithm, OCTET STRING }.
  if (text.size() >= 4 && static_cast<uint8_t>(text[0]) == 0x30) {
    size_t at = 1;
    const uint8_t len0 = static_cast<uint8_t>(text[1]);
    at += 1 + ((len0 & 0x80) != 0 ? (len0 & 0x7f) : 0);
    if (at < text.size() && text[at] == 0x30) return PrivateKeyFileKind::kPkcs8Encrypted;
  }
  return PrivateKeyFileKind::kPkcs8;
}

Result<SigningKey> read_private_key_file(const std::string& path, const std::string& passphrase) {
  SILK_ASSIGN_OR_RETURN(PrivateKeyFileKind kind, private_key_file_kind(path));
  if (kind == PrivateKeyFileKind::kKeyFile) return read_signing_key_file(path, passphrase);
  SILK_ASSIGN_OR_RETURN(std::string text, read_small_file(path, "private key file"));
  WipeOnExit wipe_text(text);
  auto key = SigningKey::from_pkcs8(as_span(text), passphrase);
  if (!key.is_ok()) return key.status().with_context("private key file " + path);
  return key;
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
