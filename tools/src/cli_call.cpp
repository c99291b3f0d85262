// call (any contract method, signed) and query contract (any read-only query).
#include <string>

#include "silk/tools/cli_trade.h"

namespace silk::tools {

using core::Result;
using nlohmann::json;

void add_call_commands(CLI::App& app, CommandRegistry& registry) {
  Cmd call(&app, "call", "sign and submit any contract method, wait for the commit");
  call.pos("contract", "contract name, e.g. documents")
      .pos("method", "method name, e.g. issue")
      .opt("--args", "the method's args as a JSON object", true)
      .signer("the signer's key file");
  on_call(registry, call, [](Fields& f) -> Result<TradeCall> {
    SILK_ASSIGN_OR_RETURN(json args, parse_json_object_option("--args", f["args"]));
    return TradeCall{f["contract"], f["method"], args,
                     [c = f["contract"], m = f["method"]](const json& r) {
                       return c + "." + m + ": ok\n" + format_json_fields(r, 2);
                     }};
  });

  CLI::App* query = CommandRegistry::group(app, "query", "read the ledger");
  Cmd qc(query, "contract", "run a contract's read-only query");
  qc.pos("contract", "contract name, e.g. trust")
      .pos("method", "query name, e.g. mras")
      .opt("--args", "the query's args as a JSON object (default {})");
  auto f = qc.fields();
  registry.on(qc.app(), [f](CommandRun& run) -> CommandResult {
    json args = json::object();
    if (f->has("args")) {
      SILK_ASSIGN_OR_RETURN(args, parse_json_object_option("--args", (*f)["args"]));
    }
    return run_trade_query(run.ctx, (*f)["contract"], (*f)["method"], args, nullptr);
  });
}

}  // namespace silk::tools
