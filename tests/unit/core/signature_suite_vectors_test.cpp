// The signature-suite test vectors of docs/formats.md ("Signature suites"): keys and signatures
// made by the openssl command line over the message "silk/suite-test-vector/v1". Each verifies
// here, a flipped bit does not, and the formats doc carries exactly these bytes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>

#include "silk/core/signature_suite.h"

using namespace silk::core;

namespace {

struct Vector {
  const char* suite;
  const char* spki_hex;
  const char* signature_hex;
};

const Vector kVectors[] = {
    {"ed25519",
     "302a300506032b6570032100763241b9e19d327c1a5cfc59c0c7b3ba09791a2741d28fff3585ea8a"
     "07e09bb2",
     "0a6144d1c62189a02f98b815c2c6b8145cd83bd1ffaebac777705ea3865b97912e74b6b2970d459c"
     "2e256a8a7d625c7bbf199521a3d120ac2fdd7d6213cb420c"},
    {"ecdsa-p256-sha256",
     "3059301306072a8648ce3d020106082a8648ce3d03010703420004fe35971e5e2ede93309ed7f0ec"
     "9e2ffd3f381432448e7365ab9187609ec925cde3bc1145b86042a86226025206a881add5cb095d52"
     "7a1cf520390259fe1cf186",
     "3045022100a25fec3e93e9f416f9293ddbac904be0e8924fc2fa797c55f5edf4dc5d1aacf7022072"
     "79230b621b4d84bcd59c94b3b712b6447318292eb3b8d02010761611b19531"},
    {"sm2-sm3",
     "3059301306072a8648ce3d020106082a811ccf5501822d03420004bbfbe030a30886038f075cf105"
     "055c2dca2c7f659248cd6114178a96e0c3ce0b66678547081cc5c53f46d589e2bd79001bec0c8e7e"
     "97b67905193e945dc5fa79",
     "3045022100cdd3c63687c15f9520fae6cfc7a47bf0cb3d2729cc13f80ed8594dc181d85656022008"
     "fa0d3a5e8f806decbc2f6a6b6b5723f769f59dd9e7f8c88e7fa08fdf95d82b"},
    {"rsa-pss-sha256",
     "30820120300b06092a864886f70d01010a0382010f003082010a0282010100a13157c5c1df5cf17a"
     "d2d15c62c037de6be5b85baa838c654f6dca620715426e22565fd858dd29c82a459bdb27367447cb"
     "908bd048fca0cc791a599ad9b7f0e061918a8ab3a3fc98a8116abd942c94cd587362af93b1ca6675"
     "433d9420e76e6a9b7e4062abec5392f5848820573fa657cb326412359e846381bb7b9fd1d97512b0"
     "93d0af3c80b753161671abb4bfe284ffb266b0349d9b1afe7d0c5520fd72daf8fe12ae925e365bf8"
     "0597621a53f35f18b7e3d4210980fd56afe7aff6b02ab80538ef85dc1345c7cb73a70ccbca368b60"
     "6840c35b7e3054b6933634ad794efe1a3b87a9585dca5ae22e24c295263bc3cfb7d0229a6ce858ea"
     "f1441cf7c49be30203010001",
     "2081fea529952f2018acbb75616709eeab75bbcf1a10804da2f4e5f8215ac49ed852d1efe7383a4c"
     "58a2f32d5443bc7eeb2d4430a538083b0acb586d7e1b099edc11247da1a5cf445b0c20be4cbf5427"
     "1f82cc8bb82f5573848a73201deb8d1dc70d581c8c1409840465bce4b28c7ed4879c8167e07a4201"
     "3a7536d9e9e79e95d2dd7a92e41ba54ede693b9c4079704009ea4a04dc900cd00e95fb850166656b"
     "f8e2c19d2b519d20b1137c816a3366e4accf516546e742351cddccc3f9e36578b229ccf617861cf6"
     "7944969643084fb749fb80909029bee6b6bcf8676afbcf13c7255d376d30c6e1ab05a57055016603"
     "82e04e0202aab33f816d9acbca46d7aa"},
    {"rsa-pkcs1-sha256",
     "30820122300d06092a864886f70d01010105000382010f003082010a0282010100cbdfcf2b163781"
     "e28bb849d0243cc827ca9d2a4eace455db760477b6c9b2c807c75bb51e31be90dd1cf4fb2c919a82"
     "cfca6abe7859a2965db1a49900e135e7e7c24c9fc6ae2ca7dc66f711cec2b7ec9793ecfce007f043"
     "dcfb80caeb8cd1ef7d0e2eb008260306727eb83731d4277e33fe9ffed6a4f5b6466a9f4a24729791"
     "87f3a30aae5c0ff799ed7fd4e0b86ffc2fdd6f3f6302bc7fdc79f32bb72ab60f7ea38f3ae9ec93bd"
     "ad193d00c100126d465054d5c57c743dcb285950a1fb543f22b74ffc1b84b7381b0fc39213b20a9b"
     "64e02eef2ddfee1a3661f65416ce5496ad4a5062c34e6649e592c4687f105e6037ed1657a2a40f45"
     "af99996650d8a2621d0203010001",
     "4a745ecd88c2c8e512530d0e145765af29d5a572950ec397edd436b2634fd5ed18883cdd7baad47f"
     "0f2941b1fe2a9c34bda9a3f259293b7bb8417194bf93117a451a244e544f11e00a9a9b0bcd2c65fe"
     "ae9bca555917ce47fd9fe1196343ebb7a5b55b7fecdfd443d4572abfa0e9d8814f707b3beaa0bcc8"
     "0a186d20cd181dbe3a7d94f084a362f8cf6d1f9bb15aa39807a4162742d529b0092437dbd7d70941"
     "6160b50d160a59d1e75c78cf9a37bcaf3a0fb8ebcafe24c1c4279600b55784b91a3deeb5a83c8789"
     "1724285bad6c8961b85966c83c96cb3dea7a6c340cfe1da44c53dbad5f01606b152c21132632edc5"
     "8576a7217ae9697a8efb176c161c9ab5"},
};

constexpr std::string_view kMessage = "silk/suite-test-vector/v1";

// docs/formats.md, found from this file's path, with all whitespace removed.
std::string formats_doc_without_space() {
  std::string here = __FILE__;
  const size_t cut = here.rfind("tests/unit/core/");
  REQUIRE(cut != std::string::npos);
  std::ifstream in(here.substr(0, cut) + "docs/formats.md");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  text.erase(std::remove_if(text.begin(), text.end(),
                            [](unsigned char c) { return std::isspace(c) != 0; }),
             text.end());
  return text;
}

}  // namespace

