#include "silk/node/json_view.h"

#include <algorithm>

namespace silk::node {

using nlohmann::json;

namespace {
std::string hex(const core::Hash& h) { return core::to_hex(h); }
std::string hex(const core::Signature& s) {
  return core::to_hex(core::ByteSpan(s.data(), s.size()));
}

const char* code_name_of(uint32_t code) {
  if (code > static_cast<uint32_t>(core::Status::Code::kInternal)) return "unknown";
  return core::code_name(static_cast<core::Status::Code>(code));
}
}  // namespace

json embed_json_text(std::string_view text) {
  if (json_nesting_depth(text) > kMaxJsonDepth) return std::string(text);
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::string(text);
  return parsed;
}

json tx_to_json(const core::Tx& tx) {
  json j = {
      {"version", tx.version},
      {"chain_id", tx.chain_id},
      {"nonce", tx.nonce},
      {"timestamp_ms", tx.timestamp_ms},
      {"sender_kind",
       tx.sender_kind == core::SenderKind::kPublicKey ? "public_key" : "cert_fingerprint"},
      {"sender", hex(tx.sender)},
      {"contract", tx.contract},
      {"method", tx.method},
      {"args", embed_json_text(tx.args)},
      {"signature", hex(tx.signature)},
      {"hex", core::to_hex(tx.encode())},
  };
  if (!tx.sender_cert.empty()) j["sender_cert"] = core::to_hex(tx.sender_cert);
  return j;
}

json receipt_to_json(const core::Receipt& r) {
  json events = json::array();
  for (const core::ContractEvent& e : r.events) {
    events.push_back(
        {{"contract", e.contract}, {"name", e.name}, {"data", embed_json_text(e.data)}});
  }
  return {
      {"code", r.code},
      {"code_name", code_name_of(r.code)},
      {"message", r.message},
      {"result", r.result.empty() ? json(nullptr) : embed_json_text(r.result)},
      {"events", std::move(events)},
      {"write_set_hash", hex(r.write_set_hash)},
  };
}

json header_to_json(const core::BlockHeader& h) {
  return {
      {"version", h.version},
      {"chain_id", h.chain_id},
      {"height", h.height},
      {"prev_hash", hex(h.prev_hash)},
      {"timestamp_ms", h.timestamp_ms},
      {"proposer", hex(h.proposer)},
      {"tx_count", h.tx_count},
      {"tx_root", hex(h.tx_root)},
      {"receipts_root", hex(h.receipts_root)},
      {"state_root", hex(h.state_root)},
      {"validator_set_hash", hex(h.validator_set_hash)},
      {"term", h.term},
      {"round", h.round},
  };
}

json cert_to_json(const core::CommitCert& cert) {
  const char* kind = "solo";
  switch (cert.kind) {
    case core::CommitCert::Kind::kSolo:
      kind = "solo";
      break;
    case core::CommitCert::Kind::kRaft:
      kind = "raft";
      break;
    case core::CommitCert::Kind::kTbft:
      kind = "tbft";
      break;
  }
  json votes = json::array();
  for (const core::CommitVote& v : cert.votes) {
    votes.push_back({{"signer", hex(v.signer)}, {"signature", hex(v.signature)}});
  }
  return {{"kind", kind}, {"round", cert.round}, {"votes", std::move(votes)}};
}

json block_to_json(const core::Block& block, bool include_hex) {
  json tx_ids = json::array();
  for (const core::Tx& tx : block.txs) tx_ids.push_back(hex(tx.tx_id()));
  json j = {
      {"hash", hex(block.hash())},
      {"header", header_to_json(block.header)},
      {"cert", cert_to_json(block.cert)},
      {"tx_ids", std::move(tx_ids)},
  };
  if (include_hex) j["hex"] = core::to_hex(block.encode());
  return j;
}

json key_version_to_json(const core::KeyVersion& v) {
  return {
      {"height", v.height},    {"index", v.tx_index},
      {"tx_id", hex(v.tx_id)}, {"timestamp_ms", v.timestamp_ms},
      {"deleted", v.deleted},  {"value", v.deleted ? json(nullptr) : embed_json_text(v.value)},
  };
}

json error_to_json(const core::Status& status) {
  return {{"error", {{"code", core::code_name(status.code())}, {"message", status.message()}}}};
}

std::string dump_json(const json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

}  // namespace silk::node
