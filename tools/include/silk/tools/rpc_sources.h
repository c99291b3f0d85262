// A running node's RPC (docs/api.md, through the client SDK) as chain's
// readers: a BlockSource for `silk audit verify-chain --rpc` and a
// ProofSource for `silk audit prove`. Both only translate: every check is
// chain's. Not thread-safe (one HTTP connection).
#pragma once

#include <memory>

#include "silk/chain/block_source.h"
#include "silk/chain/proof.h"
#include "silk/client/node_client.h"
#include "silk/core/genesis.h"

namespace silk::tools {

// Blocks come from GET /v1/block/{height}?hex=1 (decoded from their exact
// bytes, never from the JSON view), tx locations and receipts from
// GET /v1/tx/{id} (receipt_hex), the tip from GET /v1/chain (read once, at the
// first tip() call, so a chain that grows meanwhile is verified up to that
// tip). genesis_json() is the given genesis's text when the node's genesis
// hash equals it, else a text naming the node's hash (so the verifier reports
// the mismatch). State reads are kUnavailable: verify with check_state false.
// `node` and `genesis` are borrowed and must outlive the source.
std::unique_ptr<chain::BlockSource> make_rpc_block_source(client::NodeClient& node,
                                                          const core::Genesis& genesis);

// GET /v1/chain, GET /v1/tx/{id}, GET /v1/block/{h}?hex=1, GET /v1/config?height=H
// and POST /v1/query documents.document. Receipts are the node's exact
// encodings (receipt_hex); a node that gives them only as JSON has them
// rebuilt from it, and receipts() fails with kUnavailable when they do not hash
// to the header's receipts_root. `node` must outlive the source.
std::unique_ptr<chain::ProofSource> make_node_proof_source(client::NodeClient& node);

}  // namespace silk::tools
