// `silk doc ...` (trade_commands.h): issuing with an e-signature, selective disclosure and the
// five-fragment verification.
#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "silk/client/http_client.h"
#include "silk/contracts/documents.h"
#include "silk/core/crypto.h"
#include "silk/core/file_io.h"
#include "silk/core/genesis.h"
#include "silk/core/qr_code.h"
#include "silk/core/verify_link.h"
#include "silk/core/x509.h"
#include "silk/tools/file_hash.h"
#include "silk/tools/signer.h"
#include "silk/tools/trade_commands.h"
#include "silk/tools/tx_commands.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Disclosable and manifest files are read whole; documents themselves are hashed streaming.
constexpr uintmax_t kMaxJsonFileBytes = 16u << 20;
constexpr size_t kSaltBytes = 32;

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string time_of(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return "";
  return core::format_time_ms(it->get<uint64_t>());
}

Result<json> read_json_file(const std::string& option, const std::string& path) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) return Status::not_found(option + " " + path + " cannot be read: " + ec.message());
  if (size > kMaxJsonFileBytes) return Status::invalid(option + " " + path + " is too large");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(option + " " + path + " cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::invalid(option + " " + path + " is not valid JSON");
  return j;
}

// Writes a new file (never overwrites).
Status write_new_file(const std::string& path, const std::string& text) {
  if (fs::exists(path)) {
    return Status::conflict(path + " already exists; remove it or choose another name");
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::io_error("cannot write " + path);
  out << text;
  out.close();
  if (!out) return Status::io_error("cannot write " + path);
  return Status::ok();
}

bool is_doc_id(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
           c == '/' || c == '-';
  });
}

Status check_doc_id(const std::string& option, const std::string& id) {
  if (id.empty()) return Status::invalid(option + " is required");
  if (!is_doc_id(id)) {
    return Status::invalid(option + " \"" + id +
                           "\" is not a document id (1-128 of A-Z a-z 0-9 . _ : / -)");
  }
  return Status::ok();
}

bool is_type_code(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string disclosable_path(const std::string& file) { return file + ".disclosable.json"; }

// The signer of the e-signature: the seal key (with its own passphrase file when given) or null
// for the tx signer.
Result<std::optional<Signer>> load_seal(CommandContext& ctx, const DocIssueOptions& o) {
  if (o.seal_key.empty()) {
    if (!o.seal_cert.empty()) return Status::invalid("--seal-cert needs --seal-key");
    if (!o.seal_passphrase_file.empty()) {
      return Status::invalid("--seal-passphrase-file needs --seal-key");
    }
    return std::optional<Signer>();
  }
  if (o.seal_passphrase_file.empty()) {
    SILK_ASSIGN_OR_RETURN(Signer seal, Signer::load(ctx, o.seal_key, o.seal_cert));
    return std::optional<Signer>(std::move(seal));
  }
  CommandContext seal_ctx(ctx.node_url(),
                          PassphraseSource(o.seal_passphrase_file, std::nullopt, {}), ctx.clock());
  SILK_ASSIGN_OR_RETURN(Signer seal, Signer::load(seal_ctx, o.seal_key, o.seal_cert));
  return std::optional<Signer>(std::move(seal));
}

// Adds issued_at_ms, signature and signer_cert | signer_key to content args.
void sign_issue_args(json& args, const Signer& seal, uint64_t issued_at_ms) {
  auto hash = core::hash_from_hex(args["doc_hash"].get<std::string>());
  const std::string statement = contracts::signing_statement(
      args["doc_id"].get<std::string>(), args["type"].get<std::string>(), *hash, issued_at_ms);
  const core::Signature sig = seal.key().sign(core::as_span(statement));
  args["issued_at_ms"] = issued_at_ms;
  args["signature"] = core::to_hex(core::ByteSpan(sig.data(), sig.size()));
  if (seal.identity().cert) {
    args["signer_cert"] = seal.identity().cert->pem();
  } else {
    const core::PublicKey& pk = seal.identity().public_key;
    args["signer_key"] = core::to_hex(core::ByteSpan(pk.data(), pk.size()));
  }
}

// run_signed_call with a signer already loaded (issue needs the key before the call).
Result<CommandOutput> submit_signed(CommandContext& ctx, const Signer& signer,
                                    const SignedCallOptions& options, const std::string& method,
                                    const json& args, const std::string& headline,
                                    const std::string& contract = "documents") {
  SILK_ASSIGN_OR_RETURN(CallOutcome outcome,
                        submit_call(ctx, signer, options.call, contract, method, args));
  json result = outcome.result;
  if (result.is_string()) {
    json parsed = json::parse(result.get<std::string>(), nullptr, false);
    if (!parsed.is_discarded()) result = std::move(parsed);
  }
  CommandOutput out;
  out.json = result.is_object() ? result : json::object();
  out.json["tx_id"] = outcome.tx_id;
  out.json["height"] = outcome.height ? json(*outcome.height) : json(nullptr);
  out.json["ok"] = outcome.ok;
  out.json["receipt"] = outcome.summary;
  out.json["result"] = result;
  out.json["args"] = args;
  std::ostringstream text;
  if (outcome.ok) {
    text << headline;
  } else {
    text << contract << "." << method << " failed: " << outcome.summary << "\n";
    out.exit_code = 1;
    out.error = contract + "." + method + " failed: " + outcome.summary;
  }
  text << "  tx       " << outcome.tx_id << "\n";
  if (outcome.height) text << "  height   " << *outcome.height << "\n";
  text << "  signer   " << signer.identity().describe() << "\n";
  out.text = text.str();
  return out;
}

std::string seal_line(const Signer& seal) {
  return "  sealed   " + seal.identity().describe() + "\n";
}

}  // namespace

