// Byte strings, 32-byte hashes and hex.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/status.h"

namespace silk::core {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

// A SHA-256 digest (tx_id, block hash, roots). Zero-initialised.
using Hash = std::array<uint8_t, 32>;

inline ByteSpan as_span(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Lower-case hex.
std::string to_hex(ByteSpan data);
inline std::string to_hex(const Hash& h) { return to_hex(ByteSpan(h.data(), h.size())); }

// Accepts upper or lower case, no prefix. Invalid on odd length or a non-hex
// character, with the offending position in the message.
Result<Bytes> from_hex(std::string_view hex);
// As from_hex, and the result must be exactly 32 bytes.
Result<Hash> hash_from_hex(std::string_view hex);

}  // namespace silk::core
