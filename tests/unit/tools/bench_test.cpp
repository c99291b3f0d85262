// The logic of `silk bench`: percentiles, the open-loop schedule, the
// generated txs. Never its speed.
#include "silk/tools/bench.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "fake_node.h"
#include "silk/contracts/notary.h"
#include "silk/core/tx.h"
#include "test_keys.h"

namespace silk::tools {
namespace {

std::vector<double> one_to(int n) {
  std::vector<double> v;
  for (int i = 1; i <= n; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST_SUITE("bench") {
  TEST_CASE("percentile is nearest-rank") {
    const std::vector<double> v = one_to(100);
    CHECK(percentile(v, 50) == 50);
    CHECK(percentile(v, 90) == 90);
    CHECK(percentile(v, 99) == 99);
    CHECK(percentile(v, 100) == 100);
    CHECK(percentile(v, 0) == 1);
    CHECK(percentile(v, 99.5) == 100);

    const std::vector<double> ten = one_to(10);
    CHECK(percentile(ten, 50) == 5);
    CHECK(percentile(ten, 90) == 9);
    CHECK(percentile(ten, 99) == 10);
    CHECK(percentile(ten, 1) == 1);

    CHECK(percentile({7.5}, 50) == 7.5);
    CHECK(percentile({7.5}, 99) == 7.5);
    CHECK(percentile({}, 50) == 0);
  }

  TEST_CASE("summarize_latencies sorts first") {
    std::vector<double> v = one_to(1000);
    std::reverse(v.begin(), v.end());
    const LatencySummary s = summarize_latencies(v);
    CHECK(s.p50 == 500);
    CHECK(s.p90 == 900);
    CHECK(s.p99 == 990);
    CHECK(s.max == 1000);

    const LatencySummary empty = summarize_latencies({});
    CHECK(empty.p50 == 0);
    CHECK(empty.max == 0);
  }

  TEST_CASE("open-loop batches are due at txs_before / rate") {
    using std::chrono::milliseconds;
    using std::chrono::nanoseconds;
    // 200-tx batches at 1000 txs/s: one batch every 200 ms.
    CHECK(scheduled_offset(0, 1000) == nanoseconds(0));
    CHECK(scheduled_offset(200, 1000) == milliseconds(200));
    CHECK(scheduled_offset(5 * 200, 1000) == milliseconds(1000));
    // A rate that does not divide evenly rounds to the nearest nanosecond.
    CHECK(scheduled_offset(1, 3) == nanoseconds(333333333));
    CHECK(scheduled_offset(2, 3) == nanoseconds(666666667));
    // Large runs stay exact: 10 M txs at 7 txs/s.
    CHECK(scheduled_offset(7'000'000, 7) == std::chrono::seconds(1'000'000));
    // Fractional rates.
    CHECK(scheduled_offset(1, 0.5) == std::chrono::seconds(2));
    CHECK(scheduled_offset(10, 0) == nanoseconds(0));
  }

  TEST_CASE("verify_bound is cores x per-core rate / nodes") {
    CHECK(verify_bound(2, 10000, 1) == doctest::Approx(20000));
    CHECK(verify_bound(8, 9000, 4) == doctest::Approx(18000));
    CHECK(verify_bound(2, 9000, 3) == doctest::Approx(6000));
    CHECK(verify_bound(2, 9000, 0) == 0);
  }

  TEST_CASE("generated txs decode, are signed, distinct anchors") {
    REQUIRE(core::crypto_init().is_ok());
    auto key = core::SecretKey::from_seed(core::Bytes(32, 7));
    REQUIRE(key.is_ok());
    const core::PublicKey pk = key->public_key();
    auto hex = generate_anchor_txs(*key, "bench-chain", 257, 1'700'000'000'000, 3);
    REQUIRE(hex.is_ok());
    REQUIRE(hex->size() == 257);

    std::set<core::Hash> ids;
    std::set<std::string> digests;
    for (const std::string& h : *hex) {
      REQUIRE(!h.empty());
      auto bytes = core::from_hex(h);
      REQUIRE(bytes.is_ok());
      auto tx = core::Tx::decode(*bytes);
      REQUIRE(tx.is_ok());
      CHECK(tx->chain_id == "bench-chain");
      CHECK(tx->timestamp_ms == 1'700'000'000'000);
      CHECK(tx->sender_kind == core::SenderKind::kPublicKey);
      CHECK(tx->sender == pk);
      CHECK(tx->contract == contracts::kNotaryContract);
      CHECK(tx->method == contracts::kNotaryAnchorMethod);
      CHECK(tx->verify_signature(pk));
      auto args = nlohmann::json::parse(tx->args, nullptr, false);
      REQUIRE(args.is_object());
      REQUIRE(args.contains("hash"));
      CHECK(args["hash"].get<std::string>().size() == 64);
      digests.insert(args["hash"].get<std::string>());
      ids.insert(tx->tx_id());
    }
    CHECK(ids.size() == 257);
    CHECK(digests.size() == 257);
  }

  TEST_CASE("a tampered generated tx no longer verifies") {
    REQUIRE(core::crypto_init().is_ok());
    auto key = core::SecretKey::from_seed(core::Bytes(32, 9));
    REQUIRE(key.is_ok());
    auto hex = generate_anchor_txs(*key, "c", 1, 1, 0);
    REQUIRE(hex.is_ok());
    auto tx = core::Tx::decode(*core::from_hex(hex->front()));
    REQUIRE(tx.is_ok());
    tx->nonce ^= 1;
    CHECK_FALSE(tx->verify_signature(key->public_key()));
  }

  TEST_CASE("bench verify reports a bound from the per-core rate") {
    core::ManualClock clock(0);
    CommandContext ctx = testing::make_context("http://127.0.0.1:1", clock);
    BenchVerifyOptions o;
    o.seconds = 0.05;
    o.nodes = 2;
    o.cores = 2;
    auto out = run_bench_verify(ctx, o);
    REQUIRE(out.is_ok());
    const nlohmann::json& j = out->json;
    CHECK(j["cores"] == 2);
    CHECK(j["nodes"] == 2);
    CHECK(j["per_core_verifies_per_s"].get<int64_t>() > 0);
    // bound = 2 cores x per core / 2 nodes = per core (up to rounding).
    CHECK(std::abs(j["verify_bound"].get<int64_t>() -
                   j["per_core_verifies_per_s"].get<int64_t>()) <= 1);

    o.nodes = 0;
    CHECK(run_bench_verify(ctx, o).status().code() == core::Status::Code::kInvalid);
  }

  TEST_CASE("bench verify measures every signature suite") {
    core::ManualClock clock(0);
    CommandContext ctx = testing::make_context("http://127.0.0.1:1", clock);
    for (const char* suite :
         {"ed25519", "ecdsa-p256-sha256", "sm2-sm3", "rsa-pss-sha256", "rsa-pkcs1-sha256"}) {
      CAPTURE(suite);
      BenchVerifyOptions o;
      o.seconds = 0.02;
      o.cores = 1;
      o.suite = suite;
      auto out = run_bench_verify(ctx, o);
      REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
      CHECK(out->json["suite"] == suite);
      CHECK(out->json["per_core_verifies_per_s"].get<int64_t>() > 0);
      CHECK(out->text.rfind(std::string(suite) + " verify (32-byte messages", 0) == 0);
    }
    BenchVerifyOptions o;
    o.seconds = 0.02;
    o.suite = "ecdsa-p384";
    auto bad = run_bench_verify(ctx, o);
    REQUIRE_FALSE(bad.is_ok());
    CHECK(bad.status().code() == core::Status::Code::kInvalid);
    CHECK(bad.status().message().find("unknown signature suite") != std::string::npos);
  }

  TEST_CASE("bench load sends every tx once in batches and counts commits") {
    testing::TempDir dir;
    const std::string key_file = dir.file("k.key");
    testing::make_key_file(key_file, 3, "pw");

    std::mutex mu;
    std::set<std::string> seen;  // guarded by mu
    size_t duplicates = 0;       // guarded by mu
    bool all_wait = true;        // guarded by mu
    testing::FakeNode node([&](const testing::FakeRequest& r) {
      if (r.target == "/v1/chain") return testing::FakeResponse{200, R"({"chain_id":"x"})"};
      if (r.target == "/v1/health") return testing::FakeResponse{200, R"({"status":"ok"})"};
      auto body = nlohmann::json::parse(r.body);
      nlohmann::json results = nlohmann::json::array();
      std::lock_guard<std::mutex> lock(mu);
      size_t i = 0;
      for (const auto& h : body["txs"]) {
        if (!seen.insert(h.get<std::string>()).second) ++duplicates;
        // Every 10th tx of a batch fails its receipt.
        if (i++ % 10 == 9) {
          results.push_back(
              {{"status", "committed"}, {"receipt", {{"code", 3}, {"code_name", "conflict"}}}});
        } else {
          results.push_back({{"status", "committed"}, {"receipt", {{"code", 0}}}});
        }
      }
      if (body["wait"] != true) all_wait = false;
      return testing::FakeResponse{200, nlohmann::json{{"results", results}}.dump()};
    });

    core::ManualClock clock(1'700'000'000'000);
    CommandContext ctx = testing::make_context(node.url(), clock);
    BenchLoadOptions o;
    o.key_file = key_file;
    o.txs = 95;
    o.concurrency = 3;
    o.batch = 20;
    auto out = run_bench_load(ctx, o);
    REQUIRE(out.is_ok());
    const nlohmann::json& j = out->json;
    CHECK(j["txs"] == 95);
    // Batches of 20,20,20,20,15: 2+2+2+2+1 failures.
    CHECK(j["failed"] == 9);
    CHECK(j["committed"] == 86);
    CHECK(j["mode"] == "closed");
    CHECK(j["tx_bytes"].get<size_t>() > 64);
    CHECK(j["latency_ms"]["max"].get<double>() >= j["latency_ms"]["p50"].get<double>());
    CHECK(out->exit_code == 1);
    {
      std::lock_guard<std::mutex> lock(mu);
      CHECK(seen.size() == 95);
      CHECK(duplicates == 0);
      CHECK(all_wait);
    }

    // Open loop at a high rate: same accounting.
    o.rate = 100000;
    o.txs = 40;
    auto open = run_bench_load(ctx, o);
    REQUIRE(open.is_ok());
    CHECK(open->json["mode"] == "open");
    CHECK(open->json["committed"] == 36);

    o.batch = 0;
    CHECK(run_bench_load(ctx, o).status().code() == core::Status::Code::kInvalid);
  }
  TEST_CASE("a failure's cause is counted whole, without the tx ids that differ") {
    const std::string cert =
        "unauthorized: sender kind: with-cert mode expects a certificate fingerprint, got a public "
        "key";
    CHECK(bench_error_kind(cert) == cert);
    CHECK(bench_error_kind("conflict: digest ab already anchored at height 7 tx 00") ==
          "conflict: digest ab already anchored");
    const std::string words(300, 'w');
    const std::string spaced = "invalid: " + std::string(100, 'a') + " " + std::string(100, 'b');
    CHECK(bench_error_kind(spaced) == "invalid: " + std::string(100, 'a') + " ...");
    CHECK(bench_error_kind(words).size() == 164);
  }

  TEST_CASE("base64 is RFC 4648 with padding") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");
  }

  TEST_CASE("etcd request bodies carry base64 keys and values") {
    auto put = nlohmann::json::parse(etcd_put_body("k/1", "foo"));
    CHECK(put == nlohmann::json{{"key", "ay8x"}, {"value", "Zm9v"}});

    auto txn = nlohmann::json::parse(etcd_txn_put_body({"a", "bc"}, "foo"));
    REQUIRE(txn["success"].size() == 2);
    CHECK(txn["success"][0]["requestPut"]["key"] == "YQ==");
    CHECK(txn["success"][1]["requestPut"]["key"] == "YmM=");
    CHECK(txn["success"][1]["requestPut"]["value"] == "Zm9v");
    CHECK_FALSE(txn.contains("compare"));
  }

  TEST_CASE("etcd answers: a header is success, anything else says why") {
    CHECK(etcd_answer_error(200, R"({"header":{"revision":"5"}})").empty());
    CHECK(etcd_answer_error(200, R"({"header":{},"error":"etcdserver: too many requests"})") ==
          "etcd: etcdserver: too many requests");
    CHECK(etcd_answer_error(200, R"({})") == "etcd answered without a header");
    CHECK(etcd_answer_error(200, "not json").find("JSON object") != std::string::npos);
    CHECK(etcd_answer_error(503, R"({"error":"etcdserver: request timed out","code":14})") ==
          "HTTP 503: etcdserver: request timed out");
    CHECK(etcd_answer_error(404, "nope") == "HTTP 404: nope");
  }

  TEST_CASE("bench etcd puts every key once, by put or by txn, and counts failures") {
    std::mutex mu;
    std::set<std::string> keys;   // guarded by mu
    size_t duplicates = 0;        // guarded by mu
    size_t value_size = 0;        // guarded by mu
    std::set<std::string> paths;  // guarded by mu
    size_t requests = 0;          // guarded by mu
    testing::FakeNode etcd([&](const testing::FakeRequest& r) {
      if (r.target == "/health") return testing::FakeResponse{200, R"({"health":"true"})"};
      auto body = nlohmann::json::parse(r.body);
      std::lock_guard<std::mutex> lock(mu);
      paths.insert(r.target);
      std::vector<nlohmann::json> puts;
      if (body.contains("success")) {
        for (const auto& op : body["success"]) puts.push_back(op["requestPut"]);
      } else {
        puts.push_back(body);
      }
      for (const auto& p : puts) {
        if (!keys.insert(p["key"].get<std::string>()).second) ++duplicates;
        value_size = p["value"].get<std::string>().size();
      }
      // Every 4th request fails.
      if (requests++ % 4 == 3) {
        return testing::FakeResponse{503, R"({"error":"etcdserver: request timed out"})"};
      }
      return testing::FakeResponse{200, R"({"header":{"revision":"1"}})"};
    });

    core::ManualClock clock(1'700'000'000'000);
    CommandContext ctx = testing::make_context(etcd.url(), clock);
    BenchEtcdOptions o;
    o.endpoint = etcd.url();
    o.puts = 8;
    o.concurrency = 1;
    o.value_bytes = 30;
    auto single = run_bench_etcd(ctx, o);
    REQUIRE_MESSAGE(single.is_ok(), single.status().message());
    CHECK(single->json["puts"] == 8);
    CHECK(single->json["committed"] == 6);
    CHECK(single->json["failed"] == 2);
    CHECK(single->json["api"] == "kv/put");
    CHECK(single->json["value_bytes"] == 30);
    CHECK(single->exit_code == 1);
    {
      std::lock_guard<std::mutex> lock(mu);
      CHECK(keys.size() == 8);
      CHECK(paths == std::set<std::string>{"/v3/kv/put"});
      CHECK(value_size == 40);  // base64 of 30 bytes
      requests = 0;
      paths.clear();
    }

    o.puts = 50;
    o.batch = 10;
    o.concurrency = 2;
    o.value_bytes = 0;  // a notary tx's size
    auto txn = run_bench_etcd(ctx, o);
    REQUIRE(txn.is_ok());
    CHECK(txn->json["api"] == "kv/txn");
    // 5 requests of 10: the 4th fails.
    CHECK(txn->json["committed"] == 40);
    CHECK(txn->json["value_bytes"].get<size_t>() > 64);
    {
      std::lock_guard<std::mutex> lock(mu);
      CHECK(keys.size() == 58);
      CHECK(duplicates == 0);
      CHECK(paths == std::set<std::string>{"/v3/kv/txn"});
    }

    o.batch = 129;
    CHECK(run_bench_etcd(ctx, o).status().code() == core::Status::Code::kInvalid);
    o.batch = 1;
    o.puts = 0;
    CHECK(run_bench_etcd(ctx, o).status().code() == core::Status::Code::kInvalid);
  }
  TEST_CASE("history page targets cycle through the pages in order") {
    auto t = history_page_targets("documents/type_index", 250, 100, 5);
    REQUIRE(t.size() == 5);
    CHECK(t[0] == "/v1/history?key=documents/type_index&offset=0&limit=100");
    CHECK(t[1] == "/v1/history?key=documents/type_index&offset=100&limit=100");
    CHECK(t[2] == "/v1/history?key=documents/type_index&offset=200&limit=100");
    CHECK(t[3] == t[0]);
    CHECK(t[4] == t[1]);
    CHECK(history_page_targets("a b", 1000, 1000, 2)[1] ==
          "/v1/history?key=a%20b&offset=0&limit=1000");
    CHECK(history_page_targets("k", 0, 100, 5).empty());
    CHECK(history_page_targets("k", 10, 0, 5).empty());
    CHECK(history_page_targets("k", 10, 10, 0).empty());
  }
}

}  // namespace silk::tools
