// The `identity` contract (identity.h): the on-chain certificate registry, CRL and freeze list.
#include "silk/contracts/identity.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "silk/contracts/args.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr std::string_view kContract = "identity";
constexpr size_t kMaxReasonChars = 512;
// RFC 5280 serials are at most 20 octets; allow a sign.
constexpr size_t kMaxSerialChars = 41;
constexpr uint32_t kHistoryPage = 1000;

// RFC 5280 §5.3.1 CRLReason names accepted for a revocation. certificateHold (freeze instead)
// and removeFromCRL (revocation is final) are refused separately.
constexpr std::array<std::string_view, 8> kRevocationReasons = {
    "unspecified", "keyCompromise",        "cACompromise",       "affiliationChanged",
    "superseded",  "cessationOfOperation", "privilegeWithdrawn", "aACompromise"};

std::string who(const core::Certificate& cert) {
  return "certificate " + core::format_dn(cert.subject());
}

std::string cert_key(const std::string& fp_hex) { return "cert/" + fp_hex; }
std::string frozen_key(const std::string& fp_hex) { return "frozen/" + fp_hex; }
std::string crl_key(const std::string& org, const std::string& serial) {
  return "crl/" + org + "/" + serial;
}
std::string crl_index_key(const std::string& org) { return "crl_index/" + org; }

// A KeyReader (full keys) over a contract context.
KeyReader reader_for(ReadContext& ctx) {
  return [&ctx](std::string_view full_key) -> Result<std::optional<std::string>> {
    const size_t slash = full_key.find('/');
    if (slash == std::string_view::npos) {
      return Status::invalid("state key '" + std::string(full_key) + "' names no contract");
    }
    return ctx.get_from(full_key.substr(0, slash), full_key.substr(slash + 1));
  };
}

// The string field `name`, or nullopt when absent; kInvalid when not a string.

Result<core::Hash> parse_fingerprint(const std::string& text) {
  Result<core::Hash> fp = core::hash_from_hex(text);
  if (!fp.is_ok()) {
    return Status::invalid("fingerprint: expected 64 hex characters (SHA-256 of the DER), " +
                           fp.status().message());
  }
  return fp;
}

Result<core::Certificate> parse_cert_arg(const std::string& pem) {
  Result<core::Certificate> cert = core::parse_certificate(pem);
  if (!cert.is_ok()) return cert.status().with_context("cert");
  return cert;
}

// A serial as Certificate::serial() writes it (OpenSSL's BN_bn2hex, lower-cased): whole bytes
// without leading zero bytes ("03", "1f2a"), "0" for zero, a leading '-' for a negative one.
Result<std::string> normalize_serial(const std::string& text) {
  std::string s = text;
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.erase(0, 1);
  }
  if (s.empty() || s.size() > kMaxSerialChars) {
    return Status::invalid("serial: expected 1-" + std::to_string(kMaxSerialChars) +
                           " hex characters, got '" + text.substr(0, 64) + "'");
  }
  for (char& c : s) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Status::invalid("serial: '" + text.substr(0, 64) + "' is not hex");
    }
  }
  const size_t nz = s.find_first_not_of('0');
  s = nz == std::string::npos ? "0" : s.substr(nz);
  if (s != "0" && s.size() % 2 == 1) s.insert(0, "0");
  if (negative && s != "0") s.insert(0, "-");
  return s;
}

// Serials in numeric order (negative ones, which RFC 5280 forbids, first).
bool serial_less(const std::string& a, const std::string& b) {
  const bool na = !a.empty() && a[0] == '-';
  const bool nb = !b.empty() && b[0] == '-';
  if (na != nb) return na;
  const auto mag_less = [](const std::string& x, const std::string& y) {
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  };
  return na ? mag_less(b.substr(1), a.substr(1)) : mag_less(a, b);
}

Result<json> parse_stored(const std::string& key, const std::string& value) {
  json j = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return Status::corruption("identity/" + key + ": stored value is not a JSON object");
  }
  return j;
}

