// The raft engine (see the protocol and the formats in engine.h).
#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "engine_kind_impl.h"
#include "silk/consensus/engine.h"
#include "silk/core/codec.h"

namespace silk::consensus {
namespace {

using core::Bytes;
using core::ByteSpan;
using core::Hash;
using core::PublicKey;
using core::Result;
using core::Status;

constexpr uint8_t kRecordHardState = 1;
constexpr uint8_t kRecordEntry = 2;
constexpr uint8_t kRecordTruncate = 3;

constexpr uint8_t kMsgRequestVote = 1;
constexpr uint8_t kMsgVote = 2;
constexpr uint8_t kMsgAppendEntries = 3;
constexpr uint8_t kMsgAppendResponse = 4;

constexpr uint32_t kMaxCertBytes = 1u << 20;
constexpr size_t kMaxAppendBytes = 8u << 20;  // more entries than one go out one at a time

struct Entry {
  uint64_t term = 0;
  Hash hash{};
  Bytes block;  // Block::encode() with an empty cert
  core::CommitCert cert;
};

void write_entry_body(core::Writer& w, const Entry& e) {
  w.u64(e.term);
  w.hash(e.hash);
  w.bytes(e.block);
  w.bytes(e.cert.encode());
}

bool read_entry_body(core::Reader& r, Entry& e) {
  Bytes cert;
  if (!r.u64(e.term, "entry.term") || !r.hash(e.hash, "entry.hash") ||
      !r.bytes(e.block, "entry.block", static_cast<uint32_t>(core::Block::kMaxEncodedBytes)) ||
      !r.bytes(cert, "entry.cert", kMaxCertBytes)) {
    return false;
  }
  Result<core::CommitCert> c = core::CommitCert::decode(cert);
  if (!c.is_ok()) return false;
  e.cert = std::move(c).value();
  return true;
}

bool read_key(core::Reader& r, PublicKey& k, const char* field) {
  Hash h{};
  if (!r.hash(h, field)) return false;
  std::copy(h.begin(), h.end(), k.begin());
  return true;
}

void write_key(core::Writer& w, const PublicKey& k) { w.raw(ByteSpan(k.data(), k.size())); }

// The header inside a Block::encode(), without decoding the txs.
Result<core::BlockHeader> block_header(ByteSpan block) {
  core::Reader r(block);
  Bytes header;
  if (!r.bytes(header, "block.header", 4096)) return r.error().with_context("block");
  return core::BlockHeader::decode(header);
}

struct Message {
  uint8_t type = 0;
  uint64_t term = 0;
  uint64_t a = 0;     // RequestVote: last_index; AppendEntries: prev_index; AppendResponse: index
  uint64_t b = 0;     // RequestVote: last_term; AppendEntries: prev_term
  uint64_t c = 0;     // AppendEntries: leader_commit
  bool flag = false;  // Vote: granted; AppendResponse: success
  std::vector<Entry> entries;
};

Bytes encode(const Message& m) {
  Bytes out;
  core::Writer w(out);
  w.u8(m.type);
  w.u64(m.term);
  switch (m.type) {
    case kMsgRequestVote:
      w.u64(m.a);
      w.u64(m.b);
      break;
    case kMsgVote:
      w.u8(m.flag ? 1 : 0);
      break;
    case kMsgAppendEntries:
      w.u64(m.a);
      w.u64(m.b);
      w.u64(m.c);
      w.u32(static_cast<uint32_t>(m.entries.size()));
      for (const Entry& e : m.entries) write_entry_body(w, e);
      break;
    case kMsgAppendResponse:
      w.u8(m.flag ? 1 : 0);
      w.u64(m.a);
      break;
    default:
      break;
  }
  return out;
}

bool read_flag(core::Reader& r, bool& v, const char* field) {
  uint8_t b = 0;
  if (!r.u8(b, field) || b > 1) return false;
  v = b == 1;
  return true;
}

std::optional<Message> decode(ByteSpan in) {
  Message m;
  core::Reader r(in);
  if (!r.u8(m.type, "type") || !r.u64(m.term, "term")) return std::nullopt;
  switch (m.type) {
    case kMsgRequestVote:
      if (!r.u64(m.a, "last_index") || !r.u64(m.b, "last_term")) return std::nullopt;
      break;
    case kMsgVote:
      if (!read_flag(r, m.flag, "granted")) return std::nullopt;
      break;
    case kMsgAppendEntries: {
      uint32_t n = 0;
      if (!r.u64(m.a, "prev_index") || !r.u64(m.b, "prev_term") || !r.u64(m.c, "commit") ||
          !r.u32(n, "n")) {
        return std::nullopt;
      }
      if (n > kRaftMaxEntriesPerMessage) return std::nullopt;
      if (m.a > std::numeric_limits<uint64_t>::max() - n) return std::nullopt;
      m.entries.resize(n);
      for (Entry& e : m.entries) {
        if (!read_entry_body(r, e)) return std::nullopt;
      }
      break;
    }
    case kMsgAppendResponse:
      if (!read_flag(r, m.flag, "success") || !r.u64(m.a, "index")) return std::nullopt;
      break;
    default:
      return std::nullopt;
  }
  if (!r.at_end()) return std::nullopt;
  return m;
}

// splitmix64: small, good enough for timeouts, and the same everywhere.
class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

uint64_t key_seed(const PublicKey& k) {
  uint64_t s = 0;
  for (size_t i = 0; i < 8; ++i) s |= static_cast<uint64_t>(k[i]) << (8 * i);
  return s;
}

class RaftEngine final : public Engine {
 public:
  explicit RaftEngine(EngineConfig config)
      : config_(std::move(config)), rng_(config_.seed ^ key_seed(config_.self)) {
    sets_[0] = config_.validators;
    reconcile_peers();
  }

