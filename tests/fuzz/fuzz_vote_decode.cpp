// libFuzzer target: SignedVote::decode and DoubleSignEvidence::decode (core/vote.h).
//
// Decoding must never crash, hang or read out of bounds; a failure must be a non-OK status with
// a reason. On success encode() gives back the input byte for byte, and checking the votes'
// signatures and the evidence must not crash either (the result is whatever it is).
// See tests/fuzz/README.md to build and run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "silk/core/crypto.h"
#include "silk/core/vote.h"

namespace {
[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_vote_decode: %s\n", what);
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

  Result<SignedVote> vote = SignedVote::decode(in);
  if (check_round_trip(vote, data, size, "vote: bad status or round trip")) {
    if (size != SignedVote::kEncodedBytes) fail("accepted a vote of the wrong size");
    if (vote->type != VoteType::kPrevote && vote->type != VoteType::kPrecommit) {
      fail("accepted an unknown vote type");
    }
    (void)vote->verify("silk-fuzz");
  }

  Result<DoubleSignEvidence> evidence = DoubleSignEvidence::decode(in);
  if (check_round_trip(evidence, data, size, "evidence: bad status or round trip")) {
    const Status st = evidence->check("silk-fuzz");
    if (!st.is_ok() && st.message().empty()) fail("evidence rejected without a reason");
  }
  return 0;
}
