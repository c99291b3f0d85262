// The node's event stream (GET /v1/events over WebSocket, docs/api.md "Events"):
// one connection, each message handed to the caller as it arrives.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "silk/client/http_client.h"

namespace silk::client {

// What the stream asks for (each unset field is left out of the query).
struct EventQuery {
  std::optional<uint64_t> from_height;
  std::optional<uint64_t> to_height;
  std::string contract;  // empty: every contract
  std::string types;     // empty: block,tx,event
};

// The request target for `query` on the node at `url` (base path included):
// "/v1/events?from_height=0&to_height=9&contract=notary".
std::string event_stream_target(const Url& url, const EventQuery& query);

// How one connection ended.
struct EventStreamEnd {
  bool ok = false;                        // closed by the node as asked (to_height reached)
  std::optional<uint64_t> resume_height;  // dropped as too slow: reconnect from here
  std::string error;                      // otherwise: why it ended
};

// Connects to the node at `url`, opens the stream for `query` and calls
// `on_message` with the text of every message (blocks, txs, events) until the
// node closes it. An error message from the node is not passed on: it names
// why the stream ends (and, for a consumer that fell behind, the height to
// resume from). Never throws; `on_message` must not throw either. Blocking.
EventStreamEnd stream_events(const Url& url, const EventQuery& query,
                             const std::function<void(const std::string& message)>& on_message);

}  // namespace silk::client
