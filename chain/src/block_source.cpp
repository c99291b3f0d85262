#include "silk/chain/block_source.h"

namespace silk::chain {
namespace {

using core::Result;

class StoreSource final : public BlockSource {
 public:
  explicit StoreSource(const storage::Store& store) : store_(store) {}

  Result<std::string> genesis_json() const override { return store_.genesis_json(); }
  Result<storage::ChainTip> tip() const override {
    std::optional<storage::ChainTip> tip = store_.tip();
    if (!tip) return core::Status::not_found("the store holds no chain (no genesis block)");
    return *tip;
  }
  Result<core::Block> block(uint64_t height) const override {
    return store_.block_by_height(height);
  }
  Result<core::Block> block_by_hash(const core::Hash& hash) const override {
    return store_.block_by_hash(hash);
  }
  Result<storage::TxLocation> tx_location(const core::Hash& tx_id) const override {
    return store_.tx_location(tx_id);
  }
  Result<core::Receipt> receipt(const core::Hash& tx_id) const override {
    return store_.receipt(tx_id);
  }
  Result<std::optional<std::string>> state(std::string_view key) const override {
    return store_.get_state(key);
  }
  Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                uint32_t limit) const override {
    return store_.history(key, offset, limit);
  }

 private:
  const storage::Store& store_;
};

}  // namespace

std::unique_ptr<BlockSource> make_store_source(const storage::Store& store) {
  return std::make_unique<StoreSource>(store);
}

}  // namespace silk::chain
