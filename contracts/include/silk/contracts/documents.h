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
//
// The contract's parts live in their own files: document_record.h (types, the record and its
// codec, the signing statement), disclosure.h (selective disclosure), verdict.h (the verdict).
#pragma once

#include <cstddef>
#include <memory>

#include "silk/contracts/contract.h"
#include "silk/contracts/disclosure.h"
#include "silk/contracts/document_record.h"
#include "silk/contracts/verdict.h"

namespace silk::contracts {

std::unique_ptr<Contract> make_documents_contract();

// The most documents one bulk_issue may carry.
inline constexpr size_t kMaxBulkDocuments = 1000;

}  // namespace silk::contracts
