// A small synchronous HTTP/1.1 client for talking to silkd (Boost.Beast).
//
// http://, or https:// with a TlsClient attached to the Url (client/tls.h). One connection is kept open and reused across calls;
// when the node has closed it in between, the call reconnects once. Not
// thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "silk/core/status.h"

namespace silk::client {

class TlsClient;

// A parsed node address: http[s]://host[:port][/base-path], and for https how to speak TLS.
struct Url {
  std::string host;  // "127.0.0.1", "localhost" or an IPv6 address without brackets
  uint16_t port = 80;
  std::string base_path;  // "" or "/prefix" (no trailing slash); prepended to every target
  bool https = false;
  // The TLS context for https (client/tls.h): the CAs and the client certificate. Without one an
  // https request fails, saying what to give.
  std::shared_ptr<TlsClient> tls;

  // "http://127.0.0.1:8645" (+ base path): how messages name the node.
  std::string to_string() const;
  // The Host header value: "host:port", IPv6 in brackets.
  std::string host_header() const;
};

// Accepts "http://host:port", "https://host:port", "host:port" (http assumed), an IPv6 host in
// brackets, and an optional path prefix. kInvalid, naming the problem, for
// another scheme, an empty host, a bad or out-of-range port, user info, a query or a fragment.
core::Result<Url> parse_url(std::string_view text);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters and
// '/' are kept as they are).
std::string url_encode_query(std::string_view value);

struct HttpResponse {
  int status = 0;  // 200, 404, ...
  std::string body;
  std::string content_type;
};

class HttpClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultConnectTimeout{5000};
  static constexpr size_t kMaxResponseBytes = size_t{256} << 20;

  explicit HttpClient(Url url, std::chrono::milliseconds connect_timeout = kDefaultConnectTimeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `method` (GET, POST) to base_path + target with a JSON body (may be
  // empty) and waits at most `timeout` for the whole exchange. Any HTTP
  // status is a successful Result. Errors (kUnavailable):
  //   "cannot reach node at http://127.0.0.1:8645: Connection refused"
  //   "node at http://...: no answer within 10000 ms"
  //   "node at http://...: connection lost: <reason>"
  core::Result<HttpResponse> request(std::string_view method, std::string_view target,
                                     std::string_view body, std::chrono::milliseconds timeout);

  const Url& url() const { return url_; }
  // Another TLS context for the next connections (the open one is closed).
  void set_tls(std::shared_ptr<TlsClient> tls);

 private:
  struct Impl;
  core::Status connect();

  Url url_;
  std::chrono::milliseconds connect_timeout_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace silk::client
