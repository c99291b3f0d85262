// The RocksDB Store. Layout and crash guarantees: docs/storage.md.
//
// Keys are big-endian so they sort by height and by (height, tx_index);
// values use the canonical codec (little-endian). Every block is one
// WriteBatch across all column families, written with sync = sync_writes.

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "commit_plan.h"
#include "silk/core/codec.h"
#include "silk/storage/store.h"
#include "tx_query.h"

namespace silk::storage {

namespace {

// Column families, in the order they are opened (after "default", unused).
enum Cf : size_t {
  kBlocks,
  kBlockHashes,
  kTxIndex,
  kReceipts,
  kState,
  kHistory,
  kMeta,
  kTxBySender,
  kTxByContract,
  kTxByPosition,
  kBlockTime,
  kCfCount
};
constexpr std::array<const char*, kCfCount> kCfNames = {
    "blocks", "block_hashes", "tx_index",       "receipts",       "state",     "history",
    "meta",   "tx_by_sender", "tx_by_contract", "tx_by_position", "block_time"};

// 2: the tx query indexes (tx_by_sender, tx_by_contract, tx_by_position,
// block_time). A schema 1 store is upgraded on open by building them.
constexpr uint32_t kSchemaVersion = 2;
constexpr uint32_t kSchemaWithoutTxQueryIndexes = 1;
constexpr char kMetaSchemaVersion[] = "schema_version";
constexpr char kMetaGenesisJson[] = "genesis_json";
constexpr char kMetaTip[] = "tip";

constexpr size_t kTxLocationBytes = 12;     // u64 height || u32 index
constexpr size_t kHistorySuffixBytes = 12;  // BE u64 height || BE u32 tx_index
constexpr size_t kPositionBytes = 12;       // BE u64 height || BE u32 index
constexpr size_t kBlockTimeKeyBytes = 16;   // BE u64 timestamp_ms || BE u64 height
constexpr uint64_t kBackfillBlocksPerBatch = 256;

// ---- key encodings (big-endian) ----

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void put_be64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
uint64_t get_be(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string height_key(uint64_t height) {
  std::string k;
  put_be64(k, height);
  return k;
}

rocksdb::Slice hash_slice(const core::Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}
rocksdb::Slice bytes_slice(const core::Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
core::ByteSpan span_of(const rocksdb::Slice& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// BE u32 len(key) || key: every version of `key`, and nothing else, starts with it.
std::string history_prefix(std::string_view key) {
  std::string p;
  p.reserve(4 + key.size() + kHistorySuffixBytes);
  put_be32(p, static_cast<uint32_t>(key.size()));
  p.append(key);
  return p;
}

// The smallest string greater than every string that starts with `prefix`;
// empty when there is none (prefix all 0xff).
std::string prefix_successor(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

// BE u64 height || BE u32 index: sorts in chain order.
std::string position_key(const TxPosition& p) {
  std::string k;
  k.reserve(kPositionBytes);
  put_be64(k, p.height);
  put_be32(k, p.index);
  return k;
}

std::string block_time_key(uint64_t timestamp_ms, uint64_t height) {
  std::string k;
  k.reserve(kBlockTimeKeyBytes);
  put_be64(k, timestamp_ms);
  put_be64(k, height);
  return k;
}

// The part of a tx query index key before the position: the raw 32-byte
// sender, BE u32 len(contract) || contract, or nothing (tx_by_position).
std::string tx_index_prefix(internal::TxIndexKind kind, std::string_view key) {
  std::string p;
  if (kind == internal::TxIndexKind::kByContract) put_be32(p, static_cast<uint32_t>(key.size()));
  if (kind != internal::TxIndexKind::kByPosition) p.append(key);
  return p;
}

Cf tx_index_cf(internal::TxIndexKind kind) {
  switch (kind) {
    case internal::TxIndexKind::kBySender:
      return kTxBySender;
    case internal::TxIndexKind::kByContract:
      return kTxByContract;
    case internal::TxIndexKind::kByPosition:
      break;
  }
  return kTxByPosition;
}

// ---- value encodings (canonical codec) ----

core::Bytes encode_u64(uint64_t v) {
  core::Bytes out;
  core::Writer(out).u64(v);
  return out;
}

core::Bytes encode_u32(uint32_t v) {
  core::Bytes out;
  core::Writer(out).u32(v);
  return out;
}

core::Bytes encode_tx_location(uint64_t height, uint32_t index) {
  core::Bytes out;
  core::Writer w(out);
  w.u64(height);
  w.u32(index);
  return out;
}

core::Bytes encode_tip(const ChainTip& tip) {
  core::Bytes out;
  core::Writer w(out);
  w.u64(tip.height);
  w.hash(tip.block_hash);
  w.hash(tip.state_root);
  w.u64(tip.timestamp_ms);
  w.u64(tip.total_txs);
  return out;
}

// u8 deleted || tx_id(32) || u64 timestamp_ms || value (the rest, raw)
core::Bytes encode_history_value(bool deleted, const core::Hash& tx_id, uint64_t timestamp_ms,
                                 std::string_view value) {
  core::Bytes out;
  out.reserve(1 + 32 + 8 + value.size());
  core::Writer w(out);
  w.u8(deleted ? 1 : 0);
  w.hash(tx_id);
  w.u64(timestamp_ms);
  w.raw(core::as_span(value));
  return out;
}

core::Status corrupt(Cf cf, const std::string& key_desc, const std::string& what) {
  return core::Status::corruption(std::string("column family '") + kCfNames[cf] + "' key " +
                                  key_desc + ": " + what);
}

// The value of every tx query index entry:
// tx_id || sender || u64 timestamp_ms || u32 code || str contract || str method.
core::Bytes encode_tx_summary(const TxSummary& s) {
  core::Bytes out;
  out.reserve(32 + 32 + 8 + 4 + 8 + s.contract.size() + s.method.size());
  core::Writer w(out);
  w.hash(s.tx_id);
  w.hash(s.sender);
  w.u64(s.timestamp_ms);
  w.u32(s.code);
  w.str(s.contract);
  w.str(s.method);
  return out;
}

// Reads the tx query index entries of one TxScanRange with one iterator
// bounded to the range: one seek, then one step per entry.
class RocksDbTxScan final : public internal::TxIndexScan {
 public:
  RocksDbTxScan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* handle,
                const internal::TxScanRange& range)
      : cf_(tx_index_cf(range.kind)),
        kind_(range.kind),
        key_(range.key),
        prefix_(tx_index_prefix(range.kind, range.key)),
        lower_(prefix_ + position_key(range.first)),
        // Every key under the prefix is prefix || 12 bytes, so appending a
        // zero byte makes the exclusive bound just above `last`.
        upper_(prefix_ + position_key(range.last) + std::string(1, '\0')),
        lower_slice_(lower_),
        upper_slice_(upper_),
        descending_(range.descending) {
    read_options_.iterate_lower_bound = &lower_slice_;
    read_options_.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(read_options_, handle));
  }

  core::Result<std::optional<TxSummary>> next() override {
    if (!started_) {
      started_ = true;
      if (descending_) {
        it_->SeekForPrev(rocksdb::Slice(upper_.data(), upper_.size() - 1));
      } else {
        it_->Seek(lower_);
      }
    } else if (it_->Valid()) {
      if (descending_) {
        it_->Prev();
      } else {
        it_->Next();
      }
    }
    if (!it_->Valid()) {
      if (!it_->status().ok()) {
        return core::Status::io_error(std::string("iterating column family '") + kCfNames[cf_] +
                                      "': " + it_->status().ToString());
      }
      return std::optional<TxSummary>();
    }
    return decode();
  }

 private:
  core::Result<std::optional<TxSummary>> decode() const {
    const rocksdb::Slice k = it_->key();
    const std::string desc = core::to_hex(core::as_span(std::string_view(k.data(), k.size())));
    if (k.size() != prefix_.size() + kPositionBytes || !k.starts_with(prefix_)) {
      return corrupt(cf_, desc,
                     "tx query index key of " + std::to_string(k.size()) + " bytes, expected " +
                         std::to_string(prefix_.size() + kPositionBytes));
    }
    TxSummary s;
    s.height = get_be(k.data() + prefix_.size(), 8);
    s.index = static_cast<uint32_t>(get_be(k.data() + prefix_.size() + 8, 4));
    core::Reader r(span_of(it_->value()));
    if (!r.hash(s.tx_id, "tx_id") || !r.hash(s.sender, "sender") ||
        !r.u64(s.timestamp_ms, "timestamp_ms") || !r.u32(s.code, "code") ||
        !r.str(s.contract, "contract") || !r.str(s.method, "method")) {
      return corrupt(cf_, desc, r.error().message());
    }
    if (core::Status st = r.finish("tx summary"); !st.is_ok())
      return corrupt(cf_, desc, st.message());
    if (kind_ == internal::TxIndexKind::kBySender &&
        std::string_view(reinterpret_cast<const char*>(s.sender.data()), s.sender.size()) != key_) {
      return corrupt(cf_, desc, "holds a tx of sender " + core::to_hex(s.sender));
    }
    if (kind_ == internal::TxIndexKind::kByContract && s.contract != key_) {
      return corrupt(cf_, desc, "holds a tx of contract \"" + s.contract + "\"");
    }
    return std::optional<TxSummary>(std::move(s));
  }

  const Cf cf_;
  const internal::TxIndexKind kind_;
  const std::string key_;
  const std::string prefix_;
  const std::string lower_;
  const std::string upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  const bool descending_;
  rocksdb::ReadOptions read_options_;
  std::unique_ptr<rocksdb::Iterator> it_;
  bool started_ = false;
};

std::string state_key_desc(std::string_view key) {
  return "\"" + internal::printable_key(key) + "\"";
}

rocksdb::CompressionType pick_compression() {
  for (rocksdb::CompressionType t : rocksdb::GetSupportedCompressions()) {
    if (t == rocksdb::kLZ4Compression) return t;
  }
  return rocksdb::kNoCompression;
}

class RocksDbStore final : public Store {
 public:
  RocksDbStore(std::string path, std::unique_ptr<rocksdb::DB> db,
               std::vector<rocksdb::ColumnFamilyHandle*> handles, bool sync_writes)
      : path_(std::move(path)), db_(std::move(db)), handles_(std::move(handles)) {
    write_options_.sync = sync_writes;
  }

  ~RocksDbStore() override {
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      (void)db_->DestroyColumnFamilyHandle(h);
    }
    (void)db_->Close();
  }

  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  // Reads the schema version and the tip from meta; called once by open.
  core::Status load() {
    bool needs_tx_query_indexes = false;
    SILK_RETURN_IF_ERROR(load_meta(needs_tx_query_indexes));
    if (needs_tx_query_indexes) return build_tx_query_indexes();
    return core::Status::ok();
  }

  // Reads meta/schema_version and meta/tip.
  core::Status load_meta(bool& needs_tx_query_indexes) {
    rocksdb::PinnableSlice v;
    SILK_ASSIGN_OR_RETURN(bool has_schema, get(kMeta, kMetaSchemaVersion, &v, kMetaSchemaVersion));
    if (has_schema) {
      core::Reader r(span_of(v));
      uint32_t version = 0;
      if (!r.u32(version, "schema_version") || !r.at_end()) {
        return corrupt(kMeta, kMetaSchemaVersion,
                       "not a u32 (" + std::to_string(v.size()) + " bytes)");
      }
      if (version != kSchemaVersion && version != kSchemaWithoutTxQueryIndexes) {
        return core::Status::io_error("open rocksdb store at " + path_ + ": schema version " +
                                      std::to_string(version) + ", this build reads versions " +
                                      std::to_string(kSchemaWithoutTxQueryIndexes) + " and " +
                                      std::to_string(kSchemaVersion));
      }
      needs_tx_query_indexes = version == kSchemaWithoutTxQueryIndexes;
    }
    v.Reset();
    SILK_ASSIGN_OR_RETURN(bool has_tip, get(kMeta, kMetaTip, &v, kMetaTip));
    if (!has_tip) return core::Status::ok();
    core::Reader r(span_of(v));
    ChainTip tip;
    if (!r.u64(tip.height, "height") || !r.hash(tip.block_hash, "block_hash") ||
        !r.hash(tip.state_root, "state_root") || !r.u64(tip.timestamp_ms, "timestamp_ms") ||
        !r.u64(tip.total_txs, "total_txs")) {
      return corrupt(kMeta, kMetaTip, r.error().message());
    }
    if (core::Status st = r.finish("tip"); !st.is_ok())
      return corrupt(kMeta, kMetaTip, st.message());
    std::lock_guard lock(tip_mu_);
    tip_ = tip;
    return core::Status::ok();
  }

  core::Status init_genesis(const core::Block& genesis_block,
                            std::string_view genesis_json) override {
    SILK_RETURN_IF_ERROR(internal::check_genesis_block(genesis_block));
    std::lock_guard commit_lock(commit_mu_);
    if (tip()) {
      SILK_ASSIGN_OR_RETURN(core::Block stored, block_by_height(0));
      const core::Hash stored_hash = stored.hash();
      const core::Hash offered = genesis_block.hash();
      if (stored_hash != offered) return internal::genesis_conflict(stored_hash, offered);
      return core::Status::ok();
    }
    const ChainTip tip = internal::genesis_tip(genesis_block);
    BatchBuilder b(handles_);
    b.put(kMeta, kMetaSchemaVersion, bytes_slice(encode_u32(kSchemaVersion)));
    b.put(kMeta, kMetaGenesisJson, rocksdb::Slice(genesis_json.data(), genesis_json.size()));
    b.put(kBlocks, height_key(0), bytes_slice(genesis_block.encode()));
    b.put(kBlockHashes, hash_slice(tip.block_hash), bytes_slice(encode_u64(0)));
    b.put(kBlockTime, block_time_key(tip.timestamp_ms, 0), rocksdb::Slice());
    b.put(kMeta, kMetaTip, bytes_slice(encode_tip(tip)));
    SILK_RETURN_IF_ERROR(write(b, "init_genesis"));
    std::lock_guard lock(tip_mu_);
    tip_ = tip;
    return core::Status::ok();
  }

  core::Result<std::string> genesis_json() const override {
    rocksdb::PinnableSlice v;
    SILK_ASSIGN_OR_RETURN(bool found, get(kMeta, kMetaGenesisJson, &v, kMetaGenesisJson));
    if (!found) return core::Status::not_found("genesis_json: the store has no genesis");
    return v.ToString();
  }

  std::vector<std::pair<std::string, uint64_t>> engine_figures() const override {
    // Summed over the column families, then the database-wide ones.
    static constexpr std::pair<const char*, const char*> kPerFamily[] = {
        {"memtable_bytes", "rocksdb.cur-size-all-mem-tables"},
        {"sst_bytes", "rocksdb.total-sst-files-size"},
        {"live_data_bytes", "rocksdb.estimate-live-data-size"},
        {"pending_compaction_bytes", "rocksdb.estimate-pending-compaction-bytes"},
        {"table_readers_bytes", "rocksdb.estimate-table-readers-mem"},
    };
    static constexpr std::pair<const char*, const char*> kWide[] = {
        {"running_compactions", "rocksdb.num-running-compactions"},
        {"running_flushes", "rocksdb.num-running-flushes"},
        {"delayed_write_rate", "rocksdb.actual-delayed-write-rate"},
        {"write_stopped", "rocksdb.is-write-stopped"},
        {"block_cache_bytes", "rocksdb.block-cache-usage"},
    };
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const auto& [name, property] : kPerFamily) {
      uint64_t v = 0;
      if (db_->GetAggregatedIntProperty(property, &v)) out.emplace_back(name, v);
    }
    for (const auto& [name, property] : kWide) {
      uint64_t v = 0;
      if (db_->GetIntProperty(property, &v)) out.emplace_back(name, v);
    }
    return out;
  }

  std::optional<ChainTip> tip() const override {
    std::lock_guard lock(tip_mu_);
    return tip_;
  }

  core::Status commit_block(const core::Block& block, const std::vector<core::Receipt>& receipts,
                            const std::vector<core::StateWrite>& writes) override {
    std::lock_guard commit_lock(commit_mu_);
    SILK_ASSIGN_OR_RETURN(internal::CommitPlan plan,
                          internal::plan_commit(tip(), block, receipts, writes));
    const uint64_t height = block.header.height;
    SILK_RETURN_IF_ERROR(check_txs_not_on_chain(height, plan.tx_ids));

    BatchBuilder b(handles_);
    b.put(kBlocks, height_key(height), bytes_slice(block.encode()));
    b.put(kBlockHashes, hash_slice(plan.new_tip.block_hash), bytes_slice(encode_u64(height)));
    for (size_t i = 0; i < plan.tx_ids.size(); ++i) {
      const rocksdb::Slice id = hash_slice(plan.tx_ids[i]);
      b.put(kTxIndex, id, bytes_slice(encode_tx_location(height, static_cast<uint32_t>(i))));
      b.put(kReceipts, id, bytes_slice(receipts[i].encode()));
    }
    for (const core::StateWrite& w : writes) {
      std::string key = history_prefix(w.key);
      put_be64(key, height);
      put_be32(key, w.tx_index);
      const std::string_view value = w.value ? std::string_view(*w.value) : std::string_view();
      b.put(kHistory, key,
            bytes_slice(encode_history_value(!w.value, plan.tx_ids[w.tx_index],
                                             block.header.timestamp_ms, value)));
    }
    for (size_t index : plan.current_writes) {
      const core::StateWrite& w = writes[index];
      if (w.value) {
        b.put(kState, w.key, *w.value);
      } else {
        b.del(kState, w.key);
      }
    }
    put_tx_query_entries(b, block.header, plan.summaries);
    b.put(kMeta, kMetaTip, bytes_slice(encode_tip(plan.new_tip)));
    SILK_RETURN_IF_ERROR(write(b, "commit_block: block " + std::to_string(height)));
    std::lock_guard lock(tip_mu_);
    tip_ = plan.new_tip;
    return core::Status::ok();
  }

  core::Result<core::Block> block_by_height(uint64_t height) const override {
    const std::string key = height_key(height);
    const std::string desc = "height " + std::to_string(height);
    rocksdb::PinnableSlice v;
    SILK_ASSIGN_OR_RETURN(bool found, get(kBlocks, key, &v, desc));
    if (!found) {
      return core::Status::not_found("block at height " + std::to_string(height) + " not found");
    }
    core::Result<core::Block> block = core::Block::decode(span_of(v));
    if (!block.is_ok())
      return corrupt(kBlocks, desc, "block fails to decode: " + block.status().message());
    if (block->header.height != height) {
      return corrupt(kBlocks, desc,
                     "holds the block of height " + std::to_string(block->header.height));
    }
    return block;
  }

  core::Result<core::Block> block_by_hash(const core::Hash& hash) const override {
    const std::string desc = core::to_hex(hash);
    rocksdb::PinnableSlice v;
    SILK_ASSIGN_OR_RETURN(bool found, get(kBlockHashes, hash_slice(hash), &v, desc));
    if (!found) return core::Status::not_found("block " + desc + " not found");
    core::Reader r(span_of(v));
    uint64_t height = 0;
    if (!r.u64(height, "height") || !r.at_end()) {
      return corrupt(kBlockHashes, desc,
                     "not a u64 height (" + std::to_string(v.size()) + " bytes)");
    }
    SILK_ASSIGN_OR_RETURN(core::Block block, block_by_height(height));
    if (block.hash() != hash) {
      return corrupt(kBlockHashes, desc,
                     "points at height " + std::to_string(height) + ", whose block hash is " +
                         core::to_hex(block.hash()));
    }
    return block;
  }

  core::Result<TxLocation> tx_location(const core::Hash& tx_id) const override {
    const std::string desc = core::to_hex(tx_id);
    rocksdb::PinnableSlice v;
    SILK_ASSIGN_OR_RETURN(bool found, get(kTxIndex, hash_slice(tx_id), &v, desc));
    if (!found) return core::Status::not_found("tx " + desc + " not found");
    return decode_tx_location(v, desc);
  }

  bool has_tx(const core::Hash& tx_id) const override {
    rocksdb::PinnableSlice v;
    core::Result<bool> found = get(kTxIndex, hash_slice(tx_id), &v, core::to_hex(tx_id));
    return found.is_ok() && found.value();
  }

  core::Result<core::Receipt> receipt(const core::Hash& tx_id) const override {
    const std::string desc = core::to_hex(tx_id);
    rocksdb::PinnableSlice v;
    SILK_ASSIGN_OR_RETURN(bool found, get(kReceipts, hash_slice(tx_id), &v, desc));
    if (!found) return core::Status::not_found("receipt for tx " + desc + " not found");
    core::Result<core::Receipt> r = core::Receipt::decode(span_of(v));
    if (!r.is_ok())
      return corrupt(kReceipts, desc, "receipt fails to decode: " + r.status().message());
    if (r->tx_id != tx_id) {
      return corrupt(kReceipts, desc, "holds the receipt of tx " + core::to_hex(r->tx_id));
    }
    return r;
  }

  core::Result<std::optional<std::string>> get_state(std::string_view key) const override {
    rocksdb::PinnableSlice v;
    SILK_ASSIGN_OR_RETURN(
        bool found, get(kState, rocksdb::Slice(key.data(), key.size()), &v, state_key_desc(key)));
    if (!found) return std::optional<std::string>();
    return std::optional<std::string>(v.ToString());
  }

  core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                      uint32_t limit) const override {
    std::vector<core::KeyVersion> out;
    if (limit == 0) return out;
    const std::string prefix = history_prefix(key);
    const std::string upper = prefix_successor(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[kHistory]));
    it->Seek(prefix);
    for (uint64_t skipped = 0; skipped < offset && it->Valid() && it->key().starts_with(prefix);
         ++skipped) {
      it->Next();
    }
    for (; it->Valid() && out.size() < limit && it->key().starts_with(prefix); it->Next()) {
      const rocksdb::Slice k = it->key();
      core::KeyVersion version;
      std::string desc = state_key_desc(key);
      if (k.size() != prefix.size() + kHistorySuffixBytes) {
        return corrupt(kHistory, desc,
                       "history key of " + std::to_string(k.size()) + " bytes, expected " +
                           std::to_string(prefix.size() + kHistorySuffixBytes));
      }
      version.height = get_be(k.data() + prefix.size(), 8);
      version.tx_index = static_cast<uint32_t>(get_be(k.data() + prefix.size() + 8, 4));
      desc += " height " + std::to_string(version.height) + " tx_index " +
              std::to_string(version.tx_index);
      const rocksdb::Slice v = it->value();
      core::Reader r(span_of(v));
      uint8_t deleted = 0;
      if (!r.u8(deleted, "deleted") || !r.hash(version.tx_id, "tx_id") ||
          !r.u64(version.timestamp_ms, "timestamp_ms")) {
        return corrupt(kHistory, desc, r.error().message());
      }
      if (deleted > 1) {
        return corrupt(kHistory, desc,
                       "deleted flag is " + std::to_string(deleted) + ", not 0 or 1");
      }
      version.deleted = deleted == 1;
      version.value.assign(v.data() + r.position(), v.size() - r.position());
      if (version.deleted && !version.value.empty()) {
        return corrupt(kHistory, desc,
                       "a deletion with a " + std::to_string(version.value.size()) + "-byte value");
      }
      out.push_back(std::move(version));
    }
    if (!it->status().ok()) {
      return core::Status::io_error(
          "history of " + state_key_desc(key) +
          ": iterating column family 'history': " + it->status().ToString());
    }
    return out;
  }

