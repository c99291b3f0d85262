#include "silk/contracts/executor.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "fakes/map_state_view.h"
#include "silk/contracts/notary.h"
#include "silk/core/merkle.h"
#include "unit/contracts/test_chain.h"

namespace silk::contracts {
namespace {

using core::Status;
using nlohmann::json;
using testing::code_of;
using testing::kBlockTimeMs;
using testing::TestChain;

// A key-value contract that exercises every part of TxContext.
class KvContract final : public Contract {
 public:
  std::string_view name() const override { return "kv"; }

  core::Result<std::string> call(std::string_view method, const json& args,
                                 TxContext& ctx) override {
    if (method == "set") {
      ctx.put(args.at("key").get<std::string>(), args.at("value").get<std::string>());
      return std::string();
    }
    if (method == "del") {
      ctx.del(args.at("key").get<std::string>());
      return std::string();
    }
    if (method == "get") {
      SILK_ASSIGN_OR_RETURN(auto v, ctx.get(args.at("key").get<std::string>()));
      return json{{"value", v ? json(*v) : json(nullptr)}}.dump();
    }
    if (method == "ops") {  // [[key, value-or-null], ...] applied in order
      for (const auto& op : args.at("ops")) {
        if (op.at(1).is_null()) {
          ctx.del(op.at(0).get<std::string>());
        } else {
          ctx.put(op.at(0).get<std::string>(), op.at(1).get<std::string>());
        }
      }
      ctx.emit("applied", json{{"count", args.at("ops").size()}}.dump());
      return json{{"ok", true}}.dump();
    }
    if (method == "set_then_fail") {
      ctx.put(args.at("key").get<std::string>(), "should vanish");
      ctx.emit("never", "{}");
      return Status::conflict("refused on purpose");
    }
    if (method == "throw") throw std::runtime_error("boom");
    if (method == "int_key") {  // a type error when key is a string
      ctx.put(std::to_string(args.at("key").get<int>()), "x");
      return std::string();
    }
    if (method == "ignore_get_error") {  // swallows a failed read and succeeds
      (void)ctx.get(args.at("key").get<std::string>());
      return std::string();
    }
    return Status::not_found("kv has no method '" + std::string(method) + "'");
  }
};

// A contract that calls kv inside its own tx (TxContext::invoke).
class CallerContract final : public Contract {
 public:
  std::string_view name() const override { return "caller"; }

  core::Result<std::string> call(std::string_view method, const json& args,
                                 TxContext& ctx) override {
    if (method == "relay") {  // own write, then kv.<inner>(inner_args); keeps going on refusal
      ctx.put("mine", "1");
      core::Result<std::string> r =
          ctx.invoke("kv", args.at("inner").get<std::string>(), args.at("inner_args"));
      ctx.emit("relayed", json{{"ok", r.is_ok()},
                               {"message", r.is_ok() ? std::string() : r.status().message()}}
                              .dump());
      return json{{"inner_ok", r.is_ok()}}.dump();
    }
    if (method == "strict") {  // fails the tx when the callee refuses
      SILK_ASSIGN_OR_RETURN(std::string r, ctx.invoke("kv", "set_then_fail", args));
      return r;
    }
    if (method == "recurse") return ctx.invoke("caller", "recurse", args);
    if (method == "who_called") return json{{"caller", std::string(ctx.caller())}}.dump();
    if (method == "ask") return ctx.invoke("caller", "who_called", json::object());
    return Status::not_found("caller has no method '" + std::string(method) + "'");
  }
};

struct Fixture {
  TestChain chain;
  Executor executor{chain.genesis, testing::rules_for(chain.genesis)};
  fakes::MapStateView state;

  Fixture() { REQUIRE(executor.add_contract(std::make_unique<KvContract>()).is_ok()); }

  core::Tx kv(const std::string& method, const json& args) {
    return chain.tx(chain.alice, "kv", method, args.dump());
  }

