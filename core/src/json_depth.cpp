#include "silk/core/json_depth.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace silk::core {

size_t json_nesting_depth(std::string_view text) {
  size_t depth = 0;
  size_t max_depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        max_depth = std::max(max_depth, ++depth);
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return max_depth;
}

namespace {

// A SAX walk that remembers each open object's keys.
class DuplicateKeyFinder {
 public:
  using json = nlohmann::json;
  std::optional<std::string> found;

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const std::string&) { return value(); }
  bool string(std::string&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool start_object(size_t) {
    value();
    frames_.push_back(Frame{true, {}, {}, 0});
    return true;
  }
  bool key(std::string& k) {
    Frame& f = frames_.back();
    if (!f.keys.insert(k).second) {
      // Appended piece by piece: g++ 12 at -O3 warns (-Wrestrict, a false positive) on
      // operator+ chains of std::string temporaries here.
      std::string what = "'";
      what.append(k, 0, 64);
      what += "' at ";
      what += path();
      found = std::move(what);
      return false;  // stop the walk
    }
    f.last_key = k;
    return true;
  }
  bool end_object() { return pop(); }
  bool start_array(size_t) {
    value();
    frames_.push_back(Frame{false, {}, {}, 0});
    return true;
  }
  bool end_array() { return pop(); }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string last_key;
    size_t next_index;  // arrays: the index of the next element
  };
  // A value in the innermost frame: an array's element count moves on.
  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().next_index;
    return true;
  }
  bool pop() {
    frames_.pop_back();
    return true;
  }
  // The path of the innermost object (where the repeated key is).
  std::string path() const {
    std::string out = "$";
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      if (f.object) {
        out += '.';
        out.append(f.last_key, 0, 64);
      } else {
        out += '[';
        out += std::to_string(f.next_index - 1);
        out += ']';
      }
    }
    return out;
  }
  std::vector<Frame> frames_;
};

}  // namespace

std::optional<std::string> json_duplicate_key(std::string_view text) {
  DuplicateKeyFinder finder;
  (void)nlohmann::json::sax_parse(text.begin(), text.end(), &finder,
                                  nlohmann::json::input_format_t::json, /*strict=*/true);
  return finder.found;
}

}  // namespace silk::core
