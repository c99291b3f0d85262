#include "silk/tools/command.h"

#include <charconv>
#include <ctime>
#include <fstream>
#include <sstream>

#include "silk/client/tls.h"
#include "silk/core/signature_suite.h"
#include "silk/tools/signer.h"

namespace silk::tools {

using core::Result;
using core::Status;

CommandContext::CommandContext(std::string node_url, PassphraseSource passphrase,
                               const core::Clock& clock, TlsFiles tls)
    : node_url_(std::move(node_url)),
      passphrase_(std::move(passphrase)),
      clock_(clock),
      tls_files_(std::move(tls)) {}

CommandContext::~CommandContext() = default;

Result<NodeClient*> CommandContext::node() {
  if (!node_) {
    SILK_ASSIGN_OR_RETURN(client::Url url, node_endpoint());
    node_ = std::make_unique<NodeClient>(std::move(url));
  }
  return node_.get();
}

Result<client::Url> CommandContext::node_endpoint() {
  SILK_ASSIGN_OR_RETURN(client::Url url, client::parse_url(node_url_));
  return with_tls(std::move(url));
}

Result<client::Url> CommandContext::with_tls(client::Url url) {
  if (!url.https) return url;
  if (!tls_built_) SILK_RETURN_IF_ERROR(build_tls());
  url.tls = tls_;
  return url;
}

void CommandContext::offer_tls_identity(const core::SecretKey& key,
                                        const core::Certificate& cert) {
  if (loading_tls_identity_ || !tls_files_.key.empty() || offered_key_) return;
  offered_key_ = core::SecretKey::from_seed(key.seed()).value();
  offered_cert_ = cert;
  if (!tls_built_) return;
  // Built already without a client certificate: again, with this one, for the next connection.
  tls_built_ = false;
  if (build_tls().is_ok() && node_) node_->set_tls(tls_);
}

namespace {

Result<std::string> read_text(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(what + " " + path + " cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Status CommandContext::build_tls() {
  if (tls_files_.ca.empty()) {
    return Status::invalid(
        "node " + node_url_ +
        " is https: give the CA certificates its certificate chains to with --ca FILE (or "
        "$SILK_CA), e.g. cas.pem of `silk network init`");
  }
  client::TlsClientConfig config;
  config.ca_source = "--ca " + tls_files_.ca;
  SILK_ASSIGN_OR_RETURN(config.ca_pem, read_text(tls_files_.ca, "--ca"));
  std::optional<core::SecretKey> key;
  std::optional<core::Certificate> cert;
  if (!tls_files_.key.empty()) {
    loading_tls_identity_ = true;
    Result<Signer> signer = Signer::load(*this, tls_files_.key, tls_files_.cert);
    loading_tls_identity_ = false;
    if (!signer.is_ok()) return signer.status().with_context("--tls-key");
    if (!signer->identity().cert) {
      return Status::invalid("--tls-key " + tls_files_.key +
                             ": no certificate for it (give --tls-cert, or put it next to the "
                             "key as a .pem file)");
    }
    key = core::SecretKey::from_seed(signer->key().seed()).value();
    cert = signer->identity().cert;
  } else if (offered_key_) {
    key = core::SecretKey::from_seed(offered_key_->seed()).value();
    cert = offered_cert_;
  }
  if (key && cert) {
    config.cert_pem = cert->pem();
    SILK_ASSIGN_OR_RETURN(core::SecretBytes pem, core::SigningKey::from_ed25519(*key).pkcs8_pem());
    config.key_pem = std::string(pem.view());
  }
  Result<std::shared_ptr<client::TlsClient>> tls = client::TlsClient::create(config);
  core::wipe(config.key_pem.data(), config.key_pem.size());
  if (!tls.is_ok()) return tls.status();
  tls_ = std::move(tls).value();
  tls_built_ = true;
  return Status::ok();
}

std::string format_utc_ms(uint64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(ms % 1000));
  return buf;
}

namespace {

// Parses exactly `n` digits at text[pos..].
bool digits(std::string_view text, size_t pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

core::Result<uint64_t> parse_time_option(const std::string& option, const std::string& text) {
  auto bad = [&] {
    return core::Status::invalid(option + " \"" + text +
                                 "\" is neither Unix milliseconds nor an ISO 8601 UTC time like "
                                 "2026-01-01T00:00:00Z");
  };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    uint64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || end != text.data() + text.size()) return bad();
    return ms;
  }
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  int year, month, day, hour, minute, second;
  std::string_view t(text);
  if (t.size() < 20 || !digits(t, 0, 4, year) || t[4] != '-' || !digits(t, 5, 2, month) ||
      t[7] != '-' || !digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != 't') ||
      !digits(t, 11, 2, hour) || t[13] != ':' || !digits(t, 14, 2, minute) || t[16] != ':' ||
      !digits(t, 17, 2, second)) {
    return bad();
  }
  size_t pos = 19;
  int millis = 0;
  if (t[pos] == '.') {
    size_t start = ++pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
    const size_t n = pos - start;
    if (n == 0 || n > 3) return bad();
    int frac = 0;
    if (!digits(t, start, n, frac)) return bad();
    millis = frac * (n == 1 ? 100 : n == 2 ? 10 : 1);
  }
  if (pos + 1 != t.size() || (t[pos] != 'Z' && t[pos] != 'z')) return bad();
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
      second > 59) {
    return bad();
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return bad();
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t secs = ::timegm(&tm);
  if (secs < 0) return bad();
  return static_cast<uint64_t>(secs) * 1000 + static_cast<uint64_t>(millis);
}

}  // namespace silk::tools