  BlockExecution run(const std::vector<core::Tx>& txs, uint64_t height = 1,
                     const core::Hash& prev = core::Hash{}) {
    auto exec = executor.execute_block(txs, height, kBlockTimeMs, prev, state);
    REQUIRE_MESSAGE(exec.is_ok(), exec.status().to_string());
    REQUIRE(exec->receipts.size() == txs.size());
    return std::move(exec).value();
  }
};

core::Hash leaf_root(const std::vector<core::Receipt>& receipts) {
  std::vector<core::Hash> leaves;
  for (const auto& r : receipts) leaves.push_back(core::merkle_leaf_hash(r.encode()));
  return core::merkle_root(leaves);
}

TEST_SUITE("executor") {
  TEST_CASE("a cross-contract call writes the callee's keys; a refusal rolls back only its own") {
    Fixture f;
    REQUIRE(f.executor.add_contract(std::make_unique<CallerContract>()).is_ok());
    auto tx = [&](const std::string& method, const json& args) {
      return f.chain.tx(f.chain.alice, "caller", method, args.dump());
    };
    BlockExecution exec =
        f.run({tx("relay", {{"inner", "set"}, {"inner_args", {{"key", "k"}, {"value", "v"}}}}),
               tx("relay", {{"inner", "set_then_fail"}, {"inner_args", {{"key", "gone"}}}}),
               tx("strict", {{"key", "gone2"}}), tx("recurse", json::object()),
               tx("ask", json::object()), tx("who_called", json::object())});
    REQUIRE(exec.receipts[0].ok());
    // The callee's write lands under its own name, the caller's under its own.
    std::vector<std::string> keys;
    for (const core::StateWrite& w : exec.writes) keys.push_back(w.key);
    CHECK(std::count(keys.begin(), keys.end(), "kv/k") == 1);
    CHECK(std::count(keys.begin(), keys.end(), "caller/mine") == 2);
    // A refused inner call leaves no write and no event behind; the caller carries on.
    REQUIRE(exec.receipts[1].ok());
    CHECK(exec.receipts[1].result == R"({"inner_ok":false})");
    CHECK(std::count(keys.begin(), keys.end(), "kv/gone") == 0);
    REQUIRE(exec.receipts[1].events.size() == 1);
    CHECK(exec.receipts[1].events[0].name == "relayed");
    CHECK(exec.receipts[1].events[0].data.find("refused on purpose") != std::string::npos);
    // A caller that returns the refusal fails the whole tx.
    CHECK(exec.receipts[2].code == code_of(Status::Code::kConflict));
    CHECK(exec.receipts[2].message == "refused on purpose");
    CHECK(std::count(keys.begin(), keys.end(), "kv/gone2") == 0);
    // Calls nest at most kMaxCallDepth deep.
    CHECK(exec.receipts[3].code == code_of(Status::Code::kInvalid));
    CHECK(exec.receipts[3].message.find("nest at most") != std::string::npos);
    // The callee sees who called it; a direct call has no caller.
    CHECK(exec.receipts[4].result == R"({"caller":"caller"})");
    CHECK(exec.receipts[5].result == R"({"caller":""})");
  }

  TEST_CASE("a successful tx writes namespaced keys, sorted, last write per key winning") {
    Fixture f;
    core::Tx tx =
        f.kv("ops", {{"ops", json::array({json::array({"b", "1"}), json::array({"a", "2"}),
                                          json::array({"b", "3"}), json::array({"c", nullptr})})}});
    BlockExecution exec = f.run({tx});

    const core::Receipt& r = exec.receipts[0];
    CHECK(r.ok());
    CHECK(r.message.empty());
    CHECK(r.tx_id == tx.tx_id());
    CHECK(r.result == R"({"ok":true})");
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].contract == "kv");
    CHECK(r.events[0].name == "applied");
    CHECK(r.events[0].data == R"({"count":4})");

    REQUIRE(exec.writes.size() == 3);
    CHECK(exec.writes[0].key == "kv/a");
    CHECK(exec.writes[0].value == "2");
    CHECK(exec.writes[1].key == "kv/b");
    CHECK(exec.writes[1].value == "3");
    CHECK(exec.writes[2].key == "kv/c");
    CHECK_FALSE(exec.writes[2].value.has_value());
    for (const auto& w : exec.writes) CHECK(w.tx_index == 0);
    CHECK(r.write_set_hash == core::write_set_hash(exec.writes));
    CHECK(r.write_set_hash != core::write_set_hash({}));
  }

