// The solo engine (see the protocol in engine.h).
#include <string>
#include <utility>

#include "engine_kind_impl.h"
#include "silk/consensus/engine.h"

namespace silk::consensus {
namespace {

using core::Result;
using core::Status;

class SoloEngine final : public Engine {
 public:
  explicit SoloEngine(EngineConfig config) : config_(std::move(config)) {}

  const EngineKind& kind() const override { return solo_engine_kind(); }

  std::vector<Action> step(const Event& event) override {
    std::vector<Action> actions;
    std::visit([&](const auto& e) { on(e, actions); }, event);
    return actions;
  }

 private:
  void on(const Started& e, std::vector<Action>& out) {
    if (started_) return;
    started_ = true;
    tip_ = e.tip_height;
    if (config_.params.empty_blocks) arm_timer(out);
    if (txs_pending_) request(out, /*allow_empty=*/false);
  }

  void on(const TxsAvailable&, std::vector<Action>& out) {
    if (!started_ || in_flight_) {
      txs_pending_ = true;
      return;
    }
    request(out, /*allow_empty=*/false);
  }

  void on(const TimerFired& e, std::vector<Action>& out) {
    // Without empty_blocks the timer is never set: a stray one is ignored.
    if (!started_ || e.timer_id != kSoloProposeTimer || !config_.params.empty_blocks) return;
    if (in_flight_) return;
    request(out, /*allow_empty=*/true);
  }

  void on(const ProposalReady& e, std::vector<Action>& out) {
    if (!in_flight_ || committing_ || e.height != tip_ + 1) return;
    committing_ = true;
    block_had_txs_ = e.tx_count > 0;
    CommitBlock commit;
    commit.height = e.height;
    commit.block_hash = e.block_hash;
    commit.cert.kind = core::CommitCert::Kind::kSolo;
    commit.cert.round = 0;
    const core::Hash message = core::commit_message(config_.chain_id, e.height, 0, e.block_hash);
    commit.cert.votes.push_back(core::CommitVote{config_.self, config_.signer(message)});
    out.emplace_back(std::move(commit));
  }

  void on(const ProposalEmpty& e, std::vector<Action>& out) {
    if (!in_flight_ || committing_ || e.height != tip_ + 1) return;
    in_flight_ = false;
    settle(out, /*more_txs_likely=*/false);
  }

  void on(const BlockCommitted& e, std::vector<Action>& out) {
    if (!started_ || e.height <= tip_) return;
    // A commit of the block in flight, or (defensively) of any later height:
    // either way nothing of ours is in flight any more.
    const bool had_txs = committing_ && e.height == tip_ + 1 && block_had_txs_;
    tip_ = e.height;
    in_flight_ = false;
    committing_ = false;
    block_had_txs_ = false;
    settle(out, had_txs);
  }

  void on(const MessageReceived&, std::vector<Action>&) {}
  void on(const BlockValidated&, std::vector<Action>&) {}  // solo never asks for validation

  // After a block settles: ask again at once if txs are (likely) waiting,
  // and keep the empty-block clock going.
  void settle(std::vector<Action>& out, bool more_txs_likely) {
    if (txs_pending_ || more_txs_likely) request(out, /*allow_empty=*/false);
    if (config_.params.empty_blocks) arm_timer(out);
  }

  void request(std::vector<Action>& out, bool allow_empty) {
    in_flight_ = true;
    txs_pending_ = false;
    out.emplace_back(RequestProposal{tip_ + 1, 0, allow_empty});
  }

  void arm_timer(std::vector<Action>& out) {
    out.emplace_back(SetTimer{kSoloProposeTimer, config_.params.block_interval_ms});
  }

  const EngineConfig config_;
  bool started_ = false;
  uint64_t tip_ = 0;
  bool in_flight_ = false;      // a RequestProposal is outstanding, or its block is committing
  bool committing_ = false;     // CommitBlock was issued for tip_ + 1
  bool block_had_txs_ = false;  // the block being committed holds txs
  bool txs_pending_ = false;    // TxsAvailable arrived and no request has covered it yet
};

}  // namespace

Result<std::unique_ptr<Engine>> make_solo_engine(EngineConfig config) {
  if (config.validators.size() != 1 || config.validators.front() != config.self) {
    std::string listed;
    for (const core::PublicKey& v : config.validators) {
      listed += (listed.empty() ? "" : ", ") + core::to_hex(v);
    }
    return Status::invalid("solo consensus needs exactly one validator, this node (" +
                           core::to_hex(config.self) + "); validators are [" + listed + "]");
  }
  if (!config.signer) return Status::invalid("solo consensus: no signer for the validator key");
  if (config.chain_id.empty()) return Status::invalid("solo consensus: chain_id is empty");
  if (config.params.empty_blocks && config.params.block_interval_ms == 0) {
    return Status::invalid(
        "consensus.block_interval_ms must be positive when consensus.empty_blocks is on");
  }
  return std::unique_ptr<Engine>(std::make_unique<SoloEngine>(std::move(config)));
}

const EngineKind& solo_engine_kind() {
  static const BuiltinEngineKind kKind({"solo", core::CommitCert::Kind::kSolo, /*networked=*/false,
                                        /*needs_wal=*/false, /*needs_proposal_bytes=*/false,
                                        /*needs_next_validators=*/false,
                                        core::ValidatorChanges::kNever, &make_solo_engine});
  return kKind;
}

}  // namespace silk::consensus
