#include "silk/node/descriptors.h"

#include <sys/resource.h>

#include <algorithm>

namespace silk::node {

namespace {
constexpr size_t kReserved = 64;
constexpr size_t kMinRpc = 16;
}  // namespace

uint64_t raise_descriptor_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur != rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return rl.rlim_cur == RLIM_INFINITY ? (1ull << 20) : static_cast<uint64_t>(rl.rlim_cur);
}

core::Result<DescriptorPlan> plan_descriptors(uint64_t limit, size_t rpc_max_connections,
                                              size_t p2p_slots) {
  DescriptorPlan plan;
  plan.limit = limit;
  plan.store_files = static_cast<int>(std::clamp<uint64_t>(limit / 4, 64, 512));
  plan.reserved = kReserved;
  plan.p2p = p2p_slots;
  const uint64_t taken = static_cast<uint64_t>(plan.store_files) + plan.reserved + plan.p2p;
  const uint64_t left = limit > taken ? limit - taken : 0;
  if (left < kMinRpc) {
    return core::Status::invalid(
        "the descriptor limit (RLIMIT_NOFILE) is " + std::to_string(limit) + ": the node needs " +
        std::to_string(taken + kMinRpc) + " (" + std::to_string(plan.store_files) +
        " for RocksDB, " + std::to_string(plan.reserved) + " reserved, " +
        std::to_string(plan.p2p) + " for p2p, at least " + std::to_string(kMinRpc) +
        " for the RPC); raise it (ulimit -n, or LimitNOFILE= in a systemd unit)");
  }
  plan.rpc_connections = static_cast<size_t>(std::min<uint64_t>(left, rpc_max_connections));
  return plan;
}

}  // namespace silk::node
