#include "silk/tools/generated_keys.h"

#include <sodium.h>

#include <array>

#include "silk/core/file_io.h"

namespace silk::tools {

using core::Status;
namespace fs = std::filesystem;

std::string random_passphrase() {
  std::array<uint8_t, 32> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::string hex = core::to_hex(core::ByteSpan(raw.data(), raw.size()));
  sodium_memzero(raw.data(), raw.size());
  return hex;
}

Status write_key_with_passphrase(const fs::path& key_path, const fs::path& pass_path,
                                 const core::SecretKey& key, const core::KeyFileOptions& options) {
  std::string passphrase = random_passphrase();
  std::string pass_line = passphrase + "\n";
  Status st = core::write_new_file(pass_path.string(), pass_line, 0600);
  if (st.is_ok()) st = core::write_key_file(key_path.string(), key, passphrase, options);
  sodium_memzero(passphrase.data(), passphrase.size());
  sodium_memzero(pass_line.data(), pass_line.size());
  return st;
}

Status prepare_empty_dir(const fs::path& dir) {
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (!ec && fs::exists(st)) {
    if (!fs::is_directory(st)) {
      return Status::conflict(dir.string() + " exists and is not a folder");
    }
    if (!fs::is_empty(dir, ec) || ec) {
      return Status::conflict(dir.string() + " is not empty: refusing to write a chain into it");
    }
    return Status::ok();
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::io_error("cannot create " + dir.string() + ": " + ec.message());
  return Status::ok();
}

}  // namespace silk::tools
