// with-cert identities (DESIGN.md §3, docs/identity.md): resolving a certificate to a member, and
// the `identity` contract that registers, revokes, freezes and unfreezes certificates on chain.
//
// State keys (full keys; the contract sees them without the "identity/" prefix):
//   identity/cert/<fp>            a registered certificate:
//                                 {"der_hex", "fingerprint", "org", "subject", "serial",
//                                  "not_before_ms", "not_after_ms", "height", "tx_id"}
//   identity/crl/<org>/<serial>   a CRL entry (revocation is final):
//                                 {"org", "serial", "reason", "revoked_at_ms" (the block time),
//                                  "invalidity_date_ms"? (a compromise that reaches back),
//                                  "subject"? (when the certificate was named), "height", "tx_id",
//                                  "by"}   (by = the revoking admin's fingerprint)
//   identity/frozen/<fp>          present while frozen: {"since_ms", "height", "tx_id", "by",
//                                  "reason"}; deleted by unfreeze (its history answers
//                                  "frozen as of t")
// <fp> is the certificate fingerprint in lower-case hex; <serial> is Certificate::serial().
//
// Methods (txs; args are JSON objects):
//   register  {"cert": PEM}                      any member (policy identity.register, ANY):
//             validates the certificate now (check_certificate) and stores it; registering a
//             registered certificate is OK and writes nothing. Result {"fingerprint", "subject"}.
//   revoke    {"org", "serial", "reason"?, "invalidity_date_ms"?}  or  {"cert": PEM, ...} or
//             {"fingerprint": hex, ...} (a registered certificate): a CRL entry for the issuing
//             organisation's certificate. Policy identity.revoke, default SELF admin: only the
//             issuing organisation's admins (ctx.check_self_policy(org)). reason is an RFC 5280
//             CRLReason name (unspecified, keyCompromise, cACompromise, affiliationChanged,
//             superseded, cessationOfOperation, privilegeWithdrawn, aACompromise; default
//             unspecified; certificateHold is refused: use freeze; removeFromCRL is refused:
//             revocation is final). The entry is recorded at the block time; invalidity_date_ms
//             (keyCompromise or cACompromise only, not later than the block time) makes it count
//             from that earlier time. revoked_at_ms is refused (a revocation cannot be dated).
//             A second revocation of the same serial is kConflict naming the first.
//   freeze    {"fingerprint": hex} or {"cert": PEM}, "reason"? : SELF admin of the certificate's
//             organisation. kConflict when already frozen.
//   unfreeze  same arguments: kConflict when not frozen.
// Events: "registered", "revoked", "frozen", "unfrozen" with the entry's JSON.
//
// Queries (POST /v1/query):
//   status    {"fingerprint": hex} or {"cert": PEM}, "at_ms"? (default: the tip's time) ->
//             {"fingerprint", "subject", "org", "serial", "registered": bool, "at_ms",
//              "status": "valid" | "revoked" | "frozen" | "expired" | "not yet valid" |
//                        "untrusted" | "unknown",
//              "reason": text (empty when valid), "revocation": entry|null,
//              "frozen": entry|null}
//             "unknown" only for a fingerprint that is not registered. Revocation counts from
//             revocation_effective_ms; freezing as of at_ms is read from the frozen key's history.
//   cert      {"fingerprint": hex} -> the registered entry, or kNotFound.
//   crl       {"org"} -> {"org", "entries": [entry...]} in serial order.
//             (identity/crl_index/<org> keeps the sorted serial list for this.)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "silk/contracts/chain_config.h"
#include "silk/contracts/contract.h"
#include "silk/core/genesis.h"
#include "silk/core/x509.h"

