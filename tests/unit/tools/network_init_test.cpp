#include "silk/tools/network_init.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_node.h"
#include "silk/core/genesis.h"
#include "silk/core/key_file.h"
#include "silk/core/x509.h"
#include "silk/tools/cli.h"
#include "silk/tools/signer.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
namespace core = silk::core;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

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

NetworkInitOptions fast_options(const fs::path& dir) {
  NetworkInitOptions o;
  o.dir = dir.string();
  o.kdf = KeyKdf::kFast;
  return o;
}

std::string first_line(const fs::path& p) {
  std::string s = read_text(p);
  return s.substr(0, s.find('\n'));
}

}  // namespace

TEST_SUITE("network_init") {
  TEST_CASE("writes a four-organisation with-cert consortium that hangs together") {
    TempDir tmp;
    const fs::path dir = tmp.path() / "net";
    core::ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock, std::nullopt);
    NetworkInitOptions o = fast_options(dir);
    o.chain_id = "trade-net";
    o.port = 9200;
    auto out = run_network_init(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());

    // genesis.json parses: with-cert, 4 orgs with their jurisdictions, no members.
    auto genesis = core::load_genesis_file((dir / "genesis.json").string());
    REQUIRE_MESSAGE(genesis.is_ok(), genesis.status().to_string());
    CHECK(genesis->identity_mode == "with-cert");
    CHECK(genesis->chain_id == "trade-net");
    CHECK(genesis->timestamp_ms == kNow);
    CHECK(genesis->consensus.type == "solo");
    CHECK(genesis->members.empty());
    CHECK(genesis->policies.empty());
    REQUIRE(genesis->orgs.size() == 4);
    const std::vector<std::pair<std::string, std::string>> want = {
        {"org1", "CN"}, {"org2", "SG"}, {"org3", "DE"}, {"org4", "AE"}};
    for (size_t i = 0; i < want.size(); ++i) {
      CHECK(genesis->orgs[i].id == want[i].first);
      CHECK(genesis->orgs[i].jurisdiction == want[i].second);
      REQUIRE(genesis->orgs[i].ca_certs_pem.size() == 1);
      CHECK(genesis->orgs[i].ca_certs_pem[0] ==
            read_text(dir / "orgs" / want[i].first / "ca" / "ca.pem"));
    }
    CHECK(core::sha256(read_text(dir / "genesis.json")) == genesis->hash);

    // network.json
    json net = json::parse(read_text(dir / "network.json"));
    CHECK(net["chain_id"] == "trade-net");
    CHECK(net["genesis_hash"] == core::to_hex(genesis->hash));
    CHECK(net["consensus"] == "solo");
    REQUIRE(net["orgs"].size() == 4);
    REQUIRE(net["nodes"].size() == 1);
    CHECK(out->json["dir"] == dir.string());
    CHECK(out->json["chain_id"] == "trade-net");

    // Every user certificate chains to its organisation's CA; keys are 0600 and open with their
    // .pass; each key matches its certificate.
    for (const json& org : net["orgs"]) {
      const std::string id = org["id"];
      auto ca =
          core::parse_certificate(std::string_view(read_text(dir / "orgs" / id / "ca" / "ca.pem")));
      REQUIRE(ca.is_ok());
      CHECK(org["ca_fingerprint"] == core::to_hex(ca->fingerprint()));
      // Folders that hold private keys are the owner's alone; the keys and passphrases too.
      CHECK(mode_of(dir / "orgs" / id / "ca") == 0700);
      CHECK(mode_of(dir / "orgs" / id / "users") == 0700);
      CHECK(mode_of(dir / "orgs" / id / "ca" / "ca.key") == 0600);
      CHECK(mode_of(dir / "orgs" / id / "ca" / "ca.pass") == 0600);
      CHECK(fs::exists(dir / "orgs" / id / "ca" / "ca.json"));
      REQUIRE(org["identities"].size() == 6);
      CHECK_FALSE(org["identities"].contains("node"));
      for (const char* role : kNetworkUserRoles) {
        const json& ident = org["identities"][role];
        CHECK(ident["key"] == "orgs/" + id + "/users/" + role + ".key");
        const fs::path key = dir / ident["key"].get<std::string>();
        const fs::path pass = dir / ident["pass"].get<std::string>();
        const fs::path pem = dir / ident["cert"].get<std::string>();
        CHECK(mode_of(key) == 0600);
        CHECK(mode_of(pass) == 0600);
        auto cert = core::parse_certificate(std::string_view(read_text(pem)));
        REQUIRE(cert.is_ok());
        CHECK(cert->subject().common_name == id + "-" + role);
        CHECK(cert->subject().org_unit == role);
        CHECK(cert->subject().organization == id);
        CHECK(cert->subject().country == org["jurisdiction"].get<std::string>());
        CHECK(ident["fingerprint"] == core::to_hex(cert->fingerprint()));
        auto chained = core::verify_chain(*cert, {*ca}, kNow + 1000);
        CHECK_MESSAGE(chained.is_ok(), chained.status().to_string());
        auto secret = core::read_key_file(key.string(), first_line(pass));
        REQUIRE_MESSAGE(secret.is_ok(), secret.status().to_string());
        CHECK(secret->public_key() == cert->public_key());
        // The sibling rule finds the certificate.
        CHECK(signer_cert_file(key.string(), "") == pem.string());
      }
    }

    // The node: org1's, a validator, config as silkd reads it.
    const json& node = net["nodes"][0];
    CHECK(node["name"] == "node1");
    CHECK(node["org"] == "org1");
    CHECK(node["rpc_url"] == "https://127.0.0.1:9200");
    CHECK(node["public_url"] == "https://127.0.0.1:9300");
    CHECK(node["config"] == "nodes/node1/node.json");
    const fs::path node_dir = dir / "nodes" / "node1";
    CHECK(mode_of(node_dir) == 0700);
    CHECK(mode_of(node_dir / "node.key") == 0600);
    CHECK(mode_of(node_dir / "node.pass") == 0600);
    auto node_cert = core::parse_certificate(std::string_view(read_text(node_dir / "node.pem")));
    REQUIRE(node_cert.is_ok());
    CHECK(node_cert->subject().org_unit == "node");
    CHECK(node_cert->subject().common_name == "org1-node");
    REQUIRE(genesis->validators.size() == 1);
    CHECK(genesis->validators[0] == node_cert->public_key());
    json config = json::parse(read_text(node_dir / "node.json"));
    CHECK(config["genesis"] == "../../genesis.json");
    CHECK(config["node_key"] == "node.key");
    CHECK(config["passphrase_file"] == "node.pass");
    CHECK(config["data_dir"] == "data");
    CHECK(config["rpc"]["listen"] == "127.0.0.1");
    CHECK(config["rpc"]["port"] == 9200);
    CHECK(config["rpc"]["tls"] == true);
    CHECK(config["rpc"]["tls_cert"] == "node.pem");  // one node: no p2p section to take it from
    CHECK(config["public"]["port"] == 9300);
    CHECK(mode_of(node_dir / "public.key") == 0600);
    CHECK(read_text(node_dir / "public.pem").find("BEGIN CERTIFICATE") != std::string::npos);
    CHECK(read_text(dir / "cas.pem").find("BEGIN CERTIFICATE") != std::string::npos);
    CHECK(fs::weakly_canonical(node_dir / config["genesis"].get<std::string>()) ==
          fs::weakly_canonical(dir / "genesis.json"));
    auto node_key =
        core::read_key_file((node_dir / "node.key").string(), first_line(node_dir / "node.pass"));
    REQUIRE(node_key.is_ok());
    CHECK(node_key->public_key() == node_cert->public_key());
    CHECK(out->text.find("silkd --config " + (node_dir / "node.json").string()) !=
          std::string::npos);
  }

  TEST_CASE("custom organisations") {
    TempDir tmp;
    const fs::path dir = tmp.path() / "net";
    core::ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock, std::nullopt);
    NetworkInitOptions o = fast_options(dir);
    o.orgs = {"acme.bank:HK"};
    auto out = run_network_init(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    auto genesis = core::load_genesis_file((dir / "genesis.json").string());
    REQUIRE_MESSAGE(genesis.is_ok(), genesis.status().to_string());
    REQUIRE(genesis->orgs.size() == 1);
    CHECK(genesis->orgs[0].id == "acme.bank");
    CHECK(genesis->orgs[0].jurisdiction == "HK");
  }

  TEST_CASE("refuses a folder that is not empty, and writes nothing into it") {
    TempDir tmp;
    std::ofstream(tmp.path() / "keep.txt") << "x";
    core::ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock, std::nullopt);
    auto out = run_network_init(ctx, fast_options(tmp.path()));
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().code() == core::Status::Code::kConflict);
    CHECK_FALSE(fs::exists(tmp.path() / "genesis.json"));
    CHECK_FALSE(fs::exists(tmp.path() / "orgs"));
  }

  TEST_CASE("bad --org values are named") {
    auto bad = [](std::vector<std::string> orgs) {
      auto r = parse_network_orgs(orgs);
      REQUIRE_FALSE(r.is_ok());
      CHECK(r.status().code() == core::Status::Code::kInvalid);
      return r.status().message();
    };
    CHECK(bad({"org1"}).find("\"org1\"") != std::string::npos);
    CHECK(bad({"org1:sg"}).find("\"sg\"") != std::string::npos);
    CHECK(bad({"org1:SGP"}).find("SGP") != std::string::npos);
    CHECK(bad({"-org:SG"}).find("\"-org\"") != std::string::npos);
    CHECK(bad({"org/1:SG"}).find("org/1") != std::string::npos);
    CHECK(bad({"org1:SG", "org1:DE"}).find("org1 is given twice") != std::string::npos);
    std::vector<std::string> many;
    for (int i = 0; i < 17; ++i) {
      std::string org = "o";
      org += std::to_string(i);
      org += ":SG";
      many.push_back(org);
    }
    CHECK(bad(many).find("at most 16") != std::string::npos);
    auto defaults = parse_network_orgs({});
    REQUIRE(defaults.is_ok());
    CHECK(defaults->size() == 4);
    auto sixteen = parse_network_orgs(std::vector<std::string>(many.begin(), many.begin() + 16));
    CHECK(sixteen.is_ok());
  }

  TEST_CASE("options are checked before anything is written") {
    TempDir tmp;
    const fs::path dir = tmp.path() / "net";
    core::ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock, std::nullopt);
    auto refused = [&](NetworkInitOptions o) {
      auto out = run_network_init(ctx, o);
      REQUIRE_FALSE(out.is_ok());
      CHECK(out.status().code() == core::Status::Code::kInvalid);
      CHECK_FALSE(fs::exists(dir));
      return out.status().message();
    };
    NetworkInitOptions o = fast_options(dir);
    o.consensus = "raft";
    o.nodes = 3;
    o.p2p_port = uint16_t(o.port + 1);
    CHECK(refused(o).find("overlap") != std::string::npos);
    o.p2p_port = 65534;
    CHECK(refused(o).find("--p2p-port 65534 with 3 nodes goes past port 65535") !=
          std::string::npos);
    o = fast_options(dir);
    o.consensus = "pbft";
    CHECK(refused(o).find("unknown consensus") != std::string::npos);
    o = fast_options(dir);
    o.nodes = 2;
    CHECK(refused(o).find("solo runs exactly one node") != std::string::npos);
    o = fast_options(dir);
    o.orgs = {"org1:XX1"};
    CHECK(refused(o).find("XX1") != std::string::npos);
    o = fast_options(dir);
    o.chain_id = "";
    CHECK(refused(o).find("--chain-id") != std::string::npos);
  }

  TEST_CASE("the CLI: network init --json, and gov/cert argument errors without a node") {
    TempDir tmp;
    core::ManualClock clock(kNow);
    auto run = [&](std::vector<std::string> args, std::string* out_text = nullptr) {
      std::ostringstream out, err;
      CliEnv e;
      e.out = &out;
      e.err = &err;
      e.getenv = [](const char*) { return std::nullopt; };
      e.clock = &clock;
      args.insert(args.begin(), "silk");
      const int code = run_cli(args, e);
      if (out_text) *out_text = out.str() + err.str();
      return code;
    };
    std::string text;
    const fs::path dir = tmp.path() / "net";
    REQUIRE(run({"--json", "network", "init", "--dir", dir.string(), "--key-kdf", "fast", "--org",
                 "a:SG", "--org", "b:DE", "--port", "9300"},
                &text) == kExitOk);
    json doc = json::parse(text);
    CHECK(doc["dir"] == dir.string());
    CHECK(doc["orgs"].size() == 2);
    CHECK(doc["nodes"][0]["rpc_url"] == "https://127.0.0.1:9300");
    CHECK(doc["start"] == "silkd --config " + (dir / "nodes" / "node1" / "node.json").string());
    CHECK(json::parse(read_text(dir / "network.json"))["genesis_hash"] == doc["genesis_hash"]);

    CHECK(run({"network", "init", "--dir", (tmp.path() / "x").string(), "--org", "a:sg"}, &text) ==
          kExitFailure);
    CHECK(text.find("\"sg\"") != std::string::npos);
    CHECK(run({"gov", "propose", "add-member", "--key", "a.key"}, &text) == kExitFailure);
    CHECK(text.find("unknown proposal kind \"add-member\"") != std::string::npos);
    CHECK(run({"gov", "propose", "remove-org", "--key", "a.key"}, &text) == kExitFailure);
    CHECK(text.find("--org is required") != std::string::npos);
    CHECK(run({"gov", "approve", "x", "--key", "a.key"}, &text) == kExitUsage);
    CHECK(run({"cert", "status", "--fingerprint", "12"}, &text) == kExitFailure);
    CHECK(text.find("64 hex") != std::string::npos);
    // --serial names a certificate for revoke only: freeze does not have it.
    CHECK(run({"cert", "freeze", "--serial", "ab", "--org", "a", "--key", "a.key"}, &text) ==
          kExitUsage);
  }
}
