#include "silk/contracts/governance.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "silk/contracts/args.h"
#include "silk/contracts/chain_config.h"
#include "silk/contracts/policy.h"
#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/x509.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr std::string_view kGovernanceContract = "governance";
constexpr std::string_view kNextIdKey = "next_id";
constexpr std::string_view kOpenKey = "open";
constexpr std::string_view kVersionsKey = "config";  // full key: kConfigKey
constexpr size_t kMaxDescriptionBytes = 4096;

constexpr std::array<std::string_view, 6> kKinds = {
    "add_org", "remove_org", "rotate_ca", "set_validators", "set_policy", "set_block_params"};

std::string proposal_key(uint64_t id) { return "proposal/" + std::to_string(id); }

// kInvalid for a field of `obj` not in `allowed`.
Status check_fields(const json& obj, const std::string& where,
                    std::initializer_list<std::string_view> allowed) {
  for (const auto& item : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Status::invalid(where + "unknown field '" + item.key() + "' (expected " + list + ")");
    }
  }
  return Status::ok();
}

Result<std::string> get_string(const json& obj, std::string_view key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::invalid(where + std::string(key) + ": missing");
  if (!it->is_string()) {
    return Status::invalid(where + std::string(key) + ": expected a string, got " + json_kind(*it));
  }
  return it->get<std::string>();
}

// An unsigned integer field at most `max`; nullopt when absent (or null).
Result<std::optional<uint64_t>> get_opt_uint(const json& obj, std::string_view key,
                                             const std::string& where, uint64_t max) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<uint64_t>();
  // Parsed JSON text holds non-negative integers as unsigned; a json built in C++ may hold them
  // as signed.
  if (!it->is_number_integer() || (!it->is_number_unsigned() && it->get<int64_t>() < 0)) {
    return Status::invalid(where + std::string(key) + ": expected a non-negative integer, got " +
                           it->dump(-1, ' ', false, json::error_handler_t::replace));
  }
  const uint64_t v = it->get<uint64_t>();
  if (v > max) {
    return Status::invalid(where + std::string(key) + ": " + std::to_string(v) + " is over " +
                           std::to_string(max));
  }
  return std::optional<uint64_t>(v);
}

Result<uint64_t> get_id(const json& args) {
  SILK_RETURN_IF_ERROR(check_fields(args, "args: ", {"id"}));
  SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> id,
                        get_opt_uint(args, "id", "", std::numeric_limits<uint64_t>::max()));
  if (!id) return Status::invalid("id: missing");
  if (*id == 0) return Status::invalid("id: proposal ids start at 1");
  return *id;
}

// A CA certificate for organisation `org_id` in `jurisdiction` ("" = do not check the C).
Result<core::Certificate> parse_ca(const std::string& pem, const std::string& org_id,
                                   const std::string& jurisdiction, const std::string& where) {
  Result<core::Certificate> ca = core::parse_certificate(pem);
  if (!ca.is_ok()) return ca.status().with_context(where);
  if (!ca->is_ca()) return Status::invalid(where + " is not a CA certificate");
  if (ca->subject().organization != org_id) {
    return Status::invalid(where + " names organisation '" + ca->subject().organization +
                           "', not '" + org_id + "'");
  }
  if (!jurisdiction.empty() && !ca->subject().country.empty() &&
      ca->subject().country != jurisdiction) {
    return Status::invalid(where + " names jurisdiction '" + ca->subject().country + "', not '" +
                           jurisdiction + "'");
  }
  return ca;
}

// ---- Params: checked and normalised when proposed, applied when executed ----

bool with_cert(const core::Genesis& genesis) { return genesis.identity_mode == "with-cert"; }

Status need_with_cert(const std::string& kind, const core::Genesis& genesis) {
  if (with_cert(genesis)) return Status::ok();
  return Status::invalid("kind: " + kind + " needs with-cert mode; this chain is " +
                         genesis.identity_mode + " (its organisations come from genesis)");
}

