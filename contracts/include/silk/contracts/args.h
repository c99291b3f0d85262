// The one reader of contract arguments (DESIGN.md §1, STYLE.md habit 11): every native contract
// reads its args, and the JSON records it stores, through these functions, so that
//   - a malformed argument is refused the same way, with the same words, in every contract;
//   - the bytes of a refusal (which go into a receipt, so into the receipts root) are ours: no JSON
//     library exception or type name ever reaches a receipt, and a library upgrade cannot change
//     consensus data.
// Nothing here throws. Errors are kInvalid and name the field, with the path of a nested one
// ("new.doc_id: expected a string, got a number").
//
//   SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "utilise", {"doc_id", "reference"}));
//   SILK_ASSIGN_OR_RETURN(std::string ref, a.string("reference", 256));
//   SILK_ASSIGN_OR_RETURN(std::optional<std::string> org, a.opt_string("claimant_org", 64));
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/status.h"

namespace silk::contracts {

// How a JSON value is named in errors: "a string", "a number", "an object", "an array",
// "true or false", "null" (our words, not the library's).
std::string json_kind(const nlohmann::json& v);

// A string quoted for an error message, cut at 128 bytes: 'CO-1'.
std::string in_quotes(std::string_view s);

class Args {
 public:
  // `args` must be a JSON object whose fields are all in `allowed`:
  // "args: expected a JSON object, got an array",
  // "args: unknown field 'x' (issue takes doc_id, type, ...)".
  static core::Result<Args> of(const nlohmann::json& args, std::string_view method,
                               std::initializer_list<std::string_view> allowed);
  static core::Result<Args> of(const nlohmann::json& args, std::string_view method,
                               std::span<const std::string_view> allowed);
  // A nested object field read the same way; its errors name the path ("new.doc_id: ...").
  core::Result<Args> nested(std::string_view name, std::string_view method,
                            std::span<const std::string_view> allowed) const;
  // A reader over any object, with no field list (a stored record, or args whose fields were
  // checked already): errors are prefixed with `where` ("documents/doc/CO-1: ...") unless it is
  // empty.
  static core::Result<Args> record(const nlohmann::json& j, std::string where);

  // Whether the field is present and not null.
  bool has(std::string_view name) const;
  // The field's value (null when absent).
  const nlohmann::json& raw(std::string_view name) const;
  const nlohmann::json& value() const { return *j_; }

  // A string of min_chars..max_chars bytes. Missing (or null): "<name>: missing".
  core::Result<std::string> string(std::string_view name, size_t max_chars,
                                   size_t min_chars = 1) const;
  core::Result<std::optional<std::string>> opt_string(std::string_view name, size_t max_chars,
                                                      size_t min_chars = 0) const;
  // A non-negative integer that fits 64 bits (not a float, not negative).
  core::Result<uint64_t> u64(std::string_view name) const;
  core::Result<std::optional<uint64_t>> opt_u64(std::string_view name) const;
  core::Result<bool> boolean(std::string_view name) const;
  core::Result<std::optional<bool>> opt_bool(std::string_view name) const;
  // 64 lower- or upper-case hex characters (a SHA-256).
  core::Result<core::Hash> hash(std::string_view name) const;
  core::Result<std::optional<core::Hash>> opt_hash(std::string_view name) const;
  // Hex of exactly `bytes` bytes.
  core::Result<core::Bytes> hex(std::string_view name, size_t bytes) const;
  // An array of 1..max_items strings of 1..max_chars bytes each (with allow_empty, 0 items too).
  core::Result<std::vector<std::string>> strings(std::string_view name, size_t max_items,
                                                 size_t max_chars, bool allow_empty = false) const;
  core::Result<std::optional<std::vector<std::string>>> opt_strings(std::string_view name,
                                                                    size_t max_items,
                                                                    size_t max_chars) const;
  // An object or an array field (present and of that kind).
  core::Result<const nlohmann::json*> object(std::string_view name) const;
  core::Result<const nlohmann::json*> array(std::string_view name) const;

  // The field's full name in errors ("new.doc_id").
  std::string path(std::string_view name) const;

 private:
  Args(const nlohmann::json* j, std::string prefix) : j_(j), prefix_(std::move(prefix)) {}
  core::Status wrong(std::string_view name, std::string_view expected,
                     const nlohmann::json& got) const;

  const nlohmann::json* j_;
  std::string prefix_;  // "" or "new." or "documents/doc/CO-1: "
};

// One field at a time, for code that reads an args object without an Args (the same words):
// check_arg_fields is Args::of(...).status(); opt_string_arg / opt_u64_arg / opt_bool_arg are
// Args' opt_*; req_string_arg refuses a missing or empty string as "<name>: missing (<what>)".
inline constexpr size_t kNoLimit = static_cast<size_t>(-1);
core::Status check_arg_fields(const nlohmann::json& args, std::string_view method,
                              std::initializer_list<std::string_view> allowed);
core::Result<std::optional<std::string>> opt_string_arg(const nlohmann::json& obj,
                                                        std::string_view name,
                                                        size_t max_chars = kNoLimit);
core::Result<std::string> req_string_arg(const nlohmann::json& obj, std::string_view name,
                                         size_t max_chars, std::string_view what);
core::Result<std::optional<uint64_t>> opt_u64_arg(const nlohmann::json& obj, std::string_view name);
core::Result<std::optional<bool>> opt_bool_arg(const nlohmann::json& obj, std::string_view name);

// A SHA-256 in hex given as one JSON value (an array item); errors name `where`.
core::Result<core::Hash> hash_value(const nlohmann::json& v, const std::string& where);

// ---- the domain's identifiers, one rule each ----

// A document id: 1-128 of A-Z a-z 0-9 . _ : / -.
bool is_doc_id(std::string_view id);
core::Result<std::string> read_doc_id(const Args& a, std::string_view name = "doc_id");
// An ISO 3166-1 alpha-2 code ("CN").
core::Result<std::string> read_jurisdiction(const Args& a, std::string_view name);
core::Result<std::optional<std::string>> read_opt_jurisdiction(const Args& a,
                                                               std::string_view name);
// An organisation id (core::is_valid_org_id).
core::Result<std::string> read_org_id(const Args& a, std::string_view name);
core::Result<std::optional<std::string>> read_opt_org_id(const Args& a, std::string_view name);

// Parses a stored JSON value. kCorruption naming `where` when it is not valid JSON or not of
// the kind wanted: stored values were written by a node, so a bad one is damage, not input.
core::Result<nlohmann::json> parse_stored_object(std::string_view where, std::string_view text);
core::Result<nlohmann::json> parse_stored_array(std::string_view where, std::string_view text);

}  // namespace silk::contracts
