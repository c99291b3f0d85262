// The consensus engine interface: a pure, deterministic state machine.
//
// step(event) -> actions. An engine never touches a socket, a clock, a thread
// or a disk: the node's driver feeds it events and carries out its actions,
// in order (persist before send). This is what makes deterministic
// simulation possible (etcd raft's Ready, CometBFT's WAL discipline).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "silk/core/block.h"
#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"

namespace silk::consensus {

// ---- events (driver -> engine) ----
// The node started; the store's tip.
struct Started {
  uint64_t tip_height = 0;
  core::Hash tip_hash{};
};
// A timer the engine set has fired.
struct TimerFired {
  uint64_t timer_id = 0;
};
// The mempool went from empty to non-empty, or holds a full block's worth.
struct TxsAvailable {};
// The driver built the block the engine asked for (header complete).
struct ProposalReady {
  uint64_t height = 0;
  core::Hash block_hash{};
  uint32_t tx_count = 0;
};
// The driver had nothing to propose.
struct ProposalEmpty {
  uint64_t height = 0;
};
// The driver durably committed the block at this height.
struct BlockCommitted {
  uint64_t height = 0;
  core::Hash block_hash{};
};
// A consensus message from a peer (raft, tbft).
struct MessageReceived {
  core::PublicKey from{};
  core::Bytes payload;
};
using Event = std::variant<Started, TimerFired, TxsAvailable, ProposalReady, ProposalEmpty,
                           BlockCommitted, MessageReceived>;

// ---- actions (engine -> driver) ----
struct SetTimer {
  uint64_t timer_id = 0;
  uint64_t delay_ms = 0;
};
// Build a block at `height` from the mempool and answer ProposalReady or ProposalEmpty.
struct RequestProposal {
  uint64_t height = 0;
  uint32_t round = 0;
  bool allow_empty = false;
};
// Commit the proposed block with this certificate, then answer BlockCommitted.
struct CommitBlock {
  uint64_t height = 0;
  core::Hash block_hash{};
  core::CommitCert cert;
};
struct Send {
  core::PublicKey to{};
  core::Bytes payload;
};
struct Broadcast {
  core::Bytes payload;
};
// Append to the consensus WAL and fsync before carrying out later actions.
struct PersistWal {
  core::Bytes record;
};
using Action = std::variant<SetTimer, RequestProposal, CommitBlock, Send, Broadcast, PersistWal>;

// Signs a commit message with the node's validator key. Deterministic.
using Signer = std::function<core::Signature(const core::Hash& message)>;

class Engine {
 public:
  virtual ~Engine() = default;
  // Feeds one event; returns the actions to carry out, in order.
  // Not thread-safe: the driver calls it from one thread.
  virtual std::vector<Action> step(const Event& event) = 0;
  virtual std::string_view name() const = 0;
};

struct EngineConfig {
  std::string chain_id;
  core::ConsensusParams params;
  std::vector<core::PublicKey> validators;
  core::PublicKey self{};
  Signer signer;
};

// The solo engine: one validator proposes and commits alone. It asks for a
// proposal as soon as txs are available and no block is in flight (so load
// forms larger blocks on its own); with empty_blocks it also proposes every
// block_interval_ms. kInvalid when `self` is not the only validator, when no
// signer is given, or when empty_blocks is on with a zero block_interval_ms.
//
// Protocol (at most one block is in flight: requested and not yet committed
// or answered empty):
//   Started{tip}        tip := tip_height. If empty_blocks: SetTimer(kSoloProposeTimer,
//                       block_interval_ms). If TxsAvailable came before Started:
//                       RequestProposal{tip+1, allow_empty=false}.
//   TxsAvailable        Not in flight: RequestProposal{tip+1, allow_empty=false}.
//                       In flight: remembered, and asked for right after the
//                       block in flight settles (group commit: under load blocks
//                       are requested back to back and grow to max_block_txs).
//   TimerFired{kSoloProposeTimer}
//                       Only with empty_blocks (otherwise the timer is never set and a
//                       stray one is ignored). Not in flight: RequestProposal{tip+1,
//                       allow_empty=true}. In flight: ignored (set again when it settles).
//   ProposalReady{h}    h == tip+1 and in flight: CommitBlock{h, hash, cert}; the cert
//                       is kind kSolo, round 0, one vote by `self` over
//                       core::commit_message(chain_id, h, 0, hash). Otherwise ignored.
//   BlockCommitted{h}   h <= tip: ignored. Else tip := h, nothing in flight; then
//                       RequestProposal{tip+1, allow_empty=false} if txs were signalled
//                       meanwhile or the block held txs (the pool may hold more than
//                       one block's worth; the driver answers ProposalEmpty when it
//                       has nothing), and SetTimer(kSoloProposeTimer) if empty_blocks.
//   ProposalEmpty{h}    h == tip+1 and in flight: nothing in flight; RequestProposal
//                       {tip+1, allow_empty=false} again if txs were signalled meanwhile,
//                       and SetTimer(kSoloProposeTimer) if empty_blocks. Otherwise ignored.
//   MessageReceived     ignored (solo has no peers).
// Events before Started are ignored, except that TxsAvailable is remembered.
// An idle chain without empty_blocks therefore produces no blocks and sets no
// timers. The driver must answer every RequestProposal with exactly one
// ProposalReady or ProposalEmpty, and every CommitBlock with BlockCommitted.
// SetTimer with an id that is already pending replaces (restarts) that timer.
inline constexpr uint64_t kSoloProposeTimer = 1;
core::Result<std::unique_ptr<Engine>> make_solo_engine(EngineConfig config);

// Picks the engine genesis names (consensus.type). kInvalid for an unknown
// type or one not built yet.
core::Result<std::unique_ptr<Engine>> make_engine(EngineConfig config);

}  // namespace silk::consensus
