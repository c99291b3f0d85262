// GET /v1/events: the event stream over WebSocket (docs/api.md "Events").
//
//   /v1/events[?from_height=H][&to_height=H][&contract=C][&types=block,tx,event]
//
// With from_height the session first replays committed blocks H.. from the
// store, then hands over to the EventHub for live blocks (no gap, no
// duplicate); without it, live blocks only. With to_height it closes (1000)
// once every block up to it was sent. One JSON text message per block,
// tx and contract event. A consumer too slow for its bounded queue gets
// {"type":"error","message":"... resume from height N","resume_height":N}
// and the connection closes; so does every session when the hub shuts down
// (close code 1001, going away).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string_view>

#include "silk/node/event_hub.h"
#include "silk/storage/store.h"

namespace silk::node {

// True for the targets served here ("/v1/events", with or without a query).
bool is_event_stream_target(std::string_view target);

// Takes over a connection whose request asked for a WebSocket upgrade. For
// an event stream target with valid parameters it accepts the upgrade and
// streams; otherwise it answers over HTTP (404 for another path, 400 naming
// a bad parameter) and closes. Runs on the socket's executor (a strand);
// `hub` and `store` are borrowed and must outlive the session, which ends
// on its own (client close, error, overflow, hub shutdown) or when the
// socket's io_context is stopped and destroyed. `slot` (the RPC server's count
// of open connections) is kept as long as the stream is open.
void serve_event_stream(boost::asio::ip::tcp::socket socket,
                        boost::beast::http::request<boost::beast::http::string_body> request,
                        EventHub& hub, const storage::Store& store,
                        std::shared_ptr<void> slot = nullptr);
// The same over TLS (the RPC with rpc.tls).
void serve_event_stream(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                        boost::beast::http::request<boost::beast::http::string_body> request,
                        EventHub& hub, const storage::Store& store,
                        std::shared_ptr<void> slot = nullptr);

}  // namespace silk::node