  const EngineKind& kind() const override { return raft_engine_kind(); }
  EngineCounters counters() const override { return counters_; }

  // The hard state, then the log from kRaftCheckpointEntries below the tip on: every entry not
  // yet in the store, and enough below it for last_term() and for followers a little behind.
  std::optional<std::vector<Bytes>> wal_checkpoint() const override {
    if (!started_ || halted_) return std::nullopt;
    std::vector<Bytes> records{hard_state_record()};
    const uint64_t keep_from = tip_ > kRaftCheckpointEntries ? tip_ - kRaftCheckpointEntries : 0;
    for (auto it = log_.lower_bound(keep_from); it != log_.end(); ++it) {
      records.push_back(entry_record(it->first, it->second));
    }
    return records;
  }

  std::vector<Action> step(const Event& event) override {
    std::vector<Action> out;
    if (halted_) return out;
    std::visit([&](const auto& e) { on(e, out); }, event);
    return out;
  }

 private:
  enum class Role { kFollower, kCandidate, kLeader };
  struct Peer {
    uint64_t next = 1;
    uint64_t match = 0;
  };

  // ---- events ----
  void on(const Started& e, std::vector<Action>& out) {
    if (started_) return;
    started_ = true;
    for (const Bytes& record : e.wal_records) {
      if (!replay(record)) {
        ++counters_.bad_wal_records;
        halted_ = true;
        return;
      }
    }
    commit_index_ = e.tip_height;
    applied_sent_ = e.tip_height;
    tip_ = e.tip_height;
    // The store's tip is committed: a log entry there that differs is stale
    // (its truncation may not have reached the WAL before a crash).
    if (auto held = log_.find(tip_); held != log_.end() && held->second.hash != e.tip_hash) {
      truncate_from(tip_, out);
    }
    trim();
    if (!e.validators.empty() && e.validators != set_at(tip_ + 1)) {
      sets_[tip_ + 1] = e.validators;
      reconcile_peers();
    }
    if (!self_member()) return;  // a follower outside the set: block sync brings it along
    if (quorum(current()) == 1) {
      campaign(out);
      return;
    }
    arm_election(out);
  }

  void on(const TxsAvailable&, std::vector<Action>& out) {
    want_proposal_ = true;
    if (started_) maybe_propose(out);
  }

  void on(const TimerFired& e, std::vector<Action>& out) {
    if (!started_) return;
    if (e.timer_id == kRaftElectionTimer && role_ != Role::kLeader) {
      if (self_member()) campaign(out);
    } else if (e.timer_id == kRaftHeartbeatTimer && role_ == Role::kLeader) {
      for (auto& [key, peer] : peers_) send_append(key, peer, out);
      out.emplace_back(SetTimer{kRaftHeartbeatTimer, config_.raft_heartbeat_ms});
    }
  }

