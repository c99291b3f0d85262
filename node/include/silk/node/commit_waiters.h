// Waiting for txs to commit, without blocking a thread: the RPC's "wait": true.
//
// A wait registers one entry per tx_id. The chain driver completes entries
// after each block is durably stored; a steady_timer on the waiter's executor
// races it and answers "not committed within N ms; tx is still pending". The
// handler of a wait runs exactly once, posted to the executor the wait named.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"
#include "silk/node/mempool.h"

namespace silk::node {

// Where a committed tx landed, with its receipt.
struct CommitInfo {
  uint64_t height = 0;
  uint32_t index = 0;
  core::Receipt receipt;
};

class CommitWaiters {
 public:
  using Outcome = core::Result<CommitInfo>;
  // One outcome per tx_id of the wait, in the same order.
  using Handler = std::function<void(std::vector<Outcome>)>;
  // Finds a tx that is already committed; nullopt when it is not. Called on
  // the thread that calls wait(); must be thread-safe.
  using Lookup = std::function<std::optional<CommitInfo>(const core::Hash& tx_id)>;

  // `lookup` closes the race between a tx committing and its wait being
  // registered: wait() registers first, then looks each tx up.
  explicit CommitWaiters(Lookup lookup);
  // Completes what is still waiting as shutdown() does.
  ~CommitWaiters();
  CommitWaiters(const CommitWaiters&) = delete;
  CommitWaiters& operator=(const CommitWaiters&) = delete;

  // Waits for `tx_ids` to commit, at most `timeout`, then posts
  // handler(outcomes) to `executor`. Outcome i is the CommitInfo of tx i, or
  // kUnavailable "not committed within N ms; tx is still pending", or
  // kUnavailable "node is shutting down". Returns at once. The timer runs on
  // `executor`; call wait() on that executor (an RPC session's strand) so
  // the timer is only touched there. Thread-safe otherwise.
  void wait(boost::asio::any_io_executor executor, std::vector<core::Hash> tx_ids,
            std::chrono::milliseconds timeout, Handler handler);

  // Completes the waits of the txs in a block that is now durably stored.
  // tx_ids and receipts are the block's, in block order. Cheap when nobody
  // waits. Thread-safe.
  void notify_committed(uint64_t height, const std::vector<core::Hash>& tx_ids,
                        const std::vector<core::Receipt>& receipts);

  // Answers every registered wait with kUnavailable "node is shutting down",
  // and every later wait() the same way, at once. Thread-safe, idempotent.
  void shutdown();

  // True once shutdown() ran: a kUnavailable outcome then means "shutting
  // down" rather than "timed out". Thread-safe.
  bool shut_down() const;

  // How many (tx, wait) entries are registered. Thread-safe.
  size_t size() const;

 private:
  struct Group;
  struct Registry;

  const Lookup lookup_;
  // The registered entries; shared with the timers' handlers, so a timer
  // that fires late never touches a destroyed CommitWaiters.
  const std::shared_ptr<Registry> registry_;
};

}  // namespace silk::node
