#include "silk/contracts/evidence.h"

#include <algorithm>
#include <utility>

#include "silk/contracts/args.h"
#include "silk/contracts/chain_config.h"
#include "silk/core/vote.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr std::string_view kIndexKey = "index";

std::string record_key(const core::SignedVote& v) {
  return core::to_hex(v.signer) + "/" + std::to_string(v.height) + "/" + std::to_string(v.round) +
         "/" + core::vote_type_name(v.type);
}

Result<json> read_index(ReadContext& ctx) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> text, ctx.get(kIndexKey));
  if (!text) return json::array();
  json index = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!index.is_array()) return Status::corruption("evidence/index is not a JSON array");
  return index;
}

class Evidence final : public Contract {
 public:
  std::string_view name() const override { return kEvidenceContract; }

  Result<std::string> call(std::string_view method, const json& args, TxContext& ctx) override {
    if (method == kEvidenceReportMethod) return report(args, ctx);
    return Status::not_found("evidence has no method '" + std::string(method) + "'");
  }

  Result<std::string> query(std::string_view method, const json& args,
                            ReadContext& ctx) const override {
    if (method != "list") {
      return Status::not_found("contract 'evidence' has no query '" + std::string(method) + "'");
    }
    std::string signer;
    for (const auto& item : args.items()) {
      if (item.key() != "signer" || !item.value().is_string()) {
        return Status::invalid("args: list takes an optional string 'signer'");
      }
      signer = item.value().get<std::string>();
    }
    SILK_ASSIGN_OR_RETURN(json index, read_index(ctx));
    json out = json::array();
    for (const json& key : index) {
      const std::string k = key.get<std::string>();
      if (!signer.empty() && k.rfind(signer + "/", 0) != 0) continue;
      SILK_ASSIGN_OR_RETURN(std::optional<std::string> record, ctx.get(k));
      if (record) out.push_back(json::parse(*record, nullptr, false));
    }
    return json{{"evidence", out}}.dump();
  }

 private:
  static Result<std::string> report(const json& args, TxContext& ctx) {
    for (const auto& item : args.items()) {
      if (item.key() != "evidence") {
        return Status::invalid("args: unknown field '" + item.key() + "' (report takes evidence)");
      }
    }
    auto it = args.find("evidence");
    if (it == args.end() || !it->is_string()) {
      return Status::invalid("evidence: expected the hex of the two conflicting votes");
    }
    Result<core::Bytes> bytes = core::from_hex(it->get<std::string>());
    if (!bytes.is_ok()) return Status::invalid("evidence: " + bytes.status().message());
    Result<core::DoubleSignEvidence> ev =
        core::DoubleSignEvidence::decode(core::ByteSpan(bytes->data(), bytes->size()));
    if (!ev.is_ok()) return Status::invalid("evidence: " + ev.status().message());
    SILK_RETURN_IF_ERROR(ev->check(ctx.genesis().chain_id));
    const core::SignedVote& a = ev->a;
    const auto& validators = ctx.config().validators;
    if (std::find(validators.begin(), validators.end(), a.signer) == validators.end()) {
      return Status::invalid("evidence: " + core::to_hex(a.signer) + " is not a validator");
    }
    if (a.height > ctx.height()) {
      return Status::invalid("evidence: votes at height " + std::to_string(a.height) +
                             " are above this block's " + std::to_string(ctx.height()));
    }
    const std::string key = record_key(a);
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> existing, ctx.get(key));
    if (existing) return Status::conflict("evidence " + key + " is already recorded");

    const json record = {{"signer", core::to_hex(a.signer)},
                         {"type", core::vote_type_name(a.type)},
                         {"height", a.height},
                         {"round", a.round},
                         {"block_a", core::to_hex(a.block_hash)},
                         {"block_b", core::to_hex(ev->b.block_hash)},
                         {"evidence", it->get<std::string>()},
                         {"reported_by", ctx.sender().name},
                         {"reporter_org", ctx.sender().org},
                         {"tx_id", core::to_hex(ctx.tx_id())},
                         {"recorded_height", ctx.height()},
                         {"recorded_ms", ctx.block_time_ms()}};
    ctx.put(key, record.dump());
    SILK_ASSIGN_OR_RETURN(json index, read_index(ctx));
    if (index.size() < kEvidenceMaxIndexed) {
      index.push_back(key);
      ctx.put(kIndexKey, index.dump());
    }
    ctx.emit(kEvidenceDoubleSignEvent, json{{"signer", core::to_hex(a.signer)},
                                            {"height", a.height},
                                            {"round", a.round},
                                            {"type", core::vote_type_name(a.type)}}
                                           .dump());
    return json{{"recorded", key}}.dump();
  }
};

}  // namespace

std::unique_ptr<Contract> make_evidence_contract() { return std::make_unique<Evidence>(); }

std::string evidence_report_args(core::ByteSpan evidence) {
  return json{{"evidence", core::to_hex(evidence)}}.dump();
}

}  // namespace silk::contracts
