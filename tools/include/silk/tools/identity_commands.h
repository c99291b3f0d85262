// `silk cert revoke | freeze | unfreeze | status`: the on-chain side of with-cert identities
// (contracts/identity.h, docs/identity.md "Revocation and freezing").
//
// The certificate acted on (the *target*) is named by exactly one of:
//   --target FILE          the certificate itself (PEM or DER): args {"cert": PEM}
//   --fingerprint HEX      a registered certificate: args {"fingerprint": hex}
//   --serial S --org ORG   revoke only, for a certificate the chain never saw: {"org", "serial"}
// The signer (an admin of the target's organisation, by the default policy SELF admin) is
// --key with its certificate from --signer-cert, else the key's .pem sibling (signer.h).
//
// revoke/freeze/unfreeze submit one tx and wait for its commit; a failed receipt is exit 1
// with the receipt's message. Argument errors are kInvalid before any file is read or the node
// is contacted.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "silk/core/status.h"
#include "silk/tools/command.h"
#include "silk/tools/tx_commands.h"

namespace silk::tools {

struct CertTarget {
  std::string file;         // --target
  std::string fingerprint;  // --fingerprint (64 hex)
  std::string serial;       // --serial (hex, as `silk cert show` prints it)
  std::string org;          // --org, with --serial
};

// The target's part of the args. kInvalid when none or more than one way is given, for a
// fingerprint that is not 64 hex characters, a serial that is not hex, --serial without --org (or
// --org without --serial), or --serial when `allow_serial` is false. Reads the --target file.
core::Result<nlohmann::json> cert_target_args(const CertTarget& target, bool allow_serial);

// The RFC 5280 reason names identity.revoke accepts (certificateHold and removeFromCRL are not
// among them).
bool is_revocation_reason(const std::string& reason);

struct SignedCallOptions {
  std::string key_file;     // --key
  std::string signer_cert;  // --signer-cert; else the key's .pem sibling
  CallOptions call;         // --chain-id, --timeout-ms
};

struct CertRevokeOptions {
  CertTarget target;
  std::string reason;  // empty = the contract's default (unspecified)
  // keyCompromise / cACompromise only: when the key stopped being trustworthy (RFC 5280
  // invalidityDate), parse_time_option; empty = from the block that records the revocation.
  std::string invalidity_date;
  SignedCallOptions signer;
};
// The args of identity.revoke (kInvalid as above, or for an unknown reason, with a hint to use
// freeze for certificateHold).
core::Result<nlohmann::json> cert_revoke_args(const CertRevokeOptions& options);
// Text: "revoked certificate ... at height H (tx ...)". JSON: {"tx_id", "height", "ok",
// "receipt", "result", "args"}.
core::Result<CommandOutput> run_cert_revoke(CommandContext& ctx, const CertRevokeOptions& options);

struct CertFreezeOptions {
  CertTarget target;
  std::string reason;  // freeze only
  SignedCallOptions signer;
};
// identity.freeze / identity.unfreeze args; --serial is not accepted (a fingerprint is frozen).
core::Result<nlohmann::json> cert_freeze_args(const CertFreezeOptions& options, bool freeze);
core::Result<CommandOutput> run_cert_freeze(CommandContext& ctx, const CertFreezeOptions& options,
                                            bool freeze);

// The certificate subject ("CN=org1-admin,OU=admin,O=org1,C=CN") of a sender the chain has
// registered, asked with identity.status by fingerprint; nullopt for a sender it does not know
// by fingerprint (a with-key chain's public key) or when the node does not answer. For output
// that names people, not hex keys.
std::optional<std::string> registered_subject(NodeClient& node, const std::string& sender_hex);

struct CertStatusOptions {
  CertTarget target;
  std::string at;  // parse_time_option; empty = the tip's time
};
core::Result<nlohmann::json> cert_status_args(const CertStatusOptions& options);
// identity.status through POST /v1/query. Text: status, reason, subject, org, serial, and the
// revocation / freeze entries. JSON: the query result. exit_code 0 whatever the status.
core::Result<CommandOutput> run_cert_status(CommandContext& ctx, const CertStatusOptions& options);

// Shared by the identity and governance commands: loads the signer, submits contract.method(args),
// waits, and turns the outcome into output. On success the text is headline(result) followed by
// the tx id and height; a failed receipt is exit 1 with "<contract>.<method> failed: <receipt>".
// JSON: the result's fields when it is an object (so `gov propose --json` has "id" and "status" at
// the top), then {"tx_id", "height", "ok", "receipt" (the summary), "result", "args"}.
core::Result<CommandOutput> run_signed_call(
    CommandContext& ctx, const SignedCallOptions& signer, const std::string& contract,
    const std::string& method, const nlohmann::json& args,
    const std::function<std::string(const nlohmann::json& result)>& headline);

}  // namespace silk::tools
