// How the `silk` command groups (tools/src/cli_*.cpp) declare their options: the checks CLI11 does
// not have, the signer flags of every command that signs a call, and `Cmd`, a small builder for
// commands whose options are strings read by name.
//
// Option storage must outlive parsing and the command's run: the groups keep it in a
// std::shared_ptr that the command's action (cli_registry.h) holds.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "silk/core/status.h"
#include "silk/tools/identity_commands.h"

namespace silk::tools {

// Plain decimal unsigned integers only: CLI11 2.1 would also take "-1" (wrapping around), "0x10"
// and octal "010". kDecimal's message names the range ("expected a decimal number from 0 to
// 18446744073709551615"); kDecimalTerse's does not (the trade groups' --timeout-ms has always said
// "expected a decimal number").
extern const CLI::Validator kDecimal;
extern const CLI::Validator kDecimalTerse;

// Help of a --cert option that names the signer's certificate.
extern const char* const kCertHelp;

// --key-kdf into `kdf`: interactive (the default) or fast; parse_key_kdf reads it.
void add_key_kdf_option(CLI::App* cmd, std::string& kdf);

// JSON text given on the command line: kInvalid "<option> is not valid JSON: <text>".
core::Result<nlohmann::json> parse_json_option(const std::string& option, const std::string& text);
// The same, and kInvalid "<option> must be a JSON object" for any other JSON value.
core::Result<nlohmann::json> parse_json_object_option(const std::string& option,
                                                      const std::string& text);

// --key (required), --signer-cert, --chain-id and --timeout-ms of a command that signs one call
// and waits for its commit.
struct SignerFlags {
  SignedCallOptions options;
  std::string chain_id;
  CLI::Option* chain_id_opt = nullptr;

  // cert_alias: --cert also names the signer's certificate (where no target certificate could be
  // confused with it: the gov commands). `decimal` checks --timeout-ms.
  void add_to(CLI::App* cmd, const std::string& key_help, bool cert_alias = false,
              const CLI::Validator& decimal = kDecimal);
  // The options as given (--chain-id only when it was on the command line).
  SignedCallOptions get() const;
};

// A command's option values, by name without dashes ("doc-type"), and its signer flags.
struct Fields {
  std::map<std::string, std::string> s;
  std::map<std::string, std::vector<std::string>> v;
  std::map<std::string, bool> b;
  SignerFlags signer;

  const std::string& operator[](const std::string& key) { return s[key]; }
  bool has(const std::string& key) { return !s[key].empty(); }
  SignedCallOptions signed_call() const { return signer.get(); }
};

// "--doc-type,-t" -> "doc-type": the name a flag's value has in Fields.
std::string key_of(const std::string& flag);

// Adds one subcommand to `parent` with its options stored in Fields:
//   Cmd c(group, "show", "a document's record"); c.pos("id", "doc id").opt("--at", "...");
class Cmd {
 public:
  Cmd(CLI::App* parent, const std::string& name, const std::string& help);

  // A required positional argument.
  Cmd& pos(const std::string& name, const std::string& help);
  // A string option; multi: repeatable (Fields::v); flag: a boolean (Fields::b).
  Cmd& opt(const std::string& flag, const std::string& help, bool required = false);
  Cmd& multi(const std::string& flag, const std::string& help, bool required = false);
  Cmd& flag(const std::string& flag, const std::string& help);
  // The signer flags (SignerFlags, --timeout-ms checked by kDecimalTerse).
  Cmd& signer(const std::string& key_help);

  CLI::App* app() const { return app_; }
  const std::shared_ptr<Fields>& fields() const { return f_; }

 private:
  CLI::App* app_;
  std::shared_ptr<Fields> f_;
};

}  // namespace silk::tools
