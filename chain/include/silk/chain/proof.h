// An offline proof that one tx is on chain with its receipt, checkable by
// anyone holding the genesis file (docs/audit.md#proofs; `silk audit prove`
// and `silk audit verify-proof`).
//
// A proof bundle is one JSON document carrying the encoded tx and receipt,
// their RFC 6962 audit paths to the header's tx_root and receipts_root, the
// encoded header, its commit certificate and the validator set, the chain id
// and genesis hash. verify_proof_bundle trusts none of it: it re-derives every
// hash from the encodings and checks the certificate against the genesis
// validators.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "silk/chain/block_source.h"
#include "silk/core/block.h"
#include "silk/core/genesis.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"
#include "silk/storage/store.h"

namespace silk::chain {

// The bundle's "format" value.
constexpr const char* kProofFormat = "silk-proof/1";

// Where build_proof_bundle reads the chain from: a BlockSource with state
// (make_proof_source), or a running node's RPC API (tools/, which asks the
// node for what a source without state cannot compute). Not thread-safe.
class ProofSource {
 public:
  virtual ~ProofSource() = default;
  struct ChainId {
    std::string chain_id;
    core::Hash genesis_hash{};
  };
  virtual core::Result<ChainId> chain() = 0;
  // The committed tx's (height, index). kNotFound for an unknown tx,
  // kUnavailable for one still pending.
  virtual core::Result<storage::TxLocation> locate(const core::Hash& tx_id) = 0;
  virtual core::Result<core::Block> block(uint64_t height) = 0;
  // The receipts of `block`'s txs, in block order.
  virtual core::Result<std::vector<core::Receipt>> receipts(const core::Block& block) = 0;
  // The validator set in force at `height`.
  virtual core::Result<std::vector<core::PublicKey>> validators(uint64_t height) = 0;
  // The documents contract's record of `doc_id` (the query documents.document).
  virtual core::Result<nlohmann::json> document(const std::string& doc_id) = 0;
};

// Reads `source` (which must outlive the proof source), its state included:
// the validator set and documents are computed by the executor over it.
// Exact: blocks and receipts are the source's encodings.
std::unique_ptr<ProofSource> make_proof_source(const BlockSource& source);
// The same over a store (which must outlive the proof source).
std::unique_ptr<ProofSource> make_store_proof_source(const storage::Store& store);

// Builds the bundle for `id`: a tx id (64 hex) or else a doc_id, resolved to
// the tx that issued it through documents.document's "tx_id" (the record is
// then carried as "document"). Checks what it gathered (the tx is at its
// index, tx_root and receipts_root recompute) before returning; kCorruption
// when the source contradicts itself, the source's errors otherwise.
core::Result<nlohmann::json> build_proof_bundle(ProofSource& source, const std::string& id);

// One check of verify_proof_bundle.
struct ProofCheck {
  std::string name;  // "genesis", "tx", "tx signature", ...
  bool ok = false;
  bool warning = false;  // not a failure, but not a pass either (not checkable offline)
  std::string detail;    // what was checked, or what failed
};

struct ProofReport {
  std::vector<ProofCheck> checks;
  std::string summary;  // "tx X is in block H (hash ...) committed by ..., receipt code 0 (ok)"
  // Every check passed (a warning is not a pass).
  bool ok() const;
  // The first check that did not pass, or nullptr.
  const ProofCheck* first_failure() const;
};

// Verifies `bundle` against `genesis` without any node (docs/audit.md#proofs):
// the genesis hash and chain id; the tx decodes to the bundle's tx_id, on the
// genesis chain, and its signature verifies (a certificate sender only when
// the tx carries its certificate; otherwise a warning); the header decodes and
// hashes to block_hash; the tx leaf's audit path reaches tx_root; the receipt
// decodes, names the tx, and its leaf's path reaches receipts_root; the commit
// certificate verifies against the genesis validators (the bundle's set must
// be genesis's); a carried document record names the tx and the tx names the
// document. A check whose input failed to decode is left out. Never throws.
ProofReport verify_proof_bundle(const nlohmann::json& bundle, const core::Genesis& genesis);

}  // namespace silk::chain
