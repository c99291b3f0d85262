// The deterministic consensus simulations (tests/sim): one entry point per engine, run by
// main.cpp. Each returns 0 when every seed passed, 1 when one failed (after printing its seed
// and how to replay it).
#pragma once

#include <cstdint>
#include <optional>

namespace silk::sim {

struct SimOptions {
  std::optional<uint64_t> only;   // --seed N: exactly this run
  uint64_t first = 1;             // --first N: the first seed of a batch
  std::optional<uint64_t> count;  // --seeds N or SILK_SIM_SEEDS; unset: each engine's default
  bool verbose = false;           // --verbose: log every event of the run
};

int run_raft_sims(const SimOptions& options);  // raft_sim.cpp
int run_tbft_sims(const SimOptions& options);  // tbft_sim.cpp

}  // namespace silk::sim
