// The `trust` contract (trust.h): jurisdictions, their trust lists and mutual-recognition
// arrangements, every status with its history, every question answerable as of a time.
//
// Methods (args are a JSON object; an unknown field is refused; every error names the field):
//   register_jurisdiction {code: "CN", name: string}
//       by a regulator of `code`. kConflict when already registered.
//   add_authority {jurisdiction: CC, id, name, cert: PEM | public_key: 64 hex, service_types: [..]}
//       by a regulator of `jurisdiction` (registered first). Exactly one of cert or public_key.
//       id: 1-64 of [A-Za-z0-9._-], starting alphanumeric. service_types: non-empty, from
//       coo_issuer, phyto_authority, customs, esign_ca, carrier, chamber, bank, insurer.
//       The entry starts "granted" at the block time. kConflict when the id is taken.
//   withdraw_authority {jurisdiction, id, reason}    granted -> withdrawn (reason required)
//   regrant {jurisdiction, id, reason?}              withdrawn -> granted
//       both by a regulator of `jurisdiction`.
//   propose_mra {id, parties: [A, B], direction: "mutual" | "a_recognises_b" | "b_recognises_a",
//                doc_types: [..], service_types: [..], valid_from_ms?: 0, valid_until_ms?: 0
//                (open)}
//       by a regulator of A or B (its approval is recorded); both registered; status "draft".
//       a_recognises_b: A (the verifying side) recognises documents issued in B.
//   approve_mra {id}                                 by a regulator of the party that has not
//                                                    approved yet: draft -> enacted
//   suspend_mra {id, reason}                         enacted -> suspended
//   reinstate_mra {id, reason?}                      suspended -> enacted (counts from its time)
//   repeal_mra {id, reason}                          draft | enacted | suspended -> repealed
//   (final)
//       suspend / reinstate / repeal by a regulator of either party.
// Every status change takes effect at the block time and is appended to the record's history
// ({"status", "at_ms", "height", "tx_id", "by", "reason"?}). Refusals: kUnauthorized "only a
// regulator of CN may ...: sender ... is ...", kNotFound for an unknown jurisdiction, authority
// or MRA, kConflict for a wrong state ("MRA x is suspended, not enacted").
//
// Queries (at_ms defaults to the tip's block time):
//   jurisdiction {code}                          the record
//   jurisdictions {}                             {"jurisdictions": [record...]} by code
//   authority {jurisdiction, id, at_ms?}         the record + "at_ms", "status_at", "since_ms"
//   authorities {jurisdiction, at_ms?}           {"jurisdiction", "at_ms", "authorities": [entry
//                                                 + "status_at", "since_ms"]}: entries listed at
//                                                 or before at_ms, by id
//   mra {id, at_ms?}                             the record + "at_ms", "status_at", "since_ms"
//   mras {jurisdiction?}                         {"mras": [record...]} by id (a party's only,
//                                                 when given)
//   recognises {issuing, verifying, doc_type, service_type?, at_ms?}
//                                                {"recognised", "mra_id", "reason", ...args}
//   authority_check {jurisdiction, cert: PEM | public_key: hex, service_type?, at_ms?}
//                                                authority_granted_at for that signer:
//                                                {"granted", "authority_id", "reason", ...args}
// "status_at" is "not_listed" / "not_proposed" before the first history entry.
//
// Index keys (sorted JSON arrays): index/jurisdictions, index/authorities/<CC>, index/mras,
// index/mras/<CC>.
//
// authority_granted_at also requires the signer's certificate (when given), and a matching CA
// entry's certificate, to be within their validity windows at at_ms: a certificate that had
// expired when it signed does not chain. An empty service_type (a document type that names
// none) matches any service type, here and in recognises().
#include "silk/contracts/trust.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "silk/contracts/args.h"
#include "silk/core/genesis.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr std::string_view kContract = "trust";
constexpr size_t kMaxIdChars = 64;
constexpr size_t kMaxNameChars = 256;
constexpr size_t kMaxReasonChars = 512;
constexpr size_t kMaxListItems = 64;
constexpr size_t kMaxPemChars = 65536;

constexpr std::array<std::string_view, 8> kServiceTypes = {
    "coo_issuer", "phyto_authority", "customs", "esign_ca",
    "carrier",    "chamber",         "bank",    "insurer"};
constexpr std::array<std::string_view, 3> kDirections = {"mutual", "a_recognises_b",
                                                         "b_recognises_a"};

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}
template <size_t N>
std::string join(const std::array<std::string_view, N>& items) {
  std::string s;
  for (std::string_view i : items) s += (s.empty() ? "" : ", ") + std::string(i);
  return s;
}
bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdChars) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

// A doc type code: 1-64 of [a-z0-9_].
bool is_valid_code(std::string_view code) {
  if (code.empty() || code.size() > kMaxIdChars) return false;
  for (char c : code) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Result<std::string> req_jurisdiction(const json& args, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::string code,
                        req_string_arg(args, name, kMaxIdChars, "an ISO 3166-1 alpha-2 code"));
  if (!core::is_valid_jurisdiction(code)) {
    return Status::invalid(std::string(name) + ": '" + code +
                           "' is not an ISO 3166-1 alpha-2 code (two upper-case letters)");
  }
  return code;
}