Result<json> doc_issue_content_args(const DocIssueOptions& o, json* disclosable_out) {
  SILK_RETURN_IF_ERROR(check_doc_id("--doc-id", o.doc_id));
  if (o.type.empty()) return Status::invalid("--type is required (e.g. certificate_of_origin)");
  if (!is_type_code(o.type)) {
    return Status::invalid("--type \"" + o.type +
                           "\" is not a document type code (1-64 of a-z 0-9 _, e.g. "
                           "certificate_of_origin)");
  }
  if (!o.label.empty() && o.label != "general" && o.label != "important" && o.label != "core") {
    return Status::invalid("--label \"" + o.label + "\" is not one of general, important, core");
  }
  json parties = json::object();
  for (const std::string& p : o.parties) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
      return Status::invalid("--party \"" + p + "\" is not ROLE=ORG (e.g. seller=org1)");
    }
    const std::string org = p.substr(eq + 1);
    SILK_RETURN_IF_ERROR(check_org_option("--party " + p.substr(0, eq), org));
    if (parties.contains(p.substr(0, eq))) {
      return Status::invalid("--party " + p.substr(0, eq) + " given twice");
    }
    parties[p.substr(0, eq)] = org;
  }
  if (!o.jurisdiction.empty()) {
    SILK_RETURN_IF_ERROR(check_jurisdiction_option("--jurisdiction", o.jurisdiction));
  }
  if (o.file.empty()) return Status::invalid("FILE is required");

  json args = {{"doc_id", o.doc_id}, {"type", o.type}};
  if (o.disclosable) {
    SILK_ASSIGN_OR_RETURN(json fields, read_json_file("FILE", o.file));
    if (!fields.is_object() || fields.empty()) {
      return Status::invalid("FILE " + o.file +
                             " must be a JSON object of fields {\"name\": value, ...} with "
                             "--disclosable");
    }
    std::map<std::string, std::string> salts;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      std::array<uint8_t, kSaltBytes> salt{};
      randombytes_buf(salt.data(), salt.size());
      salts[it.key()] = core::to_hex(core::ByteSpan(salt.data(), salt.size()));
    }
    auto doc = contracts::DisclosableDocument::make(fields, salts);
    if (!doc.is_ok()) return doc.status().with_context("FILE " + o.file);
    json hashes = json::array();
    for (const core::Hash& h : doc->field_hashes()) hashes.push_back(core::to_hex(h));
    args["doc_hash"] = core::to_hex(doc->root());
    args["field_hashes"] = std::move(hashes);
    if (disclosable_out != nullptr) *disclosable_out = doc->to_json();
  } else {
    auto digest = hash_file(o.file);
    if (!digest.is_ok()) return digest.status().with_context("FILE");
    args["doc_hash"] = core::to_hex(digest->sha256);
  }
  if (!o.jurisdiction.empty()) args["jurisdiction"] = o.jurisdiction;
  if (!parties.empty()) args["parties"] = std::move(parties);
  if (!o.label.empty()) args["label"] = o.label;
  if (o.personal_data) args["personal_data"] = true;
  return args;
}

