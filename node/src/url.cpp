#include "silk/node/url.h"

namespace silk::node {

using core::Result;
using core::Status;

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<std::string> url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Status::invalid("bad percent-escape at position " + std::to_string(i));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<Target> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return Status::invalid("request target must start with '/'");
  }
  Target t;
  const size_t q = target.find('?');
  SILK_ASSIGN_OR_RETURN(t.path, url_decode(target.substr(0, q), /*plus_is_space=*/false));
  if (q == std::string_view::npos) return t;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    Result<std::string> name = url_decode(pair.substr(0, eq), true);
    if (!name.is_ok()) return name.status().with_context("query");
    std::string value;
    if (eq != std::string_view::npos) {
      Result<std::string> v = url_decode(pair.substr(eq + 1), true);
      if (!v.is_ok()) return v.status().with_context("query parameter '" + *name + "'");
      value = std::move(v).value();
    }
    // One meaning per name: with last-wins, a proxy or a cache that keeps the first would read
    // another request than the node does.
    if (!t.params.emplace(*name, std::move(value)).second) {
      return Status::invalid("query parameter '" + name->substr(0, 32) + "' is given twice");
    }
  }
  return t;
}

}  // namespace silk::node
