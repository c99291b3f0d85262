#include "silk/core/genesis.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "silk/core/block.h"
#include "silk/core/crypto.h"

using namespace silk::core;
using nlohmann::json;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// RFC 8032 TEST 1 and TEST 2 public keys, and TEST 3 as the validator.
const char* kPk1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const char* kPk2 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
const char* kPk3 = "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025";

PublicKey pk(const char* hex) {
  auto r = public_key_from_hex(hex);
  REQUIRE(r.is_ok());
  return r.value();
}

// A complete genesis with every field given.
json valid_json() {
  return json{
      {"chain_id", "silk-test-chain"},
      {"timestamp_ms", 1700000000000ull},
      {"tx_window_ms", 300000},
      {"consensus",
       {{"type", "solo"},
        {"block_interval_ms", 250},
        {"max_block_txs", 1000},
        {"max_block_bytes", 4194304},
        {"empty_blocks", true}}},
      {"identity",
       {{"mode", "with-key"},
        {"members", json::array({{{"name", "org1-admin"},
                                  {"public_key", kPk1},
                                  {"org", "org1"},
                                  {"roles", json::array({"admin", "client"})}},
                                 {{"name", "org2-issuer"},
                                  {"public_key", kPk2},
                                  {"org", "org2"},
                                  {"roles", json::array({"issuer", "regulator", "auditor"})}}})}}},
      {"validators", json::array({kPk3})},
  };
}

// The same document as a human would write it: keys in file order, indented.
const char* kPretty = R"({
  "validators": ["fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"],
  "chain_id": "silk-test-chain",
  "identity": {
    "members": [
      {"roles": ["admin", "client"], "org": "org1", "name": "org1-admin",
       "public_key": "D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A"},
      {"name": "org2-issuer", "public_key": "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
       "org": "org2", "roles": ["issuer", "regulator", "auditor"]}
    ],
    "mode": "with-key"
  },
  "consensus": {"empty_blocks": true, "max_block_bytes": 4194304, "max_block_txs": 1000,
                "block_interval_ms": 250, "type": "solo"},
  "tx_window_ms": 300000,
  "timestamp_ms": 1700000000000
}
)";

Result<Genesis> parse(const json& j) { return Genesis::parse(j.dump()); }

void check_equal(const Genesis& a, const Genesis& b) {
  CHECK(a.chain_id == b.chain_id);
  CHECK(a.timestamp_ms == b.timestamp_ms);
  CHECK(a.tx_window_ms == b.tx_window_ms);
  CHECK(a.consensus.type == b.consensus.type);
  CHECK(a.consensus.block_interval_ms == b.consensus.block_interval_ms);
  CHECK(a.consensus.max_block_txs == b.consensus.max_block_txs);
  CHECK(a.consensus.max_block_bytes == b.consensus.max_block_bytes);
  CHECK(a.consensus.empty_blocks == b.consensus.empty_blocks);
  CHECK(a.identity_mode == b.identity_mode);
  REQUIRE(a.members.size() == b.members.size());
  for (size_t i = 0; i < a.members.size(); ++i) {
    CHECK(a.members[i].name == b.members[i].name);
    CHECK(a.members[i].public_key == b.members[i].public_key);
    CHECK(a.members[i].org == b.members[i].org);
    CHECK(a.members[i].roles == b.members[i].roles);
  }
  CHECK(a.validators == b.validators);
  CHECK(a.canonical_json == b.canonical_json);
  CHECK(a.hash == b.hash);
}

// Parses j after `mutate`, expects kInvalid with every needle in the message.
void expect_invalid(const std::function<void(json&)>& mutate,
                    std::initializer_list<const char*> needles) {
  json j = valid_json();
  mutate(j);
  auto g = parse(j);
  if (g.is_ok()) {
    FAIL_CHECK("accepted: " << j.dump());
    return;
  }
  CHECK(g.status().code() == Status::Code::kInvalid);
  for (const char* n : needles) {
    CAPTURE(n);
    CHECK(contains(g.status().message(), n));
  }
}

}  // namespace

