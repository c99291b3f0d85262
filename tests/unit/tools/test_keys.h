// Key files and command contexts for tools tests.
#pragma once

#include <doctest/doctest.h>
#include <sodium.h>

#include <optional>
#include <string>

#include "silk/core/clock.h"
#include "silk/core/key_file.h"
#include "silk/tools/command.h"

namespace silk::tools::testing {

inline core::KeyFileOptions fast_kdf() {
  core::KeyFileOptions o;
  o.opslimit = crypto_pwhash_OPSLIMIT_MIN;
  o.memlimit = crypto_pwhash_MEMLIMIT_MIN;
  return o;
}

// Writes a key derived from `seed_byte` to `path` under `passphrase`; returns its public key.
inline core::PublicKey make_key_file(const std::string& path, uint8_t seed_byte,
                                     const std::string& passphrase) {
  REQUIRE(core::crypto_init().is_ok());
  core::Bytes seed(32, seed_byte);
  auto key = core::SecretKey::from_seed(seed);
  REQUIRE(key.is_ok());
  REQUIRE(core::write_key_file(path, *key, passphrase, fast_kdf()).is_ok());
  return key->public_key();
}

// A context with a fixed passphrase (as if from SILK_PASSPHRASE) and a manual clock.
inline CommandContext make_context(const std::string& node_url, const core::Clock& clock,
                                   std::optional<std::string> passphrase = "pw") {
  return CommandContext(node_url, PassphraseSource("", std::move(passphrase), nullptr), clock);
}

}  // namespace silk::tools::testing
