// A read-only storage::Store over a node's RPC (docs/api.md), so that `silk audit verify-chain
// --rpc` replays the chain a running node serves with the same checks as a data folder.
//
// Blocks come from GET /v1/block/{height}?hex=1 (decoded from their exact bytes, never from the
// JSON view), tx locations and receipts from GET /v1/tx/{id} (receipt_hex), the tip from
// GET /v1/chain (read once, at the first tip() call, so a chain that grows meanwhile is verified
// up to that tip). genesis_json() is the given genesis's text when the node's genesis hash equals
// it, else a text naming the node's hash (so the verifier reports the mismatch). State reads,
// history and tx queries are kUnavailable (verify with check_state = false), and every write is
// kUnavailable. Not thread-safe (one verifier).
#pragma once

#include <memory>

#include "silk/client/node_client.h"
#include "silk/core/genesis.h"
#include "silk/storage/store.h"

namespace silk::tools {

// `node` and `genesis` are borrowed and must outlive the store.
std::unique_ptr<storage::Store> make_rpc_store(client::NodeClient& node,
                                               const core::Genesis& genesis);

}  // namespace silk::tools
