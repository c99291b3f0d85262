// sim_consensus: the deterministic simulations of the raft and tbft engines.
//
// Usage: sim_consensus [--engine raft|tbft|all] [--seed N] [--seeds COUNT] [--first N]
//                      [--verbose]
// --engine   which simulation to run (default all: raft, then tbft).
// --seeds    how many seeds each engine runs, from --first (default 1); also SILK_SIM_SEEDS.
//            Without either, each engine runs its own default count (raft 200, tbft 100).
// --seed     replays exactly one run (a failing run prints its seed).
// --verbose  logs the events of each run.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim.h"

int main(int argc, char** argv) {
  silk::sim::SimOptions options;
  std::string engine = "all";
  if (const char* env = std::getenv("SILK_SIM_SEEDS")) {
    options.count = std::strtoull(env, nullptr, 10);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seed" && has_value) {
      options.only = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--seeds" && has_value) {
      options.count = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--first" && has_value) {
      options.first = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--engine" && has_value) {
      engine = argv[++i];
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else {
      engine = "";
      break;
    }
  }
  if (engine != "raft" && engine != "tbft" && engine != "all") {
    std::fprintf(stderr,
                 "usage: sim_consensus [--engine raft|tbft|all] [--seed N] [--seeds COUNT] "
                 "[--first N] [--verbose]\n");
    return 2;
  }
  if (engine != "tbft") {
    const int rc = silk::sim::run_raft_sims(options);
    if (rc != 0) return rc;
  }
  if (engine != "raft") return silk::sim::run_tbft_sims(options);
  return 0;
}
