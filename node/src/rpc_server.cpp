#include "silk/node/rpc_server.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <optional>
#include <utility>

#include "silk/core/status.h"
#include "silk/node/json_view.h"
#include "silk/node/log.h"

namespace silk::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using core::Status;

namespace {
constexpr auto kHeaderTimeout = std::chrono::seconds(60);  // idle keep-alive, and a slow header
constexpr auto kBodyTimeout = std::chrono::seconds(120);
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr size_t kReadChunk = 64 * 1024;  // bytes a read may take at once
constexpr size_t kDrainLimit = 4u << 20;  // bytes read and dropped after a refused body
}  // namespace

struct RpcServer::Shared {
  Shared(RequestHandler& h, size_t max_body) : handler(h), max_body_bytes(max_body) {}
  RequestHandler& handler;
  const size_t max_body_bytes;
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

// One connection. Lives as long as an operation or a Responder holds it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<RpcServer::Shared> shared,
          std::shared_ptr<void> slot)
      : stream_(std::move(socket)), shared_(std::move(shared)), slot_(std::move(slot)) {
    // Beast reads at most the buffer's free capacity (512 bytes at least):
    // without room, a 100-tx batch body takes hundreds of reads, each a
    // recvmsg and a timer re-arm.
    buffer_.reserve(kReadChunk);
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(shared_->max_body_bytes);
    stream_.expires_after(kHeaderTimeout);
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
      stream_.expires_after(kWriteTimeout);
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
    stream_.expires_after(kBodyTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
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
    if (shared_->upgrade && beast::websocket::is_upgrade(req)) {
      return shared_->upgrade(stream_.release_socket(), std::move(req), std::move(slot_));
    }
    HttpRequest request;
    request.method = req.method();
    request.method_name = std::string(req.method_string());
    request.target = std::string(req.target());
    request.host = std::string(req[beast::http::field::host]);
    request.content_type = std::string(req[http::field::content_type]);
    request.body = std::move(req.body());
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
    stream_.expires_after(kWriteTimeout);
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
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kDrainTimeout);
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
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  const std::shared_ptr<RpcServer::Shared> shared_;
  std::shared_ptr<void> slot_;  // this connection's place in Shared::connections
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  bool keep_alive_ = false;
  bool refused_ = false;
  unsigned version_ = 11;
  std::vector<char> drain_buffer_;
  size_t drained_ = 0;
};

}  // namespace

RpcServer::RpcServer(RpcConfig config, RequestHandler& handler)
    : config_(std::move(config)),
      shared_(std::make_shared<Shared>(handler, config_.max_body_bytes)) {}

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
                                std::make_shared<Session>(std::move(socket), shared_,
                                                          std::move(slot))
                                    ->start();
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
  std::string body = error_body(Status::Code::kUnavailable,
                                "too many connections: this node serves " + limit +
                                    " at once (rpc.max_connections, within its descriptor "
                                    "limit); try again later");
  std::string response = "HTTP/1.1 503 Service Unavailable\r\nServer: silkd\r\n";
  response += "Content-Type: application/json\r\nConnection: close\r\nRetry-After: 1\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  response += body;
  beast::error_code ec;
  socket.non_blocking(true, ec);
  std::array<char, 4096> drain{};  // what the client sent already: unread, close would reset
  (void)socket.read_some(asio::buffer(drain), ec);
  (void)socket.write_some(asio::buffer(response), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

}  // namespace silk::node
