// Encrypted key files, shared by `silk` (signers' keys) and `silkd` (the node key). The format is
// specified in docs/formats.md ("Key files").
//
// A key file is JSON. Version 1 holds an Ed25519 key:
//   {"version": 1, "type": "ed25519", "public_key": hex (32 bytes), "kdf": "argon2id13",
//    "opslimit": n, "memlimit": n, "salt": hex, "nonce": hex, "ciphertext": hex}
// where ciphertext = crypto_secretbox_easy(seed, nonce, key = crypto_pwhash(passphrase, salt)).
// Version 2 holds a key of any signature suite (signature_suite.h):
//   {"version": 2, "suite": "sm2-sm3", "public_key": hex (SubjectPublicKeyInfo DER), kdf...,
//    "ciphertext": hex}
// where the plaintext is the key's PKCS#8 PrivateKeyInfo DER. Ed25519 keys are still written as
// version 1, so that every silk and silkd reads them. Files are created with mode 0600 and never
// overwritten.
#pragma once

#include <string>

#include "silk/core/crypto.h"
#include "silk/core/signature_suite.h"
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

// A key of any suite: version 1 for ed25519, version 2 otherwise. Errors as write_key_file.
Status write_signing_key_file(const std::string& path, const SigningKey& key,
                              const std::string& passphrase, const KeyFileOptions& options = {});

// Reads a key file of either version. Errors as read_key_file.
Result<SigningKey> read_signing_key_file(const std::string& path, const std::string& passphrase);

// The public key of a key file of either version, no passphrase needed.
Result<VerifyingKey> read_key_file_verifying_key(const std::string& path);

// read_key_file and read_key_file_public read ed25519 keys only: a version-2 file of another
// suite is kInvalid ("key file a.key: a sm2-sm3 key; only ed25519 keys can be used here so far").

// What a private key file holds: a key file (above), or a PKCS#8 private key (PEM or DER), clear
// or encrypted. Lets a caller ask for a passphrase only when one is needed.
enum class PrivateKeyFileKind { kKeyFile, kPkcs8, kPkcs8Encrypted };
Result<PrivateKeyFileKind> private_key_file_kind(const std::string& path);

// A key file, or a PKCS#8 private key file (signature_suite.h's SigningKey::from_pkcs8, with
// `passphrase` for an encrypted one; ignored for a clear one). Errors name the file.
Result<SigningKey> read_private_key_file(const std::string& path, const std::string& passphrase);

// Reads a passphrase file: its first line, without the trailing newline.
Result<std::string> read_passphrase_file(const std::string& path);

}  // namespace silk::core
