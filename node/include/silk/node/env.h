// Every effect of the operating system that the chain driver and the consensus WAL have, behind
// one interface (LevelDB's Env): the clock their timers run on, the file the WAL appends to and
// syncs, and the renames and removals with which the WAL replaces itself by a checkpoint. The
// node uses Env::system(), which is the OS as it is; simulations use a MemEnv, whose clock they
// move and whose files can "crash", losing what was not synced (bytes, and names not made durable
// by sync_dir).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  // Whether a file exists at `path`.
  virtual bool file_exists(const std::string& path) = 0;
  // Renames `from` to `to`, replacing `to` atomically when it exists. Durable only after
  // sync_dir() of their folder. kIOError naming both paths.
  virtual core::Status rename_file(const std::string& from, const std::string& to) = 0;
  // Removes the file at `path`; OK when there is none. Durable only after sync_dir(). kIOError.
  virtual core::Status remove_file(const std::string& path) = 0;
  // Makes the names in the folder of `path` (a file in it) durable: creations, renames and
  // removals (fsync of the directory). kIOError naming the folder.
  virtual core::Status sync_dir(const std::string& path) = 0;

  // The operating system: std::chrono::steady_clock and POSIX files synced with fdatasync.
  // Thread-safe; lives for the whole process.
  static Env& system();
};

// An Env in memory, for simulations. Timers run on a clock the caller owns (and moves); files
// live in this object, and crash() makes each of them lose what was appended since its last
// sync, the way a power cut does; names (creations, renames, removals) go back to what the
// last sync_dir() made durable. fail_after() makes it fail on purpose, to stop a caller at any
// step. Not thread-safe: one owner.
class MemEnv final : public Env {
 public:
  explicit MemEnv(const core::Clock& clock) : clock_(clock) {}
  const core::Clock& timer_clock() const override { return clock_; }
  core::Result<std::unique_ptr<SyncFile>> open_file(const std::string& path) override;
  bool file_exists(const std::string& path) override;
  core::Status rename_file(const std::string& from, const std::string& to) override;
  core::Status remove_file(const std::string& path) override;
  core::Status sync_dir(const std::string& path) override;
  // Every name goes back to what sync_dir() made durable, and every file to what was synced,
  // plus the first `torn_bytes` of what was not (a torn write). Files opened before stay valid
  // but should not be used again. Clears fail_after().
  void crash(size_t torn_bytes = 0);
  // What a crash would leave of the file at `path` (empty when there is none).
  core::Bytes durable(const std::string& path) const;
  // The paths of the files there are now, sorted.
  std::vector<std::string> files() const;
  // After `ops` more operations that change something (an append, sync, truncate, file
  // creation, rename, removal or sync_dir) succeed, every further one fails with kIOError,
  // changing nothing, until crash(). With `only_path`, only operations on that path count (on
  // the file that has that name at the time, a rename from or to it, a sync_dir through it).
  // For tests that stop a writer at each of its steps.
  void fail_after(uint64_t ops, std::string only_path = "") {
    ops_left_ = ops;
    only_path_ = std::move(only_path);
  }
  // Operations that changed something so far.
  uint64_t ops() const { return ops_; }
  // Counts one operation on `path` (or `path2`); false when it must fail (fail_after). For the
  // files.
  bool take_op(const std::string& path, const std::string& path2 = "");

  struct Contents {
    core::Bytes bytes;  // as written
    size_t synced = 0;  // bytes[0, synced) are durable
    std::string name;   // its path now
  };

 private:
  const core::Clock& clock_;
  std::map<std::string, std::shared_ptr<Contents>> files_;    // the names now
  std::map<std::string, std::shared_ptr<Contents>> durable_;  // the names a crash keeps
  std::optional<uint64_t> ops_left_;
  std::string only_path_;
  uint64_t ops_ = 0;
};

}  // namespace silk::node