namespace silk::contracts {

// Reads a full state key ("identity/crl/org1/ab12").
using KeyReader =
    std::function<core::Result<std::optional<std::string>>(std::string_view full_key)>;

// Parsed certificates and their verified issuers, by fingerprint. Thread-safe; bounded (evicts
// everything when full — it is a cache, and refilling it is correct, only slower).
class CertCache {
 public:
  explicit CertCache(size_t capacity = 100000);
  ~CertCache();
  // The certificate with fingerprint `fp` from DER bytes (parsing once).
  core::Result<core::Certificate> parse(const core::Hash& fp, core::ByteSpan der);
  // The fingerprint of the CA (among `cas`) that issued `leaf`, verified once per (leaf, CA set)
  // with core::verify_chain's checks except validity times, which check_certificate checks on
  // every call.
  core::Result<core::Hash> issuer_of(const core::Certificate& leaf,
                                     const std::vector<core::Certificate>& cas);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether `cert` is a member of the consortium at `at_ms` under `config`, in this order:
// its O names a consortium organisation ("certificate ...: organisation 'org9' is not in the
// consortium"); one of that organisation's CAs issued it ("not chained to a consortium CA of
// org1"); the CA and the certificate are valid at at_ms (expired / not yet valid, with times); its
// C equals the organisation's jurisdiction; its OU is a known role; no CRL entry of the
// organisation for its serial with revoked_at_ms <= at_ms ("revoked at <time> (keyCompromise)");
// not frozen now (identity/frozen/<fp> present: "frozen since <time>"); an unreadable CRL entry
// counts as revoked at time 0 (refuse rather than admit). kUnauthorized for each,
// naming the certificate (format_dn) and the reason; a state read failure passes through.
// Returns the member: name = CN, public_key, org = O, roles = {OU}, jurisdiction = C,
// cert_fingerprint. `cache` may be null.
core::Result<core::Member> check_certificate(const core::Certificate& cert,
                                             const ChainConfig& config, const KeyReader& read,
                                             uint64_t at_ms, CertCache* cache);

// The registered certificate with fingerprint `fp` (from identity/cert/<fp>), or nullopt.
core::Result<std::optional<core::Certificate>> registered_certificate(const core::Hash& fp,
                                                                      const KeyReader& read,
                                                                      CertCache* cache);

// The JSON stored at identity/cert/<fp> for a certificate registered at (height, tx_id).
std::string registration_entry(const core::Certificate& cert, uint64_t height,
                               const core::Hash& tx_id);

std::unique_ptr<Contract> make_identity_contract();

// ---- a certificate's standing, for signatures judged at their proof of existence ----
//
// A CRL entry (identity/crl/<org>/<serial>) is recorded at revoked_at_ms, the time of the block
// that carries the revocation; it cannot be dated otherwise. A keyCompromise or cACompromise
// revocation may carry invalidity_date_ms (RFC 5280 invalidityDate): the earlier time from which
// the key is not to be trusted. The entry counts from that date when present, else from
// revoked_at_ms.
uint64_t revocation_effective_ms(const nlohmann::json& entry);
// "revoked at T (keyCompromise; invalid since T0) by CRL entry of org1 serial 0a (height H, tx X)".
std::string describe_revocation(const nlohmann::json& entry);

struct CertStanding {
  // "valid" | "expired" | "not yet valid" | "revoked" | "frozen"
  std::string state = "valid";
  std::string reason;                   // names the certificate and the entry; "" when valid
  nlohmann::json revocation = nullptr;  // the CRL entry, when revoked
  bool ok() const { return state == "valid"; }
};
// Whether `cert` could sign at `poe_ms` — the proof of existence of a signature (ETSI EN 319
// 102-1): the block that anchored it — with what the chain had recorded by `known_at_ms`:
//   - its validity window holds poe_ms;
//   - no CRL entry recorded at or before known_at_ms counts from a time at or before poe_ms (the
//     CRL of the consortium organisation named by its O, when one of that organisation's CAs
//     issued it or it is one of them; a certificate from outside the consortium has no on-chain
//     CRL and only its window is checked);
//   - it was not frozen at poe_ms (identity/frozen/<fp> as of poe_ms; in a tx asking about its
//     own block's time, the current value, so that a freeze earlier in the block counts).
// An event at exactly poe_ms counts: ties go against the signature. A state read failure, or a
// CRL entry that does not parse, is an error.
core::Result<CertStanding> certificate_standing(ReadContext& ctx, const core::Certificate& cert,
                                                uint64_t poe_ms, uint64_t known_at_ms);

// A tx signer's id (Member::id_hex(): a certificate fingerprint, or a with-key public key) as a
// person reads it: the registered certificate's subject ("CN=org1-issuer,OU=issuer,O=org1,C=CN"),
// the with-key member's name, else the id itself.
core::Result<std::string> signer_name(ReadContext& ctx, std::string_view id_hex);

}  // namespace silk::contracts
