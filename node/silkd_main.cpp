// silkd, the SilkLedger node daemon: `silkd --config node.json`.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>

#include "silk/node/config.h"
#include "silk/node/log.h"
#include "silk/node/node.h"

namespace {

constexpr const char* kVersion = "0.1.0";

constexpr const char* kUsage =
    "usage: silkd --config <node.json>\n"
    "\n"
    "Runs a SilkLedger node: accepts signed transactions over HTTP/JSON,\n"
    "orders them into blocks and commits them durably.\n"
    "\n"
    "options:\n"
    "  -c, --config <file>  the node's config (docs/config.md); relative paths in it\n"
    "                       are resolved against the file's folder\n"
    "      --version        print the version and exit\n"
    "  -h, --help           print this help and exit\n"
    "\n"
    "The node key's passphrase comes from the config's passphrase_file, else from\n"
    "the environment variable SILK_NODE_PASSPHRASE. SIGINT or SIGTERM stops the\n"
    "node cleanly. SIGHUP re-reads the config's log section (level, levels, format,\n"
    "file) and reopens the log file; a bad section is refused and the old one kept.\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "silkd: %s\n", message.c_str());
  return 1;
}

// SIGHUP: the config file's log section, re-read and put in force; a bad one is refused with
// an error line and the settings in force stay.
void reload_logging(const std::string& config_path) {
  auto log = silk::node::logger("node");
  silk::core::Result<silk::node::LogConfig> next = silk::node::load_log_config(config_path);
  silk::core::Status st = next.is_ok() ? silk::node::init_logging(*next) : next.status();
  if (!st.is_ok()) {
    log->error("log settings not reloaded, the old ones stay error=\"{}\"", st.message());
    return;
  }
  std::string levels;
  for (const auto& entry : next->levels) {
    if (!levels.empty()) levels += ',';
    levels.append(entry.first).append(":").append(entry.second);
  }
  log->info("log settings reloaded level={} levels={} format={} file={}", next->level,
            levels.empty() ? "-" : levels, next->format,
            next->file.empty() ? "stderr" : next->file);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--version") {
      std::printf("silkd %s\n", kVersion);
      return 0;
    }
    if (arg == "-c" || arg == "--config") {
      if (i + 1 >= argc) return fail(std::string(arg) + " needs a file name\n" + kUsage);
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = std::string(arg.substr(9));
    } else {
      return fail("unknown argument '" + std::string(arg) + "'\n" + kUsage);
    }
  }
  if (config_path.empty()) return fail(std::string("--config is required\n") + kUsage);

  // Block the stop and reload signals in every thread (threads inherit the
  // mask); the main thread takes them synchronously below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  silk::core::Result<silk::node::NodeConfig> config = silk::node::load_config(config_path);
  if (!config.is_ok()) return fail(config.status().message());
  if (silk::core::Status st = silk::node::init_logging(config->log); !st.is_ok()) {
    return fail(st.message());
  }
  auto log = silk::node::logger("node");

  auto node = silk::node::Node::open(*config);
  // Start-up failures go to standard error; to the log too when it is a file.
  auto cannot_start = [&](const silk::core::Status& st) {
    if (!config->log.file.empty()) log->error("silkd cannot start error=\"{}\"", st.message());
    return fail(st.message());
  };
  if (!node.is_ok()) return cannot_start(node.status());
  if (silk::core::Status st = (*node)->start(); !st.is_ok()) return cannot_start(st);

  int signal_number = 0;
  while (!(*node)->failed()) {
    const timespec poll{0, 200 * 1000 * 1000};
    siginfo_t info;
    const int sig = sigtimedwait(&signals, &info, &poll);
    if (sig == SIGHUP) {
      reload_logging(config_path);
    } else if (sig > 0) {
      signal_number = sig;
      break;
    }
  }
  if (signal_number != 0) {
    log->info("silkd stopping signal={}", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  }
  (*node)->stop();
  const bool failed = (*node)->failed();
  const silk::core::Status failure = (*node)->failure();
  node.value().reset();  // closes the store
  if (failed) return fail("stopped on an error: " + failure.to_string());
  return 0;
}
