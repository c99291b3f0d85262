#include "silk/tools/tx_commands.h"

#include <sodium.h>

#include <sstream>

#include "silk/core/key_file.h"
#include "silk/tools/tx_file.h"

namespace silk::tools {

using core::Result;
using core::Status;

uint64_t random_nonce() {
  uint64_t n = 0;
  randombytes_buf(&n, sizeof n);
  return n;
}

core::Tx make_tx(const std::string& chain_id, const core::PublicKey& sender,
                 const std::string& contract, const std::string& method,
                 const std::string& args_json, uint64_t nonce, uint64_t timestamp_ms) {
  core::Tx tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.timestamp_ms = timestamp_ms;
  tx.sender_kind = core::SenderKind::kPublicKey;
  tx.sender = sender;
  tx.contract = contract;
  tx.method = method;
  tx.args = args_json;
  return tx;
}

Result<std::string> resolve_chain_id(CommandContext& ctx,
                                     const std::optional<std::string>& explicit_id) {
  if (explicit_id) {
    if (explicit_id->empty()) return Status::invalid("--chain-id is empty");
    return *explicit_id;
  }
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  auto chain = node->get("/v1/chain");
  if (!chain.is_ok()) {
    return Status(chain.status().code(), "cannot fetch the chain id: " + chain.status().message());
  }
  auto it = chain->find("chain_id");
  if (it == chain->end() || !it->is_string() || it->get<std::string>().empty()) {
    return Status::invalid("node at " + node->url().to_string() +
                           " answered /v1/chain without a chain_id");
  }
  return it->get<std::string>();
}

Result<CommandOutput> run_tx_build(CommandContext& ctx, const TxBuildOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (options.contract.empty()) return Status::invalid("--contract is empty");
  if (options.method.empty()) return Status::invalid("--method is empty");
  SILK_ASSIGN_OR_RETURN(SenderIdentity sender,
                        load_sender_identity(options.key_file, options.cert_file));
  SILK_ASSIGN_OR_RETURN(std::string chain_id, resolve_chain_id(ctx, options.chain_id));

  // replace: arguments with invalid UTF-8 strings never throw here.
  const std::string args_json =
      options.args.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  core::Tx tx = sender.make_unsigned_tx(chain_id, options.contract, options.method, args_json,
                                        options.nonce.value_or(random_nonce()),
                                        options.timestamp_ms.value_or(ctx.clock().now_ms()));
  if (tx.encode().size() > core::Tx::kMaxEncodedBytes) {
    return Status::invalid("the tx would be larger than " +
                           std::to_string(core::Tx::kMaxEncodedBytes) + " bytes");
  }
  SILK_RETURN_IF_ERROR(write_tx_file(options.out, tx, /*is_signed=*/false));

  CommandOutput out;
  out.json = tx_file_json(tx, false);
  out.json["file"] = options.out;
  std::ostringstream text;
  text << "wrote unsigned tx to " << options.out << "\n"
       << "tx_id      " << core::to_hex(tx.tx_id()) << "\n"
       << "chain_id   " << tx.chain_id << "\n"
       << "call       " << tx.contract << "." << tx.method << " " << tx.args << "\n"
       << "sender     " << core::to_hex(tx.sender) << "\n";
  if (sender.cert) text << "signer     " << sender.describe() << "\n";
  text << "timestamp  " << tx.timestamp_ms << " (" << format_utc_ms(tx.timestamp_ms) << ")\n";
  out.text = text.str();
  return out;
}

Result<CommandOutput> run_tx_sign(CommandContext& ctx, const TxSignOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  SILK_ASSIGN_OR_RETURN(TxFile file, read_tx_file(options.in));
  // Check the public part first: no passphrase is asked for the wrong key.
  SILK_ASSIGN_OR_RETURN(core::PublicKey file_pk, core::read_key_file_public(options.key_file));
  core::PublicKey signer_pk = file.tx.sender;
  if (file.tx.sender_kind == core::SenderKind::kCertFingerprint) {
    // The certificate: the one the tx carries, else --cert or the key's .pem sibling.
    std::optional<core::Certificate> cert;
    if (!file.tx.sender_cert.empty()) {
      auto carried = core::parse_certificate(core::ByteSpan(file.tx.sender_cert));
      if (!carried.is_ok()) {
        return carried.status().with_context("tx file " + options.in + ": sender_cert");
      }
      cert = std::move(carried).value();
    } else {
      const std::string cert_path = signer_cert_file(options.key_file, options.cert_file);
      if (cert_path.empty()) {
        return Status::invalid("tx file " + options.in +
                               ": the sender is a certificate fingerprint and the tx does not "
                               "carry the certificate: give --cert");
      }
      SILK_ASSIGN_OR_RETURN(core::Certificate loaded, load_certificate_file(cert_path));
      cert = std::move(loaded);
    }
    if (cert->fingerprint() != file.tx.sender) {
      return Status::unauthorized("certificate " + core::format_dn(cert->subject()) +
                                  " (fingerprint " + core::to_hex(cert->fingerprint()) +
                                  ") is not the tx sender " + core::to_hex(file.tx.sender));
    }
    SILK_RETURN_IF_ERROR(check_key_matches_certificate(options.key_file, file_pk, *cert));
    signer_pk = cert->public_key();
  }
  auto mismatch = [&](const core::PublicKey& pk) {
    return Status::unauthorized("key " + options.key_file + " (public key " + core::to_hex(pk) +
                                ") is not the tx sender " + core::to_hex(file.tx.sender));
  };
  if (file_pk != signer_pk) return mismatch(file_pk);

  SILK_ASSIGN_OR_RETURN(Passphrase passphrase,
                        ctx.passphrase().get("key file " + options.key_file, false));
  SILK_ASSIGN_OR_RETURN(core::SecretKey key,
                        core::read_key_file(options.key_file, passphrase.str()));
  if (key.public_key() != signer_pk) return mismatch(key.public_key());

  file.tx.sign(key);
  if (!file.tx.verify_signature(signer_pk)) {
    return Status::internal("the new signature does not verify");
  }
  SILK_RETURN_IF_ERROR(write_tx_file(options.out, file.tx, /*is_signed=*/true));

  const std::string tx_id = core::to_hex(file.tx.tx_id());
  CommandOutput out;
  out.text = "signed tx " + tx_id + ", wrote " + options.out + "\n";
  out.json = {{"tx_id", tx_id},
              {"sender", core::to_hex(file.tx.sender)},
              {"signed", true},
              {"file", options.out}};
  return out;
}

std::string receipt_summary(const nlohmann::json& receipt) {
  uint64_t code = receipt.value("code", uint64_t{0});
  if (code == 0) return "ok";
  std::string name = receipt.value("code_name", std::string("code ") + std::to_string(code));
  std::string message = receipt.value("message", std::string());
  return message.empty() ? name : name + ": " + message;
}

Result<CallOutcome> submit_call(CommandContext& ctx, const Signer& signer,
                                const CallOptions& options, const std::string& contract,
                                const std::string& method, const nlohmann::json& args) {
  SILK_ASSIGN_OR_RETURN(std::string chain_id, resolve_chain_id(ctx, options.chain_id));
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  const std::string args_json = args.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  core::Tx tx =
      signer.make_tx(chain_id, contract, method, args_json, random_nonce(), ctx.clock().now_ms());
  if (tx.encode().size() > core::Tx::kMaxEncodedBytes) {
    return Status::invalid("the tx would be larger than " +
                           std::to_string(core::Tx::kMaxEncodedBytes) + " bytes");
  }
  nlohmann::json request = {
      {"tx", core::to_hex(tx.encode())}, {"wait", true}, {"timeout_ms", options.timeout_ms}};
  const auto http_timeout = std::chrono::milliseconds(options.timeout_ms + 10000);
  SILK_ASSIGN_OR_RETURN(nlohmann::json answer, node->post("/v1/tx", request, http_timeout));

  CallOutcome outcome;
  outcome.tx_id = answer.value("tx_id", core::to_hex(tx.tx_id()));
  if (auto h = answer.find("height"); h != answer.end() && h->is_number_unsigned()) {
    outcome.height = h->get<uint64_t>();
  }
  auto receipt = answer.find("receipt");
  if (answer.value("status", std::string()) != "committed" || receipt == answer.end() ||
      !receipt->is_object()) {
    outcome.summary = "not committed (status " + answer.value("status", std::string("?")) + ")";
  } else {
    outcome.summary = receipt_summary(*receipt);
    outcome.ok = receipt->value("code", uint64_t{1}) == 0;
    if (auto r = receipt->find("result"); r != receipt->end()) outcome.result = *r;
  }
  outcome.answer = std::move(answer);
  return outcome;
}

Result<CommandOutput> run_tx_submit(CommandContext& ctx, const TxSubmitOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  SILK_ASSIGN_OR_RETURN(TxFile file, read_tx_file(options.in));
  if (!file.is_signed) {
    return Status::invalid("tx file " + options.in + " is not signed: run `silk tx sign` first");
  }
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  nlohmann::json request = {{"tx", core::to_hex(file.tx.encode())}};
  if (options.wait) {
    request["wait"] = true;
    request["timeout_ms"] = options.timeout_ms;
  }
  const auto http_timeout = std::chrono::milliseconds(options.timeout_ms + 10000);
  SILK_ASSIGN_OR_RETURN(nlohmann::json answer, node->post("/v1/tx", request, http_timeout));

  CommandOutput out;
  out.json = answer;
  const std::string tx_id = answer.value("tx_id", core::to_hex(file.tx.tx_id()));
  std::ostringstream text;
  text << "tx_id    " << tx_id << "\n"
       << "status   " << answer.value("status", std::string("?")) << "\n";
  if (answer.contains("height")) {
    text << "height   " << answer["height"].dump();
    if (answer.contains("index")) text << " (index " << answer["index"].dump() << ")";
    text << "\n";
  }
  auto receipt = answer.find("receipt");
  if (receipt != answer.end() && receipt->is_object()) {
    const std::string summary = receipt_summary(*receipt);
    text << "receipt  " << summary << "\n";
    auto result = receipt->find("result");
    if (result != receipt->end() && !result->is_null() &&
        !(result->is_string() && result->get<std::string>().empty())) {
      text << "result   " << result->dump() << "\n";
    }
    if (receipt->value("code", uint64_t{0}) != 0) {
      out.exit_code = 1;
      out.error = "tx " + tx_id + " failed: " + summary;
    }
  }
  out.text = text.str();
  return out;
}

}  // namespace silk::tools
