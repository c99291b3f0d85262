#include "silk/tools/events_command.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "silk/tools/http_client.h"
#include "silk/tools/node_client.h"

namespace silk::tools {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

constexpr int kMaxResumes = 100;  // reconnections after "too slow" in one run

int fail(std::ostream& err, const std::string& message) {
  err << "silk: error: " << message << "\n";
  err.flush();
  return 1;
}

std::string stream_target(const Url& url, const EventsOptions& o, std::optional<uint64_t> from,
                          std::optional<uint64_t> to) {
  std::string t = url.base_path + "/v1/events";
  char sep = '?';
  auto add = [&](const char* name, const std::string& value) {
    t += sep;
    t += name;
    t += '=';
    t += url_encode_query(value);
    sep = '&';
  };
  if (from) add("from_height", std::to_string(*from));
  if (to) add("to_height", std::to_string(*to));
  if (!o.contract.empty()) add("contract", o.contract);
  if (!o.types.empty()) add("types", o.types);
  return t;
}

struct StreamEnd {
  bool ok = false;                        // closed by the node as asked (to_height reached)
  std::optional<uint64_t> resume_height;  // dropped as too slow: reconnect from here
  std::string error;                      // otherwise: why it ended
};

// One connection: prints every message until the node closes it.
StreamEnd stream_once(const Url& url, const std::string& target, std::ostream& out) {
  StreamEnd end;
  try {
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    websocket::stream<tcp::socket> ws(ioc);
    const auto endpoints = resolver.resolve(url.host, std::to_string(url.port));
    asio::connect(ws.next_layer(), endpoints);
    websocket::response_type res;
    beast::error_code ec;
    // Asynchronous: Boost 1.74's synchronous handshake drops the refusal's response.
    ws.async_handshake(res, url.host_header(), target, [&ec](beast::error_code e) { ec = e; });
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
      out << text << "\n";
      out.flush();
    }
  } catch (const std::exception& e) {
    end.error = "cannot reach node at " + url.to_string() + ": " + e.what();
  }
  return end;
}

}  // namespace

int run_events(const std::string& node_url, const EventsOptions& options, std::ostream& out,
               std::ostream& err) {
  core::Result<Url> url = parse_url(node_url);
  if (!url.is_ok()) return fail(err, url.status().message());

  std::optional<uint64_t> from = options.from_height;
  std::optional<uint64_t> to = options.to_height;
  if (!options.follow) {
    if (!from) from = 0;
    if (!to) {
      NodeClient node(*url);
      core::Result<json> chain = node.get("/v1/chain");
      if (!chain.is_ok()) return fail(err, chain.status().message());
      to = chain->value("height", uint64_t{0});
    }
    if (*to < *from) return 0;  // nothing committed in that range yet
  }
  for (int attempt = 0;; ++attempt) {
    StreamEnd end = stream_once(*url, stream_target(*url, options, from, to), out);
    if (end.ok) return 0;
    if (end.resume_height && attempt < kMaxResumes) {
      err << "silk: " << end.error << " (reconnecting)\n";
      err.flush();
      from = end.resume_height;
      continue;
    }
    return fail(err, end.error);
  }
}

EventsCli::EventsCli(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "events", "print the node's blocks, txs and contract events as JSON lines (GET /v1/events)");
  cmd_->add_option(
      "--from-height", options_.from_height,
      "replay committed blocks from this height (default 0; with --follow: live only)");
  cmd_->add_option("--to-height", options_.to_height,
                   "stop after this height (default: the tip, unless --follow)");
  cmd_->add_option("--contract", options_.contract, "only this contract's txs and events");
  cmd_->add_option("--types", options_.types, "comma-separated subset of block,tx,event");
  cmd_->add_flag("--follow", options_.follow, "keep printing live blocks until interrupted");
}

}  // namespace silk::tools