  TEST_CASE("reads see committed state, then earlier txs of the block, then the tx's own writes") {
    Fixture f;
    f.state.put("kv/a", "committed");
    f.state.put("kv/gone", "old");
    std::vector<core::Tx> txs = {
        f.kv("get", {{"key", "a"}}),                                          // committed
        f.kv("set", {{"key", "a"}, {"value", "block"}}),                      //
        f.kv("get", {{"key", "a"}}),                                          // earlier tx
        f.kv("del", {{"key", "gone"}}),                                       //
        f.kv("get", {{"key", "gone"}}),                                       // deleted in block
        f.kv("get", {{"key", "missing"}}),                                    // nowhere
        f.kv("ops", {{"ops", json::array({json::array({"own", "mine"})})}}),  //
        f.kv("get", {{"key", "own"}}),
    };
    BlockExecution exec = f.run(txs);
    for (const auto& r : exec.receipts) CHECK_MESSAGE(r.ok(), r.message);
    CHECK(exec.receipts[0].result == R"({"value":"committed"})");
    CHECK(exec.receipts[2].result == R"({"value":"block"})");
    CHECK(exec.receipts[4].result == R"({"value":null})");
    CHECK(exec.receipts[5].result == R"({"value":null})");
    CHECK(exec.receipts[7].result == R"({"value":"mine"})");
    // Writes carry their tx's index, in tx order.
    REQUIRE(exec.writes.size() == 3);
    CHECK(exec.writes[0].tx_index == 1);
    CHECK(exec.writes[1].tx_index == 3);
    CHECK(exec.writes[2].tx_index == 6);
    // The state view itself is never written.
    CHECK(f.state.size() == 2);
  }

  TEST_CASE("a failed tx writes nothing, emits nothing, and still gets a receipt") {
    Fixture f;
    std::vector<core::Tx> txs = {
        f.kv("set", {{"key", "before"}, {"value", "1"}}),
        f.kv("set_then_fail", {{"key", "x"}}),
        f.kv("get", {{"key", "x"}}),
        f.kv("set", {{"key", "after"}, {"value", "2"}}),
    };
    BlockExecution exec = f.run(txs);
    const core::Receipt& failed = exec.receipts[1];
    CHECK_FALSE(failed.ok());
    CHECK(failed.tx_id == txs[1].tx_id());
    CHECK(failed.code == code_of(Status::Code::kConflict));
    CHECK(failed.message == "refused on purpose");
    CHECK(failed.events.empty());
    CHECK(failed.result.empty());
    CHECK(failed.write_set_hash == core::write_set_hash({}));
    // The next tx does not see the failed tx's write.
    CHECK(exec.receipts[2].result == R"({"value":null})");
    REQUIRE(exec.writes.size() == 2);
    CHECK(exec.writes[0].key == "kv/before");
    CHECK(exec.writes[0].tx_index == 0);
    CHECK(exec.writes[1].key == "kv/after");
    CHECK(exec.writes[1].tx_index == 3);
  }

  TEST_CASE("a sender that is not a member is refused, with no writes") {
    Fixture f;
    core::Tx tx = f.chain.tx(f.chain.mallory, "kv", "set", R"({"key":"k","value":"v"})");
    auto auth = f.executor.authorize(tx, f.state, 1, kBlockTimeMs);
    REQUIRE_FALSE(auth.is_ok());
    CHECK(auth.status().code() == Status::Code::kUnauthorized);
    const std::string expected = "unknown sender " + core::to_hex(f.chain.mallory.public_key()) +
                                 ": not a member of chain silk-test";
    CHECK(auth.status().message() == expected);

    BlockExecution exec = f.run({tx});
    CHECK(exec.receipts[0].code == code_of(Status::Code::kUnauthorized));
    CHECK(exec.receipts[0].message == expected);
    CHECK(exec.receipts[0].write_set_hash == core::write_set_hash({}));
    CHECK(exec.writes.empty());
  }

  TEST_CASE("an auditor reads but never writes, whatever the method's policy") {
    TestChain chain;
    const core::SecretKey auditor = testing::key_from_byte(9);
    chain.genesis.members.push_back(
        core::Member{"org2-auditor", auditor.public_key(), "org2", {"auditor"}});
    Executor executor{chain.genesis, testing::rules_for(chain.genesis)};
    REQUIRE(executor.add_contract(std::make_unique<KvContract>()).is_ok());
    fakes::MapStateView state;
    core::Tx tx = chain.tx(auditor, "kv", "set", R"({"key":"k","value":"v"})");
    auto auth = executor.authorize(tx, state, 1, kBlockTimeMs);
    REQUIRE_FALSE(auth.is_ok());
    CHECK(auth.status().code() == Status::Code::kUnauthorized);
    CHECK(auth.status().message() ==
          "role auditor of org2 may not call kv.set: auditors read the ledger and never write to "
          "it");
    auto exec = executor.execute_block({tx}, 1, kBlockTimeMs, core::Hash{}, state);
    REQUIRE(exec.is_ok());
    CHECK(exec->receipts[0].code == code_of(Status::Code::kUnauthorized));
    CHECK(exec->writes.empty());
  }

