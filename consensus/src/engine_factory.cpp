// make_engine: the engine genesis names.
#include "silk/consensus/engine.h"

namespace silk::consensus {

core::Result<std::unique_ptr<Engine>> make_engine(EngineConfig config) {
  const std::string& type = config.params.type;
  if (type == "solo") return make_solo_engine(std::move(config));
  if (type == "raft") return make_raft_engine(std::move(config));
  if (type == "tbft") return make_tbft_engine(std::move(config));
  return core::Status::invalid("unknown consensus type '" + type +
                               "' (expected solo, raft or tbft)");
}

}  // namespace silk::consensus
