#include "silk/tools/trade_commands.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "fake_node.h"
#include "silk/contracts/documents.h"
#include "silk/core/crypto.h"
#include "silk/core/tx.h"
#include "silk/tools/cli.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
namespace core = silk::core;
namespace contracts = silk::contracts;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

template <typename T>
std::string error_of(const core::Result<T>& r) {
  REQUIRE_FALSE(r.is_ok());
  return r.status().message();
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A fake node that commits every tx with `result` and answers queries, state and verify with what
// the test sets. Records the decoded txs.
struct FakeChain {
  json receipt_result = json::object();
  int receipt_code = 0;
  std::string receipt_message;
  json query_result = json::object();
  json verdict = json::object();
  std::map<std::string, std::string> state;  // key -> doc_id

  std::mutex mu;
  std::vector<core::Tx> txs;

  FakeResponse handle(const FakeRequest& r) {
    if (r.target == "/v1/chain") return {200, R"({"chain_id":"c"})"};
    if (r.target == "/v1/tx") {
      auto tx = core::Tx::decode(*core::from_hex(json::parse(r.body)["tx"].get<std::string>()));
      REQUIRE(tx.is_ok());
      {
        std::lock_guard<std::mutex> lock(mu);
        txs.push_back(*tx);
      }
      json receipt = {{"code", receipt_code}, {"result", receipt_result}};
      if (receipt_code != 0) {
        receipt["code_name"] = "conflict";
        receipt["message"] = receipt_message;
      }
      return {200, json{{"tx_id", std::string(64, '1')},
                        {"status", "committed"},
                        {"height", 5},
                        {"receipt", receipt}}
                       .dump()};
    }
    if (r.target == "/v1/query") return {200, json{{"height", 5}, {"result", query_result}}.dump()};
    if (r.target == "/v1/verify") return {200, json{{"height", 5}, {"result", verdict}}.dump()};
    if (r.target.rfind("/v1/state?key=", 0) == 0) {
      std::string key = r.target.substr(14);
      for (size_t p; (p = key.find("%2F")) != std::string::npos;) key.replace(p, 3, "/");
      auto it = state.find(key);
      if (it == state.end()) {
        return {404, R"({"error":{"code":"not_found","message":"no value"}})"};
      }
      return {200, json{{"key", key}, {"value", it->second}, {"found", true}}.dump()};
    }
    return {404, "{}"};
  }
};

json verdict_with(const std::string& status_result) {
  json frags = json::array();
  for (const char* n : {"integrity", "status", "issuer", "recognition", "data"}) {
    const std::string result = std::string(n) == "status" ? status_result : "valid";
    frags.push_back({{"name", n}, {"result", result}, {"reason", std::string(n) + " reason"}});
  }
  return {{"doc_id", "CO-1"},    {"verifying_jurisdiction", "SG"},
          {"verifying_org", ""}, {"at_ms", kNow},
          {"fragments", frags},  {"overall", status_result == "valid" ? "valid" : status_result}};
}

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

CliRun run_silk(std::vector<std::string> args) {
  static core::ManualClock clock(kNow);
  args.insert(args.begin(), "silk");
  std::ostringstream out;
  std::ostringstream err;
  CliEnv e;
  e.out = &out;
  e.err = &err;
  e.getenv = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "SILK_PASSPHRASE") return "pw";
    return std::nullopt;
  };
  e.clock = &clock;
  CliRun r;
  r.code = run_cli(args, e);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace

