// Small, careful file writes shared by key files, tx files and the files
// `silk init-solo` and `silk ca`/`cert` create.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "silk/core/status.h"

namespace silk::core {

// Writes all of `data` to `fd`, retrying on EINTR and short writes. False
// (errno set) on failure.
bool write_all(int fd, std::string_view data);

// Creates `path` exclusively with exactly `mode` (the umask cannot widen or
// narrow it), writes `data` and fsyncs it. Never overwrites: kConflict
// "<path> already exists". kIOError "cannot create <path>: <reason>" or
// "cannot write <path>: <reason>"; a partly written file is removed.
Status write_new_file(const std::string& path, std::string_view data, mode_t mode);

}  // namespace silk::core
