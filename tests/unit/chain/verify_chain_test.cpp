// chain::verify_chain: a whole chain replayed with the validators' check_block, and the
// source compared with the replay.
#include "silk/chain/verify_chain.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "unit/chain/audit_chain.h"

using namespace silk;
using namespace silk::audit_test;
using chain::ChainDifference;
using chain::verify_chain;
using chain::VerifyChainProgress;

TEST_SUITE("verify_chain") {
  TEST_CASE("an honest chain verifies, with counts and progress") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.build(*store);
    std::vector<uint64_t> seen;
    VerifyChainOptions options;
    auto report = verify_chain(*store, chain.genesis, options, [&](const VerifyChainProgress& p) {
      CHECK(p.tip_height == 4);
      seen.push_back(p.height);
    });
    REQUIRE(report.is_ok());
    CHECK_MESSAGE(report->ok(), first_difference(*report));
    CHECK(report->complete);
    CHECK(report->tip_height == 4);
    CHECK(report->blocks_checked == 5);
    CHECK(report->txs_checked == 7);
    CHECK(report->state_keys_checked == 5);  // digests 1..5; the refused txs wrote nothing
    CHECK(report->history_versions_checked == report->state_keys_checked);
    CHECK(seen == std::vector<uint64_t>{0, 1, 2, 3, 4});
  }

  TEST_CASE("an empty store cannot be verified") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    auto report = verify_chain(*store, chain.genesis, {});
    REQUIRE_FALSE(report.is_ok());
    CHECK(report.status().code() == core::Status::Code::kNotFound);
  }

  TEST_CASE("another genesis file is caught at height 0") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.build(*store);
    core::Genesis other = chain.genesis;
    other.timestamp_ms += 1;
    auto reparsed = core::Genesis::parse(other.to_json());
    REQUIRE(reparsed.is_ok());
    auto report = verify(*store, *reparsed);
    CHECK_FALSE(report.ok());
    CHECK(first_difference(report).rfind("height 0: block 0 is not the genesis block", 0) == 0);
  }

  TEST_CASE("a validator-signed block with a wrong state_root is caught") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.build(*store);
    Hash bogus{};
    bogus.fill(0x5a);
    chain.commit(*store, {chain.anchor(chain.client_key, digest(6))},
                 [&](core::BlockHeader& h) { h.state_root = bogus; });
    auto report = verify(*store, chain.genesis);
    CHECK_FALSE(report.ok());
    CHECK(first_difference(report).rfind(
              "height 5: state_root in header " + core::to_hex(bogus) + " != replayed ", 0) == 0);
    CHECK(report.blocks_checked == 6);
  }

  TEST_CASE("a signed-in tx with a bad signature and a wrong receipts_root are caught") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.init(*store);
    core::Tx forged = chain.anchor(chain.client_key, digest(7));
    forged.signature[10] ^= 0x01;
    chain.commit(*store, {chain.anchor(chain.client_key, digest(8)), forged},
                 [](core::BlockHeader& h) { h.receipts_root[0] ^= 0xff; });
    auto report = verify(*store, chain.genesis, /*keep_going=*/true);
    REQUIRE(report.differences.size() == 2);
    CHECK(report.complete);
    CHECK(report.differences[0].message.rfind("height 1: tx 1 (" + core::to_hex(forged.tx_id()) +
                                                  ") signature does not verify against sender",
                                              0) == 0);
    CHECK(report.differences[1].message.rfind("height 1: receipts_root in header", 0) == 0);
    CHECK(*report.differences[0].height == 1);
  }

  TEST_CASE("signatures on worker threads: a long chain verifies; bad ones come in chain order") {
    // 70 blocks (more than the read-ahead window), some with more txs than a
    // worker's chunk; forged signatures in blocks 40 and 65.
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.init(*store);
    int next_digest = 100;
    Hash forged_40{};
    Hash forged_65{};
    Hash forged_65_late{};
    uint64_t txs = 0;
    for (uint64_t height = 1; height <= 70; ++height) {
      const size_t n = height % 10 == 0 || height == 65 ? 75 : height % 3;
      std::vector<core::Tx> block;
      for (size_t i = 0; i < n; ++i) {
        block.push_back(
            chain.anchor(i % 2 ? chain.node_key : chain.client_key, digest(next_digest++)));
      }
      if (height == 40) {
        block[37].signature[5] ^= 0x01;
        forged_40 = block[37].tx_id();
      }
      if (height == 65) {
        block[3].signature[0] ^= 0x80;
        forged_65 = block[3].tx_id();
        block[70].signature[63] ^= 0x01;
        forged_65_late = block[70].tx_id();
      }
      txs += n;
      chain.commit(*store, std::move(block));
    }

    std::vector<std::vector<std::string>> listed;
    for (unsigned threads : {1u, 2u, 4u}) {
      CAPTURE(threads);
      VerifyChainOptions options;
      options.signature_threads = threads;
      std::vector<uint64_t> seen;
      auto first = verify_chain(*store, chain.genesis, options,
                                [&](const VerifyChainProgress& p) { seen.push_back(p.height); });
      REQUIRE(first.is_ok());
      CHECK(first->signature_threads == threads);
      REQUIRE(first->differences.size() == 1);
      CHECK(first->differences[0].message == "height 40: tx 37 (" + core::to_hex(forged_40) +
                                                 ") signature does not verify against sender " +
                                                 core::to_hex(chain.node_key.public_key()));
      CHECK(first->blocks_checked == 41);
      CHECK_FALSE(first->complete);
      CHECK(seen.size() == 41);
      CHECK(seen.back() == 40);

      options.keep_going = true;
      auto all = verify_chain(*store, chain.genesis, options);
      REQUIRE(all.is_ok());
      CHECK(all->complete);
      CHECK(all->blocks_checked == 71);
      CHECK(all->txs_checked == txs);
      std::vector<std::string> messages;
      for (const ChainDifference& d : all->differences) messages.push_back(d.message);
      REQUIRE(messages.size() == 3);
      CHECK(messages[0].rfind("height 40: tx 37 (" + core::to_hex(forged_40) + ")", 0) == 0);
      CHECK(messages[1].rfind("height 65: tx 3 (" + core::to_hex(forged_65) + ")", 0) == 0);
      CHECK(messages[2].rfind("height 65: tx 70 (" + core::to_hex(forged_65_late) + ")", 0) == 0);
      listed.push_back(messages);
    }
    CHECK(listed[0] == listed[1]);
    CHECK(listed[0] == listed[2]);
  }

  TEST_CASE("signatures on worker threads: a multi-block chain with full blocks verifies") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.init(*store);
    int next_digest = 1000;
    for (int b = 0; b < 6; ++b) {
      std::vector<core::Tx> block;
      for (int i = 0; i < 200; ++i) {
        block.push_back(chain.anchor(chain.client_key, digest(next_digest++)));
      }
      chain.commit(*store, std::move(block));
    }
    VerifyChainOptions options;
    options.signature_threads = 3;
    auto report = verify_chain(*store, chain.genesis, options);
    REQUIRE(report.is_ok());
    CHECK_MESSAGE(report->ok(), first_difference(*report));
    CHECK(report->blocks_checked == 7);
    CHECK(report->txs_checked == 1200);
    CHECK(report->state_keys_checked == 1200);
    CHECK(report->signature_threads == 3);
  }

  TEST_CASE("state comparison on worker threads: differences in many keys come in key order") {
    // 600 keys (many comparison chunks); changed values of four keys and the
    // history of a fifth.
    ChainBuilder chain;
    TempDir dir;
    std::vector<std::string> keys;
    {
      auto store = open_store(dir.db());
      chain.init(*store);
      int next_digest = 5000;
      for (int b = 0; b < 3; ++b) {
        std::vector<core::Tx> block;
        for (int i = 0; i < 200; ++i) {
          keys.push_back(contracts::notary_state_key(digest(next_digest)));
          block.push_back(chain.anchor(chain.client_key, digest(next_digest++)));
        }
        chain.commit(*store, std::move(block));
      }
    }
    {
      RawDb db(dir.db());
      for (size_t i : {7u, 123u, 388u, 599u}) db.put("state", keys[i], "{}");
      std::string hk;
      const std::string& key = keys[250];  // block 2 (height 2), tx 50
      for (int i = 3; i >= 0; --i) hk.push_back(static_cast<char>((key.size() >> (8 * i)) & 0xff));
      hk += key + height_key(2) + std::string("\0\0\0\x32", 4);
      std::string v = db.get("history", hk);
      v.back() = static_cast<char>(v.back() ^ 0x01);
      db.put("history", hk, v);
    }
    auto store = open_store(dir.db());
    struct Config {
      unsigned threads;
      bool concurrent_reads;
    };
    std::vector<std::vector<std::string>> listed;
    std::vector<std::string> firsts;
    for (const Config c : {Config{1, true}, Config{4, true}, Config{4, false}}) {
      CAPTURE(c.threads);
      CAPTURE(c.concurrent_reads);
      VerifyChainOptions options;
      options.signature_threads = c.threads;
      options.concurrent_store_reads = c.concurrent_reads;
      auto first = verify_chain(*store, chain.genesis, options);
      REQUIRE(first.is_ok());
      REQUIRE(first->differences.size() == 1);
      CHECK_FALSE(first->complete);
      CHECK(first->blocks_checked == 4);
      CHECK(first->state_keys_checked < 600);
      firsts.push_back(first->differences[0].message + " after " +
                       std::to_string(first->state_keys_checked) + " keys, " +
                       std::to_string(first->history_versions_checked) + " versions");

      options.keep_going = true;
      auto all = verify_chain(*store, chain.genesis, options);
      REQUIRE(all.is_ok());
      CHECK(all->complete);
      CHECK(all->state_keys_checked == 600);
      CHECK(all->history_versions_checked == 600);
      std::vector<std::string> messages;
      for (const ChainDifference& d : all->differences) {
        CHECK_FALSE(d.height.has_value());
        messages.push_back(d.message);
      }
      REQUIRE(messages.size() == 5);
      CHECK(std::is_sorted(messages.begin(), messages.end()));  // the replay's key order
      CHECK(messages.front() == first->differences[0].message);
      CHECK(std::count_if(messages.begin(), messages.end(), [](const std::string& m) {
              return m.find(": stored value differs from replay (stored 2 bytes") !=
                     std::string::npos;
            }) == 4);
      const std::string history_finding =
          "state key \"" + keys[250] + "\": history version 0 (height 2 tx 50) value differs";
      CHECK(std::count_if(messages.begin(), messages.end(), [&](const std::string& m) {
              return m.rfind(history_finding, 0) == 0;
            }) == 1);
      listed.push_back(messages);
    }
    CHECK(listed[0] == listed[1]);
    CHECK(listed[0] == listed[2]);
    CHECK(firsts[0] == firsts[1]);
    CHECK(firsts[0] == firsts[2]);
  }

  TEST_CASE("a commit certificate by a non-validator is caught") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.build(*store);
    auto tip = *store->tip();
    core::Block block;
    block.header.chain_id = kChainId;
    block.header.height = tip.height + 1;
    block.header.prev_hash = tip.block_hash;
    block.header.timestamp_ms = kT0 + 10'000;
    block.header.proposer = chain.client_key.public_key();
    block.header.tx_root = core::Block::compute_tx_root({});
    block.header.receipts_root = core::merkle_root({});
    block.header.state_root = core::next_state_root(tip.state_root, core::write_set_root({}));
    block.header.validator_set_hash = core::validator_set_hash(chain.genesis.validators);
    const Hash msg = core::commit_message(kChainId, block.header.height, 0, block.header.hash());
    block.cert.votes.push_back(
        {chain.client_key.public_key(), chain.client_key.sign(core::ByteSpan(msg))});
    REQUIRE(store->commit_block(block, {}, {}).is_ok());
    auto report = verify(*store, chain.genesis);
    CHECK(first_difference(report).rfind("height 5: commit certificate does not verify: ", 0) == 0);
    CHECK(first_difference(report).find("is not a validator") != std::string::npos);
  }

  TEST_CASE("RocksDB: one flipped byte anywhere in a stored block is caught at its height") {
    ChainBuilder chain;
    TempDir dir;
    std::vector<core::Block> blocks;
    {
      auto store = open_store(dir.db());
      blocks = chain.build(*store);
    }
    CHECK_MESSAGE(verify_dir(dir.db(), chain.genesis).ok(), "honest chain");

    std::string original;
    {
      RawDb db(dir.db());
      original = db.get("blocks", height_key(2));
    }
    REQUIRE(original.size() == blocks[1].encode().size());
    std::vector<size_t> offsets = {0,
                                   4,
                                   12,
                                   30,
                                   60,
                                   100,
                                   150,
                                   200,
                                   260,
                                   320,
                                   400,
                                   500,
                                   original.size() / 2,
                                   original.size() - 1};
    for (size_t offset : offsets) {
      if (offset >= original.size()) continue;
      CAPTURE(offset);
      std::string tampered = original;
      tampered[offset] = static_cast<char>(tampered[offset] ^ 0x01);
      {
        RawDb db(dir.db());
        db.put("blocks", height_key(2), tampered);
      }
      auto report = verify_dir(dir.db(), chain.genesis);
      CHECK_FALSE(report.ok());
      CHECK_MESSAGE(first_difference(report).rfind("height 2: ", 0) == 0, first_difference(report));
      {
        RawDb db(dir.db());
        db.put("blocks", height_key(2), original);
      }
    }
    CHECK(verify_dir(dir.db(), chain.genesis).ok());
  }

  TEST_CASE("RocksDB: a changed state value, history entry or receipt is caught") {
    ChainBuilder chain;
    TempDir dir;
    std::vector<core::Block> blocks;
    {
      auto store = open_store(dir.db());
      blocks = chain.build(*store);
    }
    const std::string key = contracts::notary_state_key(digest(3));

    SUBCASE("state value") {
      {
        RawDb db(dir.db());
        std::string v = db.get("state", key);
        v[v.size() / 2] = static_cast<char>(v[v.size() / 2] ^ 0x01);
        db.put("state", key, v);
      }
      auto report = verify_dir(dir.db(), chain.genesis);
      REQUIRE(report.differences.size() == 1);
      CHECK_FALSE(report.ok());
      CHECK(report.blocks_checked == 5);  // the blocks are fine; the state is not
      CHECK(first_difference(report).rfind(
                "state key \"" + key + "\": stored value differs from replay", 0) == 0);
      CHECK_FALSE(report.differences.front().height.has_value());
    }

    SUBCASE("state value of a key that a failed tx tried to write stays absent") {
      const std::string refused = contracts::notary_state_key(digest(9));
      {
        RawDb db(dir.db());
        db.put("state", refused, "{\"planted\":true}");
      }
      // The replay never wrote this key, so it cannot be compared: a known limit.
      CHECK(verify_dir(dir.db(), chain.genesis).ok());
    }

    SUBCASE("history value") {
      {
        RawDb db(dir.db());
        std::string hk;
        for (int i = 3; i >= 0; --i)
          hk.push_back(static_cast<char>((key.size() >> (8 * i)) & 0xff));
        hk += key + height_key(2) + std::string("\0\0\0\0", 4);
        std::string v = db.get("history", hk);
        v.back() = static_cast<char>(v.back() ^ 0x01);
        db.put("history", hk, v);
      }
      auto report = verify_dir(dir.db(), chain.genesis);
      CHECK(first_difference(report).rfind(
                "state key \"" + key + "\": history version 0 (height 2 tx 0) value differs", 0) ==
            0);
    }

    SUBCASE("receipt of a refused duplicate made to look successful") {
      const core::Tx& dup = blocks[1].txs[1];
      {
        RawDb db(dir.db());
        auto receipt = core::Receipt::decode(core::as_span(db.get("receipts", raw(dup.tx_id()))));
        REQUIRE(receipt.is_ok());
        CHECK(receipt->code == static_cast<uint32_t>(core::Status::Code::kConflict));
        receipt->code = 0;
        receipt->message.clear();
        const core::Bytes enc = receipt->encode();
        db.put("receipts", raw(dup.tx_id()), std::string(enc.begin(), enc.end()));
      }
      auto report = verify_dir(dir.db(), chain.genesis);
      CHECK(first_difference(report).rfind("height 2: tx 1 (" + core::to_hex(dup.tx_id()) +
                                               ") stored receipt differs from replay: stored "
                                               "code 0",
                                           0) == 0);
      CHECK(report.blocks_checked == 3);  // stopped in block 2, at the first difference
      CHECK_FALSE(report.complete);
    }

    SUBCASE("keep-going lists every difference") {
      const core::Tx& t = blocks[3].txs[2];
      {
        RawDb db(dir.db());
        db.put("state", key, "{}");
        db.put("tx_index", raw(t.tx_id()), std::string(12, '\0'));
      }
      auto first_only = verify_dir(dir.db(), chain.genesis);
      CHECK(first_only.differences.size() == 1);
      auto all = verify_dir(dir.db(), chain.genesis, /*keep_going=*/true);
      REQUIRE(all.differences.size() == 2);
      CHECK(all.complete);
      CHECK(all.differences[0].message ==
            "height 4: tx 2 (" + core::to_hex(t.tx_id()) +
                ") tx index points to height 0 index 0, not height 4 index 2");
      CHECK(all.differences[1].message.rfind("state key \"" + key + "\"", 0) == 0);
    }
  }

  TEST_CASE("what a validator refuses, the audit refuses: over the limits, a wrong validator set") {
    // Before chain::check_block the audit had its own checks and let the first two pass.
    ChainBuilder chain(/*max_block_txs=*/3, /*max_block_bytes=*/1024);
    auto store = storage::make_memory_store();
    chain.build(*store);  // at most 3 small txs a block: within both limits
    CHECK_MESSAGE(verify(*store, chain.genesis).ok(), "honest chain");

    SUBCASE("more txs than max_block_txs") {
      chain.commit(
          *store,
          {chain.anchor(chain.client_key, digest(20)), chain.anchor(chain.client_key, digest(21)),
           chain.anchor(chain.client_key, digest(22)), chain.anchor(chain.client_key, digest(23))});
      auto report = verify(*store, chain.genesis);
      CHECK_FALSE(report.ok());
      CHECK(first_difference(report) == "height 5: 4 txs; the limit is 3");
    }
    SUBCASE("more tx bytes than max_block_bytes") {
      std::vector<core::Tx> big;
      uint64_t bytes = 0;
      for (int n : {30, 31}) {
        core::Tx tx = chain.anchor(chain.client_key, digest(n));
        tx.args = contracts::notary_anchor_args(digest(n), json{{"note", std::string(600, 'x')}});
        tx.sign(chain.client_key);
        bytes += tx.encode().size();
        big.push_back(std::move(tx));
      }
      REQUIRE(bytes > 1024);
      chain.commit(*store, std::move(big));
      auto report = verify(*store, chain.genesis);
      CHECK(first_difference(report) ==
            "height 5: " + std::to_string(bytes) + " tx bytes; the limit is 1024");
    }
    SUBCASE("a validator_set_hash that is not the set in force") {
      chain.commit(*store, {chain.anchor(chain.client_key, digest(40))},
                   [](core::BlockHeader& h) { h.validator_set_hash[0] ^= 0x01; });
      auto report = verify(*store, chain.genesis, /*keep_going=*/true);
      REQUIRE(report.differences.size() == 2);
      // The certificate names the set in force first; then the header rule itself.
      CHECK(report.differences[0].message.rfind(
                "height 5: commit certificate does not verify: block 5 commit cert: header names "
                "validator set ",
                0) == 0);
      CHECK(report.differences[1].message.rfind("height 5: validator_set_hash ", 0) == 0);
      CHECK(report.differences[1].message.find("is not the set in force at this height") !=
            std::string::npos);
    }
  }

  TEST_CASE("a block time too far ahead of the checker's clock is refused, as by a validator") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.build(*store);  // block times kT0 + 1000 .. kT0 + 4000
    VerifyChainOptions options;
    options.now_ms = kT0 + 4000 - chain.genesis.tx_window_ms - 1;
    auto report = verify_chain(*store, chain.genesis, options);
    REQUIRE(report.is_ok());
    CHECK(first_difference(*report).rfind("height 4: timestamp_ms " + std::to_string(kT0 + 4000) +
                                              " is too far ahead of the clock",
                                          0) == 0);
    options.now_ms = kT0;  // within the window
    CHECK(verify_chain(*store, chain.genesis, options)->ok());
  }
}