TEST_SUITE("trade_commands") {
  TEST_CASE("trust arguments are checked locally, naming the option") {
    TrustAuthorityOptions a;
    CHECK(has(error_of(trust_add_authority_args(a)), "--jurisdiction is required"));
    a.jurisdiction = "cn";
    CHECK(has(error_of(trust_add_authority_args(a)), "--jurisdiction \"cn\""));
    a.jurisdiction = "CN";
    a.id = "-bad";
    CHECK(has(error_of(trust_add_authority_args(a)), "--id \"-bad\""));
    a.id = "ccpit";
    a.name = "CCPIT";
    CHECK(has(error_of(trust_add_authority_args(a)), "exactly one of --authority-cert"));
    a.public_key = "zz";
    CHECK(has(error_of(trust_add_authority_args(a)), "--public-key \"zz\""));
    a.public_key = std::string(64, 'A');
    CHECK(has(error_of(trust_add_authority_args(a)), "--service-type is required"));
    a.service_types = {"coo_issuer,chamber", "notary"};
    CHECK(has(error_of(trust_add_authority_args(a)), "--service-type \"notary\""));
    a.service_types = {"coo_issuer,chamber"};
    CHECK(*trust_add_authority_args(a) == json{{"jurisdiction", "CN"},
                                               {"id", "ccpit"},
                                               {"name", "CCPIT"},
                                               {"public_key", std::string(64, 'a')},
                                               {"service_types", {"coo_issuer", "chamber"}}});

    TrustMraOptions m;
    m.id = "CN-SG";
    m.parties = {"CN"};
    CHECK(has(error_of(trust_propose_mra_args(m)), "--parties needs exactly two"));
    m.parties = {"CN,CN"};
    CHECK(has(error_of(trust_propose_mra_args(m)), "twice"));
    m.parties = {"CN", "SG"};
    m.direction = "both";
    CHECK(has(error_of(trust_propose_mra_args(m)), "--direction \"both\""));
    m.direction = "mutual";
    CHECK(has(error_of(trust_propose_mra_args(m)), "--doc-type is required"));
    m.doc_types = {"certificate_of_origin"};
    m.service_types = {"coo_issuer"};
    m.valid_from = "yesterday";
    CHECK(has(error_of(trust_propose_mra_args(m)), "--valid-from \"yesterday\""));
    m.valid_from = "2026-01-01T00:00:00Z";
    m.valid_until = "1767225600000";
    CHECK(has(error_of(trust_propose_mra_args(m)), "--valid-until must be later"));
    m.valid_until = "";
    CHECK(*trust_propose_mra_args(m) == json{{"id", "CN-SG"},
                                             {"parties", {"CN", "SG"}},
                                             {"direction", "mutual"},
                                             {"doc_types", {"certificate_of_origin"}},
                                             {"service_types", {"coo_issuer"}},
                                             {"valid_from_ms", kNow}});

    CHECK(*trust_recognises_args({"CN", "SG", "certificate_of_origin", "", "1000"}) ==
          json{{"issuing", "CN"},
               {"verifying", "SG"},
               {"doc_type", "certificate_of_origin"},
               {"at_ms", 1000}});
    CHECK(has(error_of(trust_recognises_args({"CN", "", "x", "", ""})), "--verifying"));
  }

  TEST_CASE("data and deal arguments") {
    DataApprovalOptions d;
    d.id = "EXP-1";
    d.route = "fax";
    CHECK(has(error_of(data_file_approval_args(d)), "--route \"fax\""));
    d.route = "standard_contract";
    d.doc_types = {"certificate_of_origin"};
    d.labels = {"core"};
    CHECK(has(error_of(data_file_approval_args(d)), "core data never leaves"));
    d.labels = {"important"};
    CHECK(has(error_of(data_file_approval_args(d)), "needs --route security_assessment"));
    d.route = "security_assessment";
    CHECK(has(error_of(data_file_approval_args(d)), "--destination is required"));
    d.destinations = {"SG"};
    CHECK(has(error_of(data_file_approval_args(d)), "--authority is required"));
    d.authority = "CAC";
    d.recipients = {"org2"};
    d.valid_until = "2027-01-01T00:00:00Z";
    CHECK(*data_file_approval_args(d) == json{{"id", "EXP-1"},
                                              {"route", "security_assessment"},
                                              {"scope",
                                               {{"doc_types", {"certificate_of_origin"}},
                                                {"data_labels", {"important"}},
                                                {"destinations", {"SG"}},
                                                {"recipients", {"org2"}}}},
                                              {"authority", "CAC"},
                                              {"valid_until_ms", kNow + 365ull * 86'400'000}});

    DealOpenOptions o{"D-1", "org2", "steel", "FOB", "84000.00", "USD"};
    CHECK(*deal_open_args(o) == json{{"id", "D-1"},
                                     {"buyer", "org2"},
                                     {"goods", "steel"},
                                     {"incoterms", "FOB"},
                                     {"amount", {{"value", "84000.00"}, {"currency", "USD"}}}});
    o.incoterms = "fob";
    CHECK(has(error_of(deal_open_args(o)), "--incoterms \"fob\""));
    o.incoterms = "CIF";
    for (const char* bad : {"84,000", "1.", ".5", "-3", "1.2.3", ""}) {
      o.amount = bad;
      CHECK(has(error_of(deal_open_args(o)), "--amount"));
    }
    o.amount = "12";
    o.currency = "usd";
    CHECK(has(error_of(deal_open_args(o)), "--currency \"usd\""));
  }

  TEST_CASE("doc issue content: hash, label, parties; disclosable round trip offline") {
    TempDir tmp;
    write_text(tmp.file("co.pdf"), "certificate of origin");
    DocIssueOptions o;
    o.file = tmp.file("co.pdf");
    CHECK(has(error_of(doc_issue_content_args(o, nullptr)), "--doc-id is required"));
    o.doc_id = "CO 1";
    CHECK(has(error_of(doc_issue_content_args(o, nullptr)), "--doc-id \"CO 1\""));
    o.doc_id = "CO-2026-0001";
    CHECK(has(error_of(doc_issue_content_args(o, nullptr)), "--type is required"));
    o.type = "certificate_of_origin";
    o.label = "secret";
    CHECK(has(error_of(doc_issue_content_args(o, nullptr)), "--label \"secret\""));
    o.label = "important";
    o.parties = {"seller"};
    CHECK(has(error_of(doc_issue_content_args(o, nullptr)), "ROLE=ORG"));
    o.parties = {"seller=org1", "buyer=org2"};
    o.jurisdiction = "CN";
    o.personal_data = true;
    auto args = doc_issue_content_args(o, nullptr);
    REQUIRE_MESSAGE(args.is_ok(), args.status().to_string());
    CHECK(*args == json{{"doc_id", "CO-2026-0001"},
                        {"type", "certificate_of_origin"},
                        {"doc_hash", core::to_hex(core::sha256("certificate of origin"))},
                        {"jurisdiction", "CN"},
                        {"parties", {{"seller", "org1"}, {"buyer", "org2"}}},
                        {"label", "important"},
                        {"personal_data", true}});

    // Disclosable: FILE must be a JSON object; each field salted; the root is the doc_hash.
    o = DocIssueOptions();
    o.doc_id = "CO-2";
    o.type = "certificate_of_origin";
    o.disclosable = true;
    o.file = tmp.file("co.pdf");
    CHECK(has(error_of(doc_issue_content_args(o, nullptr)), "not valid JSON"));
    write_text(tmp.file("co.json"),
               R"({"exporter": "Shenzhen Steel", "hs_code": "7208.51", "price": 84000})");
    o.file = tmp.file("co.json");
    json disclosable;
    auto d = doc_issue_content_args(o, &disclosable);
    REQUIRE_MESSAGE(d.is_ok(), d.status().to_string());
    CHECK((*d)["field_hashes"].size() == 3);
    auto doc = contracts::DisclosableDocument::from_json(disclosable);
    REQUIRE(doc.is_ok());
    CHECK((*d)["doc_hash"] == core::to_hex(doc->root()));
    CHECK(doc->fields.at("price").salt_hex.size() == 64);
    // Two issues of the same content salt differently.
    json again;
    REQUIRE(doc_issue_content_args(o, &again).is_ok());
    CHECK(again["fields"]["price"]["salt"] != disclosable["fields"]["price"]["salt"]);

    write_text(tmp.file("co.json.disclosable.json"), disclosable.dump());
    std::string kind;
    auto full = presented_hash_of_file(tmp.file("co.json.disclosable.json"), &kind);
    REQUIRE(full.is_ok());
    CHECK(kind == "disclosable root");
    CHECK(core::to_hex(*full) == (*d)["doc_hash"]);

    DocDiscloseOptions dis{
        tmp.file("co.json.disclosable.json"), {"price,hs_code"}, tmp.file("redacted.json")};
    auto disclosed = run_doc_disclose(dis);
    REQUIRE_MESSAGE(disclosed.is_ok(), disclosed.status().to_string());
    CHECK(has(disclosed->text, "1 field disclosed, 2 hidden"));
    CHECK(disclosed->json["root"] == (*d)["doc_hash"]);
    const json red = json::parse(read_text(tmp.file("redacted.json")));
    CHECK_FALSE(red["fields"].contains("price"));
    CHECK(red["hidden"].contains("price"));
    CHECK(red["fields"]["exporter"]["value"] == "Shenzhen Steel");
    auto redacted_hash = presented_hash_of_file(tmp.file("redacted.json"), nullptr);
    REQUIRE(redacted_hash.is_ok());
    CHECK(core::to_hex(*redacted_hash) == (*d)["doc_hash"]);
    // Never overwrites; unknown or already hidden fields are refused.
    CHECK(has(error_of(run_doc_disclose(dis)), "already exists"));
    CHECK_FALSE(
        run_doc_disclose({tmp.file("redacted.json"), {"price"}, tmp.file("r2.json")}).is_ok());
    CHECK_FALSE(
        run_doc_disclose({tmp.file("redacted.json"), {"nope"}, tmp.file("r3.json")}).is_ok());
    // A tampered value changes the root.
    json tampered = red;
    tampered["fields"]["exporter"]["value"] = "Someone Else";
    write_text(tmp.file("tampered.json"), tampered.dump());
    CHECK(core::to_hex(*presented_hash_of_file(tmp.file("tampered.json"), nullptr)) !=
          (*d)["doc_hash"]);
    // Anything else presents its SHA-256.
    CHECK(*presented_hash_of_file(tmp.file("co.pdf"), &kind) ==
          core::sha256("certificate of origin"));
    CHECK(kind == "sha256");
  }

  TEST_CASE("doc issue signs the statement, writes the disclosable copy, submits documents.issue") {
    TempDir tmp;
    const core::PublicKey signer_pk = make_key_file(tmp.file("issuer.key"), 3, "pw");
    const core::PublicKey seal_pk = make_key_file(tmp.file("seal.key"), 4, "pw");
    FakeChain chain;
    chain.receipt_result = {{"doc_id", "CO-9"}, {"height", 5}};
    FakeNode node([&](const FakeRequest& r) { return chain.handle(r); });
    core::ManualClock clock(kNow);
    auto ctx = make_context(node.url(), clock);
    SignedCallOptions signer;
    signer.key_file = tmp.file("issuer.key");

    write_text(tmp.file("co.json"), R"({"exporter": "A", "origin": "CN"})");
    DocIssueOptions o;
    o.file = tmp.file("co.json");
    o.doc_id = "CO-9";
    o.type = "certificate_of_origin";
    o.disclosable = true;
    auto out = run_doc_issue(ctx, signer, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    CHECK(out->exit_code == 0);
    CHECK(has(out->text, "issued CO-9 (certificate_of_origin)"));
    CHECK(out->json["doc_id"] == "CO-9");
    CHECK(out->json["disclosable_file"] == tmp.file("co.json.disclosable.json"));
    REQUIRE(fs::exists(tmp.file("co.json.disclosable.json")));

    REQUIRE(chain.txs.size() == 1);
    const core::Tx& tx = chain.txs[0];
    CHECK(tx.contract == "documents");
    CHECK(tx.method == "issue");
    CHECK(tx.sender == signer_pk);
    const json args = json::parse(tx.args);
    CHECK(args["issued_at_ms"] == kNow);
    CHECK(args["signer_key"] == core::to_hex(core::ByteSpan(signer_pk.data(), signer_pk.size())));
    const core::Hash hash = *core::hash_from_hex(args["doc_hash"].get<std::string>());
    const std::string statement =
        contracts::signing_statement("CO-9", "certificate_of_origin", hash, kNow);
    const core::Bytes sig = *core::from_hex(args["signature"].get<std::string>());
    core::Signature s{};
    std::copy(sig.begin(), sig.end(), s.begin());
    CHECK(core::verify(signer_pk, core::as_span(statement), s));
    auto written = contracts::DisclosableDocument::from_json(
        json::parse(read_text(tmp.file("co.json.disclosable.json"))));
    REQUIRE(written.is_ok());
    CHECK(core::to_hex(written->root()) == args["doc_hash"]);

    // A second disclosable issue of the same file refuses to overwrite the salts.
    o.doc_id = "CO-10";
    CHECK(has(error_of(run_doc_issue(ctx, signer, o)), "already exists"));
    CHECK(chain.txs.size() == 1);

    // With --seal-key the e-signature is the seal's; the tx is still the signer's.
    o.disclosable = false;
    o.seal_key = tmp.file("seal.key");
    chain.receipt_code = 4;
    chain.receipt_message = "documents.issue: doc_hash is already anchored by CO-9";
    auto refused = run_doc_issue(ctx, signer, o);
    REQUIRE(refused.is_ok());
    CHECK(refused->exit_code == 1);
    CHECK(has(refused->error, "documents.issue failed: conflict"));
    REQUIRE(chain.txs.size() == 2);
    CHECK(chain.txs[1].sender == signer_pk);
    CHECK(json::parse(chain.txs[1].args)["signer_key"] ==
          core::to_hex(core::ByteSpan(seal_pk.data(), seal_pk.size())));

    // --signed-at claims another signing time; the statement signs that claim.
    chain.receipt_code = 0;
    o.seal_key.clear();
    o.doc_id = "CO-11";
    o.signed_at = "2026-01-01T00:00:00Z";
    write_text(tmp.file("co11.txt"), "another certificate");
    o.file = tmp.file("co11.txt");
    auto claimed = run_doc_issue(ctx, signer, o);
    REQUIRE_MESSAGE(claimed.is_ok(), claimed.status().to_string());
    const json a11 = json::parse(chain.txs.back().args);
    CHECK(a11["issued_at_ms"] == 1767225600000ull);
    o.signed_at = "yesterday";
    CHECK(has(error_of(run_doc_issue(ctx, signer, o)), "--signed-at"));

    // ebl amend sends ebl.amend with the new version's issue args.
    o.signed_at.clear();
    o.doc_id = "BL-1A";
    o.type = "bill_of_lading";
    write_text(tmp.file("bl-v2.txt"), "amended bill");
    o.file = tmp.file("bl-v2.txt");
    auto amended = run_ebl_amend(ctx, signer, "BL-1", o, "consignee address");
    REQUIRE_MESSAGE(amended.is_ok(), amended.status().to_string());
    CHECK(has(amended->text, "BL-1 voided; BL-1A reissued"));
    CHECK(chain.txs.back().contract == "ebl");
    CHECK(chain.txs.back().method == "amend");
    const json am = json::parse(chain.txs.back().args);
    CHECK(am["doc_id"] == "BL-1");
    CHECK(am["reason"] == "consignee address");
    CHECK(am["new"]["doc_id"] == "BL-1A");
    CHECK(am["new"]["type"] == "bill_of_lading");
  }

  TEST_CASE("doc verify: doc_id by the file's hash, the request body, output and exit codes") {
    TempDir tmp;
    write_text(tmp.file("bl.pdf"), "bill of lading");
    const std::string hex = core::to_hex(core::sha256("bill of lading"));
    FakeChain chain;
    chain.state["documents/hash/" + hex] = "BL-1";
    chain.verdict = verdict_with("valid");
    FakeNode node([&](const FakeRequest& r) { return chain.handle(r); });
    core::ManualClock clock(kNow);
    auto ctx = make_context(node.url(), clock);

    CHECK(has(error_of(run_doc_verify(ctx, {"", "", "SG", "", ""})), "FILE or --doc-id"));
    CHECK(has(error_of(run_doc_verify(ctx, {"", "BL-1", "sg", "", ""})), "--as \"sg\""));
    auto out = run_doc_verify(ctx, {tmp.file("bl.pdf"), "", "SG", "org2", "2026-01-01T00:00:00Z"});
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    CHECK(out->exit_code == 0);
    CHECK(has(out->text, "integrity   valid   integrity reason\n"));
    CHECK(has(out->text, "recognition valid   recognition reason\n"));
    CHECK(has(out->text, "overall: valid\n"));
    CHECK(out->json == chain.verdict);
    json body;
    for (const FakeRequest& r : node.requests()) {
      if (r.target == "/v1/verify") body = json::parse(r.body);
    }
    CHECK(body == json{{"doc_id", "BL-1"},
                       {"jurisdiction", "SG"},
                       {"presented_hash", hex},
                       {"org", "org2"},
                       {"at_ms", kNow}});

    // Not anchored: kNotFound naming the hash.
    write_text(tmp.file("other.pdf"), "forged");
    CHECK(has(error_of(run_doc_verify(ctx, {tmp.file("other.pdf"), "", "SG", "", ""})),
              "no document anchors"));

    // An invalid verdict: exit 1 naming the failing fragments.
    chain.verdict = verdict_with("invalid");
    auto bad = run_doc_verify(ctx, {"", "BL-1", "SG", "", ""});
    REQUIRE(bad.is_ok());
    CHECK(bad->exit_code == 1);
    CHECK(has(bad->text, "status      invalid status reason"));
    CHECK(has(bad->text, "overall: invalid\n"));
    CHECK(bad->error == "document CO-1 is invalid for SG: status invalid");

    // Through the CLI: exit codes and --json.
    auto cli = run_silk({"--node", node.url(), "doc", "verify", "--doc-id", "BL-1", "--as", "SG"});
    CHECK(cli.code == 1);
    CHECK(has(cli.err, "silk: error: document CO-1 is invalid for SG: status invalid"));
    chain.verdict = verdict_with("valid");
    cli = run_silk(
        {"--node", node.url(), "--json", "doc", "verify", tmp.file("bl.pdf"), "--as", "SG"});
    CHECK(cli.code == 0);
    CHECK(json::parse(cli.out)["overall"] == "valid");
    chain.verdict = verdict_with("error");
    CHECK(
        run_silk({"--node", node.url(), "doc", "verify", "--doc-id", "BL-1", "--as", "SG"}).code ==
        1);
  }

  TEST_CASE("the CLI maps the trade commands onto contract calls and queries") {
    TempDir tmp;
    make_key_file(tmp.file("reg.key"), 5, "pw");
    FakeChain chain;
    chain.receipt_result = {{"id", "CN-SG"}, {"status", "draft"}};
    chain.query_result = {{"doc_id", "BL-1"},
                          {"status", "ISSUED"},
                          {"holder", "org2"},
                          {"owner", "org2"},
                          {"chain",
                           {{{"action", "ISSUE"},
                             {"actor", "org1"},
                             {"recipient", "org1"},
                             {"at_ms", kNow},
                             {"height", 3}},
                            {{"action", "ENDORSE"},
                             {"actor", "org1"},
                             {"recipient", "org2"},
                             {"at_ms", kNow + 1000},
                             {"height", 4}}}}};
    FakeNode node([&](const FakeRequest& r) { return chain.handle(r); });
    const std::string key = tmp.file("reg.key");
    auto signed_run = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"--node", node.url()});
      args.insert(args.end(), {"--key", key});
      return run_silk(args);
    };

    auto r = signed_run({"trust", "propose-mra", "--id", "CN-SG", "--parties", "CN,SG",
                         "--direction", "mutual", "--doc-type", "certificate_of_origin",
                         "--service-type", "coo_issuer"});
    CHECK_MESSAGE(r.code == 0, r.err);
    CHECK(has(r.out, "proposed MRA CN-SG: now draft"));
    r = signed_run({"ebl", "issue", "BL-1", "--holder", "org1", "--to-order"});
    CHECK(r.code == 0);
    r = signed_run({"ebl", "surrender", "BL-1", "--for", "delivery"});
    CHECK(r.code == 0);
    r = signed_run({"deal", "decide", "D-1", "--ruling", "refund", "--release"});
    CHECK(r.code == 0);
    r = signed_run({"deal", "deliver", "D-1"});
    CHECK(r.code == 0);
    r = signed_run({"data", "share", "CO-1", "--to", "org2", "--purpose", "customs"});
    CHECK(r.code == 0);
    r = signed_run({"call", "trust", "approve_mra", "--args", R"({"id":"CN-SG"})"});
    CHECK(r.code == 0);
    r = signed_run({"deal", "hold", "D-1", "BL-1", "--order", "case 17"});
    CHECK(r.code == 0);
    // Local refusals never reach the node.
    r = signed_run({"ebl", "surrender", "BL-1", "--for", "sale"});
    CHECK(r.code == 1);
    CHECK(has(r.err, "--for \"sale\""));
    r = signed_run({"ebl", "issue", "BL-1", "--holder", "org1", "--owner", "org2", "--to-order"});
    CHECK(has(r.err, "not both"));
    r = signed_run({"doc", "revoke", "CO-1", "--reason", "certificateHold"});
    CHECK(has(r.err, "silk doc suspend"));
    r = signed_run({"call", "trust", "x", "--args", "[1]"});
    CHECK(has(r.err, "--args must be a JSON object"));
    // Usage errors (CLI11) exit 2.
    CHECK(signed_run({"deal", "open", "--id", "D-1"}).code == 2);

    std::vector<json> calls;
    for (const core::Tx& tx : chain.txs) {
      calls.push_back(
          {{"contract", tx.contract}, {"method", tx.method}, {"args", json::parse(tx.args)}});
    }
    REQUIRE(calls.size() == 8);
    CHECK(calls[0]["args"] == json{{"id", "CN-SG"},
                                   {"parties", {"CN", "SG"}},
                                   {"direction", "mutual"},
                                   {"doc_types", {"certificate_of_origin"}},
                                   {"service_types", {"coo_issuer"}}});
    CHECK(calls[1] == json{{"contract", "ebl"},
                           {"method", "issue"},
                           {"args", {{"doc_id", "BL-1"}, {"holder", "org1"}, {"to_order", true}}}});
    CHECK(calls[2] == json{{"contract", "ebl"},
                           {"method", "request_surrender"},
                           {"args", {{"doc_id", "BL-1"}, {"purpose", "delivery"}}}});
    CHECK(calls[3]["args"] == json{{"id", "D-1"}, {"ruling", "refund"}, {"release", true}});
    CHECK(calls[4]["method"] == "confirm_delivery");
    CHECK(calls[5]["args"] == json{{"doc_id", "CO-1"}, {"to_org", "org2"}, {"purpose", "customs"}});
    CHECK(calls[6] ==
          json{{"contract", "trust"}, {"method", "approve_mra"}, {"args", {{"id", "CN-SG"}}}});
    CHECK(calls[7] == json{{"contract", "trade"},
                           {"method", "hold"},
                           {"args", {{"id", "D-1"}, {"doc_id", "BL-1"}, {"order", "case 17"}}}});

    // Queries.
    r = run_silk({"--node", node.url(), "ebl", "chain", "BL-1"});
    CHECK(r.code == 0);
    CHECK(has(r.out, "ISSUE    org1 -> org1  2026-01-01T00:00:00Z"));
    CHECK(has(r.out, "ENDORSE  org1 -> org2  2026-01-01T00:00:01Z"));
    r = run_silk({"--node", node.url(), "query", "contract", "trust", "mras", "--args",
                  R"({"jurisdiction":"CN"})"});
    CHECK(r.code == 0);
    // A yes/no question: exit 0 on yes, 1 on no (docs/trade.md).
    chain.query_result = json{{"recognised", true}, {"verifying", "SG"}, {"reason", "MRA CN-SG"}};
    r = run_silk({"--node", node.url(), "trust", "recognises", "--issuing", "CN", "--verifying",
                  "SG", "--doc-type", "certificate_of_origin", "--at", "2026-01-01T00:00:00Z"});
    CHECK(r.code == 0);
    CHECK(has(r.out, "recognised: SG"));
    chain.query_result = json{{"recognised", false}, {"verifying", "DE"}, {"reason", "no MRA"}};
    r = run_silk({"--node", node.url(), "trust", "recognises", "--issuing", "CN", "--verifying",
                  "DE", "--doc-type", "certificate_of_origin"});
    CHECK(r.code == 1);
    CHECK(has(r.out, "not recognised: DE"));
    CHECK(has(r.err, "not recognised"));
    chain.query_result = json{{"allowed", false}, {"reason", "label important"}};
    r = run_silk({"--node", node.url(), "data", "may-share", "INV-1", "--to", "org2"});
    CHECK(r.code == 1);
    CHECK(has(r.out, "refused"));
    chain.query_result = json{{"allowed", true}, {"reason", "label general"}};
    r = run_silk({"--node", node.url(), "data", "may-share", "INV-1", "--to", "org2"});
    CHECK(r.code == 0);
    std::vector<json> queries;
    for (const FakeRequest& q : node.requests()) {
      if (q.target == "/v1/query") queries.push_back(json::parse(q.body));
    }
    REQUIRE(queries.size() == 6);
    CHECK(queries[0] ==
          json{{"contract", "ebl"}, {"method", "chain"}, {"args", {{"doc_id", "BL-1"}}}});
    CHECK(queries[1] ==
          json{{"contract", "trust"}, {"method", "mras"}, {"args", {{"jurisdiction", "CN"}}}});
    CHECK(queries[2]["args"] == json{{"issuing", "CN"},
                                     {"verifying", "SG"},
                                     {"doc_type", "certificate_of_origin"},
                                     {"at_ms", kNow}});
  }

  TEST_CASE("verdict and record views") {
    CommandOutput v = verdict_output(verdict_with("valid"));
    CHECK(v.exit_code == 0);
    CHECK(v.text ==
          "document CO-1 as verified by SG at 2026-01-01T00:00:00Z\n"
          "integrity   valid   integrity reason\n"
          "status      valid   status reason\n"
          "issuer      valid   issuer reason\n"
          "recognition valid   recognition reason\n"
          "data        valid   data reason\n"
          "overall: valid\n");
    // On an idle chain the tip is minutes old: the header says which block and how old.
    const uint64_t tip_ms = verdict_with("valid").value("at_ms", uint64_t{0});
    CommandOutput idle =
        verdict_output(verdict_with("valid"), {12, tip_ms + 4 * 60 * 1000 + 5, false});
    CHECK(idle.text.substr(0, idle.text.find('\n')) ==
          "document CO-1 as verified by SG as of block 12 (time 2026-01-01T00:00:00Z, 4 min ago)");
    CommandOutput asked = verdict_output(verdict_with("valid"), {12, tip_ms + 1, true});
    CHECK(asked.text.find("document CO-1 as verified by SG at 2026-01-01T00:00:00Z (--at)\n") == 0);
    CHECK(time_ago(1000, 1000) == "just now");
    CHECK(time_ago(0, 42'000) == "42 s ago");
    CHECK(time_ago(0, 3 * 3600 * 1000) == "3 h ago");
    CHECK(time_ago(0, 3 * 86400 * 1000ull) == "3 days ago");
    CHECK(time_ago(5000, 1000) == "4 s ahead of this clock");
    CommandOutput e = verdict_output(verdict_with("error"));
    CHECK(e.exit_code == 1);
    CHECK(e.error == "document CO-1 is error for SG: status error");
    CHECK(verdict_output(json::object()).exit_code == 1);

    const std::string mra = format_mra(
        {{"id", "CN-SG"},
         {"status", "suspended"},
         {"parties", {"CN", "SG"}},
         {"direction", "mutual"},
         {"doc_types", {"certificate_of_origin"}},
         {"service_types", {"coo_issuer"}},
         {"valid_from_ms", 0},
         {"valid_until_ms", 0},
         {"history",
          {{{"status", "suspended"}, {"at_ms", kNow}, {"height", 9}, {"reason", "audit"}}}}});
    CHECK(has(mra, "MRA CN-SG  suspended\n"));
    CHECK(has(mra, "valid          - .. (open)"));
    CHECK(has(mra, "2026-01-01T00:00:00Z  suspended (audit)  height 9"));
    const std::string deal = format_deal({{"id", "D-1"},
                                          {"state", "shipped"},
                                          {"seller", "org1"},
                                          {"buyer", "org2"},
                                          {"amount", {{"value", "84000.00"}, {"currency", "USD"}}},
                                          {"incoterms", "FOB"},
                                          {"documents", {"CO-1", "BL-1"}}});
    CHECK(has(deal, "terms      FOB, 84000.00 USD"));
    CHECK(has(deal, "documents  CO-1, BL-1"));
    const std::string fields = format_json_fields({{"a_ms", kNow}, {"list", {1, 2}}, {"ok", true}});
    CHECK(fields == "  a_ms  2026-01-01T00:00:00Z\n  list  1, 2\n  ok    yes\n");
  }
}
