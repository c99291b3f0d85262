// Structured logs for silkd: one line per event, key=value fields, a badge per
// component ("[chain] block committed height=12 txs=340 ms=4.1"), written as
// text or as one JSON object per line (docs/config.md, "Logs").
#pragma once

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "silk/core/status.h"
#include "silk/node/config.h"

namespace silk::node {

// The components that log, each through its own logger; `log.levels` may name only these.
inline constexpr std::array<std::string_view, 6> kLogModules = {"chain", "mempool", "node",
                                                                "p2p",   "rpc",     "wal"};

// Checks the values of a log section: levels, format, module names, rotation bounds.
// kInvalid naming the key: "log.levels.p2p: unknown level 'verbose' (trace, debug, info,
// warn, error, off)". Does not touch the file system.
core::Status check_log_config(const LogConfig& config);

// Puts `config` in force: every logger, present and future, writes through one shared sink to
// standard error or to `config.file` (appended; rotated past max_file_bytes, keeping max_files
// old files), as text or JSON lines, at its module's level. Safe to call at any time, while
// other threads log (silkd calls it again on SIGHUP): each line is formatted and written whole
// under the sink's lock, and flushed, so no line is torn or lost across a switch, nor lost when
// the process is killed afterwards. The file is reopened on every call. All or nothing: on an
// error the settings in force stay. kInvalid as check_log_config; kIOError when the file cannot
// be opened.
core::Status init_logging(const LogConfig& config);

// The logger of one component (one of kLogModules). Created on first use at the level in
// force for it. Thread-safe; the pointer stays valid for the life of the process.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

// One event as a JSON line (without the newline), what `log.format: json` writes:
// {"time":"2026-05-01T09:30:00.125Z","level":"info","module":"chain","message":"block committed",
//  "height":"12","txs":"340"}. The text's trailing key=value pairs (values bare or in double
// quotes) become string fields; when the text has none, or does not end in such pairs, or uses a
// key of the line itself (time, level, module, message), the whole text is the message.
// Invalid UTF-8 is replaced (U+FFFD), never passed on.
std::string json_log_line(std::chrono::system_clock::time_point time,
                          spdlog::level::level_enum level, std::string_view module,
                          std::string_view text);

}  // namespace silk::node
