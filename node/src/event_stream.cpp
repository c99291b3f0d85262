#include "silk/node/event_stream.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "silk/node/json_view.h"
#include "silk/node/log.h"
#include "silk/node/url.h"

namespace silk::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using core::Result;
using core::Status;

namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
constexpr auto kIdleTimeout = std::chrono::seconds(60);  // pinged at half of it
constexpr size_t kMaxClientMessage = 64 * 1024;          // clients have nothing to say

struct StreamParams {
  std::optional<uint64_t> from_height;
  std::optional<uint64_t> to_height;  // close (1000) once every block up to it was sent
  EventFilter filter;
};

std::optional<uint64_t> parse_decimal(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

Result<StreamParams> parse_params(const Target& t) {
  StreamParams p;
  const std::string* types = nullptr;
  const std::string* contract = nullptr;
  for (const auto& [name, value] : t.params) {
    if (name == "from_height" || name == "to_height") {
      std::optional<uint64_t> v = parse_decimal(value);
      if (!v) {
        return Status::invalid("query parameter '" + name + "' is '" + value.substr(0, 32) +
                               "': expected a decimal number");
      }
      (name == "from_height" ? p.from_height : p.to_height) = v;
    } else if (name == "types") {
      types = &value;
    } else if (name == "contract") {
      contract = &value;
    } else {
      return Status::invalid("unknown query parameter '" + name.substr(0, 32) +
                             "' (expected from_height, to_height, contract, types)");
    }
  }
  if (p.from_height && p.to_height && *p.to_height < *p.from_height) {
    return Status::invalid("to_height " + std::to_string(*p.to_height) + " is below from_height " +
                           std::to_string(*p.from_height));
  }
  SILK_ASSIGN_OR_RETURN(p.filter, EventFilter::parse(types, contract));
  return p;
}

// RFC 6455 §4.2.1's Sec-WebSocket-Key: base64 of 16 bytes, so 22 characters of the alphabet
// (the last holding 2 bits) and "==".
bool is_websocket_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (size_t i = 0; i < 22; ++i) {
    const char c = key[i];
    const bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/';
    if (!b64) return false;
  }
  return std::string_view("AQgw").find(key[21]) != std::string_view::npos;
}

// What RFC 6455 §4.2.1 asks of an opening handshake, checked before Beast sees it (Beast's own
// refusals are plain text; every answer of ours is JSON). An empty Status when it holds.
Status check_websocket_handshake(const http::request<http::string_body>& request) {
  const auto version = request[http::field::sec_websocket_version];
  if (version != "13") {
    return Status::invalid("Sec-WebSocket-Version is '" +
                           std::string(version.substr(0, 16)) + "': this node speaks 13 (RFC 6455)");
  }
  const auto key = request[http::field::sec_websocket_key];
  if (key.empty()) return Status::invalid("the WebSocket handshake has no Sec-WebSocket-Key");
  if (!is_websocket_key(std::string_view(key.data(), key.size()))) {
    return Status::invalid("Sec-WebSocket-Key is not the base64 of 16 bytes (RFC 6455 §4.2.1)");
  }
  return Status::ok();
}

