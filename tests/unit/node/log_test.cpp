#include "silk/node/log.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace silk::node {
namespace {

using core::Status;
namespace fs = std::filesystem;

// A fresh folder per test case (unit binaries of two builds may run at once).
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    path = fs::temp_directory_path() / ("silk-log-test-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    // Back to standard error before the files go.
    (void)init_logging(LogConfig{});
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<std::string> lines_of(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool has_line_with(const std::vector<std::string>& lines, const std::string& text) {
  for (const std::string& l : lines) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

std::chrono::system_clock::time_point at_2026_05_01_093000_125() {
  using namespace std::chrono;
  return sys_days{year{2026} / May / 1} + hours{9} + minutes{30} + milliseconds{125};
}

nlohmann::json parsed(const std::string& line) {
  return nlohmann::json::parse(line);  // throws, failing the test, on a bad line
}

TEST_SUITE("log") {
  TEST_CASE("a JSON line: UTC time with ms, level, module, message and the key=value fields") {
    const auto t = at_2026_05_01_093000_125();
    const std::string line =
        json_log_line(t, spdlog::level::warn, "chain",
                      "proposed block refused height=12 round=0 reason=\"bad \"root\" x\"");
    CHECK(line.rfind(R"({"time":"2026-05-01T09:30:00.125Z","level":"warn","module":"chain",)", 0) ==
          0);
    const nlohmann::json j = parsed(line);
    CHECK(j["message"] == "proposed block refused");
    CHECK(j["height"] == "12");
    CHECK(j["round"] == "0");
    CHECK(j["reason"] == "bad \"root\" x");
    CHECK(j.size() == 7);

    // No fields, or a text that does not end in key=value pairs: the message is the whole text.
    CHECK(parsed(json_log_line(t, spdlog::level::info, "node", "silkd ready"))["message"] ==
          "silkd ready");
    const std::string odd = "proposal from ab refused: height=3 is not the next one";
    nlohmann::json j2 = parsed(json_log_line(t, spdlog::level::err, "chain", odd));
    CHECK(j2["message"] == odd);
    CHECK(j2["level"] == "error");
    CHECK(j2.size() == 4);
    // A field named like the line's own keys does not overwrite them.
    nlohmann::json j3 = parsed(json_log_line(t, spdlog::level::debug, "p2p", "x level=trace"));
    CHECK(j3["level"] == "debug");
    CHECK(j3["message"] == "x level=trace");
    // Bytes a peer chose (invalid UTF-8, quotes, control characters) stay one parseable line.
    const std::string hostile = std::string("peer subject=\"\xff\xfe\" note=a\"b\n{\"level\":1}");
    const std::string l4 = json_log_line(t, spdlog::level::info, "p2p", hostile);
    CHECK(l4.find('\n') == std::string::npos);
    CHECK(parsed(l4)["level"] == "info");
  }

  TEST_CASE("bad values are refused naming the key") {
    auto err = [](LogConfig c) {
      const Status st = check_log_config(c);
      CHECK(st.code() == Status::Code::kInvalid);
      return st.message();
    };
    LogConfig c;
    CHECK(check_log_config(c).is_ok());
    c.levels = {{"p2p", "verbose"}};
    CHECK(err(c) ==
          "log.levels.p2p: unknown level 'verbose' (trace, debug, info, warn, error, off)");
    c.levels = {{"p2q", "debug"}};
    CHECK(err(c) == "log.levels.p2q: unknown module (chain, mempool, node, p2p, rpc, wal)");
    c = LogConfig{};
    c.level = "warning";
    CHECK(err(c) == "log.level: unknown level 'warning' (trace, debug, info, warn, error, off)");
    c = LogConfig{};
    c.format = "logfmt";
    CHECK(err(c) == "log.format: unknown format 'logfmt' (text, json)");
    c = LogConfig{};
    c.max_file_bytes = 100;
    CHECK(err(c) == "log.max_file_bytes: 100 is too small (0 for no rotation, else at least 1024)");
    // What init_logging refuses, it refuses whole.
    CHECK(init_logging(c).code() == Status::Code::kInvalid);
  }

  TEST_CASE("per-module levels over the global level; a refused change keeps the settings") {
    TempDir dir("levels");
    LogConfig c;
    c.file = (dir.path / "silkd.log").string();
    c.format = "json";
    c.level = "warn";
    c.levels = {{"p2p", "debug"}};
    REQUIRE(init_logging(c).is_ok());
    logger("p2p")->debug("dial failed peer=ab step=connect");
    logger("rpc")->info("rpc info one");
    logger("rpc")->warn("rpc warn one");
    std::vector<std::string> lines = lines_of(c.file);
    REQUIRE(lines.size() == 2);  // flushed as written: nothing waits in a buffer
    CHECK(parsed(lines[0])["module"] == "p2p");
    CHECK(parsed(lines[0])["step"] == "connect");
    CHECK(parsed(lines[1])["message"] == "rpc warn one");

    // Changed while running: rpc down to info, p2p back to the global level.
    c.level = "info";
    c.levels = {};
    REQUIRE(init_logging(c).is_ok());
    logger("p2p")->debug("p2p debug two");
    logger("rpc")->info("rpc info two");
    lines = lines_of(c.file);
    CHECK(has_line_with(lines, "rpc info two"));
    CHECK_FALSE(has_line_with(lines, "p2p debug two"));

    // A bad level, or a file that cannot be opened: refused, and the settings in force stay.
    LogConfig bad = c;
    bad.level = "verbose";
    bad.format = "text";
    CHECK(init_logging(bad).code() == Status::Code::kInvalid);
    LogConfig unopenable = c;
    std::ofstream(dir.path / "a-file") << "not a folder";  // spdlog makes missing folders
    unopenable.file = (dir.path / "a-file" / "silkd.log").string();
    unopenable.format = "text";
    CHECK(init_logging(unopenable).code() == Status::Code::kIOError);
    logger("rpc")->info("rpc info three");
    lines = lines_of(c.file);
    REQUIRE_FALSE(lines.empty());
    CHECK(parsed(lines.back())["message"] == "rpc info three");  // still JSON, same file
  }

  TEST_CASE("text lines keep their key=value form") {
    TempDir dir("text");
    LogConfig c;
    c.file = (dir.path / "silkd.log").string();
    REQUIRE(init_logging(c).is_ok());
    logger("chain")->info("block committed height={} txs={}", 12, 340);
    const std::vector<std::string> lines = lines_of(c.file);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find(" info [chain] block committed height=12 txs=340") != std::string::npos);
    CHECK(lines[0].front() != '{');
  }

  TEST_CASE("rotation keeps at most max_files old files, each under max_file_bytes") {
    TempDir dir("rotation");
    LogConfig c;
    c.file = (dir.path / "silkd.log").string();
    c.max_file_bytes = 1024;
    c.max_files = 2;
    REQUIRE(init_logging(c).is_ok());
    for (int i = 0; i < 200; ++i) logger("node")->info("rotation filler seq={} pad=0123456789", i);
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir.path)) {
      names.insert(entry.path().filename().string());
      CHECK(entry.file_size() <= 1024);
    }
    CHECK(names == std::set<std::string>{"silkd.log", "silkd.1.log", "silkd.2.log"});
    // The newest line is in the live file.
    CHECK(lines_of(c.file).back().find("seq=199 ") != std::string::npos);
  }

  TEST_CASE("switching format and file while threads log tears and loses no line") {
    TempDir dir("switch");
    LogConfig text;
    text.file = (dir.path / "a.log").string();
    text.max_file_bytes = 0;
    LogConfig json = text;
    json.format = "json";
    json.file = (dir.path / "b.log").string();
    REQUIRE(init_logging(text).is_ok());

    constexpr int kThreads = 4;
    constexpr int kLines = 400;
    std::atomic<bool> go{false};
    std::atomic<int> done{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t, &go, &done] {
        while (!go.load()) std::this_thread::yield();
        auto lg = logger(t % 2 == 0 ? "p2p" : "rpc");
        for (int i = 0; i < kLines; ++i) lg->info("tick thread={} seq={}", t, i);
        done.fetch_add(1);
      });
    }
    go.store(true);
    int switches = 0;  // switching all the time the threads log, and more than a few times
    while (done.load() < kThreads || switches < 20) {
      REQUIRE(init_logging(switches % 2 == 0 ? json : text).is_ok());
      ++switches;
    }
    for (std::thread& th : threads) th.join();

    std::set<std::pair<int, int>> seen;
    int lines = 0;
    for (const char* name : {"a.log", "b.log"}) {
      for (const std::string& l : lines_of(dir.path / name)) {
        if (l.find("tick") == std::string::npos) continue;
        ++lines;
        int t = -1;
        int i = -1;
        if (l.front() == '{') {
          const nlohmann::json j = parsed(l);
          t = std::stoi(j["thread"].get<std::string>());
          i = std::stoi(j["seq"].get<std::string>());
        } else {
          const size_t at = l.find("tick thread=");
          REQUIRE(at != std::string::npos);
          REQUIRE(std::sscanf(l.c_str() + at, "tick thread=%d seq=%d", &t, &i) == 2);
          std::string whole = "tick thread=";  // nothing torn off or run on at the end
          whole.append(std::to_string(t)).append(" seq=").append(std::to_string(i));
          CHECK(l.substr(at) == whole);
        }
        seen.insert({t, i});
      }
    }
    CHECK(lines == kThreads * kLines);
    CHECK(seen.size() == static_cast<size_t>(kThreads * kLines));
  }
}

}  // namespace
}  // namespace silk::node
