// NodeClient's typed reads: the node's answers (docs/api.md) decoded into core types.
#include "silk/client/node_client.h"

#include <doctest/doctest.h>

#include <string>

#include "fakes/fake_node.h"
#include "silk/core/crypto.h"

using namespace silk;
using namespace silk::client;
using core::Hash;
using core::Status;
using fakes::FakeNode;
using fakes::FakeRequest;
using fakes::FakeResponse;
using nlohmann::json;

namespace {

Url url_of(const FakeNode& node) { return parse_url(node.url()).value(); }

FakeResponse ok(const json& j) { return FakeResponse{200, j.dump()}; }

core::Receipt a_receipt(const Hash& tx_id) {
  core::Receipt r;
  r.tx_id = tx_id;
  r.code = 4;
  r.message = "digest already anchored";
  r.result = R"({"height":3})";
  r.events.push_back({"notary", "anchored", R"({"n":1})"});
  r.write_set_hash = core::sha256("writes");
  return r;
}

}  // namespace

TEST_SUITE("node_client") {
  TEST_CASE("chain_info: the chain's names are required, the tip's fields are not") {
    const Hash genesis = core::sha256("genesis");
    const Hash tip = core::sha256("tip");
    bool full = true;
    FakeNode node([&](const FakeRequest&) {
      json j = {{"chain_id", "silk-c"}, {"genesis_hash", core::to_hex(genesis)}};
      if (full) {
        j.update({{"height", 9},
                  {"block_hash", core::to_hex(tip)},
                  {"state_root", core::to_hex(genesis)},
                  {"timestamp_ms", 77},
                  {"total_txs", 12}});
      }
      return ok(j);
    });
    NodeClient client(url_of(node));
    auto info = client.chain_info();
    REQUIRE(info.is_ok());
    CHECK(info->chain_id == "silk-c");
    CHECK(info->genesis_hash == genesis);
    CHECK(info->height == 9);
    CHECK(info->block_hash == tip);
    CHECK(info->total_txs == 12);
    full = false;
    info = client.chain_info();
    REQUIRE(info.is_ok());
    CHECK_FALSE(info->block_hash.has_value());
    CHECK(info->height == 0);
  }

  TEST_CASE("block: decoded from the answer's exact bytes; a missing or bad hex is named") {
    core::Block b;
    b.header.chain_id = "silk-c";
    b.header.height = 3;
    std::string hex = core::to_hex(b.encode());
    FakeNode node([&](const FakeRequest& r) {
      if (r.target == "/v1/block/3?hex=1") return ok({{"hex", hex}});
      if (r.target == "/v1/block/hash/" + core::to_hex(b.hash()) + "?hex=1") {
        return ok({{"hex", hex}});
      }
      return ok({{"height", 4}});
    });
    NodeClient client(url_of(node));
    auto got = client.block(3);
    REQUIRE(got.is_ok());
    CHECK(got->hash() == b.hash());
    CHECK(client.block_by_hash(b.hash())->header.height == 3);
    auto missing = client.block(4);
    CHECK(missing.status().code() == Status::Code::kInvalid);
    CHECK(missing.status().message() == "node answered /v1/block/4?hex=1 without the block's hex");
    hex += "00";
    auto trailing = client.block(3);
    CHECK(trailing.status().code() == Status::Code::kCorruption);
    CHECK(trailing.status().message().rfind("block from the node fails to decode: ", 0) == 0);
  }

  TEST_CASE("tx: the receipt from receipt_hex, else rebuilt from its JSON view") {
    const Hash id = core::sha256("tx");
    const core::Receipt receipt = a_receipt(id);
    json answer = {{"status", "committed"},
                   {"height", 3},
                   {"index", 1},
                   {"receipt_hex", core::to_hex(receipt.encode())}};
    FakeNode node([&](const FakeRequest&) { return ok(answer); });
    NodeClient client(url_of(node));
    auto exact = client.tx(id);
    REQUIRE(exact.is_ok());
    CHECK(exact->status == "committed");
    CHECK(exact->height == 3);
    CHECK(exact->index == 1);
    CHECK(exact->receipt_exact);
    REQUIRE(exact->receipt.has_value());
    CHECK(exact->receipt->encode() == receipt.encode());

    answer.erase("receipt_hex");
    answer["receipt"] = {
        {"code", 4},
        {"message", receipt.message},
        {"result", {{"height", 3}}},
        {"events", {{{"contract", "notary"}, {"name", "anchored"}, {"data", {{"n", 1}}}}}},
        {"write_set_hash", core::to_hex(receipt.write_set_hash)}};
    auto rebuilt = client.tx(id);
    REQUIRE(rebuilt.is_ok());
    CHECK_FALSE(rebuilt->receipt_exact);
    REQUIRE(rebuilt->receipt.has_value());
    CHECK(rebuilt->receipt->encode() == receipt.encode());

    answer = {{"status", "pending"}};
    auto pending = client.tx(id);
    REQUIRE(pending.is_ok());
    CHECK(pending->status == "pending");
    CHECK_FALSE(pending->receipt.has_value());
  }

  TEST_CASE("validators: the set in force at a height, from /v1/config") {
    const Hash v1 = core::sha256("v1");
    FakeNode node([&](const FakeRequest& r) {
      if (r.target == "/v1/config?height=5") {
        return ok({{"result", {{"config", {{"validators", {core::to_hex(v1)}}}}}}});
      }
      return ok({{"result", json::object()}});
    });
    NodeClient client(url_of(node));
    auto set = client.validators(5);
    REQUIRE(set.is_ok());
    CHECK(*set == std::vector<core::PublicKey>{v1});
    auto none = client.validators(6);
    CHECK(none.status().message() == "GET /v1/config?height=6 has no result.config.validators");
  }
}
