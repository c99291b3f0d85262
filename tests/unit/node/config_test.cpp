#include "silk/node/config.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace silk::node {
namespace {

using core::Status;

TEST_SUITE("config") {
  TEST_CASE("p2p, consensus timing and the WAL path") {
    auto plain = parse_config(R"({"genesis": "g", "node_key": "k"})", "/n");
    REQUIRE(plain.is_ok());
    CHECK(plain->p2p.cert.empty());  // no p2p: a node alone
    CHECK(plain->wal_file == "/n/data.wal");
    CHECK(plain->wal_compact_bytes == 4u << 20);
    CHECK(plain->consensus.tbft_propose_ms == 1000);

    auto c = parse_config(R"({"genesis": "g", "node_key": "k", "wal_file": "w/c.wal",
      "wal_compact_bytes": 65536,
      "p2p": {"listen": "127.0.0.1", "port": 7001, "cert": "node.pem", "threads": 2,
              "peers": [{"host": "127.0.0.1", "port": 7002, "public_key": "ab"}]},
      "consensus": {"raft_heartbeat_ms": 50, "raft_election_timeout_ms": 300,
                    "tbft_propose_ms": 200, "tbft_vote_ms": 100, "tbft_delta_ms": 50,
                    "sync_interval_ms": 250}})",
                          "/n");
    REQUIRE_MESSAGE(c.is_ok(), c.status().to_string());
    CHECK(c->wal_file == "/n/w/c.wal");
    CHECK(c->wal_compact_bytes == 65536);
    CHECK(c->p2p.port == 7001);
    CHECK(c->p2p.cert == "/n/node.pem");
    CHECK(c->p2p.threads == 2);
    REQUIRE(c->p2p.peers.size() == 1);
    CHECK(c->p2p.peers[0].port == 7002);
    CHECK(c->p2p.peers[0].public_key == "ab");
    CHECK(c->consensus.raft_election_timeout_ms == 300);
    CHECK(c->consensus.tbft_delta_ms == 50);
    CHECK(c->consensus.sync_interval_ms == 250);

