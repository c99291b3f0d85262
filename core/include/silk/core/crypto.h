// SHA-256 through OpenSSL (its SHA-NI/AVX2 code: 3-5x libsodium's portable C on this project's
// machines, at every size from 32 bytes up; docs/performance.md) and Ed25519 through libsodium.
// Never hand-rolled.
#pragma once

#include <array>
#include <cstdint>

#include "silk/core/bytes.h"
#include "silk/core/status.h"

namespace silk::core {

// Must be called once before any other function here; safe to call again
// from any thread. Returns an internal error if libsodium cannot start.
Status crypto_init();

Hash sha256(ByteSpan data);
inline Hash sha256(std::string_view s) { return sha256(as_span(s)); }

// Incremental SHA-256. Updates gather in the object (no allocation) and are hashed in one call at
// finish(); past kInline bytes they stream through an OpenSSL context instead. finish() once.
class Sha256 {
 public:
  Sha256() = default;
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(ByteSpan data);
  Sha256& update(const Hash& h) { return update(ByteSpan(h.data(), h.size())); }
  Hash finish();

  static constexpr size_t kInline = 240;

 private:
  void* stream_ = nullptr;  // EVP_MD_CTX*, once past kInline
  size_t size_ = 0;         // bytes in buffer_
  unsigned char buffer_[kInline];
};

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

// An Ed25519 secret key (libsodium's 64-byte form: seed || public key).
// The bytes are wiped when the object dies. Movable, not copyable.
class SecretKey {
 public:
  SecretKey();
  ~SecretKey();
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;

  // A fresh random key.
  static SecretKey generate();
  // The key derived from a 32-byte seed (RFC 8032 test vectors use this).
  static Result<SecretKey> from_seed(ByteSpan seed);

  PublicKey public_key() const;
  // The 32-byte seed, for storing the key (encrypted).
  Bytes seed() const;
  Signature sign(ByteSpan message) const;

 private:
  std::array<uint8_t, 64> sk_{};
};

// True when sig is a valid Ed25519 signature of message by pk.
bool verify(const PublicKey& pk, ByteSpan message, const Signature& sig);

Result<PublicKey> public_key_from_hex(std::string_view hex);

// Securely wipe a buffer.
void wipe(void* data, size_t len);

}  // namespace silk::core
