#include "silk/tools/audit_query.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "fake_node.h"
#include "silk/core/crypto.h"
#include "silk/core/x509.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
using silk::core::ManualClock;
using silk::core::Status;

namespace {

std::string param(const std::string& target, const std::string& name) {
  const std::string key = name + "=";
  size_t pos = target.find("?" + key);
  if (pos == std::string::npos) pos = target.find("&" + key);
  if (pos == std::string::npos) return "<absent>";
  pos += key.size() + 1;
  return target.substr(pos, target.find('&', pos) - pos);
}

// Three pages of txs, the cursor being the index of the next row; row 1 failed
// with an error message that needs CSV quoting.
json tx_row(int i) {
  json row = {{"tx_id", std::string(64, static_cast<char>('a' + i))},
              {"height", 10 + i},
              {"index", 0},
              {"timestamp_ms", 1767225600000ULL + static_cast<uint64_t>(i) * 1000},
              {"sender", std::string(64, '5')},
              {"contract", "notary"},
              {"method", "anchor"},
              {"ok", i != 1}};
  if (i == 1) {
    row["code"] = 3;
    row["error"] = "digest \"x\" already anchored,\nat height 2";
  }
  return row;
}

FakeResponse txs_pages(const FakeRequest& r) {
  if (r.target.rfind("/v1/txs?", 0) != 0) return FakeResponse{404, R"({"error":{}})"};
  const std::string after = param(r.target, "after");
  const int start = after == "<absent>" ? 0 : std::stoi(after);
  json rows = json::array();
  for (int i = start; i < std::min(start + 2, 5); ++i) rows.push_back(tx_row(i));
  json next = start + 2 < 5 ? json(std::to_string(start + 2)) : json(nullptr);
  return FakeResponse{200, json{{"txs", rows}, {"next", next}}.dump()};
}

// Splits an RFC 4180 document into records of fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      fields.push_back(field);
      field.clear();
      records.push_back(fields);
      fields.clear();
      ++i;
    } else {
      field += c;
    }
  }
  REQUIRE(fields.empty());
  REQUIRE(field.empty());
  return records;
}

}  // namespace

