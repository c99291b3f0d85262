// sim_consensus: the deterministic consensus simulations (harness.h) of every networked engine,
// one seeded scenario per run.
//
// Usage: sim_consensus [--engine raft|tbft|all] [--seed N] [--seeds COUNT] [--first N]
//                      [--verbose]
// --engine   which engine to simulate (default all: every engine of the registry that runs on a
//            network, raft then tbft; a new engine needs no change here).
// --seeds    how many seeds each engine runs, from --first (default kDefaultSeeds); also
//            SILK_SIM_SEEDS.
// --seed     replays exactly one run (a failing run prints its seed).
// --verbose  logs the events of each run.
// --wal-compact-bytes N  each node's WAL compaction threshold (default Harness::Options'; a
//            large N to see how the WAL grows without compaction).
// --long-run H  instead of the scenarios: per engine, 4 validators under light load and a crash
//            every few seconds, until height H; fails unless every node's WAL stayed under its
//            bound, max(threshold, 2 x the largest checkpoint) + kStepSlackBytes.
// SILK_SIM_RAFT_MEMBER_SYNC=off: validators get no block sync (only nodes outside the set do),
// so a raft follower must get past a validator-set change through raft alone.
//
// A scenario, all drawn from the seed: 3 to 5 validators (sometimes 7), sometimes a spare node; for
// tbft with 4 or more validators, usually one Byzantine validator that equivocates (its votes and
// proposals differ per peer; correct nodes must report its double signs and never sign two votes
// for one height, round and type themselves); message loss,
// duplication and delay; for kChaosMs, ticks that crash a node (its WAL torn after the last sync),
// restart one, or partition the network; a governance change of the validator set (add the spare,
// or remove one of five members); a stream of client txs. Then the network heals, every node
// restarts, and within kLivenessMs every correct node must commit a block above the height at the heal, the
// governance change must be in force, and the longest chain must pass chain::check_block block by
// block (Harness::audit). Safety is checked at every commit.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"
#include "silk/consensus/engine.h"
#include "silk/core/crypto.h"
#include "silk/node/config.h"
#include "silk/node/log.h"