  void on(const ProposalReady& e, std::vector<Action>& out) {
    if (!started_ || !proposing_ || e.height != proposal_height_) return;
    proposing_ = false;
    if (role_ != Role::kLeader || term_ != proposal_term_ || e.height != last_index() + 1) {
      // Leadership changed meanwhile: the block is dropped, its txs are still
      // in the pool, so ask again when (or if) this node can.
      want_proposal_ = true;
      maybe_propose(out);
      return;
    }
    Result<core::BlockHeader> header = block_header(e.block);
    if (!header.is_ok() || header->hash() != e.block_hash || header->height != e.height ||
        header->proposer != config_.self || e.block.size() > core::Block::kMaxEncodedBytes) {
      return;
    }
    Entry entry;
    entry.term = term_;
    entry.hash = e.block_hash;
    entry.block = e.block;
    entry.cert.kind = core::CommitCert::Kind::kRaft;
    entry.cert.round = static_cast<uint32_t>(term_);
    const Hash message =
        core::commit_message(config_.chain_id, e.height, entry.cert.round, e.block_hash);
    entry.cert.votes.push_back(core::CommitVote{config_.self, config_.signer(message)});
    own_hash_ = e.block_hash;
    own_height_ = e.height;
    own_had_txs_ = e.tx_count > 0;
    persist_entry(e.height, entry, out);
    log_[e.height] = std::move(entry);
    advance_commit(out);
    for (auto& [key, peer] : peers_) send_append(key, peer, out);
  }

  void on(const ProposalEmpty& e, std::vector<Action>& out) {
    if (!started_ || !proposing_ || e.height != proposal_height_) return;
    proposing_ = false;
    maybe_propose(out);
  }

  void on(const BlockCommitted& e, std::vector<Action>& out) {
    if (!started_ || e.height <= tip_) return;
    // Block sync may commit a block other than the one this node's log holds
    // at that height (an entry of a leader that lost). That entry, and every
    // one after it (built on it), is stale: never send it as committed.
    if (auto held = log_.find(e.height); held != log_.end() && held->second.hash != e.block_hash) {
      truncate_from(e.height, out);
    }
    tip_ = e.height;
    if (!e.next_validators.empty() && e.next_validators != set_at(tip_ + 1)) {
      apply_set_change(tip_ + 1, e.next_validators, out);
    }
    if (e.height == own_height_ && e.block_hash == own_hash_ && own_had_txs_) {
      want_proposal_ = true;  // the pool may hold more than one block's worth
    }
    trim();
    maybe_propose(out);
  }

  // Raft never asks for validation: followers execute at commit.
  void on(const BlockValidated&, std::vector<Action>&) {}

  void on(const MessageReceived& e, std::vector<Action>& out) {
    if (!started_) return;
    auto peer = peers_.find(e.from);
    if (peer == peers_.end()) {
      ++counters_.unknown_senders;
      return;
    }
    std::optional<Message> m = decode(e.payload);
    if (!m || m->term > std::numeric_limits<uint32_t>::max()) {
      ++counters_.malformed_messages;
      return;
    }
    // Entries are checked before the message may change anything, its term included. A valid
    // prefix is kept: an entry past a validator-set change this node has not committed yet
    // cannot be checked until it has (the leader sends it again).
    for (size_t k = 0; k < m->entries.size(); ++k) {
      if (!valid_entry(m->a + 1 + k, m->entries[k], m->term)) {
        // At or below tip + 1 the set in force is known: the entry is bad.
        // Past it (even the first entry), this node may not know the set yet:
        // keep the message's valid prefix, possibly none, so its commit index
        // still lets this node commit up to the change and learn the set.
        if (m->a + 1 + k <= tip_ + 1) {
          ++counters_.malformed_messages;
          return;
        }
        m->entries.resize(k);
        break;
      }
    }
    if (m->term > term_) {
      become_follower(m->term, out);
    }
    switch (m->type) {
      case kMsgRequestVote:
        on_request_vote(e.from, *m, out);
        break;
      case kMsgVote:
        on_vote(e.from, *m, out);
        break;
      case kMsgAppendEntries:
        on_append(e.from, *m, out);
        break;
      case kMsgAppendResponse:
        on_append_response(e.from, peer->second, *m, out);
        break;
      default:
        break;
    }
  }

