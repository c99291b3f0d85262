// The chain configuration in force at a height: consortium organisations and their CAs, access
// and approval policies, the validator set and block parameters (DESIGN.md §3, docs/governance.md).
//
// Genesis fixes the first configuration. Governance changes it: an executed proposal writes a new
// version into state key kConfigKey ("governance/config"), to take effect from a given height.
// The value there is
//   {"versions": [{"from_height": H, "config": <ChainConfig::to_json()>}, ...]}
// sorted by from_height, each version complete (not a diff). config_at(height) is the last version
// whose from_height <= height, or the genesis configuration when the key is absent or no version
// has started yet. Members of with-key mode always come from genesis.
//
// Everything here is deterministic and thread-safe (values, no shared state).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/contracts/policy.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/status.h"
#include "silk/core/x509.h"

namespace silk::contracts {

class StateView;

inline constexpr std::string_view kConfigKey = "governance/config";

struct OrgConfig {
  std::string id;
  std::string name;
  std::string jurisdiction;
  std::vector<core::Certificate> cas;  // at least one; several while a CA is rotated
};

struct BlockParams {
  uint64_t block_interval_ms = 100;
  uint32_t max_block_txs = 5000;
  uint64_t max_block_bytes = 8u << 20;

  friend bool operator==(const BlockParams&, const BlockParams&) = default;
};

struct ChainConfig {
  std::string identity_mode;          // "with-key" or "with-cert"
  std::vector<OrgConfig> orgs;        // with-cert: sorted by id
  std::vector<core::Member> members;  // with-key: genesis members (never in to_json)
  std::map<std::string, Policy, std::less<>> policies;  // explicit ones only
  std::vector<core::PublicKey> validators;
  BlockParams block;

  // The configuration genesis describes. kInvalid for a policy that does not parse
  // ("genesis: policies.notary.anchor: ...") or a policy name that is not "<contract>.<method>"
  // or "proposal.<kind>".
  static core::Result<ChainConfig> from_genesis(const core::Genesis& genesis);
  // One version's "config" object; members are taken from `genesis`. kInvalid naming the field.
  static core::Result<ChainConfig> from_json(const nlohmann::json& j, const core::Genesis& genesis);
  // {"identity_mode", "orgs": [{"id","name","jurisdiction","ca_certs":[PEM...]}],
  //  "policies": {name: policy}, "validators": [hex...],
  //  "block": {"block_interval_ms","max_block_txs","max_block_bytes"}}. Round-trips.
  nlohmann::json to_json() const;

  const OrgConfig* find_org(std::string_view id) const;
  // The organisation ids, sorted: with-cert the orgs, with-key the members' orgs.
  std::vector<std::string> org_ids() const;
  // The explicit policy for `name`, else default_policies()'s, else ANY (any member, any role).
  Policy policy_for(std::string_view name) const;
  // Whether `name` has an explicit or default policy (false means the ANY fallback applies).
  bool has_policy(std::string_view name) const;
};

// The built-in policies used where genesis and governance set none. Among them:
//   identity.register ANY; identity.revoke/freeze/unfreeze SELF admin;
//   governance.propose/approve/withdraw ANY admin;
//   proposal.add_org, proposal.remove_org, proposal.set_validators, proposal.set_policy,
//   proposal.set_block_params MAJORITY admin; proposal.rotate_ca MAJORITY admin.
const std::map<std::string, Policy, std::less<>>& default_policies();

// Checks a policy name: "<contract>.<method>" or "proposal.<kind>", each part 1-64 of
// [a-z0-9_]. kInvalid "policy name 'x': ..." otherwise.
core::Status check_policy_name(std::string_view name);

// One stored version.
struct ConfigVersion {
  uint64_t from_height = 0;
  std::shared_ptr<const ChainConfig> config;
};

// Parses the value stored at kConfigKey (see above). kCorruption naming the problem when it does
// not parse: a node wrote it, so a bad value is damage, not user input.
core::Result<std::vector<ConfigVersion>> parse_config_versions(std::string_view value,
                                                               const core::Genesis& genesis);
// The value to store for `versions` (sorted by from_height).
std::string encode_config_versions(const std::vector<ConfigVersion>& versions);

// The chain's configuration history as of some block: genesis' configuration, then the versions
// governance scheduled (sorted by from_height). Answers for any height, including heights after
// the block that have a version scheduled already. Immutable; share it as a shared_ptr.
class ConfigSchedule {
 public:
  ConfigSchedule(std::shared_ptr<const ChainConfig> genesis, std::vector<ConfigVersion> versions);

  // The configuration in force at `height`: the last version whose from_height <= height, else
  // genesis'. Never null.
  const std::shared_ptr<const ChainConfig>& at(uint64_t height) const;
  const std::vector<ConfigVersion>& versions() const { return versions_; }

 private:
  std::shared_ptr<const ChainConfig> genesis_;
  std::vector<ConfigVersion> versions_;
};

}  // namespace silk::contracts
