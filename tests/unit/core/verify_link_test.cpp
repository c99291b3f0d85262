#include "silk/core/verify_link.h"

#include <doctest/doctest.h>

using silk::core::verification_link;

TEST_SUITE("verify_link") {
  TEST_CASE("the explorer's verify route with the hash, and the jurisdiction when given") {
    CHECK(verification_link("http://127.0.0.1:8645", "CO-2026-0001", "ab12", "SG") ==
          "http://127.0.0.1:8645/explorer/#/verify/CO-2026-0001?hash=ab12&as=SG");
    CHECK(verification_link("http://node:1/", "CO-1", "ab", "") ==
          "http://node:1/explorer/#/verify/CO-1?hash=ab");
  }

  TEST_CASE("characters outside RFC 3986's unreserved set are percent-encoded") {
    CHECK(verification_link("http://n", "BL/2026:7 x", "00", "") ==
          "http://n/explorer/#/verify/BL%2F2026%3A7%20x?hash=00");
  }
}
