#include "silk/contracts/chain_config.h"

#include <algorithm>
#include <set>

#include "silk/core/bytes.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

Policy make_policy(Policy::Rule rule, std::vector<std::string> roles) {
  Policy p;
  p.rule = rule;
  p.roles = std::move(roles);
  return p;
}

bool name_part_ok(std::string_view part) {
  if (part.empty() || part.size() > 64) return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<OrgConfig> org_from_entry(const core::OrgEntry& e, const std::string& where) {
  if (!core::is_valid_org_id(e.id)) {
    return Status::invalid(where + "id '" + e.id +
                           "' is not 1-60 of [A-Za-z0-9._-] starting alphanumeric");
  }
  if (!core::is_valid_jurisdiction(e.jurisdiction)) {
    return Status::invalid(where + "jurisdiction '" + e.jurisdiction +
                           "' is not an ISO 3166-1 alpha-2 code");
  }
  if (e.ca_certs_pem.empty()) return Status::invalid(where + "ca_certs is empty");
  OrgConfig org{e.id, e.name, e.jurisdiction, {}};
  std::set<core::Hash> seen;
  for (size_t k = 0; k < e.ca_certs_pem.size(); ++k) {
    const std::string cw = where + "ca_certs[" + std::to_string(k) + "]";
    Result<core::Certificate> ca = core::parse_certificate(e.ca_certs_pem[k]);
    if (!ca.is_ok()) return ca.status().with_context(cw);
    if (!ca->is_ca()) return Status::invalid(cw + " is not a CA certificate");
    if (ca->subject().organization != e.id) {
      return Status::invalid(cw + " names organisation '" + ca->subject().organization +
                             "', not '" + e.id + "'");
    }
    if (!ca->subject().country.empty() && ca->subject().country != e.jurisdiction) {
      return Status::invalid(cw + " names jurisdiction '" + ca->subject().country + "', not '" +
                             e.jurisdiction + "'");
    }
    if (!seen.insert(ca->fingerprint()).second) {
      return Status::invalid(cw + " is listed twice");
    }
    org.cas.push_back(*ca);
  }
  return org;
}

Status check_block_params(const BlockParams& b, const std::string& where) {
  if (b.max_block_txs == 0) return Status::invalid(where + "max_block_txs is 0");
  if (b.max_block_bytes < 1024) return Status::invalid(where + "max_block_bytes below 1024");
  if (b.block_interval_ms == 0) return Status::invalid(where + "block_interval_ms is 0");
  return Status::ok();
}

Result<std::map<std::string, Policy, std::less<>>> parse_policies(const json& j,
                                                                  const std::string& where) {
  std::map<std::string, Policy, std::less<>> out;
  if (!j.is_object()) return Status::invalid(where + "policies must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    SILK_RETURN_IF_ERROR(check_policy_name(it.key()).with_context(where + "policies"));
    Result<Policy> p = parse_policy(*it);
    if (!p.is_ok()) return p.status().with_context(where + "policies." + it.key());
    out.emplace(it.key(), std::move(p).value());
  }
  return out;
}

}  // namespace

const std::map<std::string, Policy, std::less<>>& default_policies() {
  static const std::map<std::string, Policy, std::less<>> kDefaults = [] {
    using R = Policy::Rule;
    std::map<std::string, Policy, std::less<>> m;
    m["identity.register"] = make_policy(R::kAny, {});
    m["identity.revoke"] = make_policy(R::kSelf, {"admin"});
    m["identity.freeze"] = make_policy(R::kSelf, {"admin"});
    m["identity.unfreeze"] = make_policy(R::kSelf, {"admin"});
    m["governance.propose"] = make_policy(R::kAny, {"admin"});
    m["governance.approve"] = make_policy(R::kAny, {"admin"});
    m["governance.withdraw"] = make_policy(R::kAny, {"admin"});
    for (const char* kind : {"add_org", "remove_org", "rotate_ca", "set_validators", "set_policy",
                             "set_block_params"}) {
      m[std::string("proposal.") + kind] = make_policy(R::kMajority, {"admin"});
    }
    return m;
  }();
  return kDefaults;
}

