#include "silk/core/genesis.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <type_traits>

#include "silk/core/block.h"
#include "silk/core/merkle.h"
#include "silk/core/x509.h"

namespace silk::core {

namespace {

using nlohmann::json;

const std::set<std::string, std::less<>>& known_roles() {
  static const std::set<std::string, std::less<>> kRoles = {
      "admin", "client", "node", "issuer", "regulator", "auditor", "arbitrator"};
  return kRoles;
}

Status check_keys(const json& obj, const std::string& where, std::set<std::string> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!allowed.count(it.key())) {
      return Status::invalid("genesis: unknown field '" + where + it.key() + "'");
    }
  }
  return Status::ok();
}

// Reads an optional field of type T; kInvalid naming the field on a type mismatch.
template <typename T>
Status get_opt(const json& obj, const char* key, const std::string& where, T& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::ok();
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // Reject what get<T>() would silently wrap or truncate: negatives,
    // fractions, floats and values past the field's range.
    if (!it->is_number_unsigned()) {
      return Status::invalid("genesis: field '" + where + key +
                             "' must be a non-negative integer, got " + it->dump());
    }
    uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return Status::invalid("genesis: field '" + where + key + "' is " + std::to_string(v) +
                             "; at most " + std::to_string(std::numeric_limits<T>::max()));
    }
    out = static_cast<T>(v);
    return Status::ok();
  }
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    return Status::invalid("genesis: field '" + where + key + "' has the wrong type (" +
                           it->type_name() + ")");
  }
  return Status::ok();
}

Status parse_orgs(const json& id, Genesis& g) {
  auto orgs = id.find("orgs");
  if (orgs == id.end() || !orgs->is_array() || orgs->empty()) {
    return Status::invalid("genesis: identity.orgs must be a non-empty array in with-cert mode");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < orgs->size(); ++i) {
    const json& o = (*orgs)[i];
    const std::string where = "identity.orgs[" + std::to_string(i) + "].";
    if (!o.is_object()) return Status::invalid("genesis: " + where + " must be an object");
    SILK_RETURN_IF_ERROR(check_keys(o, where, {"id", "name", "jurisdiction", "ca_certs"}));
    OrgEntry org;
    SILK_RETURN_IF_ERROR(get_opt(o, "id", where, org.id));
    SILK_RETURN_IF_ERROR(get_opt(o, "name", where, org.name));
    SILK_RETURN_IF_ERROR(get_opt(o, "jurisdiction", where, org.jurisdiction));
    SILK_RETURN_IF_ERROR(get_opt(o, "ca_certs", where, org.ca_certs_pem));
    if (!is_valid_org_id(org.id)) {
      return Status::invalid("genesis: " + where + "id '" + org.id +
                             "' is not 1-60 of [A-Za-z0-9._-] starting alphanumeric");
    }
    if (!seen.insert(org.id).second) {
      return Status::invalid("genesis: " + where + "id '" + org.id + "' is listed twice");
    }
    if (!is_valid_jurisdiction(org.jurisdiction)) {
      return Status::invalid("genesis: " + where + "jurisdiction '" + org.jurisdiction +
                             "' is not an ISO 3166-1 alpha-2 code (two upper-case letters)");
    }
    if (org.ca_certs_pem.empty()) {
      return Status::invalid("genesis: " + where + "ca_certs must list at least one certificate");
    }
    for (size_t k = 0; k < org.ca_certs_pem.size(); ++k) {
      const std::string cw = where + "ca_certs[" + std::to_string(k) + "]";
      Result<Certificate> ca = parse_certificate(org.ca_certs_pem[k]);
      if (!ca.is_ok()) return ca.status().with_context("genesis: " + cw);
      if (!ca->is_ca()) return Status::invalid("genesis: " + cw + " is not a CA certificate");
      if (ca->subject().organization != org.id) {
        return Status::invalid("genesis: " + cw + " names organisation '" +
                               ca->subject().organization + "', not '" + org.id + "'");
      }
      if (!ca->subject().country.empty() && ca->subject().country != org.jurisdiction) {
        return Status::invalid("genesis: " + cw + " names jurisdiction '" + ca->subject().country +
                               "', not '" + org.jurisdiction + "'");
      }
    }
    g.orgs.push_back(std::move(org));
  }
  return Status::ok();
}

