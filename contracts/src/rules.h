// The action table of docs/trade.md ("Who may act"), as the contracts name it in refusals: each
// rule has an id ("utilise.customs", "ebl.holder", ...) and every refusal that enforces one ends
// with "[rule <id>]", so a user can look the rule up.
#pragma once

#include <string>
#include <string_view>

#include "silk/core/status.h"

namespace silk::contracts {

// A refusal of `code` with `text`, naming the rule it enforces.
inline core::Status refuse(core::Status::Code code, std::string_view rule,
                           const std::string& text) {
  return core::Status(code, text + " [rule " + std::string(rule) + "]");
}

}  // namespace silk::contracts
