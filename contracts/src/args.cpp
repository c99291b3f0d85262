// The shared argument reader (args.h).
#include "silk/contracts/args.h"

#include <algorithm>
#include <utility>

#include "silk/core/genesis.h"

namespace silk::contracts {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

const json& null_value() {
  static const json kNull;
  return kNull;
}

std::string join(std::span<const std::string_view> items) {
  std::string out;
  for (std::string_view i : items) out += (out.empty() ? "" : ", ") + std::string(i);
  return out;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

}  // namespace

std::string json_kind(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "true or false";
    case json::value_t::number_unsigned:
      return "a number";
    case json::value_t::number_integer:
      return v.get<int64_t>() < 0 ? "a negative number" : "a number";
    case json::value_t::number_float:
      return "a fraction";
    case json::value_t::binary:
      return "binary data";
    case json::value_t::discarded:
      break;
  }
  return "not JSON";
}

std::string in_quotes(std::string_view s) {
  std::string out(1, '\'');
  out.append(s.substr(0, 128));
  out.push_back('\'');
  return out;
}

Result<Args> Args::of(const json& args, std::string_view method,
                      std::initializer_list<std::string_view> allowed) {
  return of(args, method, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

Result<Args> Args::of(const json& args, std::string_view method,
                      std::span<const std::string_view> allowed) {
  if (!args.is_object()) {
    return Status::invalid("args: expected a JSON object, got " + json_kind(args));
  }
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      return Status::invalid("args: unknown field " + in_quotes(it.key()) + " (" +
                             std::string(method) + " takes " +
                             (allowed.size() == 0 ? std::string("no args") : join(allowed)) + ")");
    }
  }
  return Args(&args, "");
}

Result<Args> Args::nested(std::string_view name, std::string_view method,
                          std::span<const std::string_view> allowed) const {
  const json& v = raw(name);
  if (!v.is_object()) {
    if (v.is_null()) return Status::invalid(path(name) + ": missing (a JSON object)");
    return Status::invalid(path(name) + ": expected a JSON object, got " + json_kind(v));
  }
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      return Status::invalid(path(name) + ": unknown field " + in_quotes(it.key()) + " (" +
                             std::string(method) + " takes " + join(allowed) + ")");
    }
  }
  return Args(&v, path(name) + ".");
}

Result<Args> Args::record(const json& j, std::string where) {
  if (!j.is_object()) {
    return Status::invalid((where.empty() ? std::string("value") : where) +
                           ": expected a JSON object, got " + json_kind(j));
  }
  return Args(&j, where.empty() ? std::string() : where + ": ");
}

bool Args::has(std::string_view name) const {
  auto it = j_->find(name);
  return it != j_->end() && !it->is_null();
}

const json& Args::raw(std::string_view name) const {
  auto it = j_->find(name);
  return it == j_->end() ? null_value() : *it;
}

std::string Args::path(std::string_view name) const { return prefix_ + std::string(name); }

Status Args::wrong(std::string_view name, std::string_view expected, const json& got) const {
  return Status::invalid(path(name) + ": expected " + std::string(expected) + ", got " +
                         json_kind(got));
}

Result<std::optional<std::string>> Args::opt_string(std::string_view name, size_t max_chars,
                                                    size_t min_chars) const {
  const json& v = raw(name);
  if (v.is_null()) return std::optional<std::string>();
  if (!v.is_string()) return wrong(name, "a string", v);
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() > max_chars) {
    return Status::invalid(path(name) + ": " + std::to_string(s.size()) + " bytes, at most " +
                           std::to_string(max_chars));
  }
  if (s.size() < min_chars) {
    if (s.empty()) return Status::invalid(path(name) + ": empty");
    return Status::invalid(path(name) + ": " + std::to_string(s.size()) + " bytes, at least " +
                           std::to_string(min_chars));
  }
  return std::optional<std::string>(s);
}

Result<std::string> Args::string(std::string_view name, size_t max_chars, size_t min_chars) const {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> s, opt_string(name, max_chars, min_chars));
  if (!s) return Status::invalid(path(name) + ": missing");
  return std::move(*s);
}

