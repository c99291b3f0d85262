// `silk network init`: a complete local with-cert consortium in one new folder (docs/network.md).
//
//   DIR/genesis.json                   identity.mode "with-cert", the orgs with their CA PEMs,
//                                      validators = the validator nodes' public keys
//   DIR/network.json                   a summary for people and scripts (paths relative to DIR)
//   DIR/orgs/<org>/ca/ca.key|ca.pass|ca.pem|ca.json
//   DIR/orgs/<org>/users/<role>.key|.pass|.pem    admin, client, issuer, regulator, auditor,
//                                                 arbitrator (CN=<org>-<role>, OU=<role>,
//                                                 O=<org>, C=<jurisdiction>)
//   DIR/cas.pem                        every organisation's CA certificate: what `silk --ca` takes
//                                      to check a node's RPC certificate
//   DIR/nodes/node<i>/public.pem|public.key   the public verification listener's self-signed
//                                      P-256 certificate and clear key (web_cert.h)
//   DIR/nodes/node<i>/node.key|node.pass|node.pem|node.json   node i belongs to org
//                                      ((i-1) mod N)+1; node.json is silkd's config (data in
//                                      DIR/nodes/node<i>/data, RPC on 127.0.0.1:port+i-1
//                                      over TLS with node.pem (unless plain_rpc), the public
//                                      listener on 127.0.0.1:public_port+i-1 (unless
//                                      no_public);
//                                      raft/tbft: p2p on 127.0.0.1:p2p_port+i-1 with every
//                                      other node as a peer, node.pem as its TLS certificate)
// Keys are encrypted key files under random passphrases kept in .pass files (generated_keys.h);
// keys and passphrases are 0600 and the folders holding them 0700; certificates, genesis and
// configs are 0644.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "silk/core/genesis.h"
#include "silk/core/status.h"
#include "silk/tools/command.h"
#include "silk/tools/wallet_commands.h"

namespace silk::tools {

// The identities network init makes for every organisation (the node role lives under nodes/).
inline constexpr const char* kNetworkUserRoles[] = {"admin",     "client",  "issuer",
                                                    "regulator", "auditor", "arbitrator"};
inline constexpr size_t kMaxNetworkOrgs = 16;

struct NetworkOrgSpec {
  std::string id;
  std::string jurisdiction;
};

// "ID:CC" values; empty = org1:CN, org2:SG, org3:DE, org4:AE. kInvalid naming the bad value for a
// missing ':', an invalid id (core::is_valid_org_id) or jurisdiction (core::is_valid_jurisdiction),
// a repeated id, or more than kMaxNetworkOrgs.
core::Result<std::vector<NetworkOrgSpec>> parse_network_orgs(
    const std::vector<std::string>& values);

struct NetworkInitOptions {
  std::string dir;
  std::string chain_id = "silk-local";
  std::vector<std::string> orgs;                         // "ID:CC"; empty = the four defaults
  std::string consensus = core::ConsensusParams{}.type;  // genesis' default engine
  uint32_t nodes = 1;
  uint16_t port = 8645;      // node i's RPC listens on port + i - 1
  uint16_t p2p_port = 7645;  // raft, tbft: node i's p2p listens on p2p_port + i - 1
  uint16_t public_port = 0;  // node i's public listener: public_port + i - 1; 0 = port + 100
  bool plain_rpc = false;    // rpc.tls off: plain HTTP on loopback (development)
  bool no_public = false;    // no public verification listener
  KeyKdf kdf = KeyKdf::kInteractive;
  uint32_t days = 3650;  // validity of the CAs and certificates, from now
};

// Checks every option before writing anything: kInvalid for bad orgs, an unknown consensus,
// --nodes other than 1 with solo, ports past 65535 or RPC and p2p port ranges that overlap, days
// out of range; kConflict when DIR exists and is not an empty
// folder. On a later failure the files written so far are removed. Text: a summary with the start
// command and example commands. JSON: network.json's content plus "dir" and "start".
core::Result<CommandOutput> run_network_init(CommandContext& ctx,
                                             const NetworkInitOptions& options);

struct NetworkEnvOptions {
  std::string dir;
  uint32_t node = 1;
  std::string org;              // "" = the first organisation of network.json
  std::string role = "auditor";
};

// `silk network env`: shell exports for node `node` of the network in `dir` (network.json):
// SILK_NODE (its RPC URL); for https also SILK_CA (cas.pem), SILK_TLS_CERT and SILK_TLS_KEY — the
// member's key exported once in clear next to it (<role>.tls.pem, 0600), so that reading commands
// need no passphrase (commands that sign still show the identity they sign with). Text: the
// export lines, values single-quoted. JSON: {"SILK_NODE", "SILK_CA", "SILK_TLS_CERT",
// "SILK_TLS_KEY"}. kNotFound / kInvalid naming the file or the missing org, role or node.
core::Result<CommandOutput> run_network_env(CommandContext& ctx, const NetworkEnvOptions& options);

}  // namespace silk::tools