  TEST_CASE("members are authorized and resolved to their genesis entry") {
    Fixture f;
    auto auth =
        f.executor.authorize(f.chain.tx(f.chain.bob, "kv", "get", "{}"), f.state, 1, kBlockTimeMs);
    REQUIRE(auth.is_ok());
    CHECK(auth->name == "org2-client");
    CHECK(auth->org == "org2");
  }

  TEST_CASE("a certificate sender is refused in with-key mode") {
    Fixture f;
    core::Tx tx = f.chain.tx(f.chain.alice, "kv", "set", R"({"key":"k","value":"v"})");
    tx.sender_kind = core::SenderKind::kCertFingerprint;
    auto auth = f.executor.authorize(tx, f.state, 1, kBlockTimeMs);
    REQUIRE_FALSE(auth.is_ok());
    CHECK(auth.status().code() == Status::Code::kInvalid);
    CHECK(auth.status().message().find("with-key mode expects a public key") != std::string::npos);
    BlockExecution exec = f.run({tx});
    CHECK(exec.receipts[0].code == code_of(Status::Code::kInvalid));
    CHECK(exec.writes.empty());
  }

  TEST_CASE("a tx for another chain fails") {
    Fixture f;
    core::Tx tx = f.chain.tx(f.chain.alice, "kv", "set", R"({"key":"k","value":"v"})");
    tx.chain_id = "other-chain";
    BlockExecution exec = f.run({tx});
    CHECK(exec.receipts[0].code == code_of(Status::Code::kInvalid));
    CHECK(exec.receipts[0].message == "chain id 'other-chain' does not match chain 'silk-test'");
    CHECK(exec.writes.empty());
  }

  TEST_CASE("args that are not a JSON object fail the tx") {
    Fixture f;
    std::vector<core::Tx> txs = {
        f.chain.tx(f.chain.alice, "kv", "set", R"({"key": "k",)"),
        f.chain.tx(f.chain.alice, "kv", "set", ""),
        f.chain.tx(f.chain.alice, "kv", "set", R"(["key", "k"])"),
        f.chain.tx(f.chain.alice, "kv", "set", "\"just a string\""),
    };
    BlockExecution exec = f.run(txs);
    for (const auto& r : exec.receipts) CHECK(r.code == code_of(Status::Code::kInvalid));
    // The words are ours (they are consensus data), not the JSON library's.
    CHECK(exec.receipts[0].message.rfind("args: not valid JSON (RFC 8259)", 0) == 0);
    CHECK(exec.receipts[1].message == exec.receipts[0].message);
    CHECK(exec.receipts[2].message == "args: expected a JSON object, got an array");
    CHECK(exec.receipts[3].message == "args: expected a JSON object, got a string");
    CHECK(exec.writes.empty());
  }

  TEST_CASE("args nested too deeply fail the tx before they are parsed") {
    // 200,000 levels would overflow the stack in nlohmann's recursive copy and
    // dump: a block arriving by sync skips the mempool, so the executor guards too.
    Fixture f;
    const size_t depth = 200000;
    std::string deep = R"({"key": "k", "value": "v", "x": )" + std::string(depth, '[') +
                       std::string(depth, ']') + "}";
    std::string ok_depth =
        R"({"key": "k", "value": "v", "x": )" + std::string(60, '[') + std::string(60, ']') + "}";
    BlockExecution exec = f.run({f.chain.tx(f.chain.alice, "kv", "set", deep),
                                 f.chain.tx(f.chain.alice, "kv", "set", ok_depth)});
    CHECK(exec.receipts[0].code == code_of(Status::Code::kInvalid));
    CHECK(exec.receipts[0].message == "args: nested deeper than 64 levels");
    CHECK(exec.receipts[1].code == 0);
  }

  TEST_CASE("an unknown contract or method fails the tx with kNotFound") {
    Fixture f;
    std::vector<core::Tx> txs = {
        f.chain.tx(f.chain.alice, "ledger", "set", "{}"),
        f.chain.tx(f.chain.alice, "", "set", "{}"),
        f.chain.tx(f.chain.alice, "kv", "frobnicate", "{}"),
    };
    BlockExecution exec = f.run(txs);
    for (const auto& r : exec.receipts) CHECK(r.code == code_of(Status::Code::kNotFound));
    CHECK(exec.receipts[0].message == "unknown contract 'ledger'");
    CHECK(exec.receipts[1].message == "unknown contract ''");
    CHECK(exec.receipts[2].message == "kv has no method 'frobnicate'");
  }

