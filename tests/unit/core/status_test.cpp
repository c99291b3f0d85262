#include "silk/core/status.h"

#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace silk::core;

namespace {

using Code = Status::Code;

struct Factory {
  Status (*make)(std::string);
  Code code;
  bool rejection;
};

const std::vector<Factory>& factories() {
  static const std::vector<Factory> f = {
      {&Status::invalid, Code::kInvalid, true},
      {&Status::not_found, Code::kNotFound, true},
      {&Status::unauthorized, Code::kUnauthorized, true},
      {&Status::conflict, Code::kConflict, true},
      {&Status::exhausted, Code::kExhausted, true},
      {&Status::unavailable, Code::kUnavailable, false},
      {&Status::corruption, Code::kCorruption, false},
      {&Status::io_error, Code::kIOError, false},
      {&Status::internal, Code::kInternal, false},
  };
  return f;
}

Status fail_if(bool fail, int& calls) {
  ++calls;
  if (fail) return Status::conflict("duplicate tx");
  return Status::ok();
}

Result<int> parse_positive(int v) {
  if (v <= 0) return Status::invalid("not positive: " + std::to_string(v));
  return v;
}

// Uses SILK_RETURN_IF_ERROR; `after` counts how often it got past the check.
Status two_steps(bool fail_first, int& calls, int& after) {
  SILK_RETURN_IF_ERROR(fail_if(fail_first, calls));
  ++after;
  SILK_RETURN_IF_ERROR(fail_if(false, calls));
  return Status::ok();
}

// Two SILK_ASSIGN_OR_RETURN in one function returning Result<int>.
Result<int> sum_of(int a, int b, int& reached) {
  SILK_ASSIGN_OR_RETURN(int x, parse_positive(a));
  ++reached;
  SILK_ASSIGN_OR_RETURN(const int y, parse_positive(b));
  ++reached;
  return x + y;
}

// SILK_ASSIGN_OR_RETURN in a function returning Status, into an existing variable.
Status store(int a, int& out) {
  int tmp = 0;
  SILK_ASSIGN_OR_RETURN(tmp, parse_positive(a));
  out = tmp;
  return Status::ok();
}

Result<std::unique_ptr<int>> make_box(int v) {
  if (v < 0) return Status::invalid("negative");
  return std::make_unique<int>(v);
}

Result<int> unbox(int v) {
  SILK_ASSIGN_OR_RETURN(std::unique_ptr<int> p, make_box(v));
  return *p * 2;
}

}  // namespace

TEST_SUITE("status") {
  TEST_CASE("OK is the default, carries nothing and is cheap") {
    Status s;
    CHECK(s.is_ok());
    CHECK(static_cast<bool>(s));
    CHECK(s.code() == Code::kOk);
    CHECK(s.message().empty());
    CHECK_FALSE(s.is_rejection());
    CHECK(Status::ok().is_ok());
    CHECK(s == Status::ok());
    // OK is a null pointer: a Status is no larger than one shared_ptr.
    CHECK(sizeof(Status) <= sizeof(std::shared_ptr<int>));
    // Constructing with kOk explicitly is OK too, and drops the message.
    Status explicit_ok(Code::kOk, "ignored");
    CHECK(explicit_ok.is_ok());
  }

  TEST_CASE("every factory sets its code and keeps its message") {
    std::set<std::string> names;
    for (const Factory& f : factories()) {
      Status s = f.make("signature does not match");
      CHECK_FALSE(s.is_ok());
      CHECK_FALSE(static_cast<bool>(s));
      CHECK(s.code() == f.code);
      CHECK(s.message() == "signature does not match");
      CHECK(s.is_rejection() == f.rejection);
      const std::string name = code_name(f.code);
      CHECK_FALSE(name.empty());
      names.insert(name);
      CHECK(s.to_string() == name + ": signature does not match");
    }
    CHECK(names.size() == factories().size());  // distinct names
    CHECK(std::string(code_name(Code::kInvalid)) == "invalid");
    CHECK(Status::invalid("signature does not match").to_string() ==
          "invalid: signature does not match");
  }

  TEST_CASE("copies share the same code and message; equality compares both") {
    Status a = Status::exhausted("pool full: 50000 of 50000 txs");
    Status b = a;
    CHECK(b.code() == Code::kExhausted);
    CHECK(b.message() == "pool full: 50000 of 50000 txs");
    CHECK(a == b);
    CHECK_FALSE(a == Status::exhausted("pool full"));
    CHECK_FALSE(a == Status::invalid("pool full: 50000 of 50000 txs"));
    CHECK_FALSE(a == Status::ok());
  }

  TEST_CASE("with_context prefixes the message and keeps the code") {
    Status s = Status::corruption("bad checksum").with_context("block 12");
    CHECK(s.code() == Code::kCorruption);
    CHECK(s.message() == "block 12: bad checksum");
    Status twice = s.with_context("sync");
    CHECK(twice.message() == "sync: block 12: bad checksum");
    // The original is untouched.
    Status orig = Status::corruption("bad checksum");
    (void)orig.with_context("x");
    CHECK(orig.message() == "bad checksum");
    // OK stays OK.
    CHECK(Status::ok().with_context("block 12").is_ok());
  }

  TEST_CASE("Result holds a value or a status") {
    Result<int> good = 7;
    CHECK(good.is_ok());
    CHECK(static_cast<bool>(good));
    CHECK(good.value() == 7);
    CHECK(*good == 7);
    CHECK(good.status().is_ok());

    Result<int> bad = Status::not_found("no such block");
    CHECK_FALSE(bad.is_ok());
    CHECK_FALSE(static_cast<bool>(bad));
    CHECK(bad.status().code() == Code::kNotFound);
    CHECK(bad.status().message() == "no such block");

    Result<std::string> s = std::string("abc");
    CHECK(s->size() == 3);
    s.value() += "d";
    CHECK(*s == "abcd");
    std::string moved = std::move(s).value();
    CHECK(moved == "abcd");
  }

  TEST_CASE("SILK_RETURN_IF_ERROR returns the first failure and skips the rest") {
    int calls = 0, after = 0;
    Status s = two_steps(true, calls, after);
    CHECK(s.code() == Code::kConflict);
    CHECK(s.message() == "duplicate tx");
    CHECK(calls == 1);
    CHECK(after == 0);

    calls = after = 0;
    CHECK(two_steps(false, calls, after).is_ok());
    CHECK(calls == 2);
    CHECK(after == 1);
  }

  TEST_CASE("SILK_ASSIGN_OR_RETURN declares the value or returns the status") {
    int reached = 0;
    Result<int> ok = sum_of(2, 3, reached);
    REQUIRE(ok.is_ok());
    CHECK(ok.value() == 5);
    CHECK(reached == 2);

    reached = 0;
    Result<int> first_bad = sum_of(-1, 3, reached);
    CHECK_FALSE(first_bad.is_ok());
    CHECK(first_bad.status().message() == "not positive: -1");
    CHECK(reached == 0);

    reached = 0;
    Result<int> second_bad = sum_of(1, 0, reached);
    CHECK_FALSE(second_bad.is_ok());
    CHECK(second_bad.status().message() == "not positive: 0");
    CHECK(reached == 1);

    int out = -5;
    CHECK(store(9, out).is_ok());
    CHECK(out == 9);
    Status st = store(-2, out);
    CHECK(st.code() == Code::kInvalid);
    CHECK(out == 9);

    // Move-only values are moved out, not copied.
    Result<int> u = unbox(21);
    REQUIRE(u.is_ok());
    CHECK(u.value() == 42);
    CHECK(unbox(-1).status().message() == "negative");
  }
}
