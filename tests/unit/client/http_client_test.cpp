#include "silk/client/http_client.h"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "fakes/fake_node.h"
#include "silk/client/node_client.h"

using namespace silk::client;
using silk::core::Status;
using silk::fakes::closed_port;
using silk::fakes::FakeNode;
using silk::fakes::FakeRequest;
using silk::fakes::FakeResponse;

namespace {
Url local_url(uint16_t port) {
  auto u = parse_url("http://127.0.0.1:" + std::to_string(port));
  REQUIRE(u.is_ok());
  return *u;
}
constexpr std::chrono::milliseconds kTimeout{5000};
}  // namespace

TEST_SUITE("http_client") {
  TEST_CASE("URLs parse into host, port and base path") {
    auto u = parse_url("http://127.0.0.1:8645");
    REQUIRE(u.is_ok());
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == 8645);
    CHECK(u->base_path == "");
    CHECK(u->to_string() == "http://127.0.0.1:8645");

    u = parse_url("HTTP://node.example:9/api/");
    REQUIRE(u.is_ok());
    CHECK(u->host == "node.example");
    CHECK(u->port == 9);
    CHECK(u->base_path == "/api");
    CHECK(u->to_string() == "http://node.example:9/api");

    u = parse_url("localhost:8645");
    REQUIRE(u.is_ok());
    CHECK(u->host == "localhost");
    CHECK(u->port == 8645);

    u = parse_url("http://localhost");
    REQUIRE(u.is_ok());
    CHECK(u->port == 80);

    u = parse_url("http://[::1]:8645/");
    REQUIRE(u.is_ok());
    CHECK(u->host == "::1");
    CHECK(u->host_header() == "[::1]:8645");
    CHECK(u->to_string() == "http://[::1]:8645");
  }

  TEST_CASE("https URLs: port 443 by default, the scheme kept") {
    auto u = parse_url("https://127.0.0.1");
    REQUIRE(u.is_ok());
    CHECK(u->https);
    CHECK(u->port == 443);
    CHECK(u->to_string() == "https://127.0.0.1:443");
    auto v = parse_url("HTTPS://node.example:8645/base/");
    REQUIRE(v.is_ok());
    CHECK(v->https);
    CHECK(v->to_string() == "https://node.example:8645/base");
    CHECK_FALSE(parse_url("http://h:1")->https);
  }

  TEST_CASE("bad URLs are refused with the reason") {
    auto reason = [](const char* text) {
      auto u = parse_url(text);
      REQUIRE_FALSE(u.is_ok());
      CHECK(u.status().code() == Status::Code::kInvalid);
      return u.status().message();
    };
    CHECK(reason("wss://127.0.0.1:8645") ==
          "bad node URL \"wss://127.0.0.1:8645\": unsupported scheme wss (http:// or https://)");
    CHECK(reason("ftp://x").find("unsupported scheme ftp") != std::string::npos);
    CHECK(reason("http://:8645").find("no host") != std::string::npos);
    CHECK(reason("http://").find("no host") != std::string::npos);
    CHECK(reason("http://h:0").find("port out of range") != std::string::npos);
    CHECK(reason("http://h:65536").find("port out of range") != std::string::npos);
    CHECK(reason("http://h:12a").find("port is not a number") != std::string::npos);
    CHECK(reason("http://h:").find("empty port") != std::string::npos);
    CHECK(reason("http://u@h:1").find("user info") != std::string::npos);
    CHECK(reason("http://h:1/?q=1").find("query") != std::string::npos);
    CHECK(reason("http://[::1:80").find("unterminated") != std::string::npos);
    CHECK(reason("http://h st:1").find("bad character") != std::string::npos);
  }

  TEST_CASE("query values are percent-encoded") {
    CHECK(url_encode_query("notary/abc-_.~") == "notary/abc-_.~");
    CHECK(url_encode_query("a b&c=d") == "a%20b%26c%3Dd");
    CHECK(url_encode_query("\xff") == "%FF");
  }

  TEST_CASE("a refused connection names the node") {
    const uint16_t port = closed_port();
    HttpClient client(local_url(port));
    auto res = client.request("GET", "/v1/chain", "", kTimeout);
    REQUIRE_FALSE(res.is_ok());
    CHECK(res.status().code() == Status::Code::kUnavailable);
    CHECK(res.status().message() ==
          "cannot reach node at http://127.0.0.1:" + std::to_string(port) + ": Connection refused");
  }

  TEST_CASE("one connection serves repeated calls") {
    FakeNode node([](const FakeRequest& r) {
      return FakeResponse{200, "{\"echo\":\"" + r.method + " " + r.target + "\"}"};
    });
    HttpClient client(local_url(node.port()));
    for (int i = 0; i < 3; ++i) {
      auto res = client.request("GET", "/v1/chain", "", kTimeout);
      REQUIRE_MESSAGE(res.is_ok(), res.status().to_string());
      CHECK(res->status == 200);
      CHECK(res->body == "{\"echo\":\"GET /v1/chain\"}");
    }
    auto post = client.request("POST", "/v1/tx", "{\"tx\":\"00\"}", kTimeout);
    REQUIRE(post.is_ok());
    CHECK(node.connections() == 1);
    auto reqs = node.requests();
    REQUIRE(reqs.size() == 4);
    CHECK(reqs[3].method == "POST");
    CHECK(reqs[3].body == "{\"tx\":\"00\"}");
  }

  TEST_CASE("a connection the node closed is replaced") {
    FakeNode node([](const FakeRequest&) { return FakeResponse{200, "{}", /*close=*/true}; });
    HttpClient client(local_url(node.port()));
    for (int i = 0; i < 3; ++i) {
      auto res = client.request("GET", "/v1/health", "", kTimeout);
      REQUIRE_MESSAGE(res.is_ok(), res.status().to_string());
    }
    CHECK(node.connections() == 3);
  }

  TEST_CASE("a base path prefixes every target") {
    FakeNode node([](const FakeRequest&) { return FakeResponse{}; });
    auto url = parse_url(node.url() + "/silk/");
    REQUIRE(url.is_ok());
    HttpClient client(*url);
    REQUIRE(client.request("GET", "/v1/chain", "", kTimeout).is_ok());
    REQUIRE(node.requests().size() == 1);
    CHECK(node.requests()[0].target == "/silk/v1/chain");
  }

  TEST_CASE("a node that does not answer in time is a timeout") {
    FakeNode node([](const FakeRequest&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      return FakeResponse{};
    });
    HttpClient client(local_url(node.port()));
    auto res = client.request("GET", "/v1/chain", "", std::chrono::milliseconds(100));
    REQUIRE_FALSE(res.is_ok());
    CHECK(res.status().code() == Status::Code::kUnavailable);
    CHECK(res.status().message() == "node at " + node.url() + ": no answer within 100 ms");
  }
}

