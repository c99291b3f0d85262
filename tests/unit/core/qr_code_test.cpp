#include "silk/core/qr_code.h"

#include <doctest/doctest.h>

#include <string>

using silk::core::QrCode;

TEST_SUITE("qr_code") {
  TEST_CASE("a URL encodes to a square symbol with the three finder patterns") {
    auto code = QrCode::encode("http://127.0.0.1:8545/explorer/#/verify/CO-1?hash=ab");
    REQUIRE(code.is_ok());
    const int n = code->size();
    CHECK(n >= 21);
    CHECK((n - 17) % 4 == 0);  // version v is 17 + 4v modules a side
    // Each finder pattern's corner module is dark, the one inside its white ring light.
    for (auto [x, y] : {std::pair{0, 0}, std::pair{n - 1, 0}, std::pair{0, n - 1}}) {
      CHECK(code->dark(x, y));
    }
    CHECK_FALSE(code->dark(1, 1));
    CHECK(code->dark(2, 2));
  }

  TEST_CASE("longer text needs a larger symbol; empty and oversized text are refused") {
    auto small = QrCode::encode("a");
    auto large = QrCode::encode(std::string(600, 'a'));
    REQUIRE(small.is_ok());
    REQUIRE(large.is_ok());
    CHECK(large->size() > small->size());
    CHECK(QrCode::encode("").status().code() == silk::core::Status::Code::kInvalid);
    CHECK(QrCode::encode(std::string(QrCode::kMaxTextBytes + 1, 'a')).status().code() ==
          silk::core::Status::Code::kInvalid);
  }

  TEST_CASE("SVG: one square a dark module, the title escaped") {
    auto code = QrCode::encode("x");
    REQUIRE(code.is_ok());
    int dark = 0;
    for (int y = 0; y < code->size(); ++y) {
      for (int x = 0; x < code->size(); ++x) dark += code->dark(x, y) ? 1 : 0;
    }
    const std::string svg = code->to_svg(4, "verify <CO-1>");
    const size_t from = svg.find(" d=\"") + 4;
    const std::string path = svg.substr(from, svg.find('"', from) - from);
    size_t squares = 0;
    for (char c : path) squares += c == 'z' ? 1 : 0;
    CHECK(squares == static_cast<size_t>(dark));
    CHECK(svg.find("<title>verify &lt;CO-1&gt;</title>") != std::string::npos);
    const std::string side = std::to_string((code->size() + 8) * 4);
    CHECK(svg.find("viewBox=\"0 0 " + side + " " + side + "\"") != std::string::npos);
  }

  TEST_CASE("PNG: the signature, and a bad scale refused") {
    auto code = QrCode::encode("x");
    REQUIRE(code.is_ok());
    auto png = code->to_png(3);
    REQUIRE(png.is_ok());
    REQUIRE(png->size() > 8);
    CHECK((*png)[0] == 0x89);
    CHECK((*png)[1] == 'P');
    CHECK((*png)[2] == 'N');
    CHECK((*png)[3] == 'G');
    CHECK(code->to_png(0).status().code() == silk::core::Status::Code::kInvalid);
  }
}