Result<std::optional<uint64_t>> Args::opt_u64(std::string_view name) const {
  const json& v = raw(name);
  if (v.is_null()) return std::optional<uint64_t>();
  // Parsed JSON text holds a non-negative integer as unsigned; a value built in C++ (a
  // cross-contract call's args) may hold it as signed.
  const bool non_negative =
      v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
  if (!non_negative) return wrong(name, "a non-negative integer", v);
  return std::optional<uint64_t>(v.get<uint64_t>());
}

Result<uint64_t> Args::u64(std::string_view name) const {
  SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> v, opt_u64(name));
  if (!v) return Status::invalid(path(name) + ": missing");
  return *v;
}

Result<std::optional<bool>> Args::opt_bool(std::string_view name) const {
  const json& v = raw(name);
  if (v.is_null()) return std::optional<bool>();
  if (!v.is_boolean()) return wrong(name, "true or false", v);
  return std::optional<bool>(v.get<bool>());
}

Result<bool> Args::boolean(std::string_view name) const {
  SILK_ASSIGN_OR_RETURN(std::optional<bool> v, opt_bool(name));
  if (!v) return Status::invalid(path(name) + ": missing (true or false)");
  return *v;
}

Result<core::Hash> hash_value(const json& v, const std::string& where) {
  if (!v.is_string()) {
    return Status::invalid(where + ": expected 64 hex characters (SHA-256), got " + json_kind(v));
  }
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 64 || !is_hex(s)) {
    return Status::invalid(where + ": expected 64 hex characters (SHA-256), got " +
                           std::to_string(s.size()) + " characters" +
                           (is_hex(s) ? "" : " that are not all hex"));
  }
  Result<core::Hash> h = core::hash_from_hex(s);
  if (!h.is_ok()) return Status::invalid(where + ": not a SHA-256 in hex");
  return *h;
}

Result<std::optional<core::Hash>> Args::opt_hash(std::string_view name) const {
  const json& v = raw(name);
  if (v.is_null()) return std::optional<core::Hash>();
  SILK_ASSIGN_OR_RETURN(core::Hash h, hash_value(v, path(name)));
  return std::optional<core::Hash>(h);
}

Result<core::Hash> Args::hash(std::string_view name) const {
  SILK_ASSIGN_OR_RETURN(std::optional<core::Hash> h, opt_hash(name));
  if (!h) return Status::invalid(path(name) + ": missing (64 hex characters)");
  return *h;
}

Result<core::Bytes> Args::hex(std::string_view name, size_t bytes) const {
  const json& v = raw(name);
  if (v.is_null()) return Status::invalid(path(name) + ": missing");
  if (!v.is_string()) return wrong(name, "hex", v);
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 2 * bytes || !is_hex(s)) {
    return Status::invalid(path(name) + ": expected " + std::to_string(bytes) + " bytes (" +
                           std::to_string(2 * bytes) + " hex characters), got " +
                           std::to_string(s.size()) + " characters" +
                           (is_hex(s) ? "" : " that are not all hex"));
  }
  Result<core::Bytes> b = core::from_hex(s);
  if (!b.is_ok()) return Status::invalid(path(name) + ": not hex");
  return std::move(b).value();
}

Result<std::optional<std::vector<std::string>>> Args::opt_strings(std::string_view name,
                                                                  size_t max_items,
                                                                  size_t max_chars) const {
  if (!has(name)) return std::optional<std::vector<std::string>>();
  SILK_ASSIGN_OR_RETURN(std::vector<std::string> v,
                        strings(name, max_items, max_chars, /*allow_empty=*/true));
  return std::optional<std::vector<std::string>>(std::move(v));
}