  // ---- messages ----
  void on_request_vote(const PublicKey& from, const Message& m, std::vector<Action>& out) {
    Message reply;
    reply.type = kMsgVote;
    reply.term = term_;
    const bool up_to_date = m.b > last_term() || (m.b == last_term() && m.a >= last_index());
    if (m.term == term_ && role_ == Role::kFollower && up_to_date &&
        (!voted_for_ || *voted_for_ == from)) {
      if (!voted_for_) {
        voted_for_ = from;
        persist_hard_state(out);
      }
      reply.flag = true;
      arm_election(out);
    }
    out.emplace_back(Send{from, encode(reply)});
  }

  void on_vote(const PublicKey& from, const Message& m, std::vector<Action>& out) {
    if (role_ != Role::kCandidate || m.term != term_ || !m.flag) return;
    if (!is_member(current(), from)) return;
    votes_.insert(from);
    if (votes_.size() + 1 >= quorum(current())) become_leader(out);
  }

  void on_append(const PublicKey& from, const Message& m, std::vector<Action>& out) {
    Message reply;
    reply.type = kMsgAppendResponse;
    if (m.term < term_) {
      reply.term = term_;
      reply.a = last_index();
      out.emplace_back(Send{from, encode(reply)});
      return;
    }
    if (role_ == Role::kLeader) {  // two leaders in one term: not from an honest peer
      ++counters_.malformed_messages;
      return;
    }
    if (role_ == Role::kCandidate) role_ = Role::kFollower;
    leader_ = from;
    arm_election(out);
    reply.term = term_;

    const uint64_t prev = m.a;
    if (prev > last_index() || (prev > commit_index_ && term_at(prev) != m.b)) {
      reply.flag = false;
      reply.a = std::min(last_index(), prev - 1);
      out.emplace_back(Send{from, encode(reply)});
      return;
    }
    bool truncated = false;
    for (size_t k = 0; k < m.entries.size(); ++k) {
      const uint64_t h = prev + 1 + k;
      if (h <= commit_index_) continue;  // committed: the leader holds the same
      auto it = log_.find(h);
      if (!truncated && it != log_.end() && it->second.term == m.entries[k].term) continue;
      log_.erase(log_.lower_bound(h), log_.end());
      truncated = true;
      persist_entry(h, m.entries[k], out);
      log_[h] = m.entries[k];
    }
    const uint64_t match = prev + m.entries.size();
    const uint64_t commit = std::min(m.c, match);
    if (commit > commit_index_) {
      commit_index_ = commit;
      emit_commits(out);
    }
    reply.flag = true;
    reply.a = std::max(match, commit_index_);
    out.emplace_back(Send{from, encode(reply)});
  }

  void on_append_response(const PublicKey& from, Peer& peer, const Message& m,
                          std::vector<Action>& out) {
    if (role_ != Role::kLeader || m.term != term_) return;
    if (m.flag) {
      const uint64_t match = std::min(m.a, last_index());
      if (match <= peer.match) return;  // a duplicate or stale answer
      peer.match = match;
      peer.next = std::max(peer.next, match + 1);
      if (advance_commit(out)) {
        // Tell every follower at once, so they commit without waiting for a heartbeat.
        for (auto& [key, other] : peers_) send_append(key, other, out);
      } else if (peer.next <= last_index()) {
        send_append(from, peer, out);
      }
      return;
    }
    uint64_t next = std::min(peer.next - 1, m.a + 1);
    next = std::max({next, peer.match + 1, uint64_t{1}});
    if (next >= peer.next) return;
    peer.next = next;
    send_append(from, peer, out);
  }

  // ---- roles ----
  void campaign(std::vector<Action>& out) {
    if (term_ >= std::numeric_limits<uint32_t>::max()) return;  // cert round is 32 bits
    ++term_;
    ++counters_.elections_started;
    role_ = Role::kCandidate;
    voted_for_ = config_.self;
    leader_.reset();
    votes_.clear();
    persist_hard_state(out);
    if (quorum(current()) == 1) {
      become_leader(out);
      return;
    }
    Message m;
    m.type = kMsgRequestVote;
    m.term = term_;
    m.a = last_index();
    m.b = last_term();
    out.emplace_back(Broadcast{encode(m)});
    arm_election(out);
  }

