#include "silk/node/rpc_server.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <map>
#include <optional>
#include <utility>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "silk/core/status.h"
#include "silk/node/json_view.h"
#include "silk/node/log.h"
#include "silk/core/openssl_error.h"

namespace silk::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using core::Result;
using core::Status;

namespace {
constexpr auto kBodyTimeout = std::chrono::seconds(120);
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr size_t kReadChunk = 64 * 1024;  // bytes a read may take at once
constexpr size_t kDrainLimit = 4u << 20;  // bytes read and dropped after a refused body

using core::openssl_error;

// Token buckets by client: `rate` requests a second, bursts of twice it.
class RateLimiter {
 public:
  explicit RateLimiter(uint64_t rate) : rate_(static_cast<double>(rate)), burst_(2.0 * rate) {}

  // Takes one token for `key`; false when it has none.
  bool take(const std::string& key) {
    if (rate_ <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (buckets_.size() > kMaxKeys) prune(now);
    auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
    Bucket& b = it->second;
    if (!fresh) {
      const double elapsed = std::chrono::duration<double>(now - b.at).count();
      b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
      b.at = now;
    }
    if (b.tokens < 1.0) return false;
    b.tokens -= 1.0;
    return true;
  }

 private:
  static constexpr size_t kMaxKeys = 65536;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  // Drops the buckets that would be full by now (their clients are at rest): a table of
  // addresses cannot grow without bound.
  void prune(std::chrono::steady_clock::time_point now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double elapsed = std::chrono::duration<double>(now - it->second.at).count();
      it = it->second.tokens + elapsed * rate_ >= burst_ ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() > kMaxKeys) buckets_.clear();
  }
  const double rate_;
  const double burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace

Result<std::shared_ptr<ssl::context>> make_tls_server_context(const std::string& what,
                                                              const std::string& cert_pem,
                                                              std::string_view key_pem,
                                                              bool ask_client_cert) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* c = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1) {
    return Status::internal(what + ": cannot require TLS 1.3: " + openssl_error());
  }
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION);
  // No resumption: every connection shows its client certificate, judged afresh.
  SSL_CTX_set_num_tickets(c, 0);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);

  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* leaf = cert_bio ? PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr) : nullptr;
  if (leaf == nullptr) {
    BIO_free(cert_bio);
    return Status::invalid(what + ": the certificate is not a PEM certificate: " +
                           openssl_error());
  }
  int ok = SSL_CTX_use_certificate(c, leaf);
  X509_free(leaf);
  // The rest of the file: the chain up to (not including) the root.
  while (ok == 1) {
    X509* extra = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
    if (extra == nullptr) break;
    if (SSL_CTX_add_extra_chain_cert(c, extra) != 1) {
      X509_free(extra);
      ok = 0;
    }
  }
  BIO_free(cert_bio);
  ERR_clear_error();  // the end of the PEM file
  if (ok != 1) {
    return Status::invalid(what + ": cannot use the certificate: " + openssl_error());
  }
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = key_bio ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(key_bio);
  if (key == nullptr) {
    return Status::invalid(what + ": the key is not a clear PEM private key: " + openssl_error());
  }
  ok = SSL_CTX_use_PrivateKey(c, key);
  EVP_PKEY_free(key);
  if (ok != 1 || SSL_CTX_check_private_key(c) != 1) {
    return Status::invalid(what + ": the key does not belong to the certificate: " +
                           openssl_error());
  }
  if (ask_client_cert) {
    // Asked, not required: a client without one gets a 403 that says so, not a bare alert.
    // OpenSSL's own path building is replaced by the authenticator (consortium rules).
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_cert_verify_callback(
        c, [](X509_STORE_CTX*, void*) { return 1; }, nullptr);
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  }
  return ctx;
}

