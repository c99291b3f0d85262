// The consensus engine a chain runs, as the chain's rulebook sees it: genesis names it
// (consensus.type); consensus/ says what it is (consensus::EngineKind). Everything outside
// consensus that needs an engine's answer asks here, never by comparing names.
#pragma once

#include <memory>
#include <string>

#include "silk/consensus/engine.h"
#include "silk/contracts/executor.h"
#include "silk/core/genesis.h"
#include "silk/core/status.h"

namespace silk::chain {

// The engine genesis names. kInvalid "unknown consensus type 'x' (this build has solo, raft,
// tbft)" for one this build does not have.
core::Result<const consensus::EngineKind*> engine_of(const core::Genesis& genesis);

// What that engine lets execution do (governance's validator-set changes).
core::Result<contracts::ConsensusRules> consensus_rules(const core::Genesis& genesis);

// An Executor for `genesis` with its engine's rules: the one way nodes and auditors build one, so
// they agree. kInvalid for an unknown engine.
core::Result<std::unique_ptr<contracts::Executor>> make_executor(core::Genesis genesis);

// The registered engines' names, "solo, raft, tbft" (for option help and messages).
std::string engine_names();

}  // namespace silk::chain
