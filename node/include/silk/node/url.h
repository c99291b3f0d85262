// Request targets: "/v1/history?key=notary%2Fab&limit=10" -> path and query parameters.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "silk/core/status.h"

namespace silk::node {

struct Target {
  std::string path;                           // percent-decoded
  std::map<std::string, std::string> params;  // percent-decoded; '+' is a space; a name given twice is refused
};

// Decodes %XX escapes (and '+' as a space when plus_is_space). kInvalid
// naming the position of a malformed escape.
core::Result<std::string> url_decode(std::string_view text, bool plus_is_space);

// Splits and decodes a request target. kInvalid for a malformed escape or a
// target that does not start with '/'.
core::Result<Target> parse_target(std::string_view target);

}  // namespace silk::node