  void become_follower(uint64_t term, std::vector<Action>& out) {
    const bool was_leader = role_ == Role::kLeader;
    term_ = term;
    voted_for_.reset();
    role_ = Role::kFollower;
    leader_.reset();
    persist_hard_state(out);
    if (was_leader) arm_election(out);
  }

  void become_leader(std::vector<Action>& out) {
    role_ = Role::kLeader;
    leader_ = config_.self;
    ++counters_.terms_led;
    // Entries of earlier terms commit only through an entry of this one (Raft
    // §5.4.2). Raft appends a no-op; a block cannot be built before the tail
    // is applied, so the last entry is appended again instead, same block and
    // certificate, in this term: one record, so a crash leaves it whole.
    // Only the last: a node holding a current-term entry then holds the
    // leader's whole log before it (re-stamping a longer tail would let a
    // node hold a current-term prefix of it and win elections without the
    // rest, which may be committed).
    if (last_index() > commit_index_) {
      Entry& e = log_.at(last_index());
      e.term = term_;
      persist_entry(last_index(), e, out);
    }
    for (auto& [key, peer] : peers_) {
      peer.next = last_index() + 1;
      peer.match = 0;
    }
    advance_commit(out);
    for (auto& [key, peer] : peers_) send_append(key, peer, out);
    if (!peers_.empty()) {
      out.emplace_back(SetTimer{kRaftHeartbeatTimer, config_.raft_heartbeat_ms});
    }
    maybe_propose(out);
  }

  // ---- leader ----
  // True when the commit index moved.
  bool advance_commit(std::vector<Action>& out) {
    if (role_ != Role::kLeader) return false;
    for (uint64_t h = last_index(); h > commit_index_; --h) {
      if (term_at(h) != term_) break;  // only entries of this term count (Raft §5.4.2)
      // The set in force at h decides: this node (its entries are persisted before any send)
      // and the peers that hold h, among that set's members.
      const std::vector<PublicKey>& set = set_at(h);
      size_t have = is_member(set, config_.self) ? 1 : 0;
      for (const auto& [key, peer] : peers_) have += peer.match >= h && is_member(set, key) ? 1 : 0;
      if (have >= quorum(set)) {
        commit_index_ = h;
        emit_commits(out);
        return true;
      }
    }
    return false;
  }

  void send_append(const PublicKey& to, Peer& peer, std::vector<Action>& out) {
    Message m;
    m.type = kMsgAppendEntries;
    m.term = term_;
    m.a = peer.next - 1;
    m.b = term_at(m.a).value_or(0);
    m.c = commit_index_;
    size_t bytes = 0;
    for (uint64_t h = peer.next; h <= last_index() && m.entries.size() < kRaftMaxEntriesPerMessage;
         ++h) {
      auto it = log_.find(h);
      if (it == log_.end()) break;  // trimmed: this follower needs block sync
      if (!m.entries.empty() && bytes + it->second.block.size() > kMaxAppendBytes) break;
      bytes += it->second.block.size();
      m.entries.push_back(it->second);
    }
    out.emplace_back(Send{to, encode(m)});
  }

  void maybe_propose(std::vector<Action>& out) {
    if (role_ != Role::kLeader || proposing_ || !want_proposal_) return;
    const uint64_t last = last_index();
    if (commit_index_ != last || applied_sent_ != last || tip_ != last) return;
    proposing_ = true;
    want_proposal_ = false;
    proposal_term_ = term_;
    proposal_height_ = last + 1;
    out.emplace_back(RequestProposal{last + 1, 0, false, term_});
  }

  // ---- log ----
  void emit_commits(std::vector<Action>& out) {
    while (applied_sent_ < commit_index_) {
      const uint64_t h = applied_sent_ + 1;
      const Entry& e = log_.at(h);
      CommitBlock c;
      c.height = h;
      c.block_hash = e.hash;
      c.cert = e.cert;
      if (!(h == own_height_ && e.hash == own_hash_)) c.block = e.block;
      out.emplace_back(std::move(c));
      applied_sent_ = h;
    }
  }

