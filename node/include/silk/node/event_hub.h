// The event stream's fan-out (docs/api.md "Events"): committed blocks, their
// txs and their contract events, as JSON messages, to any number of
// subscribers (the WebSocket sessions of event_stream.h).
//
//   ChainDriver (driver thread) --publish(block, receipts)--> EventHub
//   EventHub --bounded queue per subscriber, wake()--> session (I/O thread)
//
// A subscriber that asks for history replays it from the store itself, at
// its own pace, then hands over to the hub with go_live(): the hub publishes
// blocks in height order and lets a subscriber go live only when no block at
// or above its next height has been published yet, so the switch has no gap
// and no duplicate. A subscriber whose queue grows past max_queue_bytes is
// dropped: its queue is discarded and its next pop() reports the height to
// resume from. publish() never waits for a subscriber.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "silk/core/block.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"

namespace silk::node {

// One message of the stream, serialised once and shared by the subscribers.
struct EventMessage {
  enum class Type : uint8_t { kBlock, kTx, kEvent };
  Type type = Type::kBlock;
  uint64_t height = 0;
  std::string contract;  // the tx's or event's contract; empty for a block
  std::shared_ptr<const std::string> text;
};

// What a subscriber wants: `types=block,tx,event` and `contract=`. The
// contract filter applies to tx and event messages; block messages always
// pass it (they mark progress, and the height a client resumes from).
struct EventFilter {
  bool blocks = true;
  bool txs = true;
  bool events = true;
  std::string contract;  // empty: every contract

  bool accepts(const EventMessage& m) const;
  // `types` is a comma-separated subset of block, tx, event (empty: all).
  // kInvalid naming an unknown type, or an empty or overlong contract.
  static core::Result<EventFilter> parse(const std::string* types, const std::string* contract);
};

// The messages of one committed block, in order: the block, then per tx its
// tx message followed by its contract events. `receipts[i]` is tx i's.
//   {"type":"block","height","hash","timestamp_ms","tx_count","proposer"}
//   {"type":"tx","height","index","tx_id","sender","contract","method","ok","error"?}
//   {"type":"event","height","index","tx_id","contract","name","data"}
std::vector<EventMessage> block_messages(const core::Block& block,
                                         const std::vector<core::Receipt>& receipts);

// {"type":"error","message": message, "resume_height"?: height}
std::string error_message_json(const std::string& message, std::optional<uint64_t> resume_height);

class EventHub;

// One subscriber's state in the hub. Owned jointly by the hub (while
// subscribed) and the session; everything in it is guarded by the hub's mutex.
class EventSubscriber {
 public:
  EventSubscriber(EventFilter filter, std::function<void()> wake)
      : filter_(std::move(filter)), wake_(std::move(wake)) {}
  const EventFilter& filter() const { return filter_; }

 private:
  friend class EventHub;
  const EventFilter filter_;
  const std::function<void()> wake_;  // called with the hub's mutex held; must be quick
  bool live_ = false;
  bool subscribed_ = true;
  bool notified_ = false;                  // wake_ called since the last pop()
  bool closed_ = false;                    // hub shutting down
  uint64_t next_height_ = 0;               // live: the next block it gets
  std::optional<uint64_t> overflowed_at_;  // dropped; resume from this height
  std::deque<std::pair<uint64_t, std::shared_ptr<const std::string>>> queue_;  // height, text
  size_t queue_bytes_ = 0;
};

class EventHub {
 public:
  static constexpr size_t kDefaultMaxQueueBytes = size_t{8} << 20;

  // `published_height`: the height already committed when the hub starts
  // (the store's tip); the first publish() is for the block after it.
  explicit EventHub(uint64_t published_height, size_t max_queue_bytes = kDefaultMaxQueueBytes);
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Fans a committed block out to the live subscribers. Calls must come from
  // one thread (the driver's), in height order, each block after it is
  // stored. Quick when nobody listens (a counter); otherwise it serialises
  // the block's messages once and appends them to each live queue. Never
  // blocks on a subscriber. Thread-safe with everything else.
  void publish(const core::Block& block, const std::vector<core::Receipt>& receipts);

  // A new subscriber. `wake` is called (with the hub's mutex held: it must
  // only post work, e.g. asio::post) when messages, an overflow or shutdown
  // wait for pop(); it is called again only after a pop(). Without
  // `from_height` it is live at once: it gets every block published after
  // this call. With it, it starts replaying: see go_live(). After shutdown()
  // the subscriber is born closed.
  std::shared_ptr<EventSubscriber> subscribe(std::optional<uint64_t> from_height,
                                             EventFilter filter, std::function<void()> wake);

  // The replay handshake. The subscriber has sent every block below
  // `next_height`. If none at or above it was published yet, it becomes live
  // (it gets every block from next_height on, without gap or duplicate) and
  // this returns nullopt. Otherwise it returns the published height: replay
  // blocks up to it from the store (they are stored), then ask again.
  std::optional<uint64_t> go_live(EventSubscriber& subscriber, uint64_t next_height);

  struct Message {
    uint64_t height;
    std::shared_ptr<const std::string> text;
  };
  struct Batch {
    std::vector<Message> messages;  // in order, whole blocks
    uint64_t next_height = 0;       // live: every block below it was in this or an earlier batch
    std::optional<uint64_t> overflowed_at;  // dropped: after `messages`, report and close
    bool closed = false;                    // the hub shuts down: close
  };
  // Takes everything queued for the subscriber. Thread-safe.
  Batch pop(EventSubscriber& subscriber);

  // Removes the subscriber (idempotent). Thread-safe.
  void unsubscribe(EventSubscriber& subscriber);

  // Closes every subscriber (their next pop() says closed), refuses new
  // ones, and waits up to `grace` for the sessions to unsubscribe. Idempotent.
  void shutdown(std::chrono::milliseconds grace);

  uint64_t published_height() const;
  size_t max_queue_bytes() const { return max_queue_bytes_; }
  size_t subscriber_count() const;

 private:
  void wake_locked(EventSubscriber& s);

  const size_t max_queue_bytes_;
  mutable std::mutex mu_;       // guards everything below and every subscriber's state
  std::condition_variable cv_;  // subscribers_ shrank
  uint64_t published_height_;
  size_t live_count_ = 0;
  bool shut_down_ = false;
  std::vector<std::shared_ptr<EventSubscriber>> subscribers_;
};

}  // namespace silk::node