namespace {

// Content args, the disclosable copy written, the e-signature added.
Result<json> signed_issue_args(CommandContext& ctx, const Signer& signer,
                               const std::optional<Signer>& seal, const DocIssueOptions& o,
                               std::string* disclosable_written) {
  if (o.disclosable && fs::exists(disclosable_path(o.file))) {
    return Status::conflict(disclosable_path(o.file) +
                            " already exists (the salts of an earlier issue?); move it away first");
  }
  json disclosable;
  SILK_ASSIGN_OR_RETURN(json args, doc_issue_content_args(o, &disclosable));
  if (o.disclosable) {
    SILK_RETURN_IF_ERROR(write_new_file(disclosable_path(o.file), disclosable.dump(2) + "\n"));
    if (disclosable_written != nullptr) *disclosable_written = disclosable_path(o.file);
  }
  uint64_t signed_at = ctx.clock().now_ms();
  if (!o.signed_at.empty()) {
    SILK_ASSIGN_OR_RETURN(signed_at, parse_time_option("--signed-at", o.signed_at));
  }
  sign_issue_args(args, seal ? *seal : signer, signed_at);
  return args;
}

}  // namespace

Result<CommandOutput> run_doc_issue(CommandContext& ctx, const SignedCallOptions& signer_options,
                                    const DocIssueOptions& o) {
  SILK_RETURN_IF_ERROR(doc_issue_content_args(o, nullptr).status());  // cheap checks first
  SILK_ASSIGN_OR_RETURN(std::optional<Signer> seal, load_seal(ctx, o));
  SILK_ASSIGN_OR_RETURN(Signer signer,
                        Signer::load(ctx, signer_options.key_file, signer_options.signer_cert));
  std::string written;
  SILK_ASSIGN_OR_RETURN(json args, signed_issue_args(ctx, signer, seal, o, &written));
  std::string headline = "issued " + o.doc_id + " (" + o.type + ")\n  doc hash " +
                         args["doc_hash"].get<std::string>() + "\n";
  if (!written.empty()) {
    headline += "  wrote    " + written + " (the salted fields: keep it; disclose from it)\n";
  }
  headline += seal_line(seal ? *seal : signer);
  SILK_ASSIGN_OR_RETURN(CommandOutput out,
                        submit_signed(ctx, signer, signer_options, "issue", args, headline));
  if (!written.empty()) out.json["disclosable_file"] = written;
  return out;
}

namespace {

// documents.amend or ebl.amend: the new version's issue args signed like issue.
Result<CommandOutput> run_amend(CommandContext& ctx, const SignedCallOptions& signer_options,
                                const std::string& old_id, const DocIssueOptions& given,
                                const std::string& contract, const std::string& reason) {
  SILK_RETURN_IF_ERROR(check_doc_id("OLD_ID", old_id));
  DocIssueOptions o = given;
  if (o.type.empty()) {  // the amendment has the old document's type
    SILK_RETURN_IF_ERROR(check_doc_id("--doc-id", o.doc_id));
    SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
    SILK_ASSIGN_OR_RETURN(json old, node->query("documents", "document", json{{"doc_id", old_id}}));
    o.type = str(old, "type");
  }
  SILK_RETURN_IF_ERROR(doc_issue_content_args(o, nullptr).status());
  if (o.doc_id == old_id) return Status::invalid("--doc-id must differ from OLD_ID");
  SILK_ASSIGN_OR_RETURN(std::optional<Signer> seal, load_seal(ctx, o));
  SILK_ASSIGN_OR_RETURN(Signer signer,
                        Signer::load(ctx, signer_options.key_file, signer_options.signer_cert));
  std::string written;
  SILK_ASSIGN_OR_RETURN(json new_args, signed_issue_args(ctx, signer, seal, o, &written));
  json args = {{"doc_id", old_id}, {"new", new_args}};
  if (!reason.empty()) args["reason"] = reason;
  std::string headline = "amended " + old_id + ": superseded by " + o.doc_id + " (" + o.type +
                         ")\n  doc hash " + new_args["doc_hash"].get<std::string>() + "\n";
  if (contract == "ebl") {
    headline += "  eBL      " + old_id + " voided; " + o.doc_id +
                " reissued to the holder that surrendered it\n";
  }
  if (!written.empty()) headline += "  wrote    " + written + "\n";
  headline += seal_line(seal ? *seal : signer);
  SILK_ASSIGN_OR_RETURN(CommandOutput out, submit_signed(ctx, signer, signer_options, "amend", args,
                                                         headline, contract));
  if (!written.empty()) out.json["disclosable_file"] = written;
  return out;
}

}  // namespace

