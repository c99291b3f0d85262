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
#include <optional>
#include <string>
#include <string_view>
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
  // asked for, in the order they were asked for, unchanged; or, once the
  // driver compacted its WAL, a wal_checkpoint() of an earlier run followed
  // by the records asked for after it. Empty on a first start. Solo ignores it. Raft restores its term, vote and log from it (see
  // the record format below make_raft_engine). The driver reads the WAL
  // before Started and hands over every record it holds; a record torn by a
  // crash in mid-write must be dropped by the WAL layer, not passed on.
  std::vector<core::Bytes> wal_records{};
  // The validator set in force for height tip_height + 1 (from the chain
  // configuration at that height). Empty: EngineConfig::validators. Solo and
  // raft ignore it (their set is EngineConfig::validators); tbft uses it.
  std::vector<core::PublicKey> validators{};
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
  // core::Block::encode() of the block built, with an empty cert, when the engine's kind
  // needs_proposal_bytes(). Solo ignores it (may be left empty); tbft puts it in its proposal;
  // raft needs it (it replicates these bytes to the
  // followers) and ignores a ProposalReady whose bytes are missing, do not
  // decode to a header with this height and hash, or name another proposer.
  core::Bytes block{};
};
// The driver had nothing to propose.
struct ProposalEmpty {
  uint64_t height = 0;
};
// The driver durably committed the block at this height: the answer to a
// CommitBlock, or a block the node's block sync fetched, verified and stored
// on its own (then height may be above anything the engine asked to commit;
// the engine moves on to height + 1 and drops what it held for heights at or
// below it).
struct BlockCommitted {
  uint64_t height = 0;
  core::Hash block_hash{};
  // The validator set in force for height + 1 (governance may change it at a
  // height). Empty: unchanged. Raft and tbft use it (EngineKind::needs_next_validators);
  // solo ignores it.
  std::vector<core::PublicKey> next_validators{};
};
// The answer to ValidateBlock: whether the block's bytes decode to a header
// with this height and hash that extends the tip, and execute to its roots.
struct BlockValidated {
  uint64_t height = 0;
  core::Hash block_hash{};
  bool valid = false;
  std::string reason;  // why not, when !valid (for logs)
};
// A consensus message from a peer (raft, tbft).
struct MessageReceived {
  core::PublicKey from{};
  core::Bytes payload;
};
using Event = std::variant<Started, TimerFired, TxsAvailable, ProposalReady, ProposalEmpty,
                           BlockCommitted, MessageReceived, BlockValidated>;

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
  // The driver may also hold the block already executed (its own proposal, or
  // one it validated for ValidateBlock): then it uses that copy, matched by
  // hash, and the bytes are only a fallback. Tbft always gives the bytes.
  // A CommitBlock at or below the tip (block sync got there first) is
  // answered with BlockCommitted when the stored block has this hash; a
  // different hash is a fork: the driver stops the node.
  core::Bytes block{};
};
// Tbft: check a proposed block before prevoting for it. The driver decodes
// the bytes, checks height == tip+1, prev_hash == tip hash, hash ==
// block_hash, chain id, the validator-set hash, a sane timestamp and every
// tx's signature and authorization, executes the txs over the tip's state
// and compares tx_root, receipts_root and state_root; it keeps the executed
// result (for a later CommitBlock of this hash) and answers
// BlockValidated{height, block_hash, valid, reason}. Exactly one answer per
// ValidateBlock; a height other than tip+1 is answered invalid.
struct ValidateBlock {
  uint64_t height = 0;
  uint32_t round = 0;
  core::Hash block_hash{};
  core::Bytes block{};
};
// Tbft: a validator signed two conflicting votes; `evidence` is
// core::DoubleSignEvidence::encode(). The driver records it on chain (it
// submits an `evidence.report` tx signed by the node). Once per
// (signer, type, height, round).
struct ReportEvidence {
  core::Bytes evidence;
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
using Action = std::variant<SetTimer, RequestProposal, CommitBlock, Send, Broadcast, PersistWal,
                            ValidateBlock, ReportEvidence>;

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
  uint64_t rounds_started = 0;     // tbft: rounds entered (round 0 of each height included)
  uint64_t evidence_reported = 0;  // tbft: ReportEvidence actions emitted
  uint64_t invalid_proposals =
      0;  // tbft: proposals prevoted nil (bad signature, proposer or block)
};

class EngineKind;