TEST_SUITE("node_client") {
  TEST_CASE("2xx answers are parsed JSON") {
    FakeNode node([](const FakeRequest&) { return FakeResponse{200, "{\"height\": 7}"}; });
    NodeClient client(local_url(node.port()));
    auto res = client.get("/v1/chain");
    REQUIRE(res.is_ok());
    CHECK((*res)["height"] == 7);
    auto posted = client.post("/v1/tx", {{"tx", "ab"}});
    REQUIRE(posted.is_ok());
    CHECK(node.requests()[1].body == "{\"tx\":\"ab\"}");
  }

  TEST_CASE("node errors become a Status with the node's code and message") {
    FakeNode node([](const FakeRequest& r) {
      if (r.target == "/v1/tx/x") {
        return FakeResponse{404, R"({"error": {"code": "not_found", "message": "unknown tx x"}})"};
      }
      if (r.target == "/v1/tx") {
        return FakeResponse{409,
                            R"({"error": {"code": "conflict", "message": "tx already on chain"}})"};
      }
      if (r.target == "/plain") return FakeResponse{502, "Bad Gateway\nmore"};
      return FakeResponse{200, "not json"};
    });
    NodeClient client(local_url(node.port()));
    auto a = client.get("/v1/tx/x");
    CHECK(a.status().code() == Status::Code::kNotFound);
    CHECK(a.status().message() == "node answered 404 not_found: unknown tx x");
    auto b = client.post("/v1/tx", nlohmann::json::object());
    CHECK(b.status().code() == Status::Code::kConflict);
    CHECK(b.status().message() == "node answered 409 conflict: tx already on chain");
    auto c = client.get("/plain");
    CHECK(c.status().code() == Status::Code::kInternal);
    CHECK(c.status().message() == "node answered 502: Bad Gateway");
    auto d = client.get("/other");
    CHECK(d.status().code() == Status::Code::kInvalid);
    CHECK(d.status().message().find("not JSON") != std::string::npos);
  }

  TEST_CASE("error names map to status codes") {
    CHECK(status_code_from_name("unauthorized", 403) == Status::Code::kUnauthorized);
    CHECK(status_code_from_name("exhausted", 503) == Status::Code::kExhausted);
    CHECK(status_code_from_name("unavailable", 504) == Status::Code::kUnavailable);
    CHECK(status_code_from_name("", 404) == Status::Code::kNotFound);
    CHECK(status_code_from_name("", 400) == Status::Code::kInvalid);
    CHECK(status_code_from_name("", 500) == Status::Code::kInternal);
  }
}
