#include "silk/tools/notary_commands.h"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <mutex>

#include "fake_node.h"
#include "silk/core/crypto.h"
#include "silk/core/tx.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
using silk::core::ManualClock;
using silk::core::Status;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string hex_sha256(const std::string& content) {
  return silk::core::to_hex(silk::core::sha256(content));
}

// A node that runs the notary for real enough: admits signed txs of chain
// "silk-test" and commits each batch as one block; a digest anchored twice
// gets a failed receipt, as the contract does. Handlers run on the server
// thread; tests read the results after the calls returned.
class NotaryNode {
 public:
  static constexpr uint64_t kBlockTime = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

  NotaryNode() : server_([this](const FakeRequest& r) { return handle(r); }) {}

  std::string url() const { return server_.url(); }
  std::vector<FakeRequest> requests() const { return server_.requests(); }
  std::vector<silk::core::Tx> txs() {
    std::lock_guard<std::mutex> lock(mu_);
    return txs_;
  }
  // The next batch's entry at this index is refused at admission.
  void refuse_entry(size_t index) { refuse_index_ = static_cast<int>(index); }

 private:
  static FakeResponse error(int status, const std::string& code, const std::string& message) {
    return {status, json{{"error", {{"code", code}, {"message", message}}}}.dump()};
  }

  FakeResponse handle(const FakeRequest& r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (r.target == "/v1/chain") return {200, R"({"chain_id": "silk-test", "height": 0})"};
    const std::string state_prefix = "/v1/state?key=notary/";
    if (r.target.rfind(state_prefix, 0) == 0) {
      auto it = records_.find(r.target.substr(state_prefix.size()));
      if (it == records_.end()) return error(404, "not_found", "no value for key");
      return {200,
              json{{"key", "notary/" + it->first}, {"value", it->second}, {"found", true}}.dump()};
    }
    if (r.target != "/v1/txs" || r.method != "POST") return error(404, "not_found", "no route");

    json body = json::parse(r.body);
    json results = json::array();
    ++height_;
    uint32_t index = 0;
    for (size_t i = 0; i < body["txs"].size(); ++i) {
      if (static_cast<int>(i) == refuse_index_) {
        results.push_back({{"error", {{"code", "unauthorized"}, {"message", "unknown sender"}}}});
        continue;
      }
      auto tx =
          silk::core::Tx::decode(silk::core::from_hex(body["txs"][i].get<std::string>()).value());
      if (!tx.is_ok() || !tx->verify_signature(tx->sender) || tx->chain_id != "silk-test") {
        results.push_back({{"error", {{"code", "invalid"}, {"message", "bad tx"}}}});
        continue;
      }
      txs_.push_back(*tx);
      const std::string id = silk::core::to_hex(tx->tx_id());
      json args = json::parse(tx->args);
      const std::string digest = args["hash"];
      json receipt = {{"code", 0}, {"code_name", "ok"}, {"message", ""}};
      if (auto it = records_.find(digest); it != records_.end()) {
        receipt = {{"code", 4},
                   {"code_name", "conflict"},
                   {"message", "digest " + digest + " already anchored at height " +
                                   it->second["height"].dump() + " by tx " +
                                   it->second["tx_id"].get<std::string>()}};
      } else {
        records_[digest] = {{"hash", digest},
                            {"meta", args["meta"]},
                            {"sender", silk::core::to_hex(tx->sender)},
                            {"sender_name", "client"},
                            {"org", "org1"},
                            {"tx_id", id},
                            {"height", height_},
                            {"timestamp_ms", kBlockTime}};
      }
      results.push_back({{"tx_id", id},
                         {"status", "committed"},
                         {"height", height_},
                         {"index", index++},
                         {"receipt", receipt}});
    }
    refuse_index_ = -1;
    return {200, json{{"results", results}}.dump()};
  }

  std::mutex mu_;
  std::map<std::string, json> records_;  // guarded by mu_
  std::vector<silk::core::Tx> txs_;      // guarded by mu_
  uint64_t height_ = 0;                  // guarded by mu_
  int refuse_index_ = -1;                // guarded by mu_
  FakeNode server_;                      // last: stops before the state it uses dies
};

}  // namespace

