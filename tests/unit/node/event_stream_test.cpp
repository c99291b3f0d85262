// GET /v1/events and /explorer/ against an in-process node (memory store,
// real driver and RPC server on 127.0.0.1 port 0), with a Beast WebSocket client.
#include "silk/node/event_stream.h"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "silk/node/log.h"
#include "silk/node/node.h"
#include "silk/node/rpc_server.h"
#include "silk/storage/store.h"
#include "unit/node/node_test_support.h"

namespace silk::node {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using nlohmann::json;
using test::anchor_tx;
using test::HttpClient;
using test::kNow;

struct StreamNode {
  test::TestChain chain;
  core::ManualClock clock{kNow};
  std::unique_ptr<Node> node;

  StreamNode() {
    REQUIRE(init_logging(LogConfig{"warn", ""}).is_ok());
    NodeParts parts;
    parts.config.rpc.port = 0;
    parts.config.mempool.verify_threads = 1;
    parts.genesis = chain.genesis;
    parts.node_key = test::key_from_tag(1);
    parts.store = storage::make_memory_store();
    parts.clock = &clock;
    auto created = Node::create(std::move(parts));
    REQUIRE_MESSAGE(created.is_ok(), created.status().to_string());
    node = std::move(created).value();
    REQUIRE(node->start().is_ok());
  }

  // Submits an anchor and waits for its commit; returns its height.
  uint64_t anchor(uint64_t nonce) {
    HttpClient http(node->rpc_port());
    const core::Tx tx = anchor_tx(chain.client_key, nonce);
    auto r = http.post("/v1/tx", {{"tx", core::to_hex(tx.encode())}, {"wait", true}});
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.json["height"].get<uint64_t>();
  }
};

// A WebSocket client whose reads give up after a timeout.
class WsClient {
 public:
  WsClient(uint16_t port, const std::string& target) : ws_(ioc_) {
    ws_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    // Asynchronous: Boost 1.74's synchronous handshake drops the refusal's response.
    ws_.async_handshake(response_, "127.0.0.1:" + std::to_string(port), target,
                        [this](beast::error_code ec) { handshake_error_ = ec; });
    ioc_.run_for(5000ms);
  }
  const beast::error_code& handshake_error() const { return handshake_error_; }
  const websocket::response_type& response() const { return response_; }

