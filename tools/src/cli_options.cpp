#include "silk/tools/cli_options.h"

#include <charconv>

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

CLI::Validator decimal_validator(std::string expected) {
  return CLI::Validator(
      [expected](std::string& text) -> std::string {
        uint64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
            (text.size() > 1 && text[0] == '0')) {
          return "expected " + expected + ", got \"" + text + "\"";
        }
        return std::string();
      },
      "UINT");
}

}  // namespace

const CLI::Validator kDecimal =
    decimal_validator("a decimal number from 0 to 18446744073709551615");
const CLI::Validator kDecimalTerse = decimal_validator("a decimal number");

const char* const kCertHelp =
    "the signer's certificate, PEM or DER (with-cert chains; default: the key file's .pem "
    "sibling, e.g. alice.pem beside alice.key, when it exists)";

void add_key_kdf_option(CLI::App* cmd, std::string& kdf) {
  cmd->add_option("--key-kdf", kdf, "interactive (default) or fast")
      ->check(CLI::IsMember({"interactive", "fast"}));
}

Result<json> parse_json_option(const std::string& option, const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::invalid(option + " is not valid JSON: " + text);
  return j;
}

Result<json> parse_json_object_option(const std::string& option, const std::string& text) {
  SILK_ASSIGN_OR_RETURN(json j, parse_json_option(option, text));
  if (!j.is_object()) return Status::invalid(option + " must be a JSON object");
  return j;
}

void SignerFlags::add_to(CLI::App* cmd, const std::string& key_help, bool cert_alias,
                         const CLI::Validator& decimal) {
  cmd->add_option("--key", options.key_file, key_help)->required();
  cmd->add_option(cert_alias ? "--signer-cert,--cert" : "--signer-cert", options.signer_cert,
                  "the signer's certificate, PEM or DER (default: the key file's .pem sibling)");
  chain_id_opt = cmd->add_option("--chain-id", chain_id, "chain id (default: asked from the node)");
  cmd->add_option("--timeout-ms", options.call.timeout_ms,
                  "how long the node waits for the commit (default 10000)")
      ->check(decimal)
      ->check(CLI::Range(uint64_t{1}, uint64_t{60000}));
}

SignedCallOptions SignerFlags::get() const {
  SignedCallOptions o = options;
  if (chain_id_opt != nullptr && chain_id_opt->count() > 0) o.call.chain_id = chain_id;
  return o;
}

std::string key_of(const std::string& flag) {
  std::string k = flag.substr(0, flag.find(','));
  while (!k.empty() && k[0] == '-') k.erase(0, 1);
  return k;
}

Cmd::Cmd(CLI::App* parent, const std::string& name, const std::string& help)
    : app_(parent->add_subcommand(name, help)), f_(std::make_shared<Fields>()) {}

Cmd& Cmd::pos(const std::string& name, const std::string& help) {
  app_->add_option(name, f_->s[name], help)->required();
  return *this;
}

Cmd& Cmd::opt(const std::string& flag, const std::string& help, bool required) {
  auto* o = app_->add_option(flag, f_->s[key_of(flag)], help);
  if (required) o->required();
  return *this;
}

Cmd& Cmd::multi(const std::string& flag, const std::string& help, bool required) {
  auto* o = app_->add_option(flag, f_->v[key_of(flag)], help);
  if (required) o->required();
  return *this;
}

Cmd& Cmd::flag(const std::string& flag, const std::string& help) {
  app_->add_flag(flag, f_->b[key_of(flag)], help);
  return *this;
}

Cmd& Cmd::signer(const std::string& key_help) {
  f_->signer.add_to(app_, key_help, /*cert_alias=*/false, kDecimalTerse);
  return *this;
}

}  // namespace silk::tools
