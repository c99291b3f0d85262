// The five-fragment verification verdict (DESIGN.md §4) of a document as a verifying jurisdiction
// sees it: integrity, status, issuer, recognition, data. Read-only over any contract's state.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/contracts/contract.h"
#include "silk/core/bytes.h"

namespace silk::contracts {

// The verification verdict of DESIGN.md §4 for one document as seen by `verifying_jurisdiction`
// (and, for the data fragment, `verifying_org` when given). Each fragment is "valid", "invalid"
// or "error" with a reason; overall is "valid" only when all five are.
//
// What "as of" means (docs/trade.md, "Trusted time"): the claimed signing time is information,
// not evidence; the proof of existence (POE) is the block that anchored the signature. Status
// and data are judged at the verification time at_ms; issuer (certificate validity, revocation
// and freezing, the trust list) and recognition (the MRA) at the POE, with what the chain had
// recorded by at_ms (a key-compromise revocation recorded later may reach back before the POE).
// An event at exactly the POE counts: ties go against the signature.
struct Fragment {
  std::string name;    // integrity | status | issuer | recognition | data
  std::string result;  // valid | invalid | error
  std::string reason;
};
struct Verdict {
  std::string doc_id;
  std::string verifying_jurisdiction;
  std::string verifying_org;  // "" = any recipient in verifying_jurisdiction
  uint64_t at_ms = 0;         // the verification time
  // The proof of existence (the anchoring block's time) at which issuer and recognition are
  // judged, and the signing time the issuer claimed.
  uint64_t poe_ms = 0;
  uint64_t claimed_signing_ms = 0;
  // For a transferable record: its eBL title at at_ms (EblTitle::to_json, ebl.h), else null.
  nlohmann::json title = nullptr;
  std::vector<Fragment> fragments;
  std::string overall;  // valid | invalid | error
  nlohmann::json to_json() const;
};
// presented_hash: the hash of the content the verifier holds (nullopt = no content presented:
// integrity is checked against the record only). at_ms: the verification time (default tip time).
core::Result<Verdict> verify_document(ReadContext& ctx, std::string_view doc_id,
                                      const std::optional<core::Hash>& presented_hash,
                                      std::string_view verifying_jurisdiction,
                                      std::string_view verifying_org, uint64_t at_ms);

}  // namespace silk::contracts
