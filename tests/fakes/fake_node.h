// A tiny HTTP server on 127.0.0.1 standing in for silkd in client and tools tests.
// Each request goes to a handler the test supplies; connections and requests
// are counted so tests can check connection reuse. Runs on its own thread.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace silk::fakes {

struct FakeRequest {
  std::string method;
  std::string target;
  std::string body;
};

struct FakeResponse {
  int status = 200;
  std::string body = "{}";
  bool close = false;  // close the connection after answering
};

class FakeNode {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeNode(Handler handler)
      : handler_(std::move(handler)),
        acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~FakeNode() {
    ioc_.stop();
    thread_.join();
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }

  std::vector<FakeRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(FakeNode& node, boost::asio::ip::tcp::socket socket)
        : node(node), stream(std::move(socket)) {}

    void read() {
      req = {};
      boost::beast::http::async_read(
          stream, buffer, req, [self = shared_from_this()](boost::beast::error_code ec, size_t) {
            if (ec) return;
            self->answer();
          });
    }

    void answer() {
      FakeRequest r{std::string(req.method_string()), std::string(req.target()), req.body()};
      {
        std::lock_guard<std::mutex> lock(node.mu_);
        node.requests_.push_back(r);
      }
      FakeResponse out = node.handler_(r);
      auto res = std::make_shared<boost::beast::http::response<boost::beast::http::string_body>>(
          static_cast<boost::beast::http::status>(out.status), req.version());
      res->set(boost::beast::http::field::content_type, "application/json");
      res->body() = out.body;
      res->keep_alive(!out.close && req.keep_alive());
      res->prepare_payload();
      const bool close = !res->keep_alive();
      boost::beast::http::async_write(
          stream, *res,
          [self = shared_from_this(), res, close](boost::beast::error_code ec, size_t) {
            if (ec || close) {
              boost::beast::error_code ignored;
              self->stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
              return;
            }
            self->read();
          });
    }

    FakeNode& node;
    boost::beast::tcp_stream stream;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> req;
  };

  void accept() {
    acceptor_.async_accept([this](boost::beast::error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec) return;
      connections_.fetch_add(1);
      std::make_shared<Session>(*this, std::move(s))->read();
      accept();
    });
  }

  Handler handler_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;  // guarded by mu_
};

// A port on 127.0.0.1 that nothing listens on (bound, then released).
inline uint16_t closed_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  uint16_t port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace silk::fakes
