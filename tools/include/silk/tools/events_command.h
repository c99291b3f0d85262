// `silk events [--from-height H] [--to-height H] [--contract C] [--types T] [--follow]`:
// the node's event stream (GET /v1/events over WebSocket, docs/api.md
// "Events") printed as JSON lines, one per message.
//
// Without --follow it prints the committed messages from --from-height
// (default 0) up to the tip as it was when the command started (or
// --to-height), then exits 0. With --follow it goes on with live blocks until
// interrupted (live only when no --from-height is given). When the node drops
// a consumer that fell behind, the command reconnects from the height the
// node names, so the output has no gap.
#pragma once

#include "silk/client/http_client.h"

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace silk::tools {

struct EventsOptions {
  std::optional<uint64_t> from_height;
  std::optional<uint64_t> to_height;
  std::string contract;  // empty: every contract
  std::string types;     // empty: block,tx,event
  bool follow = false;
};

// Streams to `out` (one JSON document a line, flushed each line); reports
// failures as "silk: error: ..." on `err`. Returns the exit status: 0, 1 when
// the node cannot be reached or refuses the stream, 2 for a usage error.
int run_events(const core::Result<client::Url>& node, const EventsOptions& options, std::ostream& out,
               std::ostream& err);

}  // namespace silk::tools
