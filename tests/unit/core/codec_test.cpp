#include "silk/core/codec.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace silk::core;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

Bytes le32(uint32_t v) {
  return {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 24)};
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_SUITE("codec") {
  TEST_CASE("integers are fixed-width little-endian") {
    Bytes out;
    Writer w(out);
    w.u32(0x01020304u);
    CHECK(out == Bytes{0x04, 0x03, 0x02, 0x01});

    out.clear();
    w.u64(0x0102030405060708ull);
    CHECK(out == Bytes{0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01});

    out.clear();
    w.u8(0xab);
    w.u32(0);
    w.u32(0xffffffffu);
    CHECK(out == Bytes{0xab, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff});
  }

  TEST_CASE("bytes and str are a u32 length then the data; hash and raw have no length") {
    Bytes out;
    Writer w(out);
    w.bytes(Bytes{0xaa, 0xbb});
    CHECK(out == Bytes{0x02, 0x00, 0x00, 0x00, 0xaa, 0xbb});

    out.clear();
    w.str("hi");
    CHECK(out == Bytes{0x02, 0x00, 0x00, 0x00, 'h', 'i'});

    out.clear();
    w.str("");
    w.bytes(Bytes{});
    CHECK(out == Bytes{0, 0, 0, 0, 0, 0, 0, 0});

    out.clear();
    Hash h{};
    for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(i + 1);
    w.hash(h);
    CHECK(out == Bytes(h.begin(), h.end()));

    out.clear();
    w.raw(Bytes{1, 2, 3});
    CHECK(out == Bytes{1, 2, 3});

    // Writer appends; it never clears what was there.
    Bytes pre = {9};
    Writer w2(pre);
    w2.u8(8);
    CHECK(pre == Bytes{9, 8});

    // A 300-byte string: the length is 0x012c, little-endian.
    out.clear();
    w.str(std::string(300, 'x'));
    CHECK(out.size() == 304);
    CHECK(Bytes(out.begin(), out.begin() + 4) == Bytes{0x2c, 0x01, 0x00, 0x00});
  }

  TEST_CASE("a Reader reads back what a Writer wrote") {
    Hash h{};
    h.fill(0x5a);
    const std::string text("utf-8 \xe2\x9c\x93 and a \0 byte", 22);
    Bytes out;
    Writer w(out);
    w.u8(0);
    w.u8(255);
    w.u32(0);
    w.u32(std::numeric_limits<uint32_t>::max());
    w.u64(0);
    w.u64(std::numeric_limits<uint64_t>::max());
    w.u64(0x8000000000000001ull);
    w.bytes(Bytes{1, 2, 3});
    w.bytes(Bytes{});
    w.str(text);
    w.hash(h);

    Reader r(out);
    uint8_t a = 1, b = 0;
    uint32_t c = 1, d = 0;
    uint64_t e = 1, f = 0, g = 0;
    Bytes bs, empty = {7};
    std::string s;
    Hash hh{};
    REQUIRE(r.u8(a, "a"));
    REQUIRE(r.u8(b, "b"));
    REQUIRE(r.u32(c, "c"));
    REQUIRE(r.u32(d, "d"));
    REQUIRE(r.u64(e, "e"));
    REQUIRE(r.u64(f, "f"));
    REQUIRE(r.u64(g, "g"));
    REQUIRE(r.bytes(bs, "bs"));
    REQUIRE(r.bytes(empty, "empty"));
    REQUIRE(r.str(s, "s"));
    CHECK_FALSE(r.at_end());
    REQUIRE(r.hash(hh, "h"));
    CHECK(a == 0);
    CHECK(b == 255);
    CHECK(c == 0);
    CHECK(d == std::numeric_limits<uint32_t>::max());
    CHECK(e == 0);
    CHECK(f == std::numeric_limits<uint64_t>::max());
    CHECK(g == 0x8000000000000001ull);
    CHECK(bs == Bytes{1, 2, 3});
    CHECK(empty.empty());
    CHECK(s == text);
    CHECK(hh == h);
    CHECK(r.at_end());
    CHECK(r.remaining() == 0);
    CHECK(r.position() == out.size());
    CHECK(r.finish("record").is_ok());
  }

  TEST_CASE("reading little-endian from raw bytes") {
    const Bytes in = {0x04, 0x03, 0x02, 0x01, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    Reader r(in);
    uint32_t v32 = 0;
    uint64_t v64 = 0;
    REQUIRE(r.u32(v32, "v32"));
    REQUIRE(r.u64(v64, "v64"));
    CHECK(v32 == 0x01020304u);
    CHECK(v64 == 0x0102030405060708ull);
  }

  TEST_CASE("a truncated integer fails, reads nothing and names the field") {
    const Bytes in = {0x01, 0x02, 0x03};
    Reader r(in);
    uint32_t v = 0xdeadbeef;
    CHECK_FALSE(r.u32(v, "chain_id"));
    CHECK(r.position() == 0);
    CHECK(r.remaining() == 3);
    Status st = r.error();
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(contains(st.message(), "chain_id"));

    uint64_t v64 = 0;
    CHECK_FALSE(r.u64(v64, "nonce"));
    CHECK(contains(r.error().message(), "nonce"));
    CHECK(r.position() == 0);

    // Reading on from where a success left off names the position.
    uint8_t b = 0;
    REQUIRE(r.u8(b, "first"));
    REQUIRE(r.u8(b, "second"));
    CHECK_FALSE(r.u32(v, "height"));
    CHECK(r.position() == 2);
    CHECK(contains(r.error().message(), "height"));
    CHECK(contains(r.error().message(), "2"));

    Reader empty{ByteSpan()};
    CHECK_FALSE(empty.u8(b, "kind"));
    CHECK(contains(empty.error().message(), "kind"));
  }

  TEST_CASE("a truncated hash fails and names the field") {
    const Bytes in(31, 0xee);
    Reader r(in);
    Hash h{};
    CHECK_FALSE(r.hash(h, "prev_hash"));
    CHECK(r.position() == 0);
    CHECK(contains(r.error().message(), "prev_hash"));
  }

  TEST_CASE("a length that runs past the end fails, reads nothing and names the field") {
    // Declares 10 bytes, has 3.
    const Bytes in = cat(le32(10), Bytes{1, 2, 3});
    Reader r(in);
    Bytes v = {42};
    CHECK_FALSE(r.bytes(v, "sender_cert"));
    CHECK(r.position() == 0);
    CHECK(contains(r.error().message(), "sender_cert"));
    std::string s = "keep";
    Reader r2(in);
    CHECK_FALSE(r2.str(s, "contract"));
    CHECK(r2.position() == 0);
    CHECK(contains(r2.error().message(), "contract"));

    // Only part of the length prefix.
    const Bytes half = {0x05, 0x00};
    Reader r3(half);
    CHECK_FALSE(r3.bytes(v, "args"));
    CHECK(contains(r3.error().message(), "args"));
  }

  TEST_CASE("a declared length over max_len is rejected before any allocation") {
    // The whole declared payload is present: only the bound can reject it.
    Bytes in = cat(le32(100), Bytes(100, 0x61));
    {
      Reader r(in);
      Bytes v;
      CHECK_FALSE(r.bytes(v, "sender_cert", 99));
      CHECK(r.position() == 0);
      CHECK(r.error().code() == Status::Code::kInvalid);
      CHECK(contains(r.error().message(), "sender_cert"));
      CHECK(v.empty());
    }
    {
      Reader r(in);
      std::string s;
      CHECK_FALSE(r.str(s, "chain_id", 99));
      CHECK(contains(r.error().message(), "chain_id"));
      CHECK(s.empty());
    }
    {
      // Exactly max_len is allowed.
      Reader r(in);
      Bytes v;
      CHECK(r.bytes(v, "sender_cert", 100));
      CHECK(v.size() == 100);
      CHECK(r.finish("x").is_ok());
    }
    {
      // A hostile length (4 GiB - 1, and just over the 16 MiB default) with
      // almost no input: rejected, and nothing of that size was reserved.
      for (uint32_t len : {std::numeric_limits<uint32_t>::max(), Reader::kMaxField + 1}) {
        Bytes hostile = cat(le32(len), Bytes{1, 2, 3, 4});
        Reader r(hostile);
        Bytes v;
        CHECK_FALSE(r.bytes(v, "args"));
        CHECK(contains(r.error().message(), "args"));
        CHECK(v.capacity() < 1024);
        std::string s;
        Reader r2(hostile);
        CHECK_FALSE(r2.str(s, "args"));
        CHECK(s.capacity() < 1024);
      }
    }
    {
      // A length under the bound but past the end must not reserve the declared size either.
      Bytes lying = cat(le32(Reader::kMaxField), Bytes{1, 2, 3, 4});
      Reader r(lying);
      Bytes v;
      CHECK_FALSE(r.bytes(v, "args"));
      CHECK(v.capacity() < 1024);
    }
  }

  TEST_CASE("finish rejects trailing bytes and names what was decoded") {
    const Bytes in = {1, 0, 0, 0, 0xff};
    Reader r(in);
    uint32_t v = 0;
    REQUIRE(r.u32(v, "version"));
    CHECK_FALSE(r.at_end());
    CHECK(r.remaining() == 1);
    Status st = r.finish("receipt");
    CHECK_FALSE(st.is_ok());
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(contains(st.message(), "receipt"));

    uint8_t b = 0;
    REQUIRE(r.u8(b, "tail"));
    CHECK(r.finish("receipt").is_ok());

    // Nothing read at all from a non-empty input.
    Reader untouched(in);
    CHECK_FALSE(untouched.finish("tx").is_ok());
    // An empty input is fully consumed from the start.
    Reader none{ByteSpan()};
    CHECK(none.at_end());
    CHECK(none.finish("tx").is_ok());
  }
}
