#include "silk/tools/events_command.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "silk/client/event_stream.h"
#include "silk/client/node_client.h"

namespace silk::tools {

using nlohmann::json;

namespace {

constexpr int kMaxResumes = 100;  // reconnections after "too slow" in one run

int fail(std::ostream& err, const std::string& message) {
  err << "silk: error: " << message << "\n";
  err.flush();
  return 1;
}

}  // namespace

int run_events(const core::Result<client::Url>& url, const EventsOptions& options,
               std::ostream& out, std::ostream& err) {
  if (!url.is_ok()) return fail(err, url.status().message());

  std::optional<uint64_t> from = options.from_height;
  std::optional<uint64_t> to = options.to_height;
  if (!options.follow) {
    if (!from) from = 0;
    if (!to) {
      client::NodeClient node(*url);
      core::Result<json> chain = node.get("/v1/chain");
      if (!chain.is_ok()) return fail(err, chain.status().message());
      to = chain->value("height", uint64_t{0});
    }
    if (*to < *from) return 0;  // nothing committed in that range yet
  }
  client::EventQuery query{from, to, options.contract, options.types};
  for (int attempt = 0;; ++attempt) {
    query.from_height = from;
    client::EventStreamEnd end = client::stream_events(*url, query, [&out](const std::string& m) {
      out << m << "\n";
      out.flush();
    });
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

}  // namespace silk::tools
