// chain::check_block: the one rulebook a validator and an auditor apply.
#include "silk/chain/check_block.h"

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "silk/chain/engine.h"
#include "silk/contracts/notary.h"
#include "silk/core/crypto.h"
#include "silk/core/merkle.h"

using namespace silk;
using chain::Problem;
using core::Hash;
using nlohmann::json;

namespace {

constexpr const char* kChainId = "silk-check-test";
constexpr uint64_t kT0 = 1'700'000'000'000;
constexpr uint64_t kNow = kT0 + 60'000;

core::SecretKey key_from_tag(uint8_t tag) {
  REQUIRE(core::crypto_init().is_ok());
  auto key = core::SecretKey::from_seed(core::Bytes(32, tag));
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

// A solo chain in a memory store: one validator, one member, a stranger.
struct Chain {
  core::SecretKey node_key = key_from_tag(1);
  core::SecretKey client_key = key_from_tag(2);
  core::SecretKey stranger_key = key_from_tag(3);
  core::Genesis genesis;
  std::unique_ptr<contracts::Executor> executor;
  std::unique_ptr<storage::Store> store = storage::make_memory_store();
  chain::StoreChainView view{*store};
  uint64_t nonce = 1;

  explicit Chain(uint32_t max_block_txs = 5000, uint64_t max_block_bytes = 8u << 20) {
    core::Genesis g;
    g.chain_id = kChainId;
    g.timestamp_ms = kT0;
    g.identity_mode = "with-key";
    g.consensus.max_block_txs = max_block_txs;
    g.consensus.max_block_bytes = max_block_bytes;
    g.members.push_back({"node", node_key.public_key(), "org1", {"node", "admin"}});
    g.members.push_back({"client", client_key.public_key(), "org1", {"client", "issuer"}});
    g.validators.push_back(node_key.public_key());
    auto parsed = core::Genesis::parse(g.to_json());
    REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
    genesis = std::move(parsed).value();
    executor = std::move(chain::make_executor(genesis)).value();
    REQUIRE(store->init_genesis(core::make_genesis_block(genesis), genesis.canonical_json).is_ok());
  }

  core::Tx anchor(const core::SecretKey& key, size_t meta_bytes = 0) {
    core::Tx tx;
    tx.chain_id = kChainId;
    tx.nonce = nonce++;
    tx.timestamp_ms = kT0 + tx.nonce;
    tx.sender = key.public_key();
    tx.contract = "notary";
    tx.method = "anchor";
    tx.args = contracts::notary_anchor_args(core::sha256("document " + std::to_string(tx.nonce)),
                                            json{{"note", std::string(meta_bytes, 'x')}});
    tx.sign(key);
    return tx;
  }

  // The block at tip+1 as an honest proposer builds it, with its solo certificate.
  core::Block build(std::vector<core::Tx> txs) {
    const storage::ChainTip tip = *store->tip();
    core::Block b;
    auto exec = executor->execute_block(txs, tip.height + 1, kNow, tip.state_root, view);
    REQUIRE(exec.is_ok());
    b.txs = std::move(txs);
    core::BlockHeader& h = b.header;
    h.chain_id = kChainId;
    h.height = tip.height + 1;
    h.prev_hash = tip.block_hash;
    h.timestamp_ms = kNow;
    h.proposer = node_key.public_key();
    h.tx_count = static_cast<uint32_t>(b.txs.size());
    h.tx_root = core::Block::compute_tx_root(b.txs);
    h.receipts_root = exec->receipts_root;
    h.state_root = exec->state_root;
    h.validator_set_hash = core::validator_set_hash(genesis.validators);
    sign(b);
    return b;
  }
  void sign(core::Block& b, const core::SecretKey* by = nullptr) const {
    const core::SecretKey& key = by != nullptr ? *by : node_key;
    b.cert = {};
    const Hash m = core::commit_message(b.header.chain_id, b.header.height, 0, b.header.hash());
    b.cert.votes.push_back({key.public_key(), key.sign(core::ByteSpan(m.data(), m.size()))});
  }
  void commit(const core::Block& b) {
    auto exec = executor->execute_block(b.txs, b.header.height, b.header.timestamp_ms,
                                        store->tip()->state_root, view);
    REQUIRE(exec.is_ok());
    REQUIRE(store->commit_block(b, exec->receipts, exec->writes).is_ok());
  }
};

struct Outcome {
  core::Result<chain::CheckedBlock> checked = core::Status::internal("not checked");
  std::vector<Problem> problems;

  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const Problem& p : problems) out.push_back(p.message);
    return out;
  }
};

