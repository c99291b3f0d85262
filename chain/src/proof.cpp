#include "silk/chain/proof.h"

#include <sstream>

#include "silk/chain/engine.h"
#include "silk/contracts/executor.h"
#include "silk/core/crypto.h"
#include "silk/core/merkle.h"
#include "silk/core/x509.h"

namespace silk::chain {

using core::Hash;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {

// "1 key", "4 keys".
std::string keys_count(size_t n) { return std::to_string(n) + (n == 1 ? " key" : " keys"); }

std::string hex(const Hash& h) { return core::to_hex(h); }
std::string hex(const core::Bytes& b) { return core::to_hex(core::ByteSpan(b)); }
std::string hex(const core::Signature& s) {
  return core::to_hex(core::ByteSpan(s.data(), s.size()));
}

const char* code_name_of(uint32_t code) {
  if (code > static_cast<uint32_t>(Status::Code::kInternal)) return "unknown";
  return core::code_name(static_cast<Status::Code>(code));
}

// JSON text shown as JSON when it parses, else as the string.
json readable(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(text) : parsed;
}

json receipt_json(const core::Receipt& r) {
  json events = json::array();
  for (const core::ContractEvent& e : r.events) {
    events.push_back({{"contract", e.contract}, {"name", e.name}, {"data", readable(e.data)}});
  }
  return {{"tx_id", hex(r.tx_id)},
          {"code", r.code},
          {"code_name", code_name_of(r.code)},
          {"message", r.message},
          {"result", r.result.empty() ? json(nullptr) : readable(r.result)},
          {"events", std::move(events)},
          {"write_set_hash", hex(r.write_set_hash)}};
}

json header_json(const core::BlockHeader& h) {
  return {{"version", h.version},
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
          {"round", h.round}};
}

// The engine name a certificate kind belongs to ("unknown" for none this build has).
std::string cert_kind_name(core::CommitCert::Kind kind) {
  const consensus::EngineKind* engine = consensus::engine_kind_of(kind);
  return engine != nullptr ? std::string(engine->name()) : std::string("unknown");
}

// The chain's engine's rule for a certificate (chain/engine.h).
Status verify_commit_of(const core::Genesis& genesis, const core::BlockHeader& header,
                        const core::CommitCert& cert,
                        const std::vector<core::PublicKey>& validators) {
  SILK_ASSIGN_OR_RETURN(const consensus::EngineKind* engine, engine_of(genesis));
  return engine->verify_commit(header, cert, validators);
}

json cert_json(const core::CommitCert& cert) {
  json votes = json::array();
  for (const core::CommitVote& v : cert.votes) {
    votes.push_back({{"signer", hex(v.signer)}, {"signature", hex(v.signature)}});
  }
  return {{"kind", cert_kind_name(cert.kind)}, {"round", cert.round}, {"votes", std::move(votes)}};
}

std::vector<Hash> leaf_hashes_of(const std::vector<core::Bytes>& encodings) {
  std::vector<Hash> leaves;
  leaves.reserve(encodings.size());
  for (const core::Bytes& e : encodings) leaves.push_back(core::merkle_leaf_hash(e));
  return leaves;
}

bool is_tx_id(const std::string& id) { return id.size() == 64 && core::hash_from_hex(id).is_ok(); }

// ---- a block source ----

// The contracts' view of the source's state (as of its tip).
class SourceStateView final : public contracts::StateView {
 public:
  explicit SourceStateView(const BlockSource& source) : source_(source) {}
  Result<std::optional<std::string>> get(std::string_view key) const override {
    return source_.state(key);
  }
  Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                uint32_t limit) const override {
    return source_.history(key, offset, limit);
  }

 private:
  const BlockSource& source_;
};

class SourceProofSource final : public ProofSource {
 public:
  explicit SourceProofSource(const BlockSource& source) : source_(source), view_(source) {}
  explicit SourceProofSource(std::unique_ptr<BlockSource> owned)
      : owned_(std::move(owned)), source_(*owned_), view_(*owned_) {}

