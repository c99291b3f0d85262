#include "silk/node/wal.h"

#include <cstring>

#include "silk/core/crypto.h"
#include "silk/node/log.h"

namespace silk::node {

using core::Result;
using core::Status;

namespace {

constexpr size_t kMagicBytes = 8;
constexpr size_t kHeaderBytes = 8;  // u32 length + 4 check bytes

uint32_t get_u32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

Status wal_error(const Status& st) { return Status::io_error("consensus WAL " + st.message()); }

// Appends one record's framing and payload to `buf`.
void frame(core::ByteSpan record, core::Bytes& buf) {
  const size_t at = buf.size();
  buf.resize(at + kHeaderBytes + record.size());
  const uint32_t len = static_cast<uint32_t>(record.size());
  for (int i = 0; i < 4; ++i) buf[at + size_t(i)] = static_cast<uint8_t>(len >> (8 * i));
  const core::Hash check = core::sha256(record);
  std::memcpy(buf.data() + at + 4, check.data(), 4);
  if (!record.empty()) std::memcpy(buf.data() + at + kHeaderBytes, record.data(), record.size());
}

}  // namespace

std::string ConsensusWal::tmp_path(const std::string& path) { return path + ".tmp"; }

Result<std::unique_ptr<ConsensusWal>> ConsensusWal::open(Env& env, const std::string& path,
                                                         std::vector<core::Bytes>& records) {
  records.clear();
  // A checkpoint that a crash interrupted before its rename: never in force, so dropped.
  if (env.file_exists(tmp_path(path))) {
    logger("wal")->warn("removing an unfinished consensus WAL checkpoint path={}", tmp_path(path));
    Status st = env.remove_file(tmp_path(path));
    if (st.is_ok()) st = env.sync_dir(path);
    if (!st.is_ok()) return wal_error(st.with_context("cannot remove the unfinished checkpoint"));
  }
  Result<std::unique_ptr<SyncFile>> opened = env.open_file(path);
  if (!opened.is_ok()) return wal_error(opened.status());
  std::unique_ptr<SyncFile> file = std::move(opened).value();

  // Read the whole file: WALs are small next to the memory of a node, and reading it once is
  // simpler than streaming (compaction is a later step).
  Result<core::Bytes> read = file->read_all();
  if (!read.is_ok()) return wal_error(read.status());
  const core::Bytes data = std::move(read).value();

  if (data.empty()) {
    Status st = file->append(core::ByteSpan(reinterpret_cast<const uint8_t*>(kMagic), kMagicBytes));
    if (st.is_ok()) st = file->sync();
    if (st.is_ok()) st = env.sync_dir(path);  // the new name, too, must survive a power cut
    if (!st.is_ok()) return wal_error(st.with_context("cannot write the header"));
    return std::unique_ptr<ConsensusWal>(new ConsensusWal(env, path, std::move(file), kMagicBytes));
  }
  if (data.size() < kMagicBytes || std::memcmp(data.data(), kMagic, kMagicBytes) != 0) {
    return Status::invalid("consensus WAL " + path +
                           " is not a SilkLedger WAL (it does not start with SILKWAL1)");
  }

  size_t pos = kMagicBytes;
  size_t good_end = pos;
  std::string torn;
  while (pos < data.size()) {
    if (data.size() - pos < kHeaderBytes) {
      torn = "a partial record header";
      break;
    }
    const uint32_t len = get_u32(data.data() + pos);
    if (len > kMaxRecordBytes || data.size() - pos - kHeaderBytes < len) {
      torn = "a record of " + std::to_string(len) + " bytes cut short";
      break;
    }
    const uint8_t* payload = data.data() + pos + kHeaderBytes;
    const core::Hash check = core::sha256(core::ByteSpan(payload, len));
    if (std::memcmp(check.data(), data.data() + pos + 4, 4) != 0) {
      const size_t next = pos + kHeaderBytes + len;
      // Damage followed by more data that parses is not a torn tail.
      bool more = false;
      if (data.size() - next >= kHeaderBytes) {
        const uint32_t next_len = get_u32(data.data() + next);
        more = next_len != 0 && next_len <= data.size() - next - kHeaderBytes;
      }
      if (more) {
        return Status::corruption("consensus WAL " + path + ": the record at offset " +
                                  std::to_string(pos) +
                                  " fails its check and records follow it; the WAL is damaged "
                                  "(restore it or remove it only if this node never voted)");
      }
      torn = "a record that fails its check";
      break;
    }
    records.emplace_back(payload, payload + len);
    pos += kHeaderBytes + len;
    good_end = pos;
  }
  if (good_end != data.size()) {
    logger("wal")->warn(
        "dropping a torn tail of the consensus WAL path={} offset={} bytes={} "
        "what=\"{}\"",
        path, good_end, data.size() - good_end, torn);
    if (Status st = file->truncate(good_end); !st.is_ok()) {
      return wal_error(st.with_context("cannot truncate the torn tail"));
    }
  }
  return std::unique_ptr<ConsensusWal>(new ConsensusWal(env, path, std::move(file), good_end));
}

ConsensusWal::~ConsensusWal() = default;

Status ConsensusWal::append(core::ByteSpan record) {
  if (record.size() > kMaxRecordBytes) {
    return Status::invalid("consensus WAL record of " + std::to_string(record.size()) +
                           " bytes; limit is " + std::to_string(kMaxRecordBytes));
  }
  if (broken_) return Status::io_error("consensus WAL " + path_ + ": a checkpoint failed");
  core::Bytes buf;
  frame(record, buf);
  if (Status st = file_->append(core::ByteSpan(buf.data(), buf.size())); !st.is_ok()) {
    return wal_error(st);
  }
  size_ += buf.size();
  pending_ = true;
  return Status::ok();
}

Status ConsensusWal::sync() {
  if (broken_) return Status::io_error("consensus WAL " + path_ + ": a checkpoint failed");
  if (!pending_) return Status::ok();
  if (Status st = file_->sync(); !st.is_ok()) return wal_error(st);
  pending_ = false;
  return Status::ok();
}

}  // namespace silk::node

