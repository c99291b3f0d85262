#include "silk/node/sync_plan.h"

#include <algorithm>
#include <tuple>

namespace silk::node {

void SyncPlan::on_status(const core::PublicKey& peer, uint64_t height) {
  peers_[peer].claimed = height;
}

void SyncPlan::forget(const core::PublicKey& peer) {
  peers_.erase(peer);
  if (in_flight_ && in_flight_->peer == peer) in_flight_.reset();
  if (delivered_ && delivered_->peer == peer) delivered_.reset();
}

void SyncPlan::strike(const core::PublicKey& peer, Clock::time_point now) {
  auto it = peers_.find(peer);
  ++counters_.strikes;
  if (it == peers_.end()) return;
  Peer& p = it->second;
  p.strikes = std::min<uint32_t>(p.strikes + 1, 30);
  auto penalty = options_.penalty;
  for (uint32_t i = 1; i < p.strikes && penalty < options_.max_penalty; ++i) penalty *= 2;
  p.penalised_until = now + std::min(penalty, options_.max_penalty);
}

std::optional<SyncPlan::Request> SyncPlan::next(uint64_t my_height, Clock::time_point now) {
  if (in_flight_) {
    if (now < deadline_) return std::nullopt;
    ++counters_.timeouts;
    strike(in_flight_->peer, now);
    in_flight_.reset();
  }
  // Judge the last answer: its blocks must move the tip (the driver checks each certificate and
  // drops what does not verify), within a request timeout of their arrival.
  if (delivered_) {
    if (my_height >= delivered_->from) {
      if (auto it = peers_.find(delivered_->peer); it != peers_.end()) it->second.strikes = 0;
      if (my_height >= delivered_->last) delivered_.reset();
    } else if (now - delivered_->at >= options_.request_timeout) {
      ++counters_.no_progress;
      strike(delivered_->peer, now);
      delivered_.reset();
    }
  }
  // Ask past what is delivered but not yet applied (pipelining).
  const uint64_t base = std::max(my_height, delivered_ ? delivered_->last : 0);
  const core::PublicKey* best = nullptr;
  std::tuple<uint32_t, uint64_t> best_rank{};
  for (const auto& [key, p] : peers_) {
    if (p.claimed <= base || p.penalised_until > now) continue;
    const std::tuple<uint32_t, uint64_t> rank{p.strikes, p.claimed};
    if (best == nullptr || rank < best_rank) {
      best = &key;
      best_rank = rank;
    }
  }
  if (best == nullptr) return std::nullopt;
  in_flight_ = Request{*best, base + 1};
  deadline_ = now + options_.request_timeout;
  return in_flight_;
}

void SyncPlan::on_blocks(const core::PublicKey& peer, uint32_t count, uint64_t last,
                         uint64_t my_height, Clock::time_point now) {
  if (!in_flight_ || in_flight_->peer != peer) return;  // not asked, or asked too long ago
  const uint64_t from = in_flight_->from;
  in_flight_.reset();
  if (count == 0 || last < from) {
    auto it = peers_.find(peer);
    if (it != peers_.end() && it->second.claimed >= from && my_height < from) {
      ++counters_.empty_answers;
      strike(peer, now);
    }
    return;
  }
  delivered_ = Delivered{peer, from, last, now};
}

void SyncPlan::on_send_failed(const core::PublicKey& peer) {
  if (in_flight_ && in_flight_->peer == peer) in_flight_.reset();
}

std::optional<uint64_t> SyncPlan::claimed(const core::PublicKey& peer) const {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return std::nullopt;
  return it->second.claimed;
}

bool SyncPlan::penalised(const core::PublicKey& peer, Clock::time_point now) const {
  auto it = peers_.find(peer);
  return it != peers_.end() && it->second.penalised_until > now;
}

std::map<core::PublicKey, uint64_t> SyncPlan::claims() const {
  std::map<core::PublicKey, uint64_t> out;
  for (const auto& [key, p] : peers_) out.emplace(key, p.claimed);
  return out;
}

}  // namespace silk::node
