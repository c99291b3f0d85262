#include "silk/node/event_hub.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "silk/node/json_view.h"

namespace silk::node {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {
constexpr size_t kMaxContractName = 64;

std::shared_ptr<const std::string> shared_text(const json& j) {
  return std::make_shared<const std::string>(dump_json(j));
}
}  // namespace

bool EventFilter::accepts(const EventMessage& m) const {
  switch (m.type) {
    case EventMessage::Type::kBlock:
      return blocks;
    case EventMessage::Type::kTx:
      return txs && (contract.empty() || m.contract == contract);
    case EventMessage::Type::kEvent:
      return events && (contract.empty() || m.contract == contract);
  }
  return false;
}

Result<EventFilter> EventFilter::parse(const std::string* types, const std::string* contract) {
  EventFilter f;
  if (types != nullptr && !types->empty()) {
    f.blocks = f.txs = f.events = false;
    size_t start = 0;
    while (start <= types->size()) {
      size_t comma = types->find(',', start);
      if (comma == std::string::npos) comma = types->size();
      const std::string t = types->substr(start, comma - start);
      if (t == "block") {
        f.blocks = true;
      } else if (t == "tx") {
        f.txs = true;
      } else if (t == "event") {
        f.events = true;
      } else {
        return Status::invalid("query parameter 'types' names '" + t.substr(0, 32) +
                               "': expected a comma-separated list of block, tx, event");
      }
      start = comma + 1;
    }
  }
  if (contract != nullptr) {
    if (contract->empty() || contract->size() > kMaxContractName) {
      return Status::invalid("query parameter 'contract' must be a contract name of 1.." +
                             std::to_string(kMaxContractName) + " characters");
    }
    f.contract = *contract;
  }
  return f;
}

std::vector<EventMessage> block_messages(const core::Block& block,
                                         const std::vector<core::Receipt>& receipts) {
  const uint64_t height = block.header.height;
  std::vector<EventMessage> out;
  out.reserve(1 + 2 * block.txs.size());
  out.push_back({EventMessage::Type::kBlock, height, "",
                 shared_text({{"type", "block"},
                              {"height", height},
                              {"hash", core::to_hex(block.hash())},
                              {"timestamp_ms", block.header.timestamp_ms},
                              {"tx_count", block.header.tx_count},
                              {"proposer", core::to_hex(block.header.proposer)}})});
  for (size_t i = 0; i < block.txs.size(); ++i) {
    const core::Tx& tx = block.txs[i];
    const core::Receipt* r = i < receipts.size() ? &receipts[i] : nullptr;
    const std::string tx_id = core::to_hex(r != nullptr ? r->tx_id : tx.tx_id());
    json t = {{"type", "tx"},
              {"height", height},
              {"index", i},
              {"tx_id", tx_id},
              {"sender", core::to_hex(tx.sender)},
              {"contract", tx.contract},
              {"method", tx.method},
              {"ok", r != nullptr && r->ok()}};
    if (r == nullptr) {
      t["error"] = "no receipt";
    } else if (!r->ok()) {
      t["error"] =
          std::string(core::code_name(static_cast<Status::Code>(r->code))) + ": " + r->message;
    }
    out.push_back({EventMessage::Type::kTx, height, tx.contract, shared_text(t)});
    if (r == nullptr) continue;
    for (const core::ContractEvent& e : r->events) {
      out.push_back({EventMessage::Type::kEvent, height, e.contract,
                     shared_text({{"type", "event"},
                                  {"height", height},
                                  {"index", i},
                                  {"tx_id", tx_id},
                                  {"contract", e.contract},
                                  {"name", e.name},
                                  {"data", embed_json_text(e.data)}})});
    }
  }
  return out;
}

std::string error_message_json(const std::string& message, std::optional<uint64_t> resume_height) {
  json j = {{"type", "error"}, {"message", message}};
  if (resume_height) j["resume_height"] = *resume_height;
  return dump_json(j);
}

EventHub::EventHub(uint64_t published_height, size_t max_queue_bytes)
    : max_queue_bytes_(max_queue_bytes), published_height_(published_height) {}

void EventHub::wake_locked(EventSubscriber& s) {
  if (s.notified_ || !s.wake_) return;
  s.notified_ = true;
  s.wake_();
}

void EventHub::publish(const core::Block& block, const std::vector<core::Receipt>& receipts) {
  const uint64_t height = block.header.height;
  {
    std::lock_guard lock(mu_);
    if (live_count_ == 0) {  // nobody to serialise for; replayers read the store
      published_height_ = height;
      return;
    }
  }
  // Serialised outside the lock. A replayer that goes live meanwhile sees
  // the old published height, so it waits for this block from us.
  const std::vector<EventMessage> messages = block_messages(block, receipts);
  std::lock_guard lock(mu_);
  published_height_ = height;
  for (const std::shared_ptr<EventSubscriber>& sp : subscribers_) {
    EventSubscriber& s = *sp;
    if (!s.live_ || s.closed_ || height < s.next_height_) continue;
    size_t bytes = 0;
    size_t count = 0;
    for (const EventMessage& m : messages) {
      if (s.filter_.accepts(m)) {
        bytes += m.text->size();
        ++count;
      }
    }
    // A block is queued whole or not at all; one larger than the limit is
    // still taken by an empty queue.
    if (!s.queue_.empty() && s.queue_bytes_ + bytes > max_queue_bytes_) {
      s.overflowed_at_ = s.queue_.front().first;
      s.queue_.clear();
      s.queue_bytes_ = 0;
      s.live_ = false;
      --live_count_;
      wake_locked(s);
      continue;
    }
    s.next_height_ = height + 1;
    if (count == 0) continue;
    for (const EventMessage& m : messages) {
      if (s.filter_.accepts(m)) s.queue_.emplace_back(height, m.text);
    }
    s.queue_bytes_ += bytes;
    wake_locked(s);
  }
}

std::shared_ptr<EventSubscriber> EventHub::subscribe(std::optional<uint64_t> from_height,
                                                     EventFilter filter,
                                                     std::function<void()> wake) {
  auto s = std::make_shared<EventSubscriber>(std::move(filter), std::move(wake));
  std::lock_guard lock(mu_);
  if (shut_down_) {
    s->closed_ = true;
    s->subscribed_ = false;
    return s;
  }
  if (!from_height) {
    s->live_ = true;
    s->next_height_ = published_height_ + 1;
    ++live_count_;
  }
  subscribers_.push_back(s);
  return s;
}

std::optional<uint64_t> EventHub::go_live(EventSubscriber& s, uint64_t next_height) {
  std::lock_guard lock(mu_);
  if (s.live_ || !s.subscribed_ || s.closed_ || s.overflowed_at_) return std::nullopt;
  if (next_height <= published_height_) return published_height_;
  s.live_ = true;
  s.next_height_ = next_height;
  ++live_count_;
  return std::nullopt;
}

EventHub::Batch EventHub::pop(EventSubscriber& s) {
  Batch b;
  std::lock_guard lock(mu_);
  s.notified_ = false;
  b.messages.reserve(s.queue_.size());
  for (auto& [height, text] : s.queue_) b.messages.push_back({height, std::move(text)});
  b.next_height = s.next_height_;
  s.queue_.clear();
  s.queue_bytes_ = 0;
  b.overflowed_at = s.overflowed_at_;
  b.closed = s.closed_;
  return b;
}

void EventHub::unsubscribe(EventSubscriber& s) {
  std::lock_guard lock(mu_);
  if (!s.subscribed_) return;
  s.subscribed_ = false;
  if (s.live_) {
    s.live_ = false;
    --live_count_;
  }
  s.queue_.clear();
  s.queue_bytes_ = 0;
  std::erase_if(subscribers_,
                [&s](const std::shared_ptr<EventSubscriber>& p) { return p.get() == &s; });
  cv_.notify_all();
}

void EventHub::shutdown(std::chrono::milliseconds grace) {
  std::unique_lock lock(mu_);
  shut_down_ = true;
  for (const std::shared_ptr<EventSubscriber>& s : subscribers_) {
    s->closed_ = true;
    wake_locked(*s);
  }
  cv_.wait_for(lock, grace, [this] { return subscribers_.empty(); });
}

uint64_t EventHub::published_height() const {
  std::lock_guard lock(mu_);
  return published_height_;
}

size_t EventHub::subscriber_count() const {
  std::lock_guard lock(mu_);
  return subscribers_.size();
}

}  // namespace silk::node
