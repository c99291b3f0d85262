// A with-cert test chain (DESIGN.md §3, docs/identity.md): three consortium organisations, each
// with a CA made from a deterministic key, members issued by those CAs, signed txs that name their
// sender by certificate fingerprint, and a real Executor over an in-memory state.
//
//   CertChain chain;
//   auto alice = chain.member("org1", "admin", "alice");
//   auto exec = chain.run({chain.tx(alice, "notary", "anchor", R"({"hash":"..."})")});
//   CHECK(exec.receipts[0].ok());
//   auto status = chain.query("identity", "status", json{{"fingerprint", ...}});
//
// Keys are deterministic; certificate serials are random (x509.h), so fingerprints differ between
// runs. Times sit around kBlockTimeMs.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "fakes/map_state_view.h"
#include "silk/contracts/executor.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/receipt.h"
#include "silk/core/tx.h"
#include "silk/core/x509.h"
#include "unit/contracts/test_chain.h"

namespace silk::contracts::testing {

inline constexpr uint64_t kDayMs = 24ull * 3600 * 1000;
inline constexpr uint64_t kYearMs = 365 * kDayMs;
// How far run() moves the block time after each block.
inline constexpr uint64_t kBlockStepMs = 1000;

// A CA: its key and self-signed certificate (O = id, C = jurisdiction, CN = "<id> CA").
struct OrgCa {
  std::string id;
  std::string jurisdiction;
  core::SecretKey key;
  core::Certificate cert;
};

// A member: its key and the certificate a CA issued for it.
struct Identity {
  core::SecretKey key;
  core::Certificate cert;

