#include "silk/tools/init_solo.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_node.h"
#include "silk/core/genesis.h"
#include "silk/core/key_file.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
using silk::core::ManualClock;
using silk::core::Status;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned mode_of(const fs::path& p) {
  struct stat sb;
  REQUIRE(::stat(p.c_str(), &sb) == 0);
  return sb.st_mode & 0777;
}

InitSoloOptions fast_options(const fs::path& dir) {
  InitSoloOptions o;
  o.dir = dir.string();
  o.kdf = KeyKdf::kFast;
  return o;
}

}  // namespace

TEST_SUITE("init_solo") {
  TEST_CASE("writes a genesis, a node config and keys that work together") {
    TempDir tmp;
    const fs::path dir = tmp.path() / "chain";
    ManualClock clock(1'700'000'000'123);
    auto ctx = make_context("http://127.0.0.1:1", clock, std::nullopt);  // no passphrase needed
    InitSoloOptions o = fast_options(dir);
    o.chain_id = "trade-dev";
    o.port = 9123;
    o.block_interval_ms = 250;
    auto out = run_init_solo(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());

    // genesis.json parses, and its bytes hash to the genesis hash.
    auto genesis = silk::core::load_genesis_file((dir / "genesis.json").string());
    REQUIRE_MESSAGE(genesis.is_ok(), genesis.status().to_string());
    CHECK(genesis->chain_id == "trade-dev");
    CHECK(genesis->timestamp_ms == 1'700'000'000'123);
    CHECK(genesis->consensus.type == "solo");
    CHECK(genesis->consensus.block_interval_ms == 250);
    CHECK(genesis->identity_mode == "with-key");
    REQUIRE(genesis->members.size() == 2);
    const auto& node = genesis->members[0];
    const auto& client = genesis->members[1];
    CHECK(node.name == "node");
    CHECK(node.org == "org1");
    CHECK(node.roles == std::vector<std::string>{"node", "admin"});
    CHECK(client.name == "client");
    CHECK(client.org == "org1");
    CHECK(client.roles == std::vector<std::string>{"client", "issuer"});
    REQUIRE(genesis->validators.size() == 1);
    CHECK(genesis->validators[0] == node.public_key);
    CHECK(silk::core::sha256(read_text(dir / "genesis.json")) == genesis->hash);
    CHECK(out->json["genesis_hash"] == silk::core::to_hex(genesis->hash));

    // Each key decrypts with its pass file and is the member genesis lists.
    for (const auto* m : {&node, &client}) {
      const fs::path key = dir / "keys" / (m->name + ".key");
      const fs::path pass = dir / "keys" / (m->name + ".pass");
      auto passphrase = silk::core::read_passphrase_file(pass.string());
      REQUIRE(passphrase.is_ok());
      CHECK(passphrase->size() == 64);
      auto sk = silk::core::read_key_file(key.string(), *passphrase);
      REQUIRE_MESSAGE(sk.is_ok(), sk.status().to_string());
      CHECK(sk->public_key() == m->public_key);
      CHECK(mode_of(key) == 0600);
      CHECK(mode_of(pass) == 0600);
      // The fast KDF was used.
      json kf = json::parse(read_text(key));
      CHECK(kf["opslimit"].get<unsigned long long>() == crypto_pwhash_OPSLIMIT_MIN);
    }
    CHECK(read_text(dir / "keys" / "node.pass") != read_text(dir / "keys" / "client.pass"));
    CHECK(mode_of(dir / "keys") == 0700);

    // node.json has every documented field, paths relative to the folder.
    json cfg = json::parse(read_text(dir / "node.json"));
    CHECK(cfg["data_dir"] == "data");
    CHECK(cfg["genesis"] == "genesis.json");
    CHECK(cfg["node_key"] == "keys/node.key");
    CHECK(cfg["passphrase_file"] == "keys/node.pass");
    CHECK(cfg["rpc"]["listen"] == "127.0.0.1");
    CHECK(cfg["rpc"]["port"] == 9123);
    CHECK(cfg["rpc"]["max_body_bytes"] == 16777216);
    CHECK(cfg["rpc"]["threads"] == 2);
    CHECK(cfg["mempool"]["capacity"] == 100000);
    CHECK(cfg["mempool"]["verify_threads"] == 0);
    CHECK(cfg["log"]["level"] == "info");
    CHECK(cfg["log"]["file"] == "");
    CHECK(cfg == solo_node_config(9123));

    CHECK(out->text.find("silkd --config " + (dir / "node.json").string()) != std::string::npos);
    CHECK(out->json["node_public_key"] == silk::core::to_hex(node.public_key));
    CHECK(out->json["client_public_key"] == silk::core::to_hex(client.public_key));
  }

  TEST_CASE("defaults: chain silk-local, port 8645, 100 ms blocks") {
    TempDir tmp;
    ManualClock clock(1);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    REQUIRE(run_init_solo(ctx, fast_options(tmp.path() / "c")).is_ok());
    auto genesis = silk::core::load_genesis_file((tmp.path() / "c" / "genesis.json").string());
    REQUIRE(genesis.is_ok());
    CHECK(genesis->chain_id == "silk-local");
    CHECK(genesis->consensus.block_interval_ms == 100);
    CHECK(json::parse(read_text(tmp.path() / "c" / "node.json"))["rpc"]["port"] == 8645);
  }

  TEST_CASE("an empty existing folder is used; a non-empty one is refused untouched") {
    TempDir tmp;
    ManualClock clock(1);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    fs::create_directory(tmp.path() / "empty");
    REQUIRE(run_init_solo(ctx, fast_options(tmp.path() / "empty")).is_ok());

    const std::string before = read_text(tmp.path() / "empty" / "genesis.json");
    auto again = run_init_solo(ctx, fast_options(tmp.path() / "empty"));
    REQUIRE_FALSE(again.is_ok());
    CHECK(again.status().code() == Status::Code::kConflict);
    CHECK(again.status().message().find("is not empty") != std::string::npos);
    CHECK(read_text(tmp.path() / "empty" / "genesis.json") == before);

    std::ofstream(tmp.path() / "afile") << "x";
    auto file = run_init_solo(ctx, fast_options(tmp.path() / "afile"));
    CHECK(file.status().code() == Status::Code::kConflict);
  }
}
