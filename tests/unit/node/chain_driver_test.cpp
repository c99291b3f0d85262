// The chain driver with a scripted engine: foreign blocks checked before a vote (ValidateBlock),
// committed from bytes (CommitBlock), fetched by block sync (certificate first), the WAL, and
// the messages and errors each path gives.
#include "silk/node/chain_driver.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#include "silk/chain/engine.h"
#include "silk/core/merkle.h"
#include "unit/node/node_test_support.h"

namespace silk::node {
namespace {

namespace cs = consensus;
using test::kNow;

// A networked engine that needs everything the driver can give it (block bytes with a proposal,
// the next validator set with a commit).
class ScriptedKind final : public cs::EngineKind {
 public:
  std::string_view name() const override { return "scripted"; }
  core::CommitCert::Kind cert_kind() const override { return core::CommitCert::Kind::kTbft; }
  bool networked() const override { return true; }
  bool needs_wal() const override { return true; }
  bool needs_proposal_bytes() const override { return true; }
  bool needs_next_validators() const override { return true; }
  core::ValidatorChanges validator_changes() const override { return core::ValidatorChanges::kAny; }
  core::Status verify_commit(const core::BlockHeader& header, const core::CommitCert& cert,
                             const std::vector<core::PublicKey>& validators) const override {
    return core::verify_commit_cert(header, cert, validators);
  }
  core::Result<std::unique_ptr<cs::Engine>> make(cs::EngineConfig) const override {
    return core::Status::invalid("scripted engines are made by the test");
  }
};

const ScriptedKind& scripted_kind() {
  static const ScriptedKind kKind;
  return kKind;
}

// Emits the actions registered under a message's first byte; records every event it sees.
class ScriptedEngine final : public cs::Engine {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<cs::Event> events;
    std::map<uint8_t, std::vector<cs::Action>> scripts;
    std::vector<cs::Action> on_start;
    std::optional<std::vector<core::Bytes>> checkpoint;  // what wal_checkpoint() answers
  };
  explicit ScriptedEngine(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  const cs::EngineKind& kind() const override { return scripted_kind(); }
  std::vector<cs::Action> step(const cs::Event& event) override {
    std::lock_guard lock(shared_->mu);
    shared_->events.push_back(event);
    shared_->cv.notify_all();
    if (std::holds_alternative<cs::Started>(event)) return shared_->on_start;
    if (const auto* m = std::get_if<cs::MessageReceived>(&event); m && !m->payload.empty()) {
      return shared_->scripts[m->payload[0]];
    }
    return {};
  }
  std::optional<std::vector<core::Bytes>> wal_checkpoint() const override {
    std::lock_guard lock(shared_->mu);
    return shared_->checkpoint;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

// A memory store whose commit_block waits while its gate is closed: a block
// the driver handed to its store thread stays in flight until the test opens it.
class GatedStore final : public test::DelegatingStore {
 public:
  GatedStore() : DelegatingStore(storage::make_memory_store()) {}
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool is_open() {
    std::lock_guard lock(mu_);
    return open_;
  }
  // True once a commit_block is waiting at the closed gate.
  bool waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }
  core::Status commit_block(const core::Block& block, const std::vector<core::Receipt>& receipts,
                            const std::vector<core::StateWrite>& writes) override {
    {
      std::unique_lock lock(mu_);
      waiting_ = true;
      cv_.wait(lock, [this] { return open_; });
      waiting_ = false;
    }
    return DelegatingStore::commit_block(block, receipts, writes);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  bool waiting_ = false;
};

// Polls `done` for up to 10 s.
template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

struct Fixture {
  test::TestChain chain;
  core::ManualClock clock{kNow};
  std::unique_ptr<GatedStore> gated = std::make_unique<GatedStore>();
  GatedStore& gate = *gated;
  std::unique_ptr<storage::Store> store = std::move(gated);
  contracts::Executor executor{chain.genesis, *chain::consensus_rules(chain.genesis)};
  ThreadPool verifiers{1};
  ConfigInForce config{*executor.config_schedule(StoreStateView(*store))};
  Mempool mempool{chain.genesis, config, executor, *store, clock, verifiers, 1000};
  CommitWaiters waiters{[](const core::Hash&) { return std::optional<CommitInfo>(); }};
  std::shared_ptr<ScriptedEngine::Shared> shared = std::make_shared<ScriptedEngine::Shared>();
  std::unique_ptr<ChainDriver> driver;
  core::Status fatal;

  explicit Fixture(uint32_t max_block_txs = 5000, uint64_t max_block_bytes = 8u << 20)
      : chain(max_block_txs, max_block_bytes) {
    REQUIRE(
        store->init_genesis(core::make_genesis_block(chain.genesis), chain.genesis.canonical_json)
            .is_ok());
  }
  ~Fixture() {
    if (driver) driver->stop();
  }
  void start() {
    driver = std::make_unique<ChainDriver>(chain.genesis, chain.node_key.public_key(),
                                           std::make_unique<ScriptedEngine>(shared), executor,
                                           config, *store, mempool, waiters, clock,
                                           [this](const core::Status& s) { fatal = s; });
    driver->set_verifier_pool(&verifiers);
    REQUIRE(driver->start().is_ok());
  }

  // A block at tip+1 over the current state, built the way a proposer builds one.
  core::Block build(const std::vector<core::Tx>& txs) {
    const storage::ChainTip tip = *store->tip();
    StoreStateView view(*store);
    core::Block b;
    b.txs = txs;
    auto exec = executor.execute_block(txs, tip.height + 1, kNow, tip.state_root, view);
    REQUIRE(exec.is_ok());
    core::BlockHeader& h = b.header;
    h.chain_id = chain.genesis.chain_id;
    h.height = tip.height + 1;
    h.prev_hash = tip.block_hash;
    h.timestamp_ms = kNow;
    h.proposer = chain.node_key.public_key();
    h.tx_count = static_cast<uint32_t>(txs.size());
    h.tx_root = core::Block::compute_tx_root(txs);
    h.receipts_root = exec->receipts_root;
    h.state_root = exec->state_root;
    h.validator_set_hash = core::validator_set_hash(chain.genesis.validators);
    return b;
  }
  core::CommitCert cert_for(const core::Block& b) {
    return cert_for_hash(b.header.height, b.hash());
  }
  core::CommitCert cert_for_hash(uint64_t height, const core::Hash& hash) {
    core::CommitCert c;
    const core::Hash m = core::commit_message(chain.genesis.chain_id, height, 0, hash);
    c.votes.push_back(
        {chain.node_key.public_key(), chain.node_key.sign(core::ByteSpan(m.data(), m.size()))});
    return c;
  }

  // Runs script `tag` (through a message) and waits for an event of type E after it.
  template <typename E>
  E run(uint8_t tag, std::vector<cs::Action> actions) {
    size_t seen = 0;
    {
      std::lock_guard lock(shared->mu);
      shared->scripts[tag] = std::move(actions);
      seen = shared->events.size();
    }
    driver->deliver_message(chain.node_key.public_key(), core::Bytes{tag});
    return wait_for<E>(seen);
  }
  template <typename E>
  E wait_for(size_t after) {
    std::unique_lock lock(shared->mu);
    const bool got = shared->cv.wait_for(lock, std::chrono::seconds(10), [&] {
      for (size_t i = after; i < shared->events.size(); ++i) {
        if (std::holds_alternative<E>(shared->events[i])) return true;
      }
      return false;
    });
    REQUIRE_MESSAGE(got, "the engine never heard the expected event");
    E found{};
    for (size_t i = after; i < shared->events.size(); ++i) {
      if (const E* e = std::get_if<E>(&shared->events[i])) {
        found = *e;
        break;
      }
    }
    lock.unlock();
    if constexpr (std::is_same_v<E, cs::BlockCommitted>) {
      // The engine hears of a block before it is durable (the pipeline):
      // tests that read the store afterwards wait for it, unless the gate holds it.
      if (!gate.is_open()) return found;
      REQUIRE_MESSAGE(eventually([&] { return driver->height() >= found.height; }),
                      "block " << found.height << " never became durable");
    }
    return found;
  }
  size_t event_count() {
    std::lock_guard lock(shared->mu);
    return shared->events.size();
  }
};

cs::ValidateBlock validate_action(const core::Block& b) {
  return cs::ValidateBlock{b.header.height, 0, b.hash(), b.encode()};
}

TEST_SUITE("chain_driver") {
  TEST_CASE(
      "stepped, the driver runs no thread: timers fire on the Env's clock, blocks store inline") {
    Fixture f;
    core::ManualClock timer_clock(1000);
    MemEnv env(timer_clock);
    f.shared->on_start = {cs::SetTimer{7, 100}};
    f.shared->scripts[1] = {cs::RequestProposal{1, 0, true, 0}};
    f.driver = std::make_unique<ChainDriver>(f.chain.genesis, f.chain.node_key.public_key(),
                                             std::make_unique<ScriptedEngine>(f.shared), f.executor,
                                             f.config, *f.store, f.mempool, f.waiters, f.clock,
                                             [&f](const core::Status& s) { f.fatal = s; });
    f.driver->set_env(env);
    REQUIRE(f.driver->start_stepped().is_ok());
    REQUIRE(f.driver->step());
    CHECK(f.driver->next_timer_ms() == std::optional<uint64_t>(1100));
    timer_clock.set(1099);
    REQUIRE(f.driver->step());
    auto fired = [&f] {
      std::lock_guard lock(f.shared->mu);
      for (const cs::Event& e : f.shared->events) {
        if (const auto* t = std::get_if<cs::TimerFired>(&e); t && t->timer_id == 7) return true;
      }
      return false;
    };
    CHECK_FALSE(fired());
    timer_clock.set(1100);
    REQUIRE(f.driver->step());
    CHECK(fired());
    CHECK_FALSE(f.driver->next_timer_ms().has_value());

    // A proposal, then its commit: stored before step() returns.
    f.driver->deliver_message(f.chain.node_key.public_key(), core::Bytes{1});
    REQUIRE(f.driver->step());
    core::Hash hash{};
    {
      std::lock_guard lock(f.shared->mu);
      const auto* ready = std::get_if<cs::ProposalReady>(&f.shared->events.back());
      REQUIRE(ready != nullptr);
      hash = ready->block_hash;
    }
    f.shared->scripts[2] = {cs::CommitBlock{1, hash, f.cert_for_hash(1, hash), {}}};
    f.driver->deliver_message(f.chain.node_key.public_key(), core::Bytes{2});
    REQUIRE(f.driver->step());
    CHECK(f.driver->height() == 1);
    CHECK(f.store->tip()->height == 1);
    CHECK(f.fatal.is_ok());
  }

  TEST_CASE("a foreign block is validated once, then committed from the held execution") {
    Fixture f;
    f.start();
    core::Block b =
        f.build({test::anchor_tx(f.chain.client_key, 1), test::anchor_tx(f.chain.client_key, 2)});
    auto v = f.run<cs::BlockValidated>(1, {validate_action(b)});
    CHECK_MESSAGE(v.valid, v.reason);
    CHECK(v.block_hash == b.hash());
    CHECK(f.driver->stats().blocks_validated == 1);

    cs::CommitBlock commit{1, b.hash(), f.cert_for(b), {}};  // no bytes: the driver holds it
    auto done = f.run<cs::BlockCommitted>(2, {commit});
    CHECK(done.height == 1);
    CHECK(done.block_hash == b.hash());
    CHECK(f.store->tip()->height == 1);
    auto stored = f.store->block_by_height(1);
    REQUIRE(stored.is_ok());
    CHECK(stored->cert.votes.size() == 1);

    // The same commit again (block sync got there first): answered, nothing changes.
    auto again = f.run<cs::BlockCommitted>(3, {commit});
    CHECK(again.height == 1);
    CHECK(f.store->tip()->height == 1);
    CHECK(f.fatal.is_ok());
  }

  TEST_CASE("a block committed from bytes alone is checked and executed first") {
    Fixture f;
    f.start();
    core::Block b = f.build({test::anchor_tx(f.chain.client_key, 7)});
    auto done =
        f.run<cs::BlockCommitted>(1, {cs::CommitBlock{1, b.hash(), f.cert_for(b), b.encode()}});
    CHECK(done.height == 1);
    CHECK(f.store->has_tx(b.txs[0].tx_id()));
  }

  TEST_CASE("bad proposals are refused with the reason, and the tip does not move") {
    Fixture f;
    f.start();
    auto refused = [&](uint8_t tag, const cs::ValidateBlock& action, const std::string& why) {
      auto v = f.run<cs::BlockValidated>(tag, {action});
      CHECK_FALSE(v.valid);
      CHECK_MESSAGE(v.reason.find(why) != std::string::npos, v.reason);
    };
    core::Tx forged = test::anchor_tx(f.chain.client_key, 3);
    forged.signature[5] ^= 1;
    refused(1, validate_action(f.build({forged})), "signature does not verify against sender");

    // A tx the pool holds, but with another signature: the id does not cover
    // the signature, so the pool's verification does not count for it.
    const core::Tx pooled = test::anchor_tx(f.chain.client_key, 30);
    const core::Bytes pooled_bytes = pooled.encode();
    REQUIRE(f.mempool.add(core::ByteSpan(pooled_bytes.data(), pooled_bytes.size())).is_ok());
    core::Tx resigned = pooled;
    resigned.signature[7] ^= 1;
    REQUIRE(resigned.tx_id() == pooled.tx_id());
    refused(9, validate_action(f.build({resigned})), "signature does not verify against sender");

    core::Block wrong_root = f.build({test::anchor_tx(f.chain.client_key, 4)});
    wrong_root.header.state_root[0] ^= 1;
    refused(2, validate_action(wrong_root), "state_root in header");

    core::Block wrong_prev = f.build({});
    wrong_prev.header.prev_hash[0] ^= 1;
    refused(3, validate_action(wrong_prev), "is not the tip");

    core::Block stranger = f.build({});
    stranger.header.proposer = f.chain.stranger_key.public_key();
    refused(4, validate_action(stranger), "is not a validator");

    core::Block future = f.build({});
    future.header.timestamp_ms = kNow + test::kWindow + 60'000;
    refused(5, validate_action(future), "too far ahead");

    core::Block twice = f.build({test::anchor_tx(f.chain.client_key, 9)});
    twice.txs.push_back(twice.txs[0]);
    twice.header.tx_count = 2;
    refused(6, validate_action(twice), "");  // tx_root or duplicate: either way refused

    cs::ValidateBlock garbage{1, 0, core::Hash{}, core::Bytes{1, 2, 3}};
    refused(7, garbage, "does not decode");

    core::Block ok = f.build({});
    cs::ValidateBlock lie = validate_action(ok);
    lie.block_hash[0] ^= 1;
    refused(8, lie, "differs from the one announced");

    CHECK(f.driver->stats().blocks_rejected == 9);
    CHECK(f.store->tip()->height == 0);
    CHECK(f.fatal.is_ok());
  }

  TEST_CASE("a wrong validator_set_hash and blocks over the limits in force are refused") {
    // The rules chain::check_block applies for the auditor too (chain/check_block_test.cpp).
    Fixture f(/*max_block_txs=*/10, /*max_block_bytes=*/1024);
    f.start();
    auto refused = [&](uint8_t tag, const core::Block& b, const std::string& why) {
      auto v = f.run<cs::BlockValidated>(tag, {validate_action(b)});
      CHECK_FALSE(v.valid);
      CHECK_MESSAGE(v.reason.find(why) != std::string::npos, v.reason);
    };
    core::Block wrong_set = f.build({test::anchor_tx(f.chain.client_key, 1)});
    wrong_set.header.validator_set_hash[0] ^= 1;
    refused(1, wrong_set, "validator_set_hash ");

    std::vector<core::Tx> eleven;
    for (uint64_t n = 10; n < 21; ++n) eleven.push_back(test::anchor_tx(f.chain.client_key, n));
    refused(2, f.build(eleven), ": 11 txs; the limit is 10");

    std::vector<core::Tx> five(eleven.begin(), eleven.begin() + 5);
    uint64_t bytes = 0;
    for (const core::Tx& tx : five) bytes += tx.encode().size();
    REQUIRE(bytes > 1024);
    refused(3, f.build(five), ": " + std::to_string(bytes) + " tx bytes; the limit is 1024");

    // Within the limits, with the set in force: valid.
    auto ok = f.run<cs::BlockValidated>(4, {validate_action(f.build({eleven[0], eleven[1]}))});
    CHECK_MESSAGE(ok.valid, ok.reason);
    CHECK(f.driver->stats().blocks_rejected == 3);
    CHECK(f.fatal.is_ok());
  }

  TEST_CASE("block sync applies certified blocks in order and refuses forged certificates") {
    Fixture f;
    f.start();
    const core::PublicKey peer = f.chain.client_key.public_key();
    core::Block b1 = f.build({test::anchor_tx(f.chain.client_key, 11)});

    core::Block forged = b1;
    forged.cert = f.cert_for(b1);
    forged.cert.votes[0].signature[0] ^= 1;
    const size_t before = f.event_count();
    f.driver->deliver_synced_blocks(peer, {forged.encode()});
    for (int i = 0; i < 100 && f.driver->stats().blocks_rejected == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(f.driver->stats().blocks_rejected == 1);
    CHECK(f.driver->stats().last_rejection.find("does not verify") != std::string::npos);
    CHECK(f.store->tip()->height == 0);

    b1.cert = f.cert_for(b1);
    f.driver->deliver_synced_blocks(peer, {b1.encode()});
    auto done = f.wait_for<cs::BlockCommitted>(before);
    CHECK(done.height == 1);
    CHECK(f.driver->stats().blocks_synced == 1);
    CHECK(f.store->tip()->height == 1);
    CHECK(f.fatal.is_ok());
  }

  TEST_CASE("pipeline: the next block is built over a block still being stored") {
    Fixture f;
    std::vector<core::Bytes> sent;
    std::mutex sent_mu;
    f.start();
    f.driver->set_network(DriverNetwork{{}, [&](core::Bytes p) {
                                          std::lock_guard lock(sent_mu);
                                          sent.push_back(std::move(p));
                                        }});
    const std::string digest(64, 'a');
    const core::Tx first = test::anchor_tx(f.chain.client_key, 1, kNow, test::kChainId, digest);
    // The same digest again (rejected by notary once the first is applied) and a new one.
    const core::Tx again = test::anchor_tx(f.chain.client_key, 2, kNow, test::kChainId, digest);
    const core::Tx other = test::anchor_tx(f.chain.client_key, 3);
    for (const core::Tx& tx : {first, again, other}) {
      const core::Bytes bytes = tx.encode();
      REQUIRE(f.mempool.add(core::ByteSpan(bytes.data(), bytes.size())).is_ok());
    }

    f.gate.close();
    core::Block b1 = f.build({first});
    auto done =
        f.run<cs::BlockCommitted>(1, {cs::CommitBlock{1, b1.hash(), f.cert_for(b1), b1.encode()}});
    CHECK(done.height == 1);
    REQUIRE(eventually([&] { return f.gate.waiting(); }));
    CHECK(f.driver->height() == 0);  // heard, not yet durable
    CHECK(f.store->tip()->height == 0);

    // Block 2 is built while block 1 is in flight: it leaves out block 1's tx
    // (still in the pool) and sees block 1's write (the digest is taken).
    auto ready = f.run<cs::ProposalReady>(2, {cs::RequestProposal{2, 0, false, 0}});
    CHECK(ready.height == 2);
    CHECK(ready.tx_count == 2);
    CHECK(f.store->tip()->height == 0);

    // Nothing is sent while a block the engine heard of is not durable.
    f.run<cs::MessageReceived>(3, {cs::Broadcast{core::Bytes{7}}});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    {
      std::lock_guard lock(sent_mu);
      CHECK(sent.empty());
    }
    f.gate.open();
    REQUIRE(eventually([&] {
      std::lock_guard lock(sent_mu);
      return sent.size() == 1;
    }));
    CHECK(f.driver->height() == 1);

    auto committed = f.run<cs::BlockCommitted>(
        4, {cs::CommitBlock{2, ready.block_hash, f.cert_for_hash(2, ready.block_hash), {}}});
    CHECK(committed.height == 2);
    CHECK(f.driver->height() == 2);
    auto stored = f.store->block_by_height(2);
    REQUIRE(stored.is_ok());
    REQUIRE(stored->txs.size() == 2);
    CHECK(stored->txs[0].tx_id() == again.tx_id());
    auto refused = f.store->receipt(again.tx_id());
    REQUIRE(refused.is_ok());
    CHECK_FALSE(refused->ok());  // the digest was anchored by block 1
    auto fine = f.store->receipt(other.tx_id());
    REQUIRE(fine.is_ok());
    CHECK(fine->ok());
    CHECK(f.mempool.size() == 0);
    CHECK(f.fatal.is_ok());
  }

  TEST_CASE("WAL records come back at start and are synced before a send") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("silk-driver-wal-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "c.wal").string();
    {
      Fixture f;
      std::vector<core::Bytes> records;
      auto wal = ConsensusWal::open(path, records);
      REQUIRE(wal.is_ok());
      f.driver = std::make_unique<ChainDriver>(
          f.chain.genesis, f.chain.node_key.public_key(),
          std::make_unique<ScriptedEngine>(f.shared), f.executor, f.config, *f.store, f.mempool,
          f.waiters, f.clock, [&f](const core::Status& s) { f.fatal = s; });
      std::vector<core::Bytes> sent;
      std::mutex sent_mu;
      f.driver->set_network(DriverNetwork{{}, [&](core::Bytes p) {
                                            std::lock_guard lock(sent_mu);
                                            sent.push_back(std::move(p));
                                          }});
      f.driver->set_wal(std::move(wal).value(), {});
      REQUIRE(f.driver->start().is_ok());
      f.run<cs::MessageReceived>(
          1, {cs::PersistWal{core::Bytes{9, 9}}, cs::Broadcast{core::Bytes{1}}});
      for (int i = 0; i < 100 && f.driver->stats().wal_syncs == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      CHECK(f.driver->stats().wal_syncs == 1);
      std::lock_guard lock(sent_mu);
      CHECK(sent.size() == 1);
    }
    {
      Fixture f;
      std::vector<core::Bytes> records;
      auto wal = ConsensusWal::open(path, records);
      REQUIRE(wal.is_ok());
      REQUIRE(records.size() == 1);
      f.driver = std::make_unique<ChainDriver>(
          f.chain.genesis, f.chain.node_key.public_key(),
          std::make_unique<ScriptedEngine>(f.shared), f.executor, f.config, *f.store, f.mempool,
          f.waiters, f.clock, [&f](const core::Status& s) { f.fatal = s; });
      f.driver->set_wal(std::move(wal).value(), std::move(records));
      REQUIRE(f.driver->start().is_ok());
      auto started = f.wait_for<cs::Started>(0);
      REQUIRE(started.wal_records.size() == 1);
      CHECK(started.wal_records[0] == core::Bytes{9, 9});
      CHECK(started.validators == f.chain.genesis.validators);
    }
    std::filesystem::remove_all(dir);
  }
  TEST_CASE(
      "past its threshold the WAL becomes the engine's checkpoint, and stays under its bound") {
    core::ManualClock timer_clock(1000);
    MemEnv env(timer_clock);
    constexpr uint64_t kThreshold = 64u << 10;
    constexpr size_t kRecord = 1000;  // 1008 bytes in the WAL
    auto run = [&](std::optional<std::vector<core::Bytes>> checkpoint, size_t steps) {
      Fixture f;
      std::vector<core::Bytes> records;
      auto wal = ConsensusWal::open(env, "c.wal", records);
      REQUIRE(wal.is_ok());
      f.shared->scripts[5] = {cs::PersistWal{core::Bytes(kRecord, 5)}};
      f.shared->checkpoint = std::move(checkpoint);
      f.driver = std::make_unique<ChainDriver>(
          f.chain.genesis, f.chain.node_key.public_key(),
          std::make_unique<ScriptedEngine>(f.shared), f.executor, f.config, *f.store, f.mempool,
          f.waiters, f.clock, [&f](const core::Status& s) { f.fatal = s; });
      f.driver->set_env(env);
      f.driver->set_wal(std::move(wal).value(), std::move(records));
      f.driver->set_wal_compact_bytes(kThreshold);
      REQUIRE(f.driver->start_stepped().is_ok());
      const core::PublicKey peer = f.chain.genesis.validators.front();
      for (size_t i = 0; i < steps; ++i) {
        f.driver->deliver_message(peer, core::Bytes{5});
        REQUIRE(f.driver->step());
      }
      CHECK(f.fatal.is_ok());
      return f.driver->stats();
    };

    // A long run: thousands of steps of one record each.
    const core::Bytes state(3000, 7);
    DriverStats stats = run(std::vector<core::Bytes>{state}, 5000);
    CHECK(stats.wal_checkpoints >= 5000 * (kRecord + 8) / kThreshold - 1);
    CHECK(stats.wal_max_bytes <= kThreshold + kRecord + 8);  // the bound: threshold + one step
    std::vector<core::Bytes> records;  // as written (nothing was sent, so not all synced)
    REQUIRE(ConsensusWal::open(env, "c.wal", records).is_ok());
    REQUIRE(!records.empty());
    CHECK(records[0] == state);  // the checkpoint, then what came after it
    CHECK(records.size() == 1 + (stats.wal_bytes - 8 - (state.size() + 8)) / (kRecord + 8));
    for (size_t i = 1; i < records.size(); ++i) CHECK(records[i] == core::Bytes(kRecord, 5));

    // A checkpoint over half the threshold: compacting again waits for twice its size.
    REQUIRE(env.remove_file("c.wal").is_ok());
    const core::Bytes big(48u << 10, 8);
    stats = run(std::vector<core::Bytes>{big}, 1000);
    CHECK(stats.wal_checkpoints >= 1000 * (kRecord + 8) / (big.size() + 8) - 2);
    CHECK(stats.wal_max_bytes <= 2 * (8 + big.size() + 8) + kRecord + 8);

    // An engine with no checkpoint to give (halted, say): the WAL is left as it is.
    REQUIRE(env.remove_file("c.wal").is_ok());
    stats = run(std::nullopt, 100);
    CHECK(stats.wal_checkpoints == 0);
    CHECK(stats.wal_bytes == 8 + 100 * (kRecord + 8));
  }
}

}  // namespace
}  // namespace silk::node
