#include "silk/contracts/notary.h"

#include <doctest/doctest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/map_state_view.h"
#include "silk/contracts/executor.h"
#include "unit/contracts/test_chain.h"

namespace silk::contracts {
namespace {

using core::Status;
using nlohmann::json;
using testing::code_of;
using testing::kBlockTimeMs;
using testing::TestChain;

struct Fixture {
  TestChain chain;
  Executor executor{chain.genesis, testing::rules_for(chain.genesis)};
  fakes::MapStateView state;

  core::Tx anchor(const core::SecretKey& key, const std::string& args) {
    return chain.tx(key, "notary", "anchor", args);
  }
  core::Tx anchor(const core::SecretKey& key, const core::Hash& digest,
                  const json& meta = json::object()) {
    return anchor(key, notary_anchor_args(digest, meta));
  }

  BlockExecution run(const std::vector<core::Tx>& txs, uint64_t height,
                     uint64_t time_ms = kBlockTimeMs) {
    auto exec = executor.execute_block(txs, height, time_ms, core::Hash{}, state);
    REQUIRE_MESSAGE(exec.is_ok(), exec.status().to_string());
    return std::move(exec).value();
  }
  // Executes and applies, as a committed block.
  BlockExecution commit(const std::vector<core::Tx>& txs, uint64_t height,
                        uint64_t time_ms = kBlockTimeMs) {
    BlockExecution exec = run(txs, height, time_ms);
    state.apply(exec, txs, height, time_ms);
    return exec;
  }
};

const std::string kBadHash = "hash: expected 64 hex characters (SHA-256), got ";

TEST_SUITE("notary") {
  TEST_CASE("anchor records the digest with metadata, sender and block time") {
    Fixture f;
    const core::Hash digest = core::sha256("certificate of origin #1");
    const json meta = {{"doc_type", "coo"}, {"file", "coo-1.pdf"}};
    core::Tx tx = f.anchor(f.chain.alice, digest, meta);
    BlockExecution exec = f.commit({tx}, 7, kBlockTimeMs + 5);

    const core::Receipt& r = exec.receipts[0];
    REQUIRE_MESSAGE(r.ok(), r.message);
    const std::string hex = core::to_hex(digest);
    CHECK(json::parse(r.result) == json{{"hash", hex}, {"height", 7}});
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].contract == "notary");
    CHECK(r.events[0].name == "anchored");
    const std::string alice_hex = core::to_hex(f.chain.alice.public_key());
    CHECK(json::parse(r.events[0].data) == json{{"hash", hex}, {"sender", alice_hex}});

    REQUIRE(exec.writes.size() == 1);
    CHECK(exec.writes[0].key == "notary/" + hex);
    CHECK(exec.writes[0].key == notary_state_key(digest));
    auto stored = f.state.get(notary_state_key(digest));
    REQUIRE(stored.is_ok());
    REQUIRE(stored->has_value());
    const json record = json::parse(**stored);
    CHECK(record == json{{"hash", hex},
                         {"meta", meta},
                         {"sender", alice_hex},
                         {"sender_name", "org1-admin"},
                         {"org", "org1"},
                         {"tx_id", core::to_hex(tx.tx_id())},
                         {"height", 7},
                         {"timestamp_ms", kBlockTimeMs + 5}});
  }

  TEST_CASE("upper-case digests are stored lower-case; absent or null meta is {}") {
    Fixture f;
    const core::Hash d1 = core::sha256("one");
    const core::Hash d2 = core::sha256("two");
    std::string upper = core::to_hex(d1);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    BlockExecution exec = f.commit(
        {f.anchor(f.chain.bob, json{{"hash", upper}}.dump()),
         f.anchor(f.chain.bob, json{{"hash", core::to_hex(d2)}, {"meta", nullptr}}.dump())},
        1);
    REQUIRE_MESSAGE(exec.receipts[0].ok(), exec.receipts[0].message);
    REQUIRE_MESSAGE(exec.receipts[1].ok(), exec.receipts[1].message);
    auto rec1 = f.state.get(notary_state_key(d1));
    REQUIRE(rec1.is_ok());
    REQUIRE(rec1->has_value());
    const json r1 = json::parse(**rec1);
    CHECK(r1["hash"] == core::to_hex(d1));
    CHECK(r1["meta"] == json::object());
    CHECK(r1["org"] == "org2");
    auto rec2 = f.state.get(notary_state_key(d2));
    REQUIRE(rec2.is_ok());
    REQUIRE(rec2->has_value());
    CHECK(json::parse(**rec2)["meta"] == json::object());
  }

  TEST_CASE("a second anchor in the same block is refused, naming the first") {
    Fixture f;
    const core::Hash digest = core::sha256("bill of lading 42");
    core::Tx first = f.anchor(f.chain.alice, digest);
    core::Tx second = f.anchor(f.chain.bob, digest, {{"note", "me too"}});
    BlockExecution exec = f.run({first, second}, 3);
    CHECK(exec.receipts[0].ok());
    const core::Receipt& refused = exec.receipts[1];
    CHECK(refused.code == code_of(Status::Code::kConflict));
    CHECK(refused.message == "digest " + core::to_hex(digest) +
                                 " already anchored at height 3 by tx " +
                                 core::to_hex(first.tx_id()));
    CHECK(refused.events.empty());
    REQUIRE(exec.writes.size() == 1);
    CHECK(exec.writes[0].tx_index == 0);
  }