Status check_policy_name(std::string_view name) {
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos || name.find('.', dot + 1) != std::string_view::npos ||
      !name_part_ok(name.substr(0, dot)) || !name_part_ok(name.substr(dot + 1))) {
    return Status::invalid("policy name '" + std::string(name) +
                           "': expected <contract>.<method> or proposal.<kind>, each part 1-64 "
                           "of [a-z0-9_]");
  }
  return Status::ok();
}

Result<ChainConfig> ChainConfig::from_genesis(const core::Genesis& g) {
  ChainConfig c;
  c.identity_mode = g.identity_mode;
  c.members = g.members;
  c.validators = g.validators;
  c.block.block_interval_ms = g.consensus.block_interval_ms;
  c.block.max_block_txs = g.consensus.max_block_txs;
  c.block.max_block_bytes = g.consensus.max_block_bytes;
  for (size_t i = 0; i < g.orgs.size(); ++i) {
    Result<OrgConfig> org =
        org_from_entry(g.orgs[i], "genesis: identity.orgs[" + std::to_string(i) + "].");
    if (!org.is_ok()) return org.status();
    c.orgs.push_back(std::move(org).value());
  }
  std::sort(c.orgs.begin(), c.orgs.end(),
            [](const OrgConfig& a, const OrgConfig& b) { return a.id < b.id; });
  SILK_ASSIGN_OR_RETURN(c.policies, parse_policies(g.policies, "genesis: "));
  return c;
}

Result<ChainConfig> ChainConfig::from_json(const json& j, const core::Genesis& genesis) try {
  const std::string where = "chain config: ";
  if (!j.is_object()) return Status::invalid(where + "expected an object");
  ChainConfig c;
  c.identity_mode = j.at("identity_mode").get<std::string>();
  if (c.identity_mode != genesis.identity_mode) {
    return Status::invalid(where + "identity_mode '" + c.identity_mode +
                           "' differs from genesis's '" + genesis.identity_mode + "'");
  }
  c.members = genesis.members;
  std::set<std::string> ids;
  for (const json& o : j.at("orgs")) {
    core::OrgEntry e{o.at("id").get<std::string>(), o.at("name").get<std::string>(),
                     o.at("jurisdiction").get<std::string>(),
                     o.at("ca_certs").get<std::vector<std::string>>()};
    if (!ids.insert(e.id).second) {
      return Status::invalid(where + "organisation '" + e.id + "' is listed twice");
    }
    Result<OrgConfig> org = org_from_entry(e, where + "orgs." + e.id + ".");
    if (!org.is_ok()) return org.status();
    c.orgs.push_back(std::move(org).value());
  }
  std::sort(c.orgs.begin(), c.orgs.end(),
            [](const OrgConfig& a, const OrgConfig& b) { return a.id < b.id; });
  SILK_ASSIGN_OR_RETURN(c.policies, parse_policies(j.at("policies"), where));
  std::set<core::PublicKey> vseen;
  for (const json& v : j.at("validators")) {
    Result<core::PublicKey> pk = core::public_key_from_hex(v.get<std::string>());
    if (!pk.is_ok()) return pk.status().with_context(where + "validators");
    if (!vseen.insert(*pk).second) return Status::invalid(where + "a validator is listed twice");
    c.validators.push_back(*pk);
  }
  if (c.validators.empty()) return Status::invalid(where + "validators is empty");
  const json& b = j.at("block");
  c.block.block_interval_ms = b.at("block_interval_ms").get<uint64_t>();
  c.block.max_block_txs = b.at("max_block_txs").get<uint32_t>();
  c.block.max_block_bytes = b.at("max_block_bytes").get<uint64_t>();
  SILK_RETURN_IF_ERROR(check_block_params(c.block, where + "block."));
  return c;
} catch (const json::exception& e) {
  return Status::invalid(std::string("chain config: ") + e.what());
}