struct RpcServer::Shared {
  Shared(RequestHandler& h, const RpcConfig& config)
      : handler(h),
        max_body_bytes(config.max_body_bytes),
        idle_timeout(config.idle_timeout_ms),
        header_timeout(config.header_timeout_ms),
        limiter(config.rate_limit),
        rate_limit(config.rate_limit) {}
  RequestHandler& handler;
  const size_t max_body_bytes;
  const std::chrono::milliseconds idle_timeout;
  const std::chrono::milliseconds header_timeout;
  RateLimiter limiter;
  const uint64_t rate_limit;
  std::shared_ptr<ssl::context> tls;  // set before start(); then read-only
  ClientAuthenticator authenticate;   // likewise; null: no client certificates
  TlsUpgradeHandler tls_upgrade;
  std::atomic<uint64_t> rate_limited{0};
  std::atomic<uint64_t> clients_refused{0};
  std::atomic<bool> draining{false};
  std::atomic<size_t> in_flight{0};
  std::atomic<size_t> connections{0};          // open, WebSocket streams included
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<int64_t> last_refusal_log_ms{0};  // refusals are logged once a second at most
  UpgradeHandler upgrade;  // set before start(); then read-only
};

namespace {

std::string error_body(Status::Code code, const std::string& message) {
  return dump_json(error_to_json(Status(code, message)));
}

// What the server knows of the client on a connection.
struct ClientState {
  std::string remote;  // its address
  bool tls = false;
  core::Bytes cert_der;  // the certificate it showed (TLS), empty when none
  std::optional<ClientIdentity> identity;  // accepted
  std::string refusal;  // why not, when the server authenticates and did not accept it
  std::chrono::steady_clock::time_point judged{};
};

// Judges the client's certificate (again, once kClientRecheck has passed).
void judge_client(const RpcServer::Shared& shared, ClientState& client) {
  if (!shared.authenticate) return;
  const auto now = std::chrono::steady_clock::now();
  if (client.judged != std::chrono::steady_clock::time_point{} && now - client.judged < kClientRecheck) {
    return;
  }
  client.judged = now;
  client.identity.reset();
  if (client.cert_der.empty()) {
    client.refusal =
        "no client certificate: this node's RPC serves consortium members only; connect with "
        "a member certificate (silk --tls-cert/--tls-key, or the identity you sign with)";
    return;
  }
  Result<ClientIdentity> who = shared.authenticate(client.cert_der);
  if (who.is_ok()) {
    client.identity = std::move(who).value();
    client.refusal.clear();
  } else {
    client.refusal = "client " + who.status().message();
  }
}

template <typename Stream>
auto& lowest(Stream& s) {
  return beast::get_lowest_layer(s);
}

// One connection. Lives as long as an operation or a Responder holds it.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, std::shared_ptr<RpcServer::Shared> shared, std::shared_ptr<void> slot,
          ClientState client, beast::flat_buffer buffer = {})
      : stream_(std::move(stream)),
        shared_(std::move(shared)),
        slot_(std::move(slot)),
        client_(std::move(client)),
        buffer_(std::move(buffer)) {
    // Beast reads at most the buffer's free capacity (512 bytes at least):
    // without room, a 100-tx batch body takes hundreds of reads, each a
    // recvmsg and a timer re-arm.
    buffer_.reserve(kReadChunk);
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->read_header(); });
  }

 private:
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  // Between requests the connection may idle (rpc.idle_timeout_ms); once a request's first
  // bytes are in, its header must follow within rpc.header_timeout_ms.
  void read_header() {
    if (buffer_.size() == 0) {
      lowest(stream_).expires_after(shared_->idle_timeout);
      stream_.async_read_some(buffer_.prepare(kReadChunk),
                              [self = shared_from_this()](beast::error_code ec, size_t n) {
                                if (ec) return self->on_read_error(ec);
                                self->buffer_.commit(n);
                                self->parse_header();
                              });
      return;
    }
    parse_header();
  }

  void parse_header() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(shared_->max_body_bytes);
    lowest(stream_).expires_after(shared_->header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& req = parser_->get();
    auto expect = req.find(http::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      lowest(stream_).expires_after(kWriteTimeout);
      asio::async_write(stream_, asio::buffer(kContinue),
                        [self = shared_from_this()](beast::error_code wec, size_t) {
                          if (wec) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    lowest(stream_).expires_after(kBodyTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == ssl::error::stream_truncated) {
      return close();
    }
    if (ec == http::error::body_limit) {
      // The parser stops at the Content-Length before it stores it, so the
      // size itself is not known here.
      return send_error(413, Status::Code::kExhausted,
                        "request body is larger than the limit of " +
                            std::to_string(shared_->max_body_bytes) +
                            " bytes (rpc.max_body_bytes)");
    }
    if (ec == http::error::header_limit) {
      return send_error(
          431, Status::Code::kExhausted,
          "request header is larger than the limit of " + std::to_string(kHeaderLimit) + " bytes");
    }
    if (ec.category() == http::make_error_code(http::error::end_of_stream)
                             .category()) {  // any other HTTP parse error
      return send_error(400, Status::Code::kInvalid, "malformed HTTP request: " + ec.message());
    }
    close();  // a socket error: nobody to answer
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    http::request<http::string_body> req = parser_->release();
    parser_.reset();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    if (shared_->draining.load()) {
      keep_alive_ = false;
      HttpResponse res;
      res.status = 503;
      res.body = error_body(Status::Code::kUnavailable, "node is shutting down");
      shared_->in_flight.fetch_add(1);
      return write(std::move(res));
    }
    judge_client(*shared_, client_);
    if (!client_.refusal.empty()) {
      shared_->clients_refused.fetch_add(1);
      logger("rpc")->info("client refused remote={} reason=\"{}\"", client_.remote,
                          client_.refusal);
      keep_alive_ = false;
      HttpResponse res;
      res.status = 403;
      res.body = error_body(Status::Code::kUnauthorized, client_.refusal);
      shared_->in_flight.fetch_add(1);
      return write(std::move(res));
    }
    if (!shared_->limiter.take(client_.identity ? client_.identity->key : client_.remote)) {
      shared_->rate_limited.fetch_add(1);
      HttpResponse res;
      res.status = 429;
      res.headers = {{"Retry-After", "1"}};
      res.body = error_body(
          Status::Code::kExhausted,
          "rate limit: more than " + std::to_string(shared_->rate_limit) +
              " requests a second from " +
              (client_.identity ? "client " + client_.identity->name : "address " + client_.remote) +
              " (the node's rate_limit); slow down and retry");
      shared_->in_flight.fetch_add(1);
      return write(std::move(res));
    }
    if (beast::websocket::is_upgrade(req)) {
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        if (shared_->upgrade) {
          return shared_->upgrade(stream_.release_socket(), std::move(req), std::move(slot_));
        }
      } else {
        if (shared_->tls_upgrade) {
          return shared_->tls_upgrade(std::move(stream_), std::move(req), std::move(slot_));
        }
      }
    }
    HttpRequest request;
    request.method = req.method();
    request.method_name = std::string(req.method_string());
    request.target = std::string(req.target());
    request.host = std::string(req[beast::http::field::host]);
    request.content_type = std::string(req[http::field::content_type]);
    request.body = std::move(req.body());
    request.remote = client_.remote;
    request.client = client_.identity;
    shared_->in_flight.fetch_add(1);
    auto executor = stream_.get_executor();
    Responder respond = [self = shared_from_this()](HttpResponse res) {
      asio::post(self->stream_.get_executor(),
                 [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
    };
    shared_->handler.handle(std::move(request), executor, std::move(respond));
  }

  // A response to a request that could not be read: the rest of the request
  // is unread, so the connection closes after it.
  void send_error(unsigned status, Status::Code code, const std::string& message) {
    keep_alive_ = false;
    refused_ = true;
    HttpResponse res;
    res.status = status;
    res.body = error_body(code, message);
    shared_->in_flight.fetch_add(1);
    write(std::move(res));
  }

  void write(HttpResponse res) {
    auto& msg = response_.emplace();
    msg.version(version_ == 10 ? 10 : 11);
    msg.result(static_cast<http::status>(res.status));
    msg.set(http::field::server, "silkd");
    msg.set(http::field::content_type,
            res.content_type.empty() ? std::string("application/json") : res.content_type);
    if (!res.allow.empty()) msg.set(http::field::allow, res.allow);
    for (const auto& [name, value] : res.headers) msg.set(name, value);
    if (shared_->draining.load()) keep_alive_ = false;
    msg.keep_alive(keep_alive_);
    msg.body() = std::move(res.body);
    msg.prepare_payload();
    lowest(stream_).expires_after(kWriteTimeout);
    http::async_write(stream_, msg, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->shared_->in_flight.fetch_sub(1);
      self->response_.reset();
      if (ec) return self->close();
      if (self->refused_) return self->drain_and_close();
      if (!self->keep_alive_) return self->close();
      self->read_header();
    });
  }

  // After refusing a request whose body we did not read: stop sending, read
  // and drop what the client still sends (a little, briefly), then close, so
  // the client reads our answer instead of a connection reset.
  void drain_and_close() {
    beast::error_code ignored;
    lowest(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest(stream_).expires_after(kDrainTimeout);
    drain_buffer_.resize(64 * 1024);
    drain_some();
  }

  void drain_some() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kDrainLimit) return self->close();
                              self->drain_some();
                            });
  }

  void close() {
    beast::error_code ignored;
    lowest(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest(stream_).close();
  }

  Stream stream_;
  const std::shared_ptr<RpcServer::Shared> shared_;
  std::shared_ptr<void> slot_;  // this connection's place in Shared::connections
  ClientState client_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  bool keep_alive_ = false;
  bool refused_ = false;
  unsigned version_ = 11;
  std::vector<char> drain_buffer_;
  size_t drained_ = 0;
};