Result<CommandOutput> run_doc_amend(CommandContext& ctx, const SignedCallOptions& signer_options,
                                    const std::string& old_id, const DocIssueOptions& given) {
  return run_amend(ctx, signer_options, old_id, given, "documents", "");
}

Result<CommandOutput> run_ebl_amend(CommandContext& ctx, const SignedCallOptions& signer_options,
                                    const std::string& old_id, const DocIssueOptions& given,
                                    const std::string& reason) {
  return run_amend(ctx, signer_options, old_id, given, "ebl", reason);
}

Result<CommandOutput> run_doc_bulk_issue(CommandContext& ctx,
                                         const SignedCallOptions& signer_options,
                                         const DocIssueOptions& common,
                                         const std::string& manifest) {
  if (manifest.empty()) return Status::invalid("--manifest is required");
  SILK_ASSIGN_OR_RETURN(json entries, read_json_file("--manifest", manifest));
  if (!entries.is_array() || entries.empty()) {
    return Status::invalid("--manifest " + manifest +
                           " must be a non-empty JSON array of {file, type, doc_id, label?}");
  }
  if (entries.size() > contracts::kMaxBulkDocuments) {
    return Status::invalid("--manifest " + manifest + " lists " + std::to_string(entries.size()) +
                           " documents; at most " + std::to_string(contracts::kMaxBulkDocuments));
  }
  const fs::path base = fs::path(manifest).parent_path();
  std::vector<DocIssueOptions> docs;
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    const std::string where = "--manifest entry " + std::to_string(i);
    if (!e.is_object()) return Status::invalid(where + " is not an object");
    for (auto it = e.begin(); it != e.end(); ++it) {
      if (it.key() != "file" && it.key() != "type" && it.key() != "doc_id" && it.key() != "label") {
        return Status::invalid(where + " has unknown field \"" + it.key() + "\"");
      }
      if (!it->is_string()) return Status::invalid(where + " field " + it.key() + " not a string");
    }
    DocIssueOptions d = common;
    d.file = str(e, "file");
    if (d.file.empty()) return Status::invalid(where + " has no file");
    if (fs::path(d.file).is_relative()) d.file = (base / d.file).string();
    d.type = str(e, "type");
    d.doc_id = str(e, "doc_id");
    if (e.contains("label")) d.label = str(e, "label");
    auto checked = doc_issue_content_args(d, nullptr);
    if (!checked.is_ok()) return checked.status().with_context(where + " (" + d.doc_id + ")");
    docs.push_back(std::move(d));
  }
  SILK_ASSIGN_OR_RETURN(std::optional<Signer> seal, load_seal(ctx, common));
  SILK_ASSIGN_OR_RETURN(Signer signer,
                        Signer::load(ctx, signer_options.key_file, signer_options.signer_cert));
  json list = json::array();
  for (const DocIssueOptions& d : docs) {
    SILK_ASSIGN_OR_RETURN(json a, doc_issue_content_args(d, nullptr));
    sign_issue_args(a, seal ? *seal : signer, ctx.clock().now_ms());
    list.push_back(std::move(a));
  }
  std::string headline = "issued " + std::to_string(list.size()) + " documents\n";
  for (const json& a : list) {
    headline += "  " + a["doc_id"].get<std::string>() + "  " + a["type"].get<std::string>() + "  " +
                a["doc_hash"].get<std::string>() + "\n";
  }
  headline += seal_line(seal ? *seal : signer);
  return submit_signed(ctx, signer, signer_options, "bulk_issue", json{{"documents", list}},
                       headline);
}