// The certificate an admin names (by PEM or by registered fingerprint) and its organisation.
struct Target {
  std::optional<core::Certificate> cert;  // absent for {"org", "serial"}
  std::string org;
  std::string serial;
  std::string fp_hex;  // empty for {"org", "serial"}

  std::string name() const {
    if (cert) return who(*cert) + " (serial " + serial + ")";
    return "certificate serial " + serial + " of " + org;
  }
};

// {"cert": PEM} or {"fingerprint": hex} (registered); with allow_serial also {"org", "serial"}.
Result<Target> resolve_target(const json& args, ReadContext& ctx, bool allow_serial) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> pem, opt_string_arg(args, "cert"));
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> fp_text, opt_string_arg(args, "fingerprint"));
  std::optional<std::string> org, serial;
  if (allow_serial) {
    SILK_ASSIGN_OR_RETURN(org, opt_string_arg(args, "org"));
    SILK_ASSIGN_OR_RETURN(serial, opt_string_arg(args, "serial"));
  }
  const int forms = (pem ? 1 : 0) + (fp_text ? 1 : 0) + ((org || serial) ? 1 : 0);
  const std::string expected = allow_serial ? "exactly one of cert, fingerprint or org+serial"
                                            : "exactly one of cert or fingerprint";
  if (forms != 1) {
    return Status::invalid("args: expected " + expected + ", got " +
                           (forms == 0 ? std::string("none") : std::to_string(forms)));
  }
  Target t;
  if (pem) {
    SILK_ASSIGN_OR_RETURN(core::Certificate cert, parse_cert_arg(*pem));
    t.cert = cert;
  } else if (fp_text) {
    SILK_ASSIGN_OR_RETURN(core::Hash fp, parse_fingerprint(*fp_text));
    SILK_ASSIGN_OR_RETURN(std::optional<core::Certificate> cert,
                          registered_certificate(fp, reader_for(ctx), nullptr));
    if (!cert) {
      return Status::not_found("certificate " + core::to_hex(fp) +
                               " is not registered on chain; name it by its PEM (cert)" +
                               (allow_serial ? " or by org and serial" : ""));
    }
    t.cert = *cert;
  } else {
    if (!org || !serial) return Status::invalid("args: org and serial go together");
    if (!core::is_valid_org_id(*org)) {
      return Status::invalid("org: '" + org->substr(0, 64) + "' is not an organisation id");
    }
    t.org = *org;
    SILK_ASSIGN_OR_RETURN(t.serial, normalize_serial(*serial));
    return t;
  }
  t.org = t.cert->subject().organization;
  t.serial = t.cert->serial();
  t.fp_hex = core::to_hex(t.cert->fingerprint());
  if (t.cert->is_ca()) return Status::invalid(who(*t.cert) + ": a CA certificate is not a member");
  return t;
}

// That one of the organisation's CAs issued the certificate (validity times aside: an expired
// certificate may still be revoked). An organisation no longer in the consortium passes: its
// admins cannot act anyway (check_self_policy).
Status check_issued_by_org(const Target& t, const ChainConfig& config) {
  if (!t.cert) return Status::ok();
  const OrgConfig* org = config.find_org(t.org);
  if (org == nullptr) return Status::ok();
  Status last;
  for (const core::Certificate& ca : org->cas) {
    last = core::verify_issued_by(*t.cert, ca);
    if (last.is_ok()) return Status::ok();
  }
  return Status::unauthorized(who(*t.cert) + ": not issued by a CA of " + t.org +
                              (last.is_ok() ? std::string() : " (" + last.message() + ")"));
}

Result<std::string> check_reason(const std::optional<std::string>& reason) {
  if (!reason) return std::string("unspecified");
  if (*reason == "certificateHold") {
    return Status::invalid(
        "reason certificateHold is not a revocation here: use identity.freeze (and unfreeze)");
  }
  if (*reason == "removeFromCRL") {
    return Status::invalid("reason removeFromCRL is refused: revocation is final");
  }
  for (std::string_view r : kRevocationReasons) {
    if (*reason == r) return *reason;
  }
  std::string list;
  for (std::string_view r : kRevocationReasons) list += (list.empty() ? "" : ", ") + std::string(r);
  return Status::invalid("reason: '" + reason->substr(0, 64) +
                         "' is not an RFC 5280 CRLReason name (" + list + ")");
}

