// libFuzzer target: Tx::decode on arbitrary bytes (docs/formats.md#tx).
//
// Decoding must never crash, hang or read out of bounds; a failure must be a
// non-OK status with a reason. On success the encoding is canonical: encode()
// gives back the input byte for byte, and tx_id is SHA-256 of all but the
// trailing 64-byte signature. See tests/fuzz/README.md to build and run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "silk/core/crypto.h"
#include "silk/core/tx.h"

namespace {
[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_tx_decode: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!silk::core::crypto_init().is_ok()) fail("crypto_init failed");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace silk::core;
  const ByteSpan in(data, size);
  Result<Tx> tx = Tx::decode(in);
  if (!tx.is_ok()) {
    if (tx.status().is_ok()) fail("failed decode returned an OK status");
    if (tx.status().message().empty()) fail("failed decode has no reason");
    return 0;
  }
  if (size > Tx::kMaxEncodedBytes) fail("accepted an oversized tx");
  const Bytes again = tx->encode();
  if (again.size() != size || std::memcmp(again.data(), data, size) != 0) {
    fail("decode then encode is not the identity");
  }
  const Bytes signing = tx->signing_bytes();
  if (signing.size() + 64 != size || std::memcmp(signing.data(), data, signing.size()) != 0) {
    fail("signing_bytes is not the encoding without the signature");
  }
  if (tx->tx_id() != sha256(ByteSpan(data, size - 64))) fail("tx_id is not SHA-256(signing bytes)");
  if (std::memcmp(tx->signature.data(), data + size - 64, 64) != 0) fail("signature not last");
  return 0;
}
