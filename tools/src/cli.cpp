#include "silk/tools/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "silk/tools/cli_help.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/command.h"

namespace silk::tools {

using core::Status;
using nlohmann::json;

namespace {

std::string dump_json(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

class Printer {
 public:
  Printer(const CliEnv& env, bool json_mode) : env_(env), json_mode_(json_mode) {}

  int fail(const std::string& code, const std::string& message, int exit_code) const {
    *env_.err << "silk: error: " << message << "\n";
    if (json_mode_) {
      *env_.out << dump_json(json{{"error", {{"code", code}, {"message", message}}}}) << "\n";
    }
    env_.err->flush();
    env_.out->flush();
    return exit_code;
  }
  int usage(const std::string& message) const { return fail("usage", message, kExitUsage); }
  int status(const Status& st) const {
    return fail(core::code_name(st.code()), st.message(), kExitFailure);
  }
  int output(const CommandOutput& o) const {
    if (json_mode_) {
      *env_.out << dump_json(o.json) << "\n";
    } else {
      *env_.out << o.text;
    }
    env_.out->flush();
    if (o.exit_code != 0) {
      *env_.err << "silk: error: " << (o.error.empty() ? "the command failed" : o.error) << "\n";
      env_.err->flush();
      return o.exit_code;
    }
    return kExitOk;
  }
  int result(const CommandResult& r) const {
    if (r.printed_exit_code()) return *r.printed_exit_code();
    if (r.usage_message()) return usage(*r.usage_message());
    if (!r.result().is_ok()) return status(r.result().status());
    return output(r.result().value());
  }

 private:
  const CliEnv& env_;
  bool json_mode_;
};

// The options every command has.
struct GlobalOptions {
  std::string node_url;
  std::string passphrase_file;
  TlsFiles tls;
  // run_cli looks for --json in the arguments before parsing, so that usage errors honour it
  // too; the flag is declared so that --help lists it and parsing accepts it.
  bool json = false;
};

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", "silk 0.1.0");
  app.add_option("--node", g.node_url,
                 "node RPC URL (default: $SILK_NODE, else " + std::string(kDefaultNodeUrl) + ")");
  app.add_flag("--json", g.json, "machine-readable output: one JSON document on stdout");
  app.add_option("--ca", g.tls.ca,
                 "https nodes: the CA certificates (PEM) the node's certificate must chain to "
                 "(default: $SILK_CA)");
  app.add_option("--tls-cert", g.tls.cert,
                 "https nodes: the client certificate (default: $SILK_TLS_CERT, else the .pem "
                 "next to --tls-key)");
  app.add_option("--tls-key", g.tls.key,
                 "https nodes: the client key, a key file or PKCS#8 (default: $SILK_TLS_KEY, "
                 "else the key the command signs with)");
  app.add_option("--passphrase-file", g.passphrase_file,
                 "read the key passphrase from the first line of this file (else "
                 "$SILK_PASSPHRASE, else a terminal prompt)");
}

}  // namespace

CliEnv CliEnv::process() {
  CliEnv env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.getenv = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  if (::isatty(STDIN_FILENO) == 1) env.prompt = prompt_on_terminal;
  env.clock = &core::SystemClock::instance();
  return env;
}

int run_cli(const std::vector<std::string>& args, const CliEnv& env) {
  bool json_mode = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--json") json_mode = true;
  }
  Printer printer(env, json_mode);

  try {
    CLI::App app{"silk: the SilkLedger wallet and client", "silk"};
    app.formatter(std::make_shared<PlainFormatter>());
    GlobalOptions global;
    add_global_options(app, global);
    CommandRegistry registry;
    for (const CommandGroup& group : command_groups()) group.add_to(app, registry);

    // silk help [COMMAND...]: the help of that command.
    if (args.size() >= 2 && args[1] == "help") {
      std::string error;
      std::optional<std::string> help =
          help_for(app, std::vector<std::string>(args.begin() + 2, args.end()), &error);
      if (!help) return printer.usage(error);
      *env.out << *help;
      env.out->flush();
      return kExitOk;
    }
    // An unknown command is named, with the nearest one, before the parser's generic words.
    if (std::optional<std::string> bad = check_command_words(app, args, nullptr)) {
      return printer.usage(*bad);
    }

    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        std::ostringstream help_out;
        std::ostringstream help_err;
        app.exit(e, help_out, help_err);
        *env.out << help_out.str();
        env.out->flush();
        return kExitOk;
      }
      return printer.usage(std::string(e.what()) + " (see --help)");
    }

    // Where the node is and where the passphrase comes from.
    if (app.count("--node") == 0) {
      auto from_env = env.getenv ? env.getenv("SILK_NODE") : std::nullopt;
      global.node_url = from_env && !from_env->empty() ? *from_env : kDefaultNodeUrl;
    }
    if (auto url = client::parse_url(global.node_url); !url.is_ok()) {
      return printer.usage(url.status().message());
    }
    auto from_env = [&](const char* name, std::string& value) {
      if (!value.empty() || !env.getenv) return;
      if (auto v = env.getenv(name)) value = *v;
    };
    from_env("SILK_CA", global.tls.ca);
    from_env("SILK_TLS_KEY", global.tls.key);
    from_env("SILK_TLS_CERT", global.tls.cert);
    std::optional<std::string> env_passphrase =
        env.getenv ? env.getenv("SILK_PASSPHRASE") : std::nullopt;
    const core::Clock& clock = env.clock ? *env.clock : core::SystemClock::instance();
    CommandContext ctx(global.node_url,
                       PassphraseSource(global.passphrase_file, env_passphrase, env.prompt), clock,
                       global.tls);

    const CommandAction* action = registry.parsed();
    if (action == nullptr) return printer.status(Status::internal("no command ran"));
    CommandRun run{ctx, env};
    return printer.result((*action)(run));
  } catch (const std::exception& e) {
    return printer.fail("internal", std::string("unexpected failure: ") + e.what(), kExitFailure);
  }
}

}  // namespace silk::tools
