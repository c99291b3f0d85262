// The RPC routes of docs/api.md over the node's store, mempool and commit
// waiters. Transport (HTTP, limits) is RpcServer's; this is the API.
//
//   POST /v1/tx, POST /v1/txs           submit one / a batch (optionally wait)
//   GET  /v1/tx/{tx_id}                  tx with receipt, or pending
//   GET  /v1/block/{height} | /v1/block/hash/{hash} | /v1/block/latest   [?hex=1]
//   GET  /v1/state?key=                  current value
//   GET  /v1/history?key=&offset=&limit= key versions, oldest first
//   GET  /v1/txs?sender=&contract=&from_ms=&to_ms=&after=&limit=&order=   tx search, paged
//   GET  /v1/chain, GET /v1/health, GET /v1/ready
//   GET  /metrics                        Prometheus text format (docs/operations.md)
//
// Errors are {"error": {"code", "message"}} with the HTTP status of the
// table in docs/api.md. Never throws; an unexpected exception is a 500.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "silk/core/genesis.h"
#include "silk/node/commit_waiters.h"
#include "silk/node/mempool.h"
#include "silk/node/metrics.h"
#include "silk/node/rpc_server.h"
#include "silk/storage/store.h"

namespace silk::node {

inline constexpr size_t kMaxBatchTxs = 10000;
inline constexpr uint64_t kDefaultWaitMs = 10000;
inline constexpr uint64_t kMaxWaitMs = 60000;
inline constexpr uint32_t kDefaultHistoryLimit = 100;
inline constexpr uint32_t kMaxHistoryLimit = 1000;
inline constexpr uint32_t kDefaultTxsLimit = 100;  // GET /v1/txs; at most storage::kMaxTxQueryLimit

// The HTTP status for a Status code (kUnavailable: 503; the wait timeout's
// 504 is chosen where it happens).
unsigned http_status_for(const core::Status& status);

// Where verification links (QR codes, GET /v1/chain's verify_base) send a verifier: the public
// verification listener when the node has one, else this RPC.
struct LinkBase {
  bool tls = false;          // the RPC's scheme: https when rpc.tls
  uint16_t public_port = 0;  // the public listener's port; 0 = none
  std::string public_url;    // public.url: its address as verifiers reach it; "" = derived
  // The base URL for a request whose Host header is `host`, arriving on the public listener or
  // not: public_url, else https://<host's name>:<public_port>, else this RPC's own address.
  std::string for_host(const std::string& host, bool via_public) const;
};

class RpcApi final : public RequestHandler {
 public:
  // Everything is borrowed and must outlive the API (and the server using
  // it). `consensus` is the engine's name, shown by /v1/chain.
  RpcApi(const core::Genesis& genesis, const storage::Store& store, Mempool& mempool,
         CommitWaiters& waiters, std::string consensus, const contracts::Executor& contracts);

  void handle(HttpRequest request, boost::asio::any_io_executor executor,
              Responder respond) override;

  // Where links send verifiers. Set before serving.
  void set_link_base(LinkBase base) { link_base_ = std::move(base); }

  // GET /metrics answers with what `source` writes after the RPC's own families (text format
  // 0.0.4). GET /v1/ready with `ready`: whether the node is ready, and a JSON object saying why
  // (200 when ready, else 503). Without them: 404 and a plain "ready". Set before serving.
  struct Readiness {
    bool ready = true;
    std::string body_json;  // a JSON object
  };
  void set_metrics_source(std::function<void(MetricsWriter&)> source) {
    metrics_source_ = std::move(source);
  }
  void set_readiness(std::function<Readiness()> ready) { readiness_ = std::move(ready); }

 private:
  // /metrics and /v1/ready: answered here, not by the routes of the Call.
  bool answer_operator_route(const HttpRequest& request, const Responder& respond);

  const core::Genesis& genesis_;
  const storage::Store& store_;
  Mempool& mempool_;
  CommitWaiters& waiters_;
  const std::string consensus_;
  const contracts::Executor& contracts_;
  LinkBase link_base_;
  std::function<void(MetricsWriter&)> metrics_source_;
  std::function<Readiness()> readiness_;
  RpcMetrics rpc_metrics_;
};

}  // namespace silk::node
