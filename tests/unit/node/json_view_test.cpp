#include "silk/node/json_view.h"

#include <doctest/doctest.h>

#include "unit/node/node_test_support.h"

namespace silk::node {
namespace {

using nlohmann::json;

TEST_SUITE("json_view") {
  TEST_CASE("tx fields as docs/api.md shows them") {
    test::TestChain chain;
    const core::Tx tx = test::anchor_tx(chain.client_key, 42);
    const json j = tx_to_json(tx);
    CHECK(j["version"] == 1);
    CHECK(j["chain_id"] == test::kChainId);
    CHECK(j["nonce"] == 42);
    CHECK(j["timestamp_ms"] == test::kNow);
    CHECK(j["sender_kind"] == "public_key");
    CHECK(j["sender"] == core::to_hex(chain.client_key.public_key()));
    CHECK(j["contract"] == "notary");
    CHECK(j["method"] == "anchor");
    CHECK(j["args"]["hash"] == test::digest_hex(42));  // embedded as JSON
    CHECK(j["signature"].get<std::string>().size() == 128);
    CHECK(j["hex"] == core::to_hex(tx.encode()));
  }

  TEST_CASE("receipt, with code names and embedded JSON") {
    core::Receipt r;
    r.code = static_cast<uint32_t>(core::Status::Code::kConflict);
    r.message = "digest already anchored";
    r.events.push_back({"notary", "anchored", R"({"hash":"ab"})"});
    json j = receipt_to_json(r);
    CHECK(j["code"] == 4);
    CHECK(j["code_name"] == "conflict");
    CHECK(j["message"] == "digest already anchored");
    CHECK(j["result"].is_null());
    CHECK(j["events"][0]["data"]["hash"] == "ab");
    r.code = 77;
    CHECK(receipt_to_json(r)["code_name"] == "unknown");
  }

  TEST_CASE("text that is not JSON, or nested too deep, stays a string") {
    CHECK(embed_json_text("not json") == "not json");
    CHECK(embed_json_text("") == "");
    CHECK(embed_json_text("[1,{\"a\":2}]")[1]["a"] == 2);
    const std::string deep(10000, '[');
    CHECK(json_nesting_depth(deep) == 10000);
    CHECK(embed_json_text(deep) == deep);
    CHECK(json_nesting_depth(R"({"a":"[[[[","b":["\"]"]})") == 2);
  }

  TEST_CASE("dump never throws on invalid UTF-8") {
    json j = {{"s", std::string("\xff\xfe ok")}};
    CHECK(dump_json(j).find("ok") != std::string::npos);
  }

  TEST_CASE("errors") {
    CHECK(dump_json(error_to_json(core::Status::invalid("tx 0: bad hex"))) ==
          R"({"error":{"code":"invalid","message":"tx 0: bad hex"}})");
  }
}

}  // namespace
}  // namespace silk::node
