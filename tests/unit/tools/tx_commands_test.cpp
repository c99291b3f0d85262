#include "silk/tools/tx_commands.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_node.h"
#include "silk/tools/tx_file.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
using silk::core::ManualClock;
using silk::core::Status;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

TxBuildOptions build_options(const TempDir& dir) {
  TxBuildOptions o;
  o.key_file = dir.file("alice.key");
  o.contract = "notary";
  o.method = "anchor";
  o.args = {{"hash", std::string(64, 'a')}, {"meta", {{"n", 1}}}};
  o.chain_id = "silk-test";
  o.nonce = 42;
  o.timestamp_ms = 1'700'000'000'000;
  o.out = dir.file("unsigned.json");
  return o;
}

}  // namespace

TEST_SUITE("tx_commands") {
  TEST_CASE("build writes an unsigned tx file with the given fields, offline") {
    TempDir dir;
    auto alice = make_key_file(dir.file("alice.key"), 1, "alice-pw");
    ManualClock clock(5);
    // An unreachable node: build with --chain-id must not contact it.
    auto ctx =
        make_context("http://127.0.0.1:" + std::to_string(closed_port()), clock, std::nullopt);
    auto out = run_tx_build(ctx, build_options(dir));
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    CHECK(out->exit_code == 0);

    auto file = read_tx_file(dir.file("unsigned.json"));
    REQUIRE_MESSAGE(file.is_ok(), file.status().to_string());
    CHECK_FALSE(file->is_signed);
    const silk::core::Tx& tx = file->tx;
    CHECK(tx.chain_id == "silk-test");
    CHECK(tx.nonce == 42);
    CHECK(tx.timestamp_ms == 1'700'000'000'000);
    CHECK(tx.sender_kind == silk::core::SenderKind::kPublicKey);
    CHECK(tx.sender == alice);
    CHECK(tx.contract == "notary");
    CHECK(tx.method == "anchor");
    CHECK(json::parse(tx.args) == json{{"hash", std::string(64, 'a')}, {"meta", {{"n", 1}}}});
    CHECK_FALSE(tx_signature_valid(tx));

    json doc = json::parse(read_text(dir.file("unsigned.json")));
    CHECK(doc["signed"] == false);
    CHECK(doc["tx_id"] == silk::core::to_hex(tx.tx_id()));
    CHECK(doc["tx"] == silk::core::to_hex(tx.encode()));
    CHECK(doc["summary"]["chain_id"] == "silk-test");
    CHECK(doc["summary"]["sender"] == silk::core::to_hex(alice));
    CHECK(doc["summary"]["args"]["meta"]["n"] == 1);
    CHECK(doc["summary"]["timestamp_ms"] == 1'700'000'000'000);
    CHECK(out->json["tx_id"] == doc["tx_id"]);
  }

  TEST_CASE("nonce and timestamp default to random and now") {
    TempDir dir;
    make_key_file(dir.file("alice.key"), 1, "pw");
    ManualClock clock(1'234'567);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    TxBuildOptions o = build_options(dir);
    o.nonce.reset();
    o.timestamp_ms.reset();
    REQUIRE(run_tx_build(ctx, o).is_ok());
    o.out = dir.file("second.json");
    REQUIRE(run_tx_build(ctx, o).is_ok());
    auto a = read_tx_file(dir.file("unsigned.json"));
    auto b = read_tx_file(dir.file("second.json"));
    REQUIRE(a.is_ok());
    REQUIRE(b.is_ok());
    CHECK(a->tx.timestamp_ms == 1'234'567);
    CHECK(a->tx.nonce != b->tx.nonce);
    CHECK(a->tx.tx_id() != b->tx.tx_id());
  }

  TEST_CASE("build asks the node for the chain id when none is given") {
    TempDir dir;
    make_key_file(dir.file("alice.key"), 1, "pw");
    FakeNode node([](const FakeRequest& r) {
      if (r.target == "/v1/chain")
        return FakeResponse{200, R"({"chain_id": "from-node", "height": 3})"};
      return FakeResponse{404, R"({"error": {"code": "not_found", "message": "no route"}})"};
    });
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    TxBuildOptions o = build_options(dir);
    o.chain_id.reset();
    REQUIRE(run_tx_build(ctx, o).is_ok());
    auto file = read_tx_file(o.out);
    REQUIRE(file.is_ok());
    CHECK(file->tx.chain_id == "from-node");
  }

  TEST_CASE("build without a reachable node and no chain id fails naming the node") {
    TempDir dir;
    make_key_file(dir.file("alice.key"), 1, "pw");
    ManualClock clock(1);
    const uint16_t port = closed_port();
    auto ctx = make_context("http://127.0.0.1:" + std::to_string(port), clock);
    TxBuildOptions o = build_options(dir);
    o.chain_id.reset();
    auto out = run_tx_build(ctx, o);
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().message().find(
              "cannot reach node at http://127.0.0.1:" + std::to_string(port) +
              ": Connection refused") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(o.out));
  }

  TEST_CASE("sign with the sender's key produces a tx that verifies and decodes") {
    TempDir dir;
    auto alice = make_key_file(dir.file("alice.key"), 1, "pw");
    ManualClock clock(1);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    REQUIRE(run_tx_build(ctx, build_options(dir)).is_ok());
    auto unsigned_file = read_tx_file(dir.file("unsigned.json"));
    REQUIRE(unsigned_file.is_ok());

    auto out = run_tx_sign(
        ctx, {dir.file("alice.key"), dir.file("unsigned.json"), dir.file("signed.json")});
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    auto signed_file = read_tx_file(dir.file("signed.json"));
    REQUIRE(signed_file.is_ok());
    CHECK(signed_file->is_signed);
    const silk::core::Tx& tx = signed_file->tx;
    CHECK(tx.verify_signature(alice));
    CHECK(tx.tx_id() == unsigned_file->tx.tx_id());  // the id does not cover the signature

    // The hex in the file is a complete, canonical tx.
    json doc = json::parse(read_text(dir.file("signed.json")));
    CHECK(doc["signed"] == true);
    auto bytes = silk::core::from_hex(doc["tx"].get<std::string>());
    REQUIRE(bytes.is_ok());
    auto decoded = silk::core::Tx::decode(*bytes);
    REQUIRE(decoded.is_ok());
    CHECK(decoded->encode() == *bytes);
    CHECK(decoded->verify_signature(alice));
    CHECK(out->json["tx_id"] == silk::core::to_hex(tx.tx_id()));
  }

  TEST_CASE("signing in place replaces the file") {
    TempDir dir;
    make_key_file(dir.file("alice.key"), 1, "pw");
    ManualClock clock(1);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    REQUIRE(run_tx_build(ctx, build_options(dir)).is_ok());
    REQUIRE(run_tx_sign(
                ctx, {dir.file("alice.key"), dir.file("unsigned.json"), dir.file("unsigned.json")})
                .is_ok());
    auto file = read_tx_file(dir.file("unsigned.json"));
    REQUIRE(file.is_ok());
    CHECK(file->is_signed);
  }

  TEST_CASE("sign with another key is refused and writes nothing") {
    TempDir dir;
    auto alice = make_key_file(dir.file("alice.key"), 1, "pw");
    auto bob = make_key_file(dir.file("bob.key"), 2, "pw");
    ManualClock clock(1);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    REQUIRE(run_tx_build(ctx, build_options(dir)).is_ok());
    auto out =
        run_tx_sign(ctx, {dir.file("bob.key"), dir.file("unsigned.json"), dir.file("signed.json")});
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().code() == Status::Code::kUnauthorized);
    CHECK(out.status().message() == "key " + dir.file("bob.key") + " (public key " +
                                        silk::core::to_hex(bob) + ") is not the tx sender " +
                                        silk::core::to_hex(alice));
    CHECK_FALSE(std::filesystem::exists(dir.file("signed.json")));
  }

  TEST_CASE("sign with a wrong passphrase or none fails clearly") {
    TempDir dir;
    make_key_file(dir.file("alice.key"), 1, "right");
    ManualClock clock(1);
    auto wrong = make_context("http://127.0.0.1:1", clock, "wrong");
    REQUIRE(run_tx_build(wrong, build_options(dir)).is_ok());
    auto out = run_tx_sign(
        wrong, {dir.file("alice.key"), dir.file("unsigned.json"), dir.file("signed.json")});
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().message() ==
          "key file " + dir.file("alice.key") + ": wrong passphrase or corrupted file");

    auto none = make_context("http://127.0.0.1:1", clock, std::nullopt);
    out = run_tx_sign(none,
                      {dir.file("alice.key"), dir.file("unsigned.json"), dir.file("signed.json")});
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().message() ==
          "no passphrase: use --passphrase-file, SILK_PASSPHRASE or a terminal");
  }

  TEST_CASE("tampered tx files are refused") {
    TempDir dir;
    make_key_file(dir.file("alice.key"), 1, "pw");
    ManualClock clock(1);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    REQUIRE(run_tx_build(ctx, build_options(dir)).is_ok());
    REQUIRE(run_tx_sign(ctx,
                        {dir.file("alice.key"), dir.file("unsigned.json"), dir.file("signed.json")})
                .is_ok());
    const std::string good = read_text(dir.file("signed.json"));
    const std::string path = dir.file("t.json");

    json doc = json::parse(good);
    doc["tx_id"] = std::string(64, '0');
    write_text(path, doc.dump());
    auto r = read_tx_file(path);
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK(r.status().message().find("tx_id does not match") != std::string::npos);

    // Change one byte of the args inside the signed tx: the signature no longer verifies.
    doc = json::parse(good);
    std::string hex = doc["tx"];
    const size_t at = hex.find(silk::core::to_hex(silk::core::as_span("aaaa")));
    REQUIRE(at != std::string::npos);
    hex[at + 1] = '2';  // 'a' (0x61) -> 'b' (0x62)
    doc["tx"] = hex;
    doc.erase("tx_id");
    write_text(path, doc.dump());
    r = read_tx_file(path);
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK(r.status().message().find("signature does not verify") != std::string::npos);

    doc = json::parse(good);
    doc["tx"] = "zz";
    write_text(path, doc.dump());
    CHECK(read_tx_file(path).status().message().find("tx file " + path + ": field tx:") == 0);

    doc = json::parse(good);
    doc["tx"] = "0100";
    write_text(path, doc.dump());
    CHECK(read_tx_file(path).status().code() == Status::Code::kInvalid);

    write_text(path, "[1,2]");
    CHECK(read_tx_file(path).status().message() == "tx file " + path + ": not a JSON object");
    CHECK(read_tx_file(dir.file("missing.json")).status().code() == Status::Code::kNotFound);
  }

  TEST_CASE("submit sends the signed tx and reports the committed receipt") {
    TempDir dir;
    make_key_file(dir.file("alice.key"), 1, "pw");
    std::string committed_tx_id;
    FakeNode node([&](const FakeRequest& r) {
      json body = json::parse(r.body, nullptr, false);
      auto bytes = silk::core::from_hex(body.value("tx", std::string()));
      if (!bytes.is_ok())
        return FakeResponse{400, R"({"error":{"code":"invalid","message":"bad hex"}})"};
      auto tx = silk::core::Tx::decode(*bytes);
      if (!tx.is_ok() || !tx->verify_signature(tx->sender)) {
        return FakeResponse{400, R"({"error":{"code":"invalid","message":"bad signature"}})"};
      }
      const std::string id = silk::core::to_hex(tx->tx_id());
      if (!body.value("wait", false)) {
        return FakeResponse{200, json{{"tx_id", id}, {"status", "pending"}}.dump()};
      }
      const bool fail = json::parse(tx->args).contains("fail");
      json receipt = {{"code", fail ? 4 : 0},
                      {"code_name", fail ? "conflict" : "ok"},
                      {"message", fail ? "digest already anchored at height 1 by tx ab" : ""},
                      {"result", json::object()}};
      return FakeResponse{200, json{{"tx_id", id},
                                    {"status", "committed"},
                                    {"height", 12},
                                    {"index", 0},
                                    {"receipt", receipt}}
                                   .dump()};
    });
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    REQUIRE(run_tx_build(ctx, build_options(dir)).is_ok());
    REQUIRE(run_tx_sign(ctx,
                        {dir.file("alice.key"), dir.file("unsigned.json"), dir.file("signed.json")})
                .is_ok());
    auto signed_file = read_tx_file(dir.file("signed.json"));
    REQUIRE(signed_file.is_ok());
    const std::string id = silk::core::to_hex(signed_file->tx.tx_id());

    auto pending = run_tx_submit(ctx, {dir.file("signed.json"), false, 10000});
    REQUIRE_MESSAGE(pending.is_ok(), pending.status().to_string());
    CHECK(pending->exit_code == 0);
    CHECK(pending->json["status"] == "pending");
    CHECK(pending->text.find(id) != std::string::npos);

    auto waited = run_tx_submit(ctx, {dir.file("signed.json"), true, 2500});
    REQUIRE(waited.is_ok());
    CHECK(waited->exit_code == 0);
    CHECK(waited->json["height"] == 12);
    CHECK(waited->text.find("height   12") != std::string::npos);
    CHECK(waited->text.find("receipt  ok") != std::string::npos);
    auto reqs = node.requests();
    REQUIRE(reqs.size() == 2);
    json sent = json::parse(reqs[1].body);
    CHECK(sent["wait"] == true);
    CHECK(sent["timeout_ms"] == 2500);
    CHECK(reqs[1].target == "/v1/tx");

    // A committed tx whose receipt failed: exit 1 with the receipt's message.
    TxBuildOptions failing = build_options(dir);
    failing.args = {{"fail", true}};
    failing.out = dir.file("f.json");
    REQUIRE(run_tx_build(ctx, failing).is_ok());
    REQUIRE(
        run_tx_sign(ctx, {dir.file("alice.key"), dir.file("f.json"), dir.file("f.json")}).is_ok());
    auto failed = run_tx_submit(ctx, {dir.file("f.json"), true, 10000});
    REQUIRE(failed.is_ok());
    CHECK(failed->exit_code == 1);
    CHECK(failed->error.find("failed: conflict: digest already anchored at height 1 by tx ab") !=
          std::string::npos);
  }

  TEST_CASE("submit refuses an unsigned file without contacting the node") {
    TempDir dir;
    make_key_file(dir.file("alice.key"), 1, "pw");
    FakeNode node([](const FakeRequest&) { return FakeResponse{}; });
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    REQUIRE(run_tx_build(ctx, build_options(dir)).is_ok());
    auto out = run_tx_submit(ctx, {dir.file("unsigned.json"), false, 10000});
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().message().find("is not signed") != std::string::npos);
    CHECK(node.requests().empty());
  }

  TEST_CASE("submit surfaces node refusals") {
    TempDir dir;
    make_key_file(dir.file("alice.key"), 1, "pw");
    FakeNode node([](const FakeRequest&) {
      return FakeResponse{409, R"({"error":{"code":"conflict","message":"tx already on chain"}})"};
    });
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    REQUIRE(run_tx_build(ctx, build_options(dir)).is_ok());
    REQUIRE(run_tx_sign(ctx,
                        {dir.file("alice.key"), dir.file("unsigned.json"), dir.file("signed.json")})
                .is_ok());
    auto out = run_tx_submit(ctx, {dir.file("signed.json"), false, 10000});
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().code() == Status::Code::kConflict);
    CHECK(out.status().message() == "node answered 409 conflict: tx already on chain");
  }
}
