#include "silk/node/json_view.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "unit/node/node_test_support.h"

namespace silk::node {
namespace {

using nlohmann::json;
using core::json_duplicate_key;

// What GET /v1/history wrote before key_versions_page_json: a parse and a dump.
std::string parsed_and_dumped(std::string_view text) { return dump_json(embed_json_text(text)); }

std::string appended(std::string_view text) {
  std::string out = "<";
  append_json_text(out, text);
  CHECK(out.front() == '<');  // appends, keeps what is there
  return out.substr(1);
}

std::string nested_arrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST_SUITE("json_view") {
  TEST_CASE("tx fields as docs/api.md shows them") {
    test::TestChain chain;
    const core::Tx tx = test::anchor_tx(chain.client_key, 42);
    const json j = tx_to_json(tx);
    CHECK(j["version"] == 1);
    CHECK(j["chain_id"] == test::kChainId);
    CHECK(j["nonce"] == 42);
    CHECK(j["timestamp_ms"] == test::kNow);
    CHECK(j["sender_kind"] == "public_key");
    CHECK(j["sender"] == core::to_hex(chain.client_key.public_key()));
    CHECK(j["contract"] == "notary");
    CHECK(j["method"] == "anchor");
    CHECK(j["args"]["hash"] == test::digest_hex(42));  // embedded as JSON
    CHECK(j["signature"].get<std::string>().size() == 128);
    CHECK(j["hex"] == core::to_hex(tx.encode()));
  }

  TEST_CASE("receipt, with code names and embedded JSON") {
    core::Receipt r;
    r.code = static_cast<uint32_t>(core::Status::Code::kConflict);
    r.message = "digest already anchored";
    r.events.push_back({"notary", "anchored", R"({"hash":"ab"})"});
    json j = receipt_to_json(r);
    CHECK(j["code"] == 4);
    CHECK(j["code_name"] == "conflict");
    CHECK(j["message"] == "digest already anchored");
    CHECK(j["result"].is_null());
    CHECK(j["events"][0]["data"]["hash"] == "ab");
    r.code = 77;
    CHECK(receipt_to_json(r)["code_name"] == "unknown");
  }

  TEST_CASE("text that is not JSON, or nested too deep, stays a string") {
    CHECK(embed_json_text("not json") == "not json");
    CHECK(embed_json_text("") == "");
    CHECK(embed_json_text("[1,{\"a\":2}]")[1]["a"] == 2);
    const std::string deep(10000, '[');
    CHECK(json_nesting_depth(deep) == 10000);
    CHECK(embed_json_text(deep) == deep);
    CHECK(json_nesting_depth(R"({"a":"[[[[","b":["\"]"]})") == 2);
  }

  TEST_CASE("json_duplicate_key finds a repeated key at any depth, after unescaping") {
    CHECK_FALSE(json_duplicate_key(R"({"a":1,"b":{"a":2}})"));
    CHECK(json_duplicate_key(R"({"a":1,"a":2})") == "'a' at $");
    CHECK(json_duplicate_key(R"({"a":1,"\u0061":2})") == "'a' at $");
    CHECK(json_duplicate_key(R"({"x":{"y":[0,{"k":1,"k":1}]}})") == "'k' at $.x.y[1]");
    CHECK(json_duplicate_key(R"([{"a":1},{"a":1}])") == std::nullopt);
    CHECK(json_duplicate_key(R"({"a":1,"b")") == std::nullopt);  // invalid: the parse says why
    CHECK(json_duplicate_key(R"({"a":1,"a")") == "'a' at $");  // what was read before counts
    CHECK(json_duplicate_key("") == std::nullopt);
  }

  TEST_CASE("dump never throws on invalid UTF-8") {
    json j = {{"s", std::string("\xff\xfe ok")}};
    CHECK(dump_json(j).find("ok") != std::string::npos);
  }

  TEST_CASE("canonical JSON is spliced as it is: the bytes a parse and dump write") {
    const std::vector<std::string> texts = {
        R"({"a":1,"b":[true,false,null],"c":{"d":"e"}})",
        R"(["h1a2b_0","h1a2b_1","h1a2b_10"])",
        R"("just a string")",
        "42",
        "0",
        "-7",
        "18446744073709551615",
        "-9223372036854775808",
        "null",
        "{}",
        "[]",
        R"({"":0,"A":1,"a":2,"ab":3,"b":4})",
        "[0.1,1.5,-0.0,1.0,1e+100,1.5e-07,123456789012.5]",
        "{\"s\":\"quote \\\" backslash \\\\ \\b\\f\\n\\r\\t \\u0000\\u0001\\u001f \x7f "
        "\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 /\"}",
        "{\"caf\xc3\xa9\":1,\"zz\":2}",
        json{{"codes", {"a", "b"}}, {"n", -3}, {"x", 2.5}, {"z", {{"y", nullptr}}}}.dump(),
    };
    for (const std::string& text : texts) {
      CAPTURE(text);
      CHECK(is_canonical_json(text));
      CHECK(appended(text) == text);
      CHECK(appended(text) == parsed_and_dumped(text));
    }
  }

  TEST_CASE("canonical JSON with whitespace: spliced, trimmed, the same JSON") {
    const std::string text = " \n{\"a\" : [1, 2],\t\"b\":\"x y\"}\r\n ";
    CHECK(is_canonical_json(text));
    CHECK(appended(text) == "{\"a\" : [1, 2],\t\"b\":\"x y\"}");
    CHECK(json::parse(appended(text)) == json::parse(parsed_and_dumped(text)));
  }

  TEST_CASE("text that is not JSON becomes a JSON string, as before") {
    const std::vector<std::string> texts = {
        "not json",
        "",
        " ",
        "{",
        "[1,]",
        "[1 2]",
        "01",
        "1.",
        ".5",
        "+1",
        "-",
        "tru",
        "nul",
        "{\"a\":1}x",
        "{\"a\" 1}",
        "{a:1}",
        "\"unterminated",
        "nan",
        "[1e400]",
        "[\"\\x\"]",
        "[\"\\u12\"]",
        "[\"\\ud800\"]",
        "[\"tab\there\"]",
        "CO-2026-001",
    };
    for (const std::string& text : texts) {
      CAPTURE(text);
      CHECK_FALSE(is_canonical_json(text));
      CHECK(appended(text) == dump_json(json(text)));
      CHECK(appended(text) == parsed_and_dumped(text));
    }
  }

  TEST_CASE("nested deeper than kMaxJsonDepth becomes a string") {
    const std::string deepest = nested_arrays(kMaxJsonDepth);
    CHECK(is_canonical_json(deepest));
    CHECK(appended(deepest) == deepest);
    const std::string too_deep = nested_arrays(kMaxJsonDepth + 1);
    CHECK_FALSE(is_canonical_json(too_deep));
    CHECK(appended(too_deep) == dump_json(json(too_deep)));
    std::string objects;
    for (size_t i = 0; i <= kMaxJsonDepth; ++i) objects += "{\"a\":";
    objects += "1" + std::string(kMaxJsonDepth + 1, '}');
    CHECK_FALSE(is_canonical_json(objects));
    CHECK(appended(objects) == dump_json(json(objects)));
    const std::string very_deep = nested_arrays(100000);  // no stack overflow
    CHECK_FALSE(is_canonical_json(very_deep));
    CHECK(appended(very_deep) == dump_json(json(very_deep)));
  }

  TEST_CASE("invalid UTF-8 never reaches the output: a string with U+FFFD, as before") {
    const std::vector<std::string> texts = {
        "[\"\xff\"]",              // not a UTF-8 byte
        "{\"a\":\"\xc0\xaf\"}",    // overlong
        "[\"\xed\xa0\x80\"]",      // a surrogate
        "[\"\xf4\x90\x80\x80\"]",  // above U+10FFFF
        "[\"\xe4\xb8\"]",          // cut short
        "[\"\xe4\xb8",             // cut short at the end of the text
        "{\"\x80\":1}",            // a stray continuation byte in a name
        "\xff{}",                  // outside a string
    };
    for (const std::string& text : texts) {
      CAPTURE(text);
      CHECK_FALSE(is_canonical_json(text));
      const std::string out = appended(text);
      CHECK(out == parsed_and_dumped(text));
      CHECK(json::accept(out));
      CHECK(out.find("\xef\xbf\xbd") != std::string::npos);  // U+FFFD
    }
  }

  TEST_CASE("valid JSON in another form than dump_json's is parsed and dumped, as before") {
    const std::vector<std::string> texts = {
        R"({"b":1,"a":2})",  // names out of order
        R"({"a":1,"a":2})",  // a repeated name
        R"({"k\n":1})",      // an escape in a name
        R"(["\u00e9"])",     // dump_json writes it as UTF-8
        R"(["\/"])",         // and this as /
        R"(["\u0008"])",     // and this as \b
        R"(["\u001F"])",     // upper-case hex
        "[1E5]",
        "[1e5]",
        "[1.50]",
        "[1e+05]",
        "[-0]",
        "[18446744073709551616]",
        "[-9223372036854775809]",
        "[1e-400]",
        "\xef\xbb\xbf[1]",  // a byte order mark, which nlohmann skips
    };
    for (const std::string& text : texts) {
      CAPTURE(text);
      CHECK(json::accept(text));
      CHECK_FALSE(is_canonical_json(text));
      CHECK(appended(text) == parsed_and_dumped(text));
    }
  }

  TEST_CASE("append_json_text writes what a parse and dump write, for mutated texts") {
    // No whitespace in the texts or the mutations: then the bytes must match.
    const std::vector<std::string> seeds = {
        R"({"a":[1,-2,3.5,true,false,null],"b":{"c":"d\"e\\f\n\u0001"},"ca":[]})",
        "[\"h1_0\",\"h1_1\",\"caf\xc3\xa9\",\"\xf0\x9f\x98\x80\",0,-0.0,1e+100,"
        "18446744073709551615]",
        R"({"":{"":[[{}]]},"x":"\u001f"})",
    };
    const std::string alphabet =
        "{}[]\",:\\/-+.0123456789eEtrufalsnu\x7f\x80\xbf\xc3\xa9\xe4\xf0\xff\x01"
        "ab";
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    auto next = [&rng](size_t n) {
      rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<size_t>((rng >> 33) % n);
    };
    size_t spliced = 0;
    size_t total = 0;
    for (const std::string& seed : seeds) {
      for (int round = 0; round < 3000; ++round) {
        std::string text = seed;
        for (size_t edits = 1 + next(3); edits > 0; --edits) {
          const size_t at = next(text.size() + 1);
          const char c = alphabet[next(alphabet.size())];
          switch (next(3)) {
            case 0:
              text.insert(at, 1, c);
              break;
            case 1:
              if (at < text.size()) text[at] = c;
              break;
            default:
              if (at < text.size()) text.erase(at, 1);
              break;
          }
        }
        CAPTURE(text);
        const bool canonical = is_canonical_json(text);
        const std::string out = appended(text);
        REQUIRE(out == parsed_and_dumped(text));
        if (canonical) REQUIRE(out == text);
        spliced += canonical ? 1 : 0;
        ++total;
      }
    }
    CHECK(spliced > total / 20);  // the mutations do reach the splice path
    CHECK(spliced < total);
  }

  TEST_CASE("a history page: the bytes the objects dumped before would give") {
    auto version = [](uint64_t height, bool deleted, std::string value) {
      core::KeyVersion v;
      v.height = height;
      v.tx_index = static_cast<uint32_t>(height % 3);
      v.tx_id = core::sha256("tx " + std::to_string(height));
      v.timestamp_ms = test::kNow + height;
      v.deleted = deleted;
      v.value = std::move(value);
      return v;
    };
    const std::vector<core::KeyVersion> versions = {
        version(1, false, R"(["h1_0"])"),
        version(2, false,
                R"({"code":"bol","issuer_roles":["issuer"],"name":"Bill \"of\" lading"})"),
        version(3, true, ""),
        version(4, false, "CO-2026-001"),
        version(5, false, R"({"b":1,"a":[1.50,"\u00e9"]})"),
        version(6, false, "[\"\xff\"]"),
        version(7, false, nested_arrays(kMaxJsonDepth + 1)),
        version(8, false, " [1, 2] "),
        version(9, false, "5"),
    };
    auto before = [](std::string_view key, uint64_t offset, const std::vector<core::KeyVersion>& vs,
                     const json& next_offset) {
      json list = json::array();
      for (const core::KeyVersion& v : vs) list.push_back(key_version_to_json(v));
      return dump_json({{"key", std::string(key)},
                        {"offset", offset},
                        {"versions", std::move(list)},
                        {"next_offset", next_offset}});
    };
    const std::string page = key_versions_page_json("documents/type_index", 40, versions, 49);
    const std::string old_page = before("documents/type_index", 40, versions, 49);
    CHECK(json::parse(page) == json::parse(old_page));
    // Byte for byte, but for the whitespace of version 8.
    std::string old_spaced = old_page;
    const std::string compact = R"("value":[1,2]})";
    REQUIRE(old_spaced.find(compact) != std::string::npos);
    old_spaced.replace(old_spaced.find(compact), compact.size(), R"("value":[1, 2]})");
    CHECK(page == old_spaced);
    const json parsed = json::parse(page);
    CHECK(parsed["versions"].size() == versions.size());
    CHECK(parsed["versions"][0]["value"] == json::array({"h1_0"}));
    CHECK(parsed["versions"][2]["deleted"] == true);
    CHECK(parsed["versions"][2]["value"].is_null());
    CHECK(parsed["versions"][3]["value"] == "CO-2026-001");
    CHECK(parsed["versions"][8]["value"] == 5);

    CHECK(key_versions_page_json("a", 0, {}, std::nullopt) ==
          R"({"key":"a","next_offset":null,"offset":0,"versions":[]})");
    CHECK(key_versions_page_json("a", 0, {}, std::nullopt) == before("a", 0, {}, nullptr));
    const std::string odd_key = "k\"\\\n\xff";
    CHECK(key_versions_page_json(odd_key, 7, {versions[0]}, std::nullopt) ==
          before(odd_key, 7, {versions[0]}, nullptr));
  }

  TEST_CASE("errors") {
    CHECK(dump_json(error_to_json(core::Status::invalid("tx 0: bad hex"))) ==
          R"({"error":{"code":"invalid","message":"tx 0: bad hex"}})");
  }
}

}  // namespace
}  // namespace silk::node