Result<std::string> freeze_reason(const json& args) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> reason, opt_string_arg(args, "reason"));
  if (reason && reason->size() > kMaxReasonChars) {
    return Status::invalid("reason: " + std::to_string(reason->size()) + " bytes, at most " +
                           std::to_string(kMaxReasonChars));
  }
  return reason.value_or("");
}

// " at height H by tx T" from a stored entry, when it has them.
std::string where_recorded(const json& entry) {
  std::string s;
  if (entry.contains("height") && entry["height"].is_number_unsigned()) {
    s += " at height " + std::to_string(entry["height"].get<uint64_t>());
  }
  if (entry.contains("tx_id") && entry["tx_id"].is_string()) {
    s += " by tx " + entry["tx_id"].get<std::string>();
  }
  return s;
}

uint64_t uint_field(const json& entry, const char* name) {
  auto it = entry.find(name);
  return it != entry.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

// The frozen entry in force at at_ms: the last committed version of identity/frozen/<fp> written
// at or before at_ms, unless that version is a deletion.
Result<std::optional<json>> frozen_as_of(ReadContext& ctx, const std::string& fp_hex,
                                         uint64_t at_ms) {
  const std::string key = frozen_key(fp_hex);
  std::optional<core::KeyVersion> last;
  bool done = false;
  for (uint64_t offset = 0; !done; offset += kHistoryPage) {
    SILK_ASSIGN_OR_RETURN(std::vector<core::KeyVersion> page,
                          ctx.history_from(kContract, key, offset, kHistoryPage));
    for (core::KeyVersion& v : page) {
      if (v.timestamp_ms > at_ms) {  // history is oldest first
        done = true;
        break;
      }
      last = std::move(v);
    }
    if (page.size() < kHistoryPage) done = true;
  }
  if (!last || last->deleted) return std::optional<json>();
  SILK_ASSIGN_OR_RETURN(json entry, parse_stored(key, last->value));
  return std::optional<json>(std::move(entry));
}

class Identity final : public Contract {
 public:
  std::string_view name() const override { return kContract; }

  Result<std::string> call(std::string_view method, const json& args, TxContext& ctx) override {
    if (method == "register") return register_cert(args, ctx);
    if (method == "revoke") return revoke(args, ctx);
    if (method == "freeze") return freeze(args, ctx);
    if (method == "unfreeze") return unfreeze(args, ctx);
    return Status::not_found("identity has no method '" + std::string(method) + "'");
  }

  Result<std::string> query(std::string_view method, const json& args,
                            ReadContext& ctx) const override {
    if (method == "status") return status(args, ctx);
    if (method == "cert") return cert(args, ctx);
    if (method == "crl") return crl(args, ctx);
    return Contract::query(method, args, ctx);
  }

 private:
  static Result<std::string> register_cert(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "register", {"cert"}));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> pem, opt_string_arg(args, "cert"));
    if (!pem) return Status::invalid("cert: missing (a PEM certificate)");
    SILK_ASSIGN_OR_RETURN(core::Certificate cert, parse_cert_arg(*pem));
    SILK_RETURN_IF_ERROR(
        check_certificate(cert, ctx.config(), reader_for(ctx), ctx.block_time_ms(), nullptr)
            .status());
    const std::string fp = core::to_hex(cert.fingerprint());
    const json result = {{"fingerprint", fp}, {"subject", core::format_dn(cert.subject())}};
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> existing, ctx.get(cert_key(fp)));
    if (existing) return result.dump();
    std::string entry = registration_entry(cert, ctx.height(), ctx.tx_id());
    ctx.put(cert_key(fp), entry);
    ctx.emit("registered", std::move(entry));
    return result.dump();
  }

  static Result<std::string> revoke(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(
        args, "revoke",
        {"org", "serial", "cert", "fingerprint", "reason", "invalidity_date_ms", "revoked_at_ms"}));
    if (args.contains("revoked_at_ms")) {
      return Status::invalid(
          "revoked_at_ms: a revocation counts from the block that records it and cannot be "
          "dated; a key compromise may name the earlier time from which the key is not to be "
          "trusted as invalidity_date_ms (RFC 5280 invalidityDate)");
    }
    SILK_ASSIGN_OR_RETURN(Target t, resolve_target(args, ctx, /*allow_serial=*/true));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> reason_arg, opt_string_arg(args, "reason"));
    SILK_ASSIGN_OR_RETURN(std::string reason, check_reason(reason_arg));
    const uint64_t revoked_at = ctx.block_time_ms();
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> invalid_from,
                          opt_u64_arg(args, "invalidity_date_ms"));
    if (invalid_from) {
      if (reason != "keyCompromise" && reason != "cACompromise") {
        return Status::invalid(
            "invalidity_date_ms: only a keyCompromise or cACompromise "
            "revocation reaches back before the block that records it; " +
            reason + " counts from " + core::format_time_ms(revoked_at));
      }
      if (*invalid_from > revoked_at) {
        return Status::invalid("invalidity_date_ms " + core::format_time_ms(*invalid_from) +
                               " is later than the block time " + core::format_time_ms(revoked_at));
      }
    }
    SILK_RETURN_IF_ERROR(ctx.check_self_policy(t.org));
    SILK_RETURN_IF_ERROR(check_issued_by_org(t, ctx.config()));

    const std::string key = crl_key(t.org, t.serial);
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> existing, ctx.get(key));
    if (existing) {
      SILK_ASSIGN_OR_RETURN(json first, parse_stored(key, *existing));
      return Status::conflict(t.name() + " is already revoked: at " +
                              core::format_time_ms(uint_field(first, "revoked_at_ms")) + " (" +
                              first.value("reason", std::string("?")) + ")" +
                              where_recorded(first));
    }

    const std::string index_key = crl_index_key(t.org);
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> index_value, ctx.get(index_key));
    std::vector<std::string> serials;
    if (index_value) {
      json index = json::parse(*index_value, nullptr, /*allow_exceptions=*/false);
      if (!index.is_array()) {
        return Status::corruption("identity/" + index_key + ": stored value is not an array");
      }
      for (const json& s : index) {
        if (!s.is_string()) {
          return Status::corruption("identity/" + index_key + ": holds a non-string serial");
        }
        serials.push_back(s.get<std::string>());
      }
    }
    serials.insert(std::upper_bound(serials.begin(), serials.end(), t.serial, serial_less),
                   t.serial);

    json entry = {{"org", t.org},
                  {"serial", t.serial},
                  {"reason", reason},
                  {"revoked_at_ms", revoked_at},
                  {"height", ctx.height()},
                  {"tx_id", core::to_hex(ctx.tx_id())},
                  {"by", ctx.sender().id_hex()}};
    if (invalid_from) entry["invalidity_date_ms"] = *invalid_from;
    if (t.cert) entry["subject"] = core::format_dn(t.cert->subject());
    ctx.put(key, entry.dump());
    ctx.put(index_key, json(serials).dump());
    ctx.emit("revoked", entry.dump());
    return entry.dump();
  }

  static Result<std::string> freeze(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "freeze", {"cert", "fingerprint", "reason"}));
    SILK_ASSIGN_OR_RETURN(Target t, resolve_target(args, ctx, /*allow_serial=*/false));
    SILK_ASSIGN_OR_RETURN(std::string reason, freeze_reason(args));
    SILK_RETURN_IF_ERROR(ctx.check_self_policy(t.org));
    SILK_RETURN_IF_ERROR(check_issued_by_org(t, ctx.config()));

    const std::string key = frozen_key(t.fp_hex);
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> existing, ctx.get(key));
    if (existing) {
      SILK_ASSIGN_OR_RETURN(json first, parse_stored(key, *existing));
      return Status::conflict(t.name() + " is already frozen: since " +
                              core::format_time_ms(uint_field(first, "since_ms")) +
                              where_recorded(first));
    }
    json entry = {{"since_ms", ctx.block_time_ms()},
                  {"height", ctx.height()},
                  {"tx_id", core::to_hex(ctx.tx_id())},
                  {"by", ctx.sender().id_hex()},
                  {"reason", reason}};
    ctx.put(key, entry.dump());
    entry["fingerprint"] = t.fp_hex;
    entry["subject"] = core::format_dn(t.cert->subject());
    ctx.emit("frozen", entry.dump());
    return entry.dump();
  }

  static Result<std::string> unfreeze(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "unfreeze", {"cert", "fingerprint", "reason"}));
    SILK_ASSIGN_OR_RETURN(Target t, resolve_target(args, ctx, /*allow_serial=*/false));
    SILK_ASSIGN_OR_RETURN(std::string reason, freeze_reason(args));
    SILK_RETURN_IF_ERROR(ctx.check_self_policy(t.org));
    SILK_RETURN_IF_ERROR(check_issued_by_org(t, ctx.config()));

    const std::string key = frozen_key(t.fp_hex);
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> existing, ctx.get(key));
    if (!existing) return Status::conflict(t.name() + " is not frozen");
    SILK_ASSIGN_OR_RETURN(json was, parse_stored(key, *existing));
    ctx.del(key);
    json event = {{"fingerprint", t.fp_hex},     {"subject", core::format_dn(t.cert->subject())},
                  {"frozen", std::move(was)},    {"unfrozen_ms", ctx.block_time_ms()},
                  {"height", ctx.height()},      {"tx_id", core::to_hex(ctx.tx_id())},
                  {"by", ctx.sender().id_hex()}, {"reason", reason}};
    ctx.emit("unfrozen", event.dump());
    return event.dump();
  }

  // ---- queries ----

  static Result<std::string> status(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "status", {"cert", "fingerprint", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at_arg, opt_u64_arg(args, "at_ms"));
    const uint64_t at_ms = at_arg.value_or(ctx.block_time_ms());
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> pem, opt_string_arg(args, "cert"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> fp_text, opt_string_arg(args, "fingerprint"));
    if ((pem ? 1 : 0) + (fp_text ? 1 : 0) != 1) {
      return Status::invalid("args: expected exactly one of cert or fingerprint");
    }
    const KeyReader read = reader_for(ctx);
    std::optional<core::Certificate> cert;
    if (pem) {
      SILK_ASSIGN_OR_RETURN(cert, parse_cert_arg(*pem));
    } else {
      SILK_ASSIGN_OR_RETURN(core::Hash fp, parse_fingerprint(*fp_text));
      SILK_ASSIGN_OR_RETURN(cert, registered_certificate(fp, read, nullptr));
      if (!cert) {
        const std::string fp_hex = core::to_hex(fp);
        return json{{"fingerprint", fp_hex},
                    {"subject", ""},
                    {"org", ""},
                    {"serial", ""},
                    {"registered", false},
                    {"at_ms", at_ms},
                    {"status", "unknown"},
                    {"reason", "certificate " + fp_hex + " is not registered on chain"},
                    {"revocation", nullptr},
                    {"frozen", nullptr}}
            .dump();
      }
    }
    const std::string fp_hex = core::to_hex(cert->fingerprint());
    const std::string org = cert->subject().organization;
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> registered, ctx.get(cert_key(fp_hex)));

    // Revocation, counted from its invalidity date (a key compromise) or revoked_at_ms.
    json revocation = nullptr;
    if (core::is_valid_org_id(org)) {
      const std::string key = crl_key(org, cert->serial());
      SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(key));
      if (value) {
        SILK_ASSIGN_OR_RETURN(json entry, parse_stored(key, *value));
        if (revocation_effective_ms(entry) <= at_ms) revocation = std::move(entry);
      }
    }
    // Freezing, from the history as of at_ms.
    SILK_ASSIGN_OR_RETURN(std::optional<json> frozen, frozen_as_of(ctx, fp_hex, at_ms));

    // Membership apart from revocation and freezing (both read above as of at_ms, whereas
    // check_certificate would read freezing as of now).
    const KeyReader membership_only =
        [&read](std::string_view key) -> Result<std::optional<std::string>> {
      if (key.starts_with("identity/crl/") || key.starts_with("identity/frozen/")) {
        return std::optional<std::string>();
      }
      return read(key);
    };
    Result<core::Member> member =
        check_certificate(*cert, ctx.config(), membership_only, at_ms, nullptr);
    if (!member.is_ok() && member.status().code() != Status::Code::kUnauthorized) {
      return member.status();
    }

    std::string state = "valid";
    std::string reason;
    // A refusal is about the certificate's window only when a CA of its organisation issued it
    // and at_ms is outside that window; otherwise it is about the organisation, the chain, the
    // CA's validity or the names.
    const bool in_window = cert->not_before_ms() <= at_ms && at_ms <= cert->not_after_ms();
    if (!member.is_ok() && (in_window || !chained_to_org(*cert, ctx.config()))) {
      state = "untrusted";
      reason = member.status().message();
    } else if (!revocation.is_null()) {
      state = "revoked";
      reason = who(*cert) + ": " + describe_revocation(revocation);
    } else if (frozen) {
      state = "frozen";
      reason =
          who(*cert) + ": frozen since " + core::format_time_ms(uint_field(*frozen, "since_ms"));
    } else if (!member.is_ok()) {
      state = at_ms > cert->not_after_ms() ? "expired" : "not yet valid";
      reason = member.status().message();
    }
    return json{{"fingerprint", fp_hex},
                {"subject", core::format_dn(cert->subject())},
                {"org", org},
                {"serial", cert->serial()},
                {"registered", registered.has_value()},
                {"at_ms", at_ms},
                {"status", state},
                {"reason", reason},
                {"revocation", std::move(revocation)},
                {"frozen", frozen ? std::move(*frozen) : json(nullptr)}}
        .dump();
  }

  // Whether a CA of the certificate's organisation issued it (times aside).
  static bool chained_to_org(const core::Certificate& cert, const ChainConfig& config) {
    const OrgConfig* org = config.find_org(cert.subject().organization);
    if (org == nullptr) return false;
    for (const core::Certificate& ca : org->cas) {
      if (core::verify_issued_by(cert, ca).is_ok()) return true;
    }
    return false;
  }

  static Result<std::string> cert(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "cert", {"fingerprint"}));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> fp_text, opt_string_arg(args, "fingerprint"));
    if (!fp_text) return Status::invalid("fingerprint: missing");
    SILK_ASSIGN_OR_RETURN(core::Hash fp, parse_fingerprint(*fp_text));
    const std::string fp_hex = core::to_hex(fp);
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(cert_key(fp_hex)));
    if (!value) return Status::not_found("certificate " + fp_hex + " is not registered on chain");
    SILK_ASSIGN_OR_RETURN(json entry, parse_stored(cert_key(fp_hex), *value));
    return entry.dump();
  }

  static Result<std::string> crl(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "crl", {"org"}));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> org, opt_string_arg(args, "org"));
    if (!org) return Status::invalid("org: missing");
    if (!core::is_valid_org_id(*org)) {
      return Status::invalid("org: '" + org->substr(0, 64) + "' is not an organisation id");
    }
    json entries = json::array();
    const std::string index_key = crl_index_key(*org);
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> index_value, ctx.get(index_key));
    if (index_value) {
      json index = json::parse(*index_value, nullptr, /*allow_exceptions=*/false);
      if (!index.is_array()) {
        return Status::corruption("identity/" + index_key + ": stored value is not an array");
      }
      for (const json& s : index) {
        if (!s.is_string()) {
          return Status::corruption("identity/" + index_key + ": holds a non-string serial");
        }
        const std::string key = crl_key(*org, s.get<std::string>());
        SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(key));
        if (!value) return Status::corruption("identity/" + key + ": indexed but missing");
        SILK_ASSIGN_OR_RETURN(json entry, parse_stored(key, *value));
        entries.push_back(std::move(entry));
      }
    }
    return json{{"org", *org}, {"entries", std::move(entries)}}.dump();
  }
};

}  // namespace