  TEST_CASE("exceptions from a contract become failed receipts and execution goes on") {
    Fixture f;
    std::vector<core::Tx> txs = {
        f.kv("throw", json::object()),
        f.kv("int_key", {{"key", "not a number"}}),
        f.kv("set", {{"key", 7}, {"value", "v"}}),  // get<std::string> on a number
        f.kv("set", {{"value", "v"}}),              // at("key") on a missing field
        f.kv("set", {{"key", "ok"}, {"value", "v"}}),
    };
    BlockExecution exec = f.run(txs);
    for (size_t i = 0; i < 4; ++i) {
      CHECK(exec.receipts[i].code == code_of(Status::Code::kInvalid));
      CHECK(exec.receipts[i].write_set_hash == core::write_set_hash({}));
    }
    // Whatever a contract threw, the receipt says the same words of ours: an exception's text
    // (a JSON library's, here) never reaches consensus data.
    for (size_t i = 0; i < 4; ++i) {
      CHECK(exec.receipts[i].message == "kv." +
                                            std::string(i == 0   ? "throw"
                                                        : i == 1 ? "int_key"
                                                                 : "set") +
                                            ": the args do not have the shape the method expects");
    }
    CHECK(exec.receipts[4].ok());
    REQUIRE(exec.writes.size() == 1);
    CHECK(exec.writes[0].key == "kv/ok");
  }

  TEST_CASE("empty keys and keys with NUL are refused") {
    Fixture f;
    std::vector<core::Tx> txs = {
        f.kv("set", {{"key", ""}, {"value", "v"}}),
        f.kv("set", {{"key", std::string("a\0b", 3)}, {"value", "v"}}),
        f.kv("del", {{"key", ""}}),
        f.kv("ops", {{"ops", json::array({json::array({"fine", "1"}), json::array({"", "2"})})}}),
        f.kv("ignore_get_error", {{"key", ""}}),
    };
    BlockExecution exec = f.run(txs);
    for (const auto& r : exec.receipts) CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(exec.receipts[0].message == "state key must not be empty");
    CHECK(exec.receipts[1].message == "state key contains a NUL byte at offset 1");
    CHECK(exec.receipts[2].message == "state key must not be empty");
    CHECK(exec.receipts[3].message == "state key must not be empty");  // "fine" is not kept
    CHECK(exec.receipts[4].message == "state key must not be empty");  // swallowing does not help
    CHECK(exec.writes.empty());
  }

  TEST_CASE("a state read failure fails the whole block, not just the tx") {
    Fixture f;
    fakes::FailingStateView broken;
    // The chain configuration is read first, once per block.
    auto no_config = f.executor.execute_block({f.kv("get", {{"key", "a"}})}, 4, kBlockTimeMs,
                                              core::Hash{}, broken);
    REQUIRE_FALSE(no_config.is_ok());
    CHECK(no_config.status().code() == Status::Code::kIOError);
    CHECK(no_config.status().message().find("block 4: reading the chain config") !=
          std::string::npos);
    CHECK(no_config.status().message().find("governance/config") != std::string::npos);

    broken.fail_prefix = "kv/";
    auto exec = f.executor.execute_block({f.kv("get", {{"key", "a"}})}, 4, kBlockTimeMs,
                                         core::Hash{}, broken);
    REQUIRE_FALSE(exec.is_ok());
    CHECK(exec.status().code() == Status::Code::kIOError);
    CHECK(exec.status().message().find("kv/a") != std::string::npos);
    CHECK(exec.status().message().find("block 4 tx 0") != std::string::npos);

    // Even when the contract swallows the error.
    auto swallowed = f.executor.execute_block({f.kv("ignore_get_error", {{"key", "a"}})}, 4,
                                              kBlockTimeMs, core::Hash{}, broken);
    REQUIRE_FALSE(swallowed.is_ok());
    CHECK(swallowed.status().code() == Status::Code::kIOError);
  }

