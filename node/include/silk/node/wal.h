// The consensus WAL: an append-only file of opaque records (consensus::PersistWal), read back in
// order at start (consensus::Started::wal_records). DESIGN.md §5; format in docs/formats.md#wal.
//
//   file   = magic "SILKWAL1" record*
//   record = u32 LE length, 4 bytes check (the first 4 bytes of SHA-256(payload)), payload
//
// A crash may tear the last record (or leave zeros after it on some file systems): open() drops
// a torn or unchecked tail and truncates the file back to the last whole record, logging what it
// dropped. A record that fails its check with whole records after it is not a torn write but
// damage: open() refuses the file (kCorruption naming the offset), because an engine that
// forgot a vote could sign a conflicting one.
//
// Compaction (checkpoint()): the engine's Engine::wal_checkpoint() records, which restore it as
// the whole log would, replace the file: written to "<path>.tmp", synced, renamed over the path
// (atomic), and the folder synced. A crash at any step leaves either the old file or the
// checkpoint in force, never a mix; open() removes a tmp a crash left behind.
//
// Not thread-safe: one owner (the chain driver's thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/status.h"
#include "silk/node/env.h"

namespace silk::node {

class ConsensusWal {
 public:
  // Opens (creating when missing, 0600) the WAL at `path` through `env` (borrowed; it must
  // outlive the WAL), reads every record into `records`. kIOError naming the path when it cannot
  // be opened, read or truncated; kCorruption as above; kInvalid when the file does not start
  // with the magic.
  static core::Result<std::unique_ptr<ConsensusWal>> open(Env& env, const std::string& path,
                                                          std::vector<core::Bytes>& records);
  // The same on the operating system's files (Env::system()).
  static core::Result<std::unique_ptr<ConsensusWal>> open(const std::string& path,
                                                          std::vector<core::Bytes>& records) {
    return open(Env::system(), path, records);
  }
  ~ConsensusWal();
  ConsensusWal(const ConsensusWal&) = delete;
  ConsensusWal& operator=(const ConsensusWal&) = delete;

  // Appends a record (written to the file, not yet durable). kIOError on a failed write;
  // kInvalid for a record over kMaxRecordBytes.
  core::Status append(core::ByteSpan record);
  // Makes every appended record durable (fdatasync). Cheap when nothing is pending.
  core::Status sync();
  // Replaces every record with `records` (a checkpoint), durably, as described above; appends
  // then go on after them. kIOError when a step fails: the WAL in force is then either the old
  // file or the checkpoint, and this object refuses every further call (reopen it); kInvalid
  // for a record over kMaxRecordBytes (nothing changed).
  core::Status checkpoint(const std::vector<core::Bytes>& records);
  bool pending() const { return pending_; }
  uint64_t size_bytes() const { return size_; }
  const std::string& path() const { return path_; }

  static constexpr size_t kMaxRecordBytes = 256u << 20;
  static constexpr char kMagic[9] = "SILKWAL1";
  // Where checkpoint() writes before its rename.
  static std::string tmp_path(const std::string& path);

 private:
  ConsensusWal(Env& env, std::string path, std::unique_ptr<SyncFile> file, uint64_t size)
      : env_(env), path_(std::move(path)), file_(std::move(file)), size_(size) {}
  Env& env_;
  std::string path_;
  std::unique_ptr<SyncFile> file_;
  uint64_t size_ = 0;
  bool pending_ = false;
  bool broken_ = false;  // a checkpoint failed after the old file may have gone
};

}  // namespace silk::node
