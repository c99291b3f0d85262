#include "silk/tools/tx_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "silk/core/file_io.h"
#include "silk/core/x509.h"

namespace silk::tools {

using core::Result;
using core::Status;

namespace {

constexpr size_t kMaxTxFileBytes = 4 * core::Tx::kMaxEncodedBytes;

Status tx_file_invalid(const std::string& path, const std::string& why) {
  return Status::invalid("tx file " + path + ": " + why);
}

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::not_found("tx file " + path + " not found");
    return Status::io_error("cannot open tx file " + path + ": " + std::strerror(err));
  }
  std::string text;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::io_error("cannot read tx file " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxTxFileBytes) {
      ::close(fd);
      return tx_file_invalid(path, "larger than " + std::to_string(kMaxTxFileBytes) + " bytes");
    }
  }
  ::close(fd);
  return text;
}

}  // namespace

bool tx_signature_valid(const core::Tx& tx) {
  if (tx.sender_kind == core::SenderKind::kPublicKey) return tx.verify_signature(tx.sender);
  if (tx.sender_cert.empty()) return false;
  auto cert = core::parse_certificate(core::ByteSpan(tx.sender_cert));
  if (!cert.is_ok() || cert->fingerprint() != tx.sender) return false;
  return tx.verify_signature(cert->public_key());
}

nlohmann::json tx_file_json(const core::Tx& tx, bool is_signed) {
  nlohmann::json args = nlohmann::json::parse(tx.args, nullptr, /*allow_exceptions=*/false);
  if (args.is_discarded()) args = tx.args;  // not JSON: show it as text
  nlohmann::json doc = {
      {"tx", core::to_hex(tx.encode())},
      {"tx_id", core::to_hex(tx.tx_id())},
      {"signed", is_signed},
      {"summary",
       {
           {"chain_id", tx.chain_id},
           {"contract", tx.contract},
           {"method", tx.method},
           {"args", args},
           {"sender_kind",
            tx.sender_kind == core::SenderKind::kPublicKey ? "public_key" : "cert_fingerprint"},
           {"sender", core::to_hex(tx.sender)},
           {"nonce", tx.nonce},
           {"timestamp_ms", tx.timestamp_ms},
       }},
  };
  if (!tx.sender_cert.empty()) {
    nlohmann::json& summary = doc["summary"];
    summary["sender_cert"] = core::to_hex(tx.sender_cert);
    if (auto cert = core::parse_certificate(core::ByteSpan(tx.sender_cert)); cert.is_ok()) {
      summary["sender_subject"] = core::format_dn(cert->subject());
    }
  }
  return doc;
}

Status write_tx_file(const std::string& path, const core::Tx& tx, bool is_signed) {
  const std::string text = tx_file_json(tx, is_signed).dump(2) + "\n";
  // Write a temporary file beside the target, then rename it over: a reader
  // never sees half a file, and `--in x --out x` works.
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  std::string tmpl = (dir.empty() ? std::filesystem::path(".") : dir).string() + "/." +
                     target.filename().string() + ".XXXXXX";
  std::vector<char> tmp_name(tmpl.begin(), tmpl.end());
  tmp_name.push_back('\0');
  int fd = ::mkstemp(tmp_name.data());
  if (fd < 0) {
    return Status::io_error("cannot write tx file " + path + ": " + std::strerror(errno));
  }
  bool ok = ::fchmod(fd, 0644) == 0 && core::write_all(fd, text) && ::fsync(fd) == 0;
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && ::rename(tmp_name.data(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(tmp_name.data());
    return Status::io_error("cannot write tx file " + path + ": " + std::strerror(err));
  }
  return Status::ok();
}

Result<TxFile> read_tx_file(const std::string& path) {
  SILK_ASSIGN_OR_RETURN(std::string text, read_file(path));
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return tx_file_invalid(path, "not a JSON object");

  auto tx_it = doc.find("tx");
  if (tx_it == doc.end() || !tx_it->is_string()) {
    return tx_file_invalid(path, "missing string field tx");
  }
  auto bytes = core::from_hex(tx_it->get<std::string>());
  if (!bytes.is_ok()) return tx_file_invalid(path, "field tx: " + bytes.status().message());
  auto tx = core::Tx::decode(*bytes);
  if (!tx.is_ok()) return tx_file_invalid(path, "field tx: " + tx.status().message());

  const std::string tx_id = core::to_hex(tx->tx_id());
  auto id_it = doc.find("tx_id");
  if (id_it != doc.end()) {
    if (!id_it->is_string() || id_it->get<std::string>() != tx_id) {
      return tx_file_invalid(path, "field tx_id does not match the tx (its id is " + tx_id + ")");
    }
  }

  TxFile out;
  auto signed_it = doc.find("signed");
  if (signed_it == doc.end() || !signed_it->is_boolean()) {
    return tx_file_invalid(path, "missing boolean field signed");
  }
  out.is_signed = signed_it->get<bool>();
  out.tx = std::move(tx).value();
  // A certificate sender without its certificate cannot be checked offline: the node checks it.
  const bool checkable =
      out.tx.sender_kind == core::SenderKind::kPublicKey || !out.tx.sender_cert.empty();
  if (out.is_signed && checkable && !tx_signature_valid(out.tx)) {
    return tx_file_invalid(
        path, "the signature does not verify against the sender " + core::to_hex(out.tx.sender));
  }
  return out;
}

}  // namespace silk::tools
