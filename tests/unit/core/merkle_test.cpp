#include "silk/core/merkle.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "silk/core/crypto.h"

using namespace silk::core;

namespace {

Bytes unhex(std::string_view s) {
  auto r = from_hex(s);
  REQUIRE(r.is_ok());
  return r.value();
}

Hash unhex_hash(std::string_view s) {
  auto r = hash_from_hex(s);
  REQUIRE(r.is_ok());
  return r.value();
}

// The Certificate Transparency reference tree (RFC 6962 test data, as in
// google/certificate-transparency merkle_tree_test and
// transparency-dev/merkle proof/verify_test.go): eight leaves and the tree
// head of each prefix of them.
const char* const kLeaves[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

// kRoots[n] is the root of the first n leaves; n = 0 is SHA-256("").
const char* const kRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// Published audit paths for the reference tree (leaf index here is 0-based;
// the published tables use 1-based leaf numbers 1, 6, 3, 2).
struct PublishedPath {
  size_t index;
  size_t size;
  std::vector<const char*> path;
};

const std::vector<PublishedPath>& published_paths() {
  static const std::vector<PublishedPath> p = {
      {0, 1, {}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  return p;
}

std::vector<Hash> reference_leaf_hashes() {
  std::vector<Hash> out;
  for (const char* l : kLeaves) out.push_back(merkle_leaf_hash(unhex(l)));
  return out;
}

std::vector<Hash> prefix(const std::vector<Hash>& v, size_t n) {
  return std::vector<Hash>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
}

std::vector<Hash> synthetic_leaves(size_t n) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) {
    const std::string data = "leaf-" + std::to_string(i);
    out.push_back(merkle_leaf_hash(as_span(data)));
  }
  return out;
}

}  // namespace

TEST_SUITE("merkle") {
  TEST_CASE("leaf and node hashes use the 0x00 and 0x01 prefixes") {
    REQUIRE(crypto_init().is_ok());
    // The root of a one-leaf tree is the leaf hash: SHA-256(0x00).
    CHECK(to_hex(merkle_leaf_hash(ByteSpan())) == kRoots[1]);
    CHECK(merkle_leaf_hash(as_span("abc")) == sha256(unhex("00616263")));
    const Hash l = sha256(as_span("l")), r = sha256(as_span("r"));
    Bytes cat = {0x01};
    cat.insert(cat.end(), l.begin(), l.end());
    cat.insert(cat.end(), r.begin(), r.end());
    CHECK(merkle_node_hash(l, r) == sha256(cat));
    CHECK_FALSE(merkle_node_hash(l, r) == merkle_node_hash(r, l));
  }

  TEST_CASE("roots match the RFC 6962 reference tree heads for sizes 0..8") {
    REQUIRE(crypto_init().is_ok());
    const std::vector<Hash> leaves = reference_leaf_hashes();
    for (size_t n = 0; n <= leaves.size(); ++n) {
      CAPTURE(n);
      CHECK(to_hex(merkle_root(prefix(leaves, n))) == kRoots[n]);
    }
  }

  TEST_CASE("published audit paths are produced and verify") {
    REQUIRE(crypto_init().is_ok());
    const std::vector<Hash> leaves = reference_leaf_hashes();
    for (const PublishedPath& p : published_paths()) {
      CAPTURE(p.index);
      CAPTURE(p.size);
      std::vector<Hash> want;
      for (const char* h : p.path) want.push_back(unhex_hash(h));
      const std::vector<Hash> tree = prefix(leaves, p.size);
      auto got = merkle_audit_path(tree, p.index);
      REQUIRE(got.is_ok());
      CHECK(got.value() == want);
      const Hash root = unhex_hash(kRoots[p.size]);
      CHECK(merkle_verify_inclusion(leaves[p.index], p.index, p.size, want, root));
    }
  }

  TEST_CASE("corrupted published proofs are rejected") {
    // The probes of transparency-dev/merkle's corruptInclusionProof.
    REQUIRE(crypto_init().is_ok());
    const std::vector<Hash> leaves = reference_leaf_hashes();
    const Hash empty_root = sha256(ByteSpan());
    const Hash some_hash =
        unhex_hash("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (const PublishedPath& p : published_paths()) {
      if (p.size < 2) continue;
      CAPTURE(p.index);
      CAPTURE(p.size);
      std::vector<Hash> path;
      for (const char* h : p.path) path.push_back(unhex_hash(h));
      const Hash root = unhex_hash(kRoots[p.size]);
      const Hash leaf = leaves[p.index];
      REQUIRE(merkle_verify_inclusion(leaf, p.index, p.size, path, root));

      if (p.index > 0) CHECK_FALSE(merkle_verify_inclusion(leaf, p.index - 1, p.size, path, root));
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index + 1, p.size, path, root));
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index ^ 2, p.size, path, root));
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size * 2, path, root));
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size / 2, path, root));
      CHECK_FALSE(
          merkle_verify_inclusion(sha256(as_span("WrongLeaf")), p.index, p.size, path, root));
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size, path, empty_root));
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size, path, some_hash));

      std::vector<Hash> trailing = path;
      trailing.push_back(root);
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size, trailing, root));
      std::vector<Hash> trailing_zero = path;
      trailing_zero.push_back(Hash{});
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size, trailing_zero, root));
      std::vector<Hash> preceding = path;
      preceding.insert(preceding.begin(), root);
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size, preceding, root));

      for (size_t i = 0; i < path.size(); ++i) {
        std::vector<Hash> flipped = path;
        flipped[i][0] ^= 8;
        CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size, flipped, root));
      }
      std::vector<Hash> removed(path.begin(), path.end() - 1);
      CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size, removed, root));
      if (path.size() > 1) {
        std::vector<Hash> inserted = {path[0], some_hash};
        inserted.insert(inserted.end(), path.begin() + 1, path.end());
        CHECK_FALSE(merkle_verify_inclusion(leaf, p.index, p.size, inserted, root));
      }
    }
  }

  TEST_CASE("a one-leaf tree: the root is the leaf and the path is empty") {
    REQUIRE(crypto_init().is_ok());
    const Hash leaf = merkle_leaf_hash(as_span("data"));
    CHECK(merkle_root({leaf}) == leaf);
    auto path = merkle_audit_path({leaf}, 0);
    REQUIRE(path.is_ok());
    CHECK(path->empty());
    CHECK(merkle_verify_inclusion(leaf, 0, 1, {}, leaf));
    CHECK_FALSE(merkle_verify_inclusion(leaf, 0, 1, {}, sha256(ByteSpan())));
    CHECK_FALSE(merkle_verify_inclusion(sha256(as_span("other")), 0, 1, {}, leaf));
    CHECK_FALSE(merkle_verify_inclusion(leaf, 1, 1, {}, leaf));
    CHECK_FALSE(merkle_verify_inclusion(leaf, 0, 0, {}, leaf));
    CHECK_FALSE(merkle_verify_inclusion(leaf, 0, 1, {leaf}, leaf));
  }

  TEST_CASE("audit_path rejects an index outside the tree") {
    REQUIRE(crypto_init().is_ok());
    CHECK_FALSE(merkle_audit_path({}, 0).is_ok());
    const std::vector<Hash> three = synthetic_leaves(3);
    CHECK_FALSE(merkle_audit_path(three, 3).is_ok());
    CHECK(merkle_audit_path(three, 3).status().code() == Status::Code::kInvalid);
    CHECK(merkle_audit_path(three, 2).is_ok());
  }

  TEST_CASE("every leaf of every tree of size 1..70 has a verifying path; tampering fails") {
    REQUIRE(crypto_init().is_ok());
    const std::vector<Hash> all = synthetic_leaves(70);
    const Hash wrong_leaf = merkle_leaf_hash(as_span("not a leaf"));
    for (size_t n = 1; n <= all.size(); ++n) {
      const std::vector<Hash> leaves = prefix(all, n);
      const Hash root = merkle_root(leaves);
      for (size_t i = 0; i < n; ++i) {
        CAPTURE(n);
        CAPTURE(i);
        auto path_r = merkle_audit_path(leaves, i);
        REQUIRE(path_r.is_ok());
        const std::vector<Hash>& path = path_r.value();
        // A path is never longer than ceil(log2(n)).
        size_t depth = 0;
        while ((size_t{1} << depth) < n) ++depth;
        CHECK(path.size() <= depth);
        CHECK(merkle_verify_inclusion(leaves[i], i, n, path, root));

        // Wrong index (every other index of the tree, and one past the end).
        for (size_t j = 0; j <= n; ++j) {
          if (j == i) continue;
          if (merkle_verify_inclusion(leaves[i], j, n, path, root)) {
            FAIL_CHECK("verified at wrong index " << j);
          }
        }
        // Wrong leaf, wrong root, a neighbour's leaf.
        CHECK_FALSE(merkle_verify_inclusion(wrong_leaf, i, n, path, root));
        CHECK_FALSE(merkle_verify_inclusion(leaves[i], i, n, path, wrong_leaf));
        if (n > 1) {
          CHECK_FALSE(merkle_verify_inclusion(leaves[(i + 1) % n], i, n, path, root));
        }
        // Wrong tree size: the root of a bigger tree does not admit this path.
        if (n < all.size()) {
          const Hash bigger = merkle_root(prefix(all, n + 1));
          CHECK_FALSE(merkle_verify_inclusion(leaves[i], i, n + 1, path, bigger));
        }
        // Truncated and extended paths.
        if (!path.empty()) {
          std::vector<Hash> truncated(path.begin(), path.end() - 1);
          CHECK_FALSE(merkle_verify_inclusion(leaves[i], i, n, truncated, root));
          std::vector<Hash> first_dropped(path.begin() + 1, path.end());
          CHECK_FALSE(merkle_verify_inclusion(leaves[i], i, n, first_dropped, root));
          std::vector<Hash> flipped = path;
          flipped.back()[31] ^= 1;
          CHECK_FALSE(merkle_verify_inclusion(leaves[i], i, n, flipped, root));
        }
        std::vector<Hash> extended = path;
        extended.push_back(root);
        CHECK_FALSE(merkle_verify_inclusion(leaves[i], i, n, extended, root));
      }
    }
  }

  TEST_CASE("the root splits at the largest power of two below n") {
    // An independent recursive definition (RFC 6962 §2.1) for a few ragged sizes.
    REQUIRE(crypto_init().is_ok());
    const std::vector<Hash> l = synthetic_leaves(7);
    // 7 = 4 + 3, 3 = 2 + 1.
    const Hash left = merkle_node_hash(merkle_node_hash(l[0], l[1]), merkle_node_hash(l[2], l[3]));
    const Hash right = merkle_node_hash(merkle_node_hash(l[4], l[5]), l[6]);
    CHECK(merkle_root(l) == merkle_node_hash(left, right));
    // 5 = 4 + 1.
    CHECK(merkle_root(prefix(l, 5)) == merkle_node_hash(left, l[4]));
    // Duplicating the last leaf (Bitcoin style) gives a different root.
    std::vector<Hash> dup = prefix(l, 5);
    dup.push_back(l[4]);
    CHECK_FALSE(merkle_root(dup) == merkle_root(prefix(l, 5)));
  }
}
