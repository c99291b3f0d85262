#include "silk/tools/identity_commands.h"

#include <algorithm>
#include <array>
#include <sstream>

#include "silk/core/genesis.h"
#include "silk/core/x509.h"
#include "silk/tools/signer.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr std::array<const char*, 8> kRevocationReasons = {
    "unspecified", "keyCompromise",        "cACompromise",       "affiliationChanged",
    "superseded",  "cessationOfOperation", "privilegeWithdrawn", "aACompromise"};

bool is_hex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The receipt result may come as a JSON value or as JSON text.
json result_value(const json& result) {
  if (result.is_string()) {
    json parsed = json::parse(result.get<std::string>(), nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) return parsed;
  }
  return result;
}

std::string entry_time(const json& entry, const char* field) {
  auto it = entry.find(field);
  if (it == entry.end() || !it->is_number_unsigned()) return "?";
  return core::format_time_ms(it->get<uint64_t>());
}

}  // namespace

bool is_revocation_reason(const std::string& reason) {
  return std::find(kRevocationReasons.begin(), kRevocationReasons.end(), reason) !=
         kRevocationReasons.end();
}

Result<json> cert_target_args(const CertTarget& target, bool allow_serial) {
  const int ways = (target.file.empty() ? 0 : 1) + (target.fingerprint.empty() ? 0 : 1) +
                   (target.serial.empty() && target.org.empty() ? 0 : 1);
  const std::string choices = allow_serial
                                  ? "--target FILE, --fingerprint HEX or --serial S --org ORG"
                                  : "--target FILE or --fingerprint HEX";
  if (ways == 0) return Status::invalid("no certificate given: use " + choices);
  if (ways > 1) return Status::invalid("give only one of " + choices);
  if (!target.fingerprint.empty()) {
    if (target.fingerprint.size() != 64 || !is_hex(target.fingerprint)) {
      return Status::invalid("--fingerprint \"" + target.fingerprint +
                             "\" is not 64 hex characters (the SHA-256 of the certificate's DER)");
    }
    return json{{"fingerprint", lower(target.fingerprint)}};
  }
  if (!target.file.empty()) {
    SILK_ASSIGN_OR_RETURN(core::Certificate cert, load_certificate_file(target.file));
    if (cert.is_ca()) {
      return Status::invalid("--target " + target.file + " is a CA certificate (" +
                             core::format_dn(cert.subject()) +
                             "); CAs are changed by governance (silk gov propose rotate-ca)");
    }
    return json{{"cert", cert.pem()}};
  }
  if (!allow_serial) {
    return Status::invalid("--serial and --org name a certificate only for revoke; use " + choices);
  }
  if (target.serial.empty()) return Status::invalid("--org needs --serial");
  if (target.org.empty()) return Status::invalid("--serial needs --org (the issuing organisation)");
  if (!core::is_valid_org_id(target.org)) {
    return Status::invalid("--org \"" + target.org + "\" is not a valid organisation id");
  }
  std::string serial = lower(target.serial);
  if (serial.starts_with("0x")) serial = serial.substr(2);
  if (!is_hex(serial)) {
    return Status::invalid("--serial \"" + target.serial +
                           "\" is not hex (as `silk cert show` prints it)");
  }
  // Certificate::serial() has no leading zeros.
  const size_t first = serial.find_first_not_of('0');
  serial = first == std::string::npos ? "0" : serial.substr(first);
  return json{{"org", target.org}, {"serial", serial}};
}

Result<json> cert_revoke_args(const CertRevokeOptions& options) {
  if (!options.reason.empty() && !is_revocation_reason(options.reason)) {
    if (options.reason == "certificateHold") {
      return Status::invalid(
          "--reason certificateHold is not a revocation: use `silk cert freeze` (reversible)");
    }
    if (options.reason == "removeFromCRL") {
      return Status::invalid("--reason removeFromCRL: revocation is final and cannot be undone");
    }
    std::string list;
    for (const char* r : kRevocationReasons) {
      if (!list.empty()) list += ", ";
      list += r;
    }
    return Status::invalid("--reason \"" + options.reason + "\" is not one of " + list);
  }
  std::optional<uint64_t> invalid_from;
  if (!options.invalidity_date.empty()) {
    if (options.reason != "keyCompromise" && options.reason != "cACompromise") {
      return Status::invalid(
          "--invalidity-date goes with --reason keyCompromise or cACompromise only: any other "
          "revocation counts from the block that records it");
    }
    SILK_ASSIGN_OR_RETURN(invalid_from,
                          parse_time_option("--invalidity-date", options.invalidity_date));
  }
  SILK_ASSIGN_OR_RETURN(json args, cert_target_args(options.target, /*allow_serial=*/true));
  if (!options.reason.empty()) args["reason"] = options.reason;
  if (invalid_from) args["invalidity_date_ms"] = *invalid_from;
  return args;
}

Result<json> cert_freeze_args(const CertFreezeOptions& options, bool freeze) {
  if (!freeze && !options.reason.empty()) {
    return Status::invalid("--reason is for freeze only");
  }
  SILK_ASSIGN_OR_RETURN(json args, cert_target_args(options.target, /*allow_serial=*/false));
  if (freeze && !options.reason.empty()) args["reason"] = options.reason;
  return args;
}

Result<json> cert_status_args(const CertStatusOptions& options) {
  std::optional<uint64_t> at;
  if (!options.at.empty()) {
    SILK_ASSIGN_OR_RETURN(at, parse_time_option("--at", options.at));
  }
  SILK_ASSIGN_OR_RETURN(json args, cert_target_args(options.target, /*allow_serial=*/false));
  if (at) args["at_ms"] = *at;
  return args;
}

