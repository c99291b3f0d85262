// `silk audit verify-chain`: the command over chain::verify_chain (whose own tests are
// tests/unit/chain/verify_chain_test.cpp).
#include "silk/tools/audit_verify_chain.h"

#include <doctest/doctest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "silk/core/clock.h"
#include "silk/tools/cli.h"
#include "unit/chain/audit_chain.h"

using namespace silk;
using namespace silk::tools;
using namespace silk::audit_test;

namespace {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

Run silk_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "silk");
  std::ostringstream out;
  std::ostringstream err;
  core::ManualClock clock(kT0);
  CliEnv env;
  env.out = &out;
  env.err = &err;
  env.getenv = [](const char*) -> std::optional<std::string> { return std::nullopt; };
  env.clock = &clock;
  Run r;
  r.code = run_cli(args, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace

TEST_SUITE("audit_verify_chain") {
  TEST_CASE("CLI: silk audit verify-chain") {
    ChainBuilder chain;
    TempDir dir;
    chain.write_genesis_file(dir.genesis_file());
    {
      auto store = open_store(dir.db());
      chain.build(*store);
    }

    Run ok = silk_cli(
        {"audit", "verify-chain", "--data-dir", dir.db(), "--genesis", dir.genesis_file()});
    CHECK_MESSAGE(ok.code == 0, ok.err);
    CHECK(ok.out.find("result:      OK") != std::string::npos);
    CHECK(ok.out.find("blocks:      5 of 5") != std::string::npos);
    CHECK(ok.out.find("txs:         7\n") != std::string::npos);
    CHECK(ok.out.find(" txs/s; signatures on ") != std::string::npos);
    CHECK(ok.err.empty());  // no progress line: stderr is not a terminal

    Run js = silk_cli({"audit", "verify-chain", "--data-dir", dir.db(), "--genesis",
                       dir.genesis_file(), "--json"});
    CHECK(js.code == 0);
    json j = json::parse(js.out);
    CHECK(j["ok"] == true);
    CHECK(j["blocks_checked"] == 5);
    CHECK(j["txs_checked"] == 7);
    CHECK(j["duration_ms"].is_number());
    CHECK(j["txs_per_s"].is_number());
    CHECK(j["signature_threads"].get<unsigned>() >= 1);
    CHECK(j["genesis_hash"] == core::to_hex(chain.genesis.hash));
    CHECK(j["differences"].empty());

    {
      auto held = open_store(dir.db());  // as a running silkd would
      Run locked = silk_cli(
          {"audit", "verify-chain", "--data-dir", dir.db(), "--genesis", dir.genesis_file()});
      CHECK(locked.code == 1);
      CHECK(locked.err.rfind(
                "silk: error: data folder " + dir.db() + " is locked by a running silkd; stop it",
                0) == 0);
    }

    Run missing = silk_cli({"audit", "verify-chain", "--data-dir", dir.db() + "-nope", "--genesis",
                            dir.genesis_file()});
    CHECK(missing.code == 1);
    CHECK(missing.err.find("does not exist") != std::string::npos);

    Run usage = silk_cli({"audit", "verify-chain", "--genesis", dir.genesis_file()});
    CHECK(usage.code == kExitUsage);

    {
      RawDb db(dir.db());
      const std::string key = contracts::notary_state_key(digest(1));
      db.put("state", key, "{\"hash\":\"forged\"}");
    }
    Run bad = silk_cli({"audit", "verify-chain", "--data-dir", dir.db(), "--genesis",
                        dir.genesis_file(), "--json"});
    CHECK(bad.code == 1);
    CHECK(bad.err.rfind("silk: error: chain differs: state key \"notary/", 0) == 0);
    json b = json::parse(bad.out);
    CHECK(b["ok"] == false);
    REQUIRE(b["differences"].size() == 1);
    CHECK(b["differences"][0]["height"].is_null());
  }

  TEST_CASE("CLI: a block over the limits in force differs, as a validator refuses it") {
    ChainBuilder chain(/*max_block_txs=*/2);
    TempDir dir;
    chain.write_genesis_file(dir.genesis_file());
    {
      auto store = open_store(dir.db());
      chain.init(*store);
      chain.commit(*store, {chain.anchor(chain.client_key, digest(1))});
      chain.commit(*store, {chain.anchor(chain.client_key, digest(2)),
                            chain.anchor(chain.client_key, digest(3)),
                            chain.anchor(chain.node_key, digest(4))});
    }
    Run bad = silk_cli(
        {"audit", "verify-chain", "--data-dir", dir.db(), "--genesis", dir.genesis_file()});
    CHECK(bad.code == 1);
    CHECK(bad.out.find("result:      DIFFERS") != std::string::npos);
    CHECK(bad.err == "silk: error: chain differs: height 2: 3 txs; the limit is 2\n");
  }
}