Result<std::string> req_id(const json& args, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::string id, req_string_arg(args, name, kMaxIdChars, "an identifier"));
  if (!is_valid_id(id)) {
    return Status::invalid(std::string(name) + ": '" + id +
                           "' is not 1-64 of [A-Za-z0-9._-] starting with a letter or digit");
  }
  return id;
}

// A non-empty array of distinct strings, each passing `check` (which names the problem), sorted.
template <typename Check>
Result<std::vector<std::string>> req_string_list(const json& args, std::string_view name,
                                                 Check check) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) {
    return Status::invalid(std::string(name) + ": missing (a non-empty array of strings)");
  }
  if (!it->is_array()) {
    return Status::invalid(std::string(name) + ": expected an array of strings, got " +
                           json_kind(*it));
  }
  if (it->empty()) return Status::invalid(std::string(name) + ": must not be empty");
  if (it->size() > kMaxListItems) {
    return Status::invalid(std::string(name) + ": " + std::to_string(it->size()) +
                           " items, at most " + std::to_string(kMaxListItems));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    const std::string at = std::string(name) + "[" + std::to_string(i) + "]";
    if (!v.is_string()) return Status::invalid(at + ": expected a string, got " + json_kind(v));
    std::string s = v.get<std::string>();
    SILK_RETURN_IF_ERROR(check(at, s));
    if (contains(out, s)) return Status::invalid(at + ": '" + s + "' is repeated");
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status check_service_type(const std::string& at, const std::string& s) {
  for (std::string_view t : kServiceTypes) {
    if (s == t) return Status::ok();
  }
  return Status::invalid(at + ": '" + s.substr(0, 64) + "' is not a service type (" +
                         join(kServiceTypes) + ")");
}

Status check_doc_type(const std::string& at, const std::string& s) {
  if (is_valid_code(s)) return Status::ok();
  return Status::invalid(at + ": '" + s.substr(0, 64) +
                         "' is not a document type code (1-64 of [a-z0-9_])");
}

Result<std::optional<core::PublicKey>> parse_public_key(const std::optional<std::string>& hex) {
  if (!hex) return std::optional<core::PublicKey>();
  Result<core::PublicKey> pk = core::public_key_from_hex(*hex);
  if (!pk.is_ok()) {
    return Status::invalid("public_key: expected 64 hex characters (a raw Ed25519 key)");
  }
  return std::optional<core::PublicKey>(*pk);
}

// ---- stored records ----

std::string jurisdiction_key(std::string_view cc) { return "jurisdiction/" + std::string(cc); }
std::string authority_key(std::string_view cc, std::string_view id) {
  return "authority/" + std::string(cc) + "/" + std::string(id);
}
std::string mra_key(std::string_view id) { return "mra/" + std::string(id); }
constexpr std::string_view kJurisdictionIndex = "index/jurisdictions";
std::string authority_index(std::string_view cc) { return "index/authorities/" + std::string(cc); }
constexpr std::string_view kMraIndex = "index/mras";
std::string mra_index(std::string_view cc) { return "index/mras/" + std::string(cc); }

Result<std::optional<json>> load(ReadContext& ctx, std::string_view key) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get_from(kContract, key));
  if (!value) return std::optional<json>();
  json j = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("history") || !j["history"].is_array()) {
    return Status::corruption("trust/" + std::string(key) +
                              ": stored value is not a record with a history");
  }
  return std::optional<json>(std::move(j));
}

Result<std::vector<std::string>> load_index(ReadContext& ctx, std::string_view key) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get_from(kContract, key));
  std::vector<std::string> out;
  if (!value) return out;
  json j = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return Status::corruption("trust/" + std::string(key) + ": not an array");
  for (const json& s : j) {
    if (!s.is_string())
      return Status::corruption("trust/" + std::string(key) + ": non-string item");
    out.push_back(s.get<std::string>());
  }
  return out;
}

Status add_to_index(TxContext& ctx, std::string_view key, const std::string& item) {
  SILK_ASSIGN_OR_RETURN(std::vector<std::string> items, load_index(ctx, key));
  auto pos = std::lower_bound(items.begin(), items.end(), item);
  if (pos != items.end() && *pos == item) return Status::ok();
  items.insert(pos, item);
  ctx.put(key, json(items).dump());
  return Status::ok();
}

std::vector<std::string> strings_of(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const json& s : j) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