Result<Genesis> parse_json(const json& j) {
  if (!j.is_object()) return Status::invalid("genesis: expected a JSON object");
  SILK_RETURN_IF_ERROR(check_keys(j, "",
                                  {"chain_id", "timestamp_ms", "tx_window_ms", "consensus",
                                   "identity", "policies", "validators"}));
  Genesis g;
  SILK_RETURN_IF_ERROR(get_opt(j, "chain_id", "", g.chain_id));
  if (g.chain_id.empty()) return Status::invalid("genesis: field 'chain_id' is missing or empty");
  if (g.chain_id.size() > 128) return Status::invalid("genesis: 'chain_id' longer than 128 bytes");
  SILK_RETURN_IF_ERROR(get_opt(j, "timestamp_ms", "", g.timestamp_ms));
  SILK_RETURN_IF_ERROR(get_opt(j, "tx_window_ms", "", g.tx_window_ms));

  if (auto c = j.find("consensus"); c != j.end()) {
    if (!c->is_object()) return Status::invalid("genesis: 'consensus' must be an object");
    SILK_RETURN_IF_ERROR(check_keys(
        *c, "consensus.",
        {"type", "block_interval_ms", "max_block_txs", "max_block_bytes", "empty_blocks"}));
    ConsensusParams& p = g.consensus;
    SILK_RETURN_IF_ERROR(get_opt(*c, "type", "consensus.", p.type));
    SILK_RETURN_IF_ERROR(get_opt(*c, "block_interval_ms", "consensus.", p.block_interval_ms));
    SILK_RETURN_IF_ERROR(get_opt(*c, "max_block_txs", "consensus.", p.max_block_txs));
    SILK_RETURN_IF_ERROR(get_opt(*c, "max_block_bytes", "consensus.", p.max_block_bytes));
    SILK_RETURN_IF_ERROR(get_opt(*c, "empty_blocks", "consensus.", p.empty_blocks));
  }
  const bool engine_name_ok =
      !g.consensus.type.empty() && g.consensus.type.size() <= 32 &&
      std::all_of(g.consensus.type.begin(), g.consensus.type.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
  if (!engine_name_ok) {
    return Status::invalid("genesis: consensus.type '" + g.consensus.type.substr(0, 64) +
                           "' is not an engine name (1-32 of a-z 0-9 _)");
  }
  if (g.consensus.max_block_txs == 0)
    return Status::invalid("genesis: consensus.max_block_txs is 0");
  if (g.consensus.max_block_bytes < 1024) {
    return Status::invalid("genesis: consensus.max_block_bytes below 1024");
  }
  if (g.consensus.block_interval_ms == 0) {
    return Status::invalid("genesis: consensus.block_interval_ms is 0");
  }

  auto id = j.find("identity");
  if (id == j.end() || !id->is_object()) {
    return Status::invalid("genesis: field 'identity' is missing or not an object");
  }
  SILK_RETURN_IF_ERROR(check_keys(*id, "identity.", {"mode", "members", "orgs"}));
  SILK_RETURN_IF_ERROR(get_opt(*id, "mode", "identity.", g.identity_mode));
  if (g.identity_mode == "with-cert") {
    SILK_RETURN_IF_ERROR(parse_orgs(*id, g));
  } else if (g.identity_mode != "with-key") {
    return Status::invalid("genesis: identity.mode '" + g.identity_mode +
                           "' is not supported (with-key or with-cert)");
  }
  auto members = id->find("members");
  if (g.identity_mode == "with-cert") {
    if (members != id->end() && !(members->is_array() && members->empty())) {
      return Status::invalid(
          "genesis: identity.members is for with-key mode; with-cert members are certificates");
    }
  } else if (id->contains("orgs")) {
    return Status::invalid("genesis: identity.orgs is for with-cert mode");
  } else if (members == id->end() || !members->is_array() || members->empty()) {
    return Status::invalid("genesis: identity.members must be a non-empty array");
  }
  if (g.identity_mode == "with-key") {
    std::set<PublicKey> seen;
    for (size_t i = 0; i < members->size(); ++i) {
      const json& m = (*members)[i];
      const std::string where = "identity.members[" + std::to_string(i) + "].";
      if (!m.is_object()) return Status::invalid("genesis: " + where + " must be an object");
      SILK_RETURN_IF_ERROR(check_keys(m, where, {"name", "public_key", "org", "roles"}));
      Member mem;
      std::string pk_hex;
      SILK_RETURN_IF_ERROR(get_opt(m, "name", where, mem.name));
      SILK_RETURN_IF_ERROR(get_opt(m, "public_key", where, pk_hex));
      SILK_RETURN_IF_ERROR(get_opt(m, "org", where, mem.org));
      SILK_RETURN_IF_ERROR(get_opt(m, "roles", where, mem.roles));
      auto pk = public_key_from_hex(pk_hex);
      if (!pk) return pk.status().with_context("genesis: " + where + "public_key");
      mem.public_key = *pk;
      if (mem.org.empty()) return Status::invalid("genesis: " + where + "org is missing");
      for (const std::string& r : mem.roles) {
        if (!is_known_role(r))
          return Status::invalid("genesis: " + where + "roles: unknown role '" + r + "'");
      }
      if (!seen.insert(mem.public_key).second) {
        return Status::invalid("genesis: " + where + "public_key " + pk_hex + " is listed twice");
      }
      g.members.push_back(std::move(mem));
    }
  }

  if (auto p = j.find("policies"); p != j.end()) {
    if (!p->is_object()) return Status::invalid("genesis: 'policies' must be an object");
    for (auto it = p->begin(); it != p->end(); ++it) {
      if (it.key().empty() || it.key().size() > 200) {
        return Status::invalid("genesis: policies: a policy name must be 1-200 bytes");
      }
      if (!it->is_object()) {
        return Status::invalid("genesis: policies." + it.key() + " must be an object");
      }
    }
    g.policies = *p;
  }

  auto vals = j.find("validators");
  if (vals == j.end() || !vals->is_array() || vals->empty()) {
    return Status::invalid("genesis: validators must be a non-empty array of public keys");
  }
  std::set<PublicKey> vseen;
  for (size_t i = 0; i < vals->size(); ++i) {
    const std::string where = "validators[" + std::to_string(i) + "]";
    if (!(*vals)[i].is_string())
      return Status::invalid("genesis: " + where + " must be a hex string");
    auto pk = public_key_from_hex((*vals)[i].get<std::string>());
    if (!pk) return pk.status().with_context("genesis: " + where);
    if (!vseen.insert(*pk).second) return Status::invalid("genesis: " + where + " is listed twice");
    g.validators.push_back(*pk);
  }

  g.canonical_json = g.to_json();
  g.hash = sha256(g.canonical_json);
  return g;
}

}  // namespace

