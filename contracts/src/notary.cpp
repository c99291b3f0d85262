#include "silk/contracts/notary.h"

#include <string>
#include <utility>

#include "silk/contracts/args.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr size_t kDigestHexChars = 64;

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char to_lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The digest in lower case, or kInvalid naming what was wrong with it.
Result<std::string> parse_digest(const json& args) {
  static const std::string kPrefix = "hash: expected 64 hex characters (SHA-256), got ";
  auto it = args.find("hash");
  if (it == args.end()) return Status::invalid(kPrefix + "no hash field");
  if (!it->is_string()) return Status::invalid(kPrefix + json_kind(*it));
  const std::string& text = it->get_ref<const std::string&>();
  if (text.size() != kDigestHexChars) {
    return Status::invalid(kPrefix + std::to_string(text.size()) + " characters");
  }
  std::string digest;
  digest.reserve(kDigestHexChars);
  for (size_t i = 0; i < text.size(); ++i) {
    if (!is_hex_digit(text[i])) {
      return Status::invalid(kPrefix + "a non-hex character at offset " + std::to_string(i));
    }
    digest.push_back(to_lower_ascii(text[i]));
  }
  return digest;
}

Result<json> parse_meta(const json& args) {
  auto it = args.find("meta");
  if (it == args.end() || it->is_null()) return json::object();
  if (!it->is_object()) {
    return Status::invalid("meta: expected a JSON object, got " + json_kind(*it));
  }
  // Parsed JSON holds valid UTF-8 only, so dump() does not throw here.
  const size_t size = it->dump().size();
  if (size > kNotaryMaxMetaBytes) {
    return Status::invalid("meta: " + std::to_string(size) + " bytes serialised, at most " +
                           std::to_string(kNotaryMaxMetaBytes));
  }
  return *it;
}

// The conflict a second anchor of `digest` gets, naming the first.
Status already_anchored(const std::string& digest, const std::string& stored) {
  const json record = json::parse(stored, nullptr, /*allow_exceptions=*/false);
  if (record.is_object()) {
    auto height = record.find("height");
    auto tx_id = record.find("tx_id");
    if (height != record.end() && height->is_number_unsigned() && tx_id != record.end() &&
        tx_id->is_string()) {
      return Status::conflict("digest " + digest + " already anchored at height " +
                              std::to_string(height->get<uint64_t>()) + " by tx " +
                              tx_id->get<std::string>());
    }
  }
  return Status::conflict("digest " + digest +
                          " already anchored (its stored record is unreadable)");
}

class Notary final : public Contract {
 public:
  std::string_view name() const override { return kNotaryContract; }

  Result<std::string> call(std::string_view method, const json& args, TxContext& ctx) override {
    if (method == kNotaryAnchorMethod) return anchor(args, ctx);
    return Status::not_found("notary has no method '" + std::string(method) + "'");
  }

 private:
  static Result<std::string> anchor(const json& args, TxContext& ctx) {
    for (const auto& item : args.items()) {
      if (item.key() != "hash" && item.key() != "meta") {
        return Status::invalid("args: unknown field '" + item.key() +
                               "' (anchor takes hash and meta)");
      }
    }
    SILK_ASSIGN_OR_RETURN(std::string digest, parse_digest(args));
    SILK_ASSIGN_OR_RETURN(json meta, parse_meta(args));

    SILK_ASSIGN_OR_RETURN(std::optional<std::string> existing, ctx.get(digest));
    if (existing) return already_anchored(digest, *existing);

    const core::Member& sender = ctx.sender();
    const std::string sender_hex = core::to_hex(sender.public_key);
    json record = {
        {"hash", digest},         {"meta", std::move(meta)},
        {"sender", sender_hex},   {"sender_name", sender.name},
        {"org", sender.org},      {"tx_id", core::to_hex(ctx.tx_id())},
        {"height", ctx.height()}, {"timestamp_ms", ctx.block_time_ms()},
    };
    ctx.put(digest, record.dump());
    ctx.emit(kNotaryAnchoredEvent, json{{"hash", digest}, {"sender", sender_hex}}.dump());
    return json{{"hash", digest}, {"height", ctx.height()}}.dump();
  }
};

}  // namespace

std::unique_ptr<Contract> make_notary_contract() { return std::make_unique<Notary>(); }

std::string notary_anchor_args(const core::Hash& digest, const json& meta) {
  const json args = {{"hash", core::to_hex(digest)}, {"meta", meta}};
  return args.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string notary_state_key(const core::Hash& digest) {
  return std::string(kNotaryContract) + "/" + core::to_hex(digest);
}

}  // namespace silk::contracts
