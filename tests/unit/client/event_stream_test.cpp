#include "silk/client/event_stream.h"

#include <doctest/doctest.h>

#include "fakes/fake_node.h"

using namespace silk::client;

TEST_SUITE("event_stream") {
  TEST_CASE("the target carries the query's fields, encoded, after the base path") {
    auto url = parse_url("http://127.0.0.1:8645/silk");
    REQUIRE(url.is_ok());
    CHECK(event_stream_target(*url, {}) == "/silk/v1/events");
    EventQuery q;
    q.from_height = 0;
    q.to_height = 12;
    q.contract = "notary";
    q.types = "block,tx";
    CHECK(event_stream_target(*url, q) ==
          "/silk/v1/events?from_height=0&to_height=12&contract=notary&types=block%2Ctx");
  }

  TEST_CASE("a node that refuses the upgrade ends the stream with its answer") {
    silk::fakes::FakeNode node([](const silk::fakes::FakeRequest&) {
      return silk::fakes::FakeResponse{400,
                                       R"({"error":{"code":"invalid","message":"bad types"}})"};
    });
    auto url = parse_url(node.url());
    REQUIRE(url.is_ok());
    int messages = 0;
    EventStreamEnd end = stream_events(*url, {}, [&](const std::string&) { ++messages; });
    CHECK_FALSE(end.ok);
    CHECK(messages == 0);
    CHECK(end.error.rfind("node at " + url->to_string() + " refused the event stream: HTTP 400",
                          0) == 0);
  }

  TEST_CASE("no node: the error names it") {
    auto url = parse_url("http://127.0.0.1:" + std::to_string(silk::fakes::closed_port()));
    REQUIRE(url.is_ok());
    EventStreamEnd end = stream_events(*url, {}, [](const std::string&) {});
    CHECK_FALSE(end.ok);
    CHECK(end.error.rfind("cannot reach node at " + url->to_string(), 0) == 0);
  }
}