  std::string fingerprint_hex() const { return core::to_hex(cert.fingerprint()); }
};

// A key from a 32-byte seed derived from (tag, n): deterministic and distinct per (tag, n).
inline core::SecretKey seeded_key(uint8_t tag, uint32_t n) {
  REQUIRE(core::crypto_init().is_ok());
  core::Bytes seed(32, tag);
  seed[1] = static_cast<uint8_t>(n >> 24);
  seed[2] = static_cast<uint8_t>(n >> 16);
  seed[3] = static_cast<uint8_t>(n >> 8);
  seed[4] = static_cast<uint8_t>(n);
  auto key = core::SecretKey::from_seed(seed);
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

// A CA for organisation `id` in `jurisdiction` whose key comes from `seed`, valid from a year
// before kBlockTimeMs to ten years after unless told otherwise. Use it for the consortium's CAs
// and for foreign ones: an organisation not in genesis ("org9"), or one that impersonates a
// consortium organisation's name with another key (make_ca("org1", "CN", 0xEE)).
inline OrgCa make_ca(std::string id, std::string jurisdiction, uint32_t seed,
                     uint64_t not_before_ms = kBlockTimeMs - kYearMs,
                     uint64_t not_after_ms = kBlockTimeMs + 10 * kYearMs) {
  core::SecretKey key = seeded_key(0xCA, seed);
  core::DistinguishedName dn{id + " CA", id, "", jurisdiction};
  auto cert = core::make_ca_certificate(key, dn, not_before_ms, not_after_ms);
  REQUIRE_MESSAGE(cert.is_ok(), cert.status().to_string());
  return OrgCa{std::move(id), std::move(jurisdiction), std::move(key), std::move(cert).value()};
}

struct CertChain {
  // org1 (CN), org2 (SG), org3 (DE), in id order.
  std::vector<OrgCa> cas = make_cas();
  core::SecretKey validator = seeded_key(0x7A, 0);
  core::Genesis genesis = make_genesis(cas, validator);
  // What the engine lets governance do: tbft's rules unless a test names others.
  ConsensusRules rules = rules_for(genesis);
  Executor executor{genesis, rules};
  fakes::MapStateView state;

  // The next block's height and time; run() advances both (time by kBlockStepMs). Set
  // block_time_ms to run a block at a chosen time (it must not go backwards for history to
  // make sense).
  uint64_t height = 1;
  uint64_t block_time_ms = kBlockTimeMs;
  // The last executed block (the tip that query() sees); genesis before any run().
  uint64_t tip_height = 0;
  uint64_t tip_time_ms = kBlockTimeMs - 1000;
  core::Hash state_root = genesis.hash;
  uint64_t next_nonce = 1;
  uint32_t next_member = 1;

  CertChain() = default;
  // A chain whose engine allows what `r` says (a solo or raft chain's governance).
  explicit CertChain(ConsensusRules r) : rules(std::move(r)) {}

  const OrgCa& ca(std::string_view org) const {
    for (const OrgCa& c : cas) {
      if (c.id == org) return c;
    }
    FAIL("no CA for organisation " << std::string(org));
    return cas.front();  // unreachable
  }

  // A certificate `ca` issues for a fresh deterministic key, with any subject. For wrong names
  // (C=FR for org1) and foreign CAs.
  Identity issue(const OrgCa& issuer, const core::DistinguishedName& subject,
                 uint64_t not_before_ms = kBlockTimeMs - kDayMs,
                 uint64_t not_after_ms = kBlockTimeMs + kYearMs) {
    core::SecretKey key = seeded_key(0x4D, next_member++);
    auto cert = core::issue_certificate(issuer.key, issuer.cert, key.public_key(), subject,
                                        not_before_ms, not_after_ms);
    REQUIRE_MESSAGE(cert.is_ok(), cert.status().to_string());
    return Identity{std::move(key), std::move(cert).value()};
  }

  // A member of consortium organisation `org` with `role` (OU) and `name` (CN), issued by that
  // organisation's CA with C = its jurisdiction.
  Identity member(std::string_view org, std::string_view role, std::string_view name,
                  uint64_t not_before_ms = kBlockTimeMs - kDayMs,
                  uint64_t not_after_ms = kBlockTimeMs + kYearMs) {
    const OrgCa& issuer = ca(org);
    return issue(issuer,
                 core::DistinguishedName{std::string(name), issuer.id, std::string(role),
                                         issuer.jurisdiction},
                 not_before_ms, not_after_ms);
  }

  // A signed with-cert tx from `who` (sender = its fingerprint), timestamped at block_time_ms,
  // carrying the DER certificate when attach_cert. Each call gets a fresh nonce.
  core::Tx tx(const Identity& who, std::string contract, std::string method, std::string args_json,
              bool attach_cert = true) {
    core::Tx t;
    t.chain_id = kChainId;
    t.nonce = next_nonce++;
    t.timestamp_ms = block_time_ms;
    t.sender_kind = core::SenderKind::kCertFingerprint;
    t.sender = who.cert.fingerprint();
    if (attach_cert) t.sender_cert = who.cert.der();
    t.contract = std::move(contract);
    t.method = std::move(method);
    t.args = std::move(args_json);
    t.sign(who.key);
    return t;
  }
  core::Tx tx(const Identity& who, std::string contract, std::string method,
              const nlohmann::json& args, bool attach_cert = true) {
    return tx(who, std::move(contract), std::move(method), args.dump(), attach_cert);
  }

  // Executes `txs` as the next block at block_time_ms, applies its writes to `state`, and
  // advances height and time. REQUIREs that execution itself succeeds (a refused tx is a failed
  // receipt, not a failed execution).
  BlockExecution run(const std::vector<core::Tx>& txs) {
    auto exec = executor.execute_block(txs, height, block_time_ms, state_root, state);
    REQUIRE_MESSAGE(exec.is_ok(), exec.status().to_string());
    REQUIRE(exec->receipts.size() == txs.size());
    state.apply(*exec, txs, height, block_time_ms);
    state_root = exec->state_root;
    tip_height = height;
    tip_time_ms = block_time_ms;
    ++height;
    block_time_ms += kBlockStepMs;
    return std::move(exec).value();
  }
  // One tx in its own block; its receipt.
  core::Receipt run1(const core::Tx& t) { return run({t}).receipts.at(0); }

  // Executor::query over the state as of the tip.
  core::Result<std::string> query(std::string_view contract, std::string_view method,
                                  const nlohmann::json& args) const {
    return executor.query(contract, method, args, state, tip_height, tip_time_ms);
  }
  // As query(), REQUIRing success; the result parsed.
  nlohmann::json query_json(std::string_view contract, std::string_view method,
                            const nlohmann::json& args) const {
    auto r = query(contract, method, args);
    REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
    return nlohmann::json::parse(*r);
  }

 private:
  static std::vector<OrgCa> make_cas() {
    std::vector<OrgCa> v;
    v.push_back(make_ca("org1", "CN", 1));
    v.push_back(make_ca("org2", "SG", 2));
    v.push_back(make_ca("org3", "DE", 3));
    return v;
  }

  static core::Genesis make_genesis(const std::vector<OrgCa>& cas,
                                    const core::SecretKey& validator) {
    core::Genesis g;
    g.chain_id = kChainId;
    g.timestamp_ms = kBlockTimeMs - 1000;
    g.identity_mode = "with-cert";
    g.consensus.type = "tbft";  // the engine that takes validator-set changes (governance)
    for (const OrgCa& c : cas) {
      g.orgs.push_back(core::OrgEntry{c.id, c.id + " Ltd", c.jurisdiction, {c.cert.pem()}});
    }
    g.validators.push_back(validator.public_key());
    // Through the parser, as silkd would load it: validates, and sets canonical_json and hash.
    auto parsed = core::Genesis::parse(g.to_json());
    REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
    return std::move(parsed).value();
  }
};

}  // namespace silk::contracts::testing
