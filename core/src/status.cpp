#include "silk/core/status.h"

namespace silk::core {

Status::Status(Code code, std::string message) {
  if (code != Code::kOk) rep_ = std::make_shared<const Rep>(Rep{code, std::move(message)});
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(code_name(code())) + ": " + message();
}

bool Status::is_rejection() const {
  switch (code()) {
    case Code::kInvalid:
    case Code::kNotFound:
    case Code::kUnauthorized:
    case Code::kConflict:
    case Code::kExhausted:
      return true;
    default:
      return false;
  }
}

Status Status::with_context(std::string_view context) const {
  if (is_ok()) return *this;
  return Status(code(), std::string(context) + ": " + message());
}

const char* code_name(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "ok";
    case Status::Code::kInvalid:
      return "invalid";
    case Status::Code::kNotFound:
      return "not_found";
    case Status::Code::kUnauthorized:
      return "unauthorized";
    case Status::Code::kConflict:
      return "conflict";
    case Status::Code::kExhausted:
      return "exhausted";
    case Status::Code::kUnavailable:
      return "unavailable";
    case Status::Code::kCorruption:
      return "corruption";
    case Status::Code::kIOError:
      return "io_error";
    case Status::Code::kInternal:
      return "internal";
  }
  return "unknown";
}

}  // namespace silk::core
