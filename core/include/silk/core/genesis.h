// Genesis: the chain's founding configuration, a JSON file written by
// `silk init-solo`. Its hash (SHA-256 of the canonical JSON: keys sorted, no
// whitespace) is stored in the chain and names the chain to auditors.
#pragma once

#include <cstdint>
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

  bool has_role(std::string_view role) const;
};

struct ConsensusParams {
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
  std::string identity_mode = "with-key";
  std::vector<Member> members;
  std::vector<PublicKey> validators;

  std::string canonical_json;  // the file as parsed, re-serialised canonically
  Hash hash{};                 // SHA-256(canonical_json)

  // Parses and validates (non-empty chain_id, known consensus type, at least one
  // validator, unique member keys, known roles). Errors name the field.
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
