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
// The node started; the store's tip. Exactly once, first.
struct Started {
  uint64_t tip_height = 0;
  core::Hash tip_hash{};
  // Every PersistWal record this engine (or an earlier run of it on this node)
  // asked for, in the order they were asked for, unchanged. Empty on a first
  // start. Solo ignores it. Raft restores its term, vote and log from it (see
  // the record format below make_raft_engine). The driver reads the WAL
  // before Started and hands over every record it holds; a record torn by a
  // crash in mid-write must be dropped by the WAL layer, not passed on.
  std::vector<core::Bytes> wal_records{};
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
  // core::Block::encode() of the block built, with an empty cert. Solo ignores
  // it (may be left empty); raft needs it (it replicates these bytes to the
  // followers) and ignores a ProposalReady whose bytes are missing, do not
  // decode to a header with this height and hash, or name another proposer.
  core::Bytes block{};
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
  // Raft: the leader's term. The driver writes it to BlockHeader::term (and
  // round to BlockHeader::round). 0 for solo.
  uint64_t term = 0;
};
// Commit the proposed block with this certificate, then answer BlockCommitted.
// Heights come strictly in order, each exactly once per run, each one above
// the tip given in Started.
struct CommitBlock {
  uint64_t height = 0;
  core::Hash block_hash{};
  core::CommitCert cert;
  // Empty when the block is the one this node built for its latest
  // ProposalReady (the driver holds it, executed). Otherwise (raft: a block
  // another node proposed, or one this node proposed before a restart) the
  // block's core::Block::encode() bytes as proposed (empty cert): the driver
  // decodes it, checks height == tip+1, prev_hash == tip hash and hash ==
  // block_hash, executes it and checks the header's roots, attaches `cert`
  // and stores it. The driver drops a held proposal it was not asked to
  // commit once a block at that height is committed. A block that does not
  // execute to its header's roots is an error of ours (stop the node).
  core::Bytes block{};
};
struct Send {
  core::PublicKey to{};
  core::Bytes payload;
};
// Send to every validator except this node.
struct Broadcast {
  core::Bytes payload;
};
// Append to the consensus WAL and fsync before carrying out later actions:
// a Send, Broadcast or CommitBlock that follows a PersistWal (in the same
// step or a later one) must not be carried out before the record is durable.
// Records are opaque to the driver; they come back, in order, in
// Started::wal_records after a restart.
struct PersistWal {
  core::Bytes record;
};
using Action = std::variant<SetTimer, RequestProposal, CommitBlock, Send, Broadcast, PersistWal>;

// Signs a commit message with the node's validator key. Deterministic.
using Signer = std::function<core::Signature(const core::Hash& message)>;

// What an engine has seen go wrong or happen, for metrics and tests.
struct EngineCounters {
  uint64_t malformed_messages = 0;  // MessageReceived that did not decode or made no sense: dropped
  uint64_t unknown_senders = 0;     // MessageReceived from a key not in the validator set: dropped
  uint64_t elections_started = 0;   // raft: times this node became a candidate
  uint64_t terms_led = 0;           // raft: times this node became leader
  // raft: Started::wal_records held a record that does not decode. The engine
  // then halts (answers nothing, never votes): a node that forgot its vote
  // could vote twice. The operator must repair or remove the WAL.
  uint64_t bad_wal_records = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Feeds one event; returns the actions to carry out, in order.
  // Not thread-safe: the driver calls it from one thread.
  virtual std::vector<Action> step(const Event& event) = 0;
  virtual std::string_view name() const = 0;
  // Counters since construction. Cheap; same thread as step().
  virtual EngineCounters counters() const { return {}; }
};