TEST_SUITE("audit_query") {
  TEST_CASE("CSV fields are quoted exactly when RFC 4180 needs it") {
    CHECK(csv_field("plain") == "plain");
    CHECK(csv_field("") == "");
    CHECK(csv_field("a,b") == "\"a,b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("two\nlines") == "\"two\nlines\"");
    CHECK(csv_field("cr\r") == "\"cr\r\"");
    CHECK(csv_field(" padded") == "\" padded\"");
    CHECK(to_csv({"a", "b,c"}, {json{{"a", 1}, {"b,c", "x\"y"}}, json{{"a", nullptr}}}) ==
          "a,\"b,c\"\r\n1,\"x\"\"y\"\r\n,\r\n");
    CHECK(to_csv({"ok", "obj"}, {json{{"ok", false}, {"obj", {{"k", 1}}}}}) ==
          "ok,obj\r\nfalse,\"{\"\"k\"\":1}\"\r\n");
    CHECK(to_jsonl({json{{"a", 1}}, json{{"b", "x\ny"}}}) == "{\"a\":1}\n{\"b\":\"x\\ny\"}\n");
  }

  TEST_CASE("formats parse by name") {
    CHECK(parse_export_format("table").value() == ExportFormat::kTable);
    CHECK(parse_export_format("json").value() == ExportFormat::kJson);
    CHECK(parse_export_format("jsonl").value() == ExportFormat::kJsonl);
    CHECK(parse_export_format("csv").value() == ExportFormat::kCsv);
    CHECK(parse_export_format("xml").status().code() == Status::Code::kInvalid);
  }

  TEST_CASE("the GET /v1/txs target carries every filter; bad filters are refused") {
    AuditTxsOptions o;
    CHECK(audit_txs_target(o, "").status().message().find("say what to search for") !=
          std::string::npos);
    o.sender = std::string(64, 'A');
    o.contract = "my contract";
    o.from_ms = 5;
    o.to_ms = 9;
    o.limit = 7;
    o.descending = true;
    auto t = audit_txs_target(o, "12:3");
    REQUIRE(t.is_ok());
    CHECK(param(*t, "sender") == std::string(64, 'a'));
    CHECK(param(*t, "contract") == "my%20contract");
    CHECK(param(*t, "from_ms") == "5");
    CHECK(param(*t, "to_ms") == "9");
    CHECK(param(*t, "limit") == "7");
    CHECK(param(*t, "order") == "desc");
    CHECK(param(*t, "after") == "12%3A3");

    AuditTxsOptions bad = o;
    bad.sender = "xyz";
    CHECK(audit_txs_target(bad, "").status().message().find("--sender \"xyz\"") !=
          std::string::npos);
    bad = o;
    bad.from_ms = 10;
    CHECK(audit_txs_target(bad, "").status().message() == "--from is after --to");
    bad = o;
    bad.limit = 1001;
    CHECK(audit_txs_target(bad, "").status().code() == Status::Code::kInvalid);
    bad = o;
    bad.sender_cert_file = "/x.pem";
    CHECK(audit_txs_target(bad, "").status().message().find("not both") != std::string::npos);
  }

  TEST_CASE("--sender-cert searches by the certificate's fingerprint") {
    REQUIRE(silk::core::crypto_init().is_ok());
    TempDir dir;
    const silk::core::SecretKey key = silk::core::SecretKey::generate();
    auto cert = silk::core::make_ca_certificate(key, {"auditor", "org1", "auditor", "SG"},
                                                1767225600000ULL, 1798761600000ULL);
    REQUIRE(cert.is_ok());
    std::ofstream(dir.file("a.pem")) << cert->pem();
    AuditTxsOptions o;
    o.sender_cert_file = dir.file("a.pem");
    auto t = audit_txs_target(o, "");
    REQUIRE(t.is_ok());
    CHECK(param(*t, "sender") == silk::core::to_hex(cert->fingerprint()));
    std::ofstream(dir.file("junk.pem")) << "not a certificate";
    o.sender_cert_file = dir.file("junk.pem");
    CHECK(audit_txs_target(o, "").status().code() == Status::Code::kInvalid);
    o.sender_cert_file = dir.file("missing.pem");
    CHECK(audit_txs_target(o, "").status().code() == Status::Code::kNotFound);
  }

  TEST_CASE("one page, or every page with --all, in each format") {
    FakeNode node(txs_pages);
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    AuditTxsOptions o;
    o.contract = "notary";
    o.limit = 2;

    auto one = run_audit_txs(ctx, o);
    REQUIRE_MESSAGE(one.is_ok(), one.status().to_string());
    CHECK(one->json["txs"].size() == 2);
    CHECK(one->json["next"] == "2");
    CHECK(one->text.find("10:0  2026-01-01T00:00:00.000Z  notary.anchor  ok") != std::string::npos);
    CHECK(one->text.find("FAILED: digest") != std::string::npos);
    CHECK(one->text.find("more: --after 2") != std::string::npos);

    o.all = true;
    o.format = ExportFormat::kJsonl;
    auto all = run_audit_txs(ctx, o);
    REQUIRE(all.is_ok());
    std::istringstream lines(all->text);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      CHECK(json::parse(line) == tx_row(n));
      ++n;
    }
    CHECK(n == 5);
    CHECK(all->json["next"].is_null());
    auto requests = node.requests();
    REQUIRE(requests.size() == 4);  // one, then three pages
    CHECK(param(requests[1].target, "after") == "<absent>");
    CHECK(param(requests[2].target, "after") == "2");
    CHECK(param(requests[3].target, "after") == "4");

    o.format = ExportFormat::kCsv;
    auto csv = run_audit_txs(ctx, o);
    REQUIRE(csv.is_ok());
    auto records = parse_csv(csv->text);
    REQUIRE(records.size() == 6);
    CHECK(records[0] == tx_csv_columns());
    CHECK(records[1][0] == std::string(64, 'a'));
    CHECK(records[1][4] == "2026-01-01T00:00:00.000Z");
    CHECK(records[1][8] == "true");
    CHECK(records[2][8] == "false");
    CHECK(records[2][9] == "3");
    CHECK(records[2][10] == "digest \"x\" already anchored,\nat height 2");
    CHECK(records[3][10] == "");

    o.format = ExportFormat::kJson;
    auto doc = run_audit_txs(ctx, o);
    REQUIRE(doc.is_ok());
    CHECK(json::parse(doc->text)["txs"].size() == 5);
  }

  TEST_CASE("--out writes a new file and never overwrites one") {
    FakeNode node(txs_pages);
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    TempDir dir;
    AuditTxsOptions o;
    o.from_ms = 0;
    o.all = true;
    o.format = ExportFormat::kCsv;
    o.out_file = dir.file("txs.csv");
    auto r = run_audit_txs(ctx, o);
    REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
    CHECK(r->text == "wrote 5 txs to " + o.out_file + "\n");
    CHECK(r->json["count"] == 5);
    CHECK(r->json["out"] == o.out_file);
    std::ifstream f(o.out_file, std::ios::binary);
    std::stringstream buf;
    buf << f.rdbuf();
    CHECK(parse_csv(buf.str()).size() == 6);
    auto again = run_audit_txs(ctx, o);
    CHECK(again.status().code() == Status::Code::kConflict);
  }

  TEST_CASE("the node's errors come through") {
    FakeNode node([](const FakeRequest&) {
      return FakeResponse{400,
                          R"({"error":{"code":"invalid","message":"query parameter 'limit'"}})"};
    });
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    AuditTxsOptions o;
    o.contract = "notary";
    auto r = run_audit_txs(ctx, o);
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK(r.status().message().find("query parameter 'limit'") != std::string::npos);
  }

  TEST_CASE("audit history pages by offset and exports every version") {
    FakeNode node([](const FakeRequest& r) {
      const uint64_t offset = std::stoull(param(r.target, "offset"));
      json versions = json::array();
      for (uint64_t i = offset; i < std::min<uint64_t>(offset + 2, 3); ++i) {
        versions.push_back({{"height", i + 1},
                            {"index", 0},
                            {"tx_id", "t" + std::to_string(i)},
                            {"timestamp_ms", 1767225600000ULL},
                            {"deleted", i == 2},
                            {"value", i == 2 ? json(nullptr) : json{{"v", i}, {"s", "a,b"}}}});
      }
      json next = offset + 2 < 3 ? json(offset + 2) : json(nullptr);
      return FakeResponse{
          200, json{{"key", "k"}, {"offset", offset}, {"versions", versions}, {"next_offset", next}}
                   .dump()};
    });
    ManualClock clock(1);
    auto ctx = make_context(node.url(), clock);
    AuditHistoryOptions o;
    o.key = "notary/a b";
    o.limit = 2;
    o.all = true;
    o.format = ExportFormat::kCsv;
    auto r = run_audit_history(ctx, o);
    REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
    auto records = parse_csv(r->text);
    REQUIRE(records.size() == 4);
    CHECK(records[0] == std::vector<std::string>{"height", "index", "tx_id", "timestamp_ms",
                                                 "time_utc", "deleted", "value"});
    CHECK(json::parse(records[1][6]) == json{{"v", 0}, {"s", "a,b"}});
    CHECK(records[3][5] == "true");
    CHECK(records[3][6] == "");
    auto requests = node.requests();
    REQUIRE(requests.size() == 2);
    CHECK(param(requests[0].target, "key") == "notary/a%20b");
    CHECK(param(requests[1].target, "offset") == "2");

    o.format = ExportFormat::kJsonl;
    o.all = false;
    auto page = run_audit_history(ctx, o);
    REQUIRE(page.is_ok());
    CHECK(std::count(page->text.begin(), page->text.end(), '\n') == 2);
    CHECK(page->json["next_offset"] == 2);
    o.format = ExportFormat::kTable;
    auto table = run_audit_history(ctx, o);
    REQUIRE(table.is_ok());
    CHECK(table->text.find("more: --offset 2") != std::string::npos);
  }
}