bool Member::has_role(std::string_view role) const {
  for (const std::string& r : roles) {
    if (r == role) return true;
  }
  return false;
}

bool is_known_role(std::string_view role) { return known_roles().count(role) > 0; }

std::string Member::id_hex() const {
  if (cert_fingerprint) return to_hex(ByteSpan(cert_fingerprint->data(), cert_fingerprint->size()));
  return to_hex(ByteSpan(public_key.data(), public_key.size()));
}

bool is_valid_org_id(std::string_view id) {
  if (id.empty() || id.size() > 60) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(id[0])) return false;
  for (char c : id) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool is_valid_jurisdiction(std::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

Result<Genesis> Genesis::parse(std::string_view json_text) {
  json j;
  try {
    j = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {
    return Status::invalid(std::string("genesis: not valid JSON: ") + e.what());
  }
  return parse_json(j);
}

std::string Genesis::to_json() const {
  json members_j = json::array();
  for (const Member& m : members) {
    members_j.push_back({{"name", m.name},
                         {"public_key", to_hex(ByteSpan(m.public_key.data(), m.public_key.size()))},
                         {"org", m.org},
                         {"roles", m.roles}});
  }
  json vals = json::array();
  for (const PublicKey& pk : validators) vals.push_back(to_hex(ByteSpan(pk.data(), pk.size())));
  json j = {{"chain_id", chain_id},
            {"timestamp_ms", timestamp_ms},
            {"tx_window_ms", tx_window_ms},
            {"consensus",
             {{"type", consensus.type},
              {"block_interval_ms", consensus.block_interval_ms},
              {"max_block_txs", consensus.max_block_txs},
              {"max_block_bytes", consensus.max_block_bytes},
              {"empty_blocks", consensus.empty_blocks}}},
            {"validators", vals}};
  if (identity_mode == "with-cert") {
    json orgs_j = json::array();
    for (const OrgEntry& o : orgs) {
      orgs_j.push_back({{"id", o.id},
                        {"name", o.name},
                        {"jurisdiction", o.jurisdiction},
                        {"ca_certs", o.ca_certs_pem}});
    }
    j["identity"] = {{"mode", identity_mode}, {"orgs", orgs_j}};
  } else {
    j["identity"] = {{"mode", identity_mode}, {"members", members_j}};
  }
  // Left out when empty, so that genesis files from before policies keep their hash.
  if (policies.is_object() && !policies.empty()) j["policies"] = policies;
  return j.dump();
}

const Member* Genesis::find_member(const PublicKey& pk) const {
  for (const Member& m : members) {
    if (m.public_key == pk) return &m;
  }
  return nullptr;
}

Result<Genesis> load_genesis_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("genesis file " + path + " cannot be opened");
  std::stringstream ss;
  ss << in.rdbuf();
  auto g = Genesis::parse(ss.str());
  if (!g) return g.status().with_context(path);
  return g;
}

Block make_genesis_block(const Genesis& genesis) {
  Block b;
  b.header.chain_id = genesis.chain_id;
  b.header.height = 0;
  b.header.timestamp_ms = genesis.timestamp_ms;
  b.header.tx_count = 0;
  b.header.tx_root = merkle_root({});
  b.header.receipts_root = merkle_root({});
  b.header.state_root = genesis.hash;
  b.header.validator_set_hash = validator_set_hash(genesis.validators);
  return b;
}

}  // namespace silk::core