    auto refused = [](const char* text, const std::string& want) {
      auto r = parse_config(text, "/n");
      REQUIRE_FALSE(r.is_ok());
      CHECK_MESSAGE(r.status().message().find(want) != std::string::npos, r.status().message());
    };
    refused(R"({"genesis": "g", "node_key": "k", "p2p": {"port": 7001}})",
            "'p2p.cert' is required");
    refused(R"({"genesis": "g", "node_key": "k", "p2p": {"cert": "c", "peers": [{"host": "h"}]}})",
            "'p2p.peers[0].host', 'port' and 'public_key' are required");
    refused(R"({"genesis": "g", "node_key": "k", "p2p": {"cert": "c", "peers": [{"hots": "h"}]}})",
            "unknown key 'p2p.peers[0].hots'");
    refused(R"({"genesis": "g", "node_key": "k", "p2p": {"cert": "c", "peers": {}}})",
            "'p2p.peers' must be an array");
    refused(R"({"genesis": "g", "node_key": "k",
                "consensus": {"raft_heartbeat_ms": 500, "raft_election_timeout_ms": 600}})",
            "must exceed twice");
    refused(R"({"genesis": "g", "node_key": "k", "wal_compact_bytes": 1000})", "wal_compact_bytes");
    refused(R"({"genesis": "g", "node_key": "k", "consensus": {"tbft_vote": 1}})",
            "unknown key 'consensus.tbft_vote'");
  }

  TEST_CASE("defaults, and paths resolved against the config folder") {
    auto c =
        parse_config(R"({"genesis": "genesis.json", "node_key": "keys/node.key"})", "/srv/chain");
    REQUIRE_MESSAGE(c.is_ok(), c.status().to_string());
    CHECK(c->data_dir == "/srv/chain/data");
    CHECK(c->genesis == "/srv/chain/genesis.json");
    CHECK(c->node_key == "/srv/chain/keys/node.key");
    CHECK(c->passphrase_file.empty());
    CHECK(c->rpc.listen == "127.0.0.1");
    CHECK(c->rpc.port == 8645);
    CHECK(c->rpc.max_body_bytes == 16777216);
    CHECK(c->rpc.threads == 2);
    CHECK(c->mempool.capacity == 100000);
    CHECK(c->mempool.verify_threads == 0);
    CHECK(c->log.level == "info");
    CHECK(c->log.file.empty());
    CHECK(c->log.format == "text");
    CHECK(c->log.levels.empty());
    CHECK(c->log.max_file_bytes == 64u << 20);
    CHECK(c->log.max_files == 5);
  }

  TEST_CASE("every field") {
    auto c = parse_config(R"({
      "data_dir": "/var/lib/silk", "genesis": "g.json", "node_key": "k", "passphrase_file": "p",
      "rpc": {"listen": "::1", "port": 0, "max_body_bytes": 4096, "threads": 4},
      "mempool": {"capacity": 7, "verify_threads": 3},
      "log": {"level": "debug", "file": "silkd.log", "format": "json",
              "levels": {"p2p": "trace", "rpc": "warn"}, "max_file_bytes": 0, "max_files": 9}})",
                          "/c");
    REQUIRE_MESSAGE(c.is_ok(), c.status().to_string());
    CHECK(c->data_dir == "/var/lib/silk");
    CHECK(c->passphrase_file == "/c/p");
    CHECK(c->rpc.listen == "::1");
    CHECK(c->rpc.port == 0);
    CHECK(c->rpc.max_body_bytes == 4096);
    CHECK(c->rpc.threads == 4);
    CHECK(c->mempool.capacity == 7);
    CHECK(c->mempool.verify_threads == 3);
    CHECK(c->log.level == "debug");
    CHECK(c->log.file == "/c/silkd.log");
    CHECK(c->log.format == "json");
    CHECK(c->log.levels == std::map<std::string, std::string>{{"p2p", "trace"}, {"rpc", "warn"}});
    CHECK(c->log.max_file_bytes == 0);
    CHECK(c->log.max_files == 9);
  }

  TEST_CASE("errors name the key") {
    auto err = [](const char* text) {
      auto c = parse_config(text, "/c");
      REQUIRE_FALSE(c.is_ok());
      CHECK(c.status().code() == Status::Code::kInvalid);
      return c.status().message();
    };
    CHECK(err(R"({"node_key": "k"})") == "'genesis' is required (path of the genesis file)");
    CHECK(err(R"({"genesis": "g"})") == "'node_key' is required (path of the node key file)");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "rpc": {"prot": 1}})") ==
          "unknown key 'rpc.prot'");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "datadir": "x"})") == "unknown key 'datadir'");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "rpc": {"port": 70000}})") ==
          "'rpc.port' is 70000; must be 0..65535");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "rpc": {"port": "80"}})") ==
          "'rpc.port' must be a non-negative integer, got string");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "mempool": {"capacity": 0}})") ==
          "'mempool.capacity' is 0; must be 1..100000000");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "log": {"level": "loud"}})") ==
          "log.level: unknown level 'loud' (trace, debug, info, warn, error, off)");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "log": {"levels": {"p2p": "verbose"}}})") ==
          "log.levels.p2p: unknown level 'verbose' (trace, debug, info, warn, error, off)");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "log": {"levels": {"p2p": 1}}})") ==
          "'log.levels.p2p' must be a string, got number");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "log": {"levels": ["p2p"]}})") ==
          "'log.levels' must be an object, got array");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "log": {"max_files": 0}})") ==
          "'log.max_files' is 0; must be 1..1000");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "log": {"rotate": true}})") ==
          "unknown key 'log.rotate'");
    CHECK(err(R"({"genesis": "g", "node_key": "k", "rpc": 5})") ==
          "'rpc' must be an object, got number");
    CHECK(err("[1]") == "expected a JSON object, got array");
    CHECK(err("{").rfind("not valid JSON: ", 0) == 0);
  }

  TEST_CASE("load_config reads a file and names it in errors") {
    const auto dir = std::filesystem::temp_directory_path() / "silk-config-test";
    std::filesystem::create_directories(dir);
    const auto path = (dir / "node.json").string();
    {
      std::ofstream out(path);
      out << R"({"genesis": "genesis.json", "node_key": "keys/node.key", "rpc": {"port": 9}})";
    }
    auto c = load_config(path);
    REQUIRE_MESSAGE(c.is_ok(), c.status().to_string());
    CHECK(c->genesis == (dir / "genesis.json").string());
    CHECK(c->rpc.port == 9);
    {
      std::ofstream out(path);
      out << R"({"genesis": "g", "node_key": "k", "bogus": 1})";
    }
    auto bad = load_config(path);
    REQUIRE_FALSE(bad.is_ok());
    CHECK(bad.status().message() == "config " + path + ": unknown key 'bogus'");
    auto missing = load_config((dir / "nope.json").string());
    CHECK(missing.status().code() == Status::Code::kNotFound);

    // What silkd re-reads on SIGHUP: the log section alone, checked and resolved the same way.
    auto log = load_log_config(path);
    REQUIRE_MESSAGE(log.is_ok(), log.status().to_string());
    CHECK(log->level == "info");  // no section: the defaults
    {
      std::ofstream out(path);
      out << R"({"genesis": "g", "log": {"level": "debug", "file": "x.log", "format": "json"}})";
    }
    log = load_log_config(path);
    REQUIRE_MESSAGE(log.is_ok(), log.status().to_string());
    CHECK(log->level == "debug");
    CHECK(log->format == "json");
    CHECK(log->file == (dir / "x.log").string());
    {
      std::ofstream out(path);
      out << R"({"log": {"levels": {"rpc": "loud"}}})";
    }
    log = load_log_config(path);
    REQUIRE_FALSE(log.is_ok());
    CHECK(log.status().message() ==
          "config " + path +
              ": log.levels.rpc: unknown level 'loud' (trace, debug, info, warn, error, off)");
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("the passphrase comes from the file, else the environment") {
    const auto dir = std::filesystem::temp_directory_path() / "silk-pass-test";
    std::filesystem::create_directories(dir);
    NodeConfig c;
    ::unsetenv(kPassphraseEnv);
    auto none = resolve_passphrase(c);
    REQUIRE_FALSE(none.is_ok());
    CHECK(none.status().message().find("SILK_NODE_PASSPHRASE") != std::string::npos);
    ::setenv(kPassphraseEnv, "from-env", 1);
    CHECK(resolve_passphrase(c).value() == "from-env");
    c.passphrase_file = (dir / "node.pass").string();
    {
      std::ofstream out(c.passphrase_file);
      out << "from-file\n";
    }
    CHECK(resolve_passphrase(c).value() == "from-file");
    ::unsetenv(kPassphraseEnv);
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace silk::node
