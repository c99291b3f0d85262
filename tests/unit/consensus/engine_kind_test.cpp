// The engine registry (engine.h, engine_factory.cpp): what each built-in engine declares about
// itself, the lookups by name and by certificate kind, and the engine-owned commit rule.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "silk/consensus/engine.h"
#include "silk/core/block.h"
#include "silk/core/crypto.h"

namespace silk::consensus {
namespace {

using core::Status;

TEST_SUITE("engine_kind") {
  TEST_CASE("every engine is registered once, by name and by certificate kind") {
    CHECK(engine_names() == "solo, raft, tbft");
    std::set<std::string_view> names;
    std::set<core::CommitCert::Kind> certs;
    for (const EngineKind* k : engine_kinds()) {
      CHECK(names.insert(k->name()).second);
      CHECK(certs.insert(k->cert_kind()).second);
      CHECK(find_engine_kind(k->name()) == k);
      CHECK(engine_kind_of(k->cert_kind()) == k);
    }
    CHECK(find_engine_kind("pbft") == nullptr);
    auto unknown = engine_kind("pbft");
    REQUIRE_FALSE(unknown.is_ok());
    CHECK(unknown.status().message() ==
          "unknown consensus type 'pbft' (this build has solo, raft, tbft)");
  }

  TEST_CASE("what each engine needs from the driver and allows governance") {
    const EngineKind& solo = solo_engine_kind();
    CHECK_FALSE(solo.networked());
    CHECK_FALSE(solo.needs_wal());
    CHECK_FALSE(solo.needs_proposal_bytes());
    CHECK_FALSE(solo.needs_next_validators());
    CHECK(solo.validator_changes() == core::ValidatorChanges::kNever);
    const EngineKind& raft = raft_engine_kind();
    CHECK(raft.networked());
    CHECK(raft.needs_wal());
    CHECK(raft.needs_proposal_bytes());  // the leader replicates the block's bytes
    CHECK(raft.needs_next_validators());
    CHECK(raft.validator_changes() == core::ValidatorChanges::kOneAtATime);
    const EngineKind& tbft = tbft_engine_kind();
    CHECK(tbft.networked());
    CHECK(tbft.needs_wal());
    CHECK(tbft.needs_proposal_bytes());  // its proposal message carries the block
    CHECK(tbft.needs_next_validators());
    CHECK(tbft.validator_changes() == core::ValidatorChanges::kAny);
  }

  TEST_CASE("the engine owns its commit rule: only its own kind of certificate") {
    REQUIRE(core::crypto_init().is_ok());
    auto key = core::SecretKey::from_seed(core::Bytes(32, 7));
    REQUIRE(key.is_ok());
    core::BlockHeader h;
    h.chain_id = "c";
    h.height = 1;
    h.proposer = key->public_key();
    h.validator_set_hash = core::validator_set_hash({key->public_key()});
    const core::Hash msg = core::commit_message(h.chain_id, h.height, 0, h.hash());
    core::CommitCert cert;
    cert.kind = core::CommitCert::Kind::kSolo;
    cert.votes.push_back({key->public_key(), key->sign(core::ByteSpan(msg.data(), msg.size()))});
    CHECK(solo_engine_kind().verify_commit(h, cert, {key->public_key()}).is_ok());
    Status other = tbft_engine_kind().verify_commit(h, cert, {key->public_key()});
    CHECK(other.code() == Status::Code::kInvalid);
    CHECK(other.message() == "it is a solo certificate; a tbft chain's blocks carry tbft ones");
    // A make_engine of an unknown type says which ones exist.
    EngineConfig c;
    c.params.type = "pow";
    CHECK(make_engine(c).status().message().find("this build has solo, raft, tbft") !=
          std::string::npos);
  }
}

}  // namespace
}  // namespace silk::consensus
