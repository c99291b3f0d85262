// Which peer block sync asks, and when (docs/network.md "Block sync"). A peer's claimed height is
// a hint, not a fact: a peer that claims to be ahead and then does not deliver — no answer within
// the request timeout, an empty answer, or blocks that do not move this node's tip — is set aside
// for a penalty that doubles with each strike, and the next request goes to another peer. Among
// the peers that claim to be ahead, the one with the lowest claim is asked first (a liar claiming
// 2^63 is the last choice, not the first), fewer strikes first.
//
// Pure: no I/O, no clock of its own (time is passed in), no lock (PeerNetwork holds its mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "silk/core/crypto.h"

namespace silk::node {

class SyncPlan {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::chrono::milliseconds request_timeout{2000};
    std::chrono::milliseconds penalty{5000};        // after the first strike; doubles
    std::chrono::milliseconds max_penalty{300000};  // at most
  };
  struct Request {
    core::PublicKey peer{};
    uint64_t from = 0;
  };
  struct Counters {
    uint64_t timeouts = 0;         // requests not answered within the timeout
    uint64_t empty_answers = 0;    // peers that claimed more and sent nothing
    uint64_t no_progress = 0;      // answers whose blocks did not move the tip
    uint64_t strikes = 0;          // all of the above
  };

  SyncPlan() : SyncPlan(Options{}) {}
  explicit SyncPlan(Options options) : options_(options) {}

  // A peer's status frame: its claimed tip.
  void on_status(const core::PublicKey& peer, uint64_t height);
  // The peer is gone (disconnected): forget its claim.
  void forget(const core::PublicKey& peer);

  // The request to send now, if any, given this node's tip; records it as in flight. Also ends a
  // request that timed out (a strike) and judges the last answer (no progress: a strike).
  std::optional<Request> next(uint64_t my_height, Clock::time_point now);
  // An answer from `peer`: `count` blocks up to height `last` (0 when none).
  void on_blocks(const core::PublicKey& peer, uint32_t count, uint64_t last, uint64_t my_height,
                 Clock::time_point now);
  // The request could not be sent.
  void on_send_failed(const core::PublicKey& peer);

  std::optional<uint64_t> claimed(const core::PublicKey& peer) const;
  bool penalised(const core::PublicKey& peer, Clock::time_point now) const;
  std::map<core::PublicKey, uint64_t> claims() const;
  const Counters& counters() const { return counters_; }

 private:
  struct Peer {
    uint64_t claimed = 0;
    uint32_t strikes = 0;
    Clock::time_point penalised_until{};
  };
  void strike(const core::PublicKey& peer, Clock::time_point now);

  Options options_;
  std::map<core::PublicKey, Peer> peers_;
  // The request in flight.
  std::optional<Request> in_flight_;
  Clock::time_point deadline_{};
  // The last answer with blocks, judged at the next request: did the tip pass `from`?
  struct Delivered {
    core::PublicKey peer{};
    uint64_t from = 0;  // the first height it delivered
    uint64_t last = 0;
    Clock::time_point at{};
  };
  std::optional<Delivered> delivered_;
  Counters counters_;
};

}  // namespace silk::node