Result<CommandOutput> run_doc_disclose(const DocDiscloseOptions& o) {
  if (o.in.empty()) return Status::invalid("DISCLOSABLE.json is required");
  if (o.out.empty()) return Status::invalid("--out is required");
  const std::vector<std::string> hide = split_list(o.hide);
  if (hide.empty()) return Status::invalid("--hide is required (FIELD[,FIELD...])");
  SILK_ASSIGN_OR_RETURN(json j, read_json_file("DISCLOSABLE.json", o.in));
  auto doc = contracts::DisclosableDocument::from_json(j);
  if (!doc.is_ok()) return doc.status().with_context(o.in);
  auto redacted = doc->redact(hide);
  if (!redacted.is_ok()) return redacted.status().with_context("--hide");
  const core::Hash root = redacted->root();
  if (root != doc->root()) return Status::internal("redaction changed the root");
  SILK_RETURN_IF_ERROR(write_new_file(o.out, redacted->to_json().dump(2) + "\n"));
  CommandOutput out;
  std::ostringstream t;
  t << "wrote " << o.out << ": " << redacted->fields.size() << " field"
    << (redacted->fields.size() == 1 ? "" : "s") << " disclosed, " << redacted->hidden.size()
    << " hidden\n";
  t << "  hidden  ";
  bool first = true;
  for (const auto& [name, hash] : redacted->hidden) {
    t << (first ? "" : ", ") << name;
    first = false;
  }
  t << "\n  root    " << core::to_hex(root) << " (unchanged: it still verifies)\n";
  out.text = t.str();
  json hidden = json::array();
  for (const auto& [name, hash] : redacted->hidden) hidden.push_back(name);
  json disclosed = json::array();
  for (const auto& [name, field] : redacted->fields) disclosed.push_back(name);
  out.json = {
      {"file", o.out}, {"root", core::to_hex(root)}, {"hidden", hidden}, {"disclosed", disclosed}};
  return out;
}

Result<core::Hash> presented_hash_of_file(const std::string& path, std::string* kind_out) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (!ec && size <= kMaxJsonFileBytes) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object() && j.contains("fields") && j["fields"].is_object()) {
      auto doc = contracts::DisclosableDocument::from_json(j);
      if (!doc.is_ok()) return doc.status().with_context("FILE " + path + " (disclosable)");
      if (kind_out != nullptr) *kind_out = "disclosable root";
      return doc->root();
    }
  }
  auto digest = hash_file(path);
  if (!digest.is_ok()) return digest.status().with_context("FILE");
  if (kind_out != nullptr) *kind_out = "sha256";
  return digest->sha256;
}

std::string time_ago(uint64_t then_ms, uint64_t now_ms) {
  if (then_ms > now_ms) {
    return std::to_string((then_ms - now_ms + 999) / 1000) + " s ahead of this clock";
  }
  const uint64_t s = (now_ms - then_ms) / 1000;
  if (s == 0) return "just now";
  if (s < 60) return std::to_string(s) + " s ago";
  if (s < 3600) return std::to_string(s / 60) + " min ago";
  if (s < 2 * 86400) return std::to_string(s / 3600) + " h ago";
  return std::to_string(s / 86400) + " days ago";
}