// Answers a request that is not streamed, over HTTP, then closes.
template <typename Stream>
void refuse(Stream stream, unsigned version, unsigned status, const Status& error,
            bool upgrade_required = false) {
  struct Refusal {
    Stream stream;
    http::response<http::string_body> res;
  };
  auto r = std::make_shared<Refusal>(Refusal{std::move(stream), {}});
  r->res.version(version == 10 ? 10 : 11);
  r->res.result(static_cast<http::status>(status));
  r->res.set(http::field::server, "silkd");
  r->res.set(http::field::content_type, "application/json");
  if (upgrade_required) r->res.set(http::field::sec_websocket_version, "13");
  r->res.keep_alive(false);
  r->res.body() = dump_json(error_to_json(error));
  r->res.prepare_payload();
  beast::get_lowest_layer(r->stream).expires_after(std::chrono::seconds(10));
  http::async_write(r->stream, r->res, [r](beast::error_code, size_t) {
    beast::error_code ignored;
    beast::get_lowest_layer(r->stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(r->stream).close();
  });
}

// One WebSocket subscriber. All of it runs on the socket's strand; the hub's
// wake-up only posts pump() there.
template <typename Stream>
class EventSession : public std::enable_shared_from_this<EventSession<Stream>> {
 public:
  using std::enable_shared_from_this<EventSession<Stream>>::shared_from_this;
  using std::enable_shared_from_this<EventSession<Stream>>::weak_from_this;

  EventSession(Stream socket, EventHub& hub, const storage::Store& store, StreamParams params,
               std::shared_ptr<void> slot)
      : ws_(std::move(socket)),
        hub_(hub),
        store_(store),
        params_(std::move(params)),
        slot_(std::move(slot)) {}

  ~EventSession() {
    if (sub_) hub_.unsubscribe(*sub_);
  }

  void start(http::request<http::string_body> request) {
    request_ = std::move(request);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = kHandshakeTimeout;
    timeouts.idle_timeout = kIdleTimeout;
    timeouts.keep_alive_pings = true;
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "silkd"); }));
    ws_.read_message_max(kMaxClientMessage);
    ws_.text(true);
    // Subscribed before the handshake answer: a client that got its 101 gets
    // every block published after it.
    std::weak_ptr<EventSession> weak = this->weak_from_this();
    auto executor = ws_.get_executor();
    sub_ = hub_.subscribe(params_.from_height, params_.filter, [weak, executor] {
      if (auto self = weak.lock()) asio::post(executor, [self] { self->pump(); });
    });
    next_height_ = params_.from_height.value_or(0);
    mode_ = params_.from_height ? Mode::kReplay : Mode::kLive;
    ws_.async_accept(request_,
                     [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

 private:
  enum class Mode { kReplay, kLive, kClosing };

  void on_accept(beast::error_code ec) {
    if (ec) return finish();
    accepted_ = true;
    read();
    pump();
  }

  // Keeps a read pending: it answers pings and the client's close.
  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return self->finish();
      self->in_.consume(n);
      self->read();
    });
  }

  // Takes what the hub queued, then writes, replays, closes or waits.
  void pump() {
    if (!accepted_ || done_ || writing_ || replay_scheduled_ || close_started_) return;
    if (mode_ != Mode::kClosing) {
      EventHub::Batch b = hub_.pop(*sub_);
      if (b.closed) {
        out_.clear();
        mode_ = Mode::kClosing;
        close_code_ = websocket::close_code::going_away;
      } else {
        const std::optional<uint64_t> to = params_.to_height;
        for (auto& m : b.messages) {
          if (!to || m.height <= *to) out_.push_back(std::move(m));
        }
        if (to && b.next_height > *to && !b.overflowed_at) {
          mode_ = Mode::kClosing;  // every block up to to_height is in out_
          close_code_ = websocket::close_code::normal;
        }
        if (b.overflowed_at) {
          out_.push_back(
              {*b.overflowed_at,
               std::make_shared<const std::string>(error_message_json(
                   "subscriber too slow: more than " + std::to_string(hub_.max_queue_bytes()) +
                       " bytes queued; resume from height " + std::to_string(*b.overflowed_at),
                   *b.overflowed_at))});
          mode_ = Mode::kClosing;
          close_code_ = websocket::close_code::try_again_later;
        }
      }
    }
    if (!out_.empty()) return write_front();
    if (mode_ == Mode::kClosing) return close();
    if (mode_ == Mode::kReplay) {
      replay_scheduled_ = true;  // posted, not called: no recursion over empty blocks
      asio::post(ws_.get_executor(), [self = shared_from_this()] { self->replay_one(); });
    }
    // Live and nothing queued: the hub's wake-up calls pump() again.
  }

  void write_front() {
    writing_ = true;
    ws_.async_write(asio::buffer(*out_.front().text),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->writing_ = false;
                      if (ec) return self->finish();
                      self->out_.pop_front();
                      self->pump();
                    });
  }

  // Replays block next_height_ from the store, or hands over to the hub.
  void replay_one() {
    replay_scheduled_ = false;
    if (done_ || mode_ != Mode::kReplay) return pump();
    if (params_.to_height && next_height_ > *params_.to_height) {
      mode_ = Mode::kClosing;
      close_code_ = websocket::close_code::normal;
      return pump();
    }
    if (!replay_to_ || next_height_ > *replay_to_) {
      replay_to_ = hub_.go_live(*sub_, next_height_);
      if (!replay_to_) {
        mode_ = Mode::kLive;
        return pump();
      }
    }
    Status st = replay_block(next_height_);
    if (!st.is_ok()) {
      logger("rpc")->warn("event stream replay failed height={} error=\"{}\"", next_height_,
                          st.to_string());
      out_.push_back({next_height_, std::make_shared<const std::string>(error_message_json(
                                        "cannot replay block " + std::to_string(next_height_) +
                                            ": " + st.message(),
                                        next_height_))});
      mode_ = Mode::kClosing;
      close_code_ = websocket::close_code::internal_error;
    } else {
      ++next_height_;
    }
    pump();
  }

  Status replay_block(uint64_t height) {
    SILK_ASSIGN_OR_RETURN(core::Block block, store_.block_by_height(height));
    std::vector<core::Receipt> receipts;
    receipts.reserve(block.txs.size());
    for (const core::Tx& tx : block.txs) {
      SILK_ASSIGN_OR_RETURN(core::Receipt r, store_.receipt(tx.tx_id()));
      receipts.push_back(std::move(r));
    }
    for (EventMessage& m : block_messages(block, receipts)) {
      if (params_.filter.accepts(m)) out_.push_back({height, std::move(m.text)});
    }
    return Status::ok();
  }

  void close() {
    if (close_started_ || done_) return;
    close_started_ = true;
    ws_.async_close(close_code_,
                    [self = shared_from_this()](beast::error_code) { self->finish(); });
  }

  void finish() {
    if (done_) return;
    done_ = true;
    out_.clear();
    if (sub_) hub_.unsubscribe(*sub_);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

  websocket::stream<std::conditional_t<std::is_same_v<Stream, tcp::socket>, beast::tcp_stream,
                                       Stream>>
      ws_;
  EventHub& hub_;
  const storage::Store& store_;
  const StreamParams params_;
  const std::shared_ptr<void> slot_;  // the RPC server's count of open connections
  http::request<http::string_body> request_;
  std::shared_ptr<EventSubscriber> sub_;
  beast::flat_buffer in_;
  std::deque<EventHub::Message> out_;  // next messages to write
  Mode mode_ = Mode::kReplay;
  uint64_t next_height_ = 0;           // replay: the next block to read
  std::optional<uint64_t> replay_to_;  // replay: read up to here before asking the hub again
  websocket::close_code close_code_ = websocket::close_code::normal;
  bool accepted_ = false;  // the handshake is answered: messages may go out
  bool writing_ = false;
  bool replay_scheduled_ = false;
  bool close_started_ = false;
  bool done_ = false;
};