Result<CommandOutput> run_signed_call(
    CommandContext& ctx, const SignedCallOptions& signer_options, const std::string& contract,
    const std::string& method, const json& args,
    const std::function<std::string(const json& result)>& headline) {
  SILK_ASSIGN_OR_RETURN(Signer signer,
                        Signer::load(ctx, signer_options.key_file, signer_options.signer_cert));
  SILK_ASSIGN_OR_RETURN(CallOutcome outcome,
                        submit_call(ctx, signer, signer_options.call, contract, method, args));
  const json result = result_value(outcome.result);
  CommandOutput out;
  // The result's fields at the top ({"id", "status"} of a proposal), then the tx's.
  out.json = result.is_object() ? result : json::object();
  out.json["tx_id"] = outcome.tx_id;
  out.json["height"] = outcome.height ? json(*outcome.height) : json(nullptr);
  out.json["ok"] = outcome.ok;
  out.json["receipt"] = outcome.summary;
  out.json["result"] = result;
  out.json["args"] = args;
  std::ostringstream text;
  if (outcome.ok) {
    text << headline(result);
  } else {
    text << contract << "." << method << " failed: " << outcome.summary << "\n";
    out.exit_code = 1;
    out.error = contract + "." + method + " failed: " + outcome.summary;
  }
  text << "  tx       " << outcome.tx_id << "\n";
  if (outcome.height) text << "  height   " << *outcome.height << "\n";
  text << "  signer   " << signer.identity().describe() << "\n";
  out.text = text.str();
  return out;
}

Result<CommandOutput> run_cert_revoke(CommandContext& ctx, const CertRevokeOptions& options) {
  SILK_ASSIGN_OR_RETURN(json args, cert_revoke_args(options));
  return run_signed_call(ctx, options.signer, "identity", "revoke", args, [&](const json& r) {
    std::string what =
        r.is_object() && r.contains("serial")
            ? "serial " + r.value("serial", std::string()) + " of " + r.value("org", std::string())
            : std::string("the certificate");
    return "revoked " + what + " (" + args.value("reason", std::string("unspecified")) + ")\n";
  });
}

Result<CommandOutput> run_cert_freeze(CommandContext& ctx, const CertFreezeOptions& options,
                                      bool freeze) {
  SILK_ASSIGN_OR_RETURN(json args, cert_freeze_args(options, freeze));
  return run_signed_call(
      ctx, options.signer, "identity", freeze ? "freeze" : "unfreeze", args, [&](const json&) {
        std::string line = freeze ? "froze the certificate" : "unfroze the certificate";
        if (args.contains("fingerprint")) {
          line += ' ';
          line += args["fingerprint"].get<std::string>();
        }
        line += '\n';
        return line;
      });
}

std::optional<std::string> registered_subject(NodeClient& node, const std::string& sender_hex) {
  if (sender_hex.size() != 64) return std::nullopt;
  auto status = node.query("identity", "status", json{{"fingerprint", sender_hex}});
  if (!status.is_ok() || !status->is_object()) return std::nullopt;
  std::string subject = status->value("subject", std::string());
  if (subject.empty()) return std::nullopt;
  return subject;
}

Result<CommandOutput> run_cert_status(CommandContext& ctx, const CertStatusOptions& options) {
  SILK_ASSIGN_OR_RETURN(json args, cert_status_args(options));
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  SILK_ASSIGN_OR_RETURN(json result, node->query("identity", "status", args));
  if (!result.is_object()) {
    return Status::invalid("node at " + node->url().to_string() +
                           " answered identity.status with a result that is not an object");
  }
  // Who revoked or froze it, by certificate subject (the hex stays in --json).
  auto by = [node](const json& entry) {
    const std::string hex = entry.value("by", std::string());
    return registered_subject(*node, hex).value_or(hex);
  };
  std::ostringstream text;
  const std::string status = result.value("status", std::string("?"));
  const std::string reason = result.value("reason", std::string());
  text << "status       " << status;
  if (!reason.empty()) text << " (" << reason << ")";
  text << "\n";
  text << "subject      " << result.value("subject", std::string()) << "\n"
       << "org          " << result.value("org", std::string()) << "\n"
       << "serial       " << result.value("serial", std::string()) << "\n"
       << "fingerprint  " << result.value("fingerprint", std::string()) << "\n"
       << "registered   " << (result.value("registered", false) ? "yes" : "no") << "\n";
  if (auto at = result.find("at_ms"); at != result.end() && at->is_number_unsigned()) {
    text << "checked at   " << core::format_time_ms(at->get<uint64_t>()) << "\n";
  }
  if (auto rev = result.find("revocation"); rev != result.end() && rev->is_object()) {
    text << "revoked      at " << entry_time(*rev, "revoked_at_ms") << ", reason "
         << rev->value("reason", std::string("unspecified")) << ", height "
         << rev->value("height", uint64_t{0}) << ", by " << by(*rev) << "\n";
  }
  if (auto fr = result.find("frozen"); fr != result.end() && fr->is_object()) {
    const std::string why = fr->value("reason", std::string());
    text << "frozen       since " << entry_time(*fr, "since_ms")
         << (why.empty() ? std::string() : std::string(", reason ").append(why)) << ", height "
         << fr->value("height", uint64_t{0}) << ", by " << by(*fr) << "\n";
  }
  CommandOutput out;
  out.text = text.str();
  out.json = std::move(result);
  return out;
}

}  // namespace silk::tools
