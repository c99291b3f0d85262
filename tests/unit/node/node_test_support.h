// Shared fixtures for the node tests: a small with-key chain, signed txs, and
// a synchronous Beast HTTP client for talking to a real RpcServer.
#pragma once

#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/tx.h"
#include "silk/storage/store.h"

namespace silk::node::test {

inline constexpr const char* kChainId = "silk-test";
inline constexpr uint64_t kNow = 1'700'000'000'000;  // the tests' node time
inline constexpr uint64_t kWindow = 600'000;

// Deterministic keys: seed = {tag, tag, ...}.
inline core::SecretKey key_from_tag(uint8_t tag) {
  std::vector<uint8_t> seed(32, tag);
  auto key = core::SecretKey::from_seed(seed);
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

// A chain with one validator (the node key) and one client member.
struct TestChain {
  core::SecretKey node_key = key_from_tag(1);
  core::SecretKey client_key = key_from_tag(2);
  core::SecretKey stranger_key = key_from_tag(3);  // not a member
  core::Genesis genesis;

  explicit TestChain(uint32_t max_block_txs = 5000, uint64_t max_block_bytes = 8u << 20) {
    REQUIRE(core::crypto_init().is_ok());
    core::Genesis g;
    g.chain_id = kChainId;
    g.timestamp_ms = kNow - 1000;
    g.tx_window_ms = kWindow;
    g.consensus.type = "solo";
    g.consensus.max_block_txs = max_block_txs;
    g.consensus.max_block_bytes = max_block_bytes;
    g.identity_mode = "with-key";
    g.members.push_back({"node", node_key.public_key(), "org1", {"node", "admin"}});
    g.members.push_back({"client", client_key.public_key(), "org1", {"client"}});
    g.validators.push_back(node_key.public_key());
    auto parsed = core::Genesis::parse(g.to_json());
    REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
    genesis = std::move(parsed).value();
  }
};

inline std::string digest_hex(uint64_t n) {
  return core::to_hex(core::sha256("document " + std::to_string(n)));
}

// A signed notary.anchor tx.
inline core::Tx anchor_tx(const core::SecretKey& key, uint64_t nonce, uint64_t timestamp_ms = kNow,
                          const std::string& chain_id = kChainId, std::string digest = "") {
  core::Tx tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.timestamp_ms = timestamp_ms;
  tx.sender_kind = core::SenderKind::kPublicKey;
  tx.sender = key.public_key();
  tx.contract = "notary";
  tx.method = "anchor";
  if (digest.empty()) digest = digest_hex(nonce);
  tx.args = nlohmann::json{{"hash", digest}, {"meta", {{"nonce", nonce}}}}.dump();
  tx.sign(key);
  return tx;
}

struct HttpReply {
  unsigned status = 0;
  std::string body;
  nlohmann::json json;  // null when the body is not JSON
  std::string allow;
  bool keep_alive = false;
};

// A blocking HTTP/1.1 client on one keep-alive connection.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : socket_(ioc_) {
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
    socket_.connect(ep);
  }

  HttpReply request(boost::beast::http::verb method, const std::string& target,
                    const std::string& body = "") {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (!body.empty() || method == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    http::write(socket_, req);
    return read_reply();
  }
  HttpReply get(const std::string& target) {
    return request(boost::beast::http::verb::get, target);
  }
  HttpReply post(const std::string& target, const nlohmann::json& body) {
    return request(boost::beast::http::verb::post, target, body.dump());
  }

  // Sends raw bytes (for malformed requests) and reads one reply.
  HttpReply raw(const std::string& bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes));
    return read_reply();
  }

  // True when the server closed the connection (reads EOF).
  bool closed_by_server() {
    char c;
    boost::beast::error_code ec;
    socket_.read_some(boost::asio::buffer(&c, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

 private:
  HttpReply read_reply() {
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    http::read(socket_, buffer_, parser);
    auto res = parser.release();
    HttpReply r;
    r.status = res.result_int();
    r.body = res.body();
    r.json = nlohmann::json::parse(r.body, nullptr, false);
    if (r.json.is_discarded()) r.json = nullptr;
    r.allow = std::string(res[http::field::allow]);
    r.keep_alive = res.keep_alive();
    return r;
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// A store that passes every call to another one; tests override what they
// need to intercept (commit_block, to fail or hold a write).
class DelegatingStore : public storage::Store {
 public:
  explicit DelegatingStore(std::unique_ptr<storage::Store> inner) : inner_(std::move(inner)) {}

  core::Status init_genesis(const core::Block& b, std::string_view j) override {
    return inner_->init_genesis(b, j);
  }
  core::Result<std::string> genesis_json() const override { return inner_->genesis_json(); }
  std::optional<storage::ChainTip> tip() const override { return inner_->tip(); }
  core::Status commit_block(const core::Block& block, const std::vector<core::Receipt>& receipts,
                            const std::vector<core::StateWrite>& writes) override {
    return inner_->commit_block(block, receipts, writes);
  }
  core::Result<core::Block> block_by_height(uint64_t h) const override {
    return inner_->block_by_height(h);
  }
  core::Result<core::Block> block_by_hash(const core::Hash& h) const override {
    return inner_->block_by_hash(h);
  }
  core::Result<storage::TxLocation> tx_location(const core::Hash& id) const override {
    return inner_->tx_location(id);
  }
  bool has_tx(const core::Hash& id) const override { return inner_->has_tx(id); }
  core::Result<core::Receipt> receipt(const core::Hash& id) const override {
    return inner_->receipt(id);
  }
  core::Result<std::optional<std::string>> get_state(std::string_view key) const override {
    return inner_->get_state(key);
  }
  core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                      uint32_t limit) const override {
    return inner_->history(key, offset, limit);
  }
  core::Result<storage::TxPage> query_txs(const storage::TxQuery& query) const override {
    return inner_->query_txs(query);
  }
  core::Result<std::optional<std::pair<uint64_t, uint64_t>>> heights_for_time(
      uint64_t from_ms, uint64_t to_ms) const override {
    return inner_->heights_for_time(from_ms, to_ms);
  }

 private:
  std::unique_ptr<storage::Store> inner_;
};

}  // namespace silk::node::test