namespace silk::node {

Status ConsensusWal::checkpoint(const std::vector<core::Bytes>& records) {
  if (broken_) return Status::io_error("consensus WAL " + path_ + ": a checkpoint failed");
  core::Bytes buf(kMagic, kMagic + kMagicBytes);
  for (const core::Bytes& r : records) {
    if (r.size() > kMaxRecordBytes) {
      return Status::invalid("consensus WAL checkpoint record of " + std::to_string(r.size()) +
                             " bytes; limit is " + std::to_string(kMaxRecordBytes));
    }
    frame(core::ByteSpan(r.data(), r.size()), buf);
  }
  const std::string tmp = tmp_path(path_);
  // Until the rename, the file in force is untouched: any failure leaves it as it was, and a
  // tmp left behind is removed by the next open().
  if (Status st = env_.remove_file(tmp); !st.is_ok()) return wal_error(st);
  Result<std::unique_ptr<SyncFile>> opened = env_.open_file(tmp);
  if (!opened.is_ok()) return wal_error(opened.status());
  std::unique_ptr<SyncFile> file = std::move(opened).value();
  if (Status st = file->append(core::ByteSpan(buf.data(), buf.size())); !st.is_ok()) {
    return wal_error(st.with_context("cannot write the checkpoint"));
  }
  if (Status st = file->sync(); !st.is_ok()) {
    return wal_error(st.with_context("cannot sync the checkpoint"));
  }
  // From here the old file may be gone: whatever fails, this object is done with.
  broken_ = true;
  if (Status st = env_.rename_file(tmp, path_); !st.is_ok()) return wal_error(st);
  if (Status st = env_.sync_dir(tmp); !st.is_ok()) return wal_error(st);  // its folder
  file_ = std::move(file);
  size_ = buf.size();
  pending_ = false;
  broken_ = false;
  return Status::ok();
}

}  // namespace silk::node
