// An in-process node: memory store, real engine, driver and RPC server on
// 127.0.0.1 port 0, driven over HTTP like a client would.
#include "silk/node/node.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "silk/core/block.h"
#include "silk/core/key_file.h"
#include "silk/node/json_view.h"
#include "silk/node/log.h"
#include "silk/storage/store.h"
#include "unit/node/node_test_support.h"

namespace silk::node {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::anchor_tx;
using test::HttpClient;
using test::kNow;

constexpr size_t kTestBodyLimit = 256 * 1024;

NodeParts test_parts(const test::TestChain& chain, const core::Clock* clock) {
  NodeParts parts;
  parts.config.rpc.port = 0;
  parts.config.rpc.max_body_bytes = kTestBodyLimit;
  parts.config.mempool.verify_threads = 2;
  parts.genesis = chain.genesis;
  parts.node_key = test::key_from_tag(1);  // chain.node_key's seed
  parts.store = storage::make_memory_store();
  parts.clock = clock;
  return parts;
}

struct NodeFixture {
  test::TestChain chain;
  core::ManualClock clock{kNow};
  std::unique_ptr<Node> node;

  NodeFixture() {
    REQUIRE(init_logging(LogConfig{"warn", ""}).is_ok());
    auto created = Node::create(test_parts(chain, &clock));
    REQUIRE_MESSAGE(created.is_ok(), created.status().to_string());
    node = std::move(created).value();
    REQUIRE(node->start().is_ok());
  }

  uint16_t port() const { return node->rpc_port(); }

