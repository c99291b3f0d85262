#include "silk/node/env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace silk::node {

using core::Result;
using core::Status;

namespace {

class SteadyClock final : public core::Clock {
 public:
  uint64_t now_ms() const override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }
};

class PosixFile final : public SyncFile {
 public:
  PosixFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixFile() override { ::close(fd_); }

  Result<core::Bytes> read_all() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return error("cannot stat");
    core::Bytes data(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::pread(fd_, data.data() + done, data.size() - done, off_t(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return error("cannot read");
      done += size_t(n);
    }
    size_ = data.size();
    return data;
  }
  Status append(core::ByteSpan data) override {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, off_t(size_ + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return error("cannot append");
      done += size_t(n);
    }
    size_ += data.size();
    return Status::ok();
  }
  Status truncate(uint64_t size) override {
    if (::ftruncate(fd_, off_t(size)) != 0 || ::fdatasync(fd_) != 0)
      return error("cannot truncate");
    size_ = size;
    return Status::ok();
  }
  Status sync() override {
    if (::fdatasync(fd_) != 0) return error("cannot sync");
    return Status::ok();
  }

 private:
  Status error(const std::string& what) const {
    return Status::io_error(path_ + ": " + what + ": " + std::strerror(errno));
  }
  std::string path_;
  int fd_;
  uint64_t size_;
};

class SystemEnv final : public Env {
 public:
  const core::Clock& timer_clock() const override { return clock_; }
  Result<std::unique_ptr<SyncFile>> open_file(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::io_error(path + ": cannot open: " + std::strerror(errno));
    return std::unique_ptr<SyncFile>(new PosixFile(path, fd, 0));
  }

 private:
  SteadyClock clock_;
};

class MemFile final : public SyncFile {
 public:
  explicit MemFile(std::shared_ptr<MemEnv::Contents> contents) : c_(std::move(contents)) {}
  Result<core::Bytes> read_all() override { return c_->bytes; }
  Status append(core::ByteSpan data) override {
    c_->bytes.insert(c_->bytes.end(), data.begin(), data.end());
    return Status::ok();
  }
  Status truncate(uint64_t size) override {
    c_->bytes.resize(std::min<size_t>(c_->bytes.size(), size));
    c_->synced = c_->bytes.size();
    return Status::ok();
  }
  Status sync() override {
    c_->synced = c_->bytes.size();
    return Status::ok();
  }

 private:
  std::shared_ptr<MemEnv::Contents> c_;
};

}  // namespace

Env& Env::system() {
  static SystemEnv env;
  return env;
}

Result<std::unique_ptr<SyncFile>> MemEnv::open_file(const std::string& path) {
  std::shared_ptr<Contents>& c = files_[path];
  if (c == nullptr) c = std::make_shared<Contents>();
  return std::unique_ptr<SyncFile>(new MemFile(c));
}

void MemEnv::crash(size_t torn_bytes) {
  for (auto& [path, c] : files_) {
    // A new Contents: files opened before the crash write where no one reads.
    auto after = std::make_shared<Contents>();
    const size_t keep = std::min(c->bytes.size(), c->synced + torn_bytes);
    after->bytes.assign(c->bytes.begin(), c->bytes.begin() + static_cast<std::ptrdiff_t>(keep));
    after->synced = keep;
    c = std::move(after);
  }
}

core::Bytes MemEnv::durable(const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return {};
  return core::Bytes(it->second->bytes.begin(),
                     it->second->bytes.begin() + static_cast<std::ptrdiff_t>(it->second->synced));
}

}  // namespace silk::node
