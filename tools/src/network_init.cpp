#include "silk/tools/network_init.h"
#include "silk/tools/web_cert.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "silk/consensus/engine.h"
#include "silk/core/file_io.h"
#include "silk/core/genesis.h"
#include "silk/core/key_file.h"
#include "silk/core/signature_suite.h"
#include "silk/core/x509.h"
#include "silk/tools/ca_commands.h"
#include "silk/tools/generated_keys.h"
#include "silk/tools/init_solo.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kDayMs = 24ull * 60 * 60 * 1000;
constexpr uint32_t kMaxNodes = 64;

Status make_private_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir.parent_path(), ec);
  if (ec)
    return Status::io_error("cannot create " + dir.parent_path().string() + ": " + ec.message());
  if (::mkdir(dir.c_str(), 0700) != 0) {
    return Status::io_error("cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  return Status::ok();
}

// Removes everything under a folder that was empty (or absent) before, when a step failed.
class DirRollback {
 public:
  DirRollback(fs::path dir, bool existed) : dir_(std::move(dir)), existed_(existed) {}
  ~DirRollback() {
    if (committed_) return;
    std::error_code ec;
    if (!existed_) {
      fs::remove_all(dir_, ec);
      return;
    }
    for (const auto& entry : fs::directory_iterator(dir_, ec)) fs::remove_all(entry.path(), ec);
  }
  void commit() { committed_ = true; }

 private:
  fs::path dir_;
  bool existed_;
  bool committed_ = false;
};

// One identity: key, passphrase and certificate files, and its certificate.
struct Identity {
  std::string key;  // paths relative to DIR
  std::string pass;
  std::string cert;
  core::Certificate certificate;

  json to_json() const {
    return {{"key", key},
            {"pass", pass},
            {"cert", cert},
            {"subject", core::format_dn(certificate.subject())},
            {"fingerprint", core::to_hex(certificate.fingerprint())},
            {"public_key", core::to_hex(certificate.public_key())}};
  }
};

struct OrgMaterial {
  NetworkOrgSpec spec;
  core::SecretKey ca_key;
  std::optional<core::Certificate> ca;
  json identities = json::object();
};

std::string rel(const fs::path& p) { return p.generic_string(); }

// Node 1's public listener port: --public-port, else --port + 100.
uint32_t public_port_of(const NetworkInitOptions& options) {
  return options.public_port != 0 ? options.public_port : uint32_t{options.port} + 100;
}

// Every option, before anything is written; the organisations they give.
Result<std::vector<NetworkOrgSpec>> check_network_options(const NetworkInitOptions& options) {
  if (options.dir.empty()) return Status::invalid("--dir is empty");
  if (options.chain_id.empty()) return Status::invalid("--chain-id is empty");
  SILK_ASSIGN_OR_RETURN(std::vector<NetworkOrgSpec> specs, parse_network_orgs(options.orgs));
  const consensus::EngineKind* engine = consensus::find_engine_kind(options.consensus);
  if (engine == nullptr) {
    return Status::invalid("unknown consensus \"" + options.consensus + "\" (expected " +
                           consensus::engine_names() + ")");
  }
  if (options.nodes == 0 || options.nodes > kMaxNodes) {
    return Status::invalid("--nodes must be from 1 to " + std::to_string(kMaxNodes));
  }
  if (!engine->networked() && options.nodes != 1) {
    return Status::invalid("consensus " + options.consensus +
                           " runs exactly one node; got --nodes " + std::to_string(options.nodes));
  }
  if (options.port == 0 || uint32_t{options.port} + options.nodes - 1 > 65535) {
    return Status::invalid("--port " + std::to_string(options.port) + " with " +
                           std::to_string(options.nodes) + " nodes goes past port 65535");
  }
  if (engine->networked()) {
    if (options.p2p_port == 0 || uint32_t{options.p2p_port} + options.nodes - 1 > 65535) {
      return Status::invalid("--p2p-port " + std::to_string(options.p2p_port) + " with " +
                             std::to_string(options.nodes) + " nodes goes past port 65535");
    }
    const uint32_t rpc_lo = options.port, rpc_hi = rpc_lo + options.nodes - 1;
    const uint32_t p2p_lo = options.p2p_port, p2p_hi = p2p_lo + options.nodes - 1;
    if (rpc_lo <= p2p_hi && p2p_lo <= rpc_hi) {
      return Status::invalid("RPC ports " + std::to_string(rpc_lo) + "-" + std::to_string(rpc_hi) +
                             " and p2p ports " + std::to_string(p2p_lo) + "-" +
                             std::to_string(p2p_hi) + " overlap; choose another --p2p-port");
    }
  }
  if (!options.no_public) {
    const uint32_t pub_lo = public_port_of(options);
    const uint32_t pub_hi = pub_lo + options.nodes - 1;
    if (pub_hi > 65535) {
      return Status::invalid("--public-port " + std::to_string(pub_lo) + " with " +
                             std::to_string(options.nodes) + " nodes goes past port 65535");
    }
    const uint32_t rpc_lo = options.port, rpc_hi = rpc_lo + options.nodes - 1;
    const uint32_t p2p_lo = options.p2p_port, p2p_hi = p2p_lo + options.nodes - 1;
    if ((rpc_lo <= pub_hi && pub_lo <= rpc_hi) ||
        (engine->networked() && p2p_lo <= pub_hi && pub_lo <= p2p_hi)) {
      return Status::invalid("public listener ports " + std::to_string(pub_lo) + "-" +
                             std::to_string(pub_hi) +
                             " overlap the RPC or p2p ports; choose another --public-port");
    }
  }
  if (options.days == 0 || options.days > kMaxCertificateDays) {
    return Status::invalid("--days must be from 1 to " + std::to_string(kMaxCertificateDays));
  }
  return specs;
}

// Writes the network's files under `dir` (paths in the JSON are relative to it).
class NetworkWriter {
 public:
  NetworkWriter(const NetworkInitOptions& options, fs::path dir, uint64_t now)
      : options_(options),
        dir_(std::move(dir)),
        key_options_(key_file_options(options.kdf)),
        now_(now),
        until_(now + uint64_t{options.days} * kDayMs) {}

  // orgs/<org>/ca and orgs/<org>/users: the CA and one identity per kNetworkUserRoles.
  Result<OrgMaterial> write_org(const NetworkOrgSpec& spec) {
    OrgMaterial org;
    org.spec = spec;
    org.ca_key = core::SecretKey::generate();
    SILK_ASSIGN_OR_RETURN(
        org.ca, make_org_ca_certificate(org.ca_key, spec.id, spec.jurisdiction, now_, until_));
    const fs::path ca_rel = fs::path("orgs") / spec.id / "ca";
    SILK_RETURN_IF_ERROR(make_private_dir(dir_ / ca_rel));
    SILK_RETURN_IF_ERROR(write_key_with_passphrase(
        dir_ / ca_rel / "ca.key", dir_ / ca_rel / "ca.pass", org.ca_key, key_options_));
    SILK_RETURN_IF_ERROR(
        core::write_new_file((dir_ / ca_rel / "ca.pem").string(), org.ca->pem(), 0644));
    SILK_RETURN_IF_ERROR(core::write_new_file(
        (dir_ / ca_rel / "ca.json").string(),
        ca_info_json(spec.id, spec.id, spec.jurisdiction, *org.ca).dump(2) + "\n", 0644));

    const fs::path users_rel = fs::path("orgs") / spec.id / "users";
    SILK_RETURN_IF_ERROR(make_private_dir(dir_ / users_rel));
    for (const char* role : kNetworkUserRoles) {
      SILK_ASSIGN_OR_RETURN(Identity id,
                            make_identity(org, users_rel, role, spec.id + "-" + role, role));
      org.identities[role] = id.to_json();
    }
    return org;
  }

  // nodes/node<i>: key, passphrase and certificate; node i belongs to org (i-1) mod N. Returns
  // network.json's "nodes" and adds each node's key to `validators`.
  Result<json> write_nodes(std::vector<OrgMaterial>& orgs,
                           std::vector<core::PublicKey>& validators) {
    std::vector<size_t> nodes_per_org(orgs.size(), 0);
    for (uint32_t i = 1; i <= options_.nodes; ++i) ++nodes_per_org[(i - 1) % orgs.size()];
    json nodes_json = json::array();
    for (uint32_t i = 1; i <= options_.nodes; ++i) {
      OrgMaterial& org = orgs[(i - 1) % orgs.size()];
      const std::string name = "node" + std::to_string(i);
      const fs::path node_rel = fs::path("nodes") / name;
      SILK_RETURN_IF_ERROR(make_private_dir(dir_ / node_rel));
      const std::string cn = nodes_per_org[(i - 1) % orgs.size()] == 1 ? org.spec.id + "-node"
                                                                       : org.spec.id + "-" + name;
      SILK_ASSIGN_OR_RETURN(Identity id, make_identity(org, node_rel, "node", cn, "node"));
      const uint16_t port = static_cast<uint16_t>(options_.port + i - 1);
      validators.push_back(id.certificate.public_key());
      json node = id.to_json();
      node["name"] = name;
      node["org"] = org.spec.id;
      node["config"] = rel(node_rel / "node.json");
      node["data_dir"] = rel(node_rel / "data");
      node["rpc_url"] =
          (options_.plain_rpc ? "http://127.0.0.1:" : "https://127.0.0.1:") + std::to_string(port);
      node["rpc_port"] = port;
      if (!options_.no_public) {
        const uint16_t pub = static_cast<uint16_t>(public_port_of(options_) + i - 1);
        node["public_url"] = "https://127.0.0.1:" + std::to_string(pub);
        node["public_port"] = pub;
        SILK_ASSIGN_OR_RETURN(WebCertificate web,
                              make_self_signed_web_certificate(cn + " public", now_, options_.days));
        SILK_RETURN_IF_ERROR(core::write_new_file((dir_ / node_rel / "public.pem").string(),
                                                  web.cert_pem, 0644));
        SILK_RETURN_IF_ERROR(core::write_new_file((dir_ / node_rel / "public.key").string(),
                                                  std::string(web.key_pem.view()), 0600));
      }
      if (networked()) {
        node["p2p_port"] = static_cast<uint16_t>(options_.p2p_port + i - 1);
      }
      node["validator"] = true;
      nodes_json.push_back(std::move(node));
    }
    return nodes_json;
  }

  // nodes/node<i>/node.json, once every node's key is known: each node dials every other one.
  Status write_node_configs(const json& nodes_json) {
    for (const json& node : nodes_json) {
      const fs::path node_rel = fs::path("nodes") / node["name"].get<std::string>();
      json config = solo_node_config(node["rpc_port"].get<uint16_t>());
      config["data_dir"] = "data";
      config["genesis"] = "../../genesis.json";
      config["node_key"] = "node.key";
      config["passphrase_file"] = "node.pass";
      config["rpc"]["tls"] = !options_.plain_rpc;
      if (node.contains("public_port")) {
        config["public"] = {{"listen", "127.0.0.1"},
                            {"port", node["public_port"]},
                            {"cert", "public.pem"},
                            {"key", "public.key"},
                            {"rate_limit", 20}};
      }
      if (networked()) {
        json peers = json::array();
        for (const json& other : nodes_json) {
          if (other["name"] == node["name"]) continue;
          peers.push_back({{"host", "127.0.0.1"},
                           {"port", other["p2p_port"]},
                           {"public_key", other["public_key"]}});
        }
        config["p2p"] = {{"listen", "127.0.0.1"},
                         {"port", node["p2p_port"]},
                         {"cert", "node.pem"},
                         {"peers", peers}};
      } else if (!options_.plain_rpc) {
        // A one-node chain has no p2p; its RPC still shows the node certificate.
        config["rpc"]["tls_cert"] = "node.pem";
      }
      SILK_RETURN_IF_ERROR(core::write_new_file((dir_ / node_rel / "node.json").string(),
                                                config.dump(2) + "\n", 0644));
    }
    return Status::ok();
  }

  // genesis.json; returns its hash.
  Result<core::Hash> write_genesis(const std::vector<OrgMaterial>& orgs,
                                   const std::vector<core::PublicKey>& validators) {
    core::Genesis genesis;
    genesis.chain_id = options_.chain_id;
    genesis.timestamp_ms = now_;
    genesis.consensus.type = options_.consensus;
    genesis.identity_mode = "with-cert";
    for (const OrgMaterial& org : orgs) {
      genesis.orgs.push_back({org.spec.id, org.spec.id, org.spec.jurisdiction, {org.ca->pem()}});
    }
    genesis.validators = validators;
    const std::string genesis_text = genesis.to_json();
    auto parsed = core::Genesis::parse(genesis_text);
    if (!parsed.is_ok()) {
      return Status::internal("the genesis network init made does not parse: " +
                              parsed.status().message());
    }
    SILK_RETURN_IF_ERROR(
        core::write_new_file((dir_ / "genesis.json").string(), genesis_text, 0644));
    return parsed->hash;
  }

 private:
  // Writes a member key, passphrase and certificate issued by `org`'s CA.
  Result<Identity> make_identity(OrgMaterial& org, const fs::path& folder, const std::string& stem,
                                 const std::string& cn, const std::string& role) {
    core::SecretKey key = core::SecretKey::generate();
    SILK_ASSIGN_OR_RETURN(
        core::Certificate cert,
        core::issue_certificate(org.ca_key, *org.ca, key.public_key(),
                                member_subject(cn, role, org.spec.id, org.spec.jurisdiction), now_,
                                until_));
    if (auto chained = core::verify_chain(cert, {*org.ca}, now_); !chained.is_ok()) {
      return Status::internal("the certificate for " + cn +
                              " does not validate: " + chained.status().message());
    }
    const fs::path key_rel = folder / (stem + ".key");
    const fs::path pass_rel = folder / (stem + ".pass");
    const fs::path cert_rel = folder / (stem + ".pem");
    SILK_RETURN_IF_ERROR(
        write_key_with_passphrase(dir_ / key_rel, dir_ / pass_rel, key, key_options_));
    SILK_RETURN_IF_ERROR(core::write_new_file((dir_ / cert_rel).string(), cert.pem(), 0644));
    return Identity{rel(key_rel), rel(pass_rel), rel(cert_rel), cert};
  }

  const NetworkInitOptions& options_;
  // Whether the engine runs on several nodes (options were checked: the engine is known).
  bool networked() const { return consensus::find_engine_kind(options_.consensus)->networked(); }
  const fs::path dir_;
  const core::KeyFileOptions key_options_;
  const uint64_t now_;
  const uint64_t until_;
};

// network.json: a summary for people and scripts.
json network_json(const NetworkInitOptions& options, const core::Hash& genesis_hash,
                  const std::vector<OrgMaterial>& orgs, const json& nodes_json) {
  json orgs_json = json::array();
  for (const OrgMaterial& org : orgs) {
    const fs::path ca_rel = fs::path("orgs") / org.spec.id / "ca";
    orgs_json.push_back({{"id", org.spec.id},
                         {"jurisdiction", org.spec.jurisdiction},
                         {"ca_fingerprint", core::to_hex(org.ca->fingerprint())},
                         {"ca",
                          {{"key", rel(ca_rel / "ca.key")},
                           {"pass", rel(ca_rel / "ca.pass")},
                           {"cert", rel(ca_rel / "ca.pem")},
                           {"info", rel(ca_rel / "ca.json")}}},
                         {"identities", org.identities}});
  }
  return {{"chain_id", options.chain_id},
          {"genesis_hash", core::to_hex(genesis_hash)},
          {"genesis", "genesis.json"},
          {"ca_bundle", "cas.pem"},
          {"identity_mode", "with-cert"},
          {"consensus", options.consensus},
          {"orgs", orgs_json},
          {"nodes", nodes_json}};
}

// The text output: what was written, how to start the nodes, what to try first.
std::string summary_text(const NetworkInitOptions& options, const fs::path& dir,
                         const std::string& start, const core::Hash& genesis_hash,
                         const std::vector<OrgMaterial>& orgs, const json& nodes_json) {
  const std::string url = nodes_json[0]["rpc_url"];
  const std::string first = orgs[0].spec.id;
  const fs::path users = dir / "orgs" / first / "users";
  std::ostringstream t;
  t << "initialised a with-cert consortium \"" << options.chain_id << "\" in " << dir.string()
    << "\n"
    << "  genesis.json   genesis hash " << core::to_hex(genesis_hash) << "\n"
    << "  consensus      " << options.consensus << ", " << options.nodes << " node"
    << (options.nodes == 1 ? "" : "s") << "\n";
  for (const OrgMaterial& org : orgs) {
    t << "  " << org.spec.id << " (" << org.spec.jurisdiction
      << ")  CA sha256:" << core::to_hex(org.ca->fingerprint()) << "\n";
  }
  for (const json& node : nodes_json) {
    t << "  " << node["name"].get<std::string>() << " (" << node["org"].get<std::string>() << ")  "
      << node["config"].get<std::string>() << "  rpc " << node["rpc_url"].get<std::string>()
      << "\n";
  }
  t << "identities: "
       "orgs/<org>/users/{admin,client,issuer,regulator,auditor,arbitrator}.key|.pass|.pem"
    << (options.nodes == 1 ? "\nstart the node:\n  "
                           : "\nstart the nodes (and watch them with "
                             "tools/network.sh watch DIR):\n  ")
    << start << "\n";
  const bool https = url.rfind("https://", 0) == 0;
  if (https) {
    t << "the RPC is HTTPS for consortium members: silk checks the node against cas.pem and shows "
         "the certificate it signs with (or --tls-key):\n"
      << "  export SILK_NODE=" << url << " SILK_CA=" << (dir / "cas.pem").string() << "\n";
  } else {
    t << "  export SILK_NODE=" << url << "\n";
  }
  t << "then, as " << first << "'s client, record a file:\n"
    << "  silk --passphrase-file " << (users / "client.pass").string()
    << " notary anchor FILE --key " << (users / "client.key").string() << "\n"
    << "look at the consortium's configuration and a certificate's status"
    << (https ? " (reading as " + first + "'s auditor)" : std::string()) << ":\n";
  const std::string reader = https ? " --tls-key " + (users / "auditor.key").string() +
                                         " --passphrase-file " + (users / "auditor.pass").string()
                                   : std::string();
  t << "  silk" << reader << " gov config\n"
    << "  silk" << reader << " cert status --target " << (users / "client.pem").string() << "\n";
  if (nodes_json[0].contains("public_url")) {
    t << "verifiers outside the consortium (no certificate): "
      << nodes_json[0]["public_url"].get<std::string>() << "/ (self-signed P-256: replace "
      << "nodes/<node>/public.pem and public.key with a certificate browsers trust)\n";
  }
  return t.str();
}

}  // namespace

