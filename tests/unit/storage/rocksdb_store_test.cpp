// What only the RocksDB store can show: durability across reopen, the LOCK,
// corruption of stored bytes, the on-disk layout of docs/storage.md, and that
// a process killed mid-commit leaves whole blocks only.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "silk/storage/store.h"
#include "unit/storage/test_chain.h"

extern char** environ;

namespace silk::storage {
namespace {

using core::Status;
using namespace testing;

constexpr char kRoleEnv[] = "SILK_STORAGE_TEST_ROLE";
constexpr char kDirEnv[] = "SILK_STORAGE_TEST_DB";
constexpr char kFdEnv[] = "SILK_STORAGE_TEST_FD";
constexpr char kChildTestCase[] = "storage_test_child_role";

// ---- the crash writer: what block h holds ----

constexpr uint32_t kCrashTxs = 200;

std::string crash_key(uint64_t height, uint32_t i) {
  return "crash/" + std::to_string(height) + "/" + std::to_string(i);
}
std::string crash_value(uint64_t height, uint32_t i) {
  return std::string(64, static_cast<char>('a' + (height + i) % 26)) + std::to_string(height);
}

// Block h: tx i writes crash/h/i; the last tx sets crash/counter = h and
// deletes crash/(h-1)/0.
BlockData crash_block(const ChainTip& tip) {
  const uint64_t h = tip.height + 1;
  std::vector<core::StateWrite> writes;
  for (uint32_t i = 0; i < kCrashTxs; ++i)
    writes.push_back(put(i, crash_key(h, i), crash_value(h, i)));
  writes.push_back(put(kCrashTxs - 1, "crash/counter", std::to_string(h)));
  if (h >= 2) writes.push_back(del(kCrashTxs - 1, crash_key(h - 1, 0)));
  return make_block(tip, kCrashTxs, std::move(writes));
}

void signal_ready(int fd) {
  const char byte = 'r';
  if (::write(fd, &byte, 1) != 1) ::_exit(11);
  ::close(fd);
}

// Runs in a re-executed copy of this binary (see spawn_child and the test case
// kChildTestCase, which is skipped unless asked for): opens the store
// at $SILK_STORAGE_TEST_DB and either commits blocks until killed ("writer")
// or holds the store open until killed ("holder"). Reports readiness by
// writing one byte to fd $SILK_STORAGE_TEST_FD. Never returns.
[[noreturn]] void run_child_role(const std::string& role) {
  const char* dir = std::getenv(kDirEnv);
  const char* fd_text = std::getenv(kFdEnv);
  if (dir == nullptr || fd_text == nullptr || !core::crypto_init().is_ok()) ::_exit(10);
  const int fd = std::atoi(fd_text);
  auto opened = open_rocksdb_store(dir);
  if (!opened.is_ok()) ::_exit(12);
  Store& store = **opened;
  if (role == "holder") {
    signal_ready(fd);
    for (;;) ::pause();
  }
  if (role != "writer") ::_exit(13);
  if (!store.init_genesis(genesis_block(), genesis_json()).is_ok()) ::_exit(14);
  for (int n = 0; n < 1'000'000; ++n) {
    if (!commit(store, crash_block(*store.tip())).is_ok()) ::_exit(15);
    if (n == 0) signal_ready(fd);
  }
  ::_exit(16);
}

struct Child {
  pid_t pid = -1;
  int ready_fd = -1;  // read end; one byte arrives when the child is ready
};

// fork() and exec this test binary again, running only kChildTestCase with the
// role in the environment, so the child starts with fresh RocksDB threads and
// locks (RocksDB is linked statically: its globals are not ready before main,
// so the role cannot run from a static initialiser).
Child spawn_child(const std::string& role, const std::string& db) {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.push_back(std::string(kRoleEnv) + "=" + role);
  env_strings.push_back(std::string(kDirEnv) + "=" + db);
  env_strings.push_back(std::string(kFdEnv) + "=" + std::to_string(fds[1]));
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe";
  std::string arg0 = "unit_storage";
  std::string arg1 = std::string("--test-case=") + kChildTestCase;
  std::string arg2 = "--no-skip";
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};

  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::close(fds[0]);
    ::fcntl(fds[1], F_SETFD, 0);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);
    ::execve(exe.c_str(), argv, envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

// Waits for the child's ready byte; fails the test with its exit status if it dies first.
void wait_ready(Child& child) {
  pollfd p{child.ready_fd, POLLIN, 0};
  const int n = ::poll(&p, 1, 60'000);
  REQUIRE_MESSAGE(n == 1, "child did not become ready within 60 s");
  char byte = 0;
  if (::read(child.ready_fd, &byte, 1) != 1) {
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    ::close(child.ready_fd);
    FAIL("child exited before it was ready, status " << status);
  }
  ::close(child.ready_fd);
  child.ready_fd = -1;
}

void kill_child(Child& child) {
  ::kill(child.pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(child.pid, &status, 0) == child.pid);
  CHECK_MESSAGE(WIFSIGNALED(status), "child exited by itself, status " << status);
  if (child.ready_fd >= 0) ::close(child.ready_fd);
}

std::unique_ptr<Store> open_ok(const std::string& db, const RocksDbOptions& options = {}) {
  auto r = open_rocksdb_store(db, options);
  REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  return std::move(r).value();
}

void commit_ok(Store& store, const BlockData& d) {
  Status st = commit(store, d);
  REQUIRE_MESSAGE(st.is_ok(), st.to_string());
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// ---- raw access to the database, as docs/storage.md describes it ----

class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (const std::string& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), path, descs, &handles_, &raw);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    db_.reset(raw);
    names_ = names;
  }
  ~RawDb() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
  }
  const std::vector<std::string>& names() const { return names_; }
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return handles_[i];
    }
    FAIL("no column family " << name);
    return nullptr;
  }
  void put(const std::string& cf_name, const std::string& key, const std::string& value) {
    REQUIRE(db_->Put(rocksdb::WriteOptions(), cf(cf_name), key, value).ok());
  }
  std::optional<std::string> get(const std::string& cf_name, const std::string& key) {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(cf_name), key, &v);
    if (s.IsNotFound()) return std::nullopt;
    REQUIRE(s.ok());
    return v;
  }
  std::vector<std::pair<std::string, std::string>> scan(const std::string& cf_name) {
    std::vector<std::pair<std::string, std::string>> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(cf_name)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key().ToString(), it->value().ToString());
    }
    REQUIRE(it->status().ok());
    return out;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<std::string> names_;
};

