// Selective disclosure (disclosure.h): name-bound salted field hashes and the redactable copy.
#include "silk/contracts/disclosure.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "silk/contracts/args.h"
#include "silk/core/crypto.h"
#include "silk/core/merkle.h"

namespace silk::contracts {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr size_t kMaxNameChars = 256;
constexpr size_t kMinSaltChars = 32;
constexpr size_t kMaxSaltChars = 128;

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

core::Hash value_commitment(std::string_view salt_hex, const json& value) {
  core::Sha256 h;
  h.update(core::as_span(salt_hex));
  h.update(core::as_span(":"));
  const std::string canonical = value.dump(-1, ' ', false, json::error_handler_t::replace);
  h.update(core::as_span(canonical));
  return h.finish();
}

core::Hash field_hash(std::string_view name, const core::Hash& commitment) {
  static constexpr std::string_view kTag = "silk.field.v2";
  core::Sha256 h;
  h.update(core::as_span(kTag));
  const uint8_t zero = 0;
  h.update(core::ByteSpan(&zero, 1));
  const uint32_t n = static_cast<uint32_t>(name.size());
  const uint8_t len[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                          static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  h.update(core::ByteSpan(len, 4));
  h.update(core::as_span(name));
  h.update(core::ByteSpan(commitment.data(), commitment.size()));
  return h.finish();
}

core::Hash field_hash(std::string_view salt_hex, std::string_view name, const json& value) {
  return field_hash(name, value_commitment(salt_hex, value));
}

core::Hash field_hashes_root(std::vector<core::Hash> field_hashes) {
  std::sort(field_hashes.begin(), field_hashes.end());
  std::vector<core::Hash> leaves;
  leaves.reserve(field_hashes.size());
  for (const core::Hash& h : field_hashes) {
    leaves.push_back(core::merkle_leaf_hash(core::ByteSpan(h.data(), h.size())));
  }
  return core::merkle_root(leaves);
}

// ---- DisclosableDocument ----

namespace {

Status check_field_name(std::string_view where, const std::string& name) {
  if (name.empty() || name.size() > kMaxNameChars) {
    return Status::invalid(std::string(where) + ": field name " + in_quotes(name) + " must be 1-" +
                           std::to_string(kMaxNameChars) + " bytes");
  }
  return Status::ok();
}

Status check_salt(const std::string& where, const std::string& salt) {
  if (salt.size() < kMinSaltChars || salt.size() > kMaxSaltChars || salt.size() % 2 != 0 ||
      !is_lower_hex(salt)) {
    return Status::invalid(where + ": expected " + std::to_string(kMinSaltChars) + "-" +
                           std::to_string(kMaxSaltChars) +
                           " lower-case hex characters (an even number), got " +
                           std::to_string(salt.size()) + " characters" +
                           (is_lower_hex(salt) ? "" : " that are not all lower-case hex"));
  }
  return Status::ok();
}

}  // namespace

Result<DisclosableDocument> DisclosableDocument::make(
    const json& fields, const std::map<std::string, std::string>& salts) {
  if (!fields.is_object()) {
    return Status::invalid("fields: expected a JSON object {name: value}, got " +
                           json_kind(fields));
  }
  DisclosableDocument d;
  for (const auto& item : fields.items()) {
    SILK_RETURN_IF_ERROR(check_field_name("fields", item.key()));
    auto salt = salts.find(item.key());
    if (salt == salts.end()) return Status::invalid("salts: no salt for field " + item.key());
    SILK_RETURN_IF_ERROR(check_salt("salts." + item.key(), salt->second));
    d.fields[item.key()] = Field{salt->second, item.value()};
  }
  for (const auto& [name, salt] : salts) {
    if (!fields.contains(name)) return Status::invalid("salts: " + name + " names no field");
  }
  return d;
}

Result<DisclosableDocument> DisclosableDocument::from_json(const json& j) {
  if (!j.is_object()) {
    return Status::invalid("disclosable document: expected a JSON object, got " + json_kind(j));
  }
  for (const auto& item : j.items()) {
    if (item.key() != "fields" && item.key() != "hidden") {
      return Status::invalid("disclosable document: unknown field '" + item.key() +
                             "' (fields, hidden)");
    }
  }
  DisclosableDocument d;
  auto fields = j.find("fields");
  if (fields == j.end() || !fields->is_object()) {
    return Status::invalid("fields: expected a JSON object {name: {salt, value}}");
  }
  for (const auto& item : fields->items()) {
    const std::string where = "fields." + item.key();
    SILK_RETURN_IF_ERROR(check_field_name("fields", item.key()));
    const json& f = item.value();
    if (!f.is_object() || f.size() != 2 || !f.contains("salt") || !f.contains("value")) {
      return Status::invalid(where + ": expected {\"salt\": hex, \"value\": any}");
    }
    if (!f["salt"].is_string()) return Status::invalid(where + ".salt: expected a hex string");
    const std::string salt = f["salt"].get<std::string>();
    SILK_RETURN_IF_ERROR(check_salt(where + ".salt", salt));
    d.fields[item.key()] = Field{salt, f["value"]};
  }
  if (auto hidden = j.find("hidden"); hidden != j.end() && !hidden->is_null()) {
    if (!hidden->is_object()) {
      return Status::invalid("hidden: expected a JSON object {name: value commitment hex}");
    }
    for (const auto& item : hidden->items()) {
      const std::string where = "hidden." + item.key();
      SILK_RETURN_IF_ERROR(check_field_name("hidden", item.key()));
      if (d.fields.count(item.key()) != 0) {
        return Status::invalid(where + ": the field is also disclosed");
      }
      SILK_ASSIGN_OR_RETURN(Args entry, Args::record(*hidden, "hidden"));
      SILK_ASSIGN_OR_RETURN(core::Hash h, entry.hash(item.key()));
      d.hidden[item.key()] = h;
    }
  }
  return d;
}

json DisclosableDocument::to_json() const {
  json f = json::object();
  for (const auto& [name, field] : fields) {
    f[name] = json{{"salt", field.salt_hex}, {"value", field.value}};
  }
  json h = json::object();
  for (const auto& [name, hash] : hidden) h[name] = core::to_hex(hash);
  return json{{"fields", std::move(f)}, {"hidden", std::move(h)}};
}

Result<DisclosableDocument> DisclosableDocument::redact(
    const std::vector<std::string>& names) const {
  DisclosableDocument out = *this;
  for (const std::string& name : names) {
    auto it = out.fields.find(name);
    if (it == out.fields.end()) {
      return Status::invalid("redact: " + in_quotes(name) +
                             (hidden.count(name) ? " is already hidden" : " is not a field"));
    }
    out.hidden[name] = value_commitment(it->second.salt_hex, it->second.value);
    out.fields.erase(it);
  }
  return out;
}

std::vector<core::Hash> DisclosableDocument::field_hashes() const {
  std::vector<core::Hash> out;
  out.reserve(fields.size() + hidden.size());
  for (const auto& [name, f] : fields) out.push_back(field_hash(f.salt_hex, name, f.value));
  for (const auto& [name, c] : hidden) out.push_back(field_hash(name, c));
  std::sort(out.begin(), out.end());
  return out;
}

core::Hash DisclosableDocument::root() const { return field_hashes_root(field_hashes()); }

}  // namespace silk::contracts
