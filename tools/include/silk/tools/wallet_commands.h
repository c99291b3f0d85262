// `silk keygen` and `silk pubkey`.
#pragma once

#include <string>

#include "silk/core/key_file.h"
#include "silk/tools/command.h"

namespace silk::tools {

// Key-derivation cost for new key files: `interactive` (libsodium's
// interactive limits, the default) or `fast` (the minimum, for tests and
// throw-away chains).
enum class KeyKdf { kInteractive, kFast };
core::Result<KeyKdf> parse_key_kdf(std::string_view name);
core::KeyFileOptions key_file_options(KeyKdf kdf);

struct KeygenOptions {
  std::string out;   // key file to create (refused if it exists)
  std::string name;  // optional label, echoed in the output
  KeyKdf kdf = KeyKdf::kInteractive;
};
// Text: the public key hex. JSON: {"public_key", "file", "name"?}.
core::Result<CommandOutput> run_keygen(CommandContext& ctx, const KeygenOptions& options);

// Reads only the public part: no passphrase. Text: the hex. JSON: {"public_key", "file"}.
core::Result<CommandOutput> run_pubkey(CommandContext& ctx, const std::string& key_file);

}  // namespace silk::tools