uint64_t uint_of(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}
std::string string_of(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json history_entry(TxContext& ctx, std::string_view status, const std::string& reason) {
  json e = {{"status", status},
            {"at_ms", ctx.block_time_ms()},
            {"height", ctx.height()},
            {"tx_id", core::to_hex(ctx.tx_id())},
            {"by", ctx.sender().id_hex()}};
  if (!reason.empty()) e["reason"] = reason;
  return e;
}

// The history entry in force at at_ms: the last one with at_ms <= at_ms, or nullptr.
const json* entry_at(const json& record, uint64_t at_ms) {
  const json* last = nullptr;
  for (const json& e : record["history"]) {
    if (uint_of(e, "at_ms") > at_ms) break;  // oldest first
    last = &e;
  }
  return last;
}

// The record with "at_ms", "status_at" and "since_ms" added for the time asked about.
json with_status_at(json record, uint64_t at_ms, std::string_view before) {
  const json* e = entry_at(record, at_ms);
  record["at_ms"] = at_ms;
  record["status_at"] = e ? string_of(*e, "status") : std::string(before);
  record["since_ms"] = e ? uint_of(*e, "at_ms") : 0;
  return record;
}

// ---- who may act ----

std::string describe_sender(const core::Member& s) {
  std::string roles = join(s.roles);
  return "sender " + s.name + " (org " + s.org + ", roles " + (roles.empty() ? "none" : roles) +
         (s.jurisdiction.empty() ? std::string() : ", jurisdiction " + s.jurisdiction) + ")";
}

bool is_regulator_of(const core::Member& s, std::string_view cc) {
  return s.has_role("regulator") && !s.jurisdiction.empty() && s.jurisdiction == cc;
}

// OK when the sender is a regulator of one of `ccs`; else kUnauthorized
// "only a regulator of CN may <action>: sender ... is not a regulator".
Status require_regulator(const core::Member& s, const std::vector<std::string>& ccs,
                         std::string_view action) {
  for (const std::string& cc : ccs) {
    if (is_regulator_of(s, cc)) return Status::ok();
  }
  std::string of;
  for (size_t i = 0; i < ccs.size(); ++i) of += (i == 0 ? "" : " or ") + ccs[i];
  std::string why;
  if (s.jurisdiction.empty()) {
    why = "has no jurisdiction (with-key members have none: the trade contracts need with-cert)";
  } else if (!s.has_role("regulator")) {
    why = "is not a regulator";
  } else {
    why = "is a regulator of " + s.jurisdiction;
  }
  return Status::unauthorized("only a regulator of " + of + " may " + std::string(action) + ": " +
                              describe_sender(s) + " " + why + " [rule trust.regulator]");
}

Result<json> require_jurisdiction(ReadContext& ctx, const std::string& cc) {
  SILK_ASSIGN_OR_RETURN(std::optional<json> j, load(ctx, jurisdiction_key(cc)));
  if (!j) {
    return Status::not_found("jurisdiction " + cc +
                             " is not registered (its regulator registers it first)");
  }
  return *j;
}

// ---- MRA coverage ----

// Whether the MRA lets `verifying` recognise documents issued in `issuing`.
bool covers_direction(const json& mra, std::string_view issuing, std::string_view verifying) {
  const std::vector<std::string> p = strings_of(mra["parties"]);
  if (p.size() != 2) return false;
  const std::string dir = string_of(mra, "direction");
  const bool ab = p[0] == verifying && p[1] == issuing;  // A recognises B's documents
  const bool ba = p[1] == verifying && p[0] == issuing;
  if (dir == "mutual") return ab || ba;
  if (dir == "a_recognises_b") return ab;
  if (dir == "b_recognises_a") return ba;
  return false;
}

std::string describe_mra(const json& mra) {
  const std::vector<std::string> p = strings_of(mra["parties"]);
  return "MRA " + string_of(mra, "id") + " (" + (p.size() == 2 ? p[0] + "-" + p[1] : "?") + ", " +
         string_of(mra, "direction") + ")";
}

// ---- authority matching ----

// How a trust-list entry holds the signer, or "" when it does not.
std::string how_matches(const json& entry, const std::optional<core::Certificate>& signer_cert,
                        const core::PublicKey& signer_key,
                        std::optional<core::Certificate>* entry_cert) {
  const std::string pem = string_of(entry, "cert_pem");
  if (!pem.empty()) {
    Result<core::Certificate> cert = core::parse_certificate(pem);
    if (!cert.is_ok()) return "";
    *entry_cert = *cert;
    if (signer_cert && signer_cert->fingerprint() == cert->fingerprint()) {
      return "holds the signer's own certificate";
    }
    if (signer_cert && cert->is_ca() && core::verify_issued_by(*signer_cert, *cert).is_ok()) {
      return "holds the CA certificate " + core::format_dn(cert->subject()) +
             " that issued the signer's certificate";
    }
    if (!cert->is_ca() && cert->public_key() == signer_key) {
      return "holds a certificate for the signer's key";
    }
    return "";
  }
  const std::string hex = string_of(entry, "public_key");
  if (!hex.empty() && hex == core::to_hex(signer_key)) return "holds the signer's public key";
  return "";
}

class Trust final : public Contract {
 public:
  std::string_view name() const override { return kContract; }

  Result<std::string> call(std::string_view method, const json& args, TxContext& ctx) override {
    if (method == "register_jurisdiction") return register_jurisdiction(args, ctx);
    if (method == "add_authority") return add_authority(args, ctx);
    if (method == "withdraw_authority") return set_authority(args, ctx, "withdraw_authority");
    if (method == "regrant") return set_authority(args, ctx, "regrant");
    if (method == "propose_mra") return propose_mra(args, ctx);
    if (method == "approve_mra") return approve_mra(args, ctx);
    if (method == "suspend_mra") return change_mra(args, ctx, "suspend_mra");
    if (method == "reinstate_mra") return change_mra(args, ctx, "reinstate_mra");
    if (method == "repeal_mra") return change_mra(args, ctx, "repeal_mra");
    return Status::not_found("trust has no method '" + std::string(method) + "'");
  }

  Result<std::string> query(std::string_view method, const json& args,
                            ReadContext& ctx) const override {
    if (method == "jurisdiction") return q_jurisdiction(args, ctx);
    if (method == "jurisdictions") return q_jurisdictions(args, ctx);
    if (method == "authority") return q_authority(args, ctx);
    if (method == "authorities") return q_authorities(args, ctx);
    if (method == "mra") return q_mra(args, ctx);
    if (method == "mras") return q_mras(args, ctx);
    if (method == "recognises") return q_recognises(args, ctx);
    if (method == "authority_check") return q_authority_check(args, ctx);
    return Contract::query(method, args, ctx);
  }

 private:
  static Result<std::string> register_jurisdiction(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "register_jurisdiction", {"code", "name"}));
    SILK_ASSIGN_OR_RETURN(std::string code, req_jurisdiction(args, "code"));
    SILK_ASSIGN_OR_RETURN(std::string name,
                          req_string_arg(args, "name", kMaxNameChars, "the jurisdiction's name"));
    SILK_RETURN_IF_ERROR(require_regulator(ctx.sender(), {code}, "register jurisdiction " + code));
    SILK_ASSIGN_OR_RETURN(std::optional<json> existing, load(ctx, jurisdiction_key(code)));
    if (existing) {
      return Status::conflict("jurisdiction " + code + " is already registered (as '" +
                              string_of(*existing, "name") + "')");
    }
    json record = {{"code", code},
                   {"name", name},
                   {"history", json::array({history_entry(ctx, "registered", "")})}};
    ctx.put(jurisdiction_key(code), record.dump());
    SILK_RETURN_IF_ERROR(add_to_index(ctx, kJurisdictionIndex, code));
    ctx.emit("jurisdiction_registered", json{{"code", code}, {"name", name}}.dump());
    return record.dump();
  }

  static Result<std::string> add_authority(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(
        check_arg_fields(args, "add_authority",
                         {"jurisdiction", "id", "name", "cert", "public_key", "service_types"}));
    SILK_ASSIGN_OR_RETURN(std::string cc, req_jurisdiction(args, "jurisdiction"));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    SILK_ASSIGN_OR_RETURN(std::string name,
                          req_string_arg(args, "name", kMaxNameChars, "the authority's name"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> pem,
                          opt_string_arg(args, "cert", kMaxPemChars));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> key_hex,
                          opt_string_arg(args, "public_key", kMaxIdChars));
    if ((pem ? 1 : 0) + (key_hex ? 1 : 0) != 1) {
      return Status::invalid("args: expected exactly one of cert (PEM) or public_key (hex), got " +
                             std::string(pem ? "both" : "neither"));
    }
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> services,
                          req_string_list(args, "service_types", check_service_type));
    json record = {{"jurisdiction", cc}, {"id", id}, {"name", name}, {"service_types", services}};
    if (pem) {
      Result<core::Certificate> cert = core::parse_certificate(*pem);
      if (!cert.is_ok()) return cert.status().with_context("cert");
      record["cert_pem"] = cert->pem();
      record["cert_fingerprint"] = core::to_hex(cert->fingerprint());
      record["subject"] = core::format_dn(cert->subject());
      record["is_ca"] = cert->is_ca();
    } else {
      SILK_ASSIGN_OR_RETURN(std::optional<core::PublicKey> pk, parse_public_key(key_hex));
      record["public_key"] = core::to_hex(*pk);
    }
    SILK_RETURN_IF_ERROR(
        require_regulator(ctx.sender(), {cc}, "add an authority to " + cc + "'s trust list"));
    SILK_RETURN_IF_ERROR(require_jurisdiction(ctx, cc).status());
    SILK_ASSIGN_OR_RETURN(std::optional<json> existing, load(ctx, authority_key(cc, id)));
    if (existing) {
      return Status::conflict("authority " + id + " is already on " + cc + "'s trust list (" +
                              string_of(*existing, "status") +
                              "); withdraw_authority / regrant change its status");
    }
    record["status"] = "granted";
    record["history"] = json::array({history_entry(ctx, "granted", "")});
    ctx.put(authority_key(cc, id), record.dump());
    SILK_RETURN_IF_ERROR(add_to_index(ctx, authority_index(cc), id));
    ctx.emit("authority_granted",
             json{{"jurisdiction", cc}, {"id", id}, {"service_types", services}}.dump());
    return record.dump();
  }

  // withdraw_authority (granted -> withdrawn) and regrant (withdrawn -> granted).
  static Result<std::string> set_authority(const json& args, TxContext& ctx,
                                           std::string_view method) {
    const bool withdraw = method == "withdraw_authority";
    SILK_RETURN_IF_ERROR(check_arg_fields(args, method, {"jurisdiction", "id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string cc, req_jurisdiction(args, "jurisdiction"));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    std::string reason;
    if (withdraw) {
      SILK_ASSIGN_OR_RETURN(reason,
                            req_string_arg(args, "reason", kMaxReasonChars, "why it is withdrawn"));
    } else {
      SILK_ASSIGN_OR_RETURN(std::optional<std::string> r,
                            opt_string_arg(args, "reason", kMaxReasonChars));
      reason = r.value_or("");
    }
    SILK_RETURN_IF_ERROR(require_regulator(ctx.sender(), {cc},
                                           std::string(withdraw ? "withdraw" : "regrant") +
                                               " an authority on " + cc + "'s trust list"));
    SILK_ASSIGN_OR_RETURN(std::optional<json> record, load(ctx, authority_key(cc, id)));
    if (!record) return Status::not_found("authority " + id + " is not on " + cc + "'s trust list");
    const std::string from = withdraw ? "granted" : "withdrawn";
    const std::string to = withdraw ? "withdrawn" : "granted";
    if (string_of(*record, "status") != from) {
      return Status::conflict("authority " + id + " of " + cc + " is " +
                              string_of(*record, "status") + ", not " + from);
    }
    (*record)["status"] = to;
    (*record)["history"].push_back(history_entry(ctx, to, reason));
    ctx.put(authority_key(cc, id), record->dump());
    ctx.emit(withdraw ? "authority_withdrawn" : "authority_regranted",
             json{{"jurisdiction", cc}, {"id", id}, {"reason", reason}}.dump());
    return record->dump();
  }

  static Result<std::string> propose_mra(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "propose_mra",
                                          {"id", "parties", "direction", "doc_types",
                                           "service_types", "valid_from_ms", "valid_until_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    auto pit = args.find("parties");
    if (pit == args.end() || !pit->is_array() || pit->size() != 2 || !(*pit)[0].is_string() ||
        !(*pit)[1].is_string()) {
      return Status::invalid("parties: expected two jurisdiction codes [A, B]");
    }
    std::vector<std::string> parties;
    for (size_t i = 0; i < 2; ++i) {
      std::string p = (*pit)[i].get<std::string>();
      if (!core::is_valid_jurisdiction(p)) {
        return Status::invalid("parties[" + std::to_string(i) + "]: '" + p.substr(0, 64) +
                               "' is not an ISO 3166-1 alpha-2 code");
      }
      parties.push_back(std::move(p));
    }
    if (parties[0] == parties[1]) {
      return Status::invalid("parties: an MRA needs two different jurisdictions, got " +
                             parties[0] + " twice");
    }
    SILK_ASSIGN_OR_RETURN(std::string direction,
                          req_string_arg(args, "direction", kMaxIdChars, join(kDirections)));
    if (std::find(kDirections.begin(), kDirections.end(), direction) == kDirections.end()) {
      return Status::invalid("direction: '" + direction + "' is not one of " + join(kDirections));
    }
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> doc_types,
                          req_string_list(args, "doc_types", check_doc_type));
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> services,
                          req_string_list(args, "service_types", check_service_type));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> from, opt_u64_arg(args, "valid_from_ms"));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> until, opt_u64_arg(args, "valid_until_ms"));
    const uint64_t valid_from = from.value_or(0);
    const uint64_t valid_until = until.value_or(0);
    if (valid_until != 0 && valid_until < valid_from) {
      return Status::invalid("valid_until_ms " + core::format_time_ms(valid_until) +
                             " is before valid_from_ms " + core::format_time_ms(valid_from));
    }
    SILK_RETURN_IF_ERROR(require_regulator(ctx.sender(), parties, "propose MRA " + id));
    for (const std::string& p : parties)
      SILK_RETURN_IF_ERROR(require_jurisdiction(ctx, p).status());
    SILK_ASSIGN_OR_RETURN(std::optional<json> existing, load(ctx, mra_key(id)));
    if (existing) {
      return Status::conflict("MRA " + id + " already exists (" + string_of(*existing, "status") +
                              ")");
    }
    const std::string proposer = ctx.sender().jurisdiction;
    json approval = {{"by", ctx.sender().id_hex()},
                     {"at_ms", ctx.block_time_ms()},
                     {"height", ctx.height()},
                     {"tx_id", core::to_hex(ctx.tx_id())}};
    json record = {{"id", id},
                   {"parties", parties},
                   {"direction", direction},
                   {"doc_types", doc_types},
                   {"service_types", services},
                   {"valid_from_ms", valid_from},
                   {"valid_until_ms", valid_until},
                   {"status", "draft"},
                   {"approvals", json{{proposer, approval}}},
                   {"history", json::array({history_entry(ctx, "draft", "")})}};
    ctx.put(mra_key(id), record.dump());
    SILK_RETURN_IF_ERROR(add_to_index(ctx, kMraIndex, id));
    for (const std::string& p : parties) SILK_RETURN_IF_ERROR(add_to_index(ctx, mra_index(p), id));
    ctx.emit("mra_proposed", json{{"id", id}, {"parties", parties}, {"by", proposer}}.dump());
    return record.dump();
  }

  static Result<json> load_mra(ReadContext& ctx, const std::string& id) {
    SILK_ASSIGN_OR_RETURN(std::optional<json> record, load(ctx, mra_key(id)));
    if (!record) return Status::not_found("MRA " + id + " does not exist");
    return *record;
  }

  static Result<std::string> approve_mra(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "approve_mra", {"id"}));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    SILK_ASSIGN_OR_RETURN(json record, load_mra(ctx, id));
    const std::vector<std::string> parties = strings_of(record["parties"]);
    std::vector<std::string> pending;
    for (const std::string& p : parties) {
      if (!record["approvals"].contains(p)) pending.push_back(p);
    }
    if (string_of(record, "status") != "draft") {
      return Status::conflict("MRA " + id + " is " + string_of(record, "status") +
                              ", not a draft awaiting approval");
    }
    if (pending.empty()) return Status::conflict("MRA " + id + " has both approvals already");
    if (std::any_of(parties.begin(), parties.end(),
                    [&](const std::string& p) { return is_regulator_of(ctx.sender(), p); }) &&
        !contains(pending, ctx.sender().jurisdiction)) {
      return Status::conflict("MRA " + id + " is already approved by " + ctx.sender().jurisdiction +
                              "; it needs a regulator of " + join(pending));
    }
    SILK_RETURN_IF_ERROR(require_regulator(ctx.sender(), pending, "approve MRA " + id));
    record["approvals"][ctx.sender().jurisdiction] = {{"by", ctx.sender().id_hex()},
                                                      {"at_ms", ctx.block_time_ms()},
                                                      {"height", ctx.height()},
                                                      {"tx_id", core::to_hex(ctx.tx_id())}};
    record["status"] = "enacted";
    record["history"].push_back(history_entry(ctx, "enacted", ""));
    ctx.put(mra_key(id), record.dump());
    ctx.emit("mra_enacted", json{{"id", id}, {"parties", parties}}.dump());
    return record.dump();
  }

  // suspend_mra, reinstate_mra, repeal_mra.
  static Result<std::string> change_mra(const json& args, TxContext& ctx, std::string_view method) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, method, {"id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    std::string reason;
    // The verb for messages, the status it leads to, and the statuses it may leave.
    struct Change {
      std::string verb, to;
      std::vector<std::string> from;
    };
    const Change change = method == "suspend_mra" ? Change{"suspend", "suspended", {"enacted"}}
                          : method == "reinstate_mra"
                              ? Change{"reinstate", "enacted", {"suspended"}}
                              : Change{"repeal", "repealed", {"draft", "enacted", "suspended"}};
    const std::string& verb = change.verb;
    const std::string& to = change.to;
    const std::vector<std::string>& from = change.from;
    if (method == "reinstate_mra") {
      SILK_ASSIGN_OR_RETURN(std::optional<std::string> r,
                            opt_string_arg(args, "reason", kMaxReasonChars));
      reason = r.value_or("");
    } else {
      SILK_ASSIGN_OR_RETURN(
          reason, req_string_arg(args, "reason", kMaxReasonChars, "why the MRA is " + to));
    }
    SILK_ASSIGN_OR_RETURN(json record, load_mra(ctx, id));
    SILK_RETURN_IF_ERROR(
        require_regulator(ctx.sender(), strings_of(record["parties"]), verb + " MRA " + id));
    const std::string status = string_of(record, "status");
    if (!contains(from, status)) {
      return Status::conflict("MRA " + id + " is " + status + ", not " + join(from) +
                              (status == "repealed" ? " (repeal is final)" : ""));
    }
    record["status"] = to;
    record["history"].push_back(history_entry(ctx, to, reason));
    ctx.put(mra_key(id), record.dump());
    ctx.emit(method == "reinstate_mra" ? "mra_reinstated" : "mra_" + to,
             json{{"id", id}, {"reason", reason}}.dump());
    return record.dump();
  }

  // ---- queries ----

  static Result<std::string> q_jurisdiction(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "jurisdiction", {"code"}));
    SILK_ASSIGN_OR_RETURN(std::string code, req_jurisdiction(args, "code"));
    SILK_ASSIGN_OR_RETURN(json record, require_jurisdiction(ctx, code));
    return record.dump();
  }

  static Result<std::string> q_jurisdictions(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "jurisdictions", {}));
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> codes, load_index(ctx, kJurisdictionIndex));
    json out = json::array();
    for (const std::string& c : codes) {
      SILK_ASSIGN_OR_RETURN(json record, require_jurisdiction(ctx, c));
      out.push_back(std::move(record));
    }
    return json{{"jurisdictions", out}}.dump();
  }

  static Result<std::string> q_authority(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "authority", {"jurisdiction", "id", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string cc, req_jurisdiction(args, "jurisdiction"));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at, opt_u64_arg(args, "at_ms"));
    SILK_ASSIGN_OR_RETURN(std::optional<json> record, load(ctx, authority_key(cc, id)));
    if (!record) return Status::not_found("authority " + id + " is not on " + cc + "'s trust list");
    return with_status_at(std::move(*record), at.value_or(ctx.block_time_ms()), "not_listed")
        .dump();
  }

  static Result<std::string> q_authorities(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "authorities", {"jurisdiction", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string cc, req_jurisdiction(args, "jurisdiction"));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at, opt_u64_arg(args, "at_ms"));
    const uint64_t at_ms = at.value_or(ctx.block_time_ms());
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> ids, load_index(ctx, authority_index(cc)));
    json out = json::array();
    for (const std::string& id : ids) {
      SILK_ASSIGN_OR_RETURN(std::optional<json> record, load(ctx, authority_key(cc, id)));
      if (!record)
        return Status::corruption("trust/" + authority_index(cc) + " lists missing " + id);
      if (entry_at(*record, at_ms) == nullptr) continue;  // not yet listed then
      out.push_back(with_status_at(std::move(*record), at_ms, "not_listed"));
    }
    return json{{"jurisdiction", cc}, {"at_ms", at_ms}, {"authorities", out}}.dump();
  }

  static Result<std::string> q_mra(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "mra", {"id", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at, opt_u64_arg(args, "at_ms"));
    SILK_ASSIGN_OR_RETURN(json record, load_mra(ctx, id));
    return with_status_at(std::move(record), at.value_or(ctx.block_time_ms()), "not_proposed")
        .dump();
  }

  static Result<std::string> q_mras(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "mras", {"jurisdiction"}));
    std::string index = std::string(kMraIndex);
    if (args.contains("jurisdiction") && !args["jurisdiction"].is_null()) {
      SILK_ASSIGN_OR_RETURN(std::string cc, req_jurisdiction(args, "jurisdiction"));
      index = mra_index(cc);
    }
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> ids, load_index(ctx, index));
    json out = json::array();
    for (const std::string& id : ids) {
      SILK_ASSIGN_OR_RETURN(json record, load_mra(ctx, id));
      out.push_back(std::move(record));
    }
    return json{{"mras", out}}.dump();
  }

  static Result<std::string> q_authority_check(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(
        args, "authority_check", {"jurisdiction", "cert", "public_key", "service_type", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string cc, req_jurisdiction(args, "jurisdiction"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> pem,
                          opt_string_arg(args, "cert", kMaxPemChars));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> key_hex,
                          opt_string_arg(args, "public_key", kMaxIdChars));
    if ((pem ? 1 : 0) + (key_hex ? 1 : 0) != 1) {
      return Status::invalid("args: expected exactly one of cert (PEM) or public_key (hex), got " +
                             std::string(pem ? "both" : "neither"));
    }
    std::optional<core::Certificate> cert;
    core::PublicKey key{};
    if (pem) {
      Result<core::Certificate> parsed = core::parse_certificate(*pem);
      if (!parsed.is_ok()) return parsed.status().with_context("cert");
      cert = *parsed;
      key = parsed->public_key();
    } else {
      SILK_ASSIGN_OR_RETURN(std::optional<core::PublicKey> pk, parse_public_key(key_hex));
      key = *pk;
    }
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> service,
                          opt_string_arg(args, "service_type", kMaxIdChars));
    if (service && !service->empty()) {
      SILK_RETURN_IF_ERROR(check_service_type("service_type", *service));
    }
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at, opt_u64_arg(args, "at_ms"));
    const uint64_t at_ms = at.value_or(ctx.block_time_ms());
    SILK_ASSIGN_OR_RETURN(AuthorityCheck check,
                          authority_granted_at(ctx, cc, cert, key, service.value_or(""), at_ms));
    return json{{"granted", check.granted},
                {"authority_id", check.authority_id},
                {"reason", check.reason},
                {"jurisdiction", cc},
                {"service_type", service.value_or("")},
                {"at_ms", at_ms}}
        .dump();
  }

  static Result<std::string> q_recognises(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(
        args, "recognises", {"issuing", "verifying", "doc_type", "service_type", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string issuing, req_jurisdiction(args, "issuing"));
    SILK_ASSIGN_OR_RETURN(std::string verifying, req_jurisdiction(args, "verifying"));
    SILK_ASSIGN_OR_RETURN(std::string doc_type,
                          req_string_arg(args, "doc_type", kMaxIdChars, "a document type code"));
    SILK_RETURN_IF_ERROR(check_doc_type("doc_type", doc_type));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> service,
                          opt_string_arg(args, "service_type", kMaxIdChars));
    if (service && !service->empty()) {
      SILK_RETURN_IF_ERROR(check_service_type("service_type", *service));
    }
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at, opt_u64_arg(args, "at_ms"));
    const uint64_t at_ms = at.value_or(ctx.block_time_ms());
    SILK_ASSIGN_OR_RETURN(RecognitionCheck check, recognises(ctx, issuing, verifying, doc_type,
                                                             service.value_or(""), at_ms));
    return json{{"recognised", check.recognised},
                {"mra_id", check.mra_id},
                {"reason", check.reason},
                {"issuing", issuing},
                {"verifying", verifying},
                {"doc_type", doc_type},
                {"service_type", service.value_or("")},
                {"at_ms", at_ms}}
        .dump();
  }
};

}  // namespace

