// State writes and key versions: shared by contracts (which produce them)
// and storage (which persists them), so neither depends on the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "silk/core/bytes.h"

namespace silk::core {

// One write by one tx. value == nullopt is a deletion.
struct StateWrite {
  uint32_t tx_index = 0;
  std::string key;  // "contract/key"; never empty, no NUL bytes
  std::optional<std::string> value;
};

// One version of a key, as history returns it.
struct KeyVersion {
  uint64_t height = 0;
  uint32_t tx_index = 0;
  Hash tx_id{};
  uint64_t timestamp_ms = 0;  // the block's time
  bool deleted = false;
  std::string value;  // empty when deleted
};

// Encoding of one write (docs/formats.md#write-set):
// u32 tx_index || str key || u8 (0 deleted, 1 present) || [str value]
Bytes encode_write(const StateWrite& w);
// SHA-256 over the concatenated encodings of `writes` (a tx's write_set_hash).
Hash write_set_hash(const std::vector<StateWrite>& writes);
// RFC 6962 root over leaf = encode_write(w), in the order given.
Hash write_set_root(const std::vector<StateWrite>& writes);
// state_root_h = SHA-256(state_root_{h-1} || write_set_root_h)
Hash next_state_root(const Hash& prev_state_root, const Hash& write_set_root);

}  // namespace silk::core
