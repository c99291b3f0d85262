#include "silk/node/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

Status errno_status(const std::string& what, const std::string& path) {
  return Status::io_error("consensus WAL " + path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<ConsensusWal>> ConsensusWal::open(const std::string& path,
                                                         std::vector<core::Bytes>& records) {
  records.clear();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return errno_status("cannot open", path);
  auto close_fd = [fd] { ::close(fd); };

  // Read the whole file: WALs are small next to the memory of a node, and reading it once is
  // simpler than streaming (compaction is a later step).
  core::Bytes data;
  {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      Status s = errno_status("cannot stat", path);
      close_fd();
      return s;
    }
    data.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::pread(fd, data.data() + done, data.size() - done, off_t(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        Status s = errno_status("cannot read", path);
        close_fd();
        return s;
      }
      done += size_t(n);
    }
  }

  if (data.empty()) {
    const bool ok =
        ::pwrite(fd, kMagic, kMagicBytes, 0) == ssize_t(kMagicBytes) && ::fdatasync(fd) == 0;
    if (!ok) {
      Status s = errno_status("cannot write the header", path);
      close_fd();
      return s;
    }
    return std::unique_ptr<ConsensusWal>(new ConsensusWal(path, fd, kMagicBytes));
  }
  if (data.size() < kMagicBytes || std::memcmp(data.data(), kMagic, kMagicBytes) != 0) {
    close_fd();
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
        close_fd();
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
    if (::ftruncate(fd, off_t(good_end)) != 0 || ::fdatasync(fd) != 0) {
      Status s = errno_status("cannot truncate the torn tail", path);
      close_fd();
      return s;
    }
  }
  return std::unique_ptr<ConsensusWal>(new ConsensusWal(path, fd, good_end));
}

ConsensusWal::~ConsensusWal() {
  if (fd_ >= 0) ::close(fd_);
}

Status ConsensusWal::append(core::ByteSpan record) {
  if (record.size() > kMaxRecordBytes) {
    return Status::invalid("consensus WAL record of " + std::to_string(record.size()) +
                           " bytes; limit is " + std::to_string(kMaxRecordBytes));
  }
  core::Bytes buf(kHeaderBytes + record.size());
  const uint32_t len = static_cast<uint32_t>(record.size());
  for (int i = 0; i < 4; ++i) buf[size_t(i)] = static_cast<uint8_t>(len >> (8 * i));
  const core::Hash check = core::sha256(record);
  std::memcpy(buf.data() + 4, check.data(), 4);
  if (!record.empty()) std::memcpy(buf.data() + kHeaderBytes, record.data(), record.size());
  size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = ::pwrite(fd_, buf.data() + done, buf.size() - done, off_t(size_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return errno_status("cannot append", path_);
    done += size_t(n);
  }
  size_ += buf.size();
  pending_ = true;
  return Status::ok();
}

Status ConsensusWal::sync() {
  if (!pending_) return Status::ok();
  if (::fdatasync(fd_) != 0) return errno_status("cannot sync", path_);
  pending_ = false;
  return Status::ok();
}

}  // namespace silk::node
