// Structured logs for silkd: one line per event, key=value fields, a badge per
// component ("[chain] block committed height=12 txs=340 ms=4.1").
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "silk/core/status.h"
#include "silk/node/config.h"

namespace silk::node {

// Points every silkd logger at standard error or at `config.file` (appended)
// and sets the level. Loggers created earlier are switched too. Call it before
// other threads log (at startup, or at the top of a test): switching the sink
// of a logger that another thread is using is not safe. kInvalid for an
// unknown level, kIOError when the file cannot be opened.
core::Status init_logging(const LogConfig& config);

// The logger of one component: "node", "chain", "mempool", "rpc". Created on
// first use with the current sink and level. Thread-safe; the pointer stays
// valid for the life of the process.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

}  // namespace silk::node
