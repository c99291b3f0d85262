// The `dataflow` contract (DESIGN.md §4, DOMAIN.md "Cross-border data"): data labels, export
// approvals and the log of cross-border shares.
//
// Labels: "general" | "important" | "core", and a personal-data flag. A document's label is set
// when it is issued (documents) and may be raised (never lowered) by dataflow.classify.
// Export approvals (full key dataflow/approval/<id>): {"id", "exporter_org",
//   "from_jurisdiction", "route": "security_assessment" | "standard_contract" | "certification" |
//   "exemption" | "ftz_negative_list", "scope": {"doc_types": [...], "data_labels": [...],
//   "destinations": [CC...], "recipients": [org...] (empty = any)}, "authority", "reference",
//   "valid_from_ms", "valid_until_ms", "status": "filed" | "approved" | "rejected" | "revoked",
//   "history"} — filed by the exporter (a member of exporter_org), approved / rejected / revoked
//   by a regulator of from_jurisdiction.
// Transfer log (full key dataflow/share/<doc_id>/<seq>): every cross-border share or transfer.
// Rules (may_cross_border): the same jurisdiction is always allowed; "core" never leaves;
// "general" without personal data leaves freely; "important" data, or personal data, leaves only
// under an approval in force at that time whose scope covers the doc type, the label, the
// destination and the recipient.
// The methods and queries, with their exact args, are documented in dataflow.cpp's header comment
// and in docs/trade.md.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "silk/contracts/contract.h"

namespace silk::contracts {

std::unique_ptr<Contract> make_dataflow_contract();

struct DataDecision {
  bool allowed = false;
  std::string approval_id;  // the approval that allows it, when one does
  std::string reason;       // why (or why not), naming the label and the rule
};
// Whether data of `doc_type` labelled `label` (with `personal_data`) held by `exporter_org` in
// `from_jurisdiction` may reach `recipient_org` in `to_jurisdiction` at `at_ms`.
core::Result<DataDecision> may_cross_border(ReadContext& ctx, std::string_view exporter_org,
                                            std::string_view from_jurisdiction,
                                            std::string_view to_jurisdiction,
                                            std::string_view recipient_org,
                                            std::string_view doc_type, std::string_view label,
                                            bool personal_data, uint64_t at_ms);

// ---- additions (issue 4) ----

// A document's effective data label: the record's label and personal-data flag, raised by a
// dataflow.classify override (full key dataflow/label/<doc_id>) when one exists. Labels only go
// up (general < important < core) and personal_data only from false to true, so the effective
// label is the higher of the two. kInvalid for a record label that is not general / important /
// core; kCorruption for an unreadable override. Reads through get_from("dataflow", ...), so any
// contract may call it.
struct EffectiveLabel {
  std::string label;
  bool personal_data = false;
};
core::Result<EffectiveLabel> effective_label(ReadContext& ctx, std::string_view doc_id,
                                             std::string_view record_label, bool record_personal);

// One cross-border share or transfer, as logged.
struct CrossBorderTransfer {
  std::string doc_id;
  std::string doc_type;
  std::string kind;  // "share" (dataflow.share), "transfer" (ebl), or the caller's own word
  std::string exporter_org;
  std::string from_jurisdiction;
  std::string recipient_org;
  std::string to_jurisdiction;
  std::string purpose;  // free text, at most 512 bytes
  std::string label;    // the effective label
  bool personal_data = false;
  std::string approval_id;  // the approval that allowed it ("" when none was needed)
  std::string reason;       // the decision's reason (DataDecision::reason)
};
// Appends `t` to the transfer log and emits a "cross_border" event with the entry. The caller
// has already checked may_cross_border (this only records). A contract can write only its own
// keys, so the entry goes to the calling contract's namespace: key share/<doc_id>/<seq> (seq
// from 1) with the count at share_count/<doc_id>, i.e. dataflow/share/... for dataflow.share and
// ebl/share/... for an eBL transfer. dataflow's `shares` query gathers the logs of every contract
// in kCrossBorderLogContracts. The entry: every field above plus "seq", "contract", "at_ms",
// "height", "tx_index", "tx_id", "by" (the sender's id). kInvalid for an empty doc_id.
core::Status log_cross_border(TxContext& ctx, const CrossBorderTransfer& t);
// Every logged cross-border share or transfer of `doc_id`, from every contract's log, in chain
// order (height, tx_index): what the `shares` query answers. A JSON array of entries.
core::Result<nlohmann::json> cross_border_log(ReadContext& ctx, std::string_view doc_id);
// The contracts whose transfer logs `shares` reads.
inline constexpr std::string_view kCrossBorderLogContracts[] = {"dataflow", "documents", "ebl",
                                                                "trade"};

}  // namespace silk::contracts
