// libFuzzer target: Block::decode, and BlockHeader::decode and CommitCert::decode
// on the same bytes (docs/formats.md#block).
//
// Decoding must never crash, hang or read out of bounds; a failure must be a
// non-OK status with a reason. On success encode() gives back the input byte
// for byte, and the block hash is SHA-256 of the framed header bytes.
// See tests/fuzz/README.md to build and run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "silk/core/block.h"
#include "silk/core/crypto.h"

namespace {
[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_block_decode: %s\n", what);
  std::abort();
}

template <typename T>
bool check_round_trip(const silk::core::Result<T>& r, const uint8_t* data, size_t size,
                      const char* what) {
  if (!r.is_ok()) {
    if (r.status().is_ok()) fail(what);
    if (r.status().message().empty()) fail(what);
    return false;
  }
  const silk::core::Bytes again = r->encode();
  if (again.size() != size || std::memcmp(again.data(), data, size) != 0) fail(what);
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!silk::core::crypto_init().is_ok()) fail("crypto_init failed");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace silk::core;
  const ByteSpan in(data, size);

  Result<Block> block = Block::decode(in);
  if (check_round_trip(block, data, size, "block: bad status or round trip")) {
    if (size > Block::kMaxEncodedBytes) fail("accepted an oversized block");
    if (block->txs.size() != block->header.tx_count) fail("tx count differs from the header's");
    // The first field is the framed header: u32 length || header bytes.
    uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len |= static_cast<uint32_t>(data[i]) << (8 * i);
    if (block->hash() != sha256(ByteSpan(data + 4, len))) fail("block hash is not SHA-256(header)");
  }

  Result<BlockHeader> header = BlockHeader::decode(in);
  if (check_round_trip(header, data, size, "header: bad status or round trip")) {
    if (header->hash() != sha256(in)) fail("header hash is not SHA-256(encoding)");
  }

  Result<CommitCert> cert = CommitCert::decode(in);
  check_round_trip(cert, data, size, "cert: bad status or round trip");
  return 0;
}