bool is_event_stream_target_path(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/v1/events";
}

template <typename Stream>
auto wrap(Stream s) {
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    return beast::tcp_stream(std::move(s));
  } else {
    return s;
  }
}

template <typename Stream>
void serve(Stream socket, http::request<http::string_body> request, EventHub& hub,
           const storage::Store& store, std::shared_ptr<void> slot) {
  const unsigned version = request.version();
  Result<Target> target =
      parse_target(std::string_view(request.target().data(), request.target().size()));
  if (!target.is_ok()) return refuse(wrap(std::move(socket)), version, 400, target.status());
  if (target->path != "/v1/events") {
    return refuse(wrap(std::move(socket)), version, 404,
                  Status::not_found("no WebSocket route " + target->path +
                                    " (the event stream is /v1/events)"));
  }
  if (request.method() != http::verb::get) {
    return refuse(wrap(std::move(socket)), version, 405,
                  Status::invalid("the event stream is GET /v1/events"));
  }
  if (Status hs = check_websocket_handshake(request); !hs.is_ok()) {
    // A version we do not speak: 426 with the one we do (RFC 6455 §4.4).
    const bool wrong_version = request[http::field::sec_websocket_version] != "13";
    return refuse(wrap(std::move(socket)), version, wrong_version ? 426 : 400, hs, wrong_version);
  }
  Result<StreamParams> params = parse_params(*target);
  if (!params.is_ok()) return refuse(wrap(std::move(socket)), version, 400, params.status());
  std::make_shared<EventSession<Stream>>(std::move(socket), hub, store, std::move(params).value(),
                                 std::move(slot))
      ->start(std::move(request));
}

}  // namespace

bool is_event_stream_target(std::string_view target) {
  return is_event_stream_target_path(target);
}

void serve_event_stream(tcp::socket socket, http::request<http::string_body> request, EventHub& hub,
                        const storage::Store& store, std::shared_ptr<void> slot) {
  serve(std::move(socket), std::move(request), hub, store, std::move(slot));
}

void serve_event_stream(beast::ssl_stream<beast::tcp_stream> stream,
                        http::request<http::string_body> request, EventHub& hub,
                        const storage::Store& store, std::shared_ptr<void> slot) {
  serve(std::move(stream), std::move(request), hub, store, std::move(slot));
}

}  // namespace silk::node