  // An entry a leader of `term` sent for `height`: its header matches, its
  // certificate verifies. One already held (same term and hash), or at or
  // below the commit index (ignored anyway), is not checked again.
  bool valid_entry(uint64_t height, const Entry& e, uint64_t term) const {
    if (e.term == 0 || e.term > term || e.cert.kind != core::CommitCert::Kind::kRaft) {
      return false;
    }
    if (height <= commit_index_) return true;
    auto held = log_.find(height);
    if (held != log_.end() && held->second.term == e.term && held->second.hash == e.hash) {
      return true;
    }
    Result<core::BlockHeader> header = block_header(e.block);
    if (!header.is_ok() || header->height != height || header->hash() != e.hash ||
        header->chain_id != config_.chain_id) {
      return false;
    }
    return core::verify_commit_cert(*header, e.cert, set_at(height)).is_ok();
  }

  uint64_t last_index() const {
    return log_.empty() ? commit_index_ : std::max(log_.rbegin()->first, commit_index_);
  }
  std::optional<uint64_t> term_at(uint64_t h) const {
    if (h == 0) return 0;
    auto it = log_.find(h);
    if (it == log_.end()) return std::nullopt;
    return it->second.term;
  }
  uint64_t last_term() const { return term_at(last_index()).value_or(0); }

  void trim() {
    const uint64_t keep_from = tip_ > kRaftRetainedEntries ? tip_ - kRaftRetainedEntries : 0;
    log_.erase(log_.begin(), log_.lower_bound(keep_from));
  }

  // ---- persistence ----
  Bytes hard_state_record() const {
    Bytes record;
    core::Writer w(record);
    w.u8(kRecordHardState);
    w.u64(term_);
    w.u8(voted_for_ ? 1 : 0);
    write_key(w, voted_for_.value_or(PublicKey{}));
    return record;
  }

  static Bytes entry_record(uint64_t height, const Entry& e) {
    Bytes record;
    core::Writer w(record);
    w.u8(kRecordEntry);
    w.u64(height);
    write_entry_body(w, e);
    return record;
  }

  void persist_hard_state(std::vector<Action>& out) {
    out.emplace_back(PersistWal{hard_state_record()});
  }

  // Drops the log from `height` on, durably (a restart must not bring it back).
  void truncate_from(uint64_t height, std::vector<Action>& out) {
    log_.erase(log_.lower_bound(height), log_.end());
    Bytes record;
    core::Writer w(record);
    w.u8(kRecordTruncate);
    w.u64(height);
    out.emplace_back(PersistWal{std::move(record)});
  }

  void persist_entry(uint64_t height, const Entry& e, std::vector<Action>& out) {
    out.emplace_back(PersistWal{entry_record(height, e)});
  }

  bool replay(const Bytes& record) {
    core::Reader r(record);
    uint8_t kind = 0;
    if (!r.u8(kind, "record")) return false;
    if (kind == kRecordHardState) {
      uint64_t term = 0;
      bool has_vote = false;
      PublicKey vote{};
      if (!r.u64(term, "term") || !read_flag(r, has_vote, "has_vote") ||
          !read_key(r, vote, "voted_for") || !r.at_end()) {
        return false;
      }
      term_ = term;
      voted_for_ = has_vote ? std::optional<PublicKey>(vote) : std::nullopt;
      return true;
    }
    if (kind == kRecordEntry) {
      uint64_t height = 0;
      Entry e;
      if (!r.u64(height, "height") || height == 0 || !read_entry_body(r, e) || !r.at_end()) {
        return false;
      }
      log_.erase(log_.lower_bound(height), log_.end());
      log_[height] = std::move(e);
      return true;
    }
    if (kind == kRecordTruncate) {
      uint64_t height = 0;
      if (!r.u64(height, "height") || height == 0 || !r.at_end()) return false;
      log_.erase(log_.lower_bound(height), log_.end());
      return true;
    }
    return false;
  }

  void arm_election(std::vector<Action>& out) {
    const uint64_t t = config_.raft_election_timeout_ms;
    out.emplace_back(SetTimer{kRaftElectionTimer, t + rng_.next() % t});
  }

  // ---- validator sets ----
  // The set in force at `height`: the latest change at or below it.
  const std::vector<PublicKey>& set_at(uint64_t height) const {
    return std::prev(sets_.upper_bound(height))->second;
  }
  const std::vector<PublicKey>& current() const { return set_at(tip_ + 1); }
  static bool is_member(const std::vector<PublicKey>& set, const PublicKey& key) {
    return std::find(set.begin(), set.end(), key) != set.end();
  }
  bool self_member() const { return is_member(current(), config_.self); }
  static size_t quorum(const std::vector<PublicKey>& set) { return set.size() / 2 + 1; }

