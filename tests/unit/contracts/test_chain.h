// Shared fixtures for the contracts tests: a with-key genesis with two members,
// deterministic keys and signed txs.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "silk/contracts/contract.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/status.h"
#include "silk/core/tx.h"

namespace silk::contracts::testing {

inline constexpr const char* kChainId = "silk-test";
inline constexpr uint64_t kBlockTimeMs = 1'700'000'000'000;

inline uint32_t code_of(core::Status::Code c) { return static_cast<uint32_t>(c); }

// The rules chain::consensus_rules gives the engines these fixtures' genesis name (the contracts
// tests do not link consensus, whose engine kinds decide them).
inline ConsensusRules rules_for(const core::Genesis& g) {
  if (g.consensus.type == "tbft") return {"tbft", core::ValidatorChanges::kAny};
  if (g.consensus.type == "raft") return {"raft", core::ValidatorChanges::kOneAtATime};
  return {"solo", core::ValidatorChanges::kNever};
}

inline core::SecretKey key_from_byte(uint8_t b) {
  REQUIRE(core::crypto_init().is_ok());
  core::Bytes seed(32, b);
  auto key = core::SecretKey::from_seed(seed);
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

struct TestChain {
  core::SecretKey alice = key_from_byte(1);    // org1, admin + client
  core::SecretKey bob = key_from_byte(2);      // org2, client
  core::SecretKey mallory = key_from_byte(3);  // not a member
  core::Genesis genesis;
  uint64_t next_nonce = 1;

  TestChain() {
    genesis.chain_id = kChainId;
    genesis.timestamp_ms = kBlockTimeMs - 1000;
    genesis.identity_mode = "with-key";
    genesis.members.push_back(
        core::Member{"org1-admin", alice.public_key(), "org1", {"admin", "client"}});
    genesis.members.push_back(core::Member{"org2-client", bob.public_key(), "org2", {"client"}});
    genesis.validators.push_back(alice.public_key());
  }

  // A signed tx; each call gets a fresh nonce, so equal calls give distinct txs.
  core::Tx tx(const core::SecretKey& key, std::string contract, std::string method,
              std::string args) {
    core::Tx t;
    t.chain_id = kChainId;
    t.nonce = next_nonce++;
    t.timestamp_ms = kBlockTimeMs;
    t.sender_kind = core::SenderKind::kPublicKey;
    t.sender = key.public_key();
    t.contract = std::move(contract);
    t.method = std::move(method);
    t.args = std::move(args);
    t.sign(key);
    return t;
  }
};

}  // namespace silk::contracts::testing
