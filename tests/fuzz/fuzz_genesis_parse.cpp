// libFuzzer target: Genesis::parse on arbitrary text (docs/formats.md#genesis).
//
// Parsing must never crash or throw; a failure must be a non-OK status with a
// reason. On success the canonical form is a fixed point: to_json() equals
// canonical_json, re-parsing it succeeds and gives back the same canonical
// bytes and hash, and hash = SHA-256(canonical_json).
// See tests/fuzz/README.md to build and run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "silk/core/crypto.h"
#include "silk/core/genesis.h"

namespace {
[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_genesis_parse: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!silk::core::crypto_init().is_ok()) fail("crypto_init failed");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace silk::core;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Genesis> g = Genesis::parse(text);
  if (!g.is_ok()) {
    if (g.status().is_ok()) fail("failed parse returned an OK status");
    if (g.status().message().empty()) fail("failed parse has no reason");
    return 0;
  }
  if (g->chain_id.empty() || g->validators.empty())
    fail("accepted a genesis without chain_id or validators");
  if (g->hash != sha256(g->canonical_json)) fail("hash is not SHA-256(canonical_json)");
  const std::string j1 = g->to_json();
  if (j1 != g->canonical_json) fail("to_json() differs from canonical_json");
  Result<Genesis> again = Genesis::parse(j1);
  if (!again.is_ok()) fail("the canonical form does not re-parse");
  if (again->canonical_json != j1) fail("re-parsing the canonical form changed it");
  if (again->hash != g->hash) fail("re-parsing the canonical form changed the hash");
  if (again->to_json() != j1) fail("to_json() is not a fixed point");
  return 0;
}
