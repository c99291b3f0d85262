// The HTTP/1.1 server under the RPC (Boost.Beast, asynchronous, keep-alive).
//
// It knows HTTP, not the API: each request goes to a RequestHandler, which
// answers through a Responder, now or later, from any thread. The server
// enforces the transport limits itself: a body over max_body_bytes gets 413
// (the limit named), a malformed request 400; both close the connection. One
// request per connection at a time (no pipelining). At most
// config.max_connections connections are open at once, WebSocket streams
// included: past it a new connection is answered 503 (JSON, naming the limit)
// and closed, so a flood of idle connections cannot take the descriptors the
// store needs (node/descriptors.h).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/ssl/context.hpp>
#include <optional>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/status.h"
#include "silk/node/config.h"

namespace silk::node {

// A client as the node judged its TLS certificate.
struct ClientIdentity {
  std::string key;   // what rate limits count by: the certificate's fingerprint (hex)
  std::string name;  // how logs and errors name it: "CN=org1-auditor,OU=auditor,O=org1,C=CN"
};

// Judges a client certificate (DER): the client, or an error whose message says why not
// ("certificate CN=...: revoked at ..."). Runs on an I/O thread; must not block for long.
using ClientAuthenticator = std::function<core::Result<ClientIdentity>(core::ByteSpan der)>;

// How long a judged client certificate is trusted on an open connection before it is judged again.
inline constexpr std::chrono::seconds kClientRecheck{5};

// A TLS 1.3 server context from PEM text: the certificate (chain) and its private key (PKCS#8,
// any key type OpenSSL loads). `ask_client_cert`: send a CertificateRequest (the client may send
// none; the authenticator judges what it sent). kInvalid naming `what` ("rpc TLS") and the problem.
core::Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_server_context(
    const std::string& what, const std::string& cert_pem, std::string_view key_pem,
    bool ask_client_cert);

struct HttpRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string method_name;  // as sent ("GET", or an unknown verb's text)
  std::string target;       // as sent: path and query
  std::string host;         // the Host header as sent ("" without one)
  std::string content_type;  // the Content-Type header, as sent (empty: none)
  std::string body;
  std::string remote;  // the client's address ("127.0.0.1")
  std::optional<ClientIdentity> client;  // over TLS with a client certificate the node accepted
  bool public_surface = false;  // came through the public verification listener (PublicGate)
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;          // JSON
  std::string allow;         // the Allow header of a 405; empty otherwise
  std::string content_type;  // empty: application/json
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (name, value)
};

// Sends the response to one request. Call it exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Handles one request. Runs on the connection's strand, `executor`; it may
  // respond before it returns or later, and must not block for long (the
  // I/O threads are few). Must not throw.
  virtual void handle(HttpRequest request, boost::asio::any_io_executor executor,
                      Responder respond) = 0;
};

// Takes over a connection whose request asks for a WebSocket upgrade (the
// request is read whole; the socket's executor is the connection's strand).
// The handler owns the socket from then on. Must not block; must not throw.
// `slot` is the connection's place in the server's connection count: keep it
// as long as the socket is open.
using UpgradeHandler =
    std::function<void(boost::asio::ip::tcp::socket socket,
                       boost::beast::http::request<boost::beast::http::string_body> request,
                       std::shared_ptr<void> slot)>;

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
// The same for a connection over TLS (the handshake done, the client accepted).
using TlsUpgradeHandler =
    std::function<void(TlsStream stream,
                       boost::beast::http::request<boost::beast::http::string_body> request,
                       std::shared_ptr<void> slot)>;

class RpcServer {
 public:
  // `handler` is borrowed and must outlive the server.
  RpcServer(RpcConfig config, RequestHandler& handler);
  // stop(), then frees the connections.
  ~RpcServer();
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Binds and listens on config.listen:config.port, then starts config.threads
  // I/O threads. kInvalid for an address that does not parse; kIOError
  // "cannot listen on 127.0.0.1:8645: Address already in use" and the like.
  core::Status start();

  // Routes WebSocket upgrade requests to `handler` (without one they go to
  // the RequestHandler like any request). Call before start().
  void set_upgrade_handler(UpgradeHandler handler);
  void set_tls_upgrade_handler(TlsUpgradeHandler handler);

  // Serve HTTPS only, with `context` (make_tls_server_context). With `authenticate`, every
  // request needs a client certificate it accepts. Call before start().
  void set_tls(std::shared_ptr<boost::asio::ssl::context> context,
               ClientAuthenticator authenticate = nullptr);
  bool tls() const;

  // The bound port (the real one when config.port is 0). Valid after start().
  uint16_t port() const { return port_; }
  // "127.0.0.1:8645"; "[::1]:8645" for IPv6.
  std::string endpoint() const;

  // Closes the listening socket; requests that arrive on open connections
  // get 503 "node is shutting down" and their connection is closed.
  // Thread-safe, idempotent.
  void stop_accepting();

  // stop_accepting(), waits up to `grace` for the requests being handled to
  // be answered and written, then stops the I/O threads and joins them.
  // Thread-safe, idempotent; not from an I/O thread.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  // Requests read and not yet answered and written. Thread-safe.
  size_t in_flight() const;
  // Connections open now (WebSocket streams included), and those refused
  // since start() for being past config.max_connections. Thread-safe.
  size_t connections() const;
  uint64_t connections_refused() const;
  // Requests refused for a client's rate (429), and clients refused their certificate (403).
  uint64_t rate_limited() const;
  uint64_t clients_refused() const;

  struct Shared;  // state the connections share with the server

 private:
  void accept();
  void refuse(boost::asio::ip::tcp::socket socket);

  const RpcConfig config_;
  const std::shared_ptr<Shared> shared_;
  uint16_t port_ = 0;
  std::string address_;
  std::unique_ptr<boost::asio::io_context> ioc_;
  // On a strand of ioc_; freed before ioc_ (see the destructor).
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::steady_timer> accept_retry_;  // on the acceptor's strand
  std::vector<std::thread> threads_;  // run ioc_
  std::mutex stop_mu_;                // serialises stop()
  bool stopped_ = false;              // guarded by stop_mu_
};

}  // namespace silk::node
