// The public verification surface (docs/api.md "Public verification"): what a verifier outside
// the consortium — a customs officer who scanned a QR code, with no consortium certificate — may
// ask, and nothing else. It sits in front of the RPC API on its own listener (config "public":
// HTTPS without client certificates, rate-limited per address) and passes on only:
//   GET  /                       -> 302 to the explorer's verify page
//   GET  /explorer/[file]        the page itself
//   GET  /v1/health, /v1/config  liveness; the consortium's jurisdictions and trust anchors
//   POST /v1/verify              one document's verdict
//   POST /v1/query               documents.document only: one document's record and status
//   GET  /v1/state?key=K         K = notary/<sha256> or documents/hash/<hash>: a lookup by the
//                                hash of a file the verifier holds
//   GET  /v1/docs/{id}/qr.svg    one document's QR code
// Everything else — blocks, txs, other state, history, events, metrics, submitting — is 403,
// naming the route and where it is served.
#pragma once

#include "silk/node/rpc_server.h"

namespace silk::node {

class PublicGate final : public RequestHandler {
 public:
  // `api` is borrowed and must outlive the gate.
  explicit PublicGate(RequestHandler& api) : api_(api) {}

  void handle(HttpRequest request, boost::asio::any_io_executor executor,
              Responder respond) override;

  // Whether the gate passes `request` on (pure: the routes above).
  static bool allowed(const HttpRequest& request);

 private:
  RequestHandler& api_;
};

}  // namespace silk::node
