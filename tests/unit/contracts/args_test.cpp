// The shared argument reader (args.h), and a sweep that feeds every method and query of every
// native contract malformed args and checks that the refusals are ours: no JSON library
// exception text or type name, and no contract exception at all (which the executor would turn
// into its catch-all words), ever reaches a receipt.
#include "silk/contracts/args.h"

#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "unit/contracts/cert_chain.h"

namespace silk::contracts {
namespace {

using core::Status;
using nlohmann::json;
using testing::CertChain;
using testing::Identity;

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

template <typename T>
std::string error_of(const core::Result<T>& r) {
  return r.status().message();
}

// Words that only a JSON library (or an exception escaping a contract) would write.
const std::vector<std::string>& foreign_words() {
  static const std::vector<std::string> kWords = {
      "[json.exception", "type must be", "cannot use operator",  "invalid_iterator",
      "out_of_range",    "parse_error",  "type_error",           "syntax error",
      "got a JSON ",     "key '",        "do not have the shape"};
  return kWords;
}

void check_ours(const std::string& where, const std::string& message) {
  CHECK_MESSAGE(!message.empty(), where << ": an empty refusal");
  for (const std::string& w : foreign_words()) {
    CHECK_MESSAGE(!contains(message, w), where << ": '" << w << "' in: " << message);
  }
}

TEST_SUITE("args") {
  TEST_CASE("the reader names the field, what it wanted and what it got, in our words") {
    const json args = {{"s", "xyz"},        {"n", 5},
                       {"neg", -1},         {"f", 1.5},
                       {"b", true},         {"h", std::string(64, 'a')},
                       {"arr", {"x", "y"}}, {"obj", {{"k", 1}}},
                       {"nul", nullptr},    {"id", "CO-1"},
                       {"cc", "SG"},        {"org", "org1"}};
    auto a = Args::of(args, "m",
                      {"s", "n", "neg", "f", "b", "h", "arr", "obj", "nul", "id", "cc", "org"});
    REQUIRE(a.is_ok());
    CHECK(*a->string("s", 8) == "xyz");
    CHECK(error_of(a->string("s", 2)) == "s: 3 bytes, at most 2");
    CHECK(error_of(a->string("missing", 8)) == "missing: missing");
    CHECK(error_of(a->string("nul", 8)) == "nul: missing");
    CHECK(error_of(a->string("n", 8)) == "n: expected a string, got a number");
    CHECK(*a->u64("n") == 5);
    CHECK(error_of(a->u64("neg")) == "neg: expected a non-negative integer, got a negative number");
    CHECK(error_of(a->u64("f")) == "f: expected a non-negative integer, got a fraction");
    CHECK(error_of(a->boolean("s")) == "s: expected true or false, got a string");
    CHECK(a->hash("h").is_ok());
    CHECK(error_of(a->hash("s")) ==
          "s: expected 64 hex characters (SHA-256), got 3 characters that are not all hex");
    CHECK(*a->strings("arr", 4, 4) == std::vector<std::string>{"x", "y"});
    CHECK(error_of(a->strings("arr", 1, 4)) == "arr: 2 items, at most 1");
    CHECK(error_of(a->strings("obj", 4, 4)) == "obj: expected an array of strings, got an object");
    CHECK(*read_doc_id(*a, "id") == "CO-1");
    CHECK(error_of(read_doc_id(*a, "s")).empty());
    CHECK(error_of(read_jurisdiction(*a, "s")) == "s: 'xyz' is not an ISO 3166-1 alpha-2 code");
    CHECK(*read_org_id(*a, "org") == "org1");

    CHECK(error_of(Args::of(json::array(), "m", {})) ==
          "args: expected a JSON object, got an array");
    CHECK(error_of(Args::of(json{{"x", 1}}, "m", {"a", "b"})) ==
          "args: unknown field 'x' (m takes a, b)");
    CHECK(error_of(Args::of(json{{"x", 1}}, "m", {})) ==
          "args: unknown field 'x' (m takes no args)");
    const json with_new = json::parse(R"({"new": {"doc_id": 7}})");
    auto nested = Args::of(with_new, "amend", {"new"});
    REQUIRE(nested.is_ok());
    const std::array<std::string_view, 1> inner = {"doc_id"};
    auto n = nested->nested("new", "issue", inner);
    REQUIRE(n.is_ok());
    CHECK(error_of(read_doc_id(*n)) == "new.doc_id: expected a string, got a number");
    CHECK(error_of(nested->nested("missing", "issue", inner)) ==
          "missing: missing (a JSON object)");
  }

  TEST_CASE("every contract refuses malformed args in its own words") {
    CertChain chain;
    std::vector<Identity> who;
    who.push_back(chain.member("org1", "admin", "admin1"));
    who.push_back(chain.member("org1", "regulator", "reg1"));
    who.push_back(chain.member("org1", "issuer", "issuer1"));
    who.push_back(chain.member("org2", "client", "client2"));
    who.push_back(chain.member("org3", "arbitrator", "arb3"));
    const std::map<std::string, std::vector<std::string>> methods = {
        {"notary", {"anchor"}},
        {"identity", {"register", "revoke", "freeze", "unfreeze"}},
        {"governance", {"propose", "approve", "withdraw"}},
        {"trust",
         {"register_jurisdiction", "add_authority", "withdraw_authority", "regrant", "propose_mra",
          "approve_mra", "suspend_mra", "reinstate_mra", "repeal_mra"}},
        {"documents",
         {"register_type", "issue", "bulk_issue", "revoke", "suspend", "reinstate", "amend",
          "utilise"}},
        {"dataflow",
         {"classify", "file_approval", "approve_approval", "reject_approval", "revoke_approval",
          "share"}},
        {"ebl",
         {"issue", "endorse", "endorse_to_order", "blank_endorse", "transfer", "request_surrender",
          "accept_surrender", "reject_surrender", "void", "amend"}},
        {"trade",
         {"open", "accept", "attach", "ship", "confirm_delivery", "settle", "dispute", "decide",
          "release", "hold"}},
        {"evidence", {"report"}}};
    const std::map<std::string, std::vector<std::string>> queries = {
        {"identity", {"status", "cert", "crl"}},
        {"governance", {"config", "proposal", "proposals"}},
        {"trust",
         {"jurisdiction", "jurisdictions", "authority", "authorities", "mra", "mras", "recognises",
          "authority_check"}},
        {"documents", {"type", "types", "document", "history", "verify"}},
        {"dataflow", {"label", "approval", "approvals", "shares", "may_share"}},
        {"ebl", {"record", "chain", "title"}},
        {"trade", {"deal", "deals", "holds"}}};
    const std::vector<json> bad_values = {json(12345),
                                          json(-7),
                                          json(1.5),
                                          json(true),
                                          json(nullptr),
                                          json(""),
                                          json(std::string(70000, 'x')),
                                          json::array(),
                                          json::array({1, "a", nullptr}),
                                          json::object(),
                                          json{{"a", {{"b", 1}}}},
                                          json("CO-1"),
                                          json("org1"),
                                          json("SG"),
                                          json(std::string(64, 'z'))};

    // A method's fields, from its refusal of an unknown one ("... (m takes a, b, c)").
    auto fields_of = [](const std::string& message) {
      std::vector<std::string> out;
      const size_t at = message.find(" takes ");
      if (at == std::string::npos) return out;
      std::string list = message.substr(at + 7);
      list = list.substr(0, list.find(')'));
      size_t pos = 0;
      while (pos < list.size()) {
        size_t comma = list.find(", ", pos);
        std::string f =
            list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!f.empty() && f != "no args") out.push_back(f);
        if (comma == std::string::npos) break;
        pos = comma + 2;
      }
      return out;
    };

    size_t checked = 0;
    for (const auto& [contract, names] : methods) {
      for (const std::string& method : names) {
        // Learn the fields from the refusal of an unknown one.
        core::Receipt probe =
            chain.run1(chain.tx(who[0], contract, method, json{{"zz_unknown", 1}}));
        check_ours(contract + "." + method + " probe", probe.message);
        std::vector<std::string> fields = fields_of(probe.message);
        std::vector<json> cases = {json::object()};
        for (const json& v : bad_values) {
          json all = json::object();
          for (const std::string& f : fields) {
            cases.push_back(json{{f, v}});
            all[f] = v;
          }
          cases.push_back(all);
        }
        for (const Identity& id : who) {
          std::vector<core::Tx> txs;
          for (const json& c : cases) txs.push_back(chain.tx(id, contract, method, c));
          BlockExecution exec = chain.run(txs);
          for (size_t i = 0; i < txs.size(); ++i) {
            const core::Receipt& r = exec.receipts[i];
            if (r.ok()) continue;
            check_ours(contract + "." + method + " " + cases[i].dump().substr(0, 120), r.message);
            ++checked;
          }
        }
      }
    }
    for (const auto& [contract, names] : queries) {
      for (const std::string& method : names) {
        auto probe = chain.query(contract, method, json{{"zz_unknown", 1}});
        if (!probe.is_ok()) check_ours(contract + "." + method, probe.status().message());
        std::vector<std::string> fields = fields_of(probe.is_ok() ? "" : probe.status().message());
        for (const json& v : bad_values) {
          for (const std::string& f : fields) {
            auto r = chain.query(contract, method, json{{f, v}});
            if (r.is_ok()) continue;
            check_ours(contract + "." + method + " " + f, r.status().message());
            ++checked;
          }
        }
      }
    }
    MESSAGE("refusals checked: " << checked);
    CHECK(checked > 2000);
  }
}

}  // namespace
}  // namespace silk::contracts