// The params in normal form (defaults filled in, certificates as PEM, keys as lower-case hex),
// or kInvalid naming the field. Checks what does not depend on the configuration.
Result<json> normalize_params(const std::string& kind, const json& params,
                              const core::Genesis& genesis, const ConsensusRules& rules) {
  const std::string w = "params.";
  if (!params.is_object()) {
    return Status::invalid("params: expected a JSON object, got " + json_kind(params));
  }
  if (kind == "add_org") {
    SILK_RETURN_IF_ERROR(need_with_cert(kind, genesis));
    SILK_RETURN_IF_ERROR(check_fields(params, w, {"org"}));
    auto it = params.find("org");
    if (it == params.end()) return Status::invalid("params.org: missing");
    if (!it->is_object()) {
      return Status::invalid("params.org: expected a JSON object, got " + json_kind(*it));
    }
    const json& o = *it;
    const std::string ow = "params.org.";
    SILK_RETURN_IF_ERROR(check_fields(o, ow, {"id", "name", "jurisdiction", "ca_certs"}));
    SILK_ASSIGN_OR_RETURN(std::string id, get_string(o, "id", ow));
    if (!core::is_valid_org_id(id)) {
      return Status::invalid("params.org.id: '" + id +
                             "' is not 1-60 of [A-Za-z0-9._-] starting alphanumeric");
    }
    std::string name;
    if (o.contains("name")) {
      SILK_ASSIGN_OR_RETURN(name, get_string(o, "name", ow));
    }
    SILK_ASSIGN_OR_RETURN(std::string jurisdiction, get_string(o, "jurisdiction", ow));
    if (!core::is_valid_jurisdiction(jurisdiction)) {
      return Status::invalid("params.org.jurisdiction: '" + jurisdiction +
                             "' is not an ISO 3166-1 alpha-2 code (two upper-case letters)");
    }
    auto cas = o.find("ca_certs");
    if (cas == o.end()) return Status::invalid("params.org.ca_certs: missing");
    if (!cas->is_array() || cas->empty()) {
      return Status::invalid("params.org.ca_certs: expected a non-empty array of PEM strings");
    }
    json pems = json::array();
    std::set<core::Hash> seen;
    for (size_t k = 0; k < cas->size(); ++k) {
      const std::string cw = "params.org.ca_certs[" + std::to_string(k) + "]";
      const json& c = (*cas)[k];
      if (!c.is_string()) {
        return Status::invalid(cw + ": expected a PEM string, got " + json_kind(c));
      }
      SILK_ASSIGN_OR_RETURN(core::Certificate ca,
                            parse_ca(c.get<std::string>(), id, jurisdiction, cw));
      if (!seen.insert(ca.fingerprint()).second) {
        return Status::invalid(cw + " is listed twice");
      }
      pems.push_back(ca.pem());
    }
    return json{
        {"org", {{"id", id}, {"name", name}, {"jurisdiction", jurisdiction}, {"ca_certs", pems}}}};
  }
  if (kind == "remove_org") {
    SILK_RETURN_IF_ERROR(need_with_cert(kind, genesis));
    SILK_RETURN_IF_ERROR(check_fields(params, w, {"org"}));
    SILK_ASSIGN_OR_RETURN(std::string org, get_string(params, "org", w));
    return json{{"org", org}};
  }
  if (kind == "rotate_ca") {
    SILK_RETURN_IF_ERROR(need_with_cert(kind, genesis));
    SILK_RETURN_IF_ERROR(check_fields(params, w, {"org", "ca_cert", "keep_old"}));
    SILK_ASSIGN_OR_RETURN(std::string org, get_string(params, "org", w));
    SILK_ASSIGN_OR_RETURN(std::string pem, get_string(params, "ca_cert", w));
    bool keep_old = true;
    if (auto it = params.find("keep_old"); it != params.end() && !it->is_null()) {
      if (!it->is_boolean()) {
        return Status::invalid("params.keep_old: expected a boolean, got " + json_kind(*it));
      }
      keep_old = it->get<bool>();
    }
    SILK_ASSIGN_OR_RETURN(core::Certificate ca, parse_ca(pem, org, "", "params.ca_cert"));
    return json{{"org", org}, {"ca_cert", ca.pem()}, {"keep_old", keep_old}};
  }
  if (kind == "set_validators") {
    // The engine says whether its validator set may change (solo: one validator by definition).
    if (rules.validator_changes == core::ValidatorChanges::kNever) {
      return Status::invalid("set_validators: a " + rules.engine +
                             " chain cannot change its validators");
    }
    SILK_RETURN_IF_ERROR(check_fields(params, w, {"validators"}));
    auto it = params.find("validators");
    if (it == params.end()) return Status::invalid("params.validators: missing");
    if (!it->is_array() || it->empty()) {
      return Status::invalid("params.validators: expected a non-empty array of hex public keys");
    }
    json keys = json::array();
    std::set<core::PublicKey> seen;
    for (size_t k = 0; k < it->size(); ++k) {
      const std::string vw = "params.validators[" + std::to_string(k) + "]";
      const json& v = (*it)[k];
      if (!v.is_string()) {
        return Status::invalid(vw + ": expected a hex public key, got " + json_kind(v));
      }
      Result<core::PublicKey> pk = core::public_key_from_hex(v.get<std::string>());
      if (!pk.is_ok()) return pk.status().with_context(vw);
      if (!seen.insert(*pk).second) return Status::invalid(vw + ": listed twice");
      keys.push_back(core::to_hex(core::ByteSpan(pk->data(), pk->size())));
    }
    return json{{"validators", keys}};
  }
  if (kind == "set_policy") {
    SILK_RETURN_IF_ERROR(check_fields(params, w, {"name", "policy"}));
    SILK_ASSIGN_OR_RETURN(std::string name, get_string(params, "name", w));
    SILK_RETURN_IF_ERROR(check_policy_name(name).with_context("params.name"));
    auto it = params.find("policy");
    if (it == params.end()) {
      return Status::invalid("params.policy: missing (null removes the explicit policy)");
    }
    if (it->is_null()) return json{{"name", name}, {"policy", nullptr}};
    Result<Policy> p = parse_policy(*it);
    if (!p.is_ok()) return p.status().with_context("params.policy");
    // Governance must stay able to change its own rules: forbidding these
    // would lock the configuration for good.
    if (p->rule == Policy::Rule::kForbidden &&
        (name == "governance.propose" || name == "governance.approve" ||
         name == "proposal.set_policy")) {
      return Status::invalid("params.policy: " + name +
                             " may not be FORBIDDEN; it would lock governance for good");
    }
    return json{{"name", name}, {"policy", to_json(*p)}};
  }
  if (kind == "set_block_params") {
    SILK_RETURN_IF_ERROR(
        check_fields(params, w, {"block_interval_ms", "max_block_txs", "max_block_bytes"}));
    json out = json::object();
    SILK_ASSIGN_OR_RETURN(
        std::optional<uint64_t> interval,
        get_opt_uint(params, "block_interval_ms", w, std::numeric_limits<uint64_t>::max()));
    SILK_ASSIGN_OR_RETURN(
        std::optional<uint64_t> txs,
        get_opt_uint(params, "max_block_txs", w, std::numeric_limits<uint32_t>::max()));
    SILK_ASSIGN_OR_RETURN(
        std::optional<uint64_t> bytes,
        get_opt_uint(params, "max_block_bytes", w, std::numeric_limits<uint64_t>::max()));
    if (!interval && !txs && !bytes) {
      return Status::invalid(
          "params: set_block_params needs at least one of block_interval_ms, max_block_txs, "
          "max_block_bytes");
    }
    if (interval) {
      if (*interval == 0) return Status::invalid("params.block_interval_ms: must be above 0");
      out["block_interval_ms"] = *interval;
    }
    if (txs) {
      if (*txs == 0) return Status::invalid("params.max_block_txs: must be above 0");
      out["max_block_txs"] = *txs;
    }
    if (bytes) {
      if (*bytes < 1024) return Status::invalid("params.max_block_bytes: must be at least 1024");
      out["max_block_bytes"] = *bytes;
    }
    return out;
  }
  std::string list;
  for (std::string_view k : kKinds) list += (list.empty() ? "" : ", ") + std::string(k);
  return Status::invalid("kind: unknown kind '" + kind + "' (expected " + list + ")");
}

