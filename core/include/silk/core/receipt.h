// Receipt: the outcome of one tx. Failed txs get a receipt too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/status.h"

namespace silk::core {

struct ContractEvent {
  std::string contract;
  std::string name;  // "anchored"
  std::string data;  // JSON text
};

struct Receipt {
  Hash tx_id{};
  uint32_t code = 0;    // 0 = success, else a Status::Code value
  std::string message;  // why it failed; empty on success
  std::string result;   // JSON text the method returned ("" when none)
  std::vector<ContractEvent> events;
  Hash write_set_hash{};  // SHA-256 of the tx's write set encoding

  bool ok() const { return code == 0; }
  Bytes encode() const;
  static Result<Receipt> decode(ByteSpan in);
};

}  // namespace silk::core
