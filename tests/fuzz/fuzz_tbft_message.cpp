// libFuzzer target: tbft consensus on the simulation harness (the real chain driver, executor and
// memory store of every node), with the fuzzer's bytes as the schedule of messages and faults and
// as raw consensus messages. Script and requirements: fuzz_consensus.h; see tests/fuzz/README.md.
#include <cstddef>
#include <cstdint>

#include "fuzz_consensus.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return silk::sim::fuzz_consensus("tbft", data, size);
}
