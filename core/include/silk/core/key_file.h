// Encrypted key files, shared by `silk` (signers' keys) and `silkd` (the node key).
//
// A key file is JSON: {"version": 1, "type": "ed25519", "public_key": hex,
// "kdf": "argon2id13", "opslimit": n, "memlimit": n, "salt": hex,
// "nonce": hex, "ciphertext": hex}, where ciphertext is
// crypto_secretbox_easy(seed, nonce, key = crypto_pwhash(passphrase, salt)).
// Files are created with mode 0600 and never overwritten.
#pragma once

#include <string>

#include "silk/core/crypto.h"
#include "silk/core/status.h"

namespace silk::core {

struct KeyFileOptions {
  // Argon2id cost. Interactive by default; tests may lower it.
  unsigned long long opslimit = 0;  // 0 = crypto_pwhash_OPSLIMIT_INTERACTIVE
  size_t memlimit = 0;              // 0 = crypto_pwhash_MEMLIMIT_INTERACTIVE
};

// kConflict if `path` exists; kIOError if it cannot be written; kInvalid for an
// empty passphrase.
Status write_key_file(const std::string& path, const SecretKey& key, const std::string& passphrase,
                      const KeyFileOptions& options = {});

// kNotFound when missing; kInvalid when not a key file ("key file <path>:
// field salt: bad hex") or when the passphrase is wrong ("key file <path>:
// wrong passphrase or corrupted file").
Result<SecretKey> read_key_file(const std::string& path, const std::string& passphrase);

// Reads only the public key, no passphrase needed.
Result<PublicKey> read_key_file_public(const std::string& path);

// Reads a passphrase file: its first line, without the trailing newline.
Result<std::string> read_passphrase_file(const std::string& path);

}  // namespace silk::core