CommandOutput verdict_output(const json& v, const VerdictAsOf& as_of) {
  CommandOutput out;
  std::ostringstream t;
  t << "document " << str(v, "doc_id") << " as verified by " << str(v, "verifying_jurisdiction");
  if (!str(v, "verifying_org").empty()) t << " (recipient " << str(v, "verifying_org") << ")";
  const std::string at = time_of(v, "at_ms");
  if (as_of.at_given && !at.empty()) {
    t << " at " << at << " (--at)";
  } else if (as_of.height && !at.empty()) {
    t << " as of block " << *as_of.height << " (time " << at << ", "
      << time_ago(v.value("at_ms", uint64_t{0}), as_of.now_ms) << ")";
  } else if (!at.empty()) {
    t << " at " << at;
  }
  t << "\n";
  if (v.value("poe_ms", uint64_t{0}) != 0) {
    t << "signed      " << time_of(v, "poe_ms")
      << " (proof of existence: the anchoring block; claimed " << time_of(v, "claimed_signing_ms")
      << ")\n";
  }
  if (auto title = v.find("title"); title != v.end() && title->is_object()) {
    t << "title       eBL " << str(*title, "status") << ": holder " << str(*title, "holder")
      << ", owner "
      << (str(*title, "owner").empty() ? std::string("(none named)") : str(*title, "owner"))
      << ", carrier " << str(*title, "carrier") << "\n";
  }
  std::string failing;
  if (auto f = v.find("fragments"); f != v.end() && f->is_array()) {
    for (const json& frag : *f) {
      std::string name = str(frag, "name");
      std::string result = str(frag, "result");
      if (result != "valid") failing += (failing.empty() ? "" : ", ") + name + " " + result;
      name.resize(std::max<size_t>(name.size(), 12), ' ');
      result.resize(std::max<size_t>(result.size(), 8), ' ');
      t << name << result << str(frag, "reason") << "\n";
    }
  }
  const std::string overall = str(v, "overall").empty() ? "error" : str(v, "overall");
  t << "overall: " << overall << "\n";
  out.text = t.str();
  out.json = v;
  if (overall != "valid") {
    out.exit_code = 1;
    out.error = "document " + str(v, "doc_id") + " is " + overall + " for " +
                str(v, "verifying_jurisdiction") +
                (failing.empty() ? std::string() : ": " + failing);
  }
  return out;
}

Result<CommandOutput> run_doc_verify(CommandContext& ctx, const DocVerifyOptions& o) {
  if (o.file.empty() && o.doc_id.empty()) return Status::invalid("give FILE or --doc-id ID");
  if (!o.doc_id.empty()) SILK_RETURN_IF_ERROR(check_doc_id("--doc-id", o.doc_id));
  SILK_RETURN_IF_ERROR(check_jurisdiction_option("--as", o.as));
  if (!o.org.empty()) SILK_RETURN_IF_ERROR(check_org_option("--org", o.org));
  json body = json::object();
  SILK_RETURN_IF_ERROR(add_time_arg(body, "at_ms", "--at", o.at));
  std::optional<core::Hash> presented;
  std::string kind;
  if (!o.file.empty()) {
    SILK_ASSIGN_OR_RETURN(presented, presented_hash_of_file(o.file, &kind));
  }
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  std::string doc_id = o.doc_id;
  if (doc_id.empty()) {
    const std::string hex = core::to_hex(*presented);
    auto found = node->get("/v1/state?key=" + url_encode_query("documents/hash/" + hex));
    if (!found.is_ok()) {
      if (found.status().code() == Status::Code::kNotFound) {
        return Status::not_found("no document anchors " + hex + " (the " + kind + " of " + o.file +
                                 "): not issued on this chain, or the content was changed");
      }
      return found.status();
    }
    const json value = found->value("value", json());
    doc_id = value.is_string() ? value.get<std::string>() : str(value, "doc_id");
    if (doc_id.empty()) {
      return Status::invalid("node answered documents/hash/" + hex + " without a doc_id");
    }
  }
  body["doc_id"] = doc_id;
  body["jurisdiction"] = o.as;
  if (presented) body["presented_hash"] = core::to_hex(*presented);
  if (!o.org.empty()) body["org"] = o.org;
  SILK_ASSIGN_OR_RETURN(json answer, node->post("/v1/verify", body));
  auto result = answer.find("result");
  if (!answer.is_object() || result == answer.end() || !result->is_object()) {
    return Status::invalid("node at " + node->url().to_string() +
                           " answered /v1/verify without a verdict");
  }
  VerdictAsOf as_of;
  if (auto h = answer.find("height"); h != answer.end() && h->is_number_unsigned()) {
    as_of.height = h->get<uint64_t>();
  }
  as_of.now_ms = ctx.clock().now_ms();
  as_of.at_given = !o.at.empty();
  CommandOutput out = verdict_output(*result, as_of);
  if (presented) {
    out.text =
        "presented " + kind + " " + core::to_hex(*presented) + " of " + o.file + "\n" + out.text;
  }
  return out;
}

