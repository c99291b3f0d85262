// Every effect of the operating system that the chain driver and the consensus WAL have, behind
// one interface (LevelDB's Env): the clock their timers run on and the file the WAL appends to
// and syncs. The node uses Env::system(), which is the OS as it is; simulations use a MemEnv,
// whose clock they move and whose files can "crash", losing what was not synced.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "silk/core/bytes.h"
#include "silk/core/clock.h"
#include "silk/core/status.h"

namespace silk::node {

// A file that is appended to and made durable by sync(). One owner; not thread-safe.
class SyncFile {
 public:
  virtual ~SyncFile() = default;
  // The file's bytes as they are now. kIOError.
  virtual core::Result<core::Bytes> read_all() = 0;
  // Writes `data` at the end of the file; not durable until sync(). kIOError.
  virtual core::Status append(core::ByteSpan data) = 0;
  // Cuts the file to `size` bytes and makes the file durable. kIOError.
  virtual core::Status truncate(uint64_t size) = 0;
  // Makes every byte appended so far durable (fdatasync). kIOError.
  virtual core::Status sync() = 0;
};

class Env {
 public:
  virtual ~Env() = default;
  // The clock consensus timers run on: milliseconds that never go backwards, from any origin
  // (only differences count). Thread-safe.
  virtual const core::Clock& timer_clock() const = 0;
  // Opens the file at `path`, creating it (empty, mode 0600) when missing. kIOError naming the
  // path.
  virtual core::Result<std::unique_ptr<SyncFile>> open_file(const std::string& path) = 0;

  // The operating system: std::chrono::steady_clock and POSIX files synced with fdatasync.
  // Thread-safe; lives for the whole process.
  static Env& system();
};

// An Env in memory, for simulations. Timers run on a clock the caller owns (and moves); files
// live in this object, and crash() makes each of them lose what was appended since its last
// sync, the way a power cut does. Not thread-safe: one owner.
class MemEnv final : public Env {
 public:
  explicit MemEnv(const core::Clock& clock) : clock_(clock) {}
  const core::Clock& timer_clock() const override { return clock_; }
  core::Result<std::unique_ptr<SyncFile>> open_file(const std::string& path) override;
  // Every file goes back to what was synced, plus the first `torn_bytes` of what was not
  // (a torn write). Files opened before stay valid but should not be used again.
  void crash(size_t torn_bytes = 0);
  // What a crash would leave of the file at `path` (empty when there is none).
  core::Bytes durable(const std::string& path) const;

  struct Contents {
    core::Bytes bytes;  // as written
    size_t synced = 0;  // bytes[0, synced) are durable
  };

 private:
  const core::Clock& clock_;
  std::map<std::string, std::shared_ptr<Contents>> files_;
};

}  // namespace silk::node
