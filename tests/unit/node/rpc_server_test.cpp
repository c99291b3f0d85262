// RpcServer's connection budget (node/rpc_server.h) and the descriptor plan it comes from
// (node/descriptors.h).
#include "silk/node/rpc_server.h"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "silk/node/descriptors.h"
#include "support/eventually.h"

namespace silk::node {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct Ok final : RequestHandler {
  void handle(HttpRequest, asio::any_io_executor, Responder respond) override {
    respond(HttpResponse{200, R"({"ok":true})", "", "", {}});
  }
};

tcp::socket connect_to(asio::io_context& ioc, uint16_t port) {
  tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  return s;
}

// Sends a GET and reads until the server closes or the response's body is there.
std::string get(tcp::socket& s) {
  const std::string req = "GET /v1/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  boost::system::error_code ec;
  asio::write(s, asio::buffer(req), ec);
  std::string out;
  char buf[4096];
  for (;;) {
    const size_t n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

using test::eventually;

TEST_SUITE("rpc server") {
  TEST_CASE("past max_connections a connection gets a JSON 503 naming the limit; a freed one serves") {
    Ok ok;
    RpcConfig config;
    config.port = 0;
    config.max_connections = 4;
    RpcServer server(config, ok);
    REQUIRE(server.start().is_ok());

    asio::io_context ioc;
    std::vector<tcp::socket> idle;
    for (int i = 0; i < 4; ++i) idle.push_back(connect_to(ioc, server.port()));
    REQUIRE(eventually([&] { return server.connections() == 4; }));

    tcp::socket extra = connect_to(ioc, server.port());
    const std::string refused = get(extra);
    CHECK(refused.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(refused.find("application/json") != std::string::npos);
    CHECK(refused.find("too many connections: this node serves 4 at once") != std::string::npos);
    CHECK(server.connections_refused() == 1);
    CHECK(server.connections() == 4);

    idle.pop_back();  // closed: its slot frees once the server sees the close
    REQUIRE(eventually([&] { return server.connections() == 3; }));
    tcp::socket next = connect_to(ioc, server.port());
    const std::string served = get(next);
    CHECK(served.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(served.find(R"({"ok":true})") != std::string::npos);
  }

  TEST_CASE("an upgraded connection keeps its slot while its handler holds it") {
    Ok ok;
    RpcConfig config;
    config.port = 0;
    config.max_connections = 2;
    RpcServer server(config, ok);
    std::mutex mu;
    std::vector<std::pair<tcp::socket, std::shared_ptr<void>>> held;
    server.set_upgrade_handler([&](tcp::socket socket, auto, std::shared_ptr<void> slot) {
      std::lock_guard lock(mu);
      held.emplace_back(std::move(socket), std::move(slot));
    });
    REQUIRE(server.start().is_ok());

    asio::io_context ioc;
    tcp::socket ws = connect_to(ioc, server.port());
    const std::string upgrade =
        "GET /v1/events HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    asio::write(ws, asio::buffer(upgrade));
    REQUIRE(eventually([&] {
      std::lock_guard lock(mu);
      return held.size() == 1;
    }));
    CHECK(server.connections() == 1);
    tcp::socket second = connect_to(ioc, server.port());
    REQUIRE(eventually([&] { return server.connections() == 2; }));
    tcp::socket third = connect_to(ioc, server.port());
    CHECK(get(third).rfind("HTTP/1.1 503", 0) == 0);
    {
      std::lock_guard lock(mu);
      held.clear();  // the stream ends: its slot is free
    }
    CHECK(eventually([&] { return server.connections() == 1; }));
    server.stop(0ms);
  }
}

TEST_SUITE("descriptor plan") {
  TEST_CASE("the store and a reserve come first; the RPC gets the rest, up to its maximum") {
    auto plan = plan_descriptors(1024, 1024, 78);
    REQUIRE(plan.is_ok());
    CHECK(plan->store_files == 256);
    CHECK(plan->reserved == 64);
    CHECK(plan->p2p == 78);
    CHECK(plan->rpc_connections == 1024 - 256 - 64 - 78);

    plan = plan_descriptors(1u << 20, 1024, 78);  // a generous limit: the configured maximum
    REQUIRE(plan.is_ok());
    CHECK(plan->store_files == 512);
    CHECK(plan->rpc_connections == 1024);

    plan = plan_descriptors(256, 1024, 0);  // small: RocksDB is not starved below 64
    REQUIRE(plan.is_ok());
    CHECK(plan->store_files == 64);
    CHECK(plan->rpc_connections == 256 - 64 - 64);
  }

  TEST_CASE("a limit too small for the node is refused, naming what it needs") {
    auto plan = plan_descriptors(160, 1024, 78);
    REQUIRE_FALSE(plan.is_ok());
    CHECK(plan.status().message().find("the descriptor limit (RLIMIT_NOFILE) is 160") !=
          std::string::npos);
    CHECK(plan.status().message().find("ulimit -n") != std::string::npos);
  }
}

}  // namespace
}  // namespace silk::node
