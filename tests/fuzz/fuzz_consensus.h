// The consensus fuzz targets' one body: the simulation harness (tests/sim/harness.h) of the real
// chain driver, executor and memory store, with the fuzzer's bytes as its schedule and faults.
//
// The input is two scripts: its first half is a list of operations, each an op byte and its
// arguments (a missing byte reads as 0); its second half is the network's choices (loss,
// duplication, delay of each message, a byte of it flipped: Harness::Chooser), 0 once used up
// (no loss, least delay, no flip).
//   byte 0      the network: validators (3 + b % 3), a spare node (bit 7)
//   0 run       for (b + 1) * 20 ms of simulated time
//   1 message   to (% n), from (% n), u8 length, payload bytes: a raw consensus message
//   2 crash     node (% n), torn bytes of its WAL (b % 64)
//   3 restart   node (% n)
//   4 partition bit i of b: node i's side
//   5 heal
//   6 txs       (b % 4) + 1 client txs
//   7 governance add the spare, or remove the last member, once
// At the end the network heals, every node restarts and the run goes on for kSettleMs.
// Requirements: no crash, sanitizer report or exception; no two nodes commit different blocks
// at a height; no driver stops on an error; every committed block passes chain::check_block.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness.h"
#include "silk/node/config.h"
#include "silk/node/log.h"

namespace silk::sim {

inline int fuzz_consensus(const std::string& engine, const uint8_t* data, size_t size) {
  constexpr uint64_t kSettleMs = 3000;
  constexpr size_t kMaxOps = 200;
  static const bool once = [] {
    node::LogConfig log;
    log.level = "off";
    return core::crypto_init().is_ok() && node::init_logging(log).is_ok();
  }();
  if (!once) std::abort();
  if (size == 0) return 0;

  const size_t ops_end = (size + 1) / 2;
  size_t op_pos = 0;
  size_t choice_pos = ops_end;
  auto byte = [&]() -> uint8_t { return op_pos < ops_end ? data[op_pos++] : 0; };
  Chooser choose = [&](uint64_t n) -> uint64_t {
    if (n == 0 || choice_pos >= size) return 0;
    uint64_t v = data[choice_pos++];
    if (n > 256 && choice_pos < size) v = v << 8 | data[choice_pos++];
    return v % n;
  };

  const uint8_t shape = byte();
  Harness::Options options;
  options.engine = engine;
  options.validators = 3 + shape % 3;
  options.spares = (shape & 0x80) ? 1 : 0;
  Harness h(options, choose);
  Harness::Faults faults;
  faults.loss_permille = 100;
  faults.dup_permille = 50;
  faults.delay_min_ms = 1;
  faults.delay_jitter_ms = 100;
  h.set_faults(faults);
  h.set_tamper([&choose](core::Bytes& payload) {
    if (payload.empty() || choose(16) != 1) return;  // 0 once the choices are used up
    payload[choose(payload.size())] ^= static_cast<uint8_t>(choose(255) + 1);
  });
  const size_t n = h.size();
  bool governed = false;

  for (size_t k = 0; k < kMaxOps && op_pos < ops_end && h.ok(); ++k) {
    switch (byte() % 8) {
      case 0:
        h.run_for((uint64_t{byte()} + 1) * 20);
        break;
      case 1: {
        const size_t to = byte() % n;
        const size_t from = byte() % n;
        const size_t len = byte();
        core::Bytes payload;
        for (size_t i = 0; i < len && op_pos < ops_end; ++i) payload.push_back(byte());
        h.inject(to, from, std::move(payload));
        break;
      }
      case 2: {
        const size_t i = byte() % n;
        h.crash(i, byte() % 64);
        break;
      }
      case 3:
        h.restart(byte() % n);
        break;
      case 4: {
        const uint8_t sides = byte();
        std::vector<int> group(n);
        for (size_t i = 0; i < n; ++i) group[i] = (sides >> (i % 8)) & 1;
        h.partition(group);
        break;
      }
      case 5:
        h.heal();
        break;
      case 6:
        h.submit_txs(byte() % 4 + 1);
        break;
      case 7: {
        if (governed) break;
        governed = true;
        std::vector<size_t> next;
        for (size_t i = 0; i < options.validators; ++i) next.push_back(i);
        const size_t min_members = 4;
        if (options.spares > 0) {
          next.push_back(options.validators);
        } else if (next.size() > min_members) {
          next.pop_back();
        } else {
          break;
        }
        h.propose_validators(next);
        break;
      }
    }
  }
  h.heal();
  for (size_t i = 0; i < n; ++i) h.restart(i);
  h.run_for(kSettleMs);
  if (h.ok()) h.audit();
  if (!h.ok()) {
    std::fprintf(stderr, "fuzz_%s_message: %s\n", engine.c_str(), h.failure().c_str());
    std::abort();
  }
  return 0;
}

}  // namespace silk::sim
