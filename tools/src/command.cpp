#include "silk/tools/command.h"

#include <ctime>

namespace silk::tools {

using core::Result;

CommandContext::CommandContext(std::string node_url, PassphraseSource passphrase,
                               const core::Clock& clock)
    : node_url_(std::move(node_url)), passphrase_(std::move(passphrase)), clock_(clock) {}

CommandContext::~CommandContext() = default;

Result<NodeClient*> CommandContext::node() {
  if (!node_) {
    SILK_ASSIGN_OR_RETURN(Url url, parse_url(node_url_));
    node_ = std::make_unique<NodeClient>(std::move(url));
  }
  return node_.get();
}

std::string format_utc_ms(uint64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(ms % 1000));
  return buf;
}

}  // namespace silk::tools
