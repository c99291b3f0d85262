#include "silk/core/crypto.h"

#include <sodium.h>

#include <cstring>
#include <mutex>

namespace silk::core {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256 state buffer too small");

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

Hash sha256(ByteSpan data) {
  Hash out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Sha256::Sha256() { crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_)); }

Sha256& Sha256::update(ByteSpan data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), data.data(),
                            data.size());
  return *this;
}

Hash Sha256::finish() {
  Hash out{};
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), out.data());
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
