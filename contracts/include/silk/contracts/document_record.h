// The records of the `documents` contract (documents.h): document types, the document record and
// its codec, and the signing statement an issuer signs. Any contract may read them through the
// functions here (never by string keys of its own).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/contracts/contract.h"
#include "silk/core/bytes.h"
#include "silk/core/crypto.h"

namespace silk::contracts {

struct DocumentType {
  std::string code;                       // "certificate_of_origin"
  std::string name;                       // "Certificate of origin"
  bool transferable = false;              // bill_of_lading: a transferable record (ebl contract)
  std::vector<std::string> issuer_roles;  // consortium roles that may submit issue txs
  std::string service_type;  // the trust-list service type its signer needs: "coo_issuer"
  std::string un_code;       // UN/EDIFACT 1001 document name code where there is one ("861")

  nlohmann::json to_json() const;
  // kInvalid naming the field.
  static core::Result<DocumentType> from_json(const nlohmann::json& j);
};
// Certificate of origin, phytosanitary certificate, bill of lading, sea waybill, commercial
// invoice, packing list, insurance certificate, letter of credit, customs declaration.
const std::vector<DocumentType>& seed_document_types();
// The document type `code`: one registered by tx, else a seeded one; nullopt when unknown.
// kCorruption for a stored type that does not parse. Any contract may call it.
core::Result<std::optional<DocumentType>> find_document_type(ReadContext& ctx,
                                                             std::string_view code);

// The canonical bytes an issuer signs: the compact JSON
// {"doc_hash":"<hex>","doc_id":"...","issued_at_ms":N,"type":"..."} (keys in that order).
std::string signing_statement(std::string_view doc_id, std::string_view type,
                              const core::Hash& doc_hash, uint64_t issued_at_ms);

// A document as stored (to_json / from_json round-trip). Status history is kept in the record.
struct DocumentRecord {
  std::string doc_id;
  std::string type;
  core::Hash doc_hash{};
  uint64_t issued_at_ms = 0;  // the claimed signing time, from the signing statement
  // The proof of existence (ETSI EN 319 102-1): the time of the block that anchored the
  // signature. Every as-of question of the verdict is answered at this time; the claim above is
  // accepted only within tx_window_ms of it.
  uint64_t anchored_at_ms = 0;
  std::string issuer_org;       // the submitting member's organisation
  std::string jurisdiction;     // the issuing jurisdiction
  std::string signer_cert_pem;  // the e-signature's certificate (may be empty with a key)
  core::PublicKey signer_key{};
  core::Signature signature{};
  std::string label = "general";  // dataflow label: general | important | core
  bool personal_data = false;
  std::string status = "ACTIVE";                      // ACTIVE | SUSPENDED | REVOKED | SUPERSEDED
  std::string revocation_reason;                      // RFC 5280 name when REVOKED
  std::string superseded_by;                          // doc_id of the amendment
  std::string supersedes;                             // doc_id this one amends
  nlohmann::json parties = nlohmann::json::object();  // {"seller": org, "buyer": org, ...}
  std::vector<core::Hash> field_hashes;  // salted per-field hashes (selective disclosure)
  // The one utilisation claim, when made; an amendment inherits its predecessor's claim (with
  // "inherited_from": the doc_id that was utilised).
  nlohmann::json utilisation = nullptr;
  nlohmann::json history =
      nlohmann::json::array();  // [{"status","at_ms","height","tx_id","by","reason"}]
  uint64_t height = 0;
  std::string tx_id;

  nlohmann::json to_json() const;
  static core::Result<DocumentRecord> from_json(const nlohmann::json& j);
  // The status as of `at_ms`, from history ("NOT_ISSUED" before anchored_at_ms: a document is
  // not on the ledger before the block that anchored it, whatever its signing time claims).
  std::string status_at(uint64_t at_ms) const;
};

// The stored document, or nullopt. kCorruption for a record that does not parse.
core::Result<std::optional<DocumentRecord>> load_document(ReadContext& ctx,
                                                          std::string_view doc_id);

}  // namespace silk::contracts
