// The `governance` contract (DESIGN.md §3, docs/governance.md): proposals to change the chain
// configuration (chain_config.h), which execute once their approval policy is met.
//
// State keys (full keys):
//   governance/config            the configuration versions (chain_config.h)
//   governance/proposal/<id>     a proposal: {"id", "kind", "params", "description",
//                                 "proposer" (fingerprint or public key hex), "proposer_org",
//                                 "created_height", "created_ms", "effective_height" (requested,
//                                 0 = the next block after execution), "status": "open" |
//                                 "executed" | "withdrawn" | "failed", "approvals":
//                                 [{"org", "roles", "by", "height"}], "executed_height",
//                                 "takes_effect_at" (the from_height of the version written),
//                                 "reason" (why it failed)}
//   governance/next_id           the next proposal id (decimal; ids start at 1)
//   governance/open              sorted array of open proposal ids
//
// Kinds and params (validated when proposed; kInvalid naming the field):
//   add_org          {"org": {"id", "name", "jurisdiction", "ca_certs": [PEM...]}} (with-cert;
//                    the id must be new; the same checks as genesis)
//   remove_org       {"org": id}  (not the last organisation)
//   rotate_ca        {"org": id, "ca_cert": PEM, "keep_old": bool (default true: both CAs
//                    are trusted until a later rotate_ca with keep_old false)}
//   set_validators   {"validators": [hex public key...]} (non-empty, unique)
//   set_policy       {"name": "contract.method" | "proposal.kind", "policy": policy JSON
//                    | null (null removes the explicit policy; the default applies again)}
//   set_block_params {"block_interval_ms"?, "max_block_txs"?, "max_block_bytes"?} (at least one;
//                    the same bounds as genesis)
//
// Methods:
//   propose  {"kind", "params", "description"?, "effective_height"?} -> {"id", "status"}.
//            Policy governance.propose (default ANY admin). The proposer's approval is
//            recorded at once. effective_height, when given, must be > the current height.
//   approve  {"id"} -> {"id", "status", "approvals"}. Policy governance.approve (default ANY
//            admin). One approval per sender; a second is kConflict. An approval on a proposal
//            that is not open is kConflict naming its status.
//   withdraw {"id"}: only the proposer; open proposals only.
// After propose and approve, the approvals are checked against the policy "proposal.<kind>"
// (check_approvals; for SELF the subject is params.org). When met, a version is written with
// from_height = max(effective_height, current height + 1): the version in force at that height
// with the change applied; versions already scheduled after it get the change too, so pending
// changes compose in height order. Every version is kept (the configuration history, so
// `config` answers for any past height). If applying fails (the org was
// removed meanwhile, ...), the proposal is marked "failed" with the reason and the tx still
// succeeds. Events: "proposed", "approved", "executed", "failed", "withdrawn".
//
// Queries:
//   config    {"height"?} -> {"height", "config": <ChainConfig::to_json()>, "from_height",
//             "pending": [{"from_height", "config"}]}: the configuration in force at height
//             (default: tip + 1) and versions scheduled after it.
//   proposal  {"id"} -> the proposal; kNotFound when there is none.
//   proposals {"status"?: "open"} -> {"proposals": [...]}: the open ones (only open ones are
//             indexed; others by id).
#pragma once

#include <memory>

#include "silk/contracts/contract.h"

namespace silk::contracts {

std::unique_ptr<Contract> make_governance_contract();

}  // namespace silk::contracts
