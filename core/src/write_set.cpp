#include "silk/core/write_set.h"

#include "silk/core/codec.h"
#include "silk/core/crypto.h"
#include "silk/core/merkle.h"

namespace silk::core {

Bytes encode_write(const StateWrite& w) {
  Bytes out;
  Writer wr(out);
  wr.u32(w.tx_index);
  wr.str(w.key);
  if (w.value) {
    wr.u8(1);
    wr.str(*w.value);
  } else {
    wr.u8(0);
  }
  return out;
}

Hash write_set_hash(const std::vector<StateWrite>& writes) {
  Sha256 h;
  for (const StateWrite& w : writes) h.update(encode_write(w));
  return h.finish();
}

Hash write_set_root(const std::vector<StateWrite>& writes) {
  std::vector<Hash> leaves;
  leaves.reserve(writes.size());
  for (const StateWrite& w : writes) leaves.push_back(merkle_leaf_hash(encode_write(w)));
  return merkle_root(leaves);
}

Hash next_state_root(const Hash& prev_state_root, const Hash& write_set_root) {
  return Sha256().update(prev_state_root).update(write_set_root).finish();
}

}  // namespace silk::core