  core::Result<TxPage> query_txs(const TxQuery& query) const override {
    return internal::run_tx_query(
        query, tip(),
        [this](uint64_t from_ms, uint64_t to_ms) { return heights_for_time(from_ms, to_ms); },
        [this](const internal::TxScanRange& range) -> std::unique_ptr<internal::TxIndexScan> {
          return std::make_unique<RocksDbTxScan>(db_.get(), handles_[tx_index_cf(range.kind)],
                                                 range);
        });
  }

  core::Result<std::optional<std::pair<uint64_t, uint64_t>>> heights_for_time(
      uint64_t from_ms, uint64_t to_ms) const override {
    using Heights = std::optional<std::pair<uint64_t, uint64_t>>;
    if (from_ms > to_ms) return Heights();
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), handles_[kBlockTime]));
    // The first block at or after from_ms...
    std::string from_key;
    put_be64(from_key, from_ms);
    it->Seek(from_key);
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> first, block_time_height(*it));
    if (!first) return Heights();
    // ...and the last one at or before to_ms.
    it->SeekForPrev(block_time_key(to_ms, std::numeric_limits<uint64_t>::max()));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> last, block_time_height(*it));
    if (!last || *last < *first) return Heights();
    if (get_be(it->key().data(), 8) < from_ms) return Heights();
    return Heights(std::pair<uint64_t, uint64_t>(*first, *last));
  }

 private:
  // The height of the block_time entry `it` is on; nullopt when it is on none.
  static core::Result<std::optional<uint64_t>> block_time_height(const rocksdb::Iterator& it) {
    if (!it.Valid()) {
      if (!it.status().ok()) {
        return core::Status::io_error("iterating column family 'block_time': " +
                                      it.status().ToString());
      }
      return std::optional<uint64_t>();
    }
    const rocksdb::Slice k = it.key();
    if (k.size() != kBlockTimeKeyBytes || !it.value().empty()) {
      return corrupt(kBlockTime, core::to_hex(core::as_span(std::string_view(k.data(), k.size()))),
                     "a block time entry of " + std::to_string(k.size()) + "+" +
                         std::to_string(it.value().size()) + " bytes, expected " +
                         std::to_string(kBlockTimeKeyBytes) + "+0");
    }
    return std::optional<uint64_t>(get_be(k.data() + 8, 8));
  }

  // Collects one block's puts and deletes; remembers the first failure.
  class BatchBuilder {
   public:
    explicit BatchBuilder(const std::vector<rocksdb::ColumnFamilyHandle*>& handles)
        : handles_(handles) {}
    void put(Cf cf, const rocksdb::Slice& key, const rocksdb::Slice& value) {
      if (status_.ok()) status_ = batch_.Put(handles_[cf], key, value);
    }
    void del(Cf cf, const rocksdb::Slice& key) {
      if (status_.ok()) status_ = batch_.Delete(handles_[cf], key);
    }
    rocksdb::WriteBatch& batch() { return batch_; }
    const rocksdb::Status& status() const { return status_; }

   private:
    const std::vector<rocksdb::ColumnFamilyHandle*>& handles_;
    rocksdb::WriteBatch batch_;
    rocksdb::Status status_;
  };

  // The block time entry and every tx query index entry of one block.
  static void put_tx_query_entries(BatchBuilder& b, const core::BlockHeader& header,
                                   const std::vector<TxSummary>& summaries) {
    b.put(kBlockTime, block_time_key(header.timestamp_ms, header.height), rocksdb::Slice());
    for (const TxSummary& s : summaries) {
      const core::Bytes value = encode_tx_summary(s);
      const std::string position = position_key({s.height, s.index});
      const std::string sender(s.sender.begin(), s.sender.end());
      b.put(kTxBySender, tx_index_prefix(internal::TxIndexKind::kBySender, sender) + position,
            bytes_slice(value));
      b.put(kTxByContract,
            tx_index_prefix(internal::TxIndexKind::kByContract, s.contract) + position,
            bytes_slice(value));
      b.put(kTxByPosition, position, bytes_slice(value));
    }
  }

  // Upgrades a schema 1 store: builds the tx query indexes of every stored
  // block from the blocks and receipts, in batches of kBackfillBlocksPerBatch
  // blocks, and marks the store schema 2 in the last batch. Entries are plain
  // puts, so a crash part way only means starting again at the next open.
  core::Status build_tx_query_indexes() {
    std::lock_guard commit_lock(commit_mu_);
    const std::optional<ChainTip> current = tip();
    const uint64_t end = current ? current->height + 1 : 0;
    uint64_t height = 0;
    do {
      BatchBuilder b(handles_);
      const uint64_t batch_end = std::min(end, height + kBackfillBlocksPerBatch);
      for (; height < batch_end; ++height) {
        SILK_ASSIGN_OR_RETURN(core::Block block, block_by_height(height));
        std::vector<core::Hash> tx_ids;
        std::vector<core::Receipt> receipts;
        for (const core::Tx& tx : block.txs) {
          tx_ids.push_back(tx.tx_id());
          SILK_ASSIGN_OR_RETURN(core::Receipt r, receipt(tx_ids.back()));
          receipts.push_back(std::move(r));
        }
        put_tx_query_entries(b, block.header, internal::tx_summaries(block, receipts, tx_ids));
      }
      if (height == end) b.put(kMeta, kMetaSchemaVersion, bytes_slice(encode_u32(kSchemaVersion)));
      SILK_RETURN_IF_ERROR(
          write(b, "open rocksdb store at " + path_ + ": building the tx query indexes"));
    } while (height < end);
    return core::Status::ok();
  }

  core::Status write(BatchBuilder& b, const std::string& what) {
    if (!b.status().ok()) {
      return core::Status::io_error(what + ": building the write batch: " + b.status().ToString());
    }
    rocksdb::Status s = db_->Write(write_options_, &b.batch());
    if (!s.ok()) return core::Status::io_error(what + ": rocksdb write failed: " + s.ToString());
    return core::Status::ok();
  }

  // True when found (value in *out), false when absent, kIOError otherwise.
  core::Result<bool> get(Cf cf, const rocksdb::Slice& key, rocksdb::PinnableSlice* out,
                         const std::string& key_desc) const {
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[cf], key, out);
    if (s.ok()) return true;
    if (s.IsNotFound()) return false;
    return core::Status::io_error(std::string("read column family '") + kCfNames[cf] + "' key " +
                                  key_desc + ": " + s.ToString());
  }

  core::Result<TxLocation> decode_tx_location(const rocksdb::Slice& v,
                                              const std::string& desc) const {
    core::Reader r(span_of(v));
    TxLocation loc;
    if (v.size() != kTxLocationBytes || !r.u64(loc.height, "height") ||
        !r.u32(loc.index, "index")) {
      return corrupt(kTxIndex, desc,
                     "tx location of " + std::to_string(v.size()) + " bytes, expected " +
                         std::to_string(kTxLocationBytes));
    }
    return loc;
  }

  // kConflict when a tx of this block already has a tx index entry.
  core::Status check_txs_not_on_chain(uint64_t height,
                                      const std::vector<core::Hash>& tx_ids) const {
    const size_t n = tx_ids.size();
    if (n == 0) return core::Status::ok();
    std::vector<rocksdb::Slice> keys;
    keys.reserve(n);
    for (const core::Hash& id : tx_ids) keys.push_back(hash_slice(id));
    std::vector<rocksdb::PinnableSlice> values(n);
    std::vector<rocksdb::Status> statuses(n);
    db_->MultiGet(rocksdb::ReadOptions(), handles_[kTxIndex], n, keys.data(), values.data(),
                  statuses.data());
    for (size_t i = 0; i < n; ++i) {
      if (statuses[i].IsNotFound()) continue;
      const std::string desc = core::to_hex(tx_ids[i]);
      if (!statuses[i].ok()) {
        return core::Status::io_error("read column family 'tx_index' key " + desc + ": " +
                                      statuses[i].ToString());
      }
      SILK_ASSIGN_OR_RETURN(TxLocation existing, decode_tx_location(values[i], desc));
      return internal::tx_already_on_chain(height, i, tx_ids[i], existing);
    }
    return core::Status::ok();
  }

  const std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // indexed by Cf, then "default"
  rocksdb::WriteOptions write_options_;

  std::mutex commit_mu_;  // serialises init_genesis and commit_block

  mutable std::mutex tip_mu_;  // guards tip_
  std::optional<ChainTip> tip_;
};

