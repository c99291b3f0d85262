// Streaming SHA-256 of a file, as the notary anchors it.
#pragma once

#include <cstdint>
#include <string>

#include "silk/core/bytes.h"
#include "silk/core/status.h"

namespace silk::tools {

struct FileDigest {
  core::Hash sha256{};
  uint64_t size = 0;
};

// Reads the file in chunks (never whole into memory). kNotFound when missing,
// kInvalid when it is a directory, kIOError when it cannot be read.
core::Result<FileDigest> hash_file(const std::string& path);

}  // namespace silk::tools