std::unique_ptr<Contract> make_identity_contract() { return std::make_unique<Identity>(); }

uint64_t revocation_effective_ms(const json& entry) {
  if (!entry.is_object()) return 0;
  auto it = entry.find("invalidity_date_ms");
  if (it != entry.end() && it->is_number_unsigned()) return it->get<uint64_t>();
  return uint_field(entry, "revoked_at_ms");
}

std::string describe_revocation(const json& entry) {
  if (!entry.is_object()) return "revoked (an unreadable CRL entry)";
  std::string out = "revoked at " + core::format_time_ms(uint_field(entry, "revoked_at_ms")) +
                    " (" + entry.value("reason", std::string("unspecified"));
  if (entry.contains("invalidity_date_ms")) {
    out += "; invalid since " + core::format_time_ms(revocation_effective_ms(entry));
  }
  out += ") by CRL entry of " + entry.value("org", std::string("?")) + " serial " +
         entry.value("serial", std::string("?")) + where_recorded(entry);
  return out;
}

Result<CertStanding> certificate_standing(ReadContext& ctx, const core::Certificate& cert,
                                          uint64_t poe_ms, uint64_t known_at_ms) {
  CertStanding out;
  const std::string name = who(cert);
  if (poe_ms < cert.not_before_ms()) {
    out.state = "not yet valid";
    out.reason = name + " is not valid before " + core::format_time_ms(cert.not_before_ms());
    return out;
  }
  if (poe_ms > cert.not_after_ms()) {
    out.state = "expired";
    out.reason = name + " expired at " + core::format_time_ms(cert.not_after_ms());
    return out;
  }
  // The CRL of the consortium organisation that issued it (or whose CA it is).
  const std::string org_id = cert.subject().organization;
  bool crl_applies = false;
  if (const OrgConfig* org = ctx.config().find_org(org_id); org != nullptr) {
    for (const core::Certificate& ca : org->cas) {
      if (ca.fingerprint() == cert.fingerprint() || core::verify_issued_by(cert, ca).is_ok()) {
        crl_applies = true;
        break;
      }
    }
  }
  if (crl_applies) {
    const std::string key = crl_key(org_id, cert.serial());
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get_from(kContract, key));
    if (value) {
      SILK_ASSIGN_OR_RETURN(json entry, parse_stored(key, *value));
      if (uint_field(entry, "revoked_at_ms") <= known_at_ms &&
          revocation_effective_ms(entry) <= poe_ms) {
        out.state = "revoked";
        out.reason = name + " " + describe_revocation(entry);
        out.revocation = std::move(entry);
        return out;
      }
    }
  }
  const std::string fp_hex = core::to_hex(cert.fingerprint());
  std::optional<json> frozen;
  if (poe_ms >= ctx.block_time_ms()) {
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> now,
                          ctx.get_from(kContract, frozen_key(fp_hex)));
    if (now) {
      SILK_ASSIGN_OR_RETURN(json entry, parse_stored(frozen_key(fp_hex), *now));
      frozen = std::move(entry);
    }
  } else {
    SILK_ASSIGN_OR_RETURN(frozen, frozen_as_of(ctx, fp_hex, poe_ms));
  }
  if (frozen) {
    out.state = "frozen";
    out.reason = name + " was frozen at " + core::format_time_ms(poe_ms) + " (since " +
                 core::format_time_ms(uint_field(*frozen, "since_ms")) +
                 (frozen->value("reason", std::string()).empty()
                      ? std::string()
                      : ": " + frozen->value("reason", std::string())) +
                 where_recorded(*frozen) + ")";
  }
  return out;
}

Result<std::string> signer_name(ReadContext& ctx, std::string_view id_hex) {
  const std::string id(id_hex);
  if (id.size() == 64) {
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get_from(kContract, cert_key(id)));
    if (value) {
      json entry = json::parse(*value, nullptr, /*allow_exceptions=*/false);
      if (entry.is_object() && entry.contains("subject") && entry["subject"].is_string()) {
        return entry["subject"].get<std::string>();
      }
    }
    Result<core::PublicKey> key = core::public_key_from_hex(id);
    if (key.is_ok()) {
      if (const core::Member* m = ctx.genesis().find_member(*key); m != nullptr) return m->name;
    }
  }
  return id;
}

}  // namespace silk::contracts