Result<std::vector<NetworkOrgSpec>> parse_network_orgs(const std::vector<std::string>& values) {
  if (values.empty()) {
    return std::vector<NetworkOrgSpec>{
        {"org1", "CN"}, {"org2", "SG"}, {"org3", "DE"}, {"org4", "AE"}};
  }
  if (values.size() > kMaxNetworkOrgs) {
    return Status::invalid("--org given " + std::to_string(values.size()) + " times; at most " +
                           std::to_string(kMaxNetworkOrgs) + " organisations");
  }
  std::vector<NetworkOrgSpec> out;
  std::set<std::string> seen;
  for (const std::string& v : values) {
    const size_t colon = v.find(':');
    if (colon == std::string::npos) {
      return Status::invalid("--org \"" + v + "\" is not ID:JURISDICTION (e.g. org1:SG)");
    }
    NetworkOrgSpec spec{v.substr(0, colon), v.substr(colon + 1)};
    if (!core::is_valid_org_id(spec.id)) {
      return Status::invalid("--org \"" + v + "\": \"" + spec.id +
                             "\" is not a valid organisation id (1-60 of A-Z a-z 0-9 . _ -, "
                             "starting with a letter or digit)");
    }
    if (!core::is_valid_jurisdiction(spec.jurisdiction)) {
      return Status::invalid(
          "--org \"" + v + "\": \"" + spec.jurisdiction +
          "\" is not an ISO 3166-1 alpha-2 jurisdiction in upper case (e.g. SG)");
    }
    if (!seen.insert(spec.id).second) {
      return Status::invalid("--org \"" + v + "\": organisation " + spec.id + " is given twice");
    }
    out.push_back(std::move(spec));
  }
  return out;
}