  Result<ChainId> chain() override {
    SILK_RETURN_IF_ERROR(load_genesis());
    return ChainId{genesis_->chain_id, genesis_->hash};
  }
  Result<storage::TxLocation> locate(const Hash& tx_id) override {
    return source_.tx_location(tx_id);
  }
  Result<core::Block> block(uint64_t height) override { return source_.block(height); }
  Result<std::vector<core::Receipt>> receipts(const core::Block& block) override {
    std::vector<core::Receipt> out;
    for (const core::Tx& tx : block.txs) {
      SILK_ASSIGN_OR_RETURN(core::Receipt r, source_.receipt(tx.tx_id()));
      out.push_back(std::move(r));
    }
    return out;
  }
  Result<std::vector<core::PublicKey>> validators(uint64_t height) override {
    SILK_RETURN_IF_ERROR(load_genesis());
    SILK_ASSIGN_OR_RETURN(auto config, executor_->config_at(view_, height));
    return config->validators;
  }
  Result<json> document(const std::string& doc_id) override {
    SILK_RETURN_IF_ERROR(load_genesis());
    SILK_ASSIGN_OR_RETURN(storage::ChainTip tip, source_.tip());
    SILK_ASSIGN_OR_RETURN(std::string text,
                          executor_->query("documents", "document", json{{"doc_id", doc_id}}, view_,
                                           tip.height, tip.timestamp_ms));
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::internal("documents.document answered text, not JSON");
    return j;
  }

 private:
  Status load_genesis() {
    if (genesis_) return Status::ok();
    SILK_ASSIGN_OR_RETURN(std::string text, source_.genesis_json());
    SILK_ASSIGN_OR_RETURN(core::Genesis g, core::Genesis::parse(text));
    genesis_ = std::move(g);
    SILK_ASSIGN_OR_RETURN(executor_, make_executor(*genesis_));
    return Status::ok();
  }

  std::unique_ptr<BlockSource> owned_;  // when the source is the proof source's own
  const BlockSource& source_;
  SourceStateView view_;
  std::optional<core::Genesis> genesis_;
  std::unique_ptr<contracts::Executor> executor_;
};

// ---- verification ----

class Checks {
 public:
  void pass(std::string name, std::string detail) {
    report_.checks.push_back({std::move(name), true, false, std::move(detail)});
  }
  void fail(std::string name, std::string detail) {
    report_.checks.push_back({std::move(name), false, false, std::move(detail)});
  }
  void warn(std::string name, std::string detail) {
    report_.checks.push_back({std::move(name), false, true, std::move(detail)});
  }
  ProofReport& report() { return report_; }

