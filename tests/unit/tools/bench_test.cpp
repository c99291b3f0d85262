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
}

}  // namespace silk::tools