namespace {

using silk::sim::Harness;
using silk::sim::Prng;

constexpr uint64_t kChaosMs = 12'000;
constexpr uint64_t kLivenessMs = 15'000;
constexpr uint64_t kDefaultSeeds = 40;
constexpr uint64_t kEvidenceSends = 3;

struct Options {
  std::optional<uint64_t> only;
  uint64_t first = 1;
  std::optional<uint64_t> count;
  bool verbose = false;
  bool member_sync = true;
  std::optional<uint64_t> wal_compact_bytes;
  uint64_t long_run = 0;
};

// What one engine step may append beyond the compaction threshold (a proposal with its block,
// votes, a lock with its block: light blocks here).
constexpr uint64_t kStepSlackBytes = 32u << 10;

// --long-run: the WAL over thousands of heights. Empty when it stayed under its bound.
std::string long_run(const std::string& engine, const Options& options) {
  Harness::Options ho;
  ho.engine = engine;
  ho.validators = 4;
  ho.seed = 7;
  ho.verbose = options.verbose;
  ho.wal_compact_bytes = options.wal_compact_bytes.value_or(64u << 10);
  Prng rng(42);
  Harness h(ho, [&rng](uint64_t n) { return rng.below(n); });
  if (!h.ok()) return h.failure();
  uint64_t next_crash = 5000;
  while (h.ok() && h.max_height() < options.long_run) {
    h.run_for(100);
    h.submit_txs(1);
    if (h.now_ms() >= next_crash) {
      next_crash = h.now_ms() + 5000;
      const size_t i = rng.below(h.size());
      if (rng.chance(0.5)) {
        h.crash_in_compaction(i);
      } else {
        h.crash(i);
      }
      h.run_for(500);
      h.restart(i);
    }
  }
  if (!h.ok()) return h.failure();
  const uint64_t bound =
      std::max(ho.wal_compact_bytes, 2 * h.max_checkpoint_bytes()) + kStepSlackBytes;
  std::printf(
      "%s long run: height %llu, %llu WAL compactions, largest WAL %llu KiB, largest "
      "checkpoint %llu KiB, bound %llu KiB\n",
      engine.c_str(), (unsigned long long)h.max_height(), (unsigned long long)h.wal_checkpoints(),
      (unsigned long long)(h.max_wal_bytes() >> 10),
      (unsigned long long)(h.max_checkpoint_bytes() >> 10), (unsigned long long)(bound >> 10));
  if (options.wal_compact_bytes.value_or(0) < (1ull << 30) && h.max_wal_bytes() > bound) {
    return "the WAL grew to " + std::to_string(h.max_wal_bytes()) + " bytes, over its bound of " +
           std::to_string(bound);
  }
  return "";
}

// Over the seeds of one engine.
struct Totals {
  uint64_t max_wal_bytes = 0;
  uint64_t wal_checkpoints = 0;
};

// One run; empty when it passed, else what failed.
std::string run_seed(const std::string& engine, uint64_t seed, const Options& options,
                     std::string* summary, Totals* totals) {
  uint64_t name_hash = 1469598103934665603ULL;  // FNV-1a: each engine its own scenarios
  for (char c : engine) name_hash = (name_hash ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  Prng rng(seed * 0x9e3779b97f4a7c15ULL + name_hash);
  Harness::Options ho;
  ho.engine = engine;
  ho.seed = seed;
  ho.verbose = options.verbose;
  ho.member_sync = options.member_sync;
  if (options.wal_compact_bytes) ho.wal_compact_bytes = *options.wal_compact_bytes;
  ho.validators = rng.chance(0.15) ? 7 : rng.between(3, 5);
  ho.spares = rng.chance(0.5) ? 1 : 0;
  // tbft tolerates f < n/3 Byzantine validators: with 4 or more, one of them usually is.
  const bool byzantine = engine == "tbft" && ho.validators >= 4 && rng.chance(0.75);
  if (byzantine) {
    ho.byzantine = static_cast<int>(rng.below(ho.validators));
    ho.equivocate = rng.chance(0.5) ? 0.3 : 0.8;
  }
  Prng net(rng.next());
  Harness h(ho, [&net](uint64_t n) { return net.below(n); });
  if (!h.ok()) return h.failure();

  const uint32_t losses[] = {0, 20, 100, 250};
  const uint32_t dups[] = {0, 50, 200};
  Harness::Faults faults;
  faults.loss_permille = losses[rng.below(4)];
  faults.dup_permille = dups[rng.below(3)];
  faults.delay_min_ms = rng.between(1, 10);
  faults.delay_jitter_ms = rng.chance(0.5) ? rng.between(1, 150) : 5;
  h.set_faults(faults);
  const double crash_rate = rng.chance(0.7) ? 0.3 : 0.0;
  const double partition_rate = rng.chance(0.7) ? 0.3 : 0.0;

  // The governance change: add the spare, or remove a member (not below the engine's minimum).
  std::vector<size_t> next_set;
  for (size_t i = 0; i < ho.validators; ++i) next_set.push_back(i);
  const size_t min_members = 4;
  bool change = false;
  if (ho.spares > 0) {
    next_set.push_back(ho.validators);
    change = true;
  } else if (ho.validators > min_members && rng.chance(0.7)) {
    next_set.erase(next_set.begin() + static_cast<std::ptrdiff_t>(rng.below(ho.validators)));
    change = true;
  }
  const uint64_t change_at = change ? rng.between(500, kChaosMs - 1000) : 0;
  bool proposed = false;

  uint64_t next_chaos = rng.between(200, 2000);
  size_t crashes = 0;
  Prng wal_rng(seed ^ 0x5741'4c43'4f4d'5041ULL);
  while (h.ok() && h.now_ms() < kChaosMs) {
    h.run_for(rng.between(100, 400));
    h.submit_txs(rng.between(1, 3));
    if (change && !proposed && h.now_ms() >= change_at) {
      h.propose_validators(next_set);
      proposed = true;
    }
    if (h.now_ms() < next_chaos) continue;
    next_chaos = h.now_ms() + rng.between(200, 2000);
    const size_t i = rng.below(h.size());
    if (rng.chance(crash_rate)) {
      if (h.up(i)) {
        const size_t torn = rng.chance(0.5) ? rng.below(64) : 0;
        // Half the crashes (from a PRNG of their own, so the scenario is the same) wait for
        // the node's next WAL compaction and stop it at one of its steps.
        if (wal_rng.chance(0.5)) {
          h.crash_in_compaction(i);
        } else {
          h.crash(i, torn);
        }
        ++crashes;
      } else {
        h.restart(i);
      }
    }
    if (rng.chance(partition_rate)) {
      std::vector<int> group(h.size());
      for (int& g : group) g = static_cast<int>(rng.below(2));
      h.partition(group);
    } else if (rng.chance(0.5)) {
      h.heal();
    }
  }
  // Heal: the network, every node, and a network that loses nothing more.
  h.heal();
  for (size_t i = 0; i < h.size(); ++i) h.restart(i);
  faults.loss_permille = 0;
  faults.dup_permille = 0;
  h.set_faults(faults);
  if (proposed) h.resubmit(h.last_governance_tx());
  const uint64_t heal_height = h.max_height();
  h.reset_double_sign_count();
  const uint64_t end = h.now_ms() + kLivenessMs;
  while (h.ok() && h.now_ms() < end) {
    h.run_for(200);
    h.submit_txs(1);
  }
  if (!h.ok()) return h.failure();
  for (size_t i = 0; i < h.size(); ++i) {
    if (static_cast<int>(i) == ho.byzantine) continue;
    if (h.height(i) <= heal_height) {
      return "liveness: node " + std::to_string(i) + " is at height " +
             std::to_string(h.height(i)) + ", no block above " + std::to_string(heal_height) +
             " within " + std::to_string(kLivenessMs) + " ms of the heal";
    }
  }
  if (change) {
    for (size_t i = 0; i < h.size(); ++i) {
      if (static_cast<int>(i) == ho.byzantine) continue;
      if (h.validators_after_tip(i) != next_set) {
        return "governance: node " + std::to_string(i) +
               " does not have the validator set the governance tx set";
      }
    }
  }
  // A double sign delivered whole to a correct node, again and again: it must be reported.
  if (h.double_signs_delivered() >= kEvidenceSends && h.evidence_reports() == 0) {
    return "evidence: the Byzantine node sent both halves of a double sign to one correct node " +
           std::to_string(h.double_signs_delivered()) +
           " times after the heal; no correct node reported it";
  }
  h.audit();
  if (!h.ok()) return h.failure();
  totals->max_wal_bytes = std::max(totals->max_wal_bytes, h.max_wal_bytes());
  totals->wal_checkpoints += h.wal_checkpoints();
  *summary = "validators=" + std::to_string(ho.validators) +
             " spares=" + std::to_string(ho.spares) + " height=" + std::to_string(h.max_height()) +
             " crashes=" + std::to_string(crashes) + " messages=" + std::to_string(h.messages()) +
             " wal_checkpoints=" + std::to_string(h.wal_checkpoints()) +
             " max_wal_kib=" + std::to_string(h.max_wal_bytes() >> 10) +
             (change ? " set_change=yes" : "") +
             (byzantine ? " byzantine=" + std::to_string(ho.byzantine) +
                              " evidence=" + std::to_string(h.evidence_reports())
                        : "");
  return "";
}

int run_engine(const std::string& engine, const Options& options) {
  const uint64_t count = options.count.value_or(kDefaultSeeds);
  const uint64_t from = options.only ? *options.only : options.first;
  const uint64_t to = options.only ? *options.only + 1 : options.first + count;
  const auto started = std::chrono::steady_clock::now();
  Totals totals;
  for (uint64_t seed = from; seed < to; ++seed) {
    std::string summary;
    const std::string failure = run_seed(engine, seed, options, &summary, &totals);
    if (!failure.empty()) {
      std::fprintf(
          stderr,
          "%s sim seed %llu FAILED: %s\nreplay: sim_consensus --engine %s --seed %llu --verbose\n",
          engine.c_str(), (unsigned long long)seed, failure.c_str(), engine.c_str(),
          (unsigned long long)seed);
      return 1;
    }
    if (options.verbose || options.only) {
      std::printf("%s seed %llu ok: %s\n", engine.c_str(), (unsigned long long)seed,
                  summary.c_str());
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%s sim: %llu seeds passed in %.1f s (WAL: %llu compactions, at most %llu KiB)\n",
              engine.c_str(), (unsigned long long)(to - from), secs,
              (unsigned long long)totals.wal_checkpoints,
              (unsigned long long)(totals.max_wal_bytes >> 10));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string engine = "all";
  if (const char* env = std::getenv("SILK_SIM_SEEDS")) {
    options.count = std::strtoull(env, nullptr, 10);
  }
  if (const char* env = std::getenv("SILK_SIM_RAFT_MEMBER_SYNC")) {
    options.member_sync = std::string(env) != "off";
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
    } else if (arg == "--wal-compact-bytes" && has_value) {
      options.wal_compact_bytes = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--long-run" && has_value) {
      options.long_run = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else {
      engine = "";
      break;
    }
  }
  // Every engine that runs on a network of validators, in registry order.
  std::vector<std::string> engines;
  for (const silk::consensus::EngineKind* kind : silk::consensus::engine_kinds()) {
    if (kind->networked() && (engine == "all" || engine == kind->name())) {
      engines.emplace_back(kind->name());
    }
  }
  if (engines.empty()) {
    std::fprintf(
        stderr,
        "usage: sim_consensus [--engine NAME|all] [--seed N] [--seeds COUNT] "
        "[--first N] [--wal-compact-bytes N] [--long-run HEIGHTS] [--verbose]\n(engines: %s)\n",
        silk::consensus::engine_names().c_str());
    return 2;
  }
  if (!silk::core::crypto_init().is_ok()) return 1;
  silk::node::LogConfig log;
  log.level = options.verbose ? "warn" : "off";
  if (!silk::node::init_logging(log).is_ok()) return 1;
  for (const std::string& name : engines) {
    if (options.long_run > 0) {
      if (const std::string failure = long_run(name, options); !failure.empty()) {
        std::fprintf(stderr, "%s long run FAILED: %s\n", name.c_str(), failure.c_str());
        return 1;
      }
      continue;
    }
    if (const int rc = run_engine(name, options); rc != 0) return rc;
  }
  return 0;
}
