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

// The folder a path names a file in ("." for a bare name).
std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class SystemEnv final : public Env {
 public:
  const core::Clock& timer_clock() const override { return clock_; }
  Result<std::unique_ptr<SyncFile>> open_file(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::io_error(path + ": cannot open: " + std::strerror(errno));
    return std::unique_ptr<SyncFile>(new PosixFile(path, fd, 0));
  }
  bool file_exists(const std::string& path) override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }
  Status rename_file(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return Status::io_error(from + ": cannot rename to " + to + ": " + std::strerror(errno));
    }
    return Status::ok();
  }
  Status remove_file(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Status::io_error(path + ": cannot remove: " + std::strerror(errno));
    }
    return Status::ok();
  }
  Status sync_dir(const std::string& path) override {
    const std::string dir = folder_of(path);
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::io_error(dir + ": cannot open the folder: " + std::strerror(errno));
    const bool ok = ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok) return Status::io_error(dir + ": cannot sync the folder: " + std::strerror(err));
    return Status::ok();
  }

 private:
  SteadyClock clock_;
};

Status injected(const std::string& what) {
  return Status::io_error("MemEnv: injected failure of " + what);
}

class MemFile final : public SyncFile {
 public:
  MemFile(MemEnv& env, std::shared_ptr<MemEnv::Contents> contents)
      : env_(env), c_(std::move(contents)) {}
  Result<core::Bytes> read_all() override { return c_->bytes; }
  Status append(core::ByteSpan data) override {
    if (!env_.take_op(c_->name)) return injected("append");
    c_->bytes.insert(c_->bytes.end(), data.begin(), data.end());
    return Status::ok();
  }
  Status truncate(uint64_t size) override {
    if (!env_.take_op(c_->name)) return injected("truncate");
    c_->bytes.resize(std::min<size_t>(c_->bytes.size(), size));
    c_->synced = c_->bytes.size();
    return Status::ok();
  }
  Status sync() override {
    if (!env_.take_op(c_->name)) return injected("sync");
    c_->synced = c_->bytes.size();
    return Status::ok();
  }

 private:
  MemEnv& env_;
  std::shared_ptr<MemEnv::Contents> c_;
};

bool in_folder(const std::string& path, const std::string& dir) { return folder_of(path) == dir; }

}  // namespace

Env& Env::system() {
  static SystemEnv env;
  return env;
}

bool MemEnv::take_op(const std::string& path, const std::string& path2) {
  if (ops_left_) {
    if (*ops_left_ == 0) return false;
    if (only_path_.empty() || path == only_path_ || path2 == only_path_) --*ops_left_;
  }
  ++ops_;
  return true;
}

Result<std::unique_ptr<SyncFile>> MemEnv::open_file(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (!take_op(path)) return injected("creating " + path);
    it = files_.emplace(path, std::make_shared<Contents>()).first;
    it->second->name = path;
  }
  return std::unique_ptr<SyncFile>(new MemFile(*this, it->second));
}

bool MemEnv::file_exists(const std::string& path) { return files_.contains(path); }

Status MemEnv::rename_file(const std::string& from, const std::string& to) {
  auto it = files_.find(from);
  if (it == files_.end()) return Status::io_error(from + ": cannot rename to " + to + ": no file");
  if (!take_op(from, to)) return injected("rename");
  std::shared_ptr<Contents> c = it->second;
  c->name = to;
  files_.erase(it);
  files_[to] = std::move(c);
  return Status::ok();
}

Status MemEnv::remove_file(const std::string& path) {
  if (!files_.contains(path)) return Status::ok();
  if (!take_op(path)) return injected("remove");
  files_.erase(path);
  return Status::ok();
}

Status MemEnv::sync_dir(const std::string& path) {
  if (!take_op(path)) return injected("sync_dir");
  const std::string dir = folder_of(path);
  std::erase_if(durable_, [&](const auto& entry) { return in_folder(entry.first, dir); });
  for (const auto& [name, c] : files_) {
    if (in_folder(name, dir)) durable_[name] = c;
  }
  return Status::ok();
}

void MemEnv::crash(size_t torn_bytes) {
  // A new Contents per file: files opened before the crash write where no one reads.
  std::map<const Contents*, std::shared_ptr<Contents>> after;
  std::map<std::string, std::shared_ptr<Contents>> names;
  for (const auto& [path, c] : durable_) {
    std::shared_ptr<Contents>& a = after[c.get()];
    if (a == nullptr) {
      a = std::make_shared<Contents>();
      const size_t keep = std::min(c->bytes.size(), c->synced + torn_bytes);
      a->bytes.assign(c->bytes.begin(), c->bytes.begin() + static_cast<std::ptrdiff_t>(keep));
      a->synced = keep;
      a->name = path;
    }
    names[path] = a;
  }
  files_ = names;
  durable_ = std::move(names);
  ops_left_.reset();
}

core::Bytes MemEnv::durable(const std::string& path) const {
  auto it = durable_.find(path);
  if (it == durable_.end()) return {};
  return core::Bytes(it->second->bytes.begin(),
                     it->second->bytes.begin() + static_cast<std::ptrdiff_t>(it->second->synced));
}

std::vector<std::string> MemEnv::files() const {
  std::vector<std::string> out;
  for (const auto& [path, c] : files_) out.push_back(path);
  return out;
}

}  // namespace silk::node