  std::string hex_of(const core::Tx& tx) const { return core::to_hex(tx.encode()); }
};

// Polls GET /v1/tx/{id} until it is committed.
json wait_committed(HttpClient& http, const core::Hash& id) {
  for (int i = 0; i < 500; ++i) {
    auto r = http.get("/v1/tx/" + core::to_hex(id));
    if (r.status == 200 && r.json.value("status", "") == "committed") return r.json;
    std::this_thread::sleep_for(10ms);
  }
  FAIL("tx " << core::to_hex(id) << " not committed");
  return nullptr;
}

// A signed documents.register_type tx: each rewrites documents/type_index.
core::Tx register_type_tx(const core::SecretKey& admin, uint64_t nonce, const std::string& code) {
  core::Tx tx;
  tx.chain_id = test::kChainId;
  tx.nonce = nonce;
  tx.timestamp_ms = kNow;
  tx.sender_kind = core::SenderKind::kPublicKey;
  tx.sender = admin.public_key();
  tx.contract = "documents";
  tx.method = "register_type";
  tx.args = json{
      {"code", code},
      {"name", "type \"" + code + "\" \xc3\xa9"},
      {"issuer_roles", {"issuer"}},
      {"service_type",
       "test"}}.dump();
  tx.sign(admin);
  return tx;
}

TEST_SUITE("node") {
  TEST_CASE("GET /v1/history of a key with several versions: the bytes of a parse and dump") {
    NodeFixture f;
    HttpClient http(f.port());
    const std::vector<std::string> codes = {"hist_b", "hist_a", "hist_c", "hist_d", "hist_e"};
    std::vector<std::string> ids;
    for (size_t i = 0; i < codes.size(); ++i) {
      const core::Tx tx = register_type_tx(f.chain.node_key, 100 + i, codes[i]);
      ids.push_back(core::to_hex(tx.tx_id()));
      auto r = http.post("/v1/tx", {{"tx", f.hex_of(tx)}, {"wait", true}, {"timeout_ms", 5000}});
      REQUIRE_MESSAGE(r.status == 200, r.body);
      REQUIRE_MESSAGE(r.json["receipt"]["code"] == 0, r.body);
    }
    std::vector<json> versions;
    for (uint64_t offset = 0; offset < codes.size(); offset += 2) {
      auto page = http.get(
          "/v1/history?key=documents%2Ftype_index&offset=" + std::to_string(offset) + "&limit=2");
      REQUIRE_MESSAGE(page.status == 200, page.body);
      // What the old code wrote: each stored value parsed and dumped again,
      // names sorted. The answer is a fixed point of parse and dump.
      CHECK(page.body == dump_json(page.json));
      CHECK(page.json["key"] == "documents/type_index");
      CHECK(page.json["offset"] == offset);
      if (offset + 2 < codes.size()) {
        CHECK(page.json["next_offset"] == offset + 2);
      } else {
        CHECK(page.json["next_offset"].is_null());
      }
      for (const json& v : page.json["versions"]) versions.push_back(v);
    }
    REQUIRE(versions.size() == codes.size());
    std::vector<std::string> sorted;
    for (size_t i = 0; i < codes.size(); ++i) {
      CAPTURE(i);
      sorted.push_back(codes[i]);
      std::sort(sorted.begin(), sorted.end());
      const json& v = versions[i];
      CHECK(v.size() == 6);  // height, index, tx_id, timestamp_ms, deleted, value
      CHECK(v["tx_id"] == ids[i]);
      CHECK(v["height"] == i + 1);
      CHECK(v["index"] == 0);
      CHECK(v["timestamp_ms"] == kNow);
      CHECK(v["deleted"] == false);
      CHECK(v["value"] == json(sorted));  // embedded as JSON, not as a string
    }
    // The type record itself, with an escape and UTF-8 in it.
    auto type = http.get("/v1/history?key=documents%2Ftype%2Fhist_a");
    REQUIRE_MESSAGE(type.status == 200, type.body);
    CHECK(type.body == dump_json(type.json));
    REQUIRE(type.json["versions"].size() == 1);
    CHECK(type.json["versions"][0]["value"]["name"] == "type \"hist_a\" \xc3\xa9");
  }

  TEST_CASE("submit with wait, then read the tx, its block, state, history and chain") {
    NodeFixture f;
    HttpClient http(f.port());
    const core::Tx tx = anchor_tx(f.chain.client_key, 1);
    const std::string id = core::to_hex(tx.tx_id());

    auto r = http.post("/v1/tx", {{"tx", f.hex_of(tx)}, {"wait", true}, {"timeout_ms", 5000}});
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(r.json["tx_id"] == id);
    CHECK(r.json["status"] == "committed");
    CHECK(r.json["height"] == 1);
    CHECK(r.json["index"] == 0);
    CHECK(r.json["receipt"]["code"] == 0);
    CHECK(r.json["receipt"]["code_name"] == "ok");
    CHECK(r.json["receipt"]["result"]["hash"] == test::digest_hex(1));
    CHECK(r.json["receipt"]["events"][0]["name"] == "anchored");
    CHECK(r.keep_alive);

    auto got = http.get("/v1/tx/" + id);
    REQUIRE_MESSAGE(got.status == 200, got.body);
    CHECK(got.json["status"] == "committed");
    CHECK(got.json["height"] == 1);
    CHECK(got.json["index"] == 0);
    CHECK(got.json["timestamp_ms"] == kNow);
    CHECK(got.json["tx"]["hex"] == f.hex_of(tx));
    CHECK(got.json["tx"]["args"]["hash"] == test::digest_hex(1));
    CHECK(got.json["receipt"]["code"] == 0);

    auto block = http.get("/v1/block/1?hex=1");
    REQUIRE_MESSAGE(block.status == 200, block.body);
    CHECK(block.json["hash"] == got.json["block_hash"]);
    const json& h = block.json["header"];
    CHECK(h["height"] == 1);
    CHECK(h["chain_id"] == test::kChainId);
    CHECK(h["tx_count"] == 1);
    CHECK(h["proposer"] == core::to_hex(f.chain.node_key.public_key()));
    CHECK(block.json["tx_ids"] == json::array({id}));
    CHECK(block.json["cert"]["kind"] == "solo");
    CHECK(block.json["cert"]["votes"].size() == 1);
    // The stored block is whole and final: its hash, tx root and certificate check out.
    auto bytes = core::from_hex(block.json["hex"].get<std::string>());
    REQUIRE(bytes.is_ok());
    auto decoded = core::Block::decode(*bytes);
    REQUIRE(decoded.is_ok());
    CHECK(core::to_hex(decoded->hash()) == block.json["hash"]);
    CHECK(decoded->header.tx_root == core::Block::compute_tx_root(decoded->txs));
    CHECK(decoded->header.validator_set_hash ==
          core::validator_set_hash(f.chain.genesis.validators));
    CHECK(core::verify_commit_cert(decoded->header, decoded->cert, f.chain.genesis.validators)
              .is_ok());
    auto genesis_block = http.get("/v1/block/0");
    REQUIRE(genesis_block.status == 200);
    CHECK(h["prev_hash"] == genesis_block.json["hash"]);

    auto latest = http.get("/v1/block/latest");
    REQUIRE(latest.status == 200);
    CHECK(latest.json["header"]["height"] == 1);
    CHECK_FALSE(latest.json.contains("hex"));
    auto by_hash = http.get("/v1/block/hash/" + block.json["hash"].get<std::string>());
    REQUIRE(by_hash.status == 200);
    CHECK(by_hash.json["header"]["height"] == 1);

    auto state = http.get("/v1/state?key=notary%2F" + test::digest_hex(1));
    REQUIRE_MESSAGE(state.status == 200, state.body);
    CHECK(state.json["found"] == true);
    CHECK(state.json["key"] == "notary/" + test::digest_hex(1));
    CHECK(state.json["value"]["tx_id"] == id);
    CHECK(state.json["value"]["height"] == 1);

    auto history = http.get("/v1/history?key=notary/" + test::digest_hex(1) + "&limit=10");
    REQUIRE_MESSAGE(history.status == 200, history.body);
    REQUIRE(history.json["versions"].size() == 1);
    CHECK(history.json["versions"][0]["tx_id"] == id);
    CHECK(history.json["versions"][0]["height"] == 1);
    CHECK(history.json["versions"][0]["deleted"] == false);
    CHECK(history.json["versions"][0]["value"]["hash"] == test::digest_hex(1));
    CHECK(history.json["next_offset"].is_null());
    auto page2 = http.get("/v1/history?key=notary/" + test::digest_hex(1) + "&offset=1");
    REQUIRE(page2.status == 200);
    CHECK(page2.json["versions"].empty());

    auto chain = http.get("/v1/chain");
    REQUIRE(chain.status == 200);
    CHECK(chain.json["chain_id"] == test::kChainId);
    CHECK(chain.json["genesis_hash"] == core::to_hex(f.chain.genesis.hash));
    CHECK(chain.json["height"] == 1);
    CHECK(chain.json["total_txs"] == 1);
    CHECK(chain.json["consensus"] == "solo");
    CHECK(chain.json["block_hash"] == block.json["hash"]);
    CHECK(chain.json["mempool"]["size"] == 0);
    CHECK(chain.json["mempool"]["capacity"] == 100000);

    auto health = http.get("/v1/health");
    CHECK(health.status == 200);
    CHECK(health.json == json{{"status", "ok"}, {"height", 1}});
  }

  TEST_CASE("a second anchor of a digest commits with a failed receipt naming the first") {
    NodeFixture f;
    HttpClient http(f.port());
    const std::string digest = test::digest_hex(500);
    const core::Tx first = anchor_tx(f.chain.client_key, 1, kNow, test::kChainId, digest);
    const core::Tx second = anchor_tx(f.chain.client_key, 2, kNow, test::kChainId, digest);
    auto a = http.post("/v1/tx", {{"tx", f.hex_of(first)}, {"wait", true}});
    REQUIRE_MESSAGE(a.status == 200, a.body);
    auto b = http.post("/v1/tx", {{"tx", f.hex_of(second)}, {"wait", true}});
    REQUIRE_MESSAGE(b.status == 200, b.body);
    CHECK(b.json["status"] == "committed");
    CHECK(b.json["receipt"]["code"] == 4);
    CHECK(b.json["receipt"]["code_name"] == "conflict");
    const std::string message = b.json["receipt"]["message"];
    CHECK(message.find("already anchored at height 1") != std::string::npos);
    CHECK(message.find(core::to_hex(first.tx_id())) != std::string::npos);
    // The state still holds the first.
    auto state = http.get("/v1/state?key=notary/" + digest);
    CHECK(state.json["value"]["tx_id"] == core::to_hex(first.tx_id()));

    // Sending the same tx again is a duplicate, refused at the door.
    auto again = http.post("/v1/tx", {{"tx", f.hex_of(first)}});
    CHECK(again.status == 409);
    CHECK(again.json["error"]["code"] == "conflict");
    CHECK(again.json["error"]["message"] ==
          "tx " + core::to_hex(first.tx_id()) + " already committed at height 1");
  }

  TEST_CASE("a batch: one result per tx, in order; bad ones do not sink the rest") {
    NodeFixture f;
    HttpClient http(f.port());
    const core::Tx a = anchor_tx(f.chain.client_key, 1);
    const core::Tx b = anchor_tx(f.chain.client_key, 2);
    const core::Tx wrong_chain = anchor_tx(f.chain.client_key, 3, kNow, "other");
    const core::Tx stranger = anchor_tx(f.chain.stranger_key, 4);
    json txs = json::array({f.hex_of(a), "zz", f.hex_of(wrong_chain), f.hex_of(b), 17,
                            f.hex_of(stranger), f.hex_of(a)});
    auto r = http.post("/v1/txs", {{"txs", txs}, {"wait", true}, {"timeout_ms", 5000}});
    REQUIRE_MESSAGE(r.status == 200, r.body);
    const json& res = r.json["results"];
    REQUIRE(res.size() == 7);
    CHECK(res[0]["status"] == "committed");
    CHECK(res[0]["tx_id"] == core::to_hex(a.tx_id()));
    CHECK(res[0]["receipt"]["code"] == 0);
    CHECK(res[1]["error"]["code"] == "invalid");
    CHECK(res[1]["error"]["message"].get<std::string>().find("bad hex") != std::string::npos);
    CHECK(res[2]["error"]["message"] == "wrong chain id 'other': this node serves 'silk-test'");
    CHECK(res[3]["status"] == "committed");
    CHECK(res[3]["tx_id"] == core::to_hex(b.tx_id()));
    CHECK(res[4]["error"]["message"] == "must be a hex string, got number");
    CHECK(res[5]["error"]["code"] == "unauthorized");
    CHECK(res[6]["error"]["code"] == "conflict");
    CHECK(res[6]["error"]["message"] == "tx " + core::to_hex(a.tx_id()) + " already in the pool");

    // Without wait: pending, then committed.
    std::vector<core::Tx> more;
    json hexes = json::array();
    for (uint64_t i = 10; i < 30; ++i) {
      more.push_back(anchor_tx(f.chain.client_key, i));
      hexes.push_back(f.hex_of(more.back()));
    }
    auto p = http.post("/v1/txs", {{"txs", hexes}});
    REQUIRE_MESSAGE(p.status == 200, p.body);
    REQUIRE(p.json["results"].size() == 20);
    for (const json& e : p.json["results"]) CHECK(e["status"] == "pending");
    for (const core::Tx& tx : more) {
      json c = wait_committed(http, tx.tx_id());
      CHECK(c["receipt"]["code"] == 0);
    }
    CHECK(f.node->mempool().size() == 0);
  }

  TEST_CASE("bad requests get a 4xx with a reason, and the server keeps serving") {
    NodeFixture f;
    HttpClient http(f.port());
    auto malformed = http.request(boost::beast::http::verb::post, "/v1/tx", "{\"tx\": ");
    CHECK(malformed.status == 400);
    CHECK(malformed.json["error"]["code"] == "invalid");
    CHECK(malformed.json["error"]["message"].get<std::string>().rfind("malformed JSON: ", 0) == 0);

    auto deep = http.request(boost::beast::http::verb::post, "/v1/tx", std::string(5000, '['));
    CHECK(deep.status == 400);
    CHECK(deep.json["error"]["message"] == "malformed JSON: nested deeper than 64 levels");

    auto bad_hex = http.post("/v1/tx", {{"tx", "abcx"}});
    CHECK(bad_hex.status == 400);
    CHECK(bad_hex.json["error"]["message"].get<std::string>().rfind("tx: bad hex", 0) == 0);

    auto garbage = http.post("/v1/tx", {{"tx", "0102"}});
    CHECK(garbage.status == 400);

    auto unknown_field = http.post("/v1/tx", {{"tx", "00"}, {"wiat", true}});
    CHECK(unknown_field.status == 400);
    CHECK(unknown_field.json["error"]["message"] ==
          "unknown field 'wiat' (expected tx, wait, timeout_ms)");

    auto long_wait = http.post("/v1/tx", {{"tx", "00"}, {"wait", true}, {"timeout_ms", 70000}});
    CHECK(long_wait.status == 400);
    CHECK(long_wait.json["error"]["message"] == "field 'timeout_ms' is 70000; must be 1..60000");

    auto not_object = http.request(boost::beast::http::verb::post, "/v1/txs", "[]");
    CHECK(not_object.status == 400);

    auto too_many = http.post("/v1/txs", {{"txs", json(std::vector<std::string>(10001, "00"))}});
    CHECK(too_many.status == 400);
    CHECK(too_many.json["error"]["message"] == "batch has 10001 txs; limit is 10000");

    auto no_route = http.get("/v1/nothing");
    CHECK(no_route.status == 404);
    CHECK(no_route.json["error"]["code"] == "not_found");

    auto wrong_method = http.get("/v1/tx");
    CHECK(wrong_method.status == 405);
    CHECK(wrong_method.allow == "POST");
    CHECK(wrong_method.json["error"]["message"] == "method GET is not allowed on /v1/tx; use POST");
    auto wrong_method2 = http.request(boost::beast::http::verb::delete_, "/v1/chain");
    CHECK(wrong_method2.status == 405);
    CHECK(wrong_method2.allow == "GET");

    CHECK(http.get("/v1/tx/1234").status == 400);
    auto unknown_tx = http.get("/v1/tx/" + core::to_hex(core::sha256("nothing")));
    CHECK(unknown_tx.status == 404);
    CHECK(http.get("/v1/block/abc").status == 400);
    CHECK(http.get("/v1/block/99999999999999999999999").status == 400);
    auto no_block = http.get("/v1/block/999");
    CHECK(no_block.status == 404);
    CHECK(no_block.json["error"]["message"] == "block at height 999 not found");
    CHECK(http.get("/v1/block/hash/00").status == 400);
    CHECK(http.get("/v1/state").status == 400);
    CHECK(http.get("/v1/state?key=%zz").status == 400);
    auto no_state = http.get("/v1/state?key=notary/none");
    CHECK(no_state.status == 404);
    CHECK(no_state.json["error"]["message"] == "key 'notary/none' has no value");
    CHECK(http.get("/v1/history?key=a&limit=1001").status == 400);
    CHECK(http.get("/v1/history?key=a&limit=0").status == 400);
    CHECK(http.get("/v1/history?key=a&offset=-1").status == 400);
    auto empty_history = http.get("/v1/history?key=a");
    CHECK(empty_history.status == 200);
    CHECK(empty_history.json["versions"].empty());

    // Still serving on the same keep-alive connection.
    auto ok =
        http.post("/v1/tx", {{"tx", f.hex_of(anchor_tx(f.chain.client_key, 1))}, {"wait", true}});
    CHECK(ok.status == 200);
    CHECK(ok.json["status"] == "committed");
  }

  TEST_CASE("an oversized body gets 413 naming the limit; a garbled request 400") {
    NodeFixture f;
    {
      HttpClient http(f.port());
      auto big = http.request(boost::beast::http::verb::post, "/v1/txs",
                              std::string(kTestBodyLimit + 1, ' '));
      CHECK(big.status == 413);
      CHECK(big.json["error"]["code"] == "exhausted");
      CHECK(big.json["error"]["message"] == "request body is larger than the limit of " +
                                                std::to_string(kTestBodyLimit) +
                                                " bytes (rpc.max_body_bytes)");
      CHECK_FALSE(big.keep_alive);
      CHECK(http.closed_by_server());
    }
    {
      HttpClient http(f.port());
      auto bad = http.raw("POST /v1/tx HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n");
      CHECK(bad.status == 400);
      CHECK(bad.json["error"]["message"].get<std::string>().rfind("malformed HTTP request: ", 0) ==
            0);
    }
    {
      HttpClient http(f.port());
      auto odd = http.raw("BREW /v1/chain HTTP/1.1\r\nHost: x\r\n\r\n");
      CHECK(odd.status == 405);
      CHECK(odd.json["error"]["message"] == "method BREW is not allowed on /v1/chain; use GET");
    }
    HttpClient http(f.port());
    CHECK(http.get("/v1/health").status == 200);
  }

  TEST_CASE("strict input: repeated keys and parameters, other media types, with-key sender_cert") {
    NodeFixture f;
    HttpClient http(f.port());
    // A body that repeats a key: another parser could read the other value.
    auto dup = http.request(boost::beast::http::verb::post, "/v1/tx",
                            R"({"tx":"00","wait":true,"wait":false})");
    CHECK(dup.status == 400);
    CHECK(dup.json["error"]["message"] == "malformed JSON: duplicate key 'wait' at $");
    // A query parameter given twice.
    auto twice = http.get("/v1/history?key=a&key=b");
    CHECK(twice.status == 400);
    CHECK(twice.json["error"]["message"] == "query parameter 'key' is given twice");
    // A body that is not JSON by its own account.
    auto form = http.raw(
        "POST /v1/tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 9\r\n\r\n{\"tx\":\"\"}");
    CHECK(form.status == 415);
    CHECK(form.json["error"]["message"] ==
          "unsupported Content-Type 'application/x-www-form-urlencoded' on /v1/tx: send "
          "application/json");
    auto charset = http.raw(
        "POST /v1/tx HTTP/1.1\r\nHost: x\r\nContent-Type: Application/JSON; charset=utf-8\r\n"
        "Content-Length: 9\r\n\r\n{\"tx\":\"\"}");
    CHECK(charset.status == 400);  // read as JSON: an empty tx
    // Tx args that repeat a key, at any depth: refused at admission, naming key and place.
    core::Tx tx = anchor_tx(f.chain.client_key, 7);
    tx.args = R"({"hash":")" + core::to_hex(core::sha256("dup")) +
              R"(","meta":[{"a":1},{"b":2,"b":3}]})";
    tx.sign(f.chain.client_key);
    auto dup_args = http.post("/v1/tx", {{"tx", f.hex_of(tx)}});
    CHECK(dup_args.status == 400);
    CHECK(dup_args.json["error"]["message"].get<std::string>().find(
              "tx args repeat the key 'b' at $.meta[1]") != std::string::npos);
    // A with-key tx carrying certificate bytes nobody reads.
    core::Tx padded = anchor_tx(f.chain.client_key, 8);
    padded.sender_cert = core::Bytes(3000, 0x41);
    padded.sign(f.chain.client_key);
    auto with_cert = http.post("/v1/tx", {{"tx", f.hex_of(padded)}});
    CHECK(with_cert.status == 400);
    CHECK(with_cert.json["error"]["message"].get<std::string>().find(
              "a tx whose sender is a public key carries no sender_cert (got 3000 bytes)") !=
          std::string::npos);
    // The same txs without the defects are admitted.
    auto ok = http.post("/v1/tx", {{"tx", f.hex_of(anchor_tx(f.chain.client_key, 9))}});
    CHECK(ok.status == 200);
  }

  TEST_CASE("a pending tx shows as pending; block time never goes backwards") {
    NodeFixture f;
    HttpClient http(f.port());
    auto a =
        http.post("/v1/tx", {{"tx", f.hex_of(anchor_tx(f.chain.client_key, 1))}, {"wait", true}});
    REQUIRE(a.status == 200);
    f.clock.set(kNow - 5000);  // the node clock steps back
    auto b =
        http.post("/v1/tx", {{"tx", f.hex_of(anchor_tx(f.chain.client_key, 2))}, {"wait", true}});
    REQUIRE_MESSAGE(b.status == 200, b.body);
    auto block = http.get("/v1/block/" + std::to_string(b.json["height"].get<uint64_t>()));
    CHECK(block.json["header"]["timestamp_ms"] == kNow);
    f.clock.set(kNow + 3000);
    auto c =
        http.post("/v1/tx", {{"tx", f.hex_of(anchor_tx(f.chain.client_key, 3))}, {"wait", true}});
    REQUIRE(c.status == 200);
    auto block3 = http.get("/v1/block/" + std::to_string(c.json["height"].get<uint64_t>()));
    CHECK(block3.json["header"]["timestamp_ms"] == kNow + 3000);
  }

  TEST_CASE("stop answers new requests with 503 and logs nothing at line rate") {
    NodeFixture f;
    HttpClient http(f.port());
    REQUIRE(http.get("/v1/health").status == 200);
    std::thread stopper([&] { f.node->stop(); });
    stopper.join();
    // The listener is gone: a new connection is refused.
    bool refused = false;
    try {
      HttpClient again(f.port());
      refused = again.get("/v1/health").status != 200;
    } catch (const std::exception&) {
      refused = true;
    }
    CHECK(refused);
    f.node->stop();  // idempotent
  }
}