TEST_SUITE("notary_commands") {
  TEST_CASE("anchor signs one tx per file and reports each; verify finds them") {
    TempDir dir;
    auto pk = make_key_file(dir.file("client.key"), 3, "pw");
    write_text(dir.file("invoice.pdf"), "invoice content");
    write_text(dir.file("bl.pdf"), "bill of lading");
    NotaryNode node;
    ManualClock clock(NotaryNode::kBlockTime - 50);
    auto ctx = make_context(node.url(), clock);

    NotaryAnchorOptions o;
    o.files = {dir.file("invoice.pdf"), dir.file("bl.pdf")};
    o.key_file = dir.file("client.key");
    auto out = run_notary_anchor(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    CHECK(out->exit_code == 0);
    CHECK(out->json["ok"] == true);
    REQUIRE(out->json["results"].size() == 2);
    const json& first = out->json["results"][0];
    CHECK(first["file"] == dir.file("invoice.pdf"));
    CHECK(first["digest"] == hex_sha256("invoice content"));
    CHECK(first["size"] == 15);
    CHECK(first["ok"] == true);
    CHECK(first["height"] == 1);

    // What went to the node: signed txs, notary.anchor, default meta, one batch with wait.
    auto txs = node.txs();
    REQUIRE(txs.size() == 2);
    CHECK(txs[0].sender == pk);
    CHECK(txs[0].contract == "notary");
    CHECK(txs[0].method == "anchor");
    CHECK(txs[0].chain_id == "silk-test");
    CHECK(txs[0].timestamp_ms == NotaryNode::kBlockTime - 50);
    CHECK(json::parse(txs[0].args) == json{{"hash", hex_sha256("invoice content")},
                                           {"meta", {{"file", "invoice.pdf"}, {"size", 15}}}});
    CHECK(json::parse(txs[1].args)["meta"]["file"] == "bl.pdf");
    CHECK(txs[0].nonce != txs[1].nonce);
    CHECK(first["tx_id"] == silk::core::to_hex(txs[0].tx_id()));
    auto reqs = node.requests();
    REQUIRE(reqs.size() == 2);  // /v1/chain, then one /v1/txs
    json batch = json::parse(reqs[1].body);
    CHECK(batch["wait"] == true);
    CHECK(batch["timeout_ms"] == 10000);
    CHECK(out->text.find(hex_sha256("bill of lading") + "  " + dir.file("bl.pdf") + "  tx " +
                         silk::core::to_hex(txs[1].tx_id()) + "  height 1  ok") !=
          std::string::npos);

    // verify: both anchored, with who, when and which tx.
    auto v = run_notary_verify(ctx, {dir.file("invoice.pdf")});
    REQUIRE_MESSAGE(v.is_ok(), v.status().to_string());
    CHECK(v->exit_code == 0);
    CHECK(v->text == dir.file("invoice.pdf") +
                         ": anchored at height 1 by client (org1) at 2023-11-14T22:13:20.000Z tx " +
                         silk::core::to_hex(txs[0].tx_id()) + "\n");
    CHECK(v->json["results"][0]["anchored"] == true);
    CHECK(v->json["results"][0]["sender"] == silk::core::to_hex(pk));
  }

  TEST_CASE("a second anchor of the same content is refused with the reason; exit 1") {
    TempDir dir;
    make_key_file(dir.file("client.key"), 3, "pw");
    write_text(dir.file("a"), "same");
    write_text(dir.file("b"), "different");
    NotaryNode node;
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    NotaryAnchorOptions o;
    o.files = {dir.file("a")};
    o.key_file = dir.file("client.key");
    REQUIRE(run_notary_anchor(ctx, o).is_ok());

    o.files = {dir.file("a"), dir.file("b")};
    auto out = run_notary_anchor(ctx, o);
    REQUIRE(out.is_ok());
    CHECK(out->exit_code == 1);
    CHECK(out->error == "1 of 2 files were not anchored");
    CHECK(out->json["ok"] == false);
    CHECK(out->json["results"][0]["ok"] == false);
    CHECK(out->json["results"][0]["error"].get<std::string>().find(
              "already anchored at height 1") != std::string::npos);
    CHECK(out->json["results"][1]["ok"] == true);
    CHECK(out->text.find("refused: digest " + hex_sha256("same") + " already anchored") !=
          std::string::npos);
  }

  TEST_CASE("an entry refused at admission fails that file only") {
    TempDir dir;
    make_key_file(dir.file("client.key"), 3, "pw");
    write_text(dir.file("a"), "1");
    write_text(dir.file("b"), "2");
    NotaryNode node;
    node.refuse_entry(0);
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    NotaryAnchorOptions o;
    o.files = {dir.file("a"), dir.file("b")};
    o.key_file = dir.file("client.key");
    auto out = run_notary_anchor(ctx, o);
    REQUIRE(out.is_ok());
    CHECK(out->exit_code == 1);
    CHECK(out->json["results"][0]["error"] == "unauthorized: unknown sender");
    CHECK(out->json["results"][1]["ok"] == true);
    // A refused tx is on no chain: its id is printed nowhere, and the output says why.
    CHECK(out->json["results"][0]["admitted"] == false);
    CHECK_FALSE(out->json["results"][0].contains("tx_id"));
    CHECK(out->json["results"][1]["admitted"] == true);
    CHECK(out->json["results"][1].contains("tx_id"));
    const std::string first_line = out->text.substr(0, out->text.find('\n'));
    CHECK(first_line.find("not admitted: unauthorized: unknown sender") != std::string::npos);
    CHECK(first_line.find(" tx ") == std::string::npos);
    CHECK(out->error == "1 of 2 files were not anchored");
  }

  TEST_CASE("--meta is recorded as given") {
    TempDir dir;
    make_key_file(dir.file("client.key"), 3, "pw");
    write_text(dir.file("a"), "x");
    NotaryNode node;
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    NotaryAnchorOptions o;
    o.files = {dir.file("a")};
    o.key_file = dir.file("client.key");
    o.meta = json{{"doc_type", "coo"}, {"ref", "A-1"}};
    REQUIRE(run_notary_anchor(ctx, o).is_ok());
    auto txs = node.txs();
    REQUIRE(txs.size() == 1);
    CHECK(json::parse(txs[0].args)["meta"] == json{{"doc_type", "coo"}, {"ref", "A-1"}});

    o.meta = json::array();
    CHECK(run_notary_anchor(ctx, o).status().code() == Status::Code::kInvalid);
  }

  TEST_CASE("a missing file fails before anything is sent") {
    TempDir dir;
    make_key_file(dir.file("client.key"), 3, "pw");
    write_text(dir.file("a"), "x");
    NotaryNode node;
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    NotaryAnchorOptions o;
    o.files = {dir.file("a"), dir.file("missing")};
    o.key_file = dir.file("client.key");
    auto out = run_notary_anchor(ctx, o);
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().message() == "file " + dir.file("missing") + " not found");
    CHECK(node.requests().empty());
    CHECK(run_notary_verify(ctx, {dir.file("missing")}).status().code() == Status::Code::kNotFound);
  }

  TEST_CASE("verify reports files that are not anchored; exit 1") {
    TempDir dir;
    write_text(dir.file("never"), "never anchored");
    NotaryNode node;
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    auto v = run_notary_verify(ctx, {dir.file("never")});
    REQUIRE(v.is_ok());
    CHECK(v->exit_code == 1);
    CHECK(v->text ==
          dir.file("never") + ": NOT anchored (sha256 " + hex_sha256("never anchored") + ")\n");
    CHECK(v->json["results"][0]["anchored"] == false);
    CHECK(v->error == "1 of 1 file is not anchored");
    auto reqs = node.requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0].target == "/v1/state?key=notary/" + hex_sha256("never anchored"));
  }

  TEST_CASE("an unreachable node is one clear error") {
    TempDir dir;
    make_key_file(dir.file("client.key"), 3, "pw");
    write_text(dir.file("a"), "x");
    ManualClock clock(1);
    const uint16_t port = closed_port();
    auto ctx = make_context("http://127.0.0.1:" + std::to_string(port), clock);
    auto v = run_notary_verify(ctx, {dir.file("a")});
    REQUIRE_FALSE(v.is_ok());
    CHECK(v.status().message() ==
          "cannot reach node at http://127.0.0.1:" + std::to_string(port) + ": Connection refused");
  }
}
