// Selective disclosure for the `documents` contract (documents.h): salted, name-bound field hashes
// whose RFC 6962 root is a disclosable document's doc_hash, and the holder's redactable copy.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/status.h"

namespace silk::contracts {

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

}  // namespace silk::contracts
