#include "silk/node/url.h"

#include <doctest/doctest.h>

namespace silk::node {
namespace {

TEST_SUITE("url") {
  TEST_CASE("path and decoded query parameters") {
    auto t = parse_target("/v1/history?key=notary%2Fab+cd&offset=10&limit=&flag&x=%41");
    REQUIRE(t.is_ok());
    CHECK(t->path == "/v1/history");
    CHECK(t->params.at("key") == "notary/ab cd");
    CHECK(t->params.at("offset") == "10");
    CHECK(t->params.at("limit").empty());
    CHECK(t->params.count("flag") == 1);
    CHECK(t->params.at("x") == "A");
  }

  TEST_CASE("no query; '+' in a path stays") {
    auto t = parse_target("/v1/a+b%20c");
    REQUIRE(t.is_ok());
    CHECK(t->path == "/v1/a+b c");
    CHECK(t->params.empty());
  }

  TEST_CASE("malformed escapes and targets are refused") {
    CHECK(parse_target("/v1/state?key=%zz").status().message() ==
          "query parameter 'key': bad percent-escape at position 0");
    CHECK_FALSE(parse_target("/v1/%4").is_ok());
    CHECK_FALSE(parse_target("v1/chain").is_ok());
    CHECK_FALSE(parse_target("").is_ok());
    CHECK(url_decode("%00", false).value() == std::string(1, '\0'));
  }

  TEST_CASE("a parameter given twice is refused, also when spelled differently") {
    CHECK(parse_target("/v1/txs?sender=a&sender=b").status().message() ==
          "query parameter 'sender' is given twice");
    CHECK(parse_target("/v1/txs?sender=a&%73ender=a").status().message() ==
          "query parameter 'sender' is given twice");
    CHECK(parse_target("/v1/txs?sender=a&contract=b").is_ok());
  }
}

}  // namespace
}  // namespace silk::node
