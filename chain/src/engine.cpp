// The chain's consensus engine (engine.h).
#include "silk/chain/engine.h"

#include <utility>

namespace silk::chain {

core::Result<const consensus::EngineKind*> engine_of(const core::Genesis& genesis) {
  return consensus::engine_kind(genesis.consensus.type);
}

core::Result<contracts::ConsensusRules> consensus_rules(const core::Genesis& genesis) {
  SILK_ASSIGN_OR_RETURN(const consensus::EngineKind* kind, engine_of(genesis));
  return contracts::ConsensusRules{std::string(kind->name()), kind->validator_changes()};
}

core::Result<std::unique_ptr<contracts::Executor>> make_executor(core::Genesis genesis) {
  SILK_ASSIGN_OR_RETURN(contracts::ConsensusRules rules, consensus_rules(genesis));
  return std::make_unique<contracts::Executor>(std::move(genesis), std::move(rules));
}

std::string engine_names() { return consensus::engine_names(); }

}  // namespace silk::chain
