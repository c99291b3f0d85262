// `silk trust | doc | ebl | data | deal | call` and `silk query contract`: the trade domain's
// commands (contracts trust, documents, dataflow, ebl, trade; docs/trade.md).
//
// A signed command builds its contract args here (checked as far as the chain is not needed, each
// error naming the option), then goes through run_signed_call (identity_commands.h): one tx, wait
// for the commit, a failed receipt is exit 1 with the receipt's message, --json prints the
// result's fields at the top. A read command is one POST /v1/query (or /v1/verify); its --json is
// the query result.
//
// The CLI (cli_trust.cpp, cli_doc.cpp, cli_ebl.cpp, cli_data.cpp, cli_deal.cpp, cli_call.cpp) only
// maps options onto the structs below; everything that can be checked without a node is checked
// by the *_args functions, which tests call directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "silk/core/status.h"
#include "silk/tools/command.h"
#include "silk/tools/identity_commands.h"

namespace silk::tools {

// A signed call whose args are already built: contract.method(args), with the text headline made
// from the receipt's result.
struct TradeCall {
  std::string contract;
  std::string method;
  nlohmann::json args = nlohmann::json::object();
  std::function<std::string(const nlohmann::json& result)> headline;
};
core::Result<CommandOutput> run_trade_call(CommandContext& ctx, const SignedCallOptions& signer,
                                           const TradeCall& call);

// A read-only query with a text view of its result (JSON: the result). With `predicate` (the
// name of a boolean field of the result, e.g. "recognised"), the command answers a yes/no
// question: exit 0 for yes, exit 1 for no (the first line of the text is the error).
core::Result<CommandOutput> run_trade_query(
    CommandContext& ctx, const std::string& contract, const std::string& method,
    const nlohmann::json& args, const std::function<std::string(const nlohmann::json&)>& format,
    const std::string& predicate = "");

// ---- shared argument checks (kInvalid naming the option) ----
core::Status check_jurisdiction_option(const std::string& option, const std::string& code);
core::Status check_org_option(const std::string& option, const std::string& org);
core::Status check_required(const std::string& option, const std::string& value);
// Adds key_ms = parse_time_option(option, text) to args when text is not empty.
core::Status add_time_arg(nlohmann::json& args, const char* key, const std::string& option,
                          const std::string& text);
// "a,b" and repeated options both give lists: splits every entry on commas, trims, drops empties.
std::vector<std::string> split_list(const std::vector<std::string>& values);

// ---- trust ----
struct TrustAuthorityOptions {
  std::string jurisdiction;
  std::string id;
  std::string name;
  std::string authority_cert;  // --authority-cert PEM file
  std::string public_key;      // --public-key hex
  std::vector<std::string> service_types;
};
core::Result<nlohmann::json> trust_add_authority_args(const TrustAuthorityOptions& o);

struct TrustMraOptions {
  std::string id;
  std::vector<std::string> parties;  // "CN,SG" or repeated
  std::string direction;
  std::vector<std::string> doc_types;
  std::vector<std::string> service_types;
  std::string valid_from;
  std::string valid_until;
};
core::Result<nlohmann::json> trust_propose_mra_args(const TrustMraOptions& o);

struct TrustRecognisesOptions {
  std::string issuing;
  std::string verifying;
  std::string doc_type;
  std::string service_type;
  std::string at;
};
core::Result<nlohmann::json> trust_recognises_args(const TrustRecognisesOptions& o);

// Text views.
std::string format_authorities(const nlohmann::json& result);
std::string format_mra(const nlohmann::json& mra);
std::string format_recognises(const nlohmann::json& result);

// ---- doc ----
struct DocIssueOptions {
  std::string file;
  std::string type;
  std::string doc_id;
  std::string seal_key;  // the e-signature's key (default: the tx signer's)
  std::string seal_cert;
  std::string seal_passphrase_file;  // when the seal key's passphrase differs from the signer's
  std::string label;                 // general | important | core
  bool personal_data = false;
  std::vector<std::string> parties;  // ROLE=ORG
  std::string jurisdiction;
  bool disclosable = false;
  // The claimed signing time in the signing statement (parse_time_option; default: now). The
  // chain accepts it only within tx_window_ms of the block that anchors it, and judges the
  // signature at that block's time, whatever it claims.
  std::string signed_at;
};
// The documents.issue args that need no key: doc_id, type, doc_hash (and field_hashes),
// label, personal_data, parties, jurisdiction. With `disclosable`, FILE must be a JSON object:
// each field is salted with 32 random bytes and the disclosable copy is returned in
// `disclosable_out` (not written). kInvalid naming the option.
core::Result<nlohmann::json> doc_issue_content_args(const DocIssueOptions& o,
                                                    nlohmann::json* disclosable_out);
// Issue: content args, the disclosable copy written to FILE.disclosable.json (refusing to
// overwrite), the e-signature over signing_statement (issued_at_ms = the clock's now) made with
// the seal key or the signer's key, then documents.issue.
core::Result<CommandOutput> run_doc_issue(CommandContext& ctx, const SignedCallOptions& signer,
                                          const DocIssueOptions& o);
// amend OLD_ID: documents.amend {"doc_id": old, "new": issue args}.
core::Result<CommandOutput> run_doc_amend(CommandContext& ctx, const SignedCallOptions& signer,
                                          const std::string& old_id, const DocIssueOptions& o);
// ebl amend OLD_ID FILE --doc-id NEW_ID: the carrier's one step after the holder's surrender for
// amendment: ebl.amend {"doc_id": old, "new": issue args, "reason"?} (accepts the surrender,
// amends the document, voids the old eBL and reissues the new one to the same holder).
core::Result<CommandOutput> run_ebl_amend(CommandContext& ctx, const SignedCallOptions& signer,
                                          const std::string& old_id, const DocIssueOptions& o,
                                          const std::string& reason);
// bulk-issue --manifest: a JSON array of {file, type, doc_id, label?} (files relative to the
// manifest), each signed like issue; one documents.bulk_issue tx.
core::Result<CommandOutput> run_doc_bulk_issue(CommandContext& ctx, const SignedCallOptions& signer,
                                               const DocIssueOptions& common,
                                               const std::string& manifest);

// disclose: offline; reads a disclosable JSON, hides `hide`, writes `out` (never overwrites).
struct DocDiscloseOptions {
  std::string in;
  std::vector<std::string> hide;
  std::string out;
};
core::Result<CommandOutput> run_doc_disclose(const DocDiscloseOptions& o);

// The hash a file presents: a disclosable JSON document ({"fields", "hidden"?}) presents its
// root, anything else its SHA-256. `kind_out` (optional) is "disclosable root" or "sha256".
core::Result<core::Hash> presented_hash_of_file(const std::string& path, std::string* kind_out);

struct DocVerifyOptions {
  std::string file;    // FILE (hashed) or
  std::string doc_id;  // --doc-id
  std::string as;      // --as CC
  std::string org;
  std::string at;
};
core::Result<CommandOutput> run_doc_verify(CommandContext& ctx, const DocVerifyOptions& o);
// When the verdict was judged: a verdict without --at is as of the tip block, whose time may be
// minutes old on an idle chain, so the header names the block and how old its time is.
struct VerdictAsOf {
  std::optional<uint64_t> height;  // the tip the node answered at (none: say only the time)
  uint64_t now_ms = 0;             // this machine's clock, for "4 min ago"
  bool at_given = false;           // --at: the time is the one asked for, not the tip's
};
// Text: the verdict's header, one line per fragment, "overall: ..."; exit_code 1 unless overall
// is valid, with the error naming the failing fragments.
CommandOutput verdict_output(const nlohmann::json& verdict, const VerdictAsOf& as_of = {});
// "just now", "42 s ago", "4 min ago", "3 h ago", "2 days ago"; "N s ahead of this clock" when
// `then_ms` is later than `now_ms`.
std::string time_ago(uint64_t then_ms, uint64_t now_ms);

// link / qr: the document's verification link (silk/core/verify_link.h) on the node of `ctx`,
// with the anchored doc_hash looked up there; `as` (optional) the verifying jurisdiction the page
// opens with. qr writes it as a QR code to `out` (.png or .svg; never overwrites).
struct DocLinkOptions {
  std::string doc_id;
  std::string as;
  std::string out;  // qr only
};
core::Result<CommandOutput> run_doc_link(CommandContext& ctx, const DocLinkOptions& o);
core::Result<CommandOutput> run_doc_qr(CommandContext& ctx, const DocLinkOptions& o);

std::string format_document(const nlohmann::json& record);
std::string format_history(const nlohmann::json& result);

// ---- ebl ----
std::string format_ebl(const nlohmann::json& record);
std::string format_ebl_chain(const nlohmann::json& result);

// ---- data ----
struct DataApprovalOptions {
  std::string id;
  std::string route;
  std::vector<std::string> doc_types;
  std::vector<std::string> labels;
  std::vector<std::string> destinations;
  std::vector<std::string> recipients;
  std::string authority;
  std::string reference;
  std::string valid_from;
  std::string valid_until;
};
core::Result<nlohmann::json> data_file_approval_args(const DataApprovalOptions& o);
std::string format_may_share(const nlohmann::json& result);
std::string format_shares(const nlohmann::json& result);
std::string format_approvals(const nlohmann::json& result);

// ---- deal ----
struct DealOpenOptions {
  std::string id;
  std::string buyer;
  std::string goods;
  std::string incoterms;
  std::string amount;
  std::string currency;
};
core::Result<nlohmann::json> deal_open_args(const DealOpenOptions& o);
std::string format_deal(const nlohmann::json& deal);

// ---- generic ----
// A readable multi-line view of any JSON object: "key  value" lines, *_ms numbers as UTC times,
// nested objects and arrays indented.
std::string format_json_fields(const nlohmann::json& value, int indent = 2);

}  // namespace silk::tools