std::unique_ptr<Contract> make_trust_contract() { return std::make_unique<Trust>(); }

Result<AuthorityCheck> authority_granted_at(ReadContext& ctx, std::string_view jurisdiction,
                                            const std::optional<core::Certificate>& signer_cert,
                                            const core::PublicKey& signer_key,
                                            std::string_view service_type, uint64_t at_ms) {
  const std::string cc(jurisdiction);
  const std::string when = core::format_time_ms(at_ms);
  AuthorityCheck out;
  if (!core::is_valid_jurisdiction(cc)) {
    out.reason = "'" + cc.substr(0, 64) + "' is not a jurisdiction code";
    return out;
  }
  SILK_ASSIGN_OR_RETURN(std::optional<json> j, load(ctx, jurisdiction_key(cc)));
  if (!j) {
    out.reason = "jurisdiction " + cc + " is not registered: it has no trust list";
    return out;
  }
  const std::string signer = signer_cert ? "certificate " + core::format_dn(signer_cert->subject())
                                         : "key " + core::to_hex(signer_key);
  SILK_ASSIGN_OR_RETURN(std::vector<std::string> ids, load_index(ctx, authority_index(cc)));
  int best_stage = -1;  // how far the closest non-granting match got
  for (const std::string& id : ids) {
    SILK_ASSIGN_OR_RETURN(std::optional<json> entry, load(ctx, authority_key(cc, id)));
    if (!entry) continue;
    std::optional<core::Certificate> entry_cert;
    const std::string how = how_matches(*entry, signer_cert, signer_key, &entry_cert);
    if (how.empty()) continue;
    const std::string name =
        "authority " + id + " (" + string_of(*entry, "name") + ") on " + cc + "'s trust list";
    const std::vector<std::string> services = strings_of((*entry)["service_types"]);
    std::string why;
    int stage = 0;
    const json* e = entry_at(*entry, at_ms);
    if (!service_type.empty() && !contains(services, service_type)) {
      why = name + " is not listed for service type " + std::string(service_type) +
            " (listed for: " + join(services) + ")";
    } else if (e == nullptr) {
      stage = 1;
      why = name + " was not yet listed at " + when + " (listed from " +
            core::format_time_ms(uint_of((*entry)["history"][0], "at_ms")) + ")";
    } else if (string_of(*e, "status") != "granted") {
      stage = 1;
      why = name + " was " + string_of(*e, "status") + " at " + when + " (since " +
            core::format_time_ms(uint_of(*e, "at_ms")) +
            (string_of(*e, "reason").empty() ? std::string() : ": " + string_of(*e, "reason")) +
            ")";
    } else if (Status v = signer_cert ? core::check_validity(*signer_cert, at_ms) : Status::ok();
               !v.is_ok()) {
      stage = 2;
      why = "signer " + v.message();
    } else if (Status c = entry_cert && entry_cert->is_ca() && signer_cert &&
                                  entry_cert->fingerprint() != signer_cert->fingerprint()
                              ? core::check_validity(*entry_cert, at_ms)
                              : Status::ok();
               !c.is_ok()) {
      stage = 2;
      why = name + ": CA " + c.message();
    } else {
      out.granted = true;
      out.authority_id = id;
      out.reason = name + " " + how + ", granted" +
                   (service_type.empty() ? std::string() : " for " + std::string(service_type)) +
                   " since " + core::format_time_ms(uint_of(*e, "at_ms"));
      return out;
    }
    if (stage > best_stage) {
      best_stage = stage;
      out.authority_id = id;
      out.reason = why;
    }
  }
  if (best_stage < 0) out.reason = "the signer (" + signer + ") is not on " + cc + "'s trust list";
  return out;
}

