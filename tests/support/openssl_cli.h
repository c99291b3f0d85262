// Test support: a scratch folder and the `openssl` command line, so that keys, certificates and
// signatures in tests are made by OpenSSL's own tool rather than by our code.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>

namespace silk::test {

// A fresh folder, removed with everything in it when the object dies.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "silk-test-XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    REQUIRE_MESSAGE(made != nullptr, "mkdtemp failed");
    path_ = made;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), ("cannot read " + path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command; its exit status and its stdout+stderr.
inline std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(("( " + command + " ) 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Runs an openssl command in `dir`; fails the test when it fails.
inline std::string openssl(const ScratchDir& dir, const std::string& args) {
  int rc = 0;  // not a structured binding: clang 14 cannot capture one in REQUIRE_MESSAGE
  std::string out;
  std::tie(rc, out) = run("cd '" + dir.path() + "' && openssl " + args);
  REQUIRE_MESSAGE(rc == 0, ("openssl " + args + "\n" + out));
  return out;
}

inline bool have_openssl_cli() { return run("openssl version").first == 0; }

}  // namespace silk::test