namespace {

// The link and the doc_hash it carries, from the node's documents.document.
Result<std::pair<std::string, std::string>> verification_link_of(CommandContext& ctx,
                                                                 const DocLinkOptions& o) {
  SILK_RETURN_IF_ERROR(check_doc_id("DOC_ID", o.doc_id));
  if (!o.as.empty()) SILK_RETURN_IF_ERROR(check_jurisdiction_option("--as", o.as));
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  SILK_ASSIGN_OR_RETURN(json answer, node->post("/v1/query", {{"contract", "documents"},
                                                              {"method", "document"},
                                                              {"args", {{"doc_id", o.doc_id}}}}));
  const json record = answer.value("result", json());
  const std::string hash = str(record, "doc_hash");
  if (hash.empty()) {
    return Status::invalid("node at " + node->url().to_string() + " gave no doc_hash for " +
                           o.doc_id);
  }
  // Where the node sends verifiers: its public verification listener when it has one.
  std::string base = node->url().to_string();
  if (Result<json> chain = node->get("/v1/chain"); chain.is_ok()) {
    const std::string verify_base = str(*chain, "verify_base");
    if (!verify_base.empty()) base = verify_base;
  }
  return std::pair{core::verification_link(base, o.doc_id, hash, o.as), hash};
}

}  // namespace

Result<CommandOutput> run_doc_link(CommandContext& ctx, const DocLinkOptions& o) {
  SILK_ASSIGN_OR_RETURN(auto link, verification_link_of(ctx, o));
  CommandOutput out;
  out.text = link.first + "\n";
  out.json = {{"doc_id", o.doc_id}, {"doc_hash", link.second}, {"url", link.first}};
  return out;
}

Result<CommandOutput> run_doc_qr(CommandContext& ctx, const DocLinkOptions& o) {
  const bool png = o.out.size() > 4 && o.out.substr(o.out.size() - 4) == ".png";
  const bool svg = o.out.size() > 4 && o.out.substr(o.out.size() - 4) == ".svg";
  if (!png && !svg) {
    return Status::invalid("--out \"" + o.out + "\": name a .png or an .svg file");
  }
  SILK_ASSIGN_OR_RETURN(auto link, verification_link_of(ctx, o));
  SILK_ASSIGN_OR_RETURN(core::QrCode code, core::QrCode::encode(link.first));
  std::string bytes;
  if (png) {
    SILK_ASSIGN_OR_RETURN(core::Bytes image, code.to_png(8));
    bytes.assign(image.begin(), image.end());
  } else {
    bytes = code.to_svg(8, "verify " + o.doc_id + ": " + link.first);
  }
  SILK_RETURN_IF_ERROR(core::write_new_file(o.out, bytes, 0644));
  CommandOutput out;
  out.text = "wrote " + o.out + " (QR code, " + std::to_string(code.size()) + "x" +
             std::to_string(code.size()) + " modules) for\n" + link.first + "\n";
  out.json = {{"doc_id", o.doc_id},
              {"doc_hash", link.second},
              {"url", link.first},
              {"file", o.out},
              {"modules", code.size()}};
  return out;
}