TEST_SUITE("genesis") {
  TEST_CASE("a valid genesis parses into its fields") {
    REQUIRE(crypto_init().is_ok());
    auto g = parse(valid_json());
    REQUIRE(g.is_ok());
    CHECK(g->chain_id == "silk-test-chain");
    CHECK(g->timestamp_ms == 1700000000000ull);
    CHECK(g->tx_window_ms == 300000);
    CHECK(g->consensus.type == "solo");
    CHECK(g->consensus.block_interval_ms == 250);
    CHECK(g->consensus.max_block_txs == 1000);
    CHECK(g->consensus.max_block_bytes == 4194304);
    CHECK(g->consensus.empty_blocks);
    CHECK(g->identity_mode == "with-key");
    REQUIRE(g->members.size() == 2);
    CHECK(g->members[0].name == "org1-admin");
    CHECK(g->members[0].public_key == pk(kPk1));
    CHECK(g->members[0].org == "org1");
    CHECK(g->members[0].roles == std::vector<std::string>{"admin", "client"});
    CHECK(g->members[1].public_key == pk(kPk2));
    REQUIRE(g->validators.size() == 1);
    CHECK(g->validators[0] == pk(kPk3));
  }

  TEST_CASE("the canonical JSON has sorted keys and no whitespace; the hash is its SHA-256") {
    REQUIRE(crypto_init().is_ok());
    auto g = parse(valid_json());
    REQUIRE(g.is_ok());
    // nlohmann's dump() of an object is sorted keys, no whitespace: an independent canonical form.
    CHECK(g->canonical_json == valid_json().dump());
    CHECK_FALSE(contains(g->canonical_json, " "));
    CHECK_FALSE(contains(g->canonical_json, "\n"));
    const std::string& c = g->canonical_json;
    CHECK(c.find("\"chain_id\"") < c.find("\"consensus\""));
    CHECK(c.find("\"consensus\"") < c.find("\"identity\""));
    CHECK(c.find("\"identity\"") < c.find("\"timestamp_ms\""));
    CHECK(c.find("\"timestamp_ms\"") < c.find("\"tx_window_ms\""));
    CHECK(c.find("\"tx_window_ms\"") < c.find("\"validators\""));
    CHECK(g->hash == sha256(g->canonical_json));
  }

  TEST_CASE("layout, key order and hex case do not change the canonical form or hash") {
    REQUIRE(crypto_init().is_ok());
    auto compact = parse(valid_json());
    auto pretty = Genesis::parse(kPretty);
    REQUIRE(compact.is_ok());
    REQUIRE(pretty.is_ok());
    check_equal(pretty.value(), compact.value());
  }

  TEST_CASE("any field change changes the hash") {
    REQUIRE(crypto_init().is_ok());
    const Hash base = parse(valid_json())->hash;
    const std::vector<std::function<void(json&)>> mutations = {
        [](json& j) { j["chain_id"] = "silk-test-chain2"; },
        [](json& j) { j["timestamp_ms"] = 1700000000001ull; },
        [](json& j) { j["tx_window_ms"] = 300001; },
        [](json& j) { j["consensus"]["type"] = "raft"; },
        [](json& j) { j["consensus"]["block_interval_ms"] = 251; },
        [](json& j) { j["consensus"]["max_block_txs"] = 1001; },
        [](json& j) { j["consensus"]["max_block_bytes"] = 4194305; },
        [](json& j) { j["consensus"]["empty_blocks"] = false; },
        [](json& j) { j["identity"]["members"][0]["name"] = "org1-admin2"; },
        [](json& j) { j["identity"]["members"][0]["org"] = "org3"; },
        [](json& j) { j["identity"]["members"][0]["roles"].push_back("node"); },
        [](json& j) { std::swap(j["identity"]["members"][0], j["identity"]["members"][1]); },
        [](json& j) { j["validators"].push_back(kPk1); },
    };
    for (size_t i = 0; i < mutations.size(); ++i) {
      CAPTURE(i);
      json j = valid_json();
      mutations[i](j);
      auto g = parse(j);
      REQUIRE(g.is_ok());
      CHECK_FALSE(g->hash == base);
    }
  }

  TEST_CASE("to_json re-parses to an equal genesis with the same hash") {
    REQUIRE(crypto_init().is_ok());
    auto g = parse(valid_json());
    REQUIRE(g.is_ok());
    const std::string text = g->to_json();
    CHECK(text == g->canonical_json);
    auto again = Genesis::parse(text);
    REQUIRE(again.is_ok());
    check_equal(again.value(), g.value());
    CHECK(again->to_json() == text);

    // A Genesis built in code (as `silk init-solo` does) survives the same way.
    Genesis made;
    made.chain_id = "made-in-code";
    made.timestamp_ms = 42;
    made.consensus.type = "tbft";
    made.members.push_back(Member{"a", pk(kPk1), "org1", {"admin"}});
    made.members.push_back(Member{"b", pk(kPk2), "org2", {}});
    made.validators = {pk(kPk1), pk(kPk2), pk(kPk3)};
    auto parsed = Genesis::parse(made.to_json());
    REQUIRE(parsed.is_ok());
    CHECK(parsed->chain_id == made.chain_id);
    CHECK(parsed->consensus.type == "tbft");
    CHECK(parsed->consensus.block_interval_ms == made.consensus.block_interval_ms);
    CHECK(parsed->consensus.max_block_txs == made.consensus.max_block_txs);
    CHECK(parsed->consensus.max_block_bytes == made.consensus.max_block_bytes);
    CHECK(parsed->tx_window_ms == made.tx_window_ms);
    CHECK(parsed->members.size() == 2);
    CHECK(parsed->members[1].roles.empty());
    CHECK(parsed->validators == made.validators);
    CHECK(parsed->canonical_json == made.to_json());
    CHECK(parsed->hash == sha256(made.to_json()));
  }

  TEST_CASE("optional fields take their documented defaults") {
    REQUIRE(crypto_init().is_ok());
    json j = valid_json();
    j.erase("tx_window_ms");
    j.erase("timestamp_ms");
    j.erase("consensus");
    auto g = parse(j);
    REQUIRE(g.is_ok());
    const ConsensusParams defaults;
    CHECK(g->tx_window_ms == 10 * 60 * 1000);
    CHECK(g->timestamp_ms == 0);
    CHECK(g->consensus.type == "solo");
    CHECK(g->consensus.block_interval_ms == defaults.block_interval_ms);
    CHECK(g->consensus.max_block_txs == defaults.max_block_txs);
    CHECK(g->consensus.max_block_bytes == defaults.max_block_bytes);
    CHECK(g->consensus.empty_blocks == defaults.empty_blocks);
    // The hash covers the defaults it filled in.
    CHECK(g->hash == sha256(g->canonical_json));
    CHECK(contains(g->canonical_json, "\"tx_window_ms\":600000"));
  }

  TEST_CASE("every consensus type DESIGN.md names is accepted") {
    REQUIRE(crypto_init().is_ok());
    for (const char* type : {"solo", "raft", "tbft"}) {
      json j = valid_json();
      j["consensus"]["type"] = type;
      auto g = parse(j);
      REQUIRE(g.is_ok());
      CHECK(g->consensus.type == type);
    }
  }

  TEST_CASE("errors name the field") {
    REQUIRE(crypto_init().is_ok());
    expect_invalid([](json& j) { j.erase("chain_id"); }, {"chain_id"});
    expect_invalid([](json& j) { j["chain_id"] = ""; }, {"chain_id"});
    expect_invalid([](json& j) { j["chain_id"] = 7; }, {"chain_id"});
    // The form of an engine name; whether the engine exists is consensus' to say.
    expect_invalid([](json& j) { j["consensus"]["type"] = "Proof-of-Work"; },
                   {"consensus", "Proof-of-Work"});
    expect_invalid([](json& j) { j["consensus"]["type"] = "Solo"; }, {"consensus"});
    expect_invalid([](json& j) { j["validators"] = json::array(); }, {"validators"});
    expect_invalid([](json& j) { j.erase("validators"); }, {"validators"});
    expect_invalid([](json& j) { j["validators"] = json::array({"zz"}); }, {"validators"});
    expect_invalid([](json& j) { j["validators"] = json::array({std::string(kPk3) + "00"}); },
                   {"validators"});
    expect_invalid([](json& j) { j["validators"] = json::array({kPk3, kPk3}); }, {"validators"});
    expect_invalid([](json& j) { j["identity"]["members"][1]["public_key"] = kPk1; },
                   {"public_key"});
    expect_invalid(
        [](json& j) {
          // The same key with different hex case is still a duplicate.
          std::string upper = kPk1;
          for (char& ch : upper) ch = static_cast<char>(std::toupper(ch));
          j["identity"]["members"][1]["public_key"] = upper;
        },
        {"public_key"});
    expect_invalid([](json& j) { j["identity"]["members"][0]["roles"].push_back("king"); },
                   {"role", "king"});
    expect_invalid([](json& j) { j["identity"]["members"][0]["roles"] = json::array({"Admin"}); },
                   {"Admin"});
    std::string bad_hex = kPk1;
    bad_hex[10] = 'g';
    expect_invalid([&](json& j) { j["identity"]["members"][0]["public_key"] = bad_hex; },
                   {"public_key", "position 10"});
    expect_invalid([](json& j) { j["identity"]["members"][0]["public_key"] = "abcd"; },
                   {"public_key"});
    expect_invalid([](json& j) { j["identity"]["members"][0].erase("public_key"); },
                   {"public_key"});
    expect_invalid([](json& j) { j["consensus"]["max_block_txs"] = "many"; }, {"max_block_txs"});
    expect_invalid([](json& j) { j["identity"]["mode"] = "with-nothing"; }, {"mode"});
    expect_invalid([](json& j) { j.erase("identity"); }, {"identity"});
  }

  TEST_CASE("malformed JSON is invalid, not a crash") {
    REQUIRE(crypto_init().is_ok());
    for (const char* text :
         {"", "{", "[]", "null", "\"genesis\"", "{\"chain_id\":}", "{\"chain_id\":\"a\",}"}) {
      CAPTURE(text);
      auto g = Genesis::parse(text);
      CHECK_FALSE(g.is_ok());
      CHECK(g.status().code() == Status::Code::kInvalid);
    }
  }

  TEST_CASE("a number too large for a double is invalid, not an exception") {
    // nlohmann::json::parse throws out_of_range (not parse_error) for these.
    for (const char* text : {"1e400", R"({"chain_id":"c","timestamp_ms":1e400})",
                             R"({"chain_id":"c","timestamp_ms":-4444444444.4444e444444444})"}) {
      CAPTURE(text);
      Result<Genesis> g = Status::internal("not parsed");
      CHECK_NOTHROW(g = Genesis::parse(text));
      CHECK(g.status().code() == Status::Code::kInvalid);
    }
  }

  TEST_CASE("numbers outside a field's range are rejected, not wrapped") {
    REQUIRE(crypto_init().is_ok());
    // max_block_txs is a u32: 2^32 + 1000 must not become 1000.
    expect_invalid([](json& j) { j["consensus"]["max_block_txs"] = 4294968296ull; },
                   {"max_block_txs"});
    // A negative time is not a time.
    expect_invalid([](json& j) { j["timestamp_ms"] = -1; }, {"timestamp_ms"});
    expect_invalid([](json& j) { j["tx_window_ms"] = -600000; }, {"tx_window_ms"});
    // A fraction is not an integer number of milliseconds.
    expect_invalid([](json& j) { j["consensus"]["block_interval_ms"] = 100.5; },
                   {"block_interval_ms"});
    // Beyond every integer type (converting it would be undefined behaviour).
    expect_invalid([](json& j) { j["timestamp_ms"] = 1e300; }, {"timestamp_ms"});
  }

  TEST_CASE("members: find_member, has_role and the known roles") {
    REQUIRE(crypto_init().is_ok());
    auto g = parse(valid_json());
    REQUIRE(g.is_ok());
    const Member* m = g->find_member(pk(kPk2));
    REQUIRE(m != nullptr);
    CHECK(m->name == "org2-issuer");
    CHECK(m->has_role("issuer"));
    CHECK(m->has_role("auditor"));
    CHECK_FALSE(m->has_role("admin"));
    CHECK_FALSE(m->has_role("Issuer"));
    CHECK_FALSE(m->has_role(""));
    CHECK(g->find_member(pk(kPk3)) == nullptr);  // a validator, not a member

    for (const char* r :
         {"admin", "client", "node", "issuer", "regulator", "auditor", "arbitrator"}) {
      CHECK(is_known_role(r));
    }
    for (const char* r : {"", "root", "Admin", "admin ", "customs"}) CHECK_FALSE(is_known_role(r));
  }

  TEST_CASE("load_genesis_file reads a file and reports a missing one") {
    REQUIRE(crypto_init().is_ok());
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() /
        ("silk-genesis-test-" + std::to_string(static_cast<unsigned long>(::getpid())));
    std::filesystem::create_directories(dir);
    const std::filesystem::path file = dir / "genesis.json";
    {
      std::ofstream out(file);
      out << kPretty;
    }
    auto g = load_genesis_file(file.string());
    REQUIRE(g.is_ok());
    CHECK(g->hash == parse(valid_json())->hash);

    auto missing = load_genesis_file((dir / "nope.json").string());
    CHECK_FALSE(missing.is_ok());
    CHECK(contains(missing.status().message(), "nope.json"));

    {
      std::ofstream out(file);
      out << "{ not json";
    }
    auto bad = load_genesis_file(file.string());
    CHECK_FALSE(bad.is_ok());
    CHECK(bad.status().code() == Status::Code::kInvalid);
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("make_genesis_block") {
    REQUIRE(crypto_init().is_ok());
    auto g = parse(valid_json());
    REQUIRE(g.is_ok());
    const Block b = make_genesis_block(g.value());
    CHECK(b.header.version == BlockHeader::kVersion);
    CHECK(b.header.chain_id == "silk-test-chain");
    CHECK(b.header.height == 0);
    CHECK(b.header.prev_hash == Hash{});
    CHECK(b.header.timestamp_ms == 1700000000000ull);
    CHECK(b.header.tx_count == 0);
    CHECK(to_hex(b.header.tx_root) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(to_hex(b.header.receipts_root) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(b.header.state_root == g->hash);
    CHECK(b.header.validator_set_hash == validator_set_hash(g->validators));
    CHECK(b.header.term == 0);
    CHECK(b.header.round == 0);
    CHECK(b.txs.empty());
    CHECK(b.cert.votes.empty());
    // It encodes and decodes like any block, and two nodes derive the same one.
    auto back = Block::decode(b.encode());
    REQUIRE(back.is_ok());
    CHECK(back->hash() == b.hash());
    CHECK(make_genesis_block(g.value()).hash() == b.hash());
    // A different genesis gives a different block 0.
    json j = valid_json();
    j["chain_id"] = "other-chain";
    CHECK_FALSE(make_genesis_block(parse(j).value()).hash() == b.hash());
  }
}
