#include "silk/core/crypto.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace silk::core {

Status crypto_init() {
  static const int rc = sodium_init();  // thread-safe in libsodium, once here
  if (rc < 0) return Status::internal("libsodium failed to initialise");
  return Status::ok();
}

namespace {
// Ensures libsodium is initialised before first use, even if a caller forgot.
void ensure_init() {
  static std::once_flag once;
  std::call_once(once, [] { (void)crypto_init(); });
}
}  // namespace

namespace {

// SHA-256 fetched once (EVP_sha256() would look it up on every init).
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

[[noreturn]] void openssl_failed(const char* what) {
  // Only an allocation failure gets here: no input makes SHA-256 fail.
  throw std::runtime_error(std::string("OpenSSL SHA-256 failed: ") + what);
}

// One context per thread for one-shot hashes: no allocation per call.
EVP_MD_CTX* thread_context() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) openssl_failed("no context");
  return holder.ctx;
}

void digest(EVP_MD_CTX* ctx, const unsigned char* data, size_t size, uint8_t* out) {
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, data, size) != 1 || EVP_DigestFinal_ex(ctx, out, &len) != 1) {
    openssl_failed("digest");
  }
}

}  // namespace

Hash sha256(ByteSpan data) {
  Hash out{};
  digest(thread_context(), data.data(), data.size(), out.data());
  return out;
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(stream_)); }

Sha256& Sha256::update(ByteSpan data) {
  if (stream_ == nullptr && size_ + data.size() <= kInline) {
    if (!data.empty()) std::memcpy(buffer_ + size_, data.data(), data.size());
    size_ += data.size();
    return *this;
  }
  if (stream_ == nullptr) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr || EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx, buffer_, size_) != 1) {
      EVP_MD_CTX_free(ctx);
      openssl_failed("stream");
    }
    stream_ = ctx;
  }
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(stream_), data.data(), data.size()) != 1) {
    openssl_failed("update");
  }
  return *this;
}

Hash Sha256::finish() {
  Hash out{};
  if (stream_ == nullptr) {
    digest(thread_context(), buffer_, size_, out.data());
  } else {
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(stream_), out.data(), &len) != 1) {
      openssl_failed("final");
    }
  }
  return out;
}

SecretKey::SecretKey() = default;

SecretKey::~SecretKey() { sodium_memzero(sk_.data(), sk_.size()); }

SecretKey::SecretKey(SecretKey&& other) noexcept : sk_(other.sk_) {
  sodium_memzero(other.sk_.data(), other.sk_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    sk_ = other.sk_;
    sodium_memzero(other.sk_.data(), other.sk_.size());
  }
  return *this;
}

SecretKey SecretKey::generate() {
  ensure_init();
  SecretKey k;
  PublicKey pk{};
  crypto_sign_ed25519_keypair(pk.data(), k.sk_.data());
  return k;
}

Result<SecretKey> SecretKey::from_seed(ByteSpan seed) {
  if (seed.size() != crypto_sign_ed25519_SEEDBYTES) {
    return Status::invalid("Ed25519 seed must be 32 bytes, got " + std::to_string(seed.size()));
  }
  ensure_init();
  SecretKey k;
  PublicKey pk{};
  crypto_sign_ed25519_seed_keypair(pk.data(), k.sk_.data(), seed.data());
  return k;
}

PublicKey SecretKey::public_key() const {
  PublicKey pk{};
  std::memcpy(pk.data(), sk_.data() + 32, 32);
  return pk;
}

Bytes SecretKey::seed() const { return Bytes(sk_.begin(), sk_.begin() + 32); }

Signature SecretKey::sign(ByteSpan message) const {
  Signature sig{};
  crypto_sign_ed25519_detached(sig.data(), nullptr, message.data(), message.size(), sk_.data());
  return sig;
}

bool verify(const PublicKey& pk, ByteSpan message, const Signature& sig) {
  return crypto_sign_ed25519_verify_detached(sig.data(), message.data(), message.size(),
                                             pk.data()) == 0;
}

Result<PublicKey> public_key_from_hex(std::string_view hex) {
  if (hex.size() != 64) {
    return Status::invalid("bad public key: expected 64 hex characters, got " +
                           std::to_string(hex.size()));
  }
  SILK_ASSIGN_OR_RETURN(Bytes b, from_hex(hex));
  PublicKey pk{};
  std::memcpy(pk.data(), b.data(), pk.size());
  return pk;
}

void wipe(void* data, size_t len) { sodium_memzero(data, len); }

}  // namespace silk::core
