#include "silk/tools/file_hash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "silk/core/crypto.h"

namespace silk::tools {

using core::Result;
using core::Status;

Result<FileDigest> hash_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::not_found("file " + path + " not found");
    return Status::io_error("cannot open " + path + ": " + std::strerror(err));
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::invalid(path + " is a folder, not a file");
  }

  core::Sha256 hasher;
  std::vector<uint8_t> chunk(1 << 16);
  FileDigest out;
  for (;;) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::io_error("cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    hasher.update(core::ByteSpan(chunk.data(), static_cast<size_t>(n)));
    out.size += static_cast<uint64_t>(n);
  }
  ::close(fd);
  out.sha256 = hasher.finish();
  return out;
}

}  // namespace silk::tools