class Engine {
 public:
  virtual ~Engine() = default;
  // Feeds one event; returns the actions to carry out, in order.
  // Not thread-safe: the driver calls it from one thread.
  virtual std::vector<Action> step(const Event& event) = 0;
  // What kind of engine this is (its name, what it needs from the driver).
  virtual const EngineKind& kind() const = 0;
  std::string_view name() const;
  // Counters since construction. Cheap; same thread as step().
  virtual EngineCounters counters() const { return {}; }
  // WAL compaction: records which, handed back in Started::wal_records (alone, in this order)
  // with a store tip at or above the height of the latest BlockCommitted this engine heard,
  // restore everything its PersistWal records so far would restore: its safety (no vote,
  // term or lock forgotten) is the same after a restart from them as from the whole log. The
  // driver may then replace its WAL with them, once every block the engine heard committed is
  // durable, and only between two step() calls (after carrying out every action of the
  // first). nullopt: keep the WAL as it is (before Started, a halted engine, or an engine
  // that cannot say). Same thread as step().
  virtual std::optional<std::vector<core::Bytes>> wal_checkpoint() const { return std::nullopt; }
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
  // Tbft timing. Waiting for a proposal in round r lasts
  // tbft_propose_ms + r * tbft_delta_ms; waiting for more votes after
  // prevoting or precommitting (or once 2f+1 precommits of the round are in)
  // lasts tbft_vote_ms + r * tbft_delta_ms. Timeouts grow per round so that rounds
  // eventually last long enough for a slow but correct network.
  uint64_t tbft_propose_ms = 1000;
  uint64_t tbft_vote_ms = 500;
  uint64_t tbft_delta_ms = 500;
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
//   record     = hard_state | entry | truncate
//   hard_state = u8 1, u64 term, u8 has_vote (0|1), 32 bytes voted_for (zero
//                when has_vote = 0)
//   entry      = u8 2, u64 height, u64 term, 32 bytes block_hash,
//                bytes block (u32 length + Block::encode with empty cert),
//                bytes cert (u32 length + CommitCert::encode)
//   truncate   = u8 3, u64 height: the log from height on is dropped (written
//                when a committed block, from block sync or the store's tip
//                at start, differs from the log's entry at its height)
// Replay applies records in order: the last hard_state wins; an entry at
// height h replaces the log from h on (log := log[..h-1] + entry); a
// truncate at h makes it log[..h-1]. The engine keeps the latest
// kRaftRetainedEntries entries below the tip in memory, and a follower that
// lags further behind than that needs block sync. Its wal_checkpoint() is one
// hard_state and the entries from tip - kRaftCheckpointEntries on (every entry
// above the tip among them): after a restart from a compacted WAL a leader
// holds that many below the tip, and a follower further behind needs block
// sync.
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
inline constexpr uint64_t kRaftCheckpointEntries = 64;
// kInvalid when `self` is not a validator, validators repeat, no signer is
// given, chain_id is empty, or the timing is not sane.
core::Result<std::unique_ptr<Engine>> make_raft_engine(EngineConfig config);

// The tbft engine (Byzantine fault tolerant: n = 3f+1 validators, any f of
// which may be faulty): Tendermint's algorithm ("The latest gossip on BFT
// consensus", Buchman, Kwon, Milosevic 2018), one height per block. The
// proposer of (height h, round r) is validators[(h + r) % n] of the set in
// force at h (Started::validators / BlockCommitted::next_validators).
// Votes are core::SignedVote (core/vote.h): 2f+1 precommits for a block in
// one round are its commit certificate (kind kTbft, round r), checked by
// core::verify_commit_cert. Quorum: more than 2/3 of the validators.
//
// Protocol, from the driver's side:
//   Started{tip, wal_records, validators}
//                 height := tip+1; restores from the WAL this node's own
//                 votes, proposal, round and lock for that height (records
//                 of lower heights are ignored), so it never signs a vote
//                 that conflicts with one it signed before the restart; it
//                 broadcasts those votes again.
//   Idle heights  a height starts in round 0 without timers (an idle chain
//                 sends nothing) until TxsAvailable, or any valid message of
//                 this height, or (empty_blocks) block_interval_ms passes.
//                 Then the round runs normally. The round-0 proposer asks
//                 RequestProposal{h, 0, allow_empty=empty_blocks, term 0}
//                 as soon as the height begins: a ProposalReady starts the
//                 height, a ProposalEmpty leaves it idle. In rounds above 0
//                 proposers ask with allow_empty=true so that a started
//                 height always completes.
//   RequestProposal / ProposalReady / ProposalEmpty
//                 the proposer asks its driver for a block unless it holds a
//                 valid block from an earlier round (Tendermint's validValue),
//                 which it proposes again instead, followed by the prevotes
//                 that made it valid (peers that missed them could not
//                 prevote it). A block its driver built for this height is
//                 proposed in any later round it leads. Its own ProposalReady
//                 counts as validated (the driver built and executed it).
//   ValidateBlock / BlockValidated
//                 every other node asks its driver to check a proposed block
//                 once per hash, and prevotes it only when valid (and the
//                 locking rules allow).
//   PersistWal    every proposal and vote this node signs, and every lock
//                 it takes, is written to the WAL before it is sent (the
//                 driver fsyncs before carrying out any later Send,
//                 Broadcast or CommitBlock).
//   CommitBlock{h, hash, cert, block}
//                 once 2f+1 precommits of one round name a block whose bytes
//                 the node holds and its driver validated.
//   BlockCommitted{h}
//                 moves to height h+1, round 0 (idle as above); h may be
//                 above the current height (block sync).
//   ReportEvidence
//                 when two conflicting votes by one validator arrive.
//   TimerFired    propose / prevote / precommit timeouts of the current
//                 (height, round); a stale timer is ignored. The propose
//                 timer starts with the round, the prevote timer when the
//                 node prevotes, the precommit timer when it precommits or
//                 sees 2f+1 precommits of the round, whichever is first (so a
//                 round ends even when the transport lost votes). On each
//                 timeout the node also broadcasts again its own latest
//                 proposal and votes of the current round (the transport may
//                 lose them).
//   MessageReceived
//                 proposals and votes of the current height (and the next
//                 one, held until it starts); anything that does not decode,
//                 is not signed by a validator of that height, or whose
//                 proposal is not signed by the round's proposer is dropped
//                 and counted. f+1 validators seen in a later round make the
//                 node skip to that round. A message of the height just
//                 committed (a peer one height behind) is answered, once per
//                 peer and round, with Sends of the proposal and precommits
//                 that decided it. Beyond one height, block sync must help.
// Timer ids: kTbftProposeTimer, kTbftPrevoteTimer, kTbftPrecommitTimer,
// kTbftIdleTimer (empty_blocks only); one pending timer per id.
// The message and WAL formats are documented in docs/consensus.md.
inline constexpr uint64_t kTbftProposeTimer = 11;
inline constexpr uint64_t kTbftPrevoteTimer = 12;
inline constexpr uint64_t kTbftPrecommitTimer = 13;
inline constexpr uint64_t kTbftIdleTimer = 14;
// A node whose key is not in the set in force follows without voting (it
// signs nothing) until a set includes it. kInvalid when validators repeat,
// no signer is given, chain_id is empty, or a timeout is zero.
core::Result<std::unique_ptr<Engine>> make_tbft_engine(EngineConfig config);

// ---- what an engine is, for everything outside consensus ----
//
// The node's driver, the chain's rulebook (chain/), governance and the tools ask an engine's kind
// these questions instead of comparing engine names. Adding an engine is its implementation and
// one line in engine_factory.cpp's registry. Kinds are immutable singletons: thread-safe.
class EngineKind {
 public:
  virtual ~EngineKind() = default;
  // The name genesis gives it (consensus.type): "solo", "raft", "tbft".
  virtual std::string_view name() const = 0;
  // The kind of commit certificate its blocks carry.
  virtual core::CommitCert::Kind cert_kind() const = 0;
  // Whether it runs on a network of validators (p2p transport, block sync, consensus messages).
  // An engine that runs alone (solo) needs its node key to be its one validator.
  virtual bool networked() const = 0;
  // Whether it asks for PersistWal and needs its records back in Started after a restart.
  virtual bool needs_wal() const = 0;
  // Whether ProposalReady must carry the block's bytes (an engine that replicates them).
  virtual bool needs_proposal_bytes() const = 0;
  // Whether BlockCommitted must carry the validator set in force for the next height.
  virtual bool needs_next_validators() const = 0;
  // How governance may change the validator set of a chain it runs.
  virtual core::ValidatorChanges validator_changes() const = 0;
  // Its rule for a block's commit certificate against the validator set in force at the block's
  // height: the certificate is of cert_kind() and core::verify_commit_cert accepts it (distinct
  // validators' signatures over commit_message, with this engine's quorum). kInvalid naming why.
  virtual core::Status verify_commit(const core::BlockHeader& header, const core::CommitCert& cert,
                                     const std::vector<core::PublicKey>& validators) const = 0;
  // A new engine of this kind (the make_*_engine above).
  virtual core::Result<std::unique_ptr<Engine>> make(EngineConfig config) const = 0;
};

// The registered engine named `name` (genesis consensus.type), or nullptr.
const EngineKind* find_engine_kind(std::string_view name);
// The same, or kInvalid "unknown consensus type 'x' (this build has solo, raft, tbft)".
core::Result<const EngineKind*> engine_kind(std::string_view name);
// The engine whose blocks carry certificates of `kind`, or nullptr.
const EngineKind* engine_kind_of(core::CommitCert::Kind kind);
// Every registered engine, in registry order.
const std::vector<const EngineKind*>& engine_kinds();
// Their names joined: "solo, raft, tbft" (for messages and option help).
std::string engine_names();

// Picks the engine genesis names (consensus.type). kInvalid for an unknown
// type or one not built yet.
core::Result<std::unique_ptr<Engine>> make_engine(EngineConfig config);

// The kinds of the built-in engines (what their kind() returns).
const EngineKind& solo_engine_kind();
const EngineKind& raft_engine_kind();
const EngineKind& tbft_engine_kind();

}  // namespace silk::consensus
