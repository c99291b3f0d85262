// Genesis: the chain's founding configuration, a JSON file written by
// `silk init-solo`. Its hash (SHA-256 of the canonical JSON: keys sorted, no
// whitespace) is stored in the chain and names the chain to auditors.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "silk/core/status.h"

namespace silk::core {

struct Member {
  std::string name;  // "org1-admin"
  PublicKey public_key{};
  std::string org;                 // "org1"
  std::vector<std::string> roles;  // admin, client, node, issuer, regulator, auditor, arbitrator
  // with-cert mode only (never in genesis): the certificate's C and its fingerprint.
  std::string jurisdiction{};
  std::optional<Hash> cert_fingerprint{};

  bool has_role(std::string_view role) const;
  // The sender as a tx names it: the certificate fingerprint, else the public key (hex).
  std::string id_hex() const;
};

// A consortium organisation in with-cert mode: its CA certificates (PEM; more than one while a CA
// is rotated) and its jurisdiction (ISO 3166-1 alpha-2). Genesis::parse checks that each CA
// certificate parses, is a CA, and names the organisation as its O and the jurisdiction as its C.
struct OrgEntry {
  std::string id;            // "org1": 1-60 of [A-Za-z0-9._-], starting alphanumeric
  std::string name;          // display name
  std::string jurisdiction;  // "SG"
  std::vector<std::string> ca_certs_pem;
};

// Whether `id` is a valid organisation id (the rule above).
bool is_valid_org_id(std::string_view id);
// Whether `code` is two upper-case ASCII letters.
bool is_valid_jurisdiction(std::string_view code);

// How governance may change a chain's validator set. The consensus engine decides
// (consensus::EngineKind::validator_changes); execution enforces it (contracts' governance).
enum class ValidatorChanges {
  kNever,       // one validator by definition (solo)
  kOneAtATime,  // add or remove exactly one validator per change (raft's single-server change)
  kAny,         // any new set, from a height (tbft)
};

struct ConsensusParams {
  // The engine (consensus::find_engine_kind): 1-32 of [a-z0-9_]. Genesis::parse checks the form
  // only; the node and the auditor refuse an engine they do not have.
  std::string type = "solo";
  uint64_t block_interval_ms = 100;  // at most this long between a tx arriving and its block
  uint32_t max_block_txs = 5000;
  uint64_t max_block_bytes = 8u << 20;
  bool empty_blocks = false;  // produce blocks with no txs every interval
};

struct Genesis {
  std::string chain_id;
  uint64_t timestamp_ms = 0;
  uint64_t tx_window_ms =
      10 * 60 * 1000;  // a tx's timestamp may differ from the node clock by this much
  ConsensusParams consensus;
  std::string identity_mode = "with-key";  // or "with-cert"
  std::vector<Member> members;             // with-key: non-empty; with-cert: empty
  std::vector<OrgEntry> orgs;              // with-cert: non-empty, unique ids; with-key: empty
  // "contract.method" (or "proposal.<kind>") -> policy JSON (contracts/policy.h). Genesis::parse
  // checks only that it is an object of objects; contracts::ChainConfig::from_genesis parses them.
  nlohmann::json policies = nlohmann::json::object();
  std::vector<PublicKey> validators;

  std::string canonical_json;  // the file as parsed, re-serialised canonically
  Hash hash{};                 // SHA-256(canonical_json)

  // Parses and validates (non-empty chain_id, known consensus type, at least one
  // validator, unique member keys, known roles, well-formed orgs and their CA
  // certificates). Errors name the field.
  static Result<Genesis> parse(std::string_view json_text);
  // The canonical JSON for these fields (what `silk init-solo` writes).
  std::string to_json() const;

  const Member* find_member(const PublicKey& pk) const;
};

Result<Genesis> load_genesis_file(const std::string& path);

// The roles DESIGN.md §3 names.
bool is_known_role(std::string_view role);

}  // namespace silk::core

namespace silk::core {
struct Block;
// Block 0: height 0, zero prev_hash, the genesis time, empty tx and receipt
// roots, state_root = genesis.hash, the genesis validator-set hash, no cert.
Block make_genesis_block(const Genesis& genesis);
}  // namespace silk::core
