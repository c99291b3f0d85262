#include "silk/tools/init_solo.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "silk/consensus/engine.h"
#include "silk/core/file_io.h"
#include "silk/core/genesis.h"
#include "silk/core/key_file.h"
#include "silk/tools/generated_keys.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

Status write_file_once(const fs::path& path, const std::string& text, mode_t mode) {
  return core::write_new_file(path.string(), text, mode);
}

// Writes DIR/keys/<name>.key and DIR/keys/<name>.pass; returns the public key.
Result<core::PublicKey> write_member_key(const fs::path& keys_dir, const std::string& name,
                                         const core::KeyFileOptions& options) {
  core::SecretKey key = core::SecretKey::generate();
  SILK_RETURN_IF_ERROR(write_key_with_passphrase(keys_dir / (name + ".key"),
                                                 keys_dir / (name + ".pass"), key, options));
  return key.public_key();
}

Status prepare_dir(const fs::path& dir) {
  SILK_RETURN_IF_ERROR(prepare_empty_dir(dir));
  fs::path keys = dir / "keys";
  if (::mkdir(keys.c_str(), 0700) != 0) {
    return Status::io_error("cannot create " + keys.string() + ": " + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace

json solo_node_config(uint16_t port) {
  return {
      {"data_dir", "data"},
      {"genesis", "genesis.json"},
      {"node_key", "keys/node.key"},
      {"passphrase_file", "keys/node.pass"},
      {"rpc",
       {{"listen", "127.0.0.1"}, {"port", port}, {"max_body_bytes", 16777216}, {"threads", 2}}},
      {"mempool", {{"capacity", 100000}, {"verify_threads", 0}}},
      {"log", {{"level", "info"}, {"file", ""}}},
  };
}

Result<CommandOutput> run_init_solo(CommandContext& ctx, const InitSoloOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (options.dir.empty()) return Status::invalid("--dir is empty");
  if (options.chain_id.empty()) return Status::invalid("--chain-id is empty");
  if (options.port == 0) return Status::invalid("--port must be 1..65535");
  if (options.block_interval_ms == 0) return Status::invalid("--block-interval-ms must be > 0");

  const fs::path dir(options.dir);
  SILK_RETURN_IF_ERROR(prepare_dir(dir));
  const fs::path keys = dir / "keys";
  const core::KeyFileOptions key_options = key_file_options(options.kdf);

  SILK_ASSIGN_OR_RETURN(core::PublicKey node_pk, write_member_key(keys, "node", key_options));
  SILK_ASSIGN_OR_RETURN(core::PublicKey client_pk, write_member_key(keys, "client", key_options));

  core::Genesis genesis;
  genesis.chain_id = options.chain_id;
  genesis.timestamp_ms = ctx.clock().now_ms();
  genesis.consensus.type = std::string(consensus::solo_engine_kind().name());
  genesis.consensus.block_interval_ms = options.block_interval_ms;
  genesis.identity_mode = "with-key";
  genesis.members.push_back({"node", node_pk, "org1", {"node", "admin"}});
  genesis.members.push_back({"client", client_pk, "org1", {"client", "issuer"}});
  genesis.validators.push_back(node_pk);
  // Written exactly as canonicalised, so `sha256sum genesis.json` is the genesis hash.
  const std::string genesis_text = genesis.to_json();
  SILK_ASSIGN_OR_RETURN(core::Genesis parsed, core::Genesis::parse(genesis_text));
  SILK_RETURN_IF_ERROR(write_file_once(dir / "genesis.json", genesis_text, 0644));
  SILK_RETURN_IF_ERROR(
      write_file_once(dir / "node.json", solo_node_config(options.port).dump(2) + "\n", 0644));

  const std::string d = dir.string();
  const std::string node_hex = core::to_hex(node_pk);
  const std::string client_hex = core::to_hex(client_pk);
  const std::string start = "silkd --config " + (dir / "node.json").string();
  const std::string url = "http://127.0.0.1:" + std::to_string(options.port);
  const std::string anchor = "silk --node " + url + " --passphrase-file " +
                             (keys / "client.pass").string() + " notary anchor FILE --key " +
                             (keys / "client.key").string();

  CommandOutput out;
  std::ostringstream t;
  t << "initialised a solo chain \"" << options.chain_id << "\" in " << d << "\n"
    << "  genesis.json      genesis hash " << core::to_hex(parsed.hash) << "\n"
    << "  node.json         rpc on 127.0.0.1:" << options.port << ", data in " << d << "/data\n"
    << "  keys/node.key     member \"node\" (org1: node, admin), validator " << node_hex << "\n"
    << "  keys/node.pass    its passphrase (0600)\n"
    << "  keys/client.key   member \"client\" (org1: client, issuer) " << client_hex << "\n"
    << "  keys/client.pass  its passphrase (0600)\n"
    << "start the node:\n  " << start << "\n"
    << "then record a file:\n  " << anchor << "\n";
  out.text = t.str();
  out.json = {
      {"dir", d},
      {"chain_id", options.chain_id},
      {"genesis_hash", core::to_hex(parsed.hash)},
      {"node_public_key", node_hex},
      {"client_public_key", client_hex},
      {"files",
       {"genesis.json", "node.json", "keys/node.key", "keys/node.pass", "keys/client.key",
        "keys/client.pass"}},
      {"rpc_url", url},
      {"start", start},
  };
  return out;
}

}  // namespace silk::tools
