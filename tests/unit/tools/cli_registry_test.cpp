#include "silk/tools/cli_registry.h"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "silk/core/clock.h"

using namespace silk::tools;

namespace {

// Every command below `app` that has no subcommands of its own, with its path ("cert issue").
void leaves(CLI::App* app, const std::string& path,
            std::vector<std::pair<std::string, CLI::App*>>& out) {
  std::vector<CLI::App*> subs = app->get_subcommands([](CLI::App*) { return true; });
  if (subs.empty()) {
    out.emplace_back(path, app);
    return;
  }
  for (CLI::App* sub : subs) {
    leaves(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
  }
}

}  // namespace

TEST_SUITE("cli_registry") {
  TEST_CASE("every command of every group has an action") {
    CLI::App app;
    CommandRegistry registry;
    std::set<std::string> names;
    for (const CommandGroup& group : command_groups()) {
      CHECK_MESSAGE(names.insert(group.name).second, group.name);
      const size_t before = app.get_subcommands([](CLI::App*) { return true; }).size();
      group.add_to(app, registry);
      const size_t after = app.get_subcommands([](CLI::App*) { return true; }).size();
      CHECK_MESSAGE(after > before, group.name);  // each adds at least one top-level command
    }
    std::vector<std::pair<std::string, CLI::App*>> found;
    leaves(&app, "", found);
    CHECK(found.size() > 50);
    for (const auto& entry : found) CHECK_MESSAGE(registry.handles(entry.second), entry.first);
  }

  TEST_CASE("group finds a group another file made, else makes one that needs a subcommand") {
    CLI::App app;
    CLI::App* query = CommandRegistry::group(app, "query", "read the ledger");
    CHECK(CommandRegistry::group(app, "query", "other help") == query);
    CHECK(query->get_description() == "read the ledger");
    CHECK(query->get_require_subcommand_min() == 1);
    CHECK(query->get_require_subcommand_max() == 1);
  }

  TEST_CASE("parsed is the action of the command on the command line") {
    CLI::App app;
    CommandRegistry registry;
    CLI::App* g = CommandRegistry::group(app, "g", "a group");
    std::string ran;
    for (const char* name : {"a", "b"}) {
      registry.on(g->add_subcommand(name, name), [&ran, name](CommandRun&) -> CommandResult {
        ran = name;
        return CommandOutput{};
      });
    }
    CHECK(registry.parsed() == nullptr);
    const char* argv[] = {"silk", "g", "b"};
    app.parse(3, argv);
    const CommandAction* action = registry.parsed();
    REQUIRE(action != nullptr);
    silk::core::ManualClock clock(0);
    CommandContext ctx("http://127.0.0.1:1", PassphraseSource("", std::nullopt, nullptr), clock);
    CliEnv env;
    CommandRun run{ctx, env};
    CHECK((*action)(run).result().is_ok());
    CHECK(ran == "b");
  }

  TEST_CASE("a result is output, failure, usage error or a printed exit code") {
    CommandResult output = CommandOutput{"text\n", nullptr, 0, ""};
    CHECK(output.result().is_ok());
    CHECK(!output.usage_message());
    CHECK(!output.printed_exit_code());

    CommandResult failed = silk::core::Status::not_found("no such tx");
    CHECK(!failed.result().is_ok());
    CHECK(!failed.usage_message());

    CommandResult usage = CommandResult::usage_error("--args is not valid JSON: {");
    REQUIRE(usage.usage_message());
    CHECK(*usage.usage_message() == "--args is not valid JSON: {");

    CommandResult printed = CommandResult::printed(1);
    REQUIRE(printed.printed_exit_code());
    CHECK(*printed.printed_exit_code() == 1);
    CHECK(!printed.usage_message());
  }
}
