// What tools tests share: the fake silkd (tests/fakes/fake_node.h) and a
// temporary folder.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "fakes/fake_node.h"

namespace silk::tools::testing {

using silk::fakes::closed_port;
using silk::fakes::FakeNode;
using silk::fakes::FakeRequest;
using silk::fakes::FakeResponse;

// A fresh folder removed when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "silk-tools-XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    REQUIRE_MESSAGE(made != nullptr, "mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace silk::tools::testing
