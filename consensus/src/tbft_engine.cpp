// The tbft engine: Tendermint (Buchman, Kwon, Milosevic 2018) as a pure state machine. The
// protocol is in engine.h, the message and WAL formats in docs/consensus.md. Comments name the
// lines of the paper's Algorithm 1 where a rule comes from.
#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine_kind_impl.h"
#include "silk/consensus/engine.h"
#include "silk/core/codec.h"
#include "silk/core/vote.h"

namespace silk::consensus {
namespace {

using core::Bytes;
using core::ByteSpan;
using core::Hash;
using core::PublicKey;
using core::Result;
using core::SignedVote;
using core::Status;
using core::VoteType;

constexpr uint8_t kMsgProposal = 1;
constexpr uint8_t kMsgVote = 2;
// WAL records: a proposal or a vote record (types 1, 2) is byte for byte the message this node
// sent; a lock record names the locked block and carries its bytes.
constexpr uint8_t kRecordLock = 3;

constexpr uint32_t kNoPolRound = std::numeric_limits<uint32_t>::max();
constexpr size_t kSignatureBytes = 64;

// Votes and proposals are kept for rounds up to round + kRoundsAhead; later rounds only count
// towards a round skip (the latest round seen per validator).
constexpr uint32_t kRoundsAhead = 8;
// Blocks kept per round besides the round's first proposal (a Byzantine proposer may send
// different blocks to different nodes; the one that gathers precommits must still be at hand).
constexpr size_t kExtraBlocksPerRound = 2;
// Votes kept per signer, round and type for arbitrary hashes (more than one is a double sign).
constexpr size_t kVotesPerSigner = 2;
// Messages of height + 1 held per sender until that height starts.
constexpr size_t kHeldPerSender = 16;
// Catch-up answers per peer and height (one per round the peer is seen in).
constexpr size_t kCatchUpsPerPeer = 16;

struct Proposal {
  uint64_t height = 0;
  uint32_t round = 0;
  uint32_t pol_round = kNoPolRound;
  Bytes block;
  core::Signature signature{};
};

Hash proposal_message(const std::string& chain_id, uint64_t height, uint32_t round,
                      uint32_t pol_round, const Hash& block_hash) {
  Bytes buf;
  core::Writer w(buf);
  w.raw(core::as_span("silk/proposal/v1"));
  w.str(chain_id);
  w.u64(height);
  w.u32(round);
  w.u32(pol_round);
  w.hash(block_hash);
  return core::sha256(buf);
}

Bytes encode_proposal(const Proposal& p) {
  Bytes out;
  core::Writer w(out);
  w.u8(kMsgProposal);
  w.u64(p.height);
  w.u32(p.round);
  w.u32(p.pol_round);
  w.bytes(p.block);
  w.raw(ByteSpan(p.signature.data(), p.signature.size()));
  return out;
}

Bytes encode_vote(const SignedVote& v) {
  Bytes out{kMsgVote};
  const Bytes body = v.encode();
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

struct Message {
  uint8_t type = 0;
  Proposal proposal;  // kMsgProposal
  SignedVote vote;    // kMsgVote
  uint64_t height() const { return type == kMsgProposal ? proposal.height : vote.height; }
  uint32_t round() const { return type == kMsgProposal ? proposal.round : vote.round; }
};

// Strict: unknown types, short or trailing bytes, an oversized block and a pol_round that is
// not below the round are rejected.
std::optional<Message> decode(ByteSpan in) {
  Message m;
  core::Reader r(in);
  if (!r.u8(m.type, "type")) return std::nullopt;
  if (m.type == kMsgProposal) {
    Proposal& p = m.proposal;
    if (!r.u64(p.height, "height") || !r.u32(p.round, "round") ||
        !r.u32(p.pol_round, "pol_round") ||
        !r.bytes(p.block, "block", static_cast<uint32_t>(core::Block::kMaxEncodedBytes)) ||
        r.remaining() != kSignatureBytes) {
      return std::nullopt;
    }
    if (p.pol_round != kNoPolRound && p.pol_round >= p.round) return std::nullopt;
    const ByteSpan sig = in.subspan(r.position());
    std::copy(sig.begin(), sig.end(), p.signature.begin());
    return m;
  }
  if (m.type == kMsgVote) {
    Result<SignedVote> v = SignedVote::decode(in.subspan(1));
    if (!v.is_ok()) return std::nullopt;
    m.vote = std::move(v).value();
    return m;
  }
  return std::nullopt;
}

// The header inside a Block::encode(), without decoding the txs.
Result<core::BlockHeader> block_header(ByteSpan block) {
  core::Reader r(block);
  Bytes header;
  if (!r.bytes(header, "block.header", 4096)) return r.error().with_context("block");
  return core::BlockHeader::decode(header);
}

struct LockRecord {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash hash{};
  Bytes block;
  std::vector<SignedVote> polka;  // the prevotes for hash in round that justify the lock
};

// A lock record's polka has at most this many prevotes (one per validator).
constexpr uint32_t kMaxValidators = 1024;

Bytes encode_lock(const LockRecord& l) {
  Bytes out;
  core::Writer w(out);
  w.u8(kRecordLock);
  w.u64(l.height);
  w.u32(l.round);
  w.hash(l.hash);
  w.bytes(l.block);
  w.u32(static_cast<uint32_t>(l.polka.size()));
  for (const SignedVote& v : l.polka) w.raw(v.encode());
  return out;
}

std::optional<LockRecord> decode_lock(ByteSpan in) {
  LockRecord l;
  core::Reader r(in);
  uint8_t type = 0;
  if (!r.u8(type, "type") || type != kRecordLock || !r.u64(l.height, "height") ||
      !r.u32(l.round, "round") || !r.hash(l.hash, "hash") ||
      !r.bytes(l.block, "block", static_cast<uint32_t>(core::Block::kMaxEncodedBytes))) {
    return std::nullopt;
  }
  uint32_t n = 0;
  if (!r.u32(n, "polka") || n > kMaxValidators ||
      r.remaining() != static_cast<size_t>(n) * SignedVote::kEncodedBytes) {
    return std::nullopt;
  }
  for (uint32_t k = 0; k < n; ++k) {
    Result<SignedVote> v = SignedVote::decode(
        in.subspan(r.position() + k * SignedVote::kEncodedBytes, SignedVote::kEncodedBytes));
    if (!v.is_ok() || v->type != VoteType::kPrevote || v->height != l.height ||
        v->round != l.round || v->block_hash != l.hash) {
      return std::nullopt;
    }
    l.polka.push_back(std::move(v).value());
  }
  return l;
}

class TbftEngine final : public Engine {
 public:
  explicit TbftEngine(EngineConfig config) : config_(std::move(config)) {
    set_validators(config_.validators);
  }

  const EngineKind& kind() const override { return tbft_engine_kind(); }
  EngineCounters counters() const override { return counters_; }

  // Replay keeps only records of tip + 1 (the height this engine is at once every block it
  // heard of is durable), so those are all it needs, in the order they were written.
  std::optional<std::vector<Bytes>> wal_checkpoint() const override {
    if (!started_ || halted_) return std::nullopt;
    return height_records_;
  }

  std::vector<Action> step(const Event& event) override {
    std::vector<Action> out;
    if (halted_) return out;
    std::visit([&](const auto& e) { on(e, out); }, event);
    return out;
  }

 private:
  enum class Step { kPropose, kPrevote, kPrecommit };
  enum class Check { kUnchecked, kPending, kValid, kInvalid };
  struct BlockInfo {
    Bytes bytes;  // Block::encode(), empty cert
    Check check = Check::kUnchecked;
    uint32_t round = 0;  // the round of the proposal that brought it (for ValidateBlock)
    Bytes proposal;      // that proposal message (for catch-up answers)
  };
  struct RoundProposal {
    Hash hash{};
    uint32_t pol_round = kNoPolRound;
    core::Signature signature{};
  };
  struct RoundVotes {
    // Per signer, its votes for distinct hashes: one, unless it double-signed. Ordered by
    // signer, so certificates come out sorted.
    std::map<PublicKey, std::vector<SignedVote>> prevotes;
    std::map<PublicKey, std::vector<SignedVote>> precommits;
    size_t extra_blocks = 0;
  };

  // ---- events ----
  void on(const Started& e, std::vector<Action>& out) {
    if (started_) return;
    started_ = true;
    if (!e.validators.empty()) set_validators(e.validators);
    height_ = e.tip_height + 1;
    bool restored = false;
    for (const Bytes& record : e.wal_records) {
      std::optional<bool> r = replay(record);
      if (!r) {
        ++counters_.bad_wal_records;
        halted_ = true;
        return;
      }
      if (*r) height_records_.push_back(record);
      restored = restored || *r;
    }
    if (!restored) {
      begin_height(out);
      if (txs_before_start_) activate(out);
      return;
    }
    // Resume where the WAL says this node was: same round and step, its own messages again.
    active_ = true;
    ++counters_.rounds_started;
    arm(step_ == Step::kPropose   ? kTbftProposeTimer
        : step_ == Step::kPrevote ? kTbftPrevoteTimer
                                  : kTbftPrecommitTimer,
        out);
    for (const auto& [round, msg] : own_proposals_) {
      out.emplace_back(Broadcast{msg});
      const RoundProposal& p = proposals_.at(round);
      broadcast_polka(p.pol_round, p.hash, out);
    }
    for (const auto& [key, vote] : own_votes_) out.emplace_back(Broadcast{encode_vote(vote)});
    if (step_ == Step::kPropose && !own_proposals_.contains(round_)) propose(out);
    advance(out);
  }

  void on(const TxsAvailable&, std::vector<Action>& out) {
    if (!started_) txs_before_start_ = true;
    if (!started_ || active_ || decided_) return;
    activate(out);
  }

  void on(const TimerFired& e, std::vector<Action>& out) {
    if (!started_) return;
    auto it = armed_.find(e.timer_id);
    if (it == armed_.end()) return;
    const auto [height, round] = it->second;
    armed_.erase(it);
    if (height != height_ || decided_) return;
    if (e.timer_id == kTbftIdleTimer) {
      if (!active_) activate(out);
      return;
    }
    if (!active_ || round != round_) return;
    rebroadcast(out);
    if (e.timer_id == kTbftProposeTimer && step_ == Step::kPropose) {
      prevote(Hash{}, out);  // line 57
    } else if (e.timer_id == kTbftPrevoteTimer && step_ == Step::kPrevote) {
      precommit(Hash{}, out);  // line 61
    } else if (e.timer_id == kTbftPrecommitTimer) {
      start_round(round_ + 1, out);  // line 65
    }
    advance(out);
  }

  void on(const ProposalReady& e, std::vector<Action>& out) {
    if (!started_ || !proposing_ || e.height != height_) return;
    proposing_ = false;
    if (decided_ || e.block.size() > core::Block::kMaxEncodedBytes) return;
    Result<core::BlockHeader> header = block_header(e.block);
    if (!header.is_ok() || header->hash() != e.block_hash || header->height != e.height ||
        header->proposer != config_.self) {
      return;
    }
    BlockInfo& b = blocks_[e.block_hash];
    b.bytes = e.block;
    b.check = Check::kValid;  // the driver built and executed it
    ready_ = e.block_hash;
    if (!active_) {
      activate(out);  // proposes it
      return;
    }
    if (step_ == Step::kPropose) propose(out);
    advance(out);
  }

  void on(const ProposalEmpty& e, std::vector<Action>&) {
    if (started_ && proposing_ && e.height == height_) proposing_ = false;
  }

  void on(const BlockValidated& e, std::vector<Action>& out) {
    if (!started_ || e.height != height_) return;
    auto it = blocks_.find(e.block_hash);
    if (it == blocks_.end() || it->second.check != Check::kPending) return;
    it->second.check = e.valid ? Check::kValid : Check::kInvalid;
    if (!e.valid) ++counters_.invalid_proposals;
    advance(out);
  }

  void on(const BlockCommitted& e, std::vector<Action>& out) {
    if (!started_ || e.height < height_) return;
    if (e.height == height_ && decided_ && decided_hash_ == e.block_hash) {
      last_commit_ = std::move(decided_messages_);
      last_commit_height_ = e.height;
    } else {
      last_commit_.clear();
      last_commit_height_ = 0;
    }
    height_ = e.height + 1;
    if (!e.next_validators.empty()) set_validators(e.next_validators);
    // Messages held for this height are replayed once it has started.
    std::vector<std::pair<PublicKey, Bytes>> held = std::move(held_);
    held_.clear();
    held_count_.clear();
    begin_height(out);
    for (auto& [from, payload] : held) receive(from, payload, out);
  }

  void on(const MessageReceived& e, std::vector<Action>& out) {
    if (!started_) return;
    receive(e.from, e.payload, out);
  }

  // ---- messages ----
  void receive(const PublicKey& from, const Bytes& payload, std::vector<Action>& out) {
    if (!is_validator(from)) {
      ++counters_.unknown_senders;
      return;
    }
    std::optional<Message> m = decode(payload);
    if (!m) {
      ++counters_.malformed_messages;
      return;
    }
    const uint64_t h = m->height();
    if (h == height_ + 1) {
      hold(from, payload);
      return;
    }
    if (h + 1 == height_) {
      catch_up(from, m->round(), out);
      return;
    }
    if (h != height_ || decided_) return;
    const bool fresh =
        m->type == kMsgProposal ? on_proposal(m->proposal, payload, out) : on_vote(m->vote, out);
    if (!fresh) return;
    if (!active_) activate(out);  // a valid message of this height starts it
    advance(out);
  }

  // True when the proposal is valid and new.
  bool on_proposal(const Proposal& p, const Bytes& payload, std::vector<Action>& out) {
    const PublicKey& proposer = proposer_of(p.round);
    Result<core::BlockHeader> header = block_header(p.block);
    if (!header.is_ok() || header->height != height_) {
      ++counters_.invalid_proposals;
      return false;
    }
    const Hash hash = header->hash();
    if (p.round <= round_ + kRoundsAhead) {
      auto it = proposals_.find(p.round);
      if (it != proposals_.end() && it->second.hash == hash &&
          it->second.pol_round == p.pol_round) {
        return false;  // a copy
      }
    }
    const Hash msg = proposal_message(config_.chain_id, p.height, p.round, p.pol_round, hash);
    if (!core::verify(proposer, ByteSpan(msg.data(), msg.size()), p.signature)) {
      ++counters_.invalid_proposals;
      return false;
    }
    note_round(proposer, p.round);
    if (p.round > round_ + kRoundsAhead) return true;
    RoundVotes& rv = votes_[p.round];
    auto [it, first] = proposals_.emplace(p.round, RoundProposal{hash, p.pol_round, p.signature});
    if (!first && blocks_.find(hash) == blocks_.end() && rv.extra_blocks >= kExtraBlocksPerRound) {
      return true;  // counted towards the round skip; its block is not kept
    }
    if (!first && blocks_.find(hash) == blocks_.end()) ++rv.extra_blocks;
    BlockInfo& b = blocks_[hash];
    if (b.bytes.empty()) b.bytes = p.block;
    if (b.proposal.empty()) {
      b.proposal = payload;
      b.round = p.round;
    }
    if (first) request_check(hash, out);
    return true;
  }

  // True when the vote is valid and new.
  bool on_vote(const SignedVote& v, std::vector<Action>& out) {
    if (!is_validator(v.signer)) {
      ++counters_.malformed_messages;
      return false;
    }
    const bool kept = v.round <= round_ + kRoundsAhead;
    if (kept) {
      const auto& tally = tally_of(v.round, v.type);
      auto it = tally.find(v.signer);
      const size_t held = it == tally.end() ? 0 : it->second.size();
      for (size_t k = 0; k < held; ++k) {
        if (it->second[k].block_hash == v.block_hash) return false;  // a copy
      }
      // A double signer's votes all count (line 36 counts messages, and correct validators
      // sign one per round and type, so quorums still intersect in a correct one), but only
      // kVotesPerSigner of them, and beyond that only votes for nil or a block this node holds.
      if (held >= kVotesPerSigner && !v.is_nil() && !blocks_.contains(v.block_hash)) {
        return false;
      }
    }
    if (!v.verify(config_.chain_id)) {
      ++counters_.malformed_messages;
      return false;
    }
    note_round(v.signer, v.round);
    if (!kept) return true;
    std::vector<SignedVote>& held = tally_of(v.round, v.type)[v.signer];
    if (!held.empty() &&
        evidence_sent_.emplace(v.signer, static_cast<uint8_t>(v.type), v.round).second) {
      // Two valid conflicting votes: evidence, once per (signer, type, round) of this height.
      out.emplace_back(ReportEvidence{core::DoubleSignEvidence{held.front(), v}.encode()});
      ++counters_.evidence_reported;
    }
    held.push_back(v);
    return true;
  }

  void hold(const PublicKey& from, const Bytes& payload) {
    size_t& count = held_count_[from];
    if (count >= kHeldPerSender) return;
    for (const auto& [f, p] : held_) {
      if (f == from && p == payload) return;
    }
    ++count;
    held_.emplace_back(from, payload);
  }

  // A peer still at the height this node just committed: it is sent the proposal and the
  // precommits that decided it (its own messages of that height are the trigger, once per
  // round it is seen in).
  void catch_up(const PublicKey& from, uint32_t round, std::vector<Action>& out) {
    if (last_commit_.empty() || last_commit_height_ + 1 != height_ || from == config_.self) return;
    std::set<uint32_t>& sent = catch_ups_[from];
    if (sent.size() >= kCatchUpsPerPeer || !sent.insert(round).second) return;
    for (const Bytes& m : last_commit_) out.emplace_back(Send{from, m});
  }

  // ---- the algorithm ----
  void begin_height(std::vector<Action>& out) {
    round_ = 0;
    step_ = Step::kPropose;
    active_ = false;
    decided_ = false;
    decided_hash_ = Hash{};
    decided_messages_.clear();
    locked_round_ = -1;
    locked_hash_ = Hash{};
    valid_round_ = -1;
    valid_hash_ = Hash{};
    polka_round_ = -1;
    proposing_ = false;
    ready_.reset();
    blocks_.clear();
    proposals_.clear();
    votes_.clear();
    own_votes_.clear();
    own_proposals_.clear();
    height_records_.clear();
    latest_round_.clear();
    evidence_sent_.clear();
    catch_ups_.clear();
    armed_.clear();
    if (config_.params.empty_blocks) {
      armed_[kTbftIdleTimer] = {height_, 0};
      out.emplace_back(SetTimer{kTbftIdleTimer, config_.params.block_interval_ms});
    }
    // The round-0 proposer asks its driver at once: a block with txs starts the height, an
    // empty answer leaves it idle (nothing sent, no timer).
    if (self_validator_ && proposer_of(0) == config_.self) {
      proposing_ = true;
      out.emplace_back(RequestProposal{height_, 0, config_.params.empty_blocks, 0});
    }
  }

  void activate(std::vector<Action>& out) {
    if (active_) return;
    active_ = true;
    start_round(0, out);
    advance(out);
  }

  void start_round(uint32_t round, std::vector<Action>& out) {  // lines 11-21
    round_ = round;
    step_ = Step::kPropose;
    ++counters_.rounds_started;
    arm(kTbftProposeTimer, out);
    propose(out);
  }

  void propose(std::vector<Action>& out) {
    if (!self_validator_ || proposer_of(round_) != config_.self || decided_) return;
    auto own = own_proposals_.find(round_);
    if (own != own_proposals_.end()) {  // signed before a restart: the same one again
      out.emplace_back(Broadcast{own->second});
      return;
    }
    if (valid_round_ >= 0 && valid_round_ < static_cast<int64_t>(round_) &&
        has_bytes(valid_hash_)) {  // line 15
      sign_proposal(valid_hash_, static_cast<uint32_t>(valid_round_), out);
    } else if (ready_ && has_bytes(*ready_)) {
      sign_proposal(*ready_, kNoPolRound, out);
    } else if (!proposing_) {
      proposing_ = true;
      out.emplace_back(
          RequestProposal{height_, round_, round_ > 0 || config_.params.empty_blocks, 0});
    }
  }

  void sign_proposal(const Hash& hash, uint32_t pol_round, std::vector<Action>& out) {
    BlockInfo& b = blocks_.at(hash);
    Proposal p;
    p.height = height_;
    p.round = round_;
    p.pol_round = pol_round;
    p.block = b.bytes;
    p.signature =
        config_.signer(proposal_message(config_.chain_id, height_, round_, pol_round, hash));
    Bytes msg = encode_proposal(p);
    out.emplace_back(PersistWal{msg});
    height_records_.push_back(msg);
    out.emplace_back(Broadcast{msg});
    own_proposals_[round_] = msg;
    proposals_[round_] = RoundProposal{hash, pol_round, p.signature};
    broadcast_polka(pol_round, hash, out);
    if (b.proposal.empty()) {
      b.proposal = std::move(msg);
      b.round = round_;
    }
  }

  // Applies every rule of Algorithm 1 that holds, until none does.
  void advance(std::vector<Action>& out) {
    while (active_ && !decided_) {
      if (try_decide(out)) return;  // line 49
      const uint32_t skip = skip_round();
      if (skip > round_) {  // line 55
        start_round(skip, out);
        continue;
      }
      auto pit = proposals_.find(round_);
      const RoundProposal* p = pit == proposals_.end() ? nullptr : &pit->second;
      if (step_ == Step::kPropose && p != nullptr) {
        const bool fresh = p->pol_round == kNoPolRound;
        if (fresh || count(p->pol_round, VoteType::kPrevote, p->hash) >= quorum_) {
          const Check c = check_of(p->hash);
          if (c == Check::kValid || c == Check::kInvalid) {
            // lines 22-33: a fresh proposal may be prevoted unless locked on another block; a
            // re-proposal with a polka at pol_round also when that polka is not older than
            // the lock.
            const bool lock_ok = locked_round_ < 0 || locked_hash_ == p->hash ||
                                 (!fresh && locked_round_ <= static_cast<int64_t>(p->pol_round));
            prevote(c == Check::kValid && lock_ok ? p->hash : Hash{}, out);
            continue;
          }
        }
      }
      if (step_ != Step::kPropose && p != nullptr && polka_round_ != round_ &&
          check_of(p->hash) == Check::kValid &&
          count(round_, VoteType::kPrevote, p->hash) >= quorum_) {  // lines 36-43
        polka_round_ = round_;
        valid_round_ = round_;
        valid_hash_ = p->hash;
        if (step_ == Step::kPrevote) {
          locked_round_ = round_;
          locked_hash_ = p->hash;
          Bytes lock = encode_lock(LockRecord{height_, round_, p->hash, blocks_.at(p->hash).bytes,
                                              polka(round_, p->hash)});
          height_records_.push_back(lock);
          out.emplace_back(PersistWal{std::move(lock)});
          precommit(p->hash, out);
        }
        continue;
      }
      if (step_ == Step::kPrevote && count(round_, VoteType::kPrevote, Hash{}) >= quorum_) {
        precommit(Hash{}, out);  // lines 44-46
        continue;
      }
      if (total(round_, VoteType::kPrecommit) >= quorum_ && !armed_for(kTbftPrecommitTimer)) {
        arm(kTbftPrecommitTimer, out);  // line 47
      }
      return;
    }
  }

  // 2f+1 precommits of one round for a block held and validated: CommitBlock.
  bool try_decide(std::vector<Action>& out) {
    for (const auto& [round, rv] : votes_) {
      std::map<Hash, size_t> counts;
      for (const auto& [signer, votes] : rv.precommits) {
        for (const SignedVote& v : votes) {
          if (!v.is_nil()) ++counts[v.block_hash];
        }
      }
      for (const auto& [hash, n] : counts) {
        if (n < quorum_) continue;
        auto it = blocks_.find(hash);
        if (it == blocks_.end()) continue;  // waiting for its proposal
        if (it->second.check == Check::kUnchecked) request_check(hash, out);
        if (it->second.check != Check::kValid) continue;
        CommitBlock c;
        c.height = height_;
        c.block_hash = hash;
        c.cert.kind = core::CommitCert::Kind::kTbft;
        c.cert.round = round;
        for (const auto& [signer, votes] : rv.precommits) {
          for (const SignedVote& v : votes) {
            if (v.block_hash != hash) continue;
            c.cert.votes.push_back(core::CommitVote{signer, v.signature});
            decided_messages_.push_back(encode_vote(v));
          }
        }
        if (!it->second.proposal.empty()) {
          decided_messages_.insert(decided_messages_.begin(), it->second.proposal);
        }
        c.block = it->second.bytes;
        decided_ = true;
        decided_hash_ = hash;
        out.emplace_back(std::move(c));
        return true;
      }
    }
    return false;
  }

  // The highest round that f+1 other validators have been seen in (any signed message), where
  // f = (n-1)/3 is the most faulty validators n tolerates: among f+1 at least one is correct.
  // (Not "more than n/3": with n = 3, f = 0, that asked for two, so one validator that went on
  // alone through rounds while the others were down could never pull them to its round, nor
  // wait for them — a 3-validator chain stalled after all three restarted.)
  uint32_t skip_round() const {
    const size_t need = (validators_.size() - 1) / 3 + 1;
    if (latest_round_.size() < need) return 0;
    std::vector<uint32_t> rounds;
    for (const auto& [key, r] : latest_round_) rounds.push_back(r);
    std::sort(rounds.begin(), rounds.end(), std::greater<>());
    return rounds[need - 1];
  }

  void note_round(const PublicKey& who, uint32_t round) {
    if (who == config_.self) return;
    uint32_t& r = latest_round_[who];
    r = std::max(r, round);
  }

  void prevote(const Hash& hash, std::vector<Action>& out) {
    sign_vote(VoteType::kPrevote, hash, out);
    step_ = Step::kPrevote;
    arm(kTbftPrevoteTimer, out);
  }

  void precommit(const Hash& hash, std::vector<Action>& out) {
    sign_vote(VoteType::kPrecommit, hash, out);
    step_ = Step::kPrecommit;
    if (!armed_for(kTbftPrecommitTimer)) arm(kTbftPrecommitTimer, out);
  }

  // Signs, persists and broadcasts this node's vote of the current round; a vote signed
  // before (this run or, from the WAL, an earlier one) is sent again instead, whatever the
  // rules now say: a validator never signs two votes for one (height, round, type).
  void sign_vote(VoteType type, const Hash& hash, std::vector<Action>& out) {
    if (!self_validator_) return;
    const auto key = std::make_pair(round_, static_cast<uint8_t>(type));
    auto it = own_votes_.find(key);
    if (it != own_votes_.end()) {
      out.emplace_back(Broadcast{encode_vote(it->second)});
      return;
    }
    SignedVote v;
    v.type = type;
    v.height = height_;
    v.round = round_;
    v.block_hash = hash;
    v.signer = config_.self;
    v.signature = config_.signer(v.message(config_.chain_id));
    Bytes msg = encode_vote(v);
    out.emplace_back(PersistWal{msg});
    height_records_.push_back(msg);
    out.emplace_back(Broadcast{std::move(msg)});
    own_votes_.emplace(key, v);
    tally_of(round_, type)[config_.self].push_back(v);
  }

  // The prevotes for hash in round that this node holds (sorted by signer).
  std::vector<SignedVote> polka(uint32_t round, const Hash& hash) const {
    std::vector<SignedVote> found;
    auto it = votes_.find(round);
    if (it == votes_.end()) return found;
    for (const auto& [signer, votes] : it->second.prevotes) {
      for (const SignedVote& v : votes) {
        if (v.block_hash == hash) found.push_back(v);
      }
    }
    return found;
  }

  // A proposal of an earlier round's valid block travels with the prevotes that made it valid
  // (others may have missed them, and cannot prevote it without them: line 28).
  void broadcast_polka(uint32_t pol_round, const Hash& hash, std::vector<Action>& out) {
    if (pol_round == kNoPolRound) return;
    for (const SignedVote& v : polka(pol_round, hash)) {
      out.emplace_back(Broadcast{encode_vote(v)});
    }
  }

  // On a timeout: this round's proposal and votes again (the transport may have lost them).
  void rebroadcast(std::vector<Action>& out) {
    auto p = own_proposals_.find(round_);
    if (p != own_proposals_.end()) {
      out.emplace_back(Broadcast{p->second});
      auto rp = proposals_.find(round_);
      if (rp != proposals_.end()) broadcast_polka(rp->second.pol_round, rp->second.hash, out);
    }
    for (uint8_t t : {uint8_t{1}, uint8_t{2}}) {
      auto v = own_votes_.find(std::make_pair(round_, t));
      if (v != own_votes_.end()) out.emplace_back(Broadcast{encode_vote(v->second)});
    }
  }

  void request_check(const Hash& hash, std::vector<Action>& out) {
    BlockInfo& b = blocks_.at(hash);
    if (b.check != Check::kUnchecked) return;
    b.check = Check::kPending;
    out.emplace_back(ValidateBlock{height_, b.round, hash, b.bytes});
  }

  // ---- the WAL ----
  // nullopt: the record does not decode. true: it is about the current height.
  std::optional<bool> replay(const Bytes& record) {
    if (!record.empty() && record[0] == kRecordLock) {
      std::optional<LockRecord> l = decode_lock(record);
      if (!l) return std::nullopt;
      if (l->height != height_) return false;
      if (static_cast<int64_t>(l->round) >= locked_round_) {
        locked_round_ = l->round;
        locked_hash_ = l->hash;
        valid_round_ = l->round;
        valid_hash_ = l->hash;
        BlockInfo& b = blocks_[l->hash];
        b.bytes = l->block;
        b.check = Check::kValid;
        b.round = l->round;
      }
      for (const SignedVote& v : l->polka) add_replayed(v);
      resume_at(l->round, Step::kPropose);
      return true;
    }
    std::optional<Message> m = decode(record);
    if (!m) return std::nullopt;
    if (m->height() != height_) return false;
    if (m->type == kMsgProposal) {
      Result<core::BlockHeader> header = block_header(m->proposal.block);
      if (!header.is_ok()) return std::nullopt;
      const Hash hash = header->hash();
      const Proposal& p = m->proposal;
      own_proposals_[p.round] = record;
      proposals_[p.round] = RoundProposal{hash, p.pol_round, p.signature};
      BlockInfo& b = blocks_[hash];
      b.bytes = p.block;
      b.check = Check::kValid;  // this node proposed it: its driver built or validated it
      b.round = p.round;
      b.proposal = record;
      resume_at(p.round, Step::kPropose);
      return true;
    }
    const SignedVote& v = m->vote;
    if (v.signer != config_.self) return std::nullopt;
    own_votes_[std::make_pair(v.round, static_cast<uint8_t>(v.type))] = v;
    add_replayed(v);
    resume_at(v.round, v.type == VoteType::kPrevote ? Step::kPrevote : Step::kPrecommit);
    return true;
  }

  void add_replayed(const SignedVote& v) {
    std::vector<SignedVote>& held = tally_of(v.round, v.type)[v.signer];
    for (const SignedVote& h : held) {
      if (h.block_hash == v.block_hash) return;
    }
    held.push_back(v);
  }

  void resume_at(uint32_t round, Step step) {
    if (round > round_) {
      round_ = round;
      step_ = step;
    } else if (round == round_ && step > step_) {
      step_ = step;
    }
  }

  // ---- helpers ----
  void set_validators(const std::vector<PublicKey>& validators) {
    validators_ = validators;
    quorum_ = validators_.size() * 2 / 3 + 1;
    self_validator_ = is_validator(config_.self);
  }

  bool is_validator(const PublicKey& key) const {
    return std::find(validators_.begin(), validators_.end(), key) != validators_.end();
  }

  const PublicKey& proposer_of(uint32_t round) const {
    return validators_[(height_ + round) % validators_.size()];
  }

  std::map<PublicKey, std::vector<SignedVote>>& tally_of(uint32_t round, VoteType type) {
    RoundVotes& rv = votes_[round];
    return type == VoteType::kPrevote ? rv.prevotes : rv.precommits;
  }

  size_t count(uint32_t round, VoteType type, const Hash& hash) const {
    auto it = votes_.find(round);
    if (it == votes_.end()) return 0;
    const auto& tally = type == VoteType::kPrevote ? it->second.prevotes : it->second.precommits;
    size_t n = 0;
    for (const auto& [signer, votes] : tally) {
      for (const SignedVote& v : votes) n += v.block_hash == hash ? 1 : 0;
    }
    return n;
  }

  size_t total(uint32_t round, VoteType type) const {
    auto it = votes_.find(round);
    if (it == votes_.end()) return 0;
    return type == VoteType::kPrevote ? it->second.prevotes.size() : it->second.precommits.size();
  }

  Check check_of(const Hash& hash) const {
    auto it = blocks_.find(hash);
    return it == blocks_.end() ? Check::kUnchecked : it->second.check;
  }

  bool has_bytes(const Hash& hash) const {
    auto it = blocks_.find(hash);
    return it != blocks_.end() && !it->second.bytes.empty();
  }

  uint64_t timeout_ms(uint64_t timer_id) const {
    const uint64_t base =
        timer_id == kTbftProposeTimer ? config_.tbft_propose_ms : config_.tbft_vote_ms;
    const uint64_t r = std::min<uint64_t>(round_, 1u << 20);  // no overflow, however long
    return base + r * config_.tbft_delta_ms;
  }

  void arm(uint64_t timer_id, std::vector<Action>& out) {
    armed_[timer_id] = {height_, round_};
    out.emplace_back(SetTimer{timer_id, timeout_ms(timer_id)});
  }

  bool armed_for(uint64_t timer_id) const {
    auto it = armed_.find(timer_id);
    return it != armed_.end() && it->second == std::make_pair(height_, round_);
  }

  const EngineConfig config_;
  EngineCounters counters_;
  bool started_ = false;
  bool halted_ = false;
  bool txs_before_start_ = false;

  // The validator set of the current height.
  std::vector<PublicKey> validators_;
  size_t quorum_ = 1;
  bool self_validator_ = false;

  // The current height. Everything below is cleared when it changes.
  uint64_t height_ = 0;
  uint32_t round_ = 0;
  Step step_ = Step::kPropose;
  bool active_ = false;   // not idle: rounds and timers run
  bool decided_ = false;  // CommitBlock went out; waiting for BlockCommitted
  Hash decided_hash_{};
  std::vector<Bytes> decided_messages_;  // its proposal and precommits, for catch-up
  int64_t locked_round_ = -1;
  Hash locked_hash_{};
  int64_t valid_round_ = -1;
  Hash valid_hash_{};
  int64_t polka_round_ = -1;   // the round whose polka was acted on (line 36 "first time")
  bool proposing_ = false;     // a RequestProposal is unanswered
  std::optional<Hash> ready_;  // the block this node's driver built for this height
  std::map<Hash, BlockInfo> blocks_;
  std::map<uint32_t, RoundProposal> proposals_;  // round -> its first valid proposal
  std::map<uint32_t, RoundVotes> votes_;         // rounds up to round_ + kRoundsAhead
  std::map<std::pair<uint32_t, uint8_t>, SignedVote> own_votes_;  // (round, type)
  std::map<uint32_t, Bytes> own_proposals_;                       // round -> message
  std::vector<Bytes> height_records_;  // every WAL record of height_, in order (wal_checkpoint)
  std::map<PublicKey, uint32_t> latest_round_;  // other validators: latest round seen
  std::set<std::tuple<PublicKey, uint8_t, uint32_t>> evidence_sent_;
  std::map<PublicKey, std::set<uint32_t>> catch_ups_;
  std::map<uint64_t, std::pair<uint64_t, uint32_t>> armed_;  // timer -> (height, round)

  // Messages of height_ + 1, replayed when it starts.
  std::vector<std::pair<PublicKey, Bytes>> held_;
  std::map<PublicKey, size_t> held_count_;
  // The proposal and precommits that decided height_ - 1 (catch-up answers).
  std::vector<Bytes> last_commit_;
  uint64_t last_commit_height_ = 0;
};

}  // namespace

Result<std::unique_ptr<Engine>> make_tbft_engine(EngineConfig config) {
  if (config.chain_id.empty()) return Status::invalid("tbft consensus: chain_id is empty");
  if (!config.signer) return Status::invalid("tbft consensus: no signer for the validator key");
  std::set<PublicKey> distinct(config.validators.begin(), config.validators.end());
  if (distinct.size() != config.validators.size()) {
    return Status::invalid("tbft consensus: a validator is listed twice");
  }
  // A node outside the set follows without voting until governance adds it (set_validators
  // takes effect at a height; BlockCommitted::next_validators brings it).
  if (config.tbft_propose_ms == 0 || config.tbft_vote_ms == 0 || config.tbft_delta_ms == 0) {
    return Status::invalid("tbft consensus: every timeout must be positive");
  }
  if (config.params.empty_blocks && config.params.block_interval_ms == 0) {
    return Status::invalid("tbft consensus: empty_blocks needs a positive block_interval_ms");
  }
  return std::unique_ptr<Engine>(std::make_unique<TbftEngine>(std::move(config)));
}

const EngineKind& tbft_engine_kind() {
  static const BuiltinEngineKind kKind({"tbft", core::CommitCert::Kind::kTbft, /*networked=*/true,
                                        /*needs_wal=*/true, /*needs_proposal_bytes=*/true,
                                        /*needs_next_validators=*/true,
                                        core::ValidatorChanges::kAny, &make_tbft_engine});
  return kKind;
}

}  // namespace silk::consensus