// A store whose commits can be made to fail, as a full or broken disk would.
class FailingStore final : public test::DelegatingStore {
 public:
  using DelegatingStore::DelegatingStore;
  std::atomic<bool> fail_commits{false};

  core::Status commit_block(const core::Block& block, const std::vector<core::Receipt>& receipts,
                            const std::vector<core::StateWrite>& writes) override {
    if (fail_commits.load()) return core::Status::io_error("disk full (injected)");
    return DelegatingStore::commit_block(block, receipts, writes);
  }
};

TEST_SUITE("node") {
  TEST_CASE("a failed block write stops the pipeline; a waiting client gets 504, not a lie") {
    REQUIRE(init_logging(LogConfig{"off", ""}).is_ok());
    test::TestChain chain;
    core::ManualClock clock(kNow);
    NodeParts parts = test_parts(chain, &clock);
    auto failing = std::make_unique<FailingStore>(std::move(parts.store));
    FailingStore* store = failing.get();
    parts.store = std::move(failing);
    auto node = Node::create(std::move(parts));
    REQUIRE(node.is_ok());
    REQUIRE((*node)->start().is_ok());
    HttpClient http((*node)->rpc_port());
    REQUIRE(http.post("/v1/tx", {{"tx", core::to_hex(anchor_tx(chain.client_key, 1).encode())},
                                 {"wait", true}})
                .status == 200);

    store->fail_commits.store(true);
    const core::Tx tx = anchor_tx(chain.client_key, 2);
    auto r = http.post("/v1/tx",
                       {{"tx", core::to_hex(tx.encode())}, {"wait", true}, {"timeout_ms", 300}});
    CHECK(r.status == 504);
    CHECK(r.json["error"]["code"] == "unavailable");
    CHECK(r.json["error"]["message"] == "not committed within 300 ms; tx is still pending");
    CHECK((*node)->failed());
    CHECK((*node)->failure().message().find("storing block 2") != std::string::npos);
    CHECK((*node)->failure().message().find("disk full (injected)") != std::string::npos);
    CHECK((*node)->height() == 1);
    auto pending = http.get("/v1/tx/" + core::to_hex(tx.tx_id()));
    CHECK(pending.json["status"] == "pending");
    (*node)->stop();
    REQUIRE(init_logging(LogConfig{"warn", ""}).is_ok());
  }
}

