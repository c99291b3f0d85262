// What the trade domain's command groups share: trust, doc, ebl, data, deal and call
// (tools/src/cli_<group>.cpp). The command functions are in trade_commands.h; the groups only
// declare the options (Cmd, cli_options.h) and map them onto those functions.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "silk/core/status.h"
#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/trade_commands.h"

namespace silk::tools {

// Help of an --at option of a query.
inline constexpr const char* kAtHelp =
    "as of this time, ISO 8601 UTC or Unix ms (default: the tip's)";

// A "done" headline, with ": now <status>" when the result has a status or state.
std::function<std::string(const nlohmann::json&)> says(std::string text);

// `c` is a signed call whose contract, method and args `build` makes from the fields.
void on_call(CommandRegistry& registry, const Cmd& c,
             std::function<core::Result<TradeCall>(Fields&)> build);

// `c` is a read-only query of contract.method with the args `build` makes, shown by `format`;
// with `predicate` (a boolean field of the result) a yes/no question: exit 1 on no.
void on_query(CommandRegistry& registry, const Cmd& c, const std::string& contract,
              const std::string& method, std::function<core::Result<nlohmann::json>(Fields&)> build,
              std::function<std::string(const nlohmann::json&)> format, std::string predicate = "");

// The options of a command that issues a document (doc issue, doc amend, ebl amend); the
// document type is required for a new document, else it defaults to the old one's.
void add_issue_flags(Cmd& c, bool type_required);
DocIssueOptions issue_options(Fields& f);

}  // namespace silk::tools
