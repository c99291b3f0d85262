// `silk gov propose | approve | withdraw | show | list | config`: governance proposals
// (contracts/governance.h, docs/governance.md).
//
// Kinds are written with dashes on the command line and with underscores on chain:
//   add-org           --org ID --name NAME --jurisdiction CC --ca-cert ca.pem
//   remove-org        --org ID
//   rotate-ca         --org ID --ca-cert ca.pem [--drop-old]
//   set-validators    --validator HEX (repeatable)
//   set-policy        --name contract.method|proposal.kind (--policy JSON | --clear)
//   set-block-params  [--block-interval-ms N] [--max-block-txs N] [--max-block-bytes N]
// --params JSON (an object) is merged over the params the flags make; with --params the
// kind-specific flags are optional. Params are checked here as far as possible without the chain
// (ids, jurisdictions, the CA certificate, keys, the policy), so most mistakes never reach it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "silk/core/status.h"
#include "silk/tools/command.h"
#include "silk/tools/identity_commands.h"

namespace silk::tools {

// "add-org" -> "add_org" (underscored forms are accepted too); kInvalid for an unknown kind,
// listing the known ones.
core::Result<std::string> proposal_kind_on_chain(const std::string& cli_kind);

struct GovProposeOptions {
  std::string kind;  // CLI form: add-org, ...
  std::string description;
  std::optional<uint64_t> effective_height;
  // kind-specific
  std::string org;
  std::string name;  // add-org: the display name (default: the id); set-policy: the policy name
  std::string jurisdiction;
  std::string ca_cert_file;
  bool drop_old = false;
  std::vector<std::string> validators;
  std::optional<std::string> policy;  // JSON text
  bool clear = false;
  std::optional<uint64_t> block_interval_ms;
  std::optional<uint64_t> max_block_txs;
  std::optional<uint64_t> max_block_bytes;
  std::optional<std::string> params;  // JSON object text, merged over the above
  SignedCallOptions signer;
};

// The args of governance.propose: {"kind", "params", "description"?, "effective_height"?}.
// Reads --ca-cert. kInvalid naming the option for anything wrong.
core::Result<nlohmann::json> gov_propose_args(const GovProposeOptions& options);

// Text: "proposal N (kind): status". JSON: run_signed_call's document.
core::Result<CommandOutput> run_gov_propose(CommandContext& ctx, const GovProposeOptions& options);

// governance.approve / governance.withdraw {"id"}.
core::Result<CommandOutput> run_gov_approve(CommandContext& ctx, uint64_t id,
                                            const SignedCallOptions& signer);
core::Result<CommandOutput> run_gov_withdraw(CommandContext& ctx, uint64_t id,
                                             const SignedCallOptions& signer);

// Queries (POST /v1/query). JSON: the query result.
core::Result<CommandOutput> run_gov_show(CommandContext& ctx, uint64_t id);
core::Result<CommandOutput> run_gov_list(CommandContext& ctx);
core::Result<CommandOutput> run_gov_config(CommandContext& ctx, std::optional<uint64_t> height);

// The text views, for tests. `subjects` maps a sender (certificate fingerprint, hex) to the
// certificate's subject; a proposer or approver found there is shown by subject, else as hex.
std::string format_proposal(const nlohmann::json& proposal,
                            const std::map<std::string, std::string>& subjects = {});
std::string format_config(const nlohmann::json& config_answer);

}  // namespace silk::tools
