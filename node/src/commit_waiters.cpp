#include "silk/node/commit_waiters.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>
#include <unordered_map>
#include <utility>

namespace silk::node {

namespace asio = boost::asio;
using core::Hash;
using core::Status;

// One wait(): its txs, their outcomes so far, its timer and its handler.
struct CommitWaiters::Group {
  Group(asio::any_io_executor ex, std::vector<Hash> ids, std::chrono::milliseconds timeout,
        Handler h)
      : executor(std::move(ex)),
        timer(executor),
        tx_ids(std::move(ids)),
        timeout_ms(timeout.count()),
        outcomes(tx_ids.size()),
        remaining(tx_ids.size()),
        handler(std::move(h)) {}

  const asio::any_io_executor executor;
  asio::steady_timer timer;  // touched only on `executor`
  const std::vector<Hash> tx_ids;
  const int64_t timeout_ms;

  std::mutex mu;  // guards the fields below
  std::vector<std::optional<Outcome>> outcomes;
  size_t remaining;
  bool finished = false;
  Handler handler;

  // Posts the handler with every outcome, the missing ones set to `fill`.
  // Call with mu held and !finished.
  void finish_locked(const Status& fill) {
    finished = true;
    std::vector<Outcome> out;
    out.reserve(outcomes.size());
    for (std::optional<Outcome>& o : outcomes) {
      if (o) {
        out.push_back(std::move(*o));
      } else {
        out.emplace_back(fill);
      }
    }
    asio::post(executor,
               [h = std::move(handler), out = std::move(out)]() mutable { h(std::move(out)); });
  }
};

struct CommitWaiters::Registry {
  struct Entry {
    std::shared_ptr<Group> group;
    size_t slot = 0;
  };

  std::mutex mu;  // guards entries and shutdown; never held while taking a Group's mu
  std::unordered_multimap<Hash, Entry, TxIdHash> entries;
  bool shutdown = false;

  void unregister(const std::shared_ptr<Group>& group, size_t slot) {
    std::lock_guard lock(mu);
    auto [begin, end] = entries.equal_range(group->tx_ids[slot]);
    for (auto it = begin; it != end; ++it) {
      if (it->second.group == group && it->second.slot == slot) {
        entries.erase(it);
        return;
      }
    }
  }

  // Sets one outcome; the first outcome of a slot wins.
  void complete(const std::shared_ptr<Group>& group, size_t slot, Outcome outcome) {
    {
      std::lock_guard lock(group->mu);
      if (group->finished || group->outcomes[slot]) return;
      group->outcomes[slot] = std::move(outcome);
      if (--group->remaining == 0) {
        group->finish_locked(Status::ok());
        asio::post(group->executor, [group] { group->timer.cancel(); });
      }
    }
    unregister(group, slot);
  }

  void timeout(const std::shared_ptr<Group>& group) {
    std::vector<size_t> pending;
    {
      std::lock_guard lock(group->mu);
      if (group->finished) return;
      for (size_t i = 0; i < group->outcomes.size(); ++i) {
        if (!group->outcomes[i]) pending.push_back(i);
      }
      group->finish_locked(Status::unavailable("not committed within " +
                                               std::to_string(group->timeout_ms) +
                                               " ms; tx is still pending"));
    }
    for (size_t slot : pending) unregister(group, slot);
  }
};

CommitWaiters::CommitWaiters(Lookup lookup)
    : lookup_(std::move(lookup)), registry_(std::make_shared<Registry>()) {}

CommitWaiters::~CommitWaiters() { shutdown(); }

void CommitWaiters::wait(asio::any_io_executor executor, std::vector<Hash> tx_ids,
                         std::chrono::milliseconds timeout, Handler handler) {
  auto group =
      std::make_shared<Group>(std::move(executor), std::move(tx_ids), timeout, std::move(handler));
  if (group->tx_ids.empty()) {
    std::lock_guard lock(group->mu);
    group->finish_locked(Status::ok());
    return;
  }
  bool down = false;
  {
    std::lock_guard lock(registry_->mu);
    down = registry_->shutdown;
    if (!down) {
      for (size_t i = 0; i < group->tx_ids.size(); ++i) {
        registry_->entries.emplace(group->tx_ids[i], Registry::Entry{group, i});
      }
    }
  }
  if (down) {
    std::lock_guard lock(group->mu);
    group->finish_locked(Status::unavailable("node is shutting down"));
    return;
  }
  // Registered first, looked up second: a commit that lands in between is
  // seen by one or the other (or both; the first outcome wins).
  if (lookup_) {
    for (size_t i = 0; i < group->tx_ids.size(); ++i) {
      if (std::optional<CommitInfo> info = lookup_(group->tx_ids[i])) {
        registry_->complete(group, i, std::move(*info));
      }
    }
  }
  {
    std::lock_guard lock(group->mu);
    if (group->finished) return;
  }
  group->timer.expires_after(timeout);
  group->timer.async_wait([weak_registry = std::weak_ptr<Registry>(registry_),
                           weak_group = std::weak_ptr<Group>(group)](boost::system::error_code ec) {
    if (ec) return;  // cancelled: every tx committed first
    std::shared_ptr<Registry> registry = weak_registry.lock();
    std::shared_ptr<Group> group = weak_group.lock();
    if (registry && group) registry->timeout(group);
  });
}

void CommitWaiters::notify_committed(uint64_t height, const std::vector<Hash>& tx_ids,
                                     const std::vector<core::Receipt>& receipts) {
  struct Hit {
    Registry::Entry entry;
    size_t index;
  };
  std::vector<Hit> hits;
  {
    std::lock_guard lock(registry_->mu);
    if (registry_->entries.empty()) return;
    for (size_t i = 0; i < tx_ids.size(); ++i) {
      auto [begin, end] = registry_->entries.equal_range(tx_ids[i]);
      for (auto it = begin; it != end; ++it) hits.push_back(Hit{it->second, i});
    }
  }
  for (Hit& hit : hits) {
    CommitInfo info;
    info.height = height;
    info.index = static_cast<uint32_t>(hit.index);
    if (hit.index < receipts.size()) info.receipt = receipts[hit.index];
    registry_->complete(hit.entry.group, hit.entry.slot, std::move(info));
  }
}

void CommitWaiters::shutdown() {
  std::unordered_multimap<Hash, Registry::Entry, TxIdHash> entries;
  {
    std::lock_guard lock(registry_->mu);
    registry_->shutdown = true;
    entries.swap(registry_->entries);
  }
  for (auto& [id, entry] : entries) {
    registry_->complete(entry.group, entry.slot, Status::unavailable("node is shutting down"));
  }
}

bool CommitWaiters::shut_down() const {
  std::lock_guard lock(registry_->mu);
  return registry_->shutdown;
}

size_t CommitWaiters::size() const {
  std::lock_guard lock(registry_->mu);
  return registry_->entries.size();
}

}  // namespace silk::node