  // Peers are the members of the current set (and, until their entries commit, nobody else:
  // a change takes effect at tip+1, after every entry of the old set is committed here).
  void reconcile_peers() {
    const std::vector<PublicKey>& set = current();
    for (auto it = peers_.begin(); it != peers_.end();) {
      it = is_member(set, it->first) ? std::next(it) : peers_.erase(it);
    }
    for (const PublicKey& v : set) {
      if (v != config_.self && !peers_.count(v)) {
        Peer p;
        p.next = last_index() + 1;
        peers_.emplace(v, p);
      }
    }
  }

  // Governance changed the set from `height` on (one member at a time on a raft chain, so the
  // old and new majorities overlap).
  void apply_set_change(uint64_t height, const std::vector<PublicKey>& set,
                        std::vector<Action>& out) {
    const bool was_member = self_member();
    sets_[height] = set;
    while (sets_.size() > 64) sets_.erase(std::next(sets_.begin()));  // keep genesis + recent
    reconcile_peers();
    if (!self_member()) {
      if (role_ != Role::kFollower) {
        role_ = Role::kFollower;  // removed: stop leading and campaigning
        leader_.reset();
      }
      return;
    }
    if (!was_member) arm_election(out);  // added: take part from now on
    if (role_ == Role::kLeader) {
      for (auto& [key, peer] : peers_) send_append(key, peer, out);
      if (!peers_.empty())
        out.emplace_back(SetTimer{kRaftHeartbeatTimer, config_.raft_heartbeat_ms});
    }
  }

  const EngineConfig config_;
  Prng rng_;
  std::map<uint64_t, std::vector<PublicKey>> sets_;  // from height -> validator set
  std::map<PublicKey, Peer> peers_;  // every validator but this node; ordered, so deterministic
  EngineCounters counters_;
  bool started_ = false;
  bool halted_ = false;

  // Persisted (hard state and log).
  uint64_t term_ = 0;
  std::optional<PublicKey> voted_for_;
  std::map<uint64_t, Entry> log_;  // height -> entry; contiguous

  Role role_ = Role::kFollower;
  std::optional<PublicKey> leader_;
  std::set<PublicKey> votes_;  // candidate: granted votes from peers in term_

  uint64_t commit_index_ = 0;  // highest height known committed (>= the store tip)
  uint64_t applied_sent_ = 0;  // highest height a CommitBlock went out for
  uint64_t tip_ = 0;           // highest BlockCommitted

  bool want_proposal_ = false;  // txs signalled, or the last own block held txs
  bool proposing_ = false;      // a RequestProposal is unanswered
  uint64_t proposal_term_ = 0;
  uint64_t proposal_height_ = 0;
  Hash own_hash_{};  // the block of this run's latest accepted ProposalReady
  uint64_t own_height_ = 0;
  bool own_had_txs_ = false;
};

}  // namespace

Result<std::unique_ptr<Engine>> make_raft_engine(EngineConfig config) {
  if (config.chain_id.empty()) return Status::invalid("raft consensus: chain_id is empty");
  if (!config.signer) return Status::invalid("raft consensus: no signer for the validator key");
  std::set<PublicKey> distinct(config.validators.begin(), config.validators.end());
  if (distinct.size() != config.validators.size()) {
    return Status::invalid("raft consensus: a validator is listed twice");
  }
  // A node outside the set follows (no campaigns, no votes counted) until governance adds it.
  if (config.raft_heartbeat_ms == 0 ||
      config.raft_election_timeout_ms <= 2 * config.raft_heartbeat_ms) {
    return Status::invalid(
        "raft consensus: election timeout must exceed twice a positive heartbeat interval");
  }
  return std::unique_ptr<Engine>(std::make_unique<RaftEngine>(std::move(config)));
}

const EngineKind& raft_engine_kind() {
  static const BuiltinEngineKind kKind({"raft", core::CommitCert::Kind::kRaft, /*networked=*/true,
                                        /*needs_wal=*/true, /*needs_proposal_bytes=*/true,
                                        /*needs_next_validators=*/true,
                                        core::ValidatorChanges::kOneAtATime, &make_raft_engine});
  return kKind;
}

}  // namespace silk::consensus
