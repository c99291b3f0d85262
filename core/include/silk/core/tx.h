// Transaction: the signed unit a client submits (docs/formats.md#tx).
#pragma once

#include <cstdint>
#include <string>

#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "silk/core/status.h"

namespace silk::core {

enum class SenderKind : uint8_t {
  kPublicKey = 0,        // sender is the signer's 32-byte Ed25519 public key (with-key mode)
  kCertFingerprint = 1,  // sender is SHA-256 of the signer's DER certificate (with-cert mode)
};

struct Tx {
  static constexpr uint32_t kVersion = 1;
  static constexpr size_t kMaxEncodedBytes = 1u << 20;  // 1 MiB

  uint32_t version = kVersion;
  std::string chain_id;
  uint64_t nonce = 0;         // any value; makes otherwise equal txs distinct
  uint64_t timestamp_ms = 0;  // client time; must be inside the chain's window
  SenderKind sender_kind = SenderKind::kPublicKey;
  Hash sender{};          // public key or certificate fingerprint
  Bytes sender_cert;      // DER certificate, optional (a sender's first tx)
  std::string contract;   // "notary"
  std::string method;     // "anchor"
  std::string args;       // UTF-8 JSON text
  Signature signature{};  // Ed25519 over tx_id()

  // The encoding without the signature: what tx_id hashes.
  Bytes signing_bytes() const;
  // SHA-256 of signing_bytes().
  Hash tx_id() const;
  // The full canonical encoding, signature included.
  Bytes encode() const;
  // Strict decode: rejects trailing bytes, unknown versions or sender kinds,
  // oversized input and fields, with the reason in the message.
  static Result<Tx> decode(ByteSpan in);

  // Sets signature = key.sign(tx_id()). sender must already be set.
  void sign(const SecretKey& key);
  // Checks the signature against an explicit public key.
  bool verify_signature(const PublicKey& pk) const;
};

}  // namespace silk::core