Result<std::vector<std::string>> Args::strings(std::string_view name, size_t max_items,
                                               size_t max_chars, bool allow_empty) const {
  const json& v = raw(name);
  if (v.is_null()) return Status::invalid(path(name) + ": missing (an array of strings)");
  if (!v.is_array()) return wrong(name, "an array of strings", v);
  if (v.empty() && !allow_empty) return Status::invalid(path(name) + ": empty");
  if (v.size() > max_items) {
    return Status::invalid(path(name) + ": " + std::to_string(v.size()) + " items, at most " +
                           std::to_string(max_items));
  }
  std::vector<std::string> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string where = path(name) + "[" + std::to_string(i) + "]";
    if (!v[i].is_string()) {
      return Status::invalid(where + ": expected a string, got " + json_kind(v[i]));
    }
    const std::string& s = v[i].get_ref<const std::string&>();
    if (s.empty() || s.size() > max_chars) {
      return Status::invalid(where + ": " + std::to_string(s.size()) + " bytes; 1-" +
                             std::to_string(max_chars) + " allowed");
    }
    out.push_back(s);
  }
  return out;
}

Result<const json*> Args::object(std::string_view name) const {
  const json& v = raw(name);
  if (v.is_null()) return Status::invalid(path(name) + ": missing (a JSON object)");
  if (!v.is_object()) return wrong(name, "a JSON object", v);
  return &v;
}

Result<const json*> Args::array(std::string_view name) const {
  const json& v = raw(name);
  if (v.is_null()) return Status::invalid(path(name) + ": missing (an array)");
  if (!v.is_array()) return wrong(name, "an array", v);
  return &v;
}

Status check_arg_fields(const json& args, std::string_view method,
                        std::initializer_list<std::string_view> allowed) {
  return Args::of(args, method, allowed).status();
}

Result<std::optional<std::string>> opt_string_arg(const json& obj, std::string_view name,
                                                  size_t max_chars) {
  SILK_ASSIGN_OR_RETURN(Args a, Args::record(obj, ""));
  return a.opt_string(name, max_chars);
}

Result<std::string> req_string_arg(const json& obj, std::string_view name, size_t max_chars,
                                   std::string_view what) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> s, opt_string_arg(obj, name, max_chars));
  if (!s || s->empty()) {
    return Status::invalid(std::string(name) + ": missing" +
                           (what.empty() ? std::string() : " (" + std::string(what) + ")"));
  }
  return std::move(*s);
}

Result<std::optional<uint64_t>> opt_u64_arg(const json& obj, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(Args a, Args::record(obj, ""));
  return a.opt_u64(name);
}

Result<std::optional<bool>> opt_bool_arg(const json& obj, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(Args a, Args::record(obj, ""));
  return a.opt_bool(name);
}

bool is_doc_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '/' || c == '-';
  });
}

Result<std::string> read_doc_id(const Args& a, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::string id, a.string(name, 4096, 0));
  if (!is_doc_id(id)) {
    return Status::invalid(a.path(name) + ": " + in_quotes(id) +
                           " is not a document id (1-128 of A-Z a-z 0-9 . _ : / -)");
  }
  return id;
}

Result<std::optional<std::string>> read_opt_jurisdiction(const Args& a, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> cc, a.opt_string(name, 4096));
  if (cc && !core::is_valid_jurisdiction(*cc)) {
    return Status::invalid(a.path(name) + ": " + in_quotes(*cc) +
                           " is not an ISO 3166-1 alpha-2 code");
  }
  return cc;
}

Result<std::string> read_jurisdiction(const Args& a, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> cc, read_opt_jurisdiction(a, name));
  if (!cc) return Status::invalid(a.path(name) + ": missing (an ISO 3166-1 alpha-2 code)");
  return std::move(*cc);
}

Result<std::optional<std::string>> read_opt_org_id(const Args& a, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> org, a.opt_string(name, 4096));
  if (org && !core::is_valid_org_id(*org)) {
    return Status::invalid(a.path(name) + ": " + in_quotes(*org) + " is not an organisation id");
  }
  return org;
}

Result<std::string> read_org_id(const Args& a, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> org, read_opt_org_id(a, name));
  if (!org) return Status::invalid(a.path(name) + ": missing (an organisation id)");
  return std::move(*org);
}

Result<json> parse_stored_object(std::string_view where, std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return Status::corruption(std::string(where) + ": stored value is not a JSON object");
  }
  return j;
}

Result<json> parse_stored_array(std::string_view where, std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) {
    return Status::corruption(std::string(where) + ": stored value is not a JSON array");
  }
  return j;
}

}  // namespace silk::contracts
