// Merkle trees as RFC 6962 (Certificate Transparency) defines them:
//   leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || left || right),
//   the root of no leaves = SHA-256(""), and a tree of n leaves splits at the
//   largest power of two smaller than n. Inclusion proofs are standard audit paths.
#pragma once

#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/status.h"

namespace silk::core {

Hash merkle_leaf_hash(ByteSpan data);
Hash merkle_node_hash(const Hash& left, const Hash& right);

// The root over leaf hashes (each already merkle_leaf_hash'd).
Hash merkle_root(const std::vector<Hash>& leaf_hashes);

// The audit path for leaf `index` of n = leaf_hashes.size() leaves.
Result<std::vector<Hash>> merkle_audit_path(const std::vector<Hash>& leaf_hashes, size_t index);

// Recomputes the root from a leaf hash and its audit path (RFC 9162 §2.1.3.2)
// and compares it with `root`.
bool merkle_verify_inclusion(const Hash& leaf_hash, size_t index, size_t tree_size,
                             const std::vector<Hash>& path, const Hash& root);

}  // namespace silk::core
