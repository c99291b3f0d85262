#include "silk/node/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace silk::node {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v";
constexpr const char* kLevelNames = "trace, debug, info, warn, error, off";

std::optional<spdlog::level::level_enum> level_from_name(const std::string& name) {
  static const std::map<std::string, spdlog::level::level_enum> kLevels = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"off", spdlog::level::off}};
  auto it = kLevels.find(name);
  if (it == kLevels.end()) return std::nullopt;
  return it->second;
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// `log.format: json`.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string line = json_log_line(
        msg.time, msg.level, std::string_view(msg.logger_name.data(), msg.logger_name.size()),
        std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// Every logger writes through this one sink; init_logging swaps its target (standard error or a
// file, with its formatter) while other threads log. A line is formatted, written and flushed
// under mu_, so it is whole in exactly one target, and on disk before log() returns.
class SwitchSink final : public spdlog::sinks::sink {
 public:
  explicit SwitchSink(spdlog::sink_ptr target) : target_(std::move(target)) {}

  void log(const spdlog::details::log_msg& msg) override {
    std::lock_guard lock(mu_);
    target_->log(msg);
    target_->flush();
  }
  void flush() override {
    std::lock_guard lock(mu_);
    target_->flush();
  }
  // The format comes with the target (swap); spdlog's own pattern calls change nothing.
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

  // Returns the old target, flushed, for the caller to drop outside the lock.
  spdlog::sink_ptr swap(spdlog::sink_ptr target) {
    std::lock_guard lock(mu_);
    target_->flush();
    std::swap(target_, target);
    return target;
  }

 private:
  std::mutex mu_;
  spdlog::sink_ptr target_;  // guarded by mu_: a single-threaded (_st) sink with its formatter
};

core::Result<spdlog::sink_ptr> make_target(const LogConfig& config) {
  spdlog::sink_ptr target;
  if (config.file.empty()) {
    target = std::make_shared<spdlog::sinks::stderr_sink_st>();
  } else {
    try {
      if (config.max_file_bytes == 0) {
        target = std::make_shared<spdlog::sinks::basic_file_sink_st>(config.file,
                                                                     /*truncate=*/false);
      } else {
        target = std::make_shared<spdlog::sinks::rotating_file_sink_st>(
            config.file, static_cast<size_t>(config.max_file_bytes),
            static_cast<size_t>(config.max_files));
      }
    } catch (const spdlog::spdlog_ex& e) {
      return core::Status::io_error("log file " + config.file + ": " + e.what());
    }
  }
  if (config.format == "json") {
    target->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    target->set_pattern(kTextPattern);
  }
  return target;
}

spdlog::level::level_enum level_for(const LogConfig& config, const std::string& module) {
  auto it = config.levels.find(module);
  return *level_from_name(it != config.levels.end() ? it->second : config.level);
}

struct Registry {
  std::shared_ptr<SwitchSink> sink = std::make_shared<SwitchSink>(make_target(LogConfig{}).value());
  std::mutex mu;     // guards the two below, and serialises init_logging
  LogConfig config;  // in force
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: loggers outlive static teardown
  return *r;
}

bool is_key(std::string_view s) {
  if (s.empty() || !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return std::islower(c) || std::isdigit(c) || c == '_';
  });
}

// "key=…" at the start of `s`.
bool starts_with_pair(std::string_view s) {
  const size_t eq = s.find('=');
  return eq != std::string_view::npos && is_key(s.substr(0, eq));
}

struct Field {
  std::string_view key;
  std::string_view value;
};

