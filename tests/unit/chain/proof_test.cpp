// chain's proof bundles: built from a source, checked offline against the genesis file.
#include "silk/chain/proof.h"

#include <doctest/doctest.h>

#include <string>

#include "unit/chain/proof_chain.h"

using namespace silk;
using namespace silk::chain;
using namespace silk::proof_test;

TEST_SUITE("proof") {
  TEST_CASE("every tx of an honest chain is proven offline, refused ones too") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    for (const core::Block& block : blocks) {
      for (size_t i = 0; i < block.txs.size(); ++i) {
        const json bundle = prove(*store, core::to_hex(block.txs[i].tx_id()));
        CHECK(bundle["height"] == block.header.height);
        CHECK(bundle["index"] == i);
        const ProofReport r = verify_proof_bundle(bundle, chain.genesis);
        CHECK_MESSAGE(r.ok(), first_failure(bundle, chain.genesis));
        CHECK(r.checks.size() == 8);
      }
    }
    // Block 4, tx 0: the stranger's refused anchor is on chain with its failure.
    const json refused = prove(*store, core::to_hex(blocks[3].txs[0].tx_id()));
    const ProofReport r = verify_proof_bundle(refused, chain.genesis);
    CHECK(r.ok());
    CHECK(refused["receipt_decoded"]["code"] == 3);
    CHECK(r.summary.find("tx " + core::to_hex(blocks[3].txs[0].tx_id()) + " is in block 4 (hash " +
                         core::to_hex(blocks[3].hash()) + ") committed by ") == 0);
    CHECK(r.summary.find("(solo), receipt code 3 (unauthorized)") != std::string::npos);
    // Three leaves: the last one has a one-node path, the first a two-node path.
    CHECK(refused["tx_path"].size() == 2);
    CHECK(prove(*store, core::to_hex(blocks[3].txs[2].tx_id()))["tx_path"].size() == 1);
  }

  TEST_CASE("a doc_id resolves to its issuing tx and the record is carried") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    const json bundle = prove(*store, kDocId);
    CHECK(bundle["tx_id"] == core::to_hex(blocks[1].txs[2].tx_id()));
    CHECK(bundle["doc_id"] == kDocId);
    CHECK(bundle["document"]["doc_id"] == kDocId);
    CHECK(bundle["receipt_decoded"]["code"] == 0);
    const ProofReport r = verify_proof_bundle(bundle, chain.genesis);
    CHECK_MESSAGE(r.ok(), first_failure(bundle, chain.genesis));
    CHECK(r.checks.size() == 9);
    CHECK(r.checks.back().name == "document");

    json other = bundle;  // a record of another document grafted on
    other["doc_id"] = "CO-OTHER";
    other["document"]["doc_id"] = "CO-OTHER";
    CHECK(first_failure(other, chain.genesis) ==
          "document: the tx is not a documents call naming doc_id \"CO-OTHER\"");

    auto source = make_store_proof_source(*store);
    auto unknown = build_proof_bundle(*source, "NO-SUCH-DOC");
    REQUIRE_FALSE(unknown.is_ok());
    CHECK(unknown.status().code() == core::Status::Code::kNotFound);
    CHECK(starts_with(unknown.status().message(), "doc_id \"NO-SUCH-DOC\": "));
    auto no_tx = build_proof_bundle(*source, core::to_hex(digest(77)));
    REQUIRE_FALSE(no_tx.is_ok());
    CHECK(no_tx.status().code() == core::Status::Code::kNotFound);
  }

  TEST_CASE("each tampered part is caught, naming it") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    const core::Tx& tx = blocks[3].txs[1];
    const json good = prove(*store, core::to_hex(tx.tx_id()));
    REQUIRE(first_failure(good, chain.genesis) == "(none)");

    SUBCASE("a tx byte (in the args)") {
      json b = good;
      flip(b, "tx", -70);
      CHECK(starts_with(first_failure(b, chain.genesis), "tx: the tx's tx_id is "));
    }
    SUBCASE("a tx byte, with the tx_id claimed to match") {
      json b = good;
      flip(b, "tx", -70);
      b["tx_id"] = core::to_hex(
          core::Tx::decode(core::from_hex(b["tx"].get<std::string>()).value()).value().tx_id());
      CHECK(starts_with(first_failure(b, chain.genesis),
                        "tx signature: the signature does not verify against sender public key"));
    }
    SUBCASE("a signature byte of the tx") {
      json b = good;
      flip(b, "tx", -1);
      CHECK(starts_with(first_failure(b, chain.genesis), "tx signature: "));
      CHECK(verify_proof_bundle(b, chain.genesis).checks.size() == 8);
    }
    SUBCASE("a tx that does not decode") {
      json b = good;
      b["tx"] = b["tx"].get<std::string>() + "00";
      CHECK(starts_with(first_failure(b, chain.genesis), "tx: the tx does not decode: "));
    }
    SUBCASE("a receipt byte (its code)") {
      json b = good;
      flip(b, "receipt", 32);
      CHECK(first_failure(b, chain.genesis) ==
            "receipt inclusion: the receipt leaf at index 1 with its audit path does not reach "
            "receipts_root " +
                core::to_hex(blocks[3].header.receipts_root));
    }
    SUBCASE("a receipt of another tx") {
      json b = good;
      flip(b, "receipt", 0);
      CHECK(starts_with(first_failure(b, chain.genesis), "receipt: the receipt is for tx "));
    }
    SUBCASE("one tx audit-path node") {
      json b = good;
      std::string node = b["tx_path"][0].get<std::string>();
      node[0] = node[0] == '0' ? '1' : '0';
      b["tx_path"][0] = node;
      CHECK(
          first_failure(b, chain.genesis) ==
          "tx inclusion: the tx leaf at index 1 of 3 with its audit path does not reach tx_root " +
              core::to_hex(blocks[3].header.tx_root));
    }
    SUBCASE("one receipt audit-path node, or a path cut short") {
      json b = good;
      b["receipt_path"][1] = core::to_hex(digest(5));
      CHECK(starts_with(first_failure(b, chain.genesis), "receipt inclusion: "));
      json c = good;
      c["receipt_path"].erase(1);
      CHECK(starts_with(first_failure(c, chain.genesis), "receipt inclusion: "));
    }
    SUBCASE("another index") {
      json b = good;
      b["index"] = 0;
      CHECK(starts_with(first_failure(b, chain.genesis), "tx inclusion: "));
    }
    SUBCASE("a header field") {
      json b = good;
      // timestamp_ms sits after version, chain_id, height and prev_hash.
      flip(b, "header", 4 + 4 + static_cast<long>(std::string(kChainId).size()) + 8 + 32);
      CHECK(starts_with(first_failure(b, chain.genesis), "header: the header hashes to "));
    }
    SUBCASE("a header field, with block_hash claimed to match") {
      json b = good;
      flip(b, "header", 4 + 4 + static_cast<long>(std::string(kChainId).size()) + 8 + 32);
      b["block_hash"] =
          core::to_hex(core::sha256(core::from_hex(b["header"].get<std::string>()).value()));
      CHECK(first_failure(b, chain.genesis) ==
            "commit certificate: does not verify: block 4 commit cert: signature by " +
                core::to_hex(chain.node_key.public_key()) + " does not verify");
    }
    SUBCASE("a commit certificate signature") {
      json b = good;
      flip(b, "cert", -1);
      CHECK(starts_with(first_failure(b, chain.genesis), "commit certificate: does not verify: "));
    }
    SUBCASE("another validator set in the bundle") {
      json b = good;
      b["validators"].push_back(core::to_hex(chain.stranger_key.public_key()));
      CHECK(starts_with(first_failure(b, chain.genesis),
                        "commit certificate: the bundle's validator set (2 keys) is not the "
                        "genesis validator set (1 key)"));
    }
    SUBCASE("another genesis") {
      ChainBuilder other(kT0 + 1);
      CHECK(first_failure(good, other.genesis) ==
            "genesis: the bundle's genesis_hash " + core::to_hex(chain.genesis.hash) +
                " != the genesis file's " + core::to_hex(other.genesis.hash));
      // The certificate is not blamed on governance: it was not checked against another chain.
      const chain::ProofReport r = chain::verify_proof_bundle(good, other.genesis);
      bool seen = false;
      for (const chain::ProofCheck& c : r.checks) {
        if (c.name != "commit certificate") continue;
        seen = true;
        CHECK(c.detail.find("governance") == std::string::npos);
        CHECK(starts_with(c.detail, "not checked: the bundle is from another chain"));
      }
      CHECK(seen);
    }
    SUBCASE("a missing field or another format") {
      json b = good;
      b.erase("receipt_path");
      CHECK(first_failure(b, chain.genesis) ==
            "receipt inclusion: the bundle has no array \"receipt_path\"");
      json c = good;
      c["format"] = "silk-proof/0";
      CHECK(first_failure(c, chain.genesis) ==
            "bundle: format is \"silk-proof/0\", expected \"silk-proof/1\"");
      CHECK(first_failure(json::array(), chain.genesis) ==
            "bundle: the bundle is not a JSON object");
    }
  }

  TEST_CASE("a certificate sender: carried certificate checked, otherwise a warning") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    json b = prove(*store, core::to_hex(blocks[0].txs[0].tx_id()));
    // Re-sign the tx as a certificate sender without a carried certificate: the signature cannot
    // be checked offline (the bundle then also fails inclusion, which is checked later).
    core::Tx tx = blocks[0].txs[0];
    tx.sender_kind = core::SenderKind::kCertFingerprint;
    tx.sender = core::sha256("some certificate");
    tx.sign(chain.client_key);
    b["tx"] = core::to_hex(core::ByteSpan(tx.encode()));
    b["tx_id"] = core::to_hex(tx.tx_id());
    const ProofReport r = verify_proof_bundle(b, chain.genesis);
    REQUIRE(r.first_failure() != nullptr);
    CHECK(r.first_failure()->warning);
    CHECK(r.first_failure()->detail ==
          "signature not checkable offline: the certificate is not in the tx (sender " +
              core::to_hex(tx.sender) + ")");
    CHECK_FALSE(r.ok());
  }
}
