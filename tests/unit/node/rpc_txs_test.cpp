// GET /v1/txs on an in-process node (memory store, solo engine, RPC server on
// 127.0.0.1 port 0): txs by sender, by contract and by block time, paged by
// cursor in both orders, and 400s that name the bad parameter.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "silk/node/log.h"
#include "silk/node/node.h"
#include "silk/storage/store.h"
#include "unit/node/node_test_support.h"

namespace silk::node {
namespace {

using nlohmann::json;
using test::anchor_tx;
using test::HttpClient;
using test::kNow;

struct TxsFixture {
  test::TestChain chain;
  core::ManualClock clock{kNow};
  std::unique_ptr<Node> node;

  TxsFixture() {
    REQUIRE(init_logging(LogConfig{"warn", ""}).is_ok());
    NodeParts parts;
    parts.config.rpc.port = 0;
    parts.config.mempool.verify_threads = 2;
    parts.genesis = chain.genesis;
    parts.node_key = test::key_from_tag(1);  // chain.node_key's seed
    parts.store = storage::make_memory_store();
    parts.clock = &clock;
    auto created = Node::create(std::move(parts));
    REQUIRE_MESSAGE(created.is_ok(), created.status().to_string());
    node = std::move(created).value();
    REQUIRE(node->start().is_ok());
  }
};

// A governance.withdraw of a proposal that does not exist: committed, refused.
core::Tx withdraw_tx(const core::SecretKey& key, uint64_t nonce) {
  core::Tx tx;
  tx.chain_id = test::kChainId;
  tx.nonce = nonce;
  tx.timestamp_ms = kNow;
  tx.sender = key.public_key();
  tx.contract = "governance";
  tx.method = "withdraw";
  tx.args = json{{"id", 900000 + nonce}}.dump();
  tx.sign(key);
  return tx;
}

// Follows "next" from `target` (which has no `after`); checks each page.
std::vector<json> all_pages(HttpClient& http, const std::string& target, size_t limit) {
  std::vector<json> out;
  std::string after;
  for (int pages = 0; pages < 100; ++pages) {
    auto r = http.get(target + "&limit=" + std::to_string(limit) + after);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    REQUIRE(r.json["txs"].is_array());
    CHECK(r.json["txs"].size() <= limit);
    for (const json& row : r.json["txs"]) out.push_back(row);
    if (r.json["next"].is_null()) return out;
    CHECK(r.json["txs"].size() == limit);
    after = "&after=" + r.json["next"].get<std::string>();
  }
  FAIL("paging does not end");
  return out;
}

std::vector<std::string> ids_of(const std::vector<json>& rows) {
  std::vector<std::string> out;
  for (const json& r : rows) out.push_back(r["tx_id"].get<std::string>());
  return out;
}

TEST_SUITE("rpc_txs") {
  TEST_CASE("GET /v1/txs finds txs by sender, contract and time, page by page") {
    TxsFixture f;
    HttpClient http(f.node->rpc_port());
    const std::string client = core::to_hex(f.chain.client_key.public_key());
    const std::string admin = core::to_hex(f.chain.node_key.public_key());

    // One tx per block (each waits for its commit), block times 1 s apart:
    // the client anchors 6 times; the admin anchors 3 times and makes 3 refused withdrawals.
    std::vector<std::string> client_ids, admin_ids, admin_notary, governance;
    std::vector<uint64_t> block_times;
    for (uint64_t i = 0; i < 12; ++i) {
      core::Tx tx = i % 2 == 0   ? anchor_tx(f.chain.client_key, i)
                    : i % 4 == 1 ? anchor_tx(f.chain.node_key, i)
                                 : withdraw_tx(f.chain.node_key, i);
      const std::string id = core::to_hex(tx.tx_id());
      auto r = http.post("/v1/tx", {{"tx", core::to_hex(tx.encode())}, {"wait", true}});
      REQUIRE_MESSAGE(r.status == 200, r.body);
      (i % 2 == 0 ? client_ids : admin_ids).push_back(id);
      if (i % 4 == 1) admin_notary.push_back(id);
      if (i % 4 == 3) governance.push_back(id);
      auto got = http.get("/v1/tx/" + id);
      block_times.push_back(got.json["timestamp_ms"].get<uint64_t>());
      f.clock.advance(1000);
    }

    // By sender, ascending and descending, in pages of 1, 2 and 4.
    for (size_t limit : {1, 2, 4}) {
      auto up = all_pages(http, "/v1/txs?sender=" + client, limit);
      CHECK(ids_of(up) == client_ids);
      auto down = all_pages(http, "/v1/txs?order=desc&sender=" + client, limit);
      std::vector<std::string> reversed(client_ids.rbegin(), client_ids.rend());
      CHECK(ids_of(down) == reversed);
    }
    auto admin_rows = all_pages(http, "/v1/txs?sender=" + admin, 5);
    CHECK(ids_of(admin_rows) == admin_ids);

    // Row fields.
    auto first = http.get("/v1/txs?sender=" + client + "&limit=1");
    REQUIRE(first.status == 200);
    const json& row = first.json["txs"][0];
    CHECK(row["tx_id"] == client_ids[0]);
    CHECK(row["sender"] == client);
    CHECK(row["contract"] == "notary");
    CHECK(row["method"] == "anchor");
    CHECK(row["ok"] == true);
    CHECK_FALSE(row.contains("error"));
    CHECK(row["timestamp_ms"] == block_times[0]);
    CHECK(row["height"].is_number_unsigned());
    CHECK(row["index"] == 0);
    CHECK(first.json["next"].is_string());

    // By contract; refused txs carry their error.
    auto gov = all_pages(http, "/v1/txs?contract=governance", 2);
    CHECK(ids_of(gov) == governance);
    for (const json& g : gov) {
      CHECK(g["ok"] == false);
      CHECK(g["method"] == "withdraw");
      CHECK(g["code"].is_number_unsigned());
      CHECK_FALSE(g["error"].get<std::string>().empty());
    }
    // Sender and contract together.
    CHECK(ids_of(all_pages(http, "/v1/txs?contract=notary&sender=" + admin, 2)) == admin_notary);
    CHECK(all_pages(http, "/v1/txs?contract=trade", 2).empty());

    // By block time: bounds are inclusive.
    auto window = all_pages(http,
                            "/v1/txs?from_ms=" + std::to_string(block_times[2]) +
                                "&to_ms=" + std::to_string(block_times[6]),
                            3);
    CHECK(window.size() == 5);
    CHECK(window.front()["timestamp_ms"] == block_times[2]);
    CHECK(window.back()["timestamp_ms"] == block_times[6]);
    auto client_window =
        all_pages(http,
                  "/v1/txs?sender=" + client + "&from_ms=" + std::to_string(block_times[2] + 1) +
                      "&to_ms=" + std::to_string(block_times[8]),
                  10);
    CHECK(ids_of(client_window) ==
          std::vector<std::string>{client_ids[2], client_ids[3], client_ids[4]});
    auto later = http.get("/v1/txs?from_ms=" + std::to_string(block_times.back() + 1));
    REQUIRE(later.status == 200);
    CHECK(later.json["txs"].empty());
    CHECK(later.json["next"].is_null());

    // The submit route of the same path still works.
    auto batch = http.post(
        "/v1/txs",
        {{"txs", json::array({core::to_hex(anchor_tx(f.chain.client_key, 77).encode())})}});
    CHECK(batch.status == 200);
  }

  TEST_CASE("GET /v1/txs: bad parameters are 400s that name the parameter") {
    TxsFixture f;
    HttpClient http(f.node->rpc_port());
    const std::string sender = core::to_hex(f.chain.client_key.public_key());
    auto expect_400 = [&](const std::string& target, const std::string& words) {
      auto r = http.get(target);
      CHECK_MESSAGE(r.status == 400, target << " -> " << r.status << " " << r.body);
      const std::string message = r.json["error"]["message"].get<std::string>();
      CHECK_MESSAGE(message.find(words) != std::string::npos, target << " -> " << message);
      CHECK(r.json["error"]["code"] == "invalid");
    };
    expect_400("/v1/txs", "at least one of the query parameters sender, contract");
    expect_400("/v1/txs?limit=5", "at least one");
    expect_400("/v1/txs?sender=abc", "'sender' is 'abc'");
    expect_400("/v1/txs?sender=" + std::string(64, 'g'), "'sender'");
    expect_400("/v1/txs?contract=", "'contract'");
    expect_400("/v1/txs?from_ms=yesterday", "'from_ms' is 'yesterday'");
    expect_400("/v1/txs?to_ms=-1", "'to_ms'");
    expect_400("/v1/txs?sender=" + sender + "&limit=0", "'limit' is '0': must be 1..1000");
    expect_400("/v1/txs?sender=" + sender + "&limit=1001", "'limit'");
    expect_400("/v1/txs?sender=" + sender + "&order=up", "'order' is 'up': expected asc or desc");
    expect_400("/v1/txs?sender=" + sender + "&after=12", "'after' is '12'");
    expect_400("/v1/txs?sender=" + sender + "&after=1:99999999999", "'after'");
    expect_400("/v1/txs?sendr=" + sender, "unknown query parameter 'sendr'");
    // A valid query on a chain without txs: an empty page.
    auto empty = http.get("/v1/txs?sender=" + sender + "&after=0:0&order=asc");
    REQUIRE(empty.status == 200);
    CHECK(empty.json["txs"].empty());
    CHECK(empty.json["next"].is_null());
    // Other methods than GET and POST are still refused.
    CHECK(http.request(boost::beast::http::verb::delete_, "/v1/txs").status == 405);
  }
}

}  // namespace
}  // namespace silk::node
