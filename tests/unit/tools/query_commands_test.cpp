#include "silk/tools/query_commands.h"

#include <doctest/doctest.h>

#include "fake_node.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
using silk::core::ManualClock;
using silk::core::Status;

TEST_SUITE("query_commands") {
  TEST_CASE("block specs map to routes") {
    CHECK(block_target("latest").value() == "/v1/block/latest");
    CHECK(block_target("0").value() == "/v1/block/0");
    CHECK(block_target("123").value() == "/v1/block/123");
    CHECK(block_target(std::string(64, 'F')).value() == "/v1/block/hash/" + std::string(64, 'F'));
    CHECK(block_target("12a").status().code() == Status::Code::kInvalid);
    CHECK(block_target(std::string(63, 'a')).status().code() == Status::Code::kInvalid);
    CHECK(block_target("").status().code() == Status::Code::kInvalid);
    CHECK(block_target("-1").status().code() == Status::Code::kInvalid);
  }

  TEST_CASE("each query hits its route and keeps the node's JSON") {
    json block = {{"hash", std::string(64, 'b')},
                  {"header", {{"height", 5}, {"timestamp_ms", 1000}, {"tx_count", 1}}},
                  {"cert", {{"kind", "solo"}, {"votes", json::array({{{"signer", "aa"}}})}}},
                  {"tx_ids", {std::string(64, 'c')}}};
    json history = {{"key", "notary/x"},
                    {"offset", 0},
                    {"versions",
                     {{{"height", 2},
                       {"index", 0},
                       {"tx_id", "t1"},
                       {"timestamp_ms", 0},
                       {"deleted", false},
                       {"value", {{"a", 1}}}}}},
                    {"next_offset", 1}};
    FakeNode node([&](const FakeRequest& r) {
      if (r.target.rfind("/v1/block/", 0) == 0) return FakeResponse{200, block.dump()};
      if (r.target.rfind("/v1/history", 0) == 0) return FakeResponse{200, history.dump()};
      if (r.target.rfind("/v1/state", 0) == 0) {
        return FakeResponse{200, R"({"key":"a b","value":{"v":1},"found":true})"};
      }
      if (r.target.rfind("/v1/tx/", 0) == 0) {
        return FakeResponse{200, json{{"tx_id", "t"}, {"status", "pending"}}.dump()};
      }
      return FakeResponse{200, R"({"chain_id":"c","height":9,"mempool":{"size":1,"capacity":10}})"};
    });
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);

    auto b = run_query_block(ctx, "latest");
    REQUIRE(b.is_ok());
    CHECK(b->json == block);
    CHECK(b->text.find("height        5") != std::string::npos);
    CHECK(b->text.find("solo, 1 signature") != std::string::npos);
    CHECK(b->text.find("tx            " + std::string(64, 'c')) != std::string::npos);

    auto h = run_query_history(ctx, "notary/x", 0, 1);
    REQUIRE(h.is_ok());
    CHECK(h->json == history);
    CHECK(h->text.find("height 2 index 0  1970-01-01T00:00:00.000Z  tx t1") != std::string::npos);
    CHECK(h->text.find("more: --offset 1") != std::string::npos);

    auto s = run_query_state(ctx, "a b");
    REQUIRE(s.is_ok());
    CHECK(s->json["value"] == json{{"v", 1}});

    auto t = run_query_tx(ctx, std::string(64, 'd'));
    REQUIRE(t.is_ok());
    CHECK(t->text.find("pending") != std::string::npos);

    auto c = run_query_chain(ctx);
    REQUIRE(c.is_ok());
    CHECK(c->text.find("mempool       1 of 10") != std::string::npos);

    auto reqs = node.requests();
    REQUIRE(reqs.size() == 5);
    CHECK(reqs[0].target == "/v1/block/latest");
    CHECK(reqs[1].target == "/v1/history?key=notary/x&offset=0&limit=1");
    CHECK(reqs[2].target == "/v1/state?key=a%20b");
    CHECK(reqs[3].target == "/v1/tx/" + std::string(64, 'd'));
    CHECK(reqs[4].target == "/v1/chain");
    CHECK(node.connections() == 1);
  }

  TEST_CASE("utc formatting") {
    CHECK(format_utc_ms(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_utc_ms(1'700'000'000'123) == "2023-11-14T22:13:20.123Z");
  }
}