// Splits "block committed height=12 error=\"no space\"" into its message and trailing fields.
// False when the text does not end in key=value pairs (the caller keeps it whole).
bool split_fields(std::string_view text, std::string_view& message, std::vector<Field>& fields) {
  constexpr size_t npos = std::string_view::npos;
  size_t start = npos;
  for (size_t i = 0; i < text.size();) {
    const size_t sp = text.find(' ', i);
    const std::string_view token = text.substr(i, sp == npos ? npos : sp - i);
    const size_t eq = token.find('=');
    if (eq != npos && is_key(token.substr(0, eq))) {
      start = i;
      break;
    }
    if (sp == npos) break;
    i = sp + 1;
  }
  if (start == std::string_view::npos) return false;
  message = text.substr(0, start);
  while (!message.empty() && message.back() == ' ') message.remove_suffix(1);
  size_t i = start;
  while (i < text.size()) {
    const size_t eq = text.find('=', i);
    if (eq == std::string_view::npos) return false;
    const std::string_view key = text.substr(i, eq - i);
    if (!is_key(key) || key == "time" || key == "level" || key == "module" || key == "message") {
      return false;
    }
    size_t end;
    std::string_view value;
    if (eq + 1 < text.size() && text[eq + 1] == '"') {
      // The closing quote ends the text or comes before the next " key=": a value may hold
      // quotes and spaces ("bad "root" x").
      size_t q = eq + 2;
      for (;; ++q) {
        q = text.find('"', q);
        if (q == std::string_view::npos) return false;
        if (q + 1 == text.size() || (text[q + 1] == ' ' && starts_with_pair(text.substr(q + 2)))) {
          break;
        }
      }
      value = text.substr(eq + 2, q - eq - 2);
      end = q + 1;
    } else {
      end = std::min(text.find(' ', eq), text.size());
      value = text.substr(eq + 1, end - eq - 1);
    }
    fields.push_back({key, value});
    if (end == text.size()) break;
    i = end + 1;  // one space between pairs
  }
  return true;
}

std::string rfc3339_utc_ms(std::chrono::system_clock::time_point time) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int millis = static_cast<int>(ms - static_cast<long long>(secs) * 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out(buf, n);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + millis / 100));
  out.push_back(static_cast<char>('0' + millis / 10 % 10));
  out.push_back(static_cast<char>('0' + millis % 10));
  out.push_back('Z');
  return out;
}

}  // namespace

core::Status check_log_config(const LogConfig& config) {
  if (!level_from_name(config.level)) {
    return core::Status::invalid("log.level: unknown level '" + config.level + "' (" + kLevelNames +
                                 ")");
  }
  for (const auto& entry : config.levels) {
    if (std::find(kLogModules.begin(), kLogModules.end(), entry.first) == kLogModules.end()) {
      std::string known;
      for (std::string_view m : kLogModules) {
        if (!known.empty()) known += ", ";
        known += m;
      }
      return core::Status::invalid("log.levels." + entry.first + ": unknown module (" + known +
                                   ")");
    }
    if (!level_from_name(entry.second)) {
      return core::Status::invalid("log.levels." + entry.first + ": unknown level '" +
                                   entry.second + "' (" + kLevelNames + ")");
    }
  }
  if (config.format != "text" && config.format != "json") {
    return core::Status::invalid("log.format: unknown format '" + config.format + "' (text, json)");
  }
  if (config.max_file_bytes != 0 && config.max_file_bytes < 1024) {
    return core::Status::invalid("log.max_file_bytes: " + std::to_string(config.max_file_bytes) +
                                 " is too small (0 for no rotation, else at least 1024)");
  }
  if (config.max_files < 1 || config.max_files > 1000) {
    return core::Status::invalid("log.max_files: " + std::to_string(config.max_files) +
                                 " is out of range (1..1000)");
  }
  return core::Status::ok();
}

core::Status init_logging(const LogConfig& config) {
  SILK_RETURN_IF_ERROR(check_log_config(config));
  core::Result<spdlog::sink_ptr> target = make_target(config);
  if (!target.is_ok()) return target.status();
  Registry& r = registry();
  spdlog::sink_ptr old;
  {
    std::lock_guard lock(r.mu);
    old = r.sink->swap(std::move(target).value());
    r.config = config;
    for (auto& entry : r.loggers) entry.second->set_level(level_for(config, entry.first));
  }
  old.reset();  // closes the old file, outside both locks
  return core::Status::ok();
}

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.loggers.find(component);
  if (it != r.loggers.end()) return it->second;
  auto lg = std::make_shared<spdlog::logger>(component, r.sink);
  lg->set_level(level_for(r.config, component));
  r.loggers.emplace(component, lg);
  return lg;
}

std::string json_log_line(std::chrono::system_clock::time_point time,
                          spdlog::level::level_enum level, std::string_view module,
                          std::string_view text) {
  nlohmann::ordered_json j;
  j["time"] = rfc3339_utc_ms(time);
  j["level"] = level_name(level);
  j["module"] = module;
  std::string_view message;
  std::vector<Field> fields;
  if (split_fields(text, message, fields)) {
    j["message"] = message;
    for (const Field& f : fields) j[std::string(f.key)] = f.value;
  } else {
    j["message"] = text;
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace silk::node
