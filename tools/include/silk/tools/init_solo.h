// `silk init-solo`: everything a one-node development chain needs, in one folder.
//
//   DIR/genesis.json       core::Genesis::to_json(); members "node" (org1: node, admin)
//                          and "client" (org1: client, issuer); validators [node]
//   DIR/node.json          silkd's config (paths relative to DIR)
//   DIR/keys/node.key      encrypted key files (0600), folder 0700
//   DIR/keys/node.pass     their random passphrases (0600, one line)
//   DIR/keys/client.key
//   DIR/keys/client.pass
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "silk/tools/command.h"
#include "silk/tools/wallet_commands.h"

namespace silk::tools {

struct InitSoloOptions {
  std::string dir;
  std::string chain_id = "silk-local";
  uint16_t port = 8645;
  uint64_t block_interval_ms = 100;
  KeyKdf kdf = KeyKdf::kInteractive;
};

// node.json's contents for a chain set up by init-solo.
nlohmann::json solo_node_config(uint16_t port);

// kConflict when DIR exists and is not empty (or is not a folder); kIOError
// when a file cannot be written. JSON: {"dir", "chain_id", "genesis_hash",
// "node_public_key", "client_public_key", "files": [...], "start": "<command>"}.
core::Result<CommandOutput> run_init_solo(CommandContext& ctx, const InitSoloOptions& options);

}  // namespace silk::tools
