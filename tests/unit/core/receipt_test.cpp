#include "silk/core/receipt.h"

#include <doctest/doctest.h>

#include <string>

using namespace silk::core;

namespace {

void push_le(Bytes& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void push_str(Bytes& out, std::string_view s) {
  push_le(out, s.size(), 4);
  out.insert(out.end(), s.begin(), s.end());
}
void push_hash(Bytes& out, const Hash& h) { out.insert(out.end(), h.begin(), h.end()); }

Receipt full_receipt() {
  Receipt r;
  for (size_t i = 0; i < r.tx_id.size(); ++i) r.tx_id[i] = static_cast<uint8_t>(i + 1);
  r.code = static_cast<uint32_t>(Status::Code::kConflict);
  r.message = "digest already anchored at height 7";
  r.result = R"({"anchored":false})";
  r.events = {
      {"notary", "anchored", R"({"hash":"ab"})"},
      {"notary", "", ""},
      {"trust", "granted", R"({"who":"\u00e9"})"},
  };
  for (size_t i = 0; i < r.write_set_hash.size(); ++i) {
    r.write_set_hash[i] = static_cast<uint8_t>(0xff - i);
  }
  return r;
}

// docs/formats.md#receipt, byte by byte.
Bytes expected_encoding(const Receipt& r) {
  Bytes out;
  push_hash(out, r.tx_id);
  push_le(out, r.code, 4);
  push_str(out, r.message);
  push_str(out, r.result);
  push_le(out, r.events.size(), 4);
  for (const ContractEvent& e : r.events) {
    push_str(out, e.contract);
    push_str(out, e.name);
    push_str(out, e.data);
  }
  push_hash(out, r.write_set_hash);
  return out;
}

void check_equal(const Receipt& a, const Receipt& b) {
  CHECK(a.tx_id == b.tx_id);
  CHECK(a.code == b.code);
  CHECK(a.message == b.message);
  CHECK(a.result == b.result);
  REQUIRE(a.events.size() == b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) {
    CHECK(a.events[i].contract == b.events[i].contract);
    CHECK(a.events[i].name == b.events[i].name);
    CHECK(a.events[i].data == b.events[i].data);
  }
  CHECK(a.write_set_hash == b.write_set_hash);
}

}  // namespace

TEST_SUITE("receipt") {
  TEST_CASE("ok() is code 0") {
    Receipt r;
    CHECK(r.ok());
    r.code = 1;
    CHECK_FALSE(r.ok());
  }

  TEST_CASE("the encoding is the documented field order") {
    const Receipt r = full_receipt();
    CHECK(r.encode() == expected_encoding(r));
    Receipt empty;
    CHECK(empty.encode() == Bytes(32 + 4 + 4 + 4 + 4 + 32, 0));
  }

  TEST_CASE("a fully populated receipt round-trips") {
    const Receipt r = full_receipt();
    const Bytes enc = r.encode();
    auto back = Receipt::decode(enc);
    REQUIRE(back.is_ok());
    check_equal(back.value(), r);
    CHECK(back->encode() == enc);

    Receipt empty;
    auto e = Receipt::decode(empty.encode());
    REQUIRE(e.is_ok());
    check_equal(e.value(), empty);
  }

  TEST_CASE("each field changes the encoding") {
    const Bytes base = full_receipt().encode();
    Receipt r = full_receipt();
    r.tx_id[0] ^= 1;
    CHECK_FALSE(r.encode() == base);
    r = full_receipt();
    r.code = 0;
    CHECK_FALSE(r.encode() == base);
    r = full_receipt();
    r.message.clear();
    CHECK_FALSE(r.encode() == base);
    r = full_receipt();
    r.result += " ";
    CHECK_FALSE(r.encode() == base);
    r = full_receipt();
    r.events.pop_back();
    CHECK_FALSE(r.encode() == base);
    r = full_receipt();
    std::swap(r.events[0], r.events[2]);
    CHECK_FALSE(r.encode() == base);
    r = full_receipt();
    r.events[1].name.push_back('x');  // "" -> "x"
    CHECK_FALSE(r.encode() == base);
    r = full_receipt();
    r.write_set_hash[31] ^= 1;
    CHECK_FALSE(r.encode() == base);
  }

  TEST_CASE("every proper prefix of a valid encoding fails cleanly") {
    const Bytes enc = full_receipt().encode();
    for (size_t n = 0; n < enc.size(); ++n) {
      CAPTURE(n);
      auto r = Receipt::decode(ByteSpan(enc.data(), n));
      CHECK_FALSE(r.is_ok());
      CHECK(r.status().code() == Status::Code::kInvalid);
    }
  }

  TEST_CASE("a trailing byte is rejected") {
    Bytes enc = full_receipt().encode();
    enc.push_back(0);
    auto r = Receipt::decode(enc);
    CHECK_FALSE(r.is_ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
  }

  TEST_CASE("an absurd event count is rejected without building the events") {
    Receipt r;
    Bytes enc = r.encode();
    // event_count sits after tx_id (32), code (4), message (4) and result (4).
    const size_t off = 32 + 4 + 4 + 4;
    enc[off] = 0xff;
    enc[off + 1] = 0xff;
    enc[off + 2] = 0xff;
    enc[off + 3] = 0xff;
    auto d = Receipt::decode(enc);
    CHECK_FALSE(d.is_ok());
    CHECK(d.status().code() == Status::Code::kInvalid);
  }
}
