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

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "silk/contracts/contract.h"
#include "silk/core/status.h"

namespace silk::contracts {

std::unique_ptr<Contract> make_ebl_contract();

// An eBL's title at a time, replayed from its endorsement chain: what the verdict's status
// fragment and the explorer show (a transferable record is a live title only while it is in
// circulation; a surrendered bill is evidence of delivery, not a title).
struct EblTitle {
  std::string status;     // the DCSA status after the last link at or before the time asked
  std::string holder;     // the organisation in control
  std::string owner;      // the named owner; "" when to order or blank-endorsed
  std::string carrier;    // the carrier (issuer) organisation
  uint64_t since_ms = 0;  // the time of that link
  uint64_t height = 0;    // and its height
  // ISSUED or PENDING_SURRENDER_*: a live title. SURRENDERED_* and VOIDED: spent.
  bool live() const;
  // "eBL ISSUED: holder org2, owner org2, carrier org1".
  std::string describe() const;
  nlohmann::json to_json() const;
};
// The title of doc_id's eBL as of at_ms, or nullopt when no eBL of it was issued by then. An eBL
// reissued by an amendment starts at its own ISSUE link (the links carried over from the amended
// bill are its provenance, not its own title). kCorruption for a record that does not parse.
core::Result<std::optional<EblTitle>> ebl_title_at(ReadContext& ctx, std::string_view doc_id,
                                                   uint64_t at_ms);
// The organisation holding doc_id's eBL now (the record's holder), or nullopt when there is no
// eBL. kCorruption for a record that does not parse.
core::Result<std::optional<std::string>> ebl_holder_of(ReadContext& ctx, std::string_view doc_id);
// The endorsement chain of doc_id's eBL (a JSON array of links, oldest first), empty when there is
// no eBL.
core::Result<nlohmann::json> ebl_chain_of(ReadContext& ctx, std::string_view doc_id);

}  // namespace silk::contracts