Result<CommandOutput> run_network_init(CommandContext& ctx, const NetworkInitOptions& options) {
  SILK_ASSIGN_OR_RETURN(std::vector<NetworkOrgSpec> specs, check_network_options(options));
  SILK_RETURN_IF_ERROR(core::crypto_init());

  const fs::path dir(options.dir);
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  SILK_RETURN_IF_ERROR(prepare_empty_dir(dir));
  DirRollback rollback(dir, existed);

  NetworkWriter writer(options, dir, ctx.clock().now_ms());
  std::vector<OrgMaterial> orgs;
  orgs.reserve(specs.size());
  for (const NetworkOrgSpec& spec : specs) {
    SILK_ASSIGN_OR_RETURN(OrgMaterial org, writer.write_org(spec));
    orgs.push_back(std::move(org));
  }
  std::vector<core::PublicKey> validators;
  SILK_ASSIGN_OR_RETURN(json nodes_json, writer.write_nodes(orgs, validators));
  SILK_RETURN_IF_ERROR(writer.write_node_configs(nodes_json));
  SILK_ASSIGN_OR_RETURN(core::Hash genesis_hash, writer.write_genesis(orgs, validators));
  json network = network_json(options, genesis_hash, orgs, nodes_json);
  SILK_RETURN_IF_ERROR(
      core::write_new_file((dir / "network.json").string(), network.dump(2) + "\n", 0644));
  std::string cas;
  for (const OrgMaterial& org : orgs) cas += org.ca->pem();
  SILK_RETURN_IF_ERROR(core::write_new_file((dir / "cas.pem").string(), cas, 0644));
  rollback.commit();

  const std::string start =
      options.nodes == 1 ? "silkd --config " + (dir / "nodes" / "node1" / "node.json").string()
                         : "tools/network.sh start " + dir.string();
  CommandOutput out;
  out.text = summary_text(options, dir, start, genesis_hash, orgs, nodes_json);
  out.json = network;
  out.json["dir"] = dir.string();
  out.json["start"] = start;
  return out;
}