// A connection to a TLS server before it is one: tells a TLS ClientHello from plain HTTP (which
// gets a 400 saying to use https://), then runs the handshake and hands the stream to a Session.
class TlsAcceptor : public std::enable_shared_from_this<TlsAcceptor> {
 public:
  TlsAcceptor(tcp::socket socket, std::shared_ptr<RpcServer::Shared> shared,
              std::shared_ptr<void> slot, std::string remote)
      : stream_(std::move(socket)), shared_(std::move(shared)), slot_(std::move(slot)) {
    client_.remote = std::move(remote);
    client_.tls = true;
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.expires_after(self->shared_->header_timeout);
      beast::async_detect_ssl(self->stream_, self->buffer_,
                              [self](beast::error_code ec, bool is_tls) { self->on_detect(ec, is_tls); });
    });
  }

 private:
  void on_detect(beast::error_code ec, bool is_tls) {
    if (ec) return close(stream_);
    if (!is_tls) return refuse_plain();
    tls_.emplace(std::move(stream_), *shared_->tls);
    lowest(*tls_).expires_after(shared_->header_timeout);
    tls_->async_handshake(ssl::stream_base::server, buffer_.data(),
                          [self = shared_from_this()](beast::error_code hec, size_t used) {
                            self->on_handshake(hec, used);
                          });
  }

  void on_handshake(beast::error_code ec, size_t used) {
    if (ec) {
      logger("rpc")->debug("TLS handshake failed remote={} error=\"{}\"", client_.remote,
                           ec.message());
      return close(*tls_);
    }
    buffer_.consume(used);
    if (X509* cert = SSL_get1_peer_certificate(tls_->native_handle())) {
      unsigned char* der = nullptr;
      const int len = i2d_X509(cert, &der);
      if (len > 0) client_.cert_der.assign(der, der + len);
      OPENSSL_free(der);
      X509_free(cert);
    }
    judge_client(*shared_, client_);
    std::make_shared<Session<TlsStream>>(std::move(*tls_), shared_, std::move(slot_),
                                         std::move(client_), std::move(buffer_))
        ->start();
  }

  // Plain HTTP to an HTTPS port: an answer a person can act on, then close.
  void refuse_plain() {
    const std::string body = error_body(
        Status::Code::kInvalid,
        "this node's RPC speaks HTTPS only (rpc.tls): plain HTTP is refused; use https:// with "
        "the consortium CA certificates (silk --ca) and a member certificate");
    response_ = "HTTP/1.1 400 Bad Request\r\nServer: silkd\r\nContent-Type: application/json\r\n"
                "Connection: close\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body;
    stream_.expires_after(kWriteTimeout);
    asio::async_write(stream_, asio::buffer(response_),
                      [self = shared_from_this()](beast::error_code, size_t) {
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        self->stream_.close();
                      });
  }

  template <typename S>
  static void close(S& s) {
    beast::error_code ignored;
    lowest(s).socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest(s).close();
  }

  beast::tcp_stream stream_;
  std::optional<TlsStream> tls_;
  const std::shared_ptr<RpcServer::Shared> shared_;
  std::shared_ptr<void> slot_;
  ClientState client_;
  beast::flat_buffer buffer_;
  std::string response_;
};

}  // namespace

