#include "silk/node/public_gate.h"

#include <doctest/doctest.h>

#include "silk/node/config.h"
#include "silk/node/rpc_api.h"

namespace silk::node {
namespace {

namespace http = boost::beast::http;

HttpRequest req(http::verb method, std::string target, std::string body = "") {
  HttpRequest r;
  r.method = method;
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

TEST_SUITE("public gate") {
  TEST_CASE("passes what a verifier needs") {
    CHECK(PublicGate::allowed(req(http::verb::get, "/")));
    CHECK(PublicGate::allowed(req(http::verb::get, "/explorer/")));
    CHECK(PublicGate::allowed(req(http::verb::get, "/explorer/app.js")));
    CHECK(PublicGate::allowed(req(http::verb::get, "/v1/health")));
    CHECK(PublicGate::allowed(req(http::verb::get, "/v1/config")));
    CHECK(PublicGate::allowed(req(http::verb::post, "/v1/verify", R"({"doc_id":"x"})")));
    CHECK(PublicGate::allowed(req(http::verb::post, "/v1/query",
                                  R"({"contract":"documents","method":"document","args":{}})")));
    CHECK(PublicGate::allowed(req(http::verb::get, "/v1/state?key=notary/ab12")));
    CHECK(PublicGate::allowed(req(http::verb::get, "/v1/state?key=documents%2Fhash%2Fab")));
    CHECK(PublicGate::allowed(req(http::verb::get, "/v1/docs/CO-1/qr.svg?as=SG")));
  }

  TEST_CASE("refuses browsing, other queries and submitting") {
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/block/1")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/block/latest")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/tx/ab")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/txs?contract=notary")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/chain")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/history?key=notary/ab")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/events")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/metrics")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::post, "/v1/tx", R"({"tx":"00"})")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::post, "/v1/txs", R"({"txs":[]})")));
    // State keys other than lookups by a file's hash, and a second parameter.
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/state?key=identity/crl/org1/01")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/state?key=ebl/title/x")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/state?key=notary/ab&at=3")));
    // Queries other than documents.document, and bodies that are not one.
    CHECK_FALSE(PublicGate::allowed(
        req(http::verb::post, "/v1/query", R"({"contract":"documents","method":"history"})")));
    CHECK_FALSE(PublicGate::allowed(
        req(http::verb::post, "/v1/query", R"({"contract":"identity","method":"status"})")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::post, "/v1/query", "not json")));
    // The right path with the wrong method.
    CHECK_FALSE(PublicGate::allowed(req(http::verb::post, "/v1/docs/x/qr.svg")));
    CHECK_FALSE(PublicGate::allowed(req(http::verb::get, "/v1/verify")));
  }
}

TEST_SUITE("link base") {
  TEST_CASE("verification links land on the public listener when there is one") {
    LinkBase none{false, 0, ""};
    CHECK(none.for_host("127.0.0.1:8645", false) == "http://127.0.0.1:8645");
    LinkBase tls{true, 0, ""};
    CHECK(tls.for_host("127.0.0.1:8645", false) == "https://127.0.0.1:8645");
    LinkBase pub{true, 8745, ""};
    CHECK(pub.for_host("127.0.0.1:8645", false) == "https://127.0.0.1:8745");
    CHECK(pub.for_host("[::1]:8645", false) == "https://[::1]:8745");
    CHECK(pub.for_host("node.example", false) == "https://node.example:8745");
    CHECK(pub.for_host("127.0.0.1:8745", true) == "https://127.0.0.1:8745");
    LinkBase named{true, 8745, "https://verify.example.org"};
    CHECK(named.for_host("127.0.0.1:8645", false) == "https://verify.example.org");
  }
}

TEST_SUITE("config") {
  TEST_CASE("rpc.tls, its limits and the public listener") {
    auto plain = parse_config(R"({"genesis": "g", "node_key": "k",
      "rpc": {"listen": "0.0.0.0"}})", "/n");
    REQUIRE_FALSE(plain.is_ok());
    CHECK(plain.status().message().find("not a loopback address") != std::string::npos);
    auto tls = parse_config(R"({"genesis": "g", "node_key": "k",
      "rpc": {"listen": "0.0.0.0", "tls": true, "rate_limit": 5, "idle_timeout_ms": 500,
              "header_timeout_ms": 300},
      "public": {"port": 9000, "cert": "p.pem", "key": "p.key", "url": "https://v.example/"}})",
                            "/n");
    REQUIRE(tls.is_ok());
    CHECK(tls->rpc.tls);
    CHECK(tls->rpc.rate_limit == 5);
    CHECK(tls->rpc.idle_timeout_ms == 500);
    CHECK(tls->rpc.header_timeout_ms == 300);
    CHECK(tls->public_rpc.enabled);
    CHECK(tls->public_rpc.cert == "/n/p.pem");
    CHECK(tls->public_rpc.url == "https://v.example");
    auto no_cert = parse_config(R"({"genesis": "g", "node_key": "k", "public": {"port": 9000}})",
                                "/n");
    REQUIRE_FALSE(no_cert.is_ok());
    CHECK(no_cert.status().message().find("public.cert") != std::string::npos);
    auto bad_url = parse_config(R"({"genesis": "g", "node_key": "k",
      "public": {"cert": "a", "key": "b", "url": "http://x"}})", "/n");
    CHECK_FALSE(bad_url.is_ok());
    auto key_alone = parse_config(R"({"genesis": "g", "node_key": "k",
      "rpc": {"tls": true, "tls_key": "k.pem"}})", "/n");
    CHECK_FALSE(key_alone.is_ok());
  }
}

}  // namespace
}  // namespace silk::node