namespace {

std::string shell_quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

Result<CommandOutput> run_network_env(CommandContext& ctx, const NetworkEnvOptions& options) {
  (void)ctx;
  SILK_RETURN_IF_ERROR(core::crypto_init());
  const fs::path dir = fs::absolute(options.dir);
  const std::string network_path = (dir / "network.json").string();
  std::ifstream in(network_path, std::ios::binary);
  if (!in) {
    return Status::not_found(network_path + " cannot be opened (is --dir a `silk network init` "
                             "folder?)");
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  json network = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!network.is_object() || !network["nodes"].is_array() || !network["orgs"].is_array()) {
    return Status::invalid(network_path + " is not a network.json of silk network init");
  }
  if (options.node > network["nodes"].size()) {
    return Status::invalid("--node " + std::to_string(options.node) + ": the network has " +
                           std::to_string(network["nodes"].size()) + " node(s)");
  }
  const json& node = network["nodes"][options.node - 1];
  const std::string url = node.value("rpc_url", "");
  CommandOutput out;
  out.json["SILK_NODE"] = url;
  if (url.rfind("https://", 0) == 0) {
    const json* org = nullptr;
    for (const json& o : network["orgs"]) {
      if (options.org.empty() || o.value("id", "") == options.org) {
        org = &o;
        break;
      }
    }
    if (org == nullptr) {
      return Status::invalid("--org " + options.org + ": no such organisation in " + network_path);
    }
    const json& ids = (*org)["identities"];
    if (!ids.is_object() || !ids.contains(options.role)) {
      return Status::invalid("--role " + options.role + ": organisation " +
                             org->value("id", "") + " has no such identity");
    }
    const json& id = ids[options.role];
    const fs::path key = dir / id.value("key", "");
    const fs::path pass = dir / id.value("pass", "");
    const fs::path cert = dir / id.value("cert", "");
    fs::path tls_key = key;
    tls_key.replace_extension(".tls.pem");
    std::error_code ec;
    if (!fs::exists(tls_key, ec)) {
      SILK_ASSIGN_OR_RETURN(std::string passphrase, core::read_passphrase_file(pass.string()));
      Result<core::SecretKey> secret = core::read_key_file(key.string(), passphrase);
      core::wipe(passphrase.data(), passphrase.size());
      if (!secret.is_ok()) return secret.status();
      SILK_ASSIGN_OR_RETURN(core::SecretBytes pem,
                            core::SigningKey::from_ed25519(*secret).pkcs8_pem());
      SILK_RETURN_IF_ERROR(core::write_new_file(tls_key.string(), std::string(pem.view()), 0600));
    }
    out.json["SILK_CA"] = (dir / network.value("ca_bundle", "cas.pem")).string();
    out.json["SILK_TLS_CERT"] = cert.string();
    out.json["SILK_TLS_KEY"] = tls_key.string();
  }
  for (auto it = out.json.begin(); it != out.json.end(); ++it) {
    out.text += "export " + it.key() + "=" + shell_quote(it.value().get<std::string>()) + "\n";
  }
  return out;
}

}  // namespace silk::tools
