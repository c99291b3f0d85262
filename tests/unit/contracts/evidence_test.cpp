#include "silk/contracts/evidence.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/map_state_view.h"
#include "silk/contracts/executor.h"
#include "silk/core/vote.h"
#include "unit/contracts/test_chain.h"

namespace silk::contracts {
namespace {

using core::Status;
using nlohmann::json;
using testing::kBlockTimeMs;
using testing::TestChain;

// In TestChain alice is the only validator; bob is a member but not a validator.
struct Fixture {
  TestChain chain;
  Executor executor{chain.genesis, testing::rules_for(chain.genesis)};
  fakes::MapStateView state;

  core::SignedVote vote(const core::SecretKey& key, core::VoteType type, uint64_t height,
                        uint32_t round, const std::string& block) {
    const core::Hash hash = block.empty() ? core::Hash{} : core::sha256(block);
    return core::SignedVote::make(chain.genesis.chain_id, type, height, round, hash, key);
  }
  core::Tx report(const core::SecretKey& sender, const core::DoubleSignEvidence& ev) {
    const core::Bytes bytes = ev.encode();
    return chain.tx(sender, "evidence", "report",
                    evidence_report_args(core::ByteSpan(bytes.data(), bytes.size())));
  }
  BlockExecution commit(const std::vector<core::Tx>& txs, uint64_t height) {
    auto exec = executor.execute_block(txs, height, kBlockTimeMs, core::Hash{}, state);
    REQUIRE_MESSAGE(exec.is_ok(), exec.status().to_string());
    state.apply(*exec, txs, height, kBlockTimeMs);
    return std::move(exec).value();
  }
  json list(const json& args = json::object()) {
    auto r = executor.query("evidence", "list", args, state, 10, kBlockTimeMs);
    REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
    return json::parse(*r);
  }
};

TEST_SUITE("evidence") {
  TEST_CASE("a real double sign is recorded once, by any member, and listed") {
    Fixture f;
    core::DoubleSignEvidence ev{f.vote(f.chain.alice, core::VoteType::kPrecommit, 5, 1, "A"),
                                f.vote(f.chain.alice, core::VoteType::kPrecommit, 5, 1, "B")};
    BlockExecution exec = f.commit({f.report(f.chain.bob, ev)}, 6);
    REQUIRE_MESSAGE(exec.receipts[0].ok(), exec.receipts[0].message);
    REQUIRE(exec.receipts[0].events.size() == 1);
    CHECK(exec.receipts[0].events[0].name == "double_sign");

    json listed = f.list();
    REQUIRE(listed["evidence"].size() == 1);
    const json& r = listed["evidence"][0];
    CHECK(r["signer"] == core::to_hex(f.chain.alice.public_key()));
    CHECK(r["height"] == 5);
    CHECK(r["round"] == 1);
    CHECK(r["type"] == "precommit");
    CHECK(r["reported_by"] == "org2-client");
    CHECK(f.list({{"signer", core::to_hex(f.chain.bob.public_key())}})["evidence"].empty());

    // The same double sign again, with the votes swapped: already recorded.
    core::DoubleSignEvidence swapped{ev.b, ev.a};
    BlockExecution again = f.commit({f.report(f.chain.bob, swapped)}, 7);
    CHECK_FALSE(again.receipts[0].ok());
    CHECK(again.receipts[0].message.find("already recorded") != std::string::npos);
  }

  TEST_CASE("evidence that proves nothing is refused with its reason") {
    Fixture f;
    auto refused = [&](const core::DoubleSignEvidence& ev, const std::string& why) {
      BlockExecution exec = f.commit({f.report(f.chain.alice, ev)}, 9);
      CHECK_FALSE(exec.receipts[0].ok());
      CHECK_MESSAGE(exec.receipts[0].message.find(why) != std::string::npos,
                    exec.receipts[0].message);
    };
    const auto pc = core::VoteType::kPrecommit;
    // Same block twice: no conflict.
    refused({f.vote(f.chain.alice, pc, 5, 0, "A"), f.vote(f.chain.alice, pc, 5, 0, "A")}, "");
    // Different rounds: a correct validator may vote differently in each.
    refused({f.vote(f.chain.alice, pc, 5, 0, "A"), f.vote(f.chain.alice, pc, 5, 1, "B")}, "");
    // Not a validator (bob is only a member).
    refused({f.vote(f.chain.bob, pc, 5, 0, "A"), f.vote(f.chain.bob, pc, 5, 0, "B")},
            "not a validator");
    // A forged signature.
    core::SignedVote forged = f.vote(f.chain.alice, pc, 5, 0, "B");
    forged.signature[0] ^= 1;
    refused({f.vote(f.chain.alice, pc, 5, 0, "A"), forged}, "");
    // From the future.
    refused({f.vote(f.chain.alice, pc, 50, 0, "A"), f.vote(f.chain.alice, pc, 50, 0, "B")},
            "above this block");
    // Not evidence at all.
    BlockExecution junk =
        f.commit({f.chain.tx(f.chain.alice, "evidence", "report", R"({"evidence":"00ff"})")}, 9);
    CHECK_FALSE(junk.receipts[0].ok());
    CHECK(f.list()["evidence"].empty());
  }
}

}  // namespace
}  // namespace silk::contracts