  TEST_CASE("roots: receipts, write set and the chained state root") {
    Fixture f;
    core::Hash prev = core::sha256("previous state root");
    std::vector<core::Tx> txs = {
        f.kv("set", {{"key", "a"}, {"value", "1"}}),
        f.kv("throw", json::object()),
        f.kv("set", {{"key", "b"}, {"value", "2"}}),
    };
    BlockExecution exec = f.run(txs, 1, prev);
    CHECK(exec.receipts_root == leaf_root(exec.receipts));
    CHECK(exec.write_set_root == core::write_set_root(exec.writes));
    CHECK(exec.state_root == core::next_state_root(prev, exec.write_set_root));
    CHECK(exec.state_root != prev);

    // An empty block still advances the state root, over the empty write set.
    BlockExecution empty = f.run({}, 2, exec.state_root);
    CHECK(empty.receipts.empty());
    CHECK(empty.writes.empty());
    CHECK(empty.receipts_root == core::merkle_root({}));
    CHECK(empty.write_set_root == core::write_set_root({}));
    CHECK(empty.state_root == core::next_state_root(exec.state_root, core::write_set_root({})));
  }

  TEST_CASE("execution is deterministic, and order matters") {
    Fixture f;
    std::vector<core::Tx> txs = {
        f.kv("set", {{"key", "a"}, {"value", "1"}}),
        f.kv("set", {{"key", "b"}, {"value", "2"}}),
        f.kv("throw", json::object()),
    };
    BlockExecution one = f.run(txs);
    BlockExecution two = f.run(txs);
    CHECK(one.receipts_root == two.receipts_root);
    CHECK(one.write_set_root == two.write_set_root);
    CHECK(one.state_root == two.state_root);
    REQUIRE(one.receipts.size() == two.receipts.size());
    for (size_t i = 0; i < one.receipts.size(); ++i) {
      CHECK(one.receipts[i].encode() == two.receipts[i].encode());
    }
    // A second executor over the same genesis agrees.
    Executor other(f.chain.genesis, testing::rules_for(f.chain.genesis));
    REQUIRE(other.add_contract(std::make_unique<KvContract>()).is_ok());
    auto three = other.execute_block(txs, 1, kBlockTimeMs, core::Hash{}, f.state);
    REQUIRE(three.is_ok());
    CHECK(three->state_root == one.state_root);

    std::vector<core::Tx> swapped = {txs[1], txs[0], txs[2]};
    BlockExecution reordered = f.run(swapped);
    CHECK(reordered.state_root != one.state_root);
    CHECK(reordered.receipts_root != one.receipts_root);
  }

  TEST_CASE("state roots chain across blocks") {
    Fixture f;
    core::Hash root0 = core::sha256("genesis");
    std::vector<core::Tx> b1 = {f.kv("set", {{"key", "a"}, {"value", "1"}})};
    BlockExecution e1 = f.run(b1, 1, root0);
    f.state.apply(e1, b1, 1, kBlockTimeMs);
    std::vector<core::Tx> b2 = {f.kv("get", {{"key", "a"}}), f.kv("del", {{"key", "a"}})};
    BlockExecution e2 = f.run(b2, 2, e1.state_root);
    CHECK(e2.receipts[0].result == R"({"value":"1"})");
    CHECK(e2.state_root == core::next_state_root(e1.state_root, e2.write_set_root));
    f.state.apply(e2, b2, 2, kBlockTimeMs);
    CHECK(f.state.size() == 0);
    auto history = f.state.history("kv/a", 0, 10);
    REQUIRE(history.is_ok());
    REQUIRE(history->size() == 2);
    CHECK((*history)[1].deleted);

    // The same block on a different parent gives a different root.
    BlockExecution forked = f.run(b1, 1, core::sha256("another genesis"));
    CHECK(forked.write_set_root == e1.write_set_root);
    CHECK(forked.state_root != e1.state_root);
  }

  TEST_CASE("add_contract refuses taken and malformed names") {
    Fixture f;
    class Named final : public Contract {
     public:
      explicit Named(std::string n) : n_(std::move(n)) {}
      std::string_view name() const override { return n_; }
      core::Result<std::string> call(std::string_view, const json&, TxContext&) override {
        return std::string();
      }

     private:
      std::string n_;
    };
    Status taken = f.executor.add_contract(std::make_unique<Named>("notary"));
    CHECK(taken.code() == Status::Code::kConflict);
    CHECK(taken.message() == "contract 'notary' is already registered");
    CHECK(f.executor.add_contract(std::make_unique<Named>("a/b")).code() == Status::Code::kInvalid);
    CHECK(f.executor.add_contract(std::make_unique<Named>("")).code() == Status::Code::kInvalid);
    CHECK(f.executor.add_contract(nullptr).code() == Status::Code::kInvalid);
    CHECK(f.executor.add_contract(std::make_unique<Named>("other")).is_ok());
  }
}

}  // namespace
}  // namespace silk::contracts