std::string be64(uint64_t v) {
  std::string s;
  for (int shift = 56; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
  return s;
}
std::string be32(uint32_t v) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
  return s;
}
std::string le64(uint64_t v) {
  std::string s;
  for (int shift = 0; shift < 64; shift += 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
  return s;
}
std::string le32(uint32_t v) {
  std::string s;
  for (int shift = 0; shift < 32; shift += 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
  return s;
}
std::string raw(const core::Hash& h) { return std::string(h.begin(), h.end()); }
std::string str(const core::Bytes& b) { return std::string(b.begin(), b.end()); }

// A store with genesis and three blocks; returns the blocks.
std::vector<BlockData> build_chain(const std::string& db) {
  auto store = open_ok(db);
  REQUIRE(store->init_genesis(genesis_block(), genesis_json()).is_ok());
  std::vector<BlockData> blocks;
  blocks.push_back(make_block(*store->tip(), 2, {put(0, "doc/a", "a1"), put(1, "doc/b", "b1")}));
  commit_ok(*store, blocks.back());
  blocks.push_back(make_block(*store->tip(), 3, {put(2, "doc/a", "a2"), del(0, "doc/b")}));
  commit_ok(*store, blocks.back());
  blocks.push_back(make_block(*store->tip(), 1, {put(0, "doc/c", "c3")}));
  commit_ok(*store, blocks.back());
  return blocks;
}

TEST_SUITE("rocksdb_store") {
  // Not a test: the body of a child process spawn_child starts. Skipped in
  // normal runs; spawn_child selects it with --test-case and --no-skip.
  TEST_CASE(kChildTestCase * doctest::skip()) {
    const char* role = std::getenv(kRoleEnv);
    REQUIRE_MESSAGE(role != nullptr, "run only by spawn_child, with " << kRoleEnv << " set");
    run_child_role(role);
  }

  TEST_CASE("reopening keeps every block, receipt, state and history, and the tip") {
    init_crypto();
    TempDir dir;
    std::vector<BlockData> blocks = build_chain(dir.db());
    const ChainTip expected_tip = tip_of(blocks.back().block, 6);

    auto store = open_ok(dir.db());
    REQUIRE(store->tip().has_value());
    CHECK(same_tip(*store->tip(), expected_tip));
    CHECK(*store->genesis_json() == genesis_json());
    CHECK(store->block_by_height(0)->hash() == genesis_block().hash());
    for (const BlockData& d : blocks) {
      CHECK(store->block_by_height(d.block.header.height)->encode() == d.block.encode());
      CHECK(store->block_by_hash(d.block.hash())->header.height == d.block.header.height);
      for (uint32_t i = 0; i < d.block.txs.size(); ++i) {
        const core::Hash id = d.block.txs[i].tx_id();
        CHECK(store->tx_location(id)->height == d.block.header.height);
        CHECK(store->tx_location(id)->index == i);
        CHECK(store->receipt(id)->encode() == d.receipts[i].encode());
      }
    }
    CHECK(*store->get_state("doc/a") == std::optional<std::string>("a2"));
    CHECK_FALSE(store->get_state("doc/b")->has_value());
    CHECK(*store->get_state("doc/c") == std::optional<std::string>("c3"));
    auto hb = store->history("doc/b", 0, 10);
    REQUIRE(hb->size() == 2);
    CHECK((*hb)[0].value == "b1");
    CHECK((*hb)[1].deleted);
    CHECK((*hb)[1].tx_id == blocks[1].block.txs[0].tx_id());

    // The chain goes on from the reopened tip, and a tx from before is still a duplicate.
    BlockData next = make_block(*store->tip(), 2, {put(0, "doc/a", "a4")});
    commit_ok(*store, next);
    BlockData dup = make_block(*store->tip(), 1, {});
    dup.block.txs[0] = blocks[0].block.txs[1];
    dup.receipts[0].tx_id = dup.block.txs[0].tx_id();
    CHECK(commit(*store, dup).code() == Status::Code::kConflict);
    store.reset();
    store = open_ok(dir.db());
    CHECK(same_tip(*store->tip(), tip_of(next.block, 8)));
    CHECK(*store->get_state("doc/a") == std::optional<std::string>("a4"));
    CHECK(store->history("doc/a", 0, 10)->size() == 3);
  }

  TEST_CASE("unsynced writes (benchmarks only) are readable and survive a clean close") {
    init_crypto();
    TempDir dir;
    RocksDbOptions options;
    options.sync_writes = false;
    options.block_cache_bytes = 0;  // no block cache at all must work too
    {
      auto store = open_ok(dir.db(), options);
      REQUIRE(store->init_genesis(genesis_block(), genesis_json()).is_ok());
      commit_ok(*store, make_block(*store->tip(), 1, {put(0, "doc/a", "1")}));
    }
    auto store = open_ok(dir.db(), options);
    CHECK(store->tip()->height == 1);
    CHECK(*store->get_state("doc/a") == std::optional<std::string>("1"));
  }

  TEST_CASE("a store that is already open cannot be opened again: kIOError with the reason") {
    init_crypto();
    TempDir dir;
    SUBCASE("in this process") {
      auto first = open_ok(dir.db());
      auto second = open_rocksdb_store(dir.db());
      REQUIRE_FALSE(second.is_ok());
      CHECK(second.status().code() == Status::Code::kIOError);
      CHECK(second.status().message().find(dir.db()) != std::string::npos);
      CHECK_MESSAGE(lower(second.status().message()).find("lock") != std::string::npos,
                    second.status().to_string());
      first.reset();
      CHECK(open_rocksdb_store(dir.db()).is_ok());
    }
    SUBCASE("held by another process, released when it is killed") {
      Child child = spawn_child("holder", dir.db());
      wait_ready(child);
      auto second = open_rocksdb_store(dir.db());
      REQUIRE_FALSE(second.is_ok());
      CHECK(second.status().code() == Status::Code::kIOError);
      CHECK_MESSAGE(lower(second.status().message()).find("lock") != std::string::npos,
                    second.status().to_string());
      kill_child(child);
      CHECK(open_rocksdb_store(dir.db()).is_ok());
    }
  }

  TEST_CASE("a missing store with create_if_missing = false is kIOError") {
    TempDir dir;
    RocksDbOptions options;
    options.create_if_missing = false;
    auto r = open_rocksdb_store(dir.path() + "/absent", options);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Status::Code::kIOError);
    CHECK(r.status().message().find(dir.path() + "/absent") != std::string::npos);
  }

  TEST_CASE("the on-disk layout is the one docs/storage.md describes") {
    init_crypto();
    TempDir dir;
    std::vector<BlockData> blocks = build_chain(dir.db());
    RawDb db(dir.db());
    std::vector<std::string> names = db.names();
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"block_hashes", "block_time", "blocks", "default",
                                            "history", "meta", "receipts", "state",
                                            "tx_by_contract", "tx_by_position", "tx_by_sender",
                                            "tx_index"});

    const core::Block& b2 = blocks[1].block;
    CHECK(db.get("blocks", be64(2)) == std::optional<std::string>(str(b2.encode())));
    CHECK(db.get("block_hashes", raw(b2.hash())) == std::optional<std::string>(le64(2)));
    const core::Hash tx = b2.txs[2].tx_id();
    CHECK(db.get("tx_index", raw(tx)) == std::optional<std::string>(le64(2) + le32(2)));
    CHECK(db.get("receipts", raw(tx)) ==
          std::optional<std::string>(str(blocks[1].receipts[2].encode())));
    CHECK(db.get("state", "doc/a") == std::optional<std::string>("a2"));
    CHECK_FALSE(db.get("state", "doc/b").has_value());

    // History: BE u32 len || key || BE u64 height || BE u32 tx_index ->
    //          u8 deleted || tx_id || u64 timestamp_ms || value
    auto history = db.scan("history");
    const std::string a_prefix = be32(5) + "doc/a";
    std::vector<std::pair<std::string, std::string>> a_versions;
    for (auto& kv : history) {
      if (kv.first.rfind(a_prefix, 0) == 0) a_versions.push_back(kv);
    }
    REQUIRE(a_versions.size() == 2);
    CHECK(a_versions[0].first == a_prefix + be64(1) + be32(0));
    CHECK(a_versions[0].second == std::string(1, '\0') + raw(blocks[0].block.txs[0].tx_id()) +
                                      le64(blocks[0].block.header.timestamp_ms) + "a1");
    CHECK(a_versions[1].first == a_prefix + be64(2) + be32(2));
    const std::string b_del_key = be32(5) + "doc/b" + be64(2) + be32(0);
    CHECK(db.get("history", b_del_key) ==
          std::optional<std::string>(std::string(1, '\1') + raw(blocks[1].block.txs[0].tx_id()) +
                                     le64(b2.header.timestamp_ms)));

    // Meta: the tip is u64 height || block hash || state root || u64 timestamp || u64 total_txs.
    const core::Block& b3 = blocks[2].block;
    CHECK(db.get("meta", "tip") ==
          std::optional<std::string>(le64(3) + raw(b3.hash()) + raw(b3.header.state_root) +
                                     le64(b3.header.timestamp_ms) + le64(6)));
    CHECK(db.get("meta", "genesis_json") == std::optional<std::string>(genesis_json()));
    CHECK(db.get("meta", "schema_version") == std::optional<std::string>(le32(2)));

    // Tx query indexes: every entry's value is
    // tx_id || sender || u64 block timestamp_ms || u32 receipt code || str contract || str method.
    const core::Tx& t22 = b2.txs[2];
    const std::string summary = raw(t22.tx_id()) + raw(t22.sender) + le64(b2.header.timestamp_ms) +
                                le32(blocks[1].receipts[2].code) + le32(6) + "notary" + le32(6) +
                                "anchor";
    CHECK(db.get("tx_by_sender", raw(t22.sender) + be64(2) + be32(2)) ==
          std::optional<std::string>(summary));
    CHECK(db.get("tx_by_contract", be32(6) + "notary" + be64(2) + be32(2)) ==
          std::optional<std::string>(summary));
    CHECK(db.get("tx_by_position", be64(2) + be32(2)) == std::optional<std::string>(summary));
    CHECK(db.scan("tx_by_position").size() == 6);
    // Block times: BE u64 timestamp_ms || BE u64 height -> empty, genesis included.
    auto times = db.scan("block_time");
    REQUIRE(times.size() == 4);
    CHECK(times[2].first == be64(b2.header.timestamp_ms) + be64(2));
    CHECK(times[2].second.empty());
  }

  TEST_CASE("stored bytes that fail to decode read as kCorruption naming the column family") {
    init_crypto();
    TempDir dir;
    std::vector<BlockData> blocks = build_chain(dir.db());
    const core::Hash tx = blocks[0].block.txs[1].tx_id();
    std::string what;
    Status st;
    SUBCASE("a garbage block") {
      RawDb(dir.db()).put("blocks", be64(1), "garbage");
      st = open_ok(dir.db())->block_by_height(1).status();
      what = "column family 'blocks' key height 1: block fails to decode";
    }
    SUBCASE("a garbage block looked up by hash") {
      RawDb(dir.db()).put("blocks", be64(1), "garbage");
      st = open_ok(dir.db())->block_by_hash(blocks[0].block.hash()).status();
      what = "column family 'blocks' key height 1: block fails to decode";
    }
    SUBCASE("a valid block stored under the wrong height") {
      {
        RawDb db(dir.db());
        db.put("blocks", be64(1), *db.get("blocks", be64(2)));
      }
      st = open_ok(dir.db())->block_by_height(1).status();
      what = "holds the block of height 2";
    }
    SUBCASE("a block hash that points at another block") {
      RawDb(dir.db()).put("block_hashes", raw(blocks[0].block.hash()), le64(3));
      st = open_ok(dir.db())->block_by_hash(blocks[0].block.hash()).status();
      what = "column family 'block_hashes' key " + core::to_hex(blocks[0].block.hash());
    }
    SUBCASE("a short tx index entry") {
      RawDb(dir.db()).put("tx_index", raw(tx), "abc");
      st = open_ok(dir.db())->tx_location(tx).status();
      what = "column family 'tx_index' key " + core::to_hex(tx);
    }
    SUBCASE("a garbage receipt") {
      RawDb(dir.db()).put("receipts", raw(tx), std::string(10, '\xee'));
      st = open_ok(dir.db())->receipt(tx).status();
      what = "column family 'receipts' key " + core::to_hex(tx);
    }
    SUBCASE("a truncated history entry") {
      RawDb(dir.db()).put("history", be32(5) + "doc/a" + be64(1) + be32(0), "\x01short");
      st = open_ok(dir.db())->history("doc/a", 0, 10).status();
      what = "column family 'history' key \"doc/a\" height 1 tx_index 0";
    }
    SUBCASE("a deletion flag that is neither 0 nor 1") {
      RawDb(dir.db()).put("history", be32(5) + "doc/a" + be64(1) + be32(0),
                          std::string(1, '\x07') + std::string(40, '\0'));
      st = open_ok(dir.db())->history("doc/a", 0, 10).status();
      what = "deleted flag is 7";
    }
    SUBCASE("a garbage tip fails the open") {
      RawDb(dir.db()).put("meta", "tip", "xyz");
      st = open_rocksdb_store(dir.db()).status();
      what = "column family 'meta' key tip";
    }
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK_MESSAGE(st.message().find(what) != std::string::npos, st.to_string());
  }

  TEST_CASE("a process killed while committing leaves whole blocks only") {
    init_crypto();
    TempDir dir;
    std::random_device rd;
    const unsigned seed = rd();
    std::mt19937 rng(seed);
    INFO("crash test seed " << seed);
    uint64_t last_tip = 0;
    constexpr int kRounds = 4;
    for (int round = 0; round < kRounds; ++round) {
      Child child = spawn_child("writer", dir.db());
      wait_ready(child);
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 250)(rng)));
      kill_child(child);

      auto store = open_ok(dir.db());
      REQUIRE(store->tip().has_value());
      const ChainTip tip = *store->tip();
      INFO("round " << round << ", tip " << tip.height);
      REQUIRE(tip.height >= 1);
      CHECK(tip.height > last_tip);  // each child committed at least one block
      last_tip = tip.height;
      CHECK(tip.total_txs == tip.height * kCrashTxs);

      // The tip block is whole: rebuild it from its parent and compare.
      auto parent = store->block_by_height(tip.height - 1);
      REQUIRE(parent.is_ok());
      const BlockData expected = crash_block(tip_of(*parent, (tip.height - 1) * kCrashTxs));
      auto stored = store->block_by_height(tip.height);
      REQUIRE(stored.is_ok());
      CHECK(stored->hash() == tip.block_hash);
      CHECK(stored->encode() == expected.block.encode());
      CHECK(tip.state_root == expected.block.header.state_root);
      CHECK(store->block_by_hash(tip.block_hash).is_ok());
      int missing = 0;
      for (uint32_t i = 0; i < kCrashTxs; ++i) {
        const core::Hash id = expected.block.txs[i].tx_id();
        auto loc = store->tx_location(id);
        auto rc = store->receipt(id);
        if (!loc.is_ok() || loc->height != tip.height || loc->index != i) ++missing;
        if (!rc.is_ok() || rc->encode() != expected.receipts[i].encode()) ++missing;
        auto v = store->get_state(crash_key(tip.height, i));
        if (!v.is_ok() || *v != std::optional<std::string>(crash_value(tip.height, i))) ++missing;
      }
      CHECK(missing == 0);
      CHECK(*store->get_state("crash/counter") ==
            std::optional<std::string>(std::to_string(tip.height)));
      auto counter = store->history("crash/counter", tip.height - 1, 10);
      REQUIRE(counter.is_ok());
      REQUIRE(counter->size() == 1);  // one version per block, none beyond the tip
      CHECK((*counter)[0].height == tip.height);
      if (tip.height >= 2) {
        CHECK_FALSE(store->get_state(crash_key(tip.height - 1, 0))->has_value());
      }

      // Block tip+1 is entirely absent.
      const BlockData next = crash_block(tip);
      CHECK(store->block_by_height(tip.height + 1).status().code() == Status::Code::kNotFound);
      CHECK(store->block_by_hash(next.block.hash()).status().code() == Status::Code::kNotFound);
      int present = 0;
      for (uint32_t i = 0; i < kCrashTxs; ++i) {
        const core::Hash id = next.block.txs[i].tx_id();
        if (store->has_tx(id)) ++present;
        if (store->receipt(id).is_ok()) ++present;
        if (store->get_state(crash_key(tip.height + 1, i))->has_value()) ++present;
        if (!store->history(crash_key(tip.height + 1, i), 0, 1)->empty()) ++present;
      }
      CHECK(present == 0);
      CHECK(store->get_state(crash_key(tip.height, 0))->has_value());
    }
  }

}  // TEST_SUITE

}  // namespace
}  // namespace silk::storage
