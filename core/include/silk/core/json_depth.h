// Guards for untrusted JSON text: how deeply it nests, and whether an object
// repeats a key.
//
// nlohmann's dump and copy recurse once per level, so text nested tens of
// thousands of levels deep could exhaust the stack. Everything that parses
// JSON from a tx or a request checks the depth first.
//
// nlohmann keeps the last of two equal keys; another parser may keep the
// first, so {"to":"A","to":"B"} could mean A to a signer's tool and B to the
// node. Requests and new txs with a repeated key are refused.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace silk::core {

// JSON nesting deeper than this is not parsed.
inline constexpr size_t kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects in `text` (brackets inside
// strings do not count). Linear, no allocation; works on invalid JSON too.
size_t json_nesting_depth(std::string_view text);

// The first key that an object of `text` repeats (after unescaping, so "a"
// and "\u0061" are one key), as "'key' at $.path" (path of the object:
// $.a.b[2]); nullopt when none does. On text that is not valid JSON, only
// what comes before the error is looked at (the parse that follows says
// why). Check the depth first: this walks the text with one stack frame per
// level.
std::optional<std::string> json_duplicate_key(std::string_view text);

}  // namespace silk::core