// The organisation a proposal is about (SELF policies), or "".
std::string subject_org_of(const std::string& kind, const json& params) {
  if (kind == "add_org") return params.at("org").at("id").get<std::string>();
  if (kind == "remove_org" || kind == "rotate_ca") return params.at("org").get<std::string>();
  return {};
}

// `config` with the change applied: kInvalid naming the field when the change does not fit it
// (an organisation that is already there or no longer there, ...). `params` are normalised.
Result<ChainConfig> apply_change(const std::string& kind, const json& params, ChainConfig config,
                                 const core::Genesis& genesis, const ConsensusRules& rules) {
  if (kind == "add_org") {
    const json& o = params.at("org");
    OrgConfig org{o.at("id").get<std::string>(),
                  o.at("name").get<std::string>(),
                  o.at("jurisdiction").get<std::string>(),
                  {}};
    if (config.find_org(org.id) != nullptr) {
      return Status::invalid("params.org.id: organisation '" + org.id +
                             "' is already in the consortium");
    }
    for (const json& pem : o.at("ca_certs")) {
      SILK_ASSIGN_OR_RETURN(
          core::Certificate ca,
          parse_ca(pem.get<std::string>(), org.id, org.jurisdiction, "params.org.ca_certs"));
      org.cas.push_back(ca);
    }
    config.orgs.push_back(std::move(org));
    std::sort(config.orgs.begin(), config.orgs.end(),
              [](const OrgConfig& a, const OrgConfig& b) { return a.id < b.id; });
  } else if (kind == "remove_org") {
    const std::string id = params.at("org").get<std::string>();
    auto it = std::find_if(config.orgs.begin(), config.orgs.end(),
                           [&](const OrgConfig& o) { return o.id == id; });
    if (it == config.orgs.end()) {
      return Status::invalid("params.org: organisation '" + id + "' is not in the consortium");
    }
    if (config.orgs.size() == 1) {
      return Status::invalid("params.org: '" + id + "' is the last organisation");
    }
    config.orgs.erase(it);
  } else if (kind == "rotate_ca") {
    const std::string id = params.at("org").get<std::string>();
    auto it = std::find_if(config.orgs.begin(), config.orgs.end(),
                           [&](const OrgConfig& o) { return o.id == id; });
    if (it == config.orgs.end()) {
      return Status::invalid("params.org: organisation '" + id + "' is not in the consortium");
    }
    SILK_ASSIGN_OR_RETURN(core::Certificate ca, parse_ca(params.at("ca_cert").get<std::string>(),
                                                         id, it->jurisdiction, "params.ca_cert"));
    if (params.at("keep_old").get<bool>()) {
      if (std::find(it->cas.begin(), it->cas.end(), ca) != it->cas.end()) {
        return Status::invalid("params.ca_cert: already a CA of " + id);
      }
      it->cas.push_back(ca);
    } else {
      it->cas = {ca};
    }
  } else if (kind == "set_validators") {
    std::vector<core::PublicKey> next;
    for (const json& v : params.at("validators")) {
      SILK_ASSIGN_OR_RETURN(core::PublicKey pk, core::public_key_from_hex(v.get<std::string>()));
      next.push_back(pk);
    }
    // An engine like raft changes membership one validator at a time, so that every majority of
    // the old set overlaps every majority of the new one (Raft's single-server change).
    if (rules.validator_changes == core::ValidatorChanges::kOneAtATime) {
      const std::set<core::PublicKey> before(config.validators.begin(), config.validators.end());
      const std::set<core::PublicKey> after(next.begin(), next.end());
      size_t changed = 0;
      for (const core::PublicKey& k : before) changed += after.count(k) ? 0 : 1;
      for (const core::PublicKey& k : after) changed += before.count(k) ? 0 : 1;
      if (changed != 1) {
        return Status::invalid(
            "params.validators: a " + rules.engine +
            " chain changes its validators one at a time (add or remove exactly one); this "
            "changes " +
            std::to_string(changed));
      }
    }
    config.validators = std::move(next);
  } else if (kind == "set_policy") {
    const std::string name = params.at("name").get<std::string>();
    const json& p = params.at("policy");
    if (p.is_null()) {
      config.policies.erase(name);
    } else {
      SILK_ASSIGN_OR_RETURN(Policy policy, parse_policy(p));
      config.policies.insert_or_assign(name, std::move(policy));
    }
  } else if (kind == "set_block_params") {
    if (params.contains("block_interval_ms")) {
      config.block.block_interval_ms = params.at("block_interval_ms").get<uint64_t>();
    }
    if (params.contains("max_block_txs")) {
      config.block.max_block_txs = params.at("max_block_txs").get<uint32_t>();
    }
    if (params.contains("max_block_bytes")) {
      config.block.max_block_bytes = params.at("max_block_bytes").get<uint64_t>();
    }
  } else {
    return Status::invalid("kind: unknown kind '" + kind + "'");
  }
  // What is stored must parse back (parse_config_versions), or the chain could not read its
  // configuration: check it now, and return the parsed form.
  Result<ChainConfig> back = ChainConfig::from_json(config.to_json(), genesis);
  if (!back.is_ok()) return Status::invalid(back.status().message());
  return back;
}