RpcServer::RpcServer(RpcConfig config, RequestHandler& handler)
    : config_(std::move(config)), shared_(std::make_shared<Shared>(handler, config_)) {}

RpcServer::~RpcServer() {
  stop(std::chrono::milliseconds(0));
  accept_retry_.reset();
  acceptor_.reset();
  ioc_.reset();  // frees the connections and handlers still queued
}

Status RpcServer::start() {
  if (ioc_) return Status::invalid("rpc server already started");
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(config_.listen, ec);
  if (ec) {
    return Status::invalid("rpc.listen '" + config_.listen + "' is not an IP address");
  }
  address_ = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  const std::string where = address_ + ":" + std::to_string(config_.port);
  ioc_ = std::make_unique<asio::io_context>(static_cast<int>(config_.threads));
  acceptor_ = std::make_unique<tcp::acceptor>(asio::make_strand(*ioc_));
  accept_retry_ = std::make_unique<asio::steady_timer>(acceptor_->get_executor());
  const tcp::endpoint endpoint(address, config_.port);
  auto fail = [&](const char* what) {
    Status st = Status::io_error("cannot listen on " + where + ": " + what + ": " + ec.message());
    accept_retry_.reset();
    acceptor_.reset();
    ioc_.reset();
    return st;
  };
  acceptor_->open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("set option");
  acceptor_->bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  port_ = acceptor_->local_endpoint(ec).port();
  if (ec) return fail("local endpoint");
  accept();
  threads_.reserve(config_.threads);
  for (unsigned i = 0; i < config_.threads; ++i) {
    threads_.emplace_back([this] { ioc_->run(); });
  }
  return Status::ok();
}

