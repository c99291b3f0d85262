#include "silk/core/tx.h"

#include "silk/core/codec.h"

namespace silk::core {

namespace {
constexpr uint32_t kMaxChainId = 128;
constexpr uint32_t kMaxName = 128;
constexpr uint32_t kMaxCert = 16 * 1024;

void write_unsigned(const Tx& tx, Writer& w) {
  w.u32(tx.version);
  w.str(tx.chain_id);
  w.u64(tx.nonce);
  w.u64(tx.timestamp_ms);
  w.u8(static_cast<uint8_t>(tx.sender_kind));
  w.hash(tx.sender);
  w.bytes(tx.sender_cert);
  w.str(tx.contract);
  w.str(tx.method);
  w.str(tx.args);
}
}  // namespace

Bytes Tx::signing_bytes() const {
  Bytes out;
  out.reserve(96 + chain_id.size() + sender_cert.size() + contract.size() + method.size() +
              args.size());
  Writer w(out);
  write_unsigned(*this, w);
  return out;
}

Hash Tx::tx_id() const { return sha256(signing_bytes()); }

Bytes Tx::encode() const {
  Bytes out = signing_bytes();
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

Result<Tx> Tx::decode(ByteSpan in) {
  if (in.size() > kMaxEncodedBytes) {
    return Status::invalid("tx is " + std::to_string(in.size()) + " bytes; limit is " +
                           std::to_string(kMaxEncodedBytes));
  }
  Tx tx;
  Reader r(in);
  uint8_t kind = 0;
  if (!r.u32(tx.version, "tx.version")) return r.error().with_context("tx");
  if (tx.version != kVersion) {
    return Status::invalid("tx: unsupported version " + std::to_string(tx.version));
  }
  if (!r.str(tx.chain_id, "tx.chain_id", kMaxChainId) || !r.u64(tx.nonce, "tx.nonce") ||
      !r.u64(tx.timestamp_ms, "tx.timestamp_ms") || !r.u8(kind, "tx.sender_kind")) {
    return r.error().with_context("tx");
  }
  if (kind > static_cast<uint8_t>(SenderKind::kCertFingerprint)) {
    return Status::invalid("tx: unknown sender kind " + std::to_string(kind));
  }
  tx.sender_kind = static_cast<SenderKind>(kind);
  Hash sig_head{}, sig_tail{};
  if (!r.hash(tx.sender, "tx.sender") || !r.bytes(tx.sender_cert, "tx.sender_cert", kMaxCert) ||
      !r.str(tx.contract, "tx.contract", kMaxName) || !r.str(tx.method, "tx.method", kMaxName) ||
      !r.str(tx.args, "tx.args", static_cast<uint32_t>(kMaxEncodedBytes)) ||
      !r.hash(sig_head, "tx.signature") || !r.hash(sig_tail, "tx.signature")) {
    return r.error().with_context("tx");
  }
  std::copy(sig_head.begin(), sig_head.end(), tx.signature.begin());
  std::copy(sig_tail.begin(), sig_tail.end(), tx.signature.begin() + 32);
  SILK_RETURN_IF_ERROR(r.finish("tx"));
  return tx;
}

void Tx::sign(const SecretKey& key) {
  Hash id = tx_id();
  signature = key.sign(ByteSpan(id.data(), id.size()));
}

bool Tx::verify_signature(const PublicKey& pk) const {
  Hash id = tx_id();
  return verify(pk, ByteSpan(id.data(), id.size()), signature);
}

}  // namespace silk::core