// ---- Stored configuration versions ----

struct Versions {
  std::shared_ptr<const ChainConfig> genesis;  // the configuration genesis describes
  std::vector<ConfigVersion> stored;           // sorted by from_height

  // The version in force at `height`: {from_height, config}; from_height 0 for genesis.
  ConfigVersion at(uint64_t height) const {
    ConfigVersion in_force{0, genesis};
    for (const ConfigVersion& v : stored) {
      if (v.from_height > height) break;
      in_force = v;
    }
    return in_force;
  }
  const ChainConfig& newest() const { return stored.empty() ? *genesis : *stored.back().config; }
};

Result<Versions> load_versions(ReadContext& ctx) {
  Versions out;
  Result<ChainConfig> g = ChainConfig::from_genesis(ctx.genesis());
  if (!g.is_ok()) return g.status();
  out.genesis = std::make_shared<const ChainConfig>(std::move(g).value());
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(kVersionsKey));
  if (value) {
    SILK_ASSIGN_OR_RETURN(out.stored, parse_config_versions(*value, ctx.genesis()));
  }
  return out;
}

// The versions after applying a change from `from`: the version in force at `from` with the change
// becomes the version at `from`, and each later (pending) version gets the change too, so that
// changes scheduled for different heights compose in height order. Every version is kept: the
// list is the chain's configuration history, so `config` answers for any height.
Result<std::vector<ConfigVersion>> schedule_change(const Versions& versions,
                                                   const std::string& kind, const json& params,
                                                   uint64_t from, const core::Genesis& genesis,
                                                   const ConsensusRules& rules) {
  std::vector<ConfigVersion> out;
  auto apply_to = [&](const ConfigVersion& v) -> Status {
    Result<ChainConfig> changed = apply_change(kind, params, *v.config, genesis, rules);
    if (!changed.is_ok()) {
      if (v.from_height == from) return changed.status();
      return changed.status().with_context("the version from height " +
                                           std::to_string(v.from_height));
    }
    out.push_back({v.from_height, std::make_shared<const ChainConfig>(std::move(changed).value())});
    return Status::ok();
  };
  bool placed = false;
  for (const ConfigVersion& v : versions.stored) {
    if (v.from_height < from) {
      out.push_back(v);
      continue;
    }
    if (!placed && v.from_height > from) {
      SILK_RETURN_IF_ERROR(apply_to({from, versions.at(from).config}));
    }
    placed = true;
    SILK_RETURN_IF_ERROR(apply_to(v));
  }
  if (!placed) SILK_RETURN_IF_ERROR(apply_to({from, versions.at(from).config}));
  return out;
}

