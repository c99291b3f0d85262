#include "silk/tools/file_hash.h"

#include <doctest/doctest.h>

#include <fstream>

#include "fake_node.h"
#include "silk/core/crypto.h"

using namespace silk::tools;
using silk::core::Status;
using silk::tools::testing::TempDir;

namespace {
void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}
}  // namespace

TEST_SUITE("file_hash") {
  TEST_CASE("the digest equals core::sha256 of the content, for any size") {
    REQUIRE(silk::core::crypto_init().is_ok());
    TempDir dir;
    // Empty, small, exactly one chunk, and several chunks with a remainder.
    const std::pair<size_t, const char*> cases[] = {
        {0, "empty"}, {5, "small"}, {65536, "one-chunk"}, {200001, "chunks"}};
    for (const auto& [size, name] : cases) {
      std::string content(size, '\0');
      for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>((i * 31 + 7) & 0xff);
      const std::string path = dir.file(name);
      write_text(path, content);
      auto d = hash_file(path);
      REQUIRE_MESSAGE(d.is_ok(), d.status().to_string());
      CHECK(d->size == size);
      CHECK(d->sha256 == silk::core::sha256(content));
    }
  }

  TEST_CASE("a known answer: SHA-256 of \"abc\"") {
    REQUIRE(silk::core::crypto_init().is_ok());
    TempDir dir;
    write_text(dir.file("abc"), "abc");
    auto d = hash_file(dir.file("abc"));
    REQUIRE(d.is_ok());
    CHECK(silk::core::to_hex(d->sha256) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  TEST_CASE("missing files and folders are refused") {
    TempDir dir;
    auto missing = hash_file(dir.file("nope"));
    CHECK(missing.status().code() == Status::Code::kNotFound);
    CHECK(missing.status().message() == "file " + dir.file("nope") + " not found");
    auto folder = hash_file(dir.path().string());
    CHECK(folder.status().code() == Status::Code::kInvalid);
  }
}