Result<RecognitionCheck> recognises(ReadContext& ctx, std::string_view issuing,
                                    std::string_view verifying, std::string_view doc_type,
                                    std::string_view service_type, uint64_t at_ms) {
  RecognitionCheck out;
  const std::string from(issuing), to(verifying);
  const std::string when = core::format_time_ms(at_ms);
  if (from == to) {
    out.recognised = true;
    out.reason = "issued and verified in " + from + ": no MRA needed";
    return out;
  }
  if (!core::is_valid_jurisdiction(from)) {
    out.reason = "'" + from.substr(0, 64) + "' is not a jurisdiction code";
    return out;
  }
  SILK_ASSIGN_OR_RETURN(std::vector<std::string> ids, load_index(ctx, mra_index(from)));
  int best_stage = -1;
  for (const std::string& id : ids) {
    SILK_ASSIGN_OR_RETURN(std::optional<json> mra, load(ctx, mra_key(id)));
    if (!mra) continue;
    if (!contains(strings_of((*mra)["parties"]), to)) continue;
    const std::string name = describe_mra(*mra);
    const std::vector<std::string> docs = strings_of((*mra)["doc_types"]);
    const std::vector<std::string> services = strings_of((*mra)["service_types"]);
    const uint64_t valid_from = uint_of(*mra, "valid_from_ms");
    const uint64_t valid_until = uint_of(*mra, "valid_until_ms");
    const json* e = entry_at(*mra, at_ms);
    int stage = 0;
    std::string why;
    if (!covers_direction(*mra, from, to)) {
      why = name + " does not make " + to + " recognise documents issued in " + from;
    } else if (!contains(docs, doc_type)) {
      stage = 1;
      why = name + " does not cover document type " + std::string(doc_type) +
            " (covers: " + join(docs) + ")";
    } else if (!service_type.empty() && !contains(services, service_type)) {
      stage = 2;
      why = name + " does not cover service type " + std::string(service_type) +
            " (covers: " + join(services) + ")";
    } else if (e == nullptr) {
      stage = 3;
      why = name + " was not yet proposed at " + when;
    } else if (string_of(*e, "status") != "enacted") {
      stage = 3;
      const std::string st = string_of(*e, "status");
      why = name + " was " + (st == "draft" ? std::string("a draft, not yet enacted,") : st) +
            " at " + when + " (since " + core::format_time_ms(uint_of(*e, "at_ms")) +
            (string_of(*e, "reason").empty() ? std::string() : ": " + string_of(*e, "reason")) +
            ")";
    } else if (at_ms < valid_from || (valid_until != 0 && at_ms > valid_until)) {
      stage = 4;
      why = name + " is valid from " + core::format_time_ms(valid_from) + " until " +
            (valid_until == 0 ? std::string("open") : core::format_time_ms(valid_until)) + "; " +
            when + " is outside";
    } else {
      out.recognised = true;
      out.mra_id = id;
      out.reason = name + ", enacted since " + core::format_time_ms(uint_of(*e, "at_ms")) +
                   ", makes " + to + " recognise " + std::string(doc_type) +
                   (service_type.empty() ? std::string() : " / " + std::string(service_type)) +
                   " issued in " + from;
      return out;
    }
    if (stage > best_stage) {
      best_stage = stage;
      out.mra_id = id;
      out.reason = why;
    }
  }
  if (best_stage < 0) {
    out.reason = "no MRA between " + from + " and " + to + ": " + to +
                 " does not recognise documents issued in " + from;
  }
  return out;
}

}  // namespace silk::contracts