json ChainConfig::to_json() const {
  json orgs_j = json::array();
  for (const OrgConfig& o : orgs) {
    json cas = json::array();
    for (const core::Certificate& ca : o.cas) cas.push_back(ca.pem());
    orgs_j.push_back(
        {{"id", o.id}, {"name", o.name}, {"jurisdiction", o.jurisdiction}, {"ca_certs", cas}});
  }
  json pol = json::object();
  for (const auto& [name, p] : policies) pol[name] = contracts::to_json(p);
  json vals = json::array();
  for (const core::PublicKey& pk : validators) {
    vals.push_back(core::to_hex(core::ByteSpan(pk.data(), pk.size())));
  }
  return {{"identity_mode", identity_mode},
          {"orgs", orgs_j},
          {"policies", pol},
          {"validators", vals},
          {"block",
           {{"block_interval_ms", block.block_interval_ms},
            {"max_block_txs", block.max_block_txs},
            {"max_block_bytes", block.max_block_bytes}}}};
}

const OrgConfig* ChainConfig::find_org(std::string_view id) const {
  for (const OrgConfig& o : orgs) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

std::vector<std::string> ChainConfig::org_ids() const {
  std::set<std::string> ids;
  if (identity_mode == "with-cert") {
    for (const OrgConfig& o : orgs) ids.insert(o.id);
  } else {
    for (const core::Member& m : members) ids.insert(m.org);
  }
  return {ids.begin(), ids.end()};
}

Policy ChainConfig::policy_for(std::string_view name) const {
  if (auto it = policies.find(name); it != policies.end()) return it->second;
  const auto& defaults = default_policies();
  if (auto it = defaults.find(name); it != defaults.end()) return it->second;
  return make_policy(Policy::Rule::kAny, {});
}

bool ChainConfig::has_policy(std::string_view name) const {
  return policies.count(name) != 0 || default_policies().count(name) != 0;
}

Result<std::vector<ConfigVersion>> parse_config_versions(std::string_view value,
                                                         const core::Genesis& genesis) {
  json j;
  try {
    j = json::parse(value.begin(), value.end());
  } catch (const json::exception& e) {
    return Status::corruption(std::string(kConfigKey) + ": not valid JSON: " + e.what());
  }
  std::vector<ConfigVersion> out;
  try {
    uint64_t last = 0;
    for (const json& v : j.at("versions")) {
      const uint64_t from = v.at("from_height").get<uint64_t>();
      if (!out.empty() && from <= last) {
        return Status::corruption(std::string(kConfigKey) + ": versions out of order at height " +
                                  std::to_string(from));
      }
      last = from;
      Result<ChainConfig> c = ChainConfig::from_json(v.at("config"), genesis);
      if (!c.is_ok()) {
        return Status::corruption(std::string(kConfigKey) + ": version from height " +
                                  std::to_string(from) + ": " + c.status().message());
      }
      out.push_back({from, std::make_shared<const ChainConfig>(std::move(c).value())});
    }
  } catch (const json::exception& e) {
    return Status::corruption(std::string(kConfigKey) + ": " + e.what());
  }
  return out;
}

std::string encode_config_versions(const std::vector<ConfigVersion>& versions) {
  json arr = json::array();
  for (const ConfigVersion& v : versions) {
    arr.push_back({{"from_height", v.from_height}, {"config", v.config->to_json()}});
  }
  return json{{"versions", arr}}.dump();
}

ConfigSchedule::ConfigSchedule(std::shared_ptr<const ChainConfig> genesis,
                               std::vector<ConfigVersion> versions)
    : genesis_(std::move(genesis)), versions_(std::move(versions)) {}

const std::shared_ptr<const ChainConfig>& ConfigSchedule::at(uint64_t height) const {
  const std::shared_ptr<const ChainConfig>* in_force = &genesis_;
  for (const ConfigVersion& v : versions_) {
    if (v.from_height <= height) in_force = &v.config;
  }
  return *in_force;
}

}  // namespace silk::contracts
