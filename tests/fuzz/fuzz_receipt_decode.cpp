// libFuzzer target: Receipt::decode on arbitrary bytes (docs/formats.md#receipt).
//
// Decoding must never crash or read out of bounds; a failure must be a non-OK
// status with a reason; on success encode() gives back the input byte for byte.
// See tests/fuzz/README.md to build and run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "silk/core/receipt.h"

namespace {
[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_receipt_decode: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace silk::core;
  Result<Receipt> r = Receipt::decode(ByteSpan(data, size));
  if (!r.is_ok()) {
    if (r.status().is_ok()) fail("failed decode returned an OK status");
    if (r.status().message().empty()) fail("failed decode has no reason");
    return 0;
  }
  const Bytes again = r->encode();
  if (again.size() != size || std::memcmp(again.data(), data, size) != 0) {
    fail("decode then encode is not the identity");
  }
  if (r->ok() != (r->code == 0)) fail("ok() disagrees with code");
  return 0;
}
