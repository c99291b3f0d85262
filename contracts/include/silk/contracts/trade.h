// The `trade` contract (DESIGN.md §4): deals between a seller and a buyer with their linked
// documents, and disputes that hold transferable records until an arbitrator decides.
//
// Deal (full key trade/deal/<id>): {"id", "seller" (org), "buyer" (org), "seller_jurisdiction",
// "buyer_jurisdiction", "goods", "incoterms" (EXW FCA CPT CIP DAP DPU DDP FAS FOB CFR CIF),
// "amount": {"value" (decimal string), "currency" (ISO 4217)}, "documents": [doc_id...],
// "state": proposed | accepted | shipped | delivered | settled | disputed | decided,
// "dispute": {...} | null, "history": [{"state", "at_ms", "height", "tx_id", "by"}]}.
// Hold (full key trade/hold/<doc_id>): {"deal_id", "since_ms", "reason"} while a dispute holds a
// transferable record; the ebl contract refuses actions on a held record.
// ship needs an attached bill of lading (a documents record of type bill_of_lading, ACTIVE).
// open dispute: seller or buyer; decide: a member with role arbitrator, which releases holds.
// Also in the deal: "settlement": {"reference", "recorded_by", "at_ms"} | null, "bill_of_lading"
// (the doc_id ship found), and each history entry's "member" (the sender's id). The dispute:
// {"reason", "opened_by", "opened_at_ms", "previous_state", "holds": [doc_id...] (the holds it
// placed and keeps), "already_held" (held by another deal), "ruling", "release", "decided_by",
// "arbitrator", "decided_at_ms", "released"}. A hold also records "height" and "tx_id".
// Indexes: trade/deal_index (every deal id, sorted) and trade/deal_index/<org> (as seller or
// buyer). decide with release false keeps the holds until an arbitrator calls release. The methods
// and queries, with exact args, are in trade.cpp's header comment and docs/trade.md.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "silk/contracts/contract.h"
#include "silk/core/status.h"

namespace silk::contracts {

std::unique_ptr<Contract> make_trade_contract();

// Every deal event that touched doc_id, oldest first (full key trade/doc_events/<doc_id>): a JSON
// array of {"event": "attached" | "held" | "not_held" | "hold_ordered" | "released", "deal_id",
// "at_ms", "height", "tx_id", "by" (org), "member" (the sender's id), "reason"?}.
core::Result<nlohmann::json> deal_events_of(ReadContext& ctx, std::string_view doc_id);
// The dispute hold on doc_id (trade/hold/<doc_id>), or null. kCorruption when it does not parse.
core::Result<nlohmann::json> hold_of(ReadContext& ctx, std::string_view doc_id);

}  // namespace silk::contracts
