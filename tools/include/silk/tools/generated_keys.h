// Keys that setup commands (`silk init-solo`, `silk network init`) create together with their
// passphrases: each key file is encrypted under a random passphrase kept in a `.pass` file beside
// it (both 0600), so a local chain starts without prompts. Only for development and test chains:
// whoever can read the folder holds the keys.
#pragma once

#include <filesystem>
#include <string>

#include "silk/core/crypto.h"
#include "silk/core/key_file.h"
#include "silk/core/status.h"

namespace silk::tools {

// 32 random bytes as hex.
std::string random_passphrase();

// Writes `pass_path` (the passphrase and a newline, 0600) and `key_path` (`key` encrypted under
// it, 0600). Neither may exist (kConflict); kIOError when a file cannot be written.
core::Status write_key_with_passphrase(const std::filesystem::path& key_path,
                                       const std::filesystem::path& pass_path,
                                       const core::SecretKey& key,
                                       const core::KeyFileOptions& options);

// Makes `dir` an empty folder: creates it (and its parents) when absent. kConflict when it exists
// and is not an empty folder ("... is not empty: refusing to write a chain into it").
core::Status prepare_empty_dir(const std::filesystem::path& dir);

}  // namespace silk::tools
