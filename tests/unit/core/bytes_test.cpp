#include "silk/core/bytes.h"

#include <doctest/doctest.h>

#include <string>

using namespace silk::core;

TEST_SUITE("bytes") {
  TEST_CASE("to_hex writes lower-case pairs, high nibble first") {
    const Bytes b = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    CHECK(to_hex(b) == "00017f80abff");
    CHECK(to_hex(ByteSpan()) == "");
    Hash h{};
    h[0] = 0xde;
    h[31] = 0x0f;
    const std::string hh = to_hex(h);
    CHECK(hh.size() == 64);
    CHECK(hh.substr(0, 2) == "de");
    CHECK(hh.substr(62) == "0f");
  }

  TEST_CASE("every byte value round-trips through hex") {
    Bytes all(256);
    for (int i = 0; i < 256; ++i) all[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
    const std::string hex = to_hex(all);
    CHECK(hex.size() == 512);
    auto back = from_hex(hex);
    REQUIRE(back.is_ok());
    CHECK(back.value() == all);
  }

  TEST_CASE("from_hex accepts upper, lower and mixed case") {
    auto lower = from_hex("0aff10bc");
    auto upper = from_hex("0AFF10BC");
    auto mixed = from_hex("0aFf10Bc");
    REQUIRE(lower.is_ok());
    REQUIRE(upper.is_ok());
    REQUIRE(mixed.is_ok());
    const Bytes want = {0x0a, 0xff, 0x10, 0xbc};
    CHECK(lower.value() == want);
    CHECK(upper.value() == want);
    CHECK(mixed.value() == want);
  }

  TEST_CASE("from_hex of the empty string is empty") {
    auto r = from_hex("");
    REQUIRE(r.is_ok());
    CHECK(r.value().empty());
  }

  TEST_CASE("odd length is invalid") {
    for (const char* s : {"0", "abc", "00112"}) {
      auto r = from_hex(s);
      CHECK_FALSE(r.is_ok());
      CHECK(r.status().code() == Status::Code::kInvalid);
      CHECK(r.status().message().find("odd") != std::string::npos);
    }
  }

  TEST_CASE("a non-hex character is invalid and its position is named") {
    // 'g' is at index 5 (the low nibble of byte 2).
    auto r = from_hex("00112g33");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK(r.status().message().find("position 5") != std::string::npos);

    // A high nibble: 'z' at index 4.
    auto r2 = from_hex("0011z233");
    REQUIRE_FALSE(r2.is_ok());
    CHECK(r2.status().message().find("position 4") != std::string::npos);

    // A "0x" prefix is not hex: 'x' at index 1.
    auto r3 = from_hex("0x00");
    REQUIRE_FALSE(r3.is_ok());
    CHECK(r3.status().message().find("position 1") != std::string::npos);

    for (const char* s : {"  ", "0-", "+1", "0\n", "gg", "G0"}) {
      CHECK_FALSE(from_hex(s).is_ok());
    }
    // A NUL inside the view is a bad character too.
    CHECK_FALSE(from_hex(std::string_view("0\0", 2)).is_ok());
  }

  TEST_CASE("hash_from_hex needs exactly 64 hex characters") {
    const std::string ok = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    auto h = hash_from_hex(ok);
    REQUIRE(h.is_ok());
    CHECK(h.value()[0] == 0xe3);
    CHECK(h.value()[31] == 0x55);
    CHECK(to_hex(h.value()) == ok);

    CHECK_FALSE(hash_from_hex(ok.substr(0, 62)).is_ok());
    CHECK_FALSE(hash_from_hex(ok + "00").is_ok());
    CHECK_FALSE(hash_from_hex("").is_ok());
    std::string bad = ok;
    bad[10] = 'q';
    CHECK_FALSE(hash_from_hex(bad).is_ok());
  }

  TEST_CASE("string helpers view the same bytes") {
    const std::string s("a\0b", 3);
    ByteSpan span = as_span(s);
    CHECK(span.size() == 3);
    CHECK(span[0] == 'a');
    CHECK(span[1] == 0);
    CHECK(as_string_view(span) == s);
    CHECK(to_bytes(s) == Bytes{'a', 0, 'b'});
  }
}
