// with-cert identities (DESIGN.md §3, docs/identity.md): resolving a certificate to a member, and
// the `identity` contract that registers, revokes, freezes and unfreezes certificates on chain.
//
// State keys (full keys; the contract sees them without the "identity/" prefix):
//   identity/cert/<fp>            a registered certificate:
//                                 {"der_hex", "fingerprint", "org", "subject", "serial",
//                                  "not_before_ms", "not_after_ms", "height", "tx_id"}
//   identity/crl/<org>/<serial>   a CRL entry (revocation is final):
//                                 {"org", "serial", "reason", "revoked_at_ms", "height", "tx_id",
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
//   revoke    {"org", "serial", "reason"?, "revoked_at_ms"?}  or  {"cert": PEM, ...} or
//             {"fingerprint": hex, ...} (a registered certificate): a CRL entry for the issuing
//             organisation's certificate. Policy identity.revoke, default SELF admin: only the
//             issuing organisation's admins (ctx.check_self_policy(org)). reason is an RFC 5280
//             CRLReason name (unspecified, keyCompromise, cACompromise, affiliationChanged,
//             superseded, cessationOfOperation, privilegeWithdrawn, aACompromise; default
//             unspecified; certificateHold is refused: use freeze; removeFromCRL is refused:
//             revocation is final). revoked_at_ms defaults to the block time and may not be later.
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
//             revoked_at_ms; freezing as of at_ms is read from the frozen key's history.
//   cert      {"fingerprint": hex} -> the registered entry, or kNotFound.
//   crl       {"org"} -> {"org", "entries": [entry...]} in serial order.
//             (identity/crl_index/<org> keeps the sorted serial list for this.)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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

}  // namespace silk::contracts