void RpcServer::set_upgrade_handler(UpgradeHandler handler) {
  shared_->upgrade = std::move(handler);
}

void RpcServer::set_tls_upgrade_handler(TlsUpgradeHandler handler) {
  shared_->tls_upgrade = std::move(handler);
}

void RpcServer::set_tls(std::shared_ptr<ssl::context> context, ClientAuthenticator authenticate) {
  shared_->tls = std::move(context);
  shared_->authenticate = std::move(authenticate);
}

bool RpcServer::tls() const { return shared_->tls != nullptr; }

std::string RpcServer::endpoint() const { return address_ + ":" + std::to_string(port_); }

void RpcServer::accept() {
  acceptor_->async_accept(asio::make_strand(*ioc_),
                          [this](beast::error_code ec, tcp::socket socket) {
                            if (ec == asio::error::operation_aborted || !acceptor_->is_open())
                              return;
                            if (!ec) {
                              if (shared_->connections.load() >= config_.max_connections) {
                                refuse(std::move(socket));
                              } else {
                                shared_->connections.fetch_add(1);
                                std::shared_ptr<void> slot(
                                    shared_.get(), [keep = shared_](void*) {
                                      keep->connections.fetch_sub(1);
                                    });
                                beast::error_code ignored;
                                const auto remote = socket.remote_endpoint(ignored);
                                std::string address =
                                    ignored ? "unknown" : remote.address().to_string();
                                if (shared_->tls) {
                                  std::make_shared<TlsAcceptor>(std::move(socket), shared_,
                                                                std::move(slot),
                                                                std::move(address))
                                      ->start();
                                } else {
                                  ClientState client;
                                  client.remote = std::move(address);
                                  std::make_shared<Session<beast::tcp_stream>>(
                                      beast::tcp_stream(std::move(socket)), shared_,
                                      std::move(slot), std::move(client))
                                      ->start();
                                }
                              }
                              return accept();
                            }
                            // Out of file descriptors and the like: not worth a line per
                            // attempt, and not worth retrying at once (the connection waits in
                            // the backlog).
                            logger("rpc")->debug("accept failed error=\"{}\"", ec.message());
                            accept_retry_->expires_after(std::chrono::milliseconds(100));
                            accept_retry_->async_wait([this](beast::error_code wec) {
                              if (!wec && acceptor_->is_open()) accept();
                            });
                          });
}