// ---- Stored proposals ----

Result<std::optional<json>> load_proposal(ReadContext& ctx, uint64_t id) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(proposal_key(id)));
  if (!value) return std::optional<json>();
  json p = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!p.is_object() || !p.contains("status") || !p.contains("kind") || !p.contains("params") ||
      !p.contains("approvals")) {
    return Status::corruption(std::string(kGovernanceContract) + "/" + proposal_key(id) +
                              ": not a proposal");
  }
  return std::optional<json>(std::move(p));
}

Result<json> require_proposal(ReadContext& ctx, uint64_t id) {
  SILK_ASSIGN_OR_RETURN(std::optional<json> p, load_proposal(ctx, id));
  if (!p) return Status::not_found("proposal " + std::to_string(id) + " not found");
  return std::move(*p);
}

Result<std::vector<uint64_t>> load_open(ReadContext& ctx) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(kOpenKey));
  std::vector<uint64_t> ids;
  if (!value) return ids;
  const json j = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) {
    return Status::corruption(std::string(kGovernanceContract) + "/open: not an array");
  }
  for (const json& e : j) {
    if (!e.is_number_unsigned()) {
      return Status::corruption(std::string(kGovernanceContract) + "/open: not an array of ids");
    }
    ids.push_back(e.get<uint64_t>());
  }
  return ids;
}