TEST_SUITE("signature_suite") {
  TEST_CASE("the test vectors of docs/formats.md verify, and only unaltered") {
    const std::string doc = formats_doc_without_space();
    for (const Vector& v : kVectors) {
      CAPTURE(v.suite);
      auto spki = from_hex(v.spki_hex);
      auto sig = from_hex(v.signature_hex);
      REQUIRE((spki.is_ok() && sig.is_ok()));
      auto key = VerifyingKey::from_spki_der(*spki);
      REQUIRE_MESSAGE(key.is_ok(), key.status().to_string());
      CHECK(std::string(suite_name(key->suite())) == v.suite);
      const Status st = key->verify(as_span(kMessage), *sig);
      CHECK_MESSAGE(st.is_ok(), st.to_string());
      Bytes flipped = *sig;
      flipped[flipped.size() / 2] ^= 0x01;
      CHECK_FALSE(key->verify(as_span(kMessage), flipped).is_ok());
      CHECK_FALSE(key->verify(as_span("silk/suite-test-vector/v2"), *sig).is_ok());
      // The doc shows the same bytes.
      CHECK_MESSAGE(doc.find(v.spki_hex) != std::string::npos, "public key not in formats.md");
      CHECK_MESSAGE(doc.find(v.signature_hex) != std::string::npos, "signature not in formats.md");
    }
  }
}