void RpcServer::stop_accepting() {
  shared_->draining.store(true);
  if (!acceptor_) return;
  asio::post(acceptor_->get_executor(), [this] {
    beast::error_code ignored;
    acceptor_->close(ignored);
  });
}

void RpcServer::stop(std::chrono::milliseconds grace) {
  std::lock_guard lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (!ioc_) return;
  stop_accepting();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (shared_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ioc_->stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  // The close posted by stop_accepting() may not have run before ioc_->stop():
  // close here too (no thread runs the context now), or the kernel would keep
  // accepting connections into a backlog nobody serves.
  if (acceptor_) {
    beast::error_code ignored;
    acceptor_->close(ignored);
  }
}

size_t RpcServer::in_flight() const { return shared_->in_flight.load(); }
size_t RpcServer::connections() const { return shared_->connections.load(); }
uint64_t RpcServer::connections_refused() const { return shared_->connections_refused.load(); }
uint64_t RpcServer::rate_limited() const { return shared_->rate_limited.load(); }
uint64_t RpcServer::clients_refused() const { return shared_->clients_refused.load(); }

// Past max_connections: a best-effort 503 on the fresh socket, without blocking, then close.
void RpcServer::refuse(tcp::socket socket) {
  shared_->connections_refused.fetch_add(1);
  const std::string limit = std::to_string(config_.max_connections);
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  int64_t last = shared_->last_refusal_log_ms.load();
  if (now_ms - last >= 1000 && shared_->last_refusal_log_ms.compare_exchange_strong(last, now_ms)) {
    logger("rpc")->warn(
        "connection refused reason=\"{} connections open, the limit (rpc.max_connections and the "
        "descriptor budget)\" refused_total={}",
        limit, shared_->connections_refused.load());
  }
  beast::error_code ec;
  if (shared_->tls) {
    // No answer a TLS client could read without a handshake, which is what the limit saves.
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    return;
  }
  std::string body = error_body(Status::Code::kUnavailable,
                                "too many connections: this node serves " + limit +
                                    " at once (rpc.max_connections, within its descriptor "
                                    "limit); try again later");
  std::string response = "HTTP/1.1 503 Service Unavailable\r\nServer: silkd\r\n";
  response += "Content-Type: application/json\r\nConnection: close\r\nRetry-After: 1\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  response += body;
  socket.non_blocking(true, ec);
  std::array<char, 4096> drain{};  // what the client sent already: unread, close would reset
  (void)socket.read_some(asio::buffer(drain), ec);
  (void)socket.write_some(asio::buffer(response), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

}  // namespace silk::node
