#include "silk/client/event_stream.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>

#include "silk/client/tls.h"

namespace silk::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;

std::string event_stream_target(const Url& url, const EventQuery& query) {
  std::string t = url.base_path + "/v1/events";
  char sep = '?';
  auto add = [&](const char* name, const std::string& value) {
    t += sep;
    t += name;
    t += '=';
    t += url_encode_query(value);
    sep = '&';
  };
  if (query.from_height) add("from_height", std::to_string(*query.from_height));
  if (query.to_height) add("to_height", std::to_string(*query.to_height));
  if (!query.contract.empty()) add("contract", query.contract);
  if (!query.types.empty()) add("types", query.types);
  return t;
}

namespace {

// Opens the socket under `ws` (and for TLS, the handshake); "" or why not.
std::string open_transport(asio::io_context& ioc, websocket::stream<tcp::socket>& ws,
                           const Url& url) {
  tcp::resolver resolver(ioc);
  asio::connect(ws.next_layer(), resolver.resolve(url.host, std::to_string(url.port)));
  return "";
}

std::string open_transport(asio::io_context& ioc,
                           websocket::stream<beast::ssl_stream<tcp::socket>>& ws,
                           const Url& url) {
  tcp::resolver resolver(ioc);
  asio::connect(beast::get_lowest_layer(ws), resolver.resolve(url.host, std::to_string(url.port)));
  beast::error_code ec;
  ws.next_layer().handshake(asio::ssl::stream_base::client, ec);
  if (ec) return "TLS handshake failed: " + ec.message();
  return "";
}

template <typename Ws>
EventStreamEnd stream_over(Ws& ws, asio::io_context& ioc, const Url& url, const EventQuery& query,
                           const std::function<void(const std::string& message)>& on_message) {
  EventStreamEnd end;
  if (std::string why = open_transport(ioc, ws, url); !why.empty()) {
    end.error = "cannot reach node at " + url.to_string() + ": " + why;
    return end;
  }
  websocket::response_type res;
  beast::error_code ec;
  // Asynchronous: Boost 1.74's synchronous handshake drops the refusal's response.
  ws.async_handshake(res, url.host_header(), event_stream_target(url, query),
                     [&ec](beast::error_code e) { ec = e; });
  ioc.run();
  if (ec) {
    end.error = "node at " + url.to_string() + " refused the event stream";
    if (res.result_int() != 0) end.error += ": HTTP " + std::to_string(res.result_int());
    if (!res.body().empty())
      end.error += " " + res.body();
    else
      end.error += " (" + ec.message() + ")";
    return end;
  }
  ws.read_message_max(size_t{64} << 20);
  beast::flat_buffer buffer;
  while (true) {
    ws.read(buffer, ec);
    if (ec == websocket::error::closed) {
      const auto reason = ws.reason();
      if (reason.code == websocket::close_code::normal) {
        end.ok = true;
      } else if (!end.resume_height) {
        end.error = "node closed the event stream (code " + std::to_string(reason.code) + ")";
      }
      return end;
    }
    if (ec) {
      end.error = "event stream from " + url.to_string() + " ended: " + ec.message();
      return end;
    }
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    json m = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (m.is_object() && m.value("type", "") == "error") {
      if (m.contains("resume_height") && m["resume_height"].is_number_unsigned()) {
        end.resume_height = m["resume_height"].get<uint64_t>();
      }
      end.error = m.value("message", std::string("the node reported an error"));
      continue;  // the close follows
    }
    on_message(text);
  }
}

}  // namespace

EventStreamEnd stream_events(const Url& url, const EventQuery& query,
                             const std::function<void(const std::string& message)>& on_message) {
  EventStreamEnd end;
  try {
    asio::io_context ioc;
    if (url.https) {
      if (!url.tls) {
        end.error = "cannot reach node at " + url.to_string() +
                    ": https needs the CA certificates the node's certificate chains to: --ca "
                    "FILE (or $SILK_CA)";
        return end;
      }
      websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, url.tls->context());
      return stream_over(ws, ioc, url, query, on_message);
    }
    websocket::stream<tcp::socket> ws(ioc);
    return stream_over(ws, ioc, url, query, on_message);
  } catch (const std::exception& e) {
    end.error = "cannot reach node at " + url.to_string() + ": " + e.what();
  }
  return end;
}

}  // namespace silk::client
