// A guard for untrusted JSON text: how deeply it nests.
//
// nlohmann's dump and copy recurse once per level, so text nested tens of
// thousands of levels deep could exhaust the stack. Everything that parses
// JSON from a tx or a request checks the depth first.
#pragma once

#include <cstddef>
#include <string_view>

namespace silk::core {

// JSON nesting deeper than this is not parsed.
inline constexpr size_t kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects in `text` (brackets inside
// strings do not count). Linear, no allocation; works on invalid JSON too.
size_t json_nesting_depth(std::string_view text);

}  // namespace silk::core
