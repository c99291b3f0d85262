// The `trust` contract (DESIGN.md §4, DOMAIN.md "Mutual recognition"): jurisdictions, their trust
// lists of authorities (ETSI TS 119 612 style) and mutual-recognition arrangements (MRAs) between
// jurisdictions. Every status keeps its history, and every question is answerable as of a time,
// because a signature is judged as things stood when it was made.
//
// Records (full state keys under "trust/"; each record's JSON carries "history": [{"status",
// "at_ms", "height", "tx_id", "by"}] oldest first, so as-of answers need no key-history scan):
//   trust/jurisdiction/<CC>            {"code", "name", "history"}
//   trust/authority/<CC>/<id>          a trust-list entry: {"jurisdiction", "id", "name",
//                                       "cert_pem" | "public_key" (hex), "service_types": [...],
//                                       "status": "granted" | "withdrawn", "history"}
//   trust/mra/<id>                     {"id", "parties": [CC, CC], "direction": "mutual" |
//                                       "a_recognises_b" | "b_recognises_a", "doc_types": [...],
//                                       "service_types": [...], "valid_from_ms", "valid_until_ms"
//                                       (0 = open), "status": "draft" | "enacted" | "suspended" |
//                                       "repealed", "approvals": {CC: {...}}, "history"}
// Service types: coo_issuer, phyto_authority, customs, esign_ca, carrier, chamber, bank, insurer.
//
// Who may act: a jurisdiction's regulator is a member with role "regulator" whose certificate's
// jurisdiction (C, TxContext::sender().jurisdiction) is that jurisdiction. The trade-domain
// contracts need with-cert mode for this (with-key members have no jurisdiction and are refused
// where one is needed, saying so). The methods and their exact args are documented in trust.cpp's
// header comment and in docs/trade.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "silk/contracts/contract.h"
#include "silk/core/crypto.h"
#include "silk/core/x509.h"

namespace silk::contracts {

std::unique_ptr<Contract> make_trust_contract();

// Whether the signer of a document is an authority on `jurisdiction`'s trust list, granted for
// `service_type` at `at_ms`. The signer matches an entry when the entry holds the signer's own
// certificate (same fingerprint), or the entry's certificate is a CA that issued the signer's
// certificate (core::verify_issued_by), or the entry holds the signer's public key. The grant is
// read from the entry's history as of at_ms (granted at or before, not withdrawn at or before).
struct AuthorityCheck {
  bool granted = false;
  std::string authority_id;  // the matching entry, when one matched at all
  std::string reason;        // why not, or a one-line description of the grant
};
core::Result<AuthorityCheck> authority_granted_at(
    ReadContext& ctx, std::string_view jurisdiction,
    const std::optional<core::Certificate>& signer_cert, const core::PublicKey& signer_key,
    std::string_view service_type, uint64_t at_ms);

// Whether `verifying` recognises documents of `doc_type` / `service_type` issued in `issuing` at
// `at_ms`: true when they are the same jurisdiction, or an MRA covering issuing -> verifying (by
// its parties and direction), this doc type and service type, was enacted at at_ms (from its
// history: enacted at or before, not suspended or repealed at or before — a later reinstatement
// counts from its own time) and at_ms lies in [valid_from_ms, valid_until_ms].
struct RecognitionCheck {
  bool recognised = false;
  std::string mra_id;  // the MRA that recognises, or the closest one that does not
  std::string reason;
};
core::Result<RecognitionCheck> recognises(ReadContext& ctx, std::string_view issuing,
                                          std::string_view verifying, std::string_view doc_type,
                                          std::string_view service_type, uint64_t at_ms);

}  // namespace silk::contracts
