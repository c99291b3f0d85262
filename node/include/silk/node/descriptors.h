// The node's file-descriptor budget (issue 18; docs/config.md "Descriptors").
//
// Every open connection, RocksDB table file, WAL and log costs a descriptor, and the process has
// RLIMIT_NOFILE of them. When a flood of RPC connections takes the last one, whoever asks next
// fails — before this budget that was RocksDB opening a table file, and the node stopped. So the
// node splits its limit up front: RocksDB keeps up to `store_files` table files open (its own
// option), a fixed reserve covers the WAL, logs, RocksDB's WAL/manifest/compaction outputs and
// the runtime, p2p gets its handshake slots and peers, and the RPC serves at most
// `rpc_connections` connections at once (WebSocket streams included); past that it answers 503
// and closes, so the RPC is the part that says no.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "silk/core/status.h"

namespace silk::node {

struct DescriptorPlan {
  uint64_t limit = 0;          // RLIMIT_NOFILE in force (the soft limit)
  int store_files = 0;         // RocksDB max_open_files
  size_t reserved = 0;         // WAL, logs, RocksDB's other files, the runtime
  size_t p2p = 0;              // p2p handshake slots and peer connections
  size_t rpc_connections = 0;  // RPC connections at once (WebSocket streams included)
};

// Raises the soft RLIMIT_NOFILE to the hard limit (as most servers do; the hard limit is the
// operator's word) and returns the soft limit in force.
uint64_t raise_descriptor_limit();

// Splits `limit` descriptors: RocksDB gets a quarter (64 to 512), 64 are reserved, p2p gets
// `p2p_slots` (0 without p2p), the RPC the rest up to `rpc_max_connections`. kInvalid naming the
// limit and what it needs when fewer than 16 are left for the RPC ("raise ulimit -n").
core::Result<DescriptorPlan> plan_descriptors(uint64_t limit, size_t rpc_max_connections,
                                              size_t p2p_slots);

}  // namespace silk::node
