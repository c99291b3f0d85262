// Time as an input: code that needs "now" takes a Clock, so tests control it.
#pragma once

#include <atomic>
#include <cstdint>

namespace silk::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch. Thread-safe.
  virtual uint64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  uint64_t now_ms() const override;
  static SystemClock& instance();
};

// A clock tests move by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(uint64_t start_ms = 0) : now_(start_ms) {}
  uint64_t now_ms() const override { return now_.load(); }
  void set(uint64_t ms) { now_.store(ms); }
  void advance(uint64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<uint64_t> now_;
};

}  // namespace silk::core
