#include "silk/client/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "silk/client/tls.h"

namespace silk::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using core::Result;
using core::Status;

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

}  // namespace

std::string Url::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string Url::to_string() const {
  return (https ? "https://" : "http://") + host_header() + base_path;
}

Result<Url> parse_url(std::string_view text) {
  const std::string original(text);
  auto bad = [&](const std::string& why) {
    return Status::invalid("bad node URL \"" + original + "\": " + why);
  };
  std::string_view rest = text;
  size_t scheme_end = rest.find("://");
  bool https = false;
  if (scheme_end != std::string_view::npos) {
    https = iequals_prefix(rest, "https://");
    if (!https && !iequals_prefix(rest, "http://")) {
      std::string scheme(rest.substr(0, scheme_end));
      return bad("unsupported scheme " + scheme + " (http:// or https://)");
    }
    rest.remove_prefix(scheme_end + 3);
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad("a query or fragment is not allowed");
  }
  size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) return bad("user info is not allowed");

  Url url;
  url.https = https;
  if (https) url.port = 443;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [ in IPv6 host");
    url.host = std::string(authority.substr(1, close - 1));
    for (char c : url.host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return bad("bad IPv6 host");
      }
    }
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after ]");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
    for (char c : url.host) {
      if (!is_host_char(c)) return bad(std::string("bad character '") + c + "' in host");
    }
  }
  if (url.host.empty()) return bad("no host");

  if (!port_text.empty()) {
    if (port_text.size() > 5) return bad("port out of range");
    unsigned long port = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad("port is not a number");
      port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port == 0 || port > 65535) return bad("port out of range");
    url.port = static_cast<uint16_t>(port);
  }

  std::string base(path);
  while (!base.empty() && base.back() == '/') base.pop_back();
  url.base_path = base;
  return url;
}

std::string url_encode_query(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

// The connection and the I/O context that drives it. Each operation is
// started asynchronously and the context is run until it completes: that is
// how Beast's tcp_stream applies timeouts to an otherwise synchronous call.
struct HttpClient::Impl {
  // Beast reads at most the buffer's free capacity (512 bytes at least): with
  // room for 64 KiB a large answer takes a few reads instead of thousands,
  // each a recvmsg and a timer re-arm.
  Impl() { buffer.reserve(64 * 1024); }

  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> tcp;                       // http://
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;    // https://
  beast::flat_buffer buffer;
  bool connected = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }
  template <typename F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*tcp);
    }
  }

  void run() {
    ioc.restart();
    ioc.run();
  }

  void close() {
    if (tcp || tls) {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().close();
    }
    tcp.reset();
    tls.reset();
    buffer.clear();
    connected = false;
  }
};

HttpClient::HttpClient(Url url, std::chrono::milliseconds connect_timeout)
    : url_(std::move(url)), connect_timeout_(connect_timeout), impl_(std::make_unique<Impl>()) {}

HttpClient::~HttpClient() {
  if (impl_ && impl_->connected) impl_->close();
}

void HttpClient::set_tls(std::shared_ptr<TlsClient> tls) {
  impl_->close();
  url_.tls = std::move(tls);
}

Status HttpClient::connect() {
  Impl& im = *impl_;
  const std::string where = "cannot reach node at " + url_.to_string() + ": ";
  if (url_.https && !url_.tls) {
    return Status::invalid(where +
                           "https needs the CA certificates the node's certificate chains to: "
                           "--ca FILE (or $SILK_CA), e.g. cas.pem of `silk network init`");
  }

  tcp::resolver resolver(im.ioc);
  beast::error_code ec;
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(url_.host, std::to_string(url_.port),
                         [&](beast::error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                         });
  im.run();
  if (ec) return Status::unavailable(where + ec.message());

  if (url_.https) {
    im.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(im.ioc, url_.tls->context());
  } else {
    im.tcp = std::make_unique<beast::tcp_stream>(im.ioc);
  }
  im.lowest().expires_after(connect_timeout_);
  im.lowest().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  im.run();
  if (ec == beast::error::timeout) {
    im.close();
    return Status::unavailable(where + "no answer within " +
                               std::to_string(connect_timeout_.count()) + " ms");
  }
  if (ec) {
    im.close();
    return Status::unavailable(where + ec.message());
  }
  if (im.tls) {
    SSL* ssl = im.tls->native_handle();
    im.tls->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    im.run();
    if (ec) {
      std::string why = ec == beast::error::timeout ? "no answer within " +
                                                          std::to_string(connect_timeout_.count()) +
                                                          " ms"
                                                    : ec.message();
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        why = "the node's certificate is not trusted: " +
              std::string(X509_verify_cert_error_string(verify)) + " (checked against " +
              url_.tls->ca_source() + ")";
      }
      im.close();
      return Status::unavailable(where + "TLS handshake failed: " + why);
    }
  }
  im.connected = true;
  return Status::ok();
}

Result<HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                         std::string_view body, std::chrono::milliseconds timeout) {
  Impl& im = *impl_;
  http::verb verb = http::string_to_verb(beast::string_view(method.data(), method.size()));
  if (verb == http::verb::unknown) {
    return Status::internal("unknown HTTP method " + std::string(method));
  }

  http::request<http::string_body> req{verb, url_.base_path + std::string(target), 11};
  req.set(http::field::host, url_.host_header());
  req.set(http::field::user_agent, "silk/0.1");
  req.set(http::field::accept, "application/json");
  if (!body.empty() || verb == http::verb::post) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  req.keep_alive(true);
  req.prepare_payload();

  // A kept connection the node has closed in the meantime fails on first use
  // without an answer: then reconnect once and send again.
  for (int attempt = 0;; ++attempt) {
    const bool reused = im.connected;
    if (!im.connected) SILK_RETURN_IF_ERROR(connect());

    beast::error_code ec;
    im.lowest().expires_after(timeout);
    im.with_stream([&](auto& stream) {
      http::async_write(stream, req, [&](beast::error_code e, size_t) { ec = e; });
    });
    im.run();

    std::optional<http::response_parser<http::string_body>> parser;
    parser.emplace();
    parser->body_limit(kMaxResponseBytes);
    size_t read_bytes = 0;
    if (!ec) {
      im.with_stream([&](auto& stream) {
        http::async_read(stream, im.buffer, *parser, [&](beast::error_code e, size_t n) {
          ec = e;
          read_bytes = n;
        });
      });
      im.run();
    }

    if (ec) {
      im.close();
      if (ec == beast::error::timeout) {
        return Status::unavailable("node at " + url_.to_string() + ": no answer within " +
                                   std::to_string(timeout.count()) + " ms");
      }
      const bool stale = reused && read_bytes == 0 &&
                         (ec == http::error::end_of_stream || ec == asio::error::eof ||
                          ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
                          ec == http::error::partial_message);
      if (stale && attempt == 0) continue;
      return Status::unavailable("node at " + url_.to_string() +
                                 ": connection lost: " + ec.message());
    }

    auto res = parser->release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[http::field::content_type]);
    out.body = std::move(res.body());
    if (!res.keep_alive()) im.close();
    return out;
  }
}

}  // namespace silk::client