 private:
  ProofReport report_;
};

// Reads bundle[name] as hex bytes / a hash; the failure names the field.
Result<core::Bytes> hex_field(const json& b, const char* name) {
  if (!b.contains(name) || !b[name].is_string()) {
    return Status::invalid("the bundle has no hex string \"" + std::string(name) + "\"");
  }
  Result<core::Bytes> bytes = core::from_hex(b[name].get<std::string>());
  if (!bytes.is_ok()) return bytes.status().with_context(std::string("bundle \"") + name + "\"");
  return bytes;
}

Result<Hash> hash_field(const json& b, const char* name) {
  SILK_ASSIGN_OR_RETURN(core::Bytes bytes, hex_field(b, name));
  if (bytes.size() != 32) {
    return Status::invalid("bundle \"" + std::string(name) + "\" is " +
                           std::to_string(bytes.size()) + " bytes, not 32");
  }
  Hash h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

Result<std::vector<Hash>> path_field(const json& b, const char* name) {
  if (!b.contains(name) || !b[name].is_array()) {
    return Status::invalid("the bundle has no array \"" + std::string(name) + "\"");
  }
  std::vector<Hash> out;
  for (size_t i = 0; i < b[name].size(); ++i) {
    const json& e = b[name][i];
    Result<Hash> h = e.is_string() ? core::hash_from_hex(e.get<std::string>())
                                   : Result<Hash>(Status::invalid("not a string"));
    if (!h.is_ok()) {
      return h.status().with_context("bundle \"" + std::string(name) + "\"[" + std::to_string(i) +
                                     "]");
    }
    out.push_back(*h);
  }
  return out;
}

Result<uint64_t> uint_in_bundle(const json& b, const char* name) {
  if (!b.contains(name) || !b[name].is_number_unsigned()) {
    return Status::invalid("the bundle has no unsigned integer \"" + std::string(name) + "\"");
  }
  return b[name].get<uint64_t>();
}

// Whether the documents tx `tx` names `doc_id` (issue, bulk_issue, amend).
bool tx_names_document(const core::Tx& tx, const std::string& doc_id) {
  if (tx.contract != "documents") return false;
  json args = json::parse(tx.args, nullptr, /*allow_exceptions=*/false);
  if (!args.is_object()) return false;
  auto names = [&](const json& a) {
    return a.is_object() && a.contains("doc_id") && a["doc_id"] == doc_id;
  };
  if (names(args)) return true;
  if (args.contains("new") && names(args["new"])) return true;
  if (args.contains("documents") && args["documents"].is_array()) {
    for (const json& d : args["documents"]) {
      if (names(d)) return true;
    }
  }
  return false;
}

std::string short_hex(const Hash& h) { return hex(h).substr(0, 16) + "…"; }

}  // namespace

// ---- public ----

std::unique_ptr<ProofSource> make_proof_source(const BlockSource& source) {
  return std::make_unique<SourceProofSource>(source);
}

std::unique_ptr<ProofSource> make_store_proof_source(const storage::Store& store) {
  return std::make_unique<SourceProofSource>(make_store_source(store));
}

Result<json> build_proof_bundle(ProofSource& source, const std::string& id) {
  if (id.empty()) return Status::invalid("the tx id or doc_id is empty");
  json document;
  Hash tx_id{};
  if (is_tx_id(id)) {
    tx_id = core::hash_from_hex(id).value();
  } else {
    Result<json> record = source.document(id);
    if (!record.is_ok()) return record.status().with_context("doc_id \"" + id + "\"");
    document = std::move(record).value();
    if (!document.is_object() || !document.contains("tx_id") || !document["tx_id"].is_string()) {
      return Status::invalid("the record of doc_id \"" + id + "\" names no issuing tx_id");
    }
    Result<Hash> issued_by = core::hash_from_hex(document["tx_id"].get<std::string>());
    if (!issued_by.is_ok()) return issued_by.status().with_context("record tx_id");
    tx_id = *issued_by;
  }

  SILK_ASSIGN_OR_RETURN(ProofSource::ChainId chain, source.chain());
  Result<storage::TxLocation> loc = source.locate(tx_id);
  if (!loc.is_ok()) return loc.status().with_context("tx " + hex(tx_id));
  SILK_ASSIGN_OR_RETURN(core::Block block, source.block(loc->height));
  const std::string at = "block " + std::to_string(loc->height);
  if (block.header.height != loc->height) {
    return Status::corruption(at + " says it is at height " + std::to_string(block.header.height));
  }
  if (loc->index >= block.txs.size() || block.txs[loc->index].tx_id() != tx_id) {
    return Status::corruption(at + " does not hold tx " + hex(tx_id) + " at index " +
                              std::to_string(loc->index));
  }
  SILK_ASSIGN_OR_RETURN(std::vector<core::Receipt> receipts, source.receipts(block));
  if (receipts.size() != block.txs.size()) {
    return Status::corruption(at + ": " + std::to_string(receipts.size()) + " receipts for " +
                              std::to_string(block.txs.size()) + " txs");
  }
  SILK_ASSIGN_OR_RETURN(std::vector<core::PublicKey> validators, source.validators(loc->height));

  std::vector<core::Bytes> tx_bytes;
  std::vector<core::Bytes> receipt_bytes;
  for (const core::Tx& tx : block.txs) tx_bytes.push_back(tx.encode());
  for (const core::Receipt& r : receipts) receipt_bytes.push_back(r.encode());
  const std::vector<Hash> tx_leaves = leaf_hashes_of(tx_bytes);
  const std::vector<Hash> receipt_leaves = leaf_hashes_of(receipt_bytes);
  if (core::merkle_root(tx_leaves) != block.header.tx_root) {
    return Status::corruption(at + ": its txs do not hash to its tx_root");
  }
  if (core::merkle_root(receipt_leaves) != block.header.receipts_root) {
    return Status::corruption(at + ": its receipts do not hash to its receipts_root");
  }
  SILK_ASSIGN_OR_RETURN(std::vector<Hash> tx_path, core::merkle_audit_path(tx_leaves, loc->index));
  SILK_ASSIGN_OR_RETURN(std::vector<Hash> receipt_path,
                        core::merkle_audit_path(receipt_leaves, loc->index));

  auto hexes = [](const std::vector<Hash>& hs) {
    json a = json::array();
    for (const Hash& h : hs) a.push_back(hex(h));
    return a;
  };
  const core::Tx& tx = block.txs[loc->index];
  const core::Receipt& receipt = receipts[loc->index];
  json tx_readable = {
      {"chain_id", tx.chain_id},
      {"nonce", tx.nonce},
      {"timestamp_ms", tx.timestamp_ms},
      {"sender_kind",
       tx.sender_kind == core::SenderKind::kPublicKey ? "public_key" : "cert_fingerprint"},
      {"sender", hex(tx.sender)},
      {"sender_cert", tx.sender_cert.empty() ? json(nullptr) : json(hex(tx.sender_cert))},
      {"contract", tx.contract},
      {"method", tx.method},
      {"args", readable(tx.args)}};
  json bundle = {{"format", kProofFormat},
                 {"chain_id", chain.chain_id},
                 {"genesis_hash", hex(chain.genesis_hash)},
                 {"tx_id", hex(tx_id)},
                 {"height", loc->height},
                 {"index", loc->index},
                 {"tx", hex(tx_bytes[loc->index])},
                 {"tx_decoded", std::move(tx_readable)},
                 {"tx_path", hexes(tx_path)},
                 {"receipt", hex(receipt_bytes[loc->index])},
                 {"receipt_decoded", receipt_json(receipt)},
                 {"receipt_path", hexes(receipt_path)},
                 {"header", hex(block.header.encode())},
                 {"header_decoded", header_json(block.header)},
                 {"block_hash", hex(block.hash())},
                 {"cert", hex(block.cert.encode())},
                 {"cert_decoded", cert_json(block.cert)},
                 {"validators", hexes(std::vector<Hash>(validators.begin(), validators.end()))},
                 {"doc_id", document.is_null() ? json(nullptr) : json(id)},
                 {"document", document}};
  return bundle;
}

bool ProofReport::ok() const { return !checks.empty() && first_failure() == nullptr; }

const ProofCheck* ProofReport::first_failure() const {
  for (const ProofCheck& c : checks) {
    if (!c.ok) return &c;
  }
  return nullptr;
}

ProofReport verify_proof_bundle(const json& bundle, const core::Genesis& genesis) {
  Checks checks;
  try {
    if (!bundle.is_object()) {
      checks.fail("bundle", "the bundle is not a JSON object");
      return std::move(checks.report());
    }
    if (bundle.value("format", std::string()) != kProofFormat) {
      checks.fail("bundle", "format is " +
                                (bundle.contains("format") ? bundle["format"].dump()
                                                           : std::string("missing")) +
                                ", expected \"" + kProofFormat + "\"");
      return std::move(checks.report());
    }

    // genesis
    Result<Hash> genesis_hash = hash_field(bundle, "genesis_hash");
    const std::string chain_id = bundle.value("chain_id", std::string());
    const bool same_genesis =
        genesis_hash.is_ok() && *genesis_hash == genesis.hash && chain_id == genesis.chain_id;
    if (!genesis_hash.is_ok()) {
      checks.fail("genesis", genesis_hash.status().message());
    } else if (*genesis_hash != genesis.hash) {
      checks.fail("genesis", "the bundle's genesis_hash " + hex(*genesis_hash) +
                                 " != the genesis file's " + hex(genesis.hash));
    } else if (chain_id != genesis.chain_id) {
      checks.fail("genesis", "the bundle's chain_id \"" + chain_id + "\" != genesis \"" +
                                 genesis.chain_id + "\"");
    } else {
      checks.pass("genesis", "chain \"" + chain_id + "\", genesis " + hex(genesis.hash));
    }

    // tx
    Result<Hash> claimed_tx_id = hash_field(bundle, "tx_id");
    Result<core::Bytes> tx_bytes = hex_field(bundle, "tx");
    std::optional<core::Tx> tx;
    if (!claimed_tx_id.is_ok()) {
      checks.fail("tx", claimed_tx_id.status().message());
    } else if (!tx_bytes.is_ok()) {
      checks.fail("tx", tx_bytes.status().message());
    } else if (Result<core::Tx> d = core::Tx::decode(*tx_bytes); !d.is_ok()) {
      checks.fail("tx", "the tx does not decode: " + d.status().message());
    } else {
      tx = std::move(d).value();
      if (tx->tx_id() != *claimed_tx_id) {
        checks.fail("tx", "the tx's tx_id is " + hex(tx->tx_id()) + ", the bundle says " +
                              hex(*claimed_tx_id));
      } else if (tx->chain_id != genesis.chain_id) {
        checks.fail(
            "tx", "the tx is for chain \"" + tx->chain_id + "\", not \"" + genesis.chain_id + "\"");
      } else {
        checks.pass("tx", "decodes to tx_id " + hex(*claimed_tx_id) + " (" + tx->contract + "." +
                              tx->method + ")");
      }
    }

    // tx signature
    if (tx) {
      if (tx->sender_kind == core::SenderKind::kPublicKey) {
        if (tx->verify_signature(core::PublicKey(tx->sender))) {
          checks.pass("tx signature", "verifies against sender public key " + hex(tx->sender));
        } else {
          checks.fail("tx signature",
                      "the signature does not verify against sender public key " + hex(tx->sender));
        }
      } else if (tx->sender_cert.empty()) {
        checks.warn("tx signature",
                    "signature not checkable offline: the certificate is not in the tx (sender " +
                        hex(tx->sender) + ")");
      } else if (core::sha256(tx->sender_cert) != tx->sender) {
        checks.fail("tx signature", "the tx's sender_cert hashes to " +
                                        hex(core::sha256(tx->sender_cert)) +
                                        ", not the sender fingerprint " + hex(tx->sender));
      } else if (Result<core::Certificate> cert = core::parse_certificate(tx->sender_cert);
                 !cert.is_ok()) {
        checks.fail("tx signature",
                    "the tx's sender_cert does not parse: " + cert.status().message());
      } else if (!tx->verify_signature(cert->public_key())) {
        checks.fail(
            "tx signature",
            "the signature does not verify against the key of certificate " + hex(tx->sender));
      } else {
        checks.pass("tx signature", "verifies against the key of the certificate the tx carries (" +
                                        hex(tx->sender) +
                                        "; the certificate's chain to a CA is not checked here)");
      }
    }

    // header
    Result<core::Bytes> header_bytes = hex_field(bundle, "header");
    Result<Hash> block_hash = hash_field(bundle, "block_hash");
    Result<uint64_t> height = uint_in_bundle(bundle, "height");
    std::optional<core::BlockHeader> header;
    if (!header_bytes.is_ok()) {
      checks.fail("header", header_bytes.status().message());
    } else if (!block_hash.is_ok()) {
      checks.fail("header", block_hash.status().message());
    } else if (Result<core::BlockHeader> d = core::BlockHeader::decode(*header_bytes); !d.is_ok()) {
      checks.fail("header", "the header does not decode: " + d.status().message());
    } else {
      header = std::move(d).value();
      const Hash computed = core::sha256(*header_bytes);
      if (computed != *block_hash) {
        checks.fail("header", "the header hashes to " + hex(computed) + ", the bundle says " +
                                  hex(*block_hash));
      } else if (header->chain_id != genesis.chain_id) {
        checks.fail("header", "the header is for chain \"" + header->chain_id + "\", not \"" +
                                  genesis.chain_id + "\"");
      } else if (!height.is_ok() || header->height != *height) {
        checks.fail("header", "the header is at height " + std::to_string(header->height) +
                                  ", the bundle says " +
                                  (height.is_ok() ? std::to_string(*height) : "nothing"));
      } else {
        checks.pass("header",
                    "height " + std::to_string(header->height) + ", hashes to " + hex(*block_hash));
      }
    }

    // tx inclusion
    Result<uint64_t> index = uint_in_bundle(bundle, "index");
    if (header && tx_bytes.is_ok()) {
      Result<std::vector<Hash>> path = path_field(bundle, "tx_path");
      if (!index.is_ok()) {
        checks.fail("tx inclusion", index.status().message());
      } else if (!path.is_ok()) {
        checks.fail("tx inclusion", path.status().message());
      } else if (!core::merkle_verify_inclusion(core::merkle_leaf_hash(*tx_bytes), *index,
                                                header->tx_count, *path, header->tx_root)) {
        checks.fail("tx inclusion", "the tx leaf at index " + std::to_string(*index) + " of " +
                                        std::to_string(header->tx_count) +
                                        " with its audit path does not reach tx_root " +
                                        hex(header->tx_root));
      } else {
        checks.pass("tx inclusion", "tx " + std::to_string(*index) + " of " +
                                        std::to_string(header->tx_count) + " reaches tx_root " +
                                        hex(header->tx_root));
      }
    }

    // receipt
    Result<core::Bytes> receipt_bytes = hex_field(bundle, "receipt");
    std::optional<core::Receipt> receipt;
    if (!receipt_bytes.is_ok()) {
      checks.fail("receipt", receipt_bytes.status().message());
    } else if (Result<core::Receipt> d = core::Receipt::decode(*receipt_bytes); !d.is_ok()) {
      checks.fail("receipt", "the receipt does not decode: " + d.status().message());
    } else {
      receipt = std::move(d).value();
      const Hash expected = tx ? tx->tx_id() : (claimed_tx_id.is_ok() ? *claimed_tx_id : Hash{});
      if (receipt->tx_id != expected) {
        checks.fail("receipt",
                    "the receipt is for tx " + hex(receipt->tx_id) + ", not " + hex(expected));
      } else {
        checks.pass("receipt", "names the tx; code " + std::to_string(receipt->code) + " (" +
                                   code_name_of(receipt->code) + ")" +
                                   (receipt->message.empty() ? "" : ": " + receipt->message));
      }
    }

    // receipt inclusion
    if (header && receipt_bytes.is_ok() && index.is_ok()) {
      Result<std::vector<Hash>> path = path_field(bundle, "receipt_path");
      if (!path.is_ok()) {
        checks.fail("receipt inclusion", path.status().message());
      } else if (!core::merkle_verify_inclusion(core::merkle_leaf_hash(*receipt_bytes), *index,
                                                header->tx_count, *path, header->receipts_root)) {
        checks.fail("receipt inclusion", "the receipt leaf at index " + std::to_string(*index) +
                                             " with its audit path does not reach receipts_root " +
                                             hex(header->receipts_root));
      } else {
        checks.pass("receipt inclusion", "reaches receipts_root " + hex(header->receipts_root));
      }
    }

    // commit certificate
    std::optional<core::CommitCert> cert;
    if (header) {
      Result<core::Bytes> cert_bytes = hex_field(bundle, "cert");
      Result<std::vector<Hash>> bundle_validators = path_field(bundle, "validators");
      if (!cert_bytes.is_ok()) {
        checks.fail("commit certificate", cert_bytes.status().message());
      } else if (Result<core::CommitCert> d = core::CommitCert::decode(*cert_bytes); !d.is_ok()) {
        checks.fail("commit certificate",
                    "the certificate does not decode: " + d.status().message());
      } else if (!bundle_validators.is_ok()) {
        checks.fail("commit certificate", bundle_validators.status().message());
      } else if (!same_genesis) {
        // Another chain's genesis says nothing about this chain's validators.
        checks.fail("commit certificate",
                    "not checked: the bundle is from another chain than the genesis file given "
                    "(see the genesis check)");
      } else if (std::vector<core::PublicKey>(bundle_validators->begin(),
                                              bundle_validators->end()) != genesis.validators) {
        checks.fail("commit certificate",
                    "the bundle's validator set (" + keys_count(bundle_validators->size()) +
                        ") is not the genesis validator set (" +
                        keys_count(genesis.validators.size()) +
                        "); a set changed by governance cannot be checked against genesis "
                        "offline");
      } else if (Status st = verify_commit_of(genesis, *header, *d, genesis.validators);
                 !st.is_ok()) {
        checks.fail("commit certificate", "does not verify: " + st.message());
      } else {
        cert = std::move(d).value();
        checks.pass("commit certificate",
                    cert_kind_name(cert->kind) + ", " + std::to_string(cert->votes.size()) +
                        " of " + std::to_string(genesis.validators.size()) +
                        " genesis validators signed block " + hex(header->hash()));
      }
    }

    // document (only when the bundle carries one)
    if (bundle.contains("document") && !bundle["document"].is_null()) {
      const json& doc = bundle["document"];
      const std::string doc_id = bundle.value("doc_id", std::string());
      if (!doc.is_object() || doc.value("doc_id", std::string()) != doc_id ||
          doc.value("tx_id", std::string()) != bundle.value("tx_id", std::string())) {
        checks.fail("document", "the carried record is not doc_id \"" + doc_id +
                                    "\" issued by the bundle's tx");
      } else if (!tx || !tx_names_document(*tx, doc_id)) {
        checks.fail("document", "the tx is not a documents call naming doc_id \"" + doc_id + "\"");
      } else {
        checks.pass("document", "the tx is documents." + tx->method + " of doc_id \"" + doc_id +
                                    "\" (the record's other fields are the node's answer, "
                                    "not proven by this bundle)");
      }
    }

    if (tx && header && receipt) {
      std::ostringstream s;
      s << "tx " << hex(tx->tx_id()) << " is in block " << header->height << " (hash "
        << hex(header->hash()) << ")";
      if (cert) {
        s << " committed by";
        for (size_t i = 0; i < cert->votes.size(); ++i) {
          s << (i == 0 ? " " : ", ") << short_hex(cert->votes[i].signer);
        }
        s << " (" << cert_kind_name(cert->kind) << ")";
      }
      s << ", receipt code " << receipt->code << " (" << code_name_of(receipt->code) << ")";
      if (!receipt->message.empty()) s << ": " << receipt->message;
      checks.report().summary = s.str();
    }
  } catch (const std::exception& e) {
    checks.fail("bundle", std::string("unexpected failure reading the bundle: ") + e.what());
  }
  return std::move(checks.report());
}

}  // namespace silk::chain
