// The `ebl` contract (DESIGN.md §4, DOMAIN.md "Transferable records"): electronic transferable
// records — bills of lading under UNCITRAL MLETR and DCSA eBL 3.x. One authoritative record per
// document (a documents record of a transferable type), exclusive control, and an endorsement
// chain of every transfer of control.
//
// Record (full key ebl/record/<doc_id>): {"doc_id", "carrier_org", "owner" (org; the
// beneficiary, "" when blank-endorsed / to order), "holder" (org: the one controller),
// "status": DCSA status ISSUED | PENDING_SURRENDER_FOR_DELIVERY |
// PENDING_SURRENDER_FOR_AMENDMENT | SURRENDERED_FOR_DELIVERY | SURRENDERED_FOR_AMENDMENT | VOIDED,
// "to_order": bool, "chain": [{"action" (ISSUE, ENDORSE, ENDORSE_TO_ORDER, BLANK_ENDORSE,
// TRANSFER, SURRENDER_FOR_DELIVERY, SURRENDER_FOR_AMENDMENT, SURRENDERED, SURRENDER_REJECTED,
// VOIDED), "actor", "recipient", "at_ms", "height", "tx_id"}]}.
// Only the current holder (a member of the holder organisation) may endorse, transfer or
// request surrender; only the carrier accepts or rejects a surrender and voids. While the trade
// contract holds the record (trade/hold/<doc_id> present, a dispute), every action but the
// arbitrator's decision is refused naming the dispute. A transfer to an organisation in another
// jurisdiction passes dataflow.may_cross_border and is logged there.
// Also in the record: "doc_type", "blank_endorsed": bool, "surrender": {"requested_by" (org),
// "purpose": delivery | amendment, "at_ms"} once a surrender is requested (kept on a SURRENDERED_*
// record; null again after a rejection or void), "issued_at_ms";
// each link also has "owner" (the owner after the link, "" for to order / blank), "member" (the
// sender's id) and, for a carrier's answer or void, "reason". A pending surrender gives control
// to the carrier; a rejection returns it to the requester.
// The methods and queries, with exact args, are in ebl.cpp's header comment and docs/trade.md.
#pragma once

#include <memory>

#include "silk/contracts/contract.h"

namespace silk::contracts {

std::unique_ptr<Contract> make_ebl_contract();

}  // namespace silk::contracts