  TEST_CASE("a second anchor in a later block is refused, naming the first") {
    Fixture f;
    const core::Hash digest = core::sha256("invoice 2024-001");
    core::Tx first = f.anchor(f.chain.alice, digest);
    REQUIRE(f.commit({first}, 5).receipts[0].ok());

    std::string upper = core::to_hex(digest);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    BlockExecution exec = f.run(
        {f.anchor(f.chain.alice, digest), f.anchor(f.chain.bob, json{{"hash", upper}}.dump())}, 9);
    const std::string expected = "digest " + core::to_hex(digest) +
                                 " already anchored at height 5 by tx " +
                                 core::to_hex(first.tx_id());
    for (const auto& r : exec.receipts) {
      CHECK(r.code == code_of(Status::Code::kConflict));
      CHECK(r.message == expected);
    }
    CHECK(exec.writes.empty());
  }

  TEST_CASE("malformed digests are refused") {
    Fixture f;
    const std::string good = core::to_hex(core::sha256("x"));
    struct Case {
      json args;
      std::string message;
    };
    std::vector<Case> cases = {
        {json{{"hash", good.substr(1)}}, kBadHash + "63 characters"},
        {json{{"hash", good + "00"}}, kBadHash + "66 characters"},
        {json{{"hash", "g" + good.substr(1)}}, kBadHash + "a non-hex character at offset 0"},
        {json{{"hash", good.substr(0, 62) + " 1"}}, kBadHash + "a non-hex character at offset 62"},
        {json{{"hash", 12345}}, kBadHash + "a number"},
        {json{{"hash", nullptr}}, kBadHash + "null"},
        {json::object(), kBadHash + "no hash field"},
        {json{{"hash", ""}}, kBadHash + "0 characters"},
    };
    std::vector<core::Tx> txs;
    for (const Case& c : cases) txs.push_back(f.anchor(f.chain.alice, c.args.dump()));
    BlockExecution exec = f.run(txs, 1);
    for (size_t i = 0; i < cases.size(); ++i) {
      CAPTURE(i);
      CHECK(exec.receipts[i].code == code_of(Status::Code::kInvalid));
      CHECK(exec.receipts[i].message == cases[i].message);
    }
    CHECK(exec.writes.empty());
  }

  TEST_CASE("meta must be an object of at most 4 KiB serialised") {
    Fixture f;
    // {"p":"<n x's>"} serialises to n + 8 bytes.
    const json at_limit = {{"p", std::string(kNotaryMaxMetaBytes - 8, 'x')}};
    const json over_limit = {{"p", std::string(kNotaryMaxMetaBytes - 7, 'x')}};
    REQUIRE(at_limit.dump().size() == kNotaryMaxMetaBytes);
    std::vector<core::Tx> txs = {
        f.anchor(f.chain.alice, core::sha256("a"), at_limit),
        f.anchor(f.chain.alice, core::sha256("b"), over_limit),
        f.anchor(f.chain.alice, core::sha256("c"), json::array({1, 2})),
        f.anchor(f.chain.alice, core::sha256("d"), "a string"),
    };
    BlockExecution exec = f.run(txs, 1);
    CHECK_MESSAGE(exec.receipts[0].ok(), exec.receipts[0].message);
    CHECK(exec.receipts[1].code == code_of(Status::Code::kInvalid));
    CHECK(exec.receipts[1].message == "meta: 4097 bytes serialised, at most 4096");
    CHECK(exec.receipts[2].code == code_of(Status::Code::kInvalid));
    CHECK(exec.receipts[2].message == "meta: expected a JSON object, got an array");
    CHECK(exec.receipts[3].message == "meta: expected a JSON object, got a string");
    CHECK(exec.writes.size() == 1);
  }

  TEST_CASE("unknown methods and unknown fields are refused") {
    Fixture f;
    const std::string hex = core::to_hex(core::sha256("x"));
    BlockExecution exec =
        f.run({f.chain.tx(f.chain.alice, "notary", "stamp", json{{"hash", hex}}.dump()),
               f.anchor(f.chain.alice, json{{"hash", hex}, {"metadata", json::object()}}.dump())},
              1);
    CHECK(exec.receipts[0].code == code_of(Status::Code::kNotFound));
    CHECK(exec.receipts[0].message == "notary has no method 'stamp'");
    CHECK(exec.receipts[1].code == code_of(Status::Code::kInvalid));
    CHECK(exec.receipts[1].message ==
          "args: unknown field 'metadata' (anchor takes hash and meta)");
    CHECK(exec.writes.empty());
  }

  TEST_CASE("a non-member cannot anchor") {
    Fixture f;
    const core::Hash digest = core::sha256("forged");
    BlockExecution exec = f.commit({f.anchor(f.chain.mallory, digest)}, 1);
    CHECK(exec.receipts[0].code == code_of(Status::Code::kUnauthorized));
    CHECK(exec.writes.empty());
    // And the digest stays free for a member.
    BlockExecution later = f.run({f.anchor(f.chain.alice, digest)}, 2);
    CHECK(later.receipts[0].ok());
  }

  TEST_CASE("notary_anchor_args builds what anchor accepts") {
    const core::Hash digest = core::sha256("y");
    const json args = json::parse(notary_anchor_args(digest, {{"k", "v"}}));
    CHECK(args == json{{"hash", core::to_hex(digest)}, {"meta", {{"k", "v"}}}});
    // Invalid UTF-8 in meta does not throw; it is replaced.
    const std::string text = notary_anchor_args(digest, {{"k", std::string("\xff")}});
    CHECK(json::parse(text)["meta"]["k"] == "\xEF\xBF\xBD");
  }
}

}  // namespace
}  // namespace silk::contracts
