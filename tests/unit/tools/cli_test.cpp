#include "silk/tools/cli.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fake_node.h"
#include "silk/core/key_file.h"
#include "silk/tools/tx_file.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;

namespace {

// Runs `silk <args>` in-process with its own environment and captures the output.
struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

class Cli {
 public:
  Cli() : clock_(1'700'000'000'000) {}
  std::map<std::string, std::string> env;

  Run operator()(std::vector<std::string> args) {
    args.insert(args.begin(), "silk");
    std::ostringstream out;
    std::ostringstream err;
    CliEnv e;
    e.out = &out;
    e.err = &err;
    e.getenv = [this](const char* name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    e.clock = &clock_;
    Run r;
    r.code = run_cli(args, e);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

 private:
  silk::core::ManualClock clock_;
};

bool one_error_line(const Run& r) {
  return r.err.rfind("silk: error: ", 0) == 0 && r.err.find('\n') == r.err.size() - 1;
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("usage errors exit 2 with one line") {
    Cli silk;
    for (const auto& args : std::vector<std::vector<std::string>>{
             {},
             {"frobnicate"},
             {"keygen"},
             {"keygen", "--out"},
             {"tx"},
             {"tx", "build", "--key", "k", "--contract", "c", "--method", "m", "--out", "o"},
             {"tx", "build", "--key", "k", "--contract", "c", "--method", "m", "--args", "{bad",
              "--out", "o", "--chain-id", "x"},
             {"tx", "submit", "--in", "f", "--timeout-ms", "0"},
             {"tx", "build", "--key", "k", "--contract", "c", "--method", "m", "--args", "{}",
              "--out", "o", "--nonce", "-1"},
             {"tx", "build", "--key", "k", "--contract", "c", "--method", "m", "--args", "{}",
              "--out", "o", "--nonce", "0x10"},
             {"tx", "build", "--key", "k", "--contract", "c", "--method", "m", "--args", "{}",
              "--out", "o", "--nonce", "18446744073709551616"},
             {"query", "history", "k", "--offset", "010"},
             {"notary", "anchor", "--key", "k"},
             {"notary", "anchor", "f", "--key", "k", "--meta", "[1]"},
             {"notary", "verify"},
             {"query", "block", "tomorrow"},
             {"query", "tx", "abc"},
             {"query", "history", "k", "--limit", "5000"},
             {"--node", "ftp://127.0.0.1:8645", "query", "chain"},
             {"init-solo"},
             {"init-solo", "--dir", "d", "--key-kdf", "slow"},
             {"init-solo", "--dir", "d", "--port", "70000"},
         }) {
      Run r = silk(args);
      INFO("args: " << json(args).dump() << " err: " << r.err);
      CHECK(r.code == 2);
      CHECK(one_error_line(r));
      CHECK(r.out.empty());
    }
  }

  TEST_CASE("an unknown command is named, with the nearest one; silk help COMMAND works") {
    Cli silk;
    Run r = silk({"nosuchcmd"});
    CHECK(r.code == 2);
    CHECK(one_error_line(r));
    CHECK(r.err.find("unknown command 'nosuchcmd'") != std::string::npos);
    r = silk({"--json", "notray", "anchor"});
    CHECK(r.code == 2);
    CHECK(r.out.find("unknown command 'notray'; did you mean 'silk notary'?") !=
          std::string::npos);
    r = silk({"--node", "http://127.0.0.1:1", "doc", "verfy", "x.json"});
    CHECK(r.err.find("unknown command 'verfy' for 'silk doc'; did you mean 'silk doc verify'?") !=
          std::string::npos);
    r = silk({"doc"});
    CHECK(r.code == 2);
    CHECK(r.err.find("'silk doc' needs a command: issue,") != std::string::npos);

    r = silk({"help", "network", "init"});
    CHECK(r.code == 0);
    CHECK(r.out.find("Usage: silk network init [OPTIONS]") != std::string::npos);
    r = silk({"help"});
    CHECK(r.code == 0);
    CHECK(r.out.find("init-solo") != std::string::npos);
    r = silk({"help", "nope"});
    CHECK(r.code == 2);
    CHECK(r.err.find("unknown command 'nope'") != std::string::npos);
  }

  TEST_CASE("help shows option values as words, not the parser's types") {
    Cli silk;
    Run r = silk({"network", "init", "--help"});
    CHECK(r.code == 0);
    CHECK(r.out.find("UINT") == std::string::npos);
    CHECK(r.out.find("in [1 - 65535]") == std::string::npos);
    CHECK(r.out.find("--port N") != std::string::npos);
    CHECK(r.out.find("--consensus {solo,raft,tbft}") != std::string::npos);
    CHECK(r.out.find("--dir TEXT (required)") != std::string::npos);
  }

  TEST_CASE("--help exits 0 and documents the commands") {
    Cli silk;
    Run r = silk({"--help"});
    CHECK(r.code == 0);
    CHECK(r.out.find("init-solo") != std::string::npos);
    r = silk({"notary", "anchor", "--help"});
    CHECK(r.code == 0);
    CHECK(r.out.find("--meta") != std::string::npos);
  }

  TEST_CASE("with --json, an error is also a JSON document on stdout") {
    Cli silk;
    Run r = silk({"--json", "query", "block", "tomorrow"});
    CHECK(r.code == 2);
    json doc = json::parse(r.out);
    CHECK(doc["error"]["code"] == "usage");

    r = silk({"--node", "http://127.0.0.1:" + std::to_string(closed_port()), "query", "chain",
              "--json"});
    CHECK(r.code == 1);
    doc = json::parse(r.out);
    CHECK(doc["error"]["code"] == "unavailable");
    CHECK(doc["error"]["message"].get<std::string>().find("Connection refused") !=
          std::string::npos);
  }

  TEST_CASE("an unreachable node: exit 1, one line naming it") {
    Cli silk;
    const uint16_t port = closed_port();
    silk.env["SILK_NODE"] = "http://127.0.0.1:" + std::to_string(port);
    Run r = silk({"query", "chain"});
    CHECK(r.code == 1);
    CHECK(r.err == "silk: error: cannot reach node at http://127.0.0.1:" + std::to_string(port) +
                       ": Connection refused\n");
    // --node beats SILK_NODE.
    FakeNode node([](const FakeRequest&) {
      return FakeResponse{200, R"({"chain_id":"c","height":4})"};
    });
    r = silk({"--node", node.url(), "query", "chain"});
    CHECK(r.code == 0);
    CHECK(r.out.find("height        4") != std::string::npos);
  }

  TEST_CASE("keygen, pubkey, build, sign through the command line") {
    TempDir dir;
    Cli silk;
    const std::string key = dir.file("k.key");

    Run r = silk({"keygen", "--out", key, "--key-kdf", "fast"});
    CHECK(r.code == 1);
    CHECK(r.err ==
          "silk: error: no passphrase: use --passphrase-file, SILK_PASSPHRASE or a terminal\n");
    CHECK_FALSE(std::filesystem::exists(key));

    silk.env["SILK_PASSPHRASE"] = "pw";
    r = silk({"keygen", "--out", key, "--key-kdf", "fast", "--name", "alice"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    const std::string pk = r.out.substr(0, r.out.size() - 1);
    CHECK(pk.size() == 64);
    CHECK(r.out == pk + "\n");
    auto on_disk = silk::core::read_key_file_public(key);
    REQUIRE(on_disk.is_ok());
    CHECK(silk::core::to_hex(*on_disk) == pk);

    r = silk({"keygen", "--out", key, "--key-kdf", "fast"});
    CHECK(r.code == 1);
    CHECK(r.err.find("already exists") != std::string::npos);

    silk.env.erase("SILK_PASSPHRASE");
    r = silk({"pubkey", "--key", key});
    CHECK(r.code == 0);
    CHECK(r.out == pk + "\n");
    r = silk({"--json", "pubkey", "--key", key});
    CHECK(json::parse(r.out)["public_key"] == pk);

    r = silk({"tx", "build", "--key", key, "--contract", "notary", "--method", "anchor", "--args",
              R"({"hash":"00"})", "--chain-id", "c1", "--nonce", "7", "--timestamp-ms", "99",
              "--out", dir.file("u.json"), "--json"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    json built = json::parse(r.out);
    CHECK(built["signed"] == false);
    CHECK(built["summary"]["timestamp_ms"] == 99);

    // Sign with the passphrase from a file.
    std::ofstream(dir.file("pass")) << "pw\n";
    r = silk({"--passphrase-file", dir.file("pass"), "tx", "sign", "--key", key, "--in",
              dir.file("u.json"), "--out", dir.file("s.json")});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    auto signed_file = read_tx_file(dir.file("s.json"));
    REQUIRE(signed_file.is_ok());
    CHECK(signed_file->is_signed);
    CHECK(signed_file->tx.nonce == 7);
    CHECK(silk::core::to_hex(signed_file->tx.tx_id()) == built["tx_id"]);
  }

  TEST_CASE("node errors print the node's code and message") {
    FakeNode node([](const FakeRequest&) {
      return FakeResponse{404, R"({"error":{"code":"not_found","message":"unknown tx"}})"};
    });
    Cli silk;
    Run r = silk({"--node", node.url(), "query", "tx", std::string(64, 'a')});
    CHECK(r.code == 1);
    CHECK(r.err == "silk: error: node answered 404 not_found: unknown tx\n");
  }

  TEST_CASE("init-solo from the command line") {
    TempDir dir;
    Cli silk;
    Run r = silk(
        {"init-solo", "--dir", dir.file("chain"), "--key-kdf", "fast", "--port", "9001", "--json"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    json doc = json::parse(r.out);
    CHECK(doc["chain_id"] == "silk-local");
    CHECK(std::filesystem::exists(dir.file("chain/keys/client.key")));
    r = silk({"init-solo", "--dir", dir.file("chain"), "--key-kdf", "fast"});
    CHECK(r.code == 1);
    CHECK(one_error_line(r));
  }
}
