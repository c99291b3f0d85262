#include "silk/node/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <map>
#include <mutex>
#include <vector>

namespace silk::node {
namespace {

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v";

struct Registry {
  std::mutex mu;  // guards everything below
  spdlog::sink_ptr sink;
  spdlog::level::level_enum level = spdlog::level::info;
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: loggers outlive static teardown
  return *r;
}

spdlog::sink_ptr default_sink() {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_pattern(kPattern);
  return sink;
}

}  // namespace

core::Status init_logging(const LogConfig& config) {
  const spdlog::level::level_enum level = spdlog::level::from_str(config.level);
  if (level == spdlog::level::off && config.level != "off") {
    return core::Status::invalid("log level '" + config.level +
                                 "' is unknown; expected trace, debug, info, warn, error or off");
  }
  spdlog::sink_ptr sink;
  if (config.file.empty()) {
    sink = default_sink();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.file, /*truncate=*/false);
      sink->set_pattern(kPattern);
    } catch (const spdlog::spdlog_ex& e) {
      return core::Status::io_error("log file " + config.file + ": " + e.what());
    }
  }
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.sink = sink;
  r.level = level;
  for (auto& [name, lg] : r.loggers) {
    lg->sinks().clear();
    lg->sinks().push_back(sink);
    lg->set_level(level);
    lg->flush_on(spdlog::level::warn);
  }
  return core::Status::ok();
}

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.loggers.find(component);
  if (it != r.loggers.end()) return it->second;
  if (!r.sink) r.sink = default_sink();
  auto lg = std::make_shared<spdlog::logger>(component, r.sink);
  lg->set_level(r.level);
  lg->flush_on(spdlog::level::warn);
  r.loggers.emplace(component, lg);
  return lg;
}

}  // namespace silk::node