// Checks `b` with its certificate; `keep_going`: every problem, else the first.
Outcome check(const Chain& c, const core::Block& b, bool keep_going = true,
              const chain::CheckOptions* given = nullptr, bool with_cert = true) {
  chain::CheckOptions options;
  if (given != nullptr) options = *given;
  if (options.now_ms == 0) options.now_ms = kNow;
  Outcome out;
  out.checked = chain::check_block(b, with_cert ? &b.cert : nullptr, c.view, *c.executor, options,
                                   [&](const Problem& p) {
                                     out.problems.push_back(p);
                                     return keep_going;
                                   });
  REQUIRE_MESSAGE(out.checked.is_ok(), out.checked.status().to_string());
  CHECK(out.checked->problems == out.problems.size());
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_SUITE("check_block") {
  TEST_CASE("an honest block is valid, and its execution comes with it") {
    Chain c;
    const core::Block b = c.build({c.anchor(c.client_key), c.anchor(c.node_key)});
    Outcome o = check(c, b);
    CHECK_MESSAGE(o.problems.empty(), (o.problems.empty() ? "" : o.problems[0].message));
    CHECK(o.checked->valid());
    CHECK(o.checked->hash == b.hash());
    CHECK(o.checked->tx_ids == std::vector<Hash>{b.txs[0].tx_id(), b.txs[1].tx_id()});
    CHECK(o.checked->tx_bytes == b.txs[0].encode().size() + b.txs[1].encode().size());
    REQUIRE(o.checked->execution.has_value());
    CHECK(o.checked->execution->receipts.size() == 2);
    CHECK(o.checked->execution->state_root == b.header.state_root);

    // As a proposal (no certificate yet) too; and the next block on top of it.
    CHECK(check(c, b, true, nullptr, /*with_cert=*/false).problems.empty());
    c.commit(b);
    CHECK(check(c, c.build({c.anchor(c.client_key)})).problems.empty());
  }

  TEST_CASE("every problem is reported in check order; a sink that stops gets the first only") {
    Chain c;
    core::Tx forged = c.anchor(c.client_key);
    forged.signature[3] ^= 0x01;
    core::Block b = c.build({c.anchor(c.client_key), forged});
    b.header.validator_set_hash[0] ^= 0x01;
    b.header.receipts_root[0] ^= 0x01;
    c.sign(b);  // a certificate for the header as it now is
    Outcome all = check(c, b, /*keep_going=*/true, nullptr, /*with_cert=*/false);
    const std::vector<std::string> messages = all.messages();
    REQUIRE(messages.size() == 3);
    CHECK(starts_with(messages[0], "validator_set_hash " +
                                       core::to_hex(b.header.validator_set_hash) +
                                       " is not the set in force at this height"));
    CHECK(messages[1] == "tx 1 (" + core::to_hex(forged.tx_id()) +
                             ") signature does not verify against sender " +
                             core::to_hex(c.client_key.public_key()));
    CHECK(starts_with(messages[2], "receipts_root in header "));
    CHECK(all.checked->execution.has_value());

    Outcome first = check(c, b, /*keep_going=*/false, nullptr, /*with_cert=*/false);
    REQUIRE(first.problems.size() == 1);
    CHECK(first.problems[0].message == messages[0]);
    CHECK_FALSE(first.checked->execution.has_value());  // stopped before executing

    // With the certificate, it is checked first: it names a validator set the header does not.
    Outcome certified = check(c, b, /*keep_going=*/false);
    REQUIRE(certified.problems.size() == 1);
    CHECK(certified.problems[0].kind == Problem::Kind::kCertificate);
    CHECK(starts_with(certified.problems[0].message, "commit certificate does not verify: "));
  }

  TEST_CASE("the header: height, chain, link to the tip, time") {
    Chain c;
    const core::Block good = c.build({});
    auto refused = [&](const std::function<void(core::BlockHeader&)>& tweak,
                       const std::string& prefix, bool with_cert = true) {
      core::Block b = good;
      tweak(b.header);
      c.sign(b);
      Outcome o = check(c, b, /*keep_going=*/false, nullptr, with_cert);
      REQUIRE(o.problems.size() == 1);
      CHECK_MESSAGE(starts_with(o.problems[0].message, prefix), o.problems[0].message);
      CHECK(o.problems[0].kind == Problem::Kind::kBlock);
    };
    refused([](core::BlockHeader& h) { h.height = 2; }, "header.height is 2, expected 1");
    refused([](core::BlockHeader& h) { h.chain_id = "other"; },
            "chain_id \"other\" != genesis \"silk-check-test\"");
    refused([](core::BlockHeader& h) { h.prev_hash[0] ^= 1; }, "prev_hash ");
    refused([](core::BlockHeader& h) { h.timestamp_ms = kT0 - 1; },
            "timestamp_ms " + std::to_string(kT0 - 1) + " is before block 0's");
    refused([&](core::BlockHeader& h) { h.timestamp_ms = kNow + c.genesis.tx_window_ms + 1; },
            "timestamp_ms " + std::to_string(kNow + c.genesis.tx_window_ms + 1) +
                " is too far ahead of the clock");
    // (With a certificate, the certificate already names it: a vote by someone else.)
    refused([&](core::BlockHeader& h) { h.proposer = c.client_key.public_key(); },
            "proposer " + core::to_hex(c.client_key.public_key()) + " is not a validator",
            /*with_cert=*/false);
  }

  TEST_CASE("the certificate: the genesis engine's kind, signed by the validator set in force") {
    Chain c;
    core::Block b = c.build({c.anchor(c.client_key)});
    b.cert.kind = core::CommitCert::Kind::kRaft;
    Outcome kind = check(c, b, /*keep_going=*/false);
    REQUIRE(kind.problems.size() == 1);
    CHECK(kind.problems[0].kind == Problem::Kind::kCertificate);
    CHECK(kind.problems[0].message ==
          "commit certificate does not verify: it is a raft certificate; a solo chain's blocks "
          "carry solo ones");

    c.sign(b, &c.client_key);
    Outcome stranger = check(c, b, /*keep_going=*/false);
    REQUIRE(stranger.problems.size() == 1);
    CHECK(stranger.problems[0].message.find("is not a validator") != std::string::npos);

    // check_certificate alone says the same.
    auto config = c.executor->config_at(c.view, 1);
    REQUIRE(config.is_ok());
    core::Status alone = chain::check_certificate(b.header, b.cert, **config, c.genesis);
    CHECK(alone.code() == core::Status::Code::kInvalid);
    CHECK(alone.message() == stranger.problems[0].message);
    c.sign(b);
    CHECK(chain::check_certificate(b.header, b.cert, **config, c.genesis).is_ok());
  }

  TEST_CASE("the limits in force: max_block_txs and max_block_bytes") {
    Chain c(/*max_block_txs=*/3, /*max_block_bytes=*/1024);
    Outcome txs = check(c,
                        c.build({c.anchor(c.client_key), c.anchor(c.client_key),
                                 c.anchor(c.client_key), c.anchor(c.client_key)}),
                        /*keep_going=*/false);
    REQUIRE(txs.problems.size() == 1);
    CHECK(txs.problems[0].message == "4 txs; the limit is 3");

    const core::Block big = c.build({c.anchor(c.client_key, 400), c.anchor(c.client_key, 400)});
    const uint64_t bytes = big.txs[0].encode().size() + big.txs[1].encode().size();
    REQUIRE(bytes > 1024);
    Outcome over = check(c, big);
    REQUIRE(over.problems.size() == 1);
    CHECK(over.problems[0].message == std::to_string(bytes) + " tx bytes; the limit is 1024");

    CHECK(check(c, c.build({c.anchor(c.client_key), c.anchor(c.client_key)})).problems.empty());
  }

  TEST_CASE("txs: twice in a block, already on chain, count and root") {
    Chain c;
    const core::Tx tx = c.anchor(c.client_key);
    core::Block first = c.build({tx});
    c.commit(first);

    Outcome again = check(c, c.build({tx}), /*keep_going=*/false);
    REQUIRE(again.problems.size() == 1);
    CHECK(again.problems[0].message ==
          "tx 0 (" + core::to_hex(tx.tx_id()) + ") is already on chain");

    const core::Tx other = c.anchor(c.client_key);
    Outcome twice = check(c, c.build({other, other}), /*keep_going=*/false);
    REQUIRE(twice.problems.size() == 1);
    CHECK(twice.problems[0].message ==
          "tx 1 (" + core::to_hex(other.tx_id()) + ") appears twice in the block");

    core::Block counted = c.build({c.anchor(c.client_key)});
    counted.header.tx_count = 2;
    counted.header.tx_root[0] ^= 1;
    c.sign(counted);
    Outcome wrong = check(c, counted);
    REQUIRE(wrong.problems.size() == 2);
    CHECK(wrong.problems[0].message == "tx_count 2 != 1 txs in the block");
    CHECK(starts_with(wrong.problems[1].message, "tx_root in header "));
  }

  TEST_CASE("an unauthorized tx's signature is not checked: it fails at execution") {
    Chain c;
    core::Tx stranger = c.anchor(c.stranger_key);
    stranger.signature[0] ^= 0x01;
    const core::Block b = c.build({stranger, c.anchor(c.client_key)});
    Outcome o = check(c, b);
    CHECK(o.problems.empty());
    REQUIRE(o.checked->execution.has_value());
    CHECK_FALSE(o.checked->execution->receipts[0].ok());
    CHECK(o.checked->execution->receipts[1].ok());
  }

  TEST_CASE("fast paths are inputs: known signatures, given digests, a parallel loop") {
    Chain c;
    core::Tx forged = c.anchor(c.client_key);
    forged.signature[9] ^= 0x01;
    const core::Block b = c.build({c.anchor(c.client_key), forged, c.anchor(c.node_key)});

    // Known verified (these very bytes, by whoever says so): not verified again.
    struct AllKnown final : chain::KnownTxs {
      mutable std::atomic<int> asked{0};
      bool verified(size_t, const core::Tx&, const Hash&, std::optional<Hash>*) const override {
        ++asked;
        return true;
      }
    } known;
    chain::CheckOptions options;
    options.known = &known;
    CHECK(check(c, b, true, &options).problems.empty());
    CHECK(known.asked.load() == 3);

    // Digests computed elsewhere, and a parallel loop: the same verdict as without.
    chain::TxDigests digests;
    digests.resize(b.txs.size());
    digests.compute(b.txs, 0, 2);
    digests.compute(b.txs, 2, 3);
    CHECK(digests.ids[1] == forged.tx_id());
    CHECK(digests.leaves[1] == core::merkle_leaf_hash(forged.encode()));
    std::atomic<size_t> ran{0};
    chain::CheckOptions fast;
    fast.digests = &digests;
    fast.parallel_for = [&](size_t n, const std::function<void(size_t)>& fn) {
      for (size_t i = n; i-- > 0;) {
        fn(i);
        ++ran;
      }
    };
    Outcome with = check(c, b, true, &fast);
    Outcome without = check(c, b);
    CHECK(ran.load() == 3);
    CHECK(with.messages() == without.messages());
    REQUIRE(without.problems.size() == 1);
    CHECK(starts_with(without.problems[0].message, "tx 1 (" + core::to_hex(forged.tx_id()) + ")"));
  }
}
