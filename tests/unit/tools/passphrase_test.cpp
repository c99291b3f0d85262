#include "silk/tools/passphrase.h"

#include <doctest/doctest.h>

#include <fstream>
#include <vector>

#include "fake_node.h"

using namespace silk::tools;
using silk::core::Result;
using silk::core::Status;
using silk::tools::testing::TempDir;

namespace {

// A prompt that answers from a script and records what it asked.
struct ScriptedPrompt {
  explicit ScriptedPrompt(std::vector<std::string> a) : answers(std::move(a)) {}
  std::vector<std::string> answers;
  std::vector<std::string> asked;
  PassphrasePrompt fn() {
    return [this](const std::string& prompt) -> Result<Passphrase> {
      asked.push_back(prompt);
      if (asked.size() > answers.size()) return Status::unavailable("no passphrase entered");
      std::string a = answers[asked.size() - 1];
      return Passphrase::take(a);
    };
  }
};

}  // namespace

TEST_SUITE("passphrase") {
  TEST_CASE("a passphrase file wins over the environment and the terminal") {
    TempDir dir;
    std::ofstream(dir.file("p")) << "from-file\n";
    ScriptedPrompt prompt({"from-prompt"});
    PassphraseSource src(dir.file("p"), "from-env", prompt.fn());
    auto p = src.get("key file k", false);
    REQUIRE(p.is_ok());
    CHECK(p->str() == "from-file");
    CHECK(prompt.asked.empty());
  }

  TEST_CASE("the environment wins over the terminal") {
    ScriptedPrompt prompt({"from-prompt"});
    PassphraseSource src("", "from-env", prompt.fn());
    auto p = src.get("key file k", true);
    REQUIRE(p.is_ok());
    CHECK(p->str() == "from-env");
    CHECK(prompt.asked.empty());
    PassphraseSource empty("", "", prompt.fn());
    CHECK(empty.get("k", false).status().code() == Status::Code::kInvalid);
  }

  TEST_CASE("the terminal is asked once, or twice to confirm") {
    ScriptedPrompt once({"typed"});
    auto p = PassphraseSource("", std::nullopt, once.fn()).get("key file k.key", false);
    REQUIRE(p.is_ok());
    CHECK(p->str() == "typed");
    REQUIRE(once.asked.size() == 1);
    CHECK(once.asked[0] == "Passphrase for key file k.key: ");

    ScriptedPrompt twice({"same", "same"});
    p = PassphraseSource("", std::nullopt, twice.fn()).get("k", true);
    REQUIRE(p.is_ok());
    CHECK(p->str() == "same");
    CHECK(twice.asked.size() == 2);

    ScriptedPrompt differ({"one", "two"});
    p = PassphraseSource("", std::nullopt, differ.fn()).get("k", true);
    REQUIRE_FALSE(p.is_ok());
    CHECK(p.status().message() == "the passphrases do not match");

    ScriptedPrompt empty({""});
    CHECK(PassphraseSource("", std::nullopt, empty.fn()).get("k", false).status().code() ==
          Status::Code::kInvalid);
  }

  TEST_CASE("with no source at all the error says where a passphrase may come from") {
    PassphraseSource src("", std::nullopt, nullptr);
    auto p = src.get("key file k", false);
    REQUIRE_FALSE(p.is_ok());
    CHECK(p.status().message() ==
          "no passphrase: use --passphrase-file, SILK_PASSPHRASE or a terminal");
  }

  TEST_CASE("a missing passphrase file is an error, not a fallback") {
    TempDir dir;
    PassphraseSource src(dir.file("missing"), "from-env", nullptr);
    CHECK(src.get("k", false).status().code() == Status::Code::kNotFound);
  }

  TEST_CASE("take copies and wipes the original") {
    std::string s = "secret";
    Passphrase p = Passphrase::take(s);
    CHECK(p.str() == "secret");
    CHECK(s.empty());
  }
}