// ---- opening from files: genesis, key file, RocksDB ----

struct FileChain {
  std::filesystem::path dir;
  test::TestChain chain;
  NodeConfig config;

  FileChain() {
    dir = std::filesystem::temp_directory_path() /
          ("silk-node-test-" + std::to_string(::getpid()) + "-" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir / "keys");
    std::ofstream(dir / "genesis.json") << chain.genesis.to_json();
    core::KeyFileOptions cheap;
    cheap.opslimit = 1;
    cheap.memlimit = 8192;
    REQUIRE(core::write_key_file((dir / "keys/node.key").string(), chain.node_key, "secret", cheap)
                .is_ok());
    std::ofstream(dir / "keys/node.pass") << "secret\n";
    std::ofstream(dir / "node.json") << R"({"genesis": "genesis.json", "node_key": "keys/node.key",
        "passphrase_file": "keys/node.pass", "rpc": {"port": 0}, "log": {"level": "warn"}})";
    auto c = load_config((dir / "node.json").string());
    REQUIRE_MESSAGE(c.is_ok(), c.status().to_string());
    config = *c;
  }
  ~FileChain() { std::filesystem::remove_all(dir); }
};

TEST_SUITE("node") {
  TEST_CASE(
      "open from files; a second node on the same data_dir is refused; restart keeps the chain") {
    REQUIRE(init_logging(LogConfig{"warn", ""}).is_ok());
    FileChain fc;
    core::Hash id{};
    {
      auto node = Node::open(fc.config);
      REQUIRE_MESSAGE(node.is_ok(), node.status().to_string());
      REQUIRE((*node)->start().is_ok());

      auto second = Node::open(fc.config);
      REQUIRE_FALSE(second.is_ok());
      CHECK(second.status().message().rfind("cannot open data_dir " + fc.config.data_dir, 0) == 0);

      HttpClient http((*node)->rpc_port());
      const core::Tx tx = anchor_tx(fc.chain.client_key, 1, core::SystemClock::instance().now_ms());
      id = tx.tx_id();
      auto r = http.post("/v1/tx", {{"tx", core::to_hex(tx.encode())}, {"wait", true}});
      REQUIRE_MESSAGE(r.status == 200, r.body);
      CHECK(r.json["height"] == 1);
      (*node)->stop();
    }
    {
      auto node = Node::open(fc.config);
      REQUIRE_MESSAGE(node.is_ok(), node.status().to_string());
      REQUIRE((*node)->start().is_ok());
      CHECK((*node)->height() == 1);
      HttpClient http((*node)->rpc_port());
      auto got = http.get("/v1/tx/" + core::to_hex(id));
      REQUIRE(got.status == 200);
      CHECK(got.json["height"] == 1);
      CHECK(got.json["receipt"]["code"] == 0);
    }
  }

  TEST_CASE("a wrong passphrase, a non-validator key, or another chain's data_dir is refused") {
    REQUIRE(init_logging(LogConfig{"warn", ""}).is_ok());
    FileChain fc;
    std::ofstream(fc.dir / "keys/node.pass") << "wrong\n";
    auto wrong = Node::open(fc.config);
    REQUIRE_FALSE(wrong.is_ok());
    CHECK(wrong.status().message().find("node_key") != std::string::npos);

    std::ofstream(fc.dir / "keys/node.pass") << "secret\n";
    {
      auto node = Node::open(fc.config);
      REQUIRE_MESSAGE(node.is_ok(), node.status().to_string());
    }
    // Same data_dir, a different genesis (another chain id).
    test::TestChain other;
    other.genesis.chain_id = "other-chain";
    auto reparsed = core::Genesis::parse(other.genesis.to_json());
    REQUIRE(reparsed.is_ok());
    std::ofstream(fc.dir / "genesis.json", std::ios::trunc) << reparsed->to_json();
    auto mismatch = Node::open(fc.config);
    REQUIRE_FALSE(mismatch.is_ok());
    CHECK(mismatch.status().code() == core::Status::Code::kConflict);

    NodeParts parts = test_parts(fc.chain, nullptr);
    parts.node_key = test::key_from_tag(2);  // a member, not a validator
    auto not_validator = Node::create(std::move(parts));
    REQUIRE_FALSE(not_validator.is_ok());
    CHECK(not_validator.status().message().find("is not a validator of chain 'silk-test'") !=
          std::string::npos);
  }
}

}  // namespace
}  // namespace silk::node
