// The contract boundary: what a native contract sees and implements.
// Contracts are deterministic: no clock, no randomness, no file system, no
// unordered iteration. Time is the block's time; identity is the sender.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/genesis.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"
#include "silk/core/tx.h"
#include "silk/core/write_set.h"

namespace silk::contracts {

// Committed state as of the start of a block. Implemented by node over storage,
// and by tests over a map.
class StateView {
 public:
  virtual ~StateView() = default;
  virtual core::Result<std::optional<std::string>> get(std::string_view key) const = 0;
  virtual core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                              uint32_t limit) const = 0;
};

// One tx's execution context. Reads see committed state, then earlier txs of
// this block, then this tx's own writes. Keys are namespaced by the executor:
// a contract's key "abc" is stored as "<contract>/abc".
class TxContext {
 public:
  virtual ~TxContext() = default;
  virtual const core::Tx& tx() const = 0;
  virtual const core::Hash& tx_id() const = 0;
  virtual const core::Member& sender() const = 0;
  virtual uint64_t height() const = 0;
  virtual uint64_t block_time_ms() const = 0;
  virtual uint32_t tx_index() const = 0;

  virtual core::Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual void put(std::string_view key, std::string value) = 0;
  virtual void del(std::string_view key) = 0;
  // A contract event with JSON data; part of the receipt.
  virtual void emit(std::string_view name, std::string data_json) = 0;
};

class Contract {
 public:
  virtual ~Contract() = default;
  virtual std::string_view name() const = 0;
  // Runs `method` with parsed `args`. Returns the result as JSON text (may be
  // ""), or a non-OK Status that fails the tx: its writes are discarded and
  // its receipt carries the code and message.
  virtual core::Result<std::string> call(std::string_view method, const nlohmann::json& args,
                                         TxContext& ctx) = 0;
};

}  // namespace silk::contracts