rocksdb::ColumnFamilyOptions column_family_options(const std::shared_ptr<rocksdb::Cache>& cache,
                                                   rocksdb::CompressionType compression,
                                                   bool bloom_filter, size_t write_buffer_bytes) {
  rocksdb::BlockBasedTableOptions table;
  if (cache) {
    // Index and filter blocks count against the cache, so memory stays bounded.
    table.block_cache = cache;
    table.cache_index_and_filter_blocks = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
  } else {
    table.no_block_cache = true;
  }
  if (bloom_filter) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = compression;
  cf.write_buffer_size = write_buffer_bytes;
  cf.level_compaction_dynamic_level_bytes = true;
  return cf;
}

}  // namespace

core::Result<std::unique_ptr<Store>> open_rocksdb_store(const std::string& path,
                                                        const RocksDbOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.max_open_files = options.max_open_files;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  // The meta CF is written by every block but stays tiny, so without a bound
  // old WAL files would live until it flushed.
  db_options.max_total_wal_size = 256u << 20;
  db_options.db_write_buffer_size = 256u << 20;  // all memtables together
  // Replay the WAL up to the first torn or missing record: whole batches only.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;

  std::shared_ptr<rocksdb::Cache> cache;
  if (options.block_cache_bytes > 0) cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  const rocksdb::CompressionType compression = pick_compression();

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kCfCount; ++i) {
    const bool point_lookups = i == kBlockHashes || i == kTxIndex || i == kReceipts || i == kState;
    const size_t write_buffer =
        (i == kBlocks || i == kHistory || i == kReceipts) ? (64u << 20) : (32u << 20);
    descriptors.emplace_back(
        kCfNames[i], column_family_options(cache, compression, point_lookups, write_buffer));
  }
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           column_family_options(cache, compression, false, 4u << 20));

  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
  if (!s.ok()) {
    return core::Status::io_error("open rocksdb store at " + path + ": " + s.ToString());
  }
  auto store = std::make_unique<RocksDbStore>(path, std::unique_ptr<rocksdb::DB>(raw),
                                              std::move(handles), options.sync_writes);
  SILK_RETURN_IF_ERROR(store->load());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace silk::storage
