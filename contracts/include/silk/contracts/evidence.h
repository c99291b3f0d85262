// The evidence contract: double signing by a validator, recorded on chain (DESIGN.md §5).
//
// Methods:
//   report {"evidence": hex of core::DoubleSignEvidence::encode()}
//       Checks the evidence with no trust in the reporter: both votes are by one validator of
//       the chain configuration in force, of the same type, height and round, for different
//       blocks, and both signatures verify for this chain; the height is not above the block's.
//       Records it under "evidence/<signer hex>/<height>/<round>/<type>" and emits
//       "double_sign". kInvalid naming what does not hold; kConflict when already recorded.
//       Any member may report (nodes report what their consensus engine saw).
// Queries:
//   list {"signer"?: hex}   the records, oldest first (all, or one validator's)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "silk/contracts/contract.h"
#include "silk/core/bytes.h"

namespace silk::contracts {

inline constexpr std::string_view kEvidenceContract = "evidence";
inline constexpr std::string_view kEvidenceReportMethod = "report";
inline constexpr std::string_view kEvidenceDoubleSignEvent = "double_sign";
// Records kept in the contract's index (the records themselves are all kept).
inline constexpr size_t kEvidenceMaxIndexed = 10000;

std::unique_ptr<Contract> make_evidence_contract();

// The args text of a report call.
std::string evidence_report_args(core::ByteSpan evidence);

}  // namespace silk::contracts