void store_open(TxContext& ctx, std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ctx.put(kOpenKey, json(ids).dump());
}

Status close_open(TxContext& ctx, uint64_t id) {
  SILK_ASSIGN_OR_RETURN(std::vector<uint64_t> ids, load_open(ctx));
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  store_open(ctx, std::move(ids));
  return Status::ok();
}

std::vector<Principal> approvers_of(const json& proposal) {
  std::vector<Principal> out;
  for (const json& a : proposal.at("approvals")) {
    out.push_back({a.at("org").get<std::string>(), a.at("roles").get<std::vector<std::string>>()});
  }
  return out;
}

json approval_of(const core::Member& sender, uint64_t height) {
  return json{
      {"org", sender.org}, {"roles", sender.roles}, {"by", sender.id_hex()}, {"height", height}};
}

// After a propose or approve: executes `proposal` (and updates it) when its approvals meet
// proposal.<kind>. A change that no longer applies marks it failed; the tx still succeeds.
Status evaluate(json& proposal, TxContext& ctx) {
  const uint64_t id = proposal.at("id").get<uint64_t>();
  const std::string kind = proposal.at("kind").get<std::string>();
  const json& params = proposal.at("params");
  const ChainConfig& now = ctx.config();
  const Status met = check_approvals(now.policy_for("proposal." + kind), approvers_of(proposal),
                                     now.org_ids(), subject_org_of(kind, params));
  if (!met.is_ok()) return Status::ok();  // stays open

  SILK_ASSIGN_OR_RETURN(Versions versions, load_versions(ctx));
  const uint64_t from = std::max(proposal.at("effective_height").get<uint64_t>(), ctx.height() + 1);
  Result<std::vector<ConfigVersion>> scheduled =
      schedule_change(versions, kind, params, from, ctx.genesis(), ctx.consensus_rules());
  if (!scheduled.is_ok() && !scheduled.status().is_rejection()) return scheduled.status();
  if (scheduled.is_ok()) {
    ctx.put(kVersionsKey, encode_config_versions(*scheduled));
    proposal["status"] = "executed";
    proposal["executed_height"] = ctx.height();
    proposal["takes_effect_at"] = from;
    ctx.emit("executed", json{{"id", id}, {"kind", kind}, {"takes_effect_at", from}}.dump());
  } else {
    proposal["status"] = "failed";
    proposal["reason"] = scheduled.status().message();
    ctx.emit("failed", json{{"id", id}, {"kind", kind}, {"reason", proposal["reason"]}}.dump());
  }
  return close_open(ctx, id);
}

class Governance final : public Contract {
 public:
  std::string_view name() const override { return kGovernanceContract; }

  Result<std::string> call(std::string_view method, const json& args, TxContext& ctx) override {
    if (method == "propose") return propose(args, ctx);
    if (method == "approve") return approve(args, ctx);
    if (method == "withdraw") return withdraw(args, ctx);
    return Status::not_found("governance has no method '" + std::string(method) + "'");
  }

