#include "silk/core/write_set.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "silk/core/crypto.h"
#include "silk/core/merkle.h"

using namespace silk::core;

namespace {

void push_le(Bytes& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void push_str(Bytes& out, std::string_view s) {
  push_le(out, s.size(), 4);
  out.insert(out.end(), s.begin(), s.end());
}

std::vector<StateWrite> sample_writes() {
  return {
      {0, "notary/ab12", std::string(R"({"sender":"k1"})")},
      {0, "notary/count", std::string("1")},
      {3, "notary/old", std::nullopt},
      {4, "notary/empty", std::string("")},
  };
}

}  // namespace

TEST_SUITE("write_set") {
  TEST_CASE("encode_write: u32 tx_index, str key, u8 present flag, str value if present") {
    StateWrite put{0x01020304u, "notary/ab", std::string("v1")};
    Bytes want;
    push_le(want, 0x01020304u, 4);
    push_str(want, "notary/ab");
    want.push_back(1);
    push_str(want, "v1");
    CHECK(encode_write(put) == want);
    CHECK(Bytes(want.begin(), want.begin() + 4) == Bytes{0x04, 0x03, 0x02, 0x01});

    StateWrite del{7, "notary/ab", std::nullopt};
    Bytes want_del;
    push_le(want_del, 7, 4);
    push_str(want_del, "notary/ab");
    want_del.push_back(0);
    CHECK(encode_write(del) == want_del);

    // An empty value is present, not a deletion.
    StateWrite empty{7, "notary/ab", std::string()};
    Bytes want_empty = want_del;
    want_empty.back() = 1;
    push_le(want_empty, 0, 4);
    CHECK(encode_write(empty) == want_empty);
    CHECK_FALSE(encode_write(empty) == encode_write(del));
  }

  TEST_CASE("each field changes the encoding, hash and root") {
    REQUIRE(crypto_init().is_ok());
    const std::vector<StateWrite> base = sample_writes();
    const Hash base_hash = write_set_hash(base);
    const Hash base_root = write_set_root(base);
    auto check_changed = [&](const std::vector<StateWrite>& w) {
      CHECK_FALSE(write_set_hash(w) == base_hash);
      CHECK_FALSE(write_set_root(w) == base_root);
    };

    std::vector<StateWrite> w = base;
    w[1].tx_index = 1;
    CHECK_FALSE(encode_write(w[1]) == encode_write(base[1]));
    check_changed(w);

    w = base;
    w[1].key = "notary/counT";
    CHECK_FALSE(encode_write(w[1]) == encode_write(base[1]));
    check_changed(w);

    w = base;
    w[1].value = std::string(1, '2');
    CHECK_FALSE(encode_write(w[1]) == encode_write(base[1]));
    check_changed(w);

    w = base;
    w[1].value.reset();
    CHECK_FALSE(encode_write(w[1]) == encode_write(base[1]));
    check_changed(w);

    w = base;
    w[2].value = std::string();
    check_changed(w);

    w = base;
    std::swap(w[0], w[1]);
    check_changed(w);

    w = base;
    w.pop_back();
    check_changed(w);

    // Moving a byte from key to value keeps the concatenated text but not the encoding.
    StateWrite a{0, "k/ab", std::string("c")};
    StateWrite b{0, "k/a", std::string("bc")};
    CHECK_FALSE(encode_write(a) == encode_write(b));
  }

  TEST_CASE("write_set_hash is SHA-256 over the concatenated encodings") {
    REQUIRE(crypto_init().is_ok());
    const std::vector<StateWrite> w = sample_writes();
    Sha256 h;
    Bytes all;
    for (const StateWrite& x : w) {
      const Bytes e = encode_write(x);
      h.update(e);
      all.insert(all.end(), e.begin(), e.end());
    }
    const Hash want = h.finish();
    CHECK(write_set_hash(w) == want);
    CHECK(write_set_hash(w) == sha256(all));
    // No writes: the hash of nothing.
    CHECK(to_hex(write_set_hash({})) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  TEST_CASE("write_set_root is the RFC 6962 root over the encodings, in order") {
    REQUIRE(crypto_init().is_ok());
    const std::vector<StateWrite> w = sample_writes();
    std::vector<Hash> leaves;
    for (const StateWrite& x : w) leaves.push_back(merkle_leaf_hash(encode_write(x)));
    CHECK(write_set_root(w) == merkle_root(leaves));
    // Four leaves: ((0,1),(2,3)) by hand.
    const Hash by_hand = merkle_node_hash(merkle_node_hash(leaves[0], leaves[1]),
                                          merkle_node_hash(leaves[2], leaves[3]));
    CHECK(write_set_root(w) == by_hand);
    // One write: the root is its leaf hash, SHA-256(0x00 || encoding).
    Bytes prefixed = {0x00};
    const Bytes e0 = encode_write(w[0]);
    prefixed.insert(prefixed.end(), e0.begin(), e0.end());
    CHECK(write_set_root({w[0]}) == sha256(prefixed));
    // No writes: the empty-tree root, SHA-256("").
    CHECK(to_hex(write_set_root({})) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // The flat hash and the root are different commitments.
    CHECK_FALSE(write_set_root(w) == write_set_hash(w));
  }

  TEST_CASE("next_state_root = SHA-256(prev || write_set_root)") {
    REQUIRE(crypto_init().is_ok());
    const Hash prev = sha256(as_span("genesis"));
    const Hash root = write_set_root(sample_writes());
    Bytes cat(prev.begin(), prev.end());
    cat.insert(cat.end(), root.begin(), root.end());
    CHECK(next_state_root(prev, root) == sha256(cat));
    CHECK(next_state_root(prev, root) == Sha256().update(prev).update(root).finish());
    // Order matters, and the chain moves on at every step.
    CHECK_FALSE(next_state_root(root, prev) == next_state_root(prev, root));
    const Hash s1 = next_state_root(prev, root);
    const Hash s2 = next_state_root(s1, root);
    CHECK_FALSE(s1 == s2);
    // A block with no writes still advances the state root.
    const Hash empty_root = write_set_root({});
    CHECK_FALSE(next_state_root(prev, empty_root) == prev);
  }
}
