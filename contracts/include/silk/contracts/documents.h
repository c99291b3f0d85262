// The `documents` contract (DESIGN.md §4, DOMAIN.md): a registry of trade document types and the
// documents issued under them, with their status events, amendments, utilisations and salted
// per-field hashes for selective disclosure; and the five-fragment verification verdict.
//
// Only hashes and metadata go on chain. A document is anchored by its issuer with a detached
// e-signature over the canonical signing statement (signing_statement below) and the signer's
// certificate, which may come from an authority on a jurisdiction's trust list rather than from a
// consortium CA.
//
// Records (full keys under "documents/"):
//   documents/type/<code>     a document type: {"code", "name", "transferable", "issuer_roles",
//                              "service_type", "un_code"}; seeded on first use from
//                              seed_document_types() (no tx needed for the seeded ones)
//   documents/doc/<doc_id>    the document record (DocumentRecord::to_json)
//   documents/hash/<hex>      the doc_id anchoring doc_hash <hex> (one document per hash)
//   documents/type_index      the sorted codes of the types registered by tx (JSON array)
// The methods and queries, with their exact args, are documented in documents.cpp's header
// comment and in docs/trade.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/contracts/contract.h"
#include "silk/core/bytes.h"
#include "silk/core/crypto.h"

namespace silk::contracts {

std::unique_ptr<Contract> make_documents_contract();

// The most documents one bulk_issue may carry.
inline constexpr size_t kMaxBulkDocuments = 1000;

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

// Selective disclosure (OpenAttestation style, with every leaf bound to its field's name): each
// field is salted and committed to,
//   value_commitment = SHA-256(salt_hex ":" canonical JSON of the value),
// and its leaf binds the field path (the name), the value and the salt:
//   field_hash = SHA-256("silk.field.v2" 0x00 u32be(len(name)) name value_commitment).
// A hidden field keeps its name and its value commitment, so a verifier recomputes its field hash:
// renaming a hidden field changes the root. The anchored doc_hash of a disclosable document is
// the RFC 6962 Merkle root of the sorted field hashes.
core::Hash value_commitment(std::string_view salt_hex, const nlohmann::json& value);
core::Hash field_hash(std::string_view name, const core::Hash& value_commitment);
// field_hash(name, value_commitment(salt_hex, value)).
core::Hash field_hash(std::string_view salt_hex, std::string_view name,
                      const nlohmann::json& value);

// The anchored root over field hashes: they are sorted (bytewise) and each becomes an RFC 6962
// leaf, merkle_root({merkle_leaf_hash(h) for h in sorted hashes}). Order of the input does not
// matter; duplicates are kept (issue refuses them).
core::Hash field_hashes_root(std::vector<core::Hash> field_hashes);

// A disclosable document: the holder's copy of the content, from which any subset of fields may
// be hidden while the whole still hashes to the anchored doc_hash. Its JSON form (what
// `silk doc disclose` writes and verify-a-file reads):
//   {"fields": {"<name>": {"salt": "<hex>", "value": <any JSON>}, ...},
//    "hidden": {"<name>": "<value_commitment hex>", ...}}
// "hidden" may be absent (nothing hidden). Names are 1-256 bytes and appear in only one of the
// two; salts are lower-case hex, 32-128 characters (16-64 random bytes: the CLI draws 32 with
// libsodium). doc_hash = root() = field_hashes_root(field_hash of every disclosed field and of
// every hidden (name, value commitment)). A verifier recomputes root() from a (possibly
// redacted) copy and presents it as presented_hash to the verify query.
struct DisclosableDocument {
  struct Field {
    std::string salt_hex;
    nlohmann::json value;
  };
  std::map<std::string, Field> fields;       // disclosed, by name
  std::map<std::string, core::Hash> hidden;  // redacted: name -> value commitment

  // From a JSON object of fields {name: value} and a salt per field {name: salt_hex}; kInvalid
  // when `fields` is not an object, a salt is missing or malformed, or a salt names no field.
  static core::Result<DisclosableDocument> make(const nlohmann::json& fields,
                                                const std::map<std::string, std::string>& salts);
  // Parses the JSON form above; kInvalid naming the field.
  static core::Result<DisclosableDocument> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  // A copy with `names` moved from fields to hidden (their commitments kept); kInvalid for a name
  // that is not a disclosed field. Hiding an already hidden name is kInvalid too.
  core::Result<DisclosableDocument> redact(const std::vector<std::string>& names) const;
  // Every field hash, disclosed and hidden, sorted.
  std::vector<core::Hash> field_hashes() const;
  // field_hashes_root(field_hashes()): the doc_hash to anchor, or the presented_hash to verify.
  core::Hash root() const;
};

// The verification verdict of DESIGN.md §4 for one document as seen by `verifying_jurisdiction`
// (and, for the data fragment, `verifying_org` when given). Each fragment is "valid", "invalid"
// or "error" with a reason; overall is "valid" only when all five are.
//
// What "as of" means (docs/trade.md, "Trusted time"): the claimed signing time is information,
// not evidence; the proof of existence (POE) is the block that anchored the signature. Status
// and data are judged at the verification time at_ms; issuer (certificate validity, revocation
// and freezing, the trust list) and recognition (the MRA) at the POE, with what the chain had
// recorded by at_ms (a key-compromise revocation recorded later may reach back before the POE).
// An event at exactly the POE counts: ties go against the signature.
struct Fragment {
  std::string name;    // integrity | status | issuer | recognition | data
  std::string result;  // valid | invalid | error
  std::string reason;
};
struct Verdict {
  std::string doc_id;
  std::string verifying_jurisdiction;
  std::string verifying_org;  // "" = any recipient in verifying_jurisdiction
  uint64_t at_ms = 0;         // the verification time
  // The proof of existence (the anchoring block's time) at which issuer and recognition are
  // judged, and the signing time the issuer claimed.
  uint64_t poe_ms = 0;
  uint64_t claimed_signing_ms = 0;
  // For a transferable record: its eBL title at at_ms (EblTitle::to_json, ebl.h), else null.
  nlohmann::json title = nullptr;
  std::vector<Fragment> fragments;
  std::string overall;  // valid | invalid | error
  nlohmann::json to_json() const;
};
// presented_hash: the hash of the content the verifier holds (nullopt = no content presented:
// integrity is checked against the record only). at_ms: the verification time (default tip time).
core::Result<Verdict> verify_document(ReadContext& ctx, std::string_view doc_id,
                                      const std::optional<core::Hash>& presented_hash,
                                      std::string_view verifying_jurisdiction,
                                      std::string_view verifying_org, uint64_t at_ms);

}  // namespace silk::contracts