  // The next message, or nullopt on close/timeout (then closed() says which).
  std::optional<json> next(std::chrono::milliseconds timeout = 5000ms) {
    std::optional<json> out;
    bool done = false;
    buffer_.consume(buffer_.size());
    ws_.async_read(buffer_, [&](beast::error_code ec, size_t) {
      done = true;
      if (ec) {
        closed_ = ec == websocket::error::closed;
        error_ = ec;
        return;
      }
      out = json::parse(beast::buffers_to_string(buffer_.data()));
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      timed_out_ = true;
      beast::error_code ignored;
      ws_.next_layer().cancel(ignored);
      ioc_.restart();
      ioc_.run_for(1000ms);
    }
    return out;
  }
  bool closed() const { return closed_; }
  bool timed_out() const { return timed_out_; }
  websocket::close_reason reason() const { return ws_.reason(); }

 private:
  asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
  websocket::response_type response_;
  beast::error_code handshake_error_;
  beast::flat_buffer buffer_;
  bool closed_ = false;
  bool timed_out_ = false;
  beast::error_code error_;
};

// Reads messages until a block message above `height` is seen or the stream stops;
// returns every message read.
std::vector<json> read_through(WsClient& ws, uint64_t height) {
  std::vector<json> got;
  while (true) {
    std::optional<json> m = ws.next();
    if (!m) break;
    got.push_back(*m);
    if ((*m)["type"] == "block" && (*m)["height"].get<uint64_t>() >= height) {
      // The block's own txs and events follow it.
      const uint64_t n = (*m)["tx_count"].get<uint64_t>();
      for (uint64_t i = 0; i < n * 2; ++i) {
        std::optional<json> more = ws.next();
        if (!more) break;
        got.push_back(*more);
      }
      break;
    }
  }
  return got;
}

std::vector<uint64_t> block_heights(const std::vector<json>& msgs) {
  std::vector<uint64_t> out;
  for (const json& m : msgs) {
    if (m["type"] == "block") out.push_back(m["height"].get<uint64_t>());
  }
  return out;
}

TEST_SUITE("event_stream") {
  TEST_CASE("replay from a height, then live blocks, without gap or duplicate") {
    StreamNode n;
    const uint64_t h1 = n.anchor(1);
    const uint64_t h2 = n.anchor(2);
    REQUIRE(h2 > h1);

    WsClient ws(n.node->rpc_port(), "/v1/events?from_height=" + std::to_string(h1));
    REQUIRE_MESSAGE(!ws.handshake_error(), ws.handshake_error().message());
    std::vector<json> got = read_through(ws, h2);
    REQUIRE(!got.empty());
    CHECK(got[0]["type"] == "block");
    CHECK(got[0]["height"] == h1);
    CHECK(got[1]["type"] == "tx");
    CHECK(got[1]["contract"] == "notary");
    CHECK(got[1]["method"] == "anchor");
    CHECK(got[1]["ok"] == true);
    CHECK(got[2]["type"] == "event");
    CHECK(got[2]["contract"] == "notary");
    CHECK(got[2]["tx_id"] == got[1]["tx_id"]);

    // Live: two more blocks arrive on the same connection, in order.
    const uint64_t h3 = n.anchor(3);
    const uint64_t h4 = n.anchor(4);
    std::vector<json> live = read_through(ws, h4);
    got.insert(got.end(), live.begin(), live.end());
    std::vector<uint64_t> heights = block_heights(got);
    REQUIRE(heights.size() == h4 - h1 + 1);
    for (size_t i = 0; i < heights.size(); ++i) CHECK(heights[i] == h1 + i);
    CHECK(h3 < h4);
  }

  TEST_CASE("live only, filters, to_height, and refusals over HTTP") {
    StreamNode n;
    const uint64_t h1 = n.anchor(1);
    // The commit wait answers before the block reaches the hub: let it get there, so that
    // "live only" means from the next block.
    for (int i = 0; i < 500 && n.node->events().published_height() < h1; ++i) {
      std::this_thread::sleep_for(2ms);
    }
    REQUIRE(n.node->events().published_height() == h1);

    WsClient live(n.node->rpc_port(), "/v1/events?types=event&contract=notary");
    REQUIRE(!live.handshake_error());
    const uint64_t h2 = n.anchor(2);
    std::optional<json> m = live.next();
    REQUIRE(m);
    CHECK((*m)["type"] == "event");
    CHECK((*m)["height"] == h2);  // nothing from before it connected

    WsClient bounded(n.node->rpc_port(),
                     "/v1/events?from_height=0&to_height=" + std::to_string(h1) + "&types=block");
    REQUIRE(!bounded.handshake_error());
    std::vector<uint64_t> heights;
    while (auto b = bounded.next()) heights.push_back((*b)["height"].get<uint64_t>());
    CHECK(bounded.closed());
    CHECK(bounded.reason().code == websocket::close_code::normal);
    REQUIRE(heights.size() == h1 + 1);
    CHECK(heights.back() == h1);

    WsClient bad(n.node->rpc_port(), "/v1/events?from_height=x");
    CHECK(bad.handshake_error());
    CHECK(bad.response().result_int() == 400);
    WsClient wrong(n.node->rpc_port(), "/v1/nope");
    CHECK(wrong.response().result_int() == 404);

    HttpClient http(n.node->rpc_port());
    auto plain = http.get("/v1/events");
    CHECK(plain.status == 426);
    CHECK(plain.json["error"]["message"].get<std::string>().find("WebSocket") != std::string::npos);
    CHECK(http.get("/v1/health").status == 200);  // ordinary requests still served

    // RFC 6455 §4.2.1, answered in JSON (Beast's own refusals would be plain text).
    const std::string upgrade =
        "GET /v1/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    HttpClient no_key(n.node->rpc_port());
    auto missing = no_key.raw(upgrade + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: \r\n\r\n");
    CHECK(missing.status == 400);
    CHECK(missing.json["error"]["message"] == "the WebSocket handshake has no Sec-WebSocket-Key");
    HttpClient short_key(n.node->rpc_port());
    auto bad_key = short_key.raw(upgrade +
                                 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: abc=\r\n\r\n");
    CHECK(bad_key.status == 400);
    CHECK(bad_key.json["error"]["message"] ==
          "Sec-WebSocket-Key is not the base64 of 16 bytes (RFC 6455 §4.2.1)");
    HttpClient old_version(n.node->rpc_port());
    auto v8 = old_version.raw(
        upgrade + "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    CHECK(v8.status == 426);
    CHECK(v8.json["error"]["message"] ==
          "Sec-WebSocket-Version is '8': this node speaks 13 (RFC 6455)");
  }

  TEST_CASE("stop closes open streams promptly with 1001") {
    StreamNode n;
    n.anchor(1);
    WsClient ws(n.node->rpc_port(), "/v1/events?from_height=0");
    REQUIRE(!ws.handshake_error());
    REQUIRE(ws.next());
    std::thread reader([&] {
      while (ws.next(10000ms)) {
      }
    });
    std::this_thread::sleep_for(50ms);
    const auto t0 = std::chrono::steady_clock::now();
    n.node->stop();
    const auto took = std::chrono::steady_clock::now() - t0;
    reader.join();
    CHECK(took < 3000ms);
    CHECK(ws.closed());
    CHECK_FALSE(ws.timed_out());
    CHECK(ws.reason().code == websocket::close_code::going_away);
    CHECK(n.node->events().subscriber_count() == 0);
  }

  TEST_CASE("a consumer that stops reading is dropped with the height to resume from") {
    // A hub with a small queue behind a bare RpcServer; blocks are published by hand.
    struct NoRoutes final : RequestHandler {
      void handle(HttpRequest, boost::asio::any_io_executor, Responder respond) override {
        respond(HttpResponse{404, "{}", "", "", {}});
      }
    } no_routes;
    EventHub hub(0, 16 * 1024);
    auto store = storage::make_memory_store();
    RpcConfig config;
    config.port = 0;
    RpcServer server(config, no_routes);
    server.set_upgrade_handler([&](tcp::socket socket, http::request<http::string_body> req,
                                   std::shared_ptr<void>) {
      serve_event_stream(std::move(socket), std::move(req), hub, *store);
    });
    REQUIRE(server.start().is_ok());

    WsClient ws(server.port(), "/v1/events");
    REQUIRE(!ws.handshake_error());
    for (int i = 0; i < 500 && hub.subscriber_count() == 0; ++i) std::this_thread::sleep_for(2ms);
    REQUIRE(hub.subscriber_count() == 1);

    // 4 KiB of event data a block; the client reads nothing while 4000 blocks go out.
    const test::TestChain chain;
    const core::Tx tx = anchor_tx(chain.client_key, 1);
    core::Receipt receipt;
    receipt.tx_id = tx.tx_id();
    receipt.events.push_back({"notary", "anchored", json{{"pad", std::string(4096, 'x')}}.dump()});
    uint64_t published = 0;
    for (uint64_t h = 1; h <= 4000 && hub.subscriber_count() == 1; ++h) {
      core::Block b;
      b.header.height = h;
      b.header.tx_count = 1;
      b.txs.push_back(tx);
      hub.publish(b, {receipt});
      published = h;
      if (h % 100 == 0) std::this_thread::sleep_for(1ms);
    }

    // Now it reads: whole blocks 1..N-1 in order, then the error naming N, then close 1013.
    uint64_t expect = 1;
    std::optional<json> error;
    while (auto m = ws.next()) {
      if ((*m)["type"] == "error") {
        error = *m;
        continue;
      }
      if ((*m)["type"] == "block") {
        REQUIRE((*m)["height"] == expect);
        ++expect;
      }
    }
    REQUIRE_MESSAGE(error, "no overflow after " << published << " blocks");
    CHECK((*error)["resume_height"] == expect);
    CHECK((*error)["message"].get<std::string>().find("resume from height " +
                                                      std::to_string(expect)) != std::string::npos);
    CHECK(ws.closed());
    CHECK(ws.reason().code == websocket::close_code::try_again_later);
    CHECK(expect < published);
    server.stop();
  }

  TEST_CASE("the explorer is served from the binary with a content security policy") {
    StreamNode n;
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), n.node->rpc_port()));
    auto get = [&](const std::string& target) {
      http::request<http::string_body> req{http::verb::get, target, 11};
      req.set(http::field::host, "127.0.0.1");
      http::write(s, req);
      beast::flat_buffer buf;
      http::response<http::string_body> res;
      http::read(s, buf, res);
      return res;
    };
    auto index = get("/explorer/");
    CHECK(index.result_int() == 200);
    CHECK(std::string(index[http::field::content_type]).find("text/html") == 0);
    const std::string csp(index["Content-Security-Policy"]);
    CHECK(csp.find("default-src 'self'") != std::string::npos);
    CHECK(csp.find("connect-src 'self' ws: wss:") != std::string::npos);
    CHECK(index.body().find("/explorer/app.js") != std::string::npos);
    auto js = get("/explorer/app.js");
    CHECK(js.result_int() == 200);
    CHECK(std::string(js[http::field::content_type]).find("text/javascript") == 0);
    CHECK(js.body().find("innerHTML") == std::string::npos);
    CHECK(get("/explorer/style.css").result_int() == 200);
    CHECK(get("/explorer/missing.js").result_int() == 404);
    CHECK(get("/explorer/../v1/chain").result_int() == 404);
  }
}

}  // namespace
}  // namespace silk::node