struct EngineConfig {
  std::string chain_id;
  core::ConsensusParams params;
  std::vector<core::PublicKey> validators;
  core::PublicKey self{};
  Signer signer;
  // Raft: seeds the engine's own PRNG (election timeouts). Any value; give
  // each node (and each restart) a different one, e.g. from the node key and
  // the wall clock, or from the simulation seed in tests. Solo ignores it.
  uint64_t seed = 0;
  // Raft timing. The leader sends AppendEntries to every follower each
  // heartbeat; a follower that hears nothing from a leader for a timeout drawn
  // uniformly from [election_timeout_ms, 2*election_timeout_ms) starts an
  // election. election_timeout_ms must exceed 2*heartbeat_ms.
  uint64_t raft_heartbeat_ms = 100;
  uint64_t raft_election_timeout_ms = 1000;
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

// The raft engine (crash-fault tolerant, 2f+1 validators). One log entry per
// block height: entry h = {term, block hash, block bytes, cert}. The leader
// asks its driver for a block at last+1 only when its log holds nothing
// uncommitted and its driver has committed everything (tip == last), so the
// driver always builds on its own tip; one block is in flight at a time.
// When the block is ready the leader signs the certificate at once: kind
// kRaft, round = the leader's term, one vote by the leader (the header's
// proposer) over core::commit_message(chain_id, h, term, hash): what
// core::verify_commit_cert accepts. The entry carries it to every node, and
// each node, once a majority of validators has the entry, answers
// CommitBlock{h, hash, cert, block} in height order.
//
// A new leader whose log ends in entries it does not know committed appends
// its last entry again (same block and cert) in its own term, so that entries
// of earlier terms commit only through an entry of the current term (Raft
// §5.4.2) without building a block: Raft's no-op, without a log index that is
// not a height. Followers check each entry's header (height, hash) and
// certificate before accepting it; a message that does not decode, comes from
// a non-validator, or carries a bad entry is dropped and counted (counters()),
// never trusted.
//
// Protocol, from the driver's side:
//   Started{tip, wal_records}
//                 restores term, vote and log from the records; commit index
//                 := tip (a height at or below tip is never committed again,
//                 nor an entry at or below it overwritten); SetTimer(
//                 kRaftElectionTimer, random timeout). A single validator
//                 elects itself at once.
//   TxsAvailable  leader, idle: RequestProposal{last+1, 0, allow_empty=false,
//                 term}. Otherwise remembered (a follower's txs must reach the
//                 leader through the node's tx gossip, which is not the
//                 engine's business).
//   ProposalReady leader, same term, h == last+1, bytes valid: the entry is
//                 appended: PersistWal(entry), then Send(AppendEntries) to
//                 each follower. If leadership changed meanwhile it is
//                 ignored (the driver drops the block) and the engine asks
//                 again once it leads and is idle.
//   ProposalEmpty the request is settled; asks again if txs came meanwhile.
//   BlockCommitted{h}
//                 tip := h; the leader asks for the next block if txs came
//                 meanwhile or the block held txs (as solo).
//   TimerFired    kRaftElectionTimer: follower/candidate starts an election;
//                 kRaftHeartbeatTimer: leader sends AppendEntries to all.
//   MessageReceived
//                 RequestVote / Vote / AppendEntries / AppendResponse, from a
//                 validator (`from` must be authenticated by the transport).
// Persistence: term and vote are persisted before any message that depends
// on them is sent (a vote is never sent before it is durable, so a restarted
// node never votes twice in a term), and entries before they are
// acknowledged. The driver carries out actions in order and honours
// PersistWal's durability rule; that is all the engine needs.
// Every action is for this process: after a restart the driver must not
// replay actions, only hand back the WAL records.
//
// WAL record format (PersistWal::record; every integer little-endian, see
// core/codec.h):
//   record     = hard_state | entry
//   hard_state = u8 1, u64 term, u8 has_vote (0|1), 32 bytes voted_for (zero
//                when has_vote = 0)
//   entry      = u8 2, u64 height, u64 term, 32 bytes block_hash,
//                bytes block (u32 length + Block::encode with empty cert),
//                bytes cert (u32 length + CommitCert::encode)
// Replay applies records in order: the last hard_state wins; an entry at
// height h replaces the log from h on (log := log[..h-1] + entry). The WAL
// grows without bound for now (compaction is a later issue); the engine keeps
// the latest kRaftRetainedEntries entries in memory, and a follower that lags
// further behind than that needs block sync.
//
// Message format (Send::payload; same codec; strict: trailing bytes,
// unknown types and oversized fields are rejected):
//   msg            = u8 type, u64 term, body
//   RequestVote   1: u64 last_index, u64 last_term
//   Vote          2: u8 granted (0|1)
//   AppendEntries 3: u64 prev_index, u64 prev_term, u64 leader_commit,
//                    u32 n (<= kRaftMaxEntriesPerMessage),
//                    n x (u64 term, 32 bytes hash, bytes block, bytes cert);
//                    entry k has height prev_index + 1 + k
//   AppendResponse 4: u8 success (0|1), u64 index (success: the follower's
//                    log matches the leader's up to index; failure: a hint,
//                    the leader retries from at most index + 1)
// Heights and indexes are the same thing: log index h holds block height h.
inline constexpr uint64_t kRaftElectionTimer = 1;
inline constexpr uint64_t kRaftHeartbeatTimer = 2;
inline constexpr uint32_t kRaftMaxEntriesPerMessage = 64;
inline constexpr uint64_t kRaftRetainedEntries = 4096;
// kInvalid when `self` is not a validator, validators repeat, no signer is
// given, chain_id is empty, or the timing is not sane.
core::Result<std::unique_ptr<Engine>> make_raft_engine(EngineConfig config);

// Picks the engine genesis names (consensus.type). kInvalid for an unknown
// type or one not built yet.
core::Result<std::unique_ptr<Engine>> make_engine(EngineConfig config);

}  // namespace silk::consensus