std::string format_document(const json& r) {
  std::ostringstream t;
  t << "document " << str(r, "doc_id") << "  " << str(r, "type") << "  " << str(r, "status");
  if (!str(r, "status_at").empty() && str(r, "status_at") != str(r, "status")) {
    t << " (at " << time_of(r, "at_ms") << ": " << str(r, "status_at") << ")";
  }
  t << "\n";
  t << "  doc hash      " << str(r, "doc_hash") << "\n";
  t << "  issued        " << time_of(r, "anchored_at_ms") << " by " << str(r, "issuer_org") << " ("
    << str(r, "jurisdiction") << "), height " << str(r, "height")
    << " (proof of existence; claimed signing time " << time_of(r, "issued_at_ms") << ")\n";
  if (!str(r, "signer_cert").empty()) {
    auto cert = core::parse_certificate(str(r, "signer_cert"));
    if (cert.is_ok()) t << "  signed by     " << core::format_dn(cert->subject()) << "\n";
  }
  if (!str(r, "signer_key").empty()) t << "  signer key    " << str(r, "signer_key") << "\n";
  t << "  label         " << (str(r, "label").empty() ? "general" : str(r, "label"))
    << (r.value("personal_data", false) ? ", personal data" : "") << "\n";
  if (auto p = r.find("parties"); p != r.end() && p->is_object() && !p->empty()) {
    t << "  parties      ";
    for (auto it = p->begin(); it != p->end(); ++it) {
      t << " " << it.key() << "=" << (it->is_string() ? it->get<std::string>() : it->dump());
    }
    t << "\n";
  }
  if (auto f = r.find("field_hashes"); f != r.end() && f->is_array() && !f->empty()) {
    t << "  disclosable   " << f->size() << " salted field hashes\n";
  }
  if (!str(r, "revocation_reason").empty()) {
    t << "  revoked       " << str(r, "revocation_reason") << "\n";
  }
  if (!str(r, "supersedes").empty()) t << "  supersedes    " << str(r, "supersedes") << "\n";
  if (!str(r, "superseded_by").empty()) {
    t << "  superseded by " << str(r, "superseded_by") << "\n";
  }
  if (auto u = r.find("utilisation"); u != r.end() && u->is_object()) {
    t << "  utilised      reference " << str(*u, "reference") << " by " << str(*u, "claimant_org")
      << " (" << str(*u, "jurisdiction") << ") at " << time_of(*u, "at_ms") << ", height "
      << str(*u, "height");
    if (!str(*u, "inherited_from").empty())
      t << " (claimed on " << str(*u, "inherited_from") << ")";
    t << "\n";
  }
  return t.str();
}

std::string format_history(const json& r) {
  std::ostringstream t;
  t << "document " << str(r, "doc_id") << "  " << str(r, "status") << "\n";
  // The merged timeline (status events, eBL endorsements, cross-border shares) when the node
  // gives one; else the status events alone.
  const bool merged = r.contains("timeline") && r["timeline"].is_array();
  const json& events = merged ? r["timeline"] : r.value("history", json::array());
  for (const json& item : events) {
    const json& e = merged ? item.value("detail", json::object()) : item;
    std::string source = merged ? str(item, "source") : "documents";
    std::string event = merged ? str(item, "event") : str(e, "event");
    source.resize(std::max<size_t>(source.size(), 9), ' ');
    event.resize(std::max<size_t>(event.size(), 22), ' ');
    t << "  " << time_of(merged ? item : e, "at_ms") << "  " << source << " " << event;
    if (!str(e, "status").empty()) t << " " << str(e, "status");
    if (!str(e, "actor").empty()) t << " " << str(e, "actor") << " -> " << str(e, "recipient");
    if (!str(e, "recipient_org").empty()) {
      t << " " << str(e, "exporter_org") << " (" << str(e, "from_jurisdiction") << ") -> "
        << str(e, "recipient_org") << " (" << str(e, "to_jurisdiction") << ")";
    }
    if (!str(e, "reason").empty() && str(e, "recipient_org").empty()) {
      t << "  (" << str(e, "reason") << ")";
    }
    if (merged && !str(item, "source").empty() && str(item, "source") == "trade") {
      t << " deal " << str(e, "deal_id");
    }
    t << "  height " << str(merged ? item : e, "height") << "\n";
    if (merged && !str(item, "signer").empty())
      t << "      signed by " << str(item, "signer") << "\n";
  }
  if (auto u = r.find("utilisation"); u != r.end() && u->is_object()) {
    t << "  tariff preference claimed: reference " << str(*u, "reference") << " by "
      << str(*u, "claimant_org") << "\n";
  }
  if (auto h = r.find("hold"); h != r.end() && h->is_object()) {
    t << "  HELD by deal " << str(*h, "deal_id") << " since " << time_of(*h, "since_ms") << ": "
      << str(*h, "reason") << "\n";
  }
  return t.str();
}

}  // namespace silk::tools