  Result<std::string> query(std::string_view method, const json& args,
                            ReadContext& ctx) const override {
    if (method == "config") return query_config(args, ctx);
    if (method == "proposal") return query_proposal(args, ctx);
    if (method == "proposals") return query_proposals(args, ctx);
    return Status::not_found("contract 'governance' has no query '" + std::string(method) + "'");
  }

 private:
  static Result<std::string> propose(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(
        check_fields(args, "args: ", {"kind", "params", "description", "effective_height"}));
    SILK_ASSIGN_OR_RETURN(std::string kind, get_string(args, "kind", ""));
    auto params_it = args.find("params");
    if (params_it == args.end()) return Status::invalid("params: missing");
    std::string description;
    if (args.contains("description") && !args.at("description").is_null()) {
      SILK_ASSIGN_OR_RETURN(description, get_string(args, "description", ""));
      if (description.size() > kMaxDescriptionBytes) {
        return Status::invalid("description: " + std::to_string(description.size()) +
                               " bytes, at most " + std::to_string(kMaxDescriptionBytes));
      }
    }
    SILK_ASSIGN_OR_RETURN(
        std::optional<uint64_t> effective,
        get_opt_uint(args, "effective_height", "", std::numeric_limits<uint64_t>::max()));
    if (effective && *effective <= ctx.height()) {
      return Status::invalid("effective_height: " + std::to_string(*effective) +
                             " is not after the current height " + std::to_string(ctx.height()));
    }
    SILK_ASSIGN_OR_RETURN(json params,
                          normalize_params(kind, *params_it, ctx.genesis(), ctx.consensus_rules()));
    // The change must fit the newest configuration (where it will be applied).
    SILK_ASSIGN_OR_RETURN(Versions versions, load_versions(ctx));
    Result<ChainConfig> dry =
        apply_change(kind, params, versions.newest(), ctx.genesis(), ctx.consensus_rules());
    if (!dry.is_ok()) return dry.status();

    SILK_RETURN_IF_ERROR(ctx.check_self_policy(subject_org_of(kind, params)));

    SILK_ASSIGN_OR_RETURN(std::optional<std::string> next, ctx.get(kNextIdKey));
    uint64_t id = 1;
    if (next) {
      const json n = json::parse(*next, nullptr, /*allow_exceptions=*/false);
      if (!n.is_number_unsigned() || n.get<uint64_t>() == 0) {
        return Status::corruption("governance/next_id: not a proposal id: " + *next);
      }
      id = n.get<uint64_t>();
    }
    ctx.put(kNextIdKey, std::to_string(id + 1));

    const core::Member& sender = ctx.sender();
    json proposal = {{"id", id},
                     {"kind", kind},
                     {"params", params},
                     {"description", description},
                     {"proposer", sender.id_hex()},
                     {"proposer_org", sender.org},
                     {"created_height", ctx.height()},
                     {"created_ms", ctx.block_time_ms()},
                     {"effective_height", effective.value_or(0)},
                     {"status", "open"},
                     {"approvals", json::array({approval_of(sender, ctx.height())})},
                     {"executed_height", 0},
                     {"takes_effect_at", 0},
                     {"reason", ""}};
    SILK_ASSIGN_OR_RETURN(std::vector<uint64_t> open, load_open(ctx));
    open.push_back(id);
    store_open(ctx, std::move(open));
    ctx.emit(
        "proposed",
        json{
            {"id", id}, {"kind", kind}, {"proposer", sender.id_hex()}, {"proposer_org", sender.org}}
            .dump());
    SILK_RETURN_IF_ERROR(evaluate(proposal, ctx));
    ctx.put(proposal_key(id), proposal.dump());
    return json{{"id", id}, {"status", proposal["status"]}}.dump();
  }

