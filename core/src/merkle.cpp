#include "silk/core/merkle.h"

#include "silk/core/crypto.h"

namespace silk::core {

Hash merkle_leaf_hash(ByteSpan data) {
  static constexpr uint8_t kLeafPrefix = 0x00;
  return Sha256().update(ByteSpan(&kLeafPrefix, 1)).update(data).finish();
}

Hash merkle_node_hash(const Hash& left, const Hash& right) {
  static constexpr uint8_t kNodePrefix = 0x01;
  return Sha256().update(ByteSpan(&kNodePrefix, 1)).update(left).update(right).finish();
}

namespace {

// Largest power of two strictly smaller than n (n >= 2).
size_t split_point(size_t n) {
  size_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

Hash root_of(const Hash* leaves, size_t n) {
  if (n == 1) return leaves[0];
  size_t k = split_point(n);
  return merkle_node_hash(root_of(leaves, k), root_of(leaves + k, n - k));
}

void path_of(const Hash* leaves, size_t n, size_t index, std::vector<Hash>& out) {
  if (n <= 1) return;
  size_t k = split_point(n);
  if (index < k) {
    path_of(leaves, k, index, out);
    out.push_back(root_of(leaves + k, n - k));
  } else {
    path_of(leaves + k, n - k, index - k, out);
    out.push_back(root_of(leaves, k));
  }
}

}  // namespace

Hash merkle_root(const std::vector<Hash>& leaf_hashes) {
  if (leaf_hashes.empty()) return sha256(ByteSpan());
  return root_of(leaf_hashes.data(), leaf_hashes.size());
}

Result<std::vector<Hash>> merkle_audit_path(const std::vector<Hash>& leaf_hashes, size_t index) {
  if (index >= leaf_hashes.size()) {
    return Status::invalid("leaf index " + std::to_string(index) + " out of range for " +
                           std::to_string(leaf_hashes.size()) + " leaves");
  }
  std::vector<Hash> path;
  path_of(leaf_hashes.data(), leaf_hashes.size(), index, path);
  return path;
}

bool merkle_verify_inclusion(const Hash& leaf_hash, size_t index, size_t tree_size,
                             const std::vector<Hash>& path, const Hash& root) {
  // RFC 9162 §2.1.3.2.
  if (index >= tree_size) return false;
  size_t fn = index;
  size_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = merkle_node_hash(p, r);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = merkle_node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

}  // namespace silk::core
