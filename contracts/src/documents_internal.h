// What the documents files share (documents.cpp the contract, document_record.cpp the records,
// verdict.cpp the verdict): state keys, descriptions of a record's status and the standing of a
// seal. Private to the contracts module.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "silk/contracts/contract.h"
#include "silk/contracts/document_record.h"
#include "silk/contracts/identity.h"
#include "silk/core/genesis.h"
#include "silk/core/status.h"
#include "silk/core/x509.h"

namespace silk::contracts::docs {

inline constexpr std::string_view kContract = "documents";
inline constexpr std::string_view kCertificateOfOrigin = "certificate_of_origin";
inline constexpr std::string_view kTypeIndexKey = "type_index";

// Keys inside the documents namespace.
inline std::string doc_key(std::string_view doc_id) { return "doc/" + std::string(doc_id); }
inline std::string type_key(std::string_view code) { return "type/" + std::string(code); }
inline std::string hash_key(const core::Hash& h) { return "hash/" + core::to_hex(h); }

std::string join(const std::vector<std::string>& v);
bool has_any_role(const core::Member& m, const std::vector<std::string>& roles);
// "role issuer of org1".
std::string describe_sender(const core::Member& m);

// A history entry's field, or ""/0 when it has none.
std::string str_field(const nlohmann::json& e, std::string_view name);
uint64_t u64_field(const nlohmann::json& e, std::string_view name);
// Whether a history entry changes the status (utilisation entries do not).
bool changes_status(const nlohmann::json& e);
// "REVOKED since 2026-...Z (keyCompromise)", "SUPERSEDED since ... by doc-2", "ACTIVE since ...".
std::string describe_state(const DocumentRecord& r, const std::string& status,
                           const nlohmann::json* e);
// "document X is REVOKED since ..." from the last status-changing entry.
std::string describe_now(const DocumentRecord& r);
// "reference R by org2 in SG at T (height H, tx X; claimed on OLD, which it amends)".
std::string describe_utilisation(const nlohmann::json& u);

// The type (registered or seeded), or kNotFound naming it.
core::Result<DocumentType> require_type(ReadContext& ctx, std::string_view code);
// The record, or kNotFound naming it.
core::Result<DocumentRecord> require_document(ReadContext& ctx, std::string_view doc_id);

// The standing, at poe_ms, of a seal's certificate and of the consortium CA that issued it (when
// a consortium CA did): validity windows, revocation and freezing (identity.h's
// certificate_standing), as the chain had recorded them by known_at_ms. The first that fails,
// or "valid".
core::Result<CertStanding> seal_standing(ReadContext& ctx, const core::Certificate& cert,
                                         uint64_t poe_ms, uint64_t known_at_ms);

}  // namespace silk::contracts::docs