  static Result<std::string> approve(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(uint64_t id, get_id(args));
    SILK_ASSIGN_OR_RETURN(json proposal, require_proposal(ctx, id));
    const std::string kind = proposal.at("kind").get<std::string>();
    SILK_RETURN_IF_ERROR(ctx.check_self_policy(subject_org_of(kind, proposal.at("params"))));
    const std::string status = proposal.at("status").get<std::string>();
    if (status != "open") {
      return Status::conflict("proposal " + std::to_string(id) + " is " + status + ", not open");
    }
    const core::Member& sender = ctx.sender();
    const std::string by = sender.id_hex();
    for (const json& a : proposal.at("approvals")) {
      if (a.at("by").get<std::string>() == by) {
        return Status::conflict("proposal " + std::to_string(id) + ": " + by +
                                " already approved at height " +
                                std::to_string(a.at("height").get<uint64_t>()));
      }
    }
    proposal["approvals"].push_back(approval_of(sender, ctx.height()));
    ctx.emit("approved", json{{"id", id}, {"org", sender.org}, {"by", by}}.dump());
    SILK_RETURN_IF_ERROR(evaluate(proposal, ctx));
    ctx.put(proposal_key(id), proposal.dump());
    return json{{"id", id}, {"status", proposal["status"]}, {"approvals", proposal["approvals"]}}
        .dump();
  }

  static Result<std::string> withdraw(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(uint64_t id, get_id(args));
    SILK_ASSIGN_OR_RETURN(json proposal, require_proposal(ctx, id));
    const std::string kind = proposal.at("kind").get<std::string>();
    SILK_RETURN_IF_ERROR(ctx.check_self_policy(subject_org_of(kind, proposal.at("params"))));
    const std::string by = ctx.sender().id_hex();
    if (proposal.at("proposer").get<std::string>() != by) {
      return Status::unauthorized("only the proposer (" +
                                  proposal.at("proposer").get<std::string>() +
                                  ") may withdraw proposal " + std::to_string(id));
    }
    const std::string status = proposal.at("status").get<std::string>();
    if (status != "open") {
      return Status::conflict("proposal " + std::to_string(id) + " is " + status + ", not open");
    }
    proposal["status"] = "withdrawn";
    SILK_RETURN_IF_ERROR(close_open(ctx, id));
    ctx.put(proposal_key(id), proposal.dump());
    ctx.emit("withdrawn", json{{"id", id}, {"by", by}}.dump());
    return json{{"id", id}, {"status", "withdrawn"}}.dump();
  }

  static Result<std::string> query_config(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "args: ", {"height"}));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> h,
                          get_opt_uint(args, "height", "", std::numeric_limits<uint64_t>::max()));
    const uint64_t height = h.value_or(ctx.height() + 1);
    SILK_ASSIGN_OR_RETURN(Versions versions, load_versions(ctx));
    const ConfigVersion in_force = versions.at(height);
    json pending = json::array();
    for (const ConfigVersion& v : versions.stored) {
      if (v.from_height > height) {
        pending.push_back({{"from_height", v.from_height}, {"config", v.config->to_json()}});
      }
    }
    return json{{"height", height},
                {"config", in_force.config->to_json()},
                {"from_height", in_force.from_height},
                {"pending", pending}}
        .dump();
  }

  static Result<std::string> query_proposal(const json& args, ReadContext& ctx) {
    SILK_ASSIGN_OR_RETURN(uint64_t id, get_id(args));
    SILK_ASSIGN_OR_RETURN(json proposal, require_proposal(ctx, id));
    return proposal.dump();
  }

  static Result<std::string> query_proposals(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "args: ", {"status"}));
    if (args.contains("status")) {
      const json& s = args.at("status");
      if (!s.is_string() || s.get<std::string>() != "open") {
        return Status::invalid("status: only \"open\" proposals are listed; ask for others by id");
      }
    }
    SILK_ASSIGN_OR_RETURN(std::vector<uint64_t> ids, load_open(ctx));
    json out = json::array();
    for (uint64_t id : ids) {
      SILK_ASSIGN_OR_RETURN(std::optional<json> p, load_proposal(ctx, id));
      if (!p) {
        return Status::corruption("governance/open lists proposal " + std::to_string(id) +
                                  ", which is not stored");
      }
      out.push_back(std::move(*p));
    }
    return json{{"proposals", out}}.dump();
  }
};

}  // namespace

std::unique_ptr<Contract> make_governance_contract() { return std::make_unique<Governance>(); }

}  // namespace silk::contracts
