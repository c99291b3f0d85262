// What every `silk` command function takes and returns.
//
// Command functions live in tools/src so tests can call them; the CLI
// (cli.h) parses arguments, calls one, and prints its output. A command
// returns a non-OK Status when it failed outright ("silk: error: <message>",
// exit 1), or a CommandOutput, whose exit_code is 1 when it ran but part of
// it failed (a refused anchor, a file not anchored, a failed receipt).
#pragma once

#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "silk/client/node_client.h"
#include "silk/core/clock.h"
#include "silk/core/crypto.h"
#include "silk/core/status.h"
#include "silk/core/x509.h"
#include "silk/tools/passphrase.h"

namespace silk::tools {

// The commands talk to the node through the client SDK (client/).
using client::NodeClient;
using client::url_encode_query;

struct CommandOutput {
  std::string text;     // human-readable, printed without --json (ends with a newline)
  nlohmann::json json;  // the one document printed with --json
  int exit_code = 0;    // 0, or 1 when part of the command failed
  std::string error;    // with exit_code 1: the one line for stderr (without "silk: error: ")
};

// How `silk` speaks TLS to an https:// node (--ca, --tls-cert, --tls-key; $SILK_CA,
// $SILK_TLS_CERT, $SILK_TLS_KEY).
struct TlsFiles {
  std::string ca;    // PEM bundle of the CA certificates the node's certificate chains to
  std::string cert;  // the client certificate; "" = the key file's .pem sibling
  std::string key;   // the client key (a key file or PKCS#8); "" = the identity the command
                     // signs with, if it signs
};

// The environment a command runs in. Not thread-safe.
class CommandContext {
 public:
  CommandContext(std::string node_url, PassphraseSource passphrase, const core::Clock& clock,
                 TlsFiles tls = {});
  ~CommandContext();

  // The node client, created on first use (offline commands never contact
  // the node). kInvalid for a malformed node URL, or an https URL without --ca.
  core::Result<NodeClient*> node();
  // The node URL parsed, with its TLS context for https (built once): what clients other than
  // node() (bench, events, verify-chain) connect with.
  core::Result<client::Url> node_endpoint();
  // `url` (another node's, or the same) with this context's TLS settings when it is https.
  core::Result<client::Url> with_tls(client::Url url);
  // The identity a command signs with: its TLS client certificate too, unless --tls-key (or
  // $SILK_TLS_KEY) names another. Called by Signer::load.
  void offer_tls_identity(const core::SecretKey& key, const core::Certificate& cert);
  const std::string& node_url() const { return node_url_; }
  const PassphraseSource& passphrase() const { return passphrase_; }
  const core::Clock& clock() const { return clock_; }

 private:
  core::Status build_tls();

  std::string node_url_;
  PassphraseSource passphrase_;
  const core::Clock& clock_;
  TlsFiles tls_files_;
  std::unique_ptr<NodeClient> node_;
  std::shared_ptr<client::TlsClient> tls_;  // built on first https use
  bool tls_built_ = false;
  bool loading_tls_identity_ = false;
  // The signer's identity, offered before or after the TLS context was built.
  std::optional<core::SecretKey> offered_key_;
  std::optional<core::Certificate> offered_cert_;
};

// Formats Unix milliseconds as UTC ISO 8601: "2025-01-31T12:34:56.789Z".
std::string format_utc_ms(uint64_t ms);

// A time given on the command line: Unix milliseconds ("1767225600000") or ISO 8601 UTC
// ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00.250Z"; the "Z" is required). kInvalid naming
// `option` ("--valid-from") otherwise.
core::Result<uint64_t> parse_time_option(const std::string& option, const std::string& text);

}  // namespace silk::tools
