// Status and Result<T>: errors as values across module boundaries.
//
// A Status is cheap: OK carries no allocation. A non-OK status carries a code
// and a human-readable message that names the failure ("signature does not
// match", "pool full: 50000 of 50000 txs"). The code separates *invalid*
// (the caller's or peer's fault: reject and say why) from *error* (ours:
// stop or retry), as Bitcoin Core's validation state does.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace silk::core {

class [[nodiscard]] Status {
 public:
  enum class Code : int {
    kOk = 0,
    kInvalid = 1,       // malformed or rule-breaking input; the sender's fault
    kNotFound = 2,      // the thing asked for does not exist
    kUnauthorized = 3,  // unknown identity or not allowed
    kConflict = 4,      // duplicate, already exists, wrong state
    kExhausted = 5,     // a bound was hit (pool full, body too large)
    kUnavailable = 6,   // try again later (shutting down, timeout)
    kCorruption = 7,    // stored data failed a check: ours
    kIOError = 8,       // the OS or the database failed: ours
    kInternal = 9,      // a bug: ours
  };

  Status() = default;  // OK
  Status(Code code, std::string message);

  static Status ok() { return Status(); }
  static Status invalid(std::string m) { return {Code::kInvalid, std::move(m)}; }
  static Status not_found(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status unauthorized(std::string m) { return {Code::kUnauthorized, std::move(m)}; }
  static Status conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status exhausted(std::string m) { return {Code::kExhausted, std::move(m)}; }
  static Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool is_ok() const { return rep_ == nullptr; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  // The message alone, without the code name; empty for OK.
  const std::string& message() const;
  // "invalid: signature does not match"
  std::string to_string() const;
  // True for codes that are the input's fault (invalid, not found, unauthorized,
  // conflict, exhausted); false for OK and for our own errors.
  bool is_rejection() const;

  // Prefix the message with context: "block 12: " + message.
  Status with_context(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    Code code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

const char* code_name(Status::Code code);

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status kOkStatus;
    return is_ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace silk::core

// Return early from a function returning Status or Result<T>.
#define SILK_RETURN_IF_ERROR(expr)     \
  do {                                 \
    ::silk::core::Status _st = (expr); \
    if (!_st.is_ok()) return _st;      \
  } while (0)

#define SILK_CONCAT_INNER(a, b) a##b
#define SILK_CONCAT(a, b) SILK_CONCAT_INNER(a, b)
// SILK_ASSIGN_OR_RETURN(auto x, fn()); declares x from a Result or returns its Status.
#define SILK_ASSIGN_OR_RETURN(lhs, expr) \
  SILK_ASSIGN_OR_RETURN_IMPL(SILK_CONCAT(_res_, __LINE__), lhs, expr)
#define SILK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.is_ok()) return tmp.status();           \
  lhs = std::move(tmp).value()
