#include "silk/tools/bench.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <iomanip>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "silk/contracts/notary.h"
#include "silk/core/key_file.h"
#include "silk/core/tx.h"
#include "silk/tools/http_client.h"
#include "silk/tools/signer.h"
#include "silk/tools/tx_commands.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

unsigned hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

double seconds_between(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Runs fn(i) for i in [0, threads) on `threads` threads and joins them.
// kInternal when a thread cannot start (the ones started are still joined).
template <typename Fn>
Status run_on_threads(unsigned threads, Fn fn) {
  std::vector<std::thread> pool;
  pool.reserve(threads);
  Status st;
  try {
    for (unsigned i = 0; i < threads; ++i) pool.emplace_back(fn, i);
  } catch (const std::exception& e) {
    st = Status::internal(std::string("cannot start a bench thread: ") + e.what());
  }
  for (std::thread& t : pool) t.join();
  return st;
}

// ---- verify ----

struct SignedMessage {
  core::Hash message;
  core::Signature signature;
};

// Verifies `messages` round-robin for `seconds`; returns the count (or
// kInternal when a signature does not verify, which would be a libsodium bug).
Result<uint64_t> verify_for(const core::PublicKey& pk, const std::vector<SignedMessage>& messages,
                            double seconds) {
  const auto deadline = Steady::now() + std::chrono::duration_cast<Steady::duration>(
                                            std::chrono::duration<double>(seconds));
  uint64_t done = 0;
  size_t i = 0;
  bool bad = false;
  do {
    for (int k = 0; k < 64; ++k) {
      const SignedMessage& m = messages[i];
      bad |= crypto_sign_verify_detached(m.signature.data(), m.message.data(), m.message.size(),
                                         pk.data()) != 0;
      i = (i + 1) % messages.size();
    }
    done += 64;
  } while (Steady::now() < deadline);
  if (bad) return Status::internal("a valid Ed25519 signature did not verify");
  return done;
}

// ---- load ----

// One batch request, ready before the clock starts.
struct Batch {
  size_t first = 0;  // index of its first tx
  size_t size = 0;
  std::string body;  // the POST /v1/txs request
};

// What the client threads report back; guarded by Collector::mu.
struct Collector {
  std::mutex mu;
  std::vector<double> latencies_ms;      // one per committed tx
  std::map<std::string, size_t> errors;  // error text -> count
  Steady::time_point last_commit{};
  std::atomic<size_t> committed{0};
  std::atomic<size_t> failed{0};
};

std::string entry_error(const json& entry) {
  if (!entry.is_object()) return "no result for this tx";
  if (auto e = entry.find("error"); e != entry.end()) {
    if (e->is_object()) {
      return e->value("code", std::string("error")) + ": " + e->value("message", std::string());
    }
    return e->dump();
  }
  if (entry.value("status", std::string()) != "committed") {
    return "status " + entry.value("status", std::string("unknown"));
  }
  auto receipt = entry.find("receipt");
  if (receipt == entry.end() || !receipt->is_object()) return "committed without a receipt";
  if (receipt->value("code", uint64_t{0}) != 0) {
    return "receipt " + receipt->value("code_name", std::string("failed")) + ": " +
           receipt->value("message", std::string());
  }
  return std::string();
}

// Error messages name tx ids and heights; keep only the part before them so
// that equal causes count together.
std::string error_kind(const std::string& text) {
  std::string out = text.substr(0, 80);
  for (const char* cut : {" tx ", " at height", " (", ": 0", ": 1"}) {
    if (auto p = out.find(cut); p != std::string::npos) out.resize(p);
  }
  return out;
}

// Sends one batch and records its outcome. `since` is when the batch was
// due (open loop) or sent (closed loop).
void send_batch(HttpClient& http, const Batch& batch, Steady::time_point since,
                std::chrono::milliseconds http_timeout, Collector& out) {
  auto answer = http.request("POST", "/v1/txs", batch.body, http_timeout);
  const Steady::time_point done = Steady::now();
  const double latency_ms = std::chrono::duration<double, std::milli>(done - since).count();

  std::map<std::string, size_t> errors;
  size_t committed = 0;
  if (!answer.is_ok()) {
    errors[error_kind(answer.status().message())] += batch.size;
  } else if (answer->status != 200) {
    errors["HTTP " + std::to_string(answer->status) + ": " + error_kind(answer->body)] +=
        batch.size;
  } else {
    json body = json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
    const json* results = nullptr;
    if (!body.is_discarded() && body.is_object()) {
      auto it = body.find("results");
      if (it != body.end() && it->is_array() && it->size() == batch.size) results = &*it;
    }
    if (results == nullptr) {
      errors["the node answered without one result per tx"] += batch.size;
    } else {
      for (const json& entry : *results) {
        std::string e = entry_error(entry);
        if (e.empty()) {
          ++committed;
        } else {
          ++errors[error_kind(e)];
        }
      }
    }
  }
  const size_t failed = batch.size - committed;
  std::lock_guard<std::mutex> lock(out.mu);
  out.latencies_ms.insert(out.latencies_ms.end(), committed, latency_ms);
  for (auto& [k, v] : errors) out.errors[k] += v;
  if (committed > 0) out.last_commit = std::max(out.last_commit, done);
  out.committed += committed;
  out.failed += failed;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

double round_to(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

}  // namespace

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  if (p <= 0) return sorted.front();
  if (p >= 100) return sorted.back();
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

LatencySummary summarize_latencies(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  LatencySummary s;
  s.p50 = percentile(values, 50);
  s.p90 = percentile(values, 90);
  s.p99 = percentile(values, 99);
  s.max = percentile(values, 100);
  return s;
}

std::chrono::nanoseconds scheduled_offset(uint64_t txs_before, double rate) {
  if (!(rate > 0)) return std::chrono::nanoseconds(0);
  const long double ns = static_cast<long double>(txs_before) * 1e9L / rate;
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

double verify_bound(unsigned cores, double per_core_rate, unsigned nodes) {
  if (nodes == 0) return 0;
  return static_cast<double>(cores) * per_core_rate / static_cast<double>(nodes);
}

Result<std::vector<std::string>> generate_anchor_txs(const core::SecretKey& key,
                                                     const std::string& chain_id, size_t count,
                                                     uint64_t timestamp_ms, unsigned threads) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  SILK_ASSIGN_OR_RETURN(core::SecretKey copy, core::SecretKey::from_seed(key.seed()));
  SILK_ASSIGN_OR_RETURN(Signer signer, Signer::from_key(std::move(copy), std::nullopt));
  return generate_anchor_txs(signer, chain_id, count, timestamp_ms, threads);
}

Result<std::vector<std::string>> generate_anchor_txs(const Signer& signer,
                                                     const std::string& chain_id, size_t count,
                                                     uint64_t timestamp_ms, unsigned threads) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (threads == 0) threads = hardware_threads();
  threads = static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(threads, count)));
  std::vector<std::string> out(count);
  const std::string contract(contracts::kNotaryContract);
  const std::string method(contracts::kNotaryAnchorMethod);
  SILK_RETURN_IF_ERROR(run_on_threads(threads, [&](unsigned t) {
    for (size_t i = t; i < count; i += threads) {
      core::Hash digest;
      randombytes_buf(digest.data(), digest.size());
      core::Tx tx =
          signer.make_tx(chain_id, contract, method, contracts::notary_anchor_args(digest),
                         random_nonce(), timestamp_ms);
      out[i] = core::to_hex(tx.encode());
    }
  }));
  return out;
}

Result<CommandOutput> run_bench_verify(CommandContext& ctx, const BenchVerifyOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (!(options.seconds > 0) || options.seconds > 3600) {
    return Status::invalid("--seconds must be more than 0 and at most 3600");
  }
  if (options.nodes == 0) return Status::invalid("--nodes must be at least 1");
  const unsigned cores = options.cores == 0 ? hardware_threads() : options.cores;

  // 32-byte messages, as a tx_id is what a tx signature covers.
  const core::SecretKey key = core::SecretKey::generate();
  const core::PublicKey pk = key.public_key();
  std::vector<SignedMessage> messages(256);
  for (SignedMessage& m : messages) {
    randombytes_buf(m.message.data(), m.message.size());
    m.signature = key.sign(core::ByteSpan(m.message.data(), m.message.size()));
  }

  // One core.
  auto t0 = Steady::now();
  SILK_ASSIGN_OR_RETURN(uint64_t single, verify_for(pk, messages, options.seconds));
  const double per_core = static_cast<double>(single) / seconds_between(t0, Steady::now());

  // Every core, one thread each.
  std::vector<uint64_t> counts(cores, 0);
  std::atomic<bool> bad{false};
  t0 = Steady::now();
  SILK_RETURN_IF_ERROR(run_on_threads(cores, [&](unsigned i) {
    auto n = verify_for(pk, messages, options.seconds);
    if (n.is_ok()) {
      counts[i] = *n;
    } else {
      bad = true;
    }
  }));
  const double all_seconds = seconds_between(t0, Steady::now());
  if (bad) return Status::internal("a valid Ed25519 signature did not verify");
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  const double all_cores = static_cast<double>(total) / all_seconds;
  const double bound = verify_bound(cores, per_core, options.nodes);

  CommandOutput out;
  out.json = {{"seconds", options.seconds},
              {"cores", cores},
              {"nodes", options.nodes},
              {"per_core_verifies_per_s", std::llround(per_core)},
              {"all_cores_verifies_per_s", std::llround(all_cores)},
              {"verify_bound", std::llround(bound)}};
  std::ostringstream text;
  text << "ed25519 verify (32-byte messages, " << options.seconds << " s per phase)\n"
       << "one core      " << std::llround(per_core) << " verifies/s\n"
       << cores << " cores       " << std::llround(all_cores) << " verifies/s ("
       << fixed(all_cores / (per_core * cores) * 100, 0) << " % of linear)\n"
       << "verify_bound  " << std::llround(bound) << " txs/s (" << cores << " cores x one core / "
       << options.nodes << (options.nodes == 1 ? " node" : " nodes") << ")\n";
  out.text = text.str();
  return out;
}

Result<CommandOutput> run_bench_load(CommandContext& ctx, const BenchLoadOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (options.txs == 0) return Status::invalid("--txs must be at least 1");
  if (options.concurrency == 0 || options.concurrency > 1024) {
    return Status::invalid("--concurrency must be from 1 to 1024");
  }
  if (options.batch == 0 || options.batch > 10000) {
    return Status::invalid("--batch must be from 1 to 10000");
  }
  if (options.rate && !(*options.rate > 0)) return Status::invalid("--rate must be more than 0");
  if (options.timeout_ms == 0 || options.timeout_ms > 60000) {
    return Status::invalid("--timeout-ms must be from 1 to 60000");
  }

  SILK_ASSIGN_OR_RETURN(Signer signer, Signer::load(ctx, options.key_file, options.cert_file));
  SILK_ASSIGN_OR_RETURN(std::string chain_id, resolve_chain_id(ctx, std::nullopt));
  SILK_ASSIGN_OR_RETURN(Url url, parse_url(ctx.node_url()));

  // Everything before the clock: sign, build the request bodies, connect.
  const auto sign_start = Steady::now();
  SILK_ASSIGN_OR_RETURN(std::vector<std::string> hex,
                        generate_anchor_txs(signer, chain_id, options.txs, ctx.clock().now_ms()));
  const double sign_seconds = seconds_between(sign_start, Steady::now());

  std::vector<Batch> batches;
  const std::string tail =
      "],\"wait\":true,\"timeout_ms\":" + std::to_string(options.timeout_ms) + "}";
  for (size_t first = 0; first < hex.size(); first += options.batch) {
    Batch b;
    b.first = first;
    b.size = std::min(options.batch, hex.size() - first);
    b.body.reserve(b.size * (hex[first].size() + 3) + 64);
    b.body = "{\"txs\":[";
    for (size_t i = first; i < first + b.size; ++i) {
      if (i != first) b.body += ',';
      b.body += '"';
      b.body += hex[i];
      b.body += '"';
    }
    b.body += tail;
    batches.push_back(std::move(b));
  }
  std::vector<std::string>().swap(hex);

  const size_t clients = std::min(options.concurrency, batches.size());
  std::vector<std::unique_ptr<HttpClient>> http;
  for (size_t i = 0; i < clients; ++i) {
    http.push_back(std::make_unique<HttpClient>(url));
    SILK_ASSIGN_OR_RETURN(HttpResponse r,
                          http.back()->request("GET", "/v1/health", "", std::chrono::seconds(10)));
    if (r.status != 200) {
      return Status::unavailable("node at " + url.to_string() + " answered /v1/health with " +
                                 std::to_string(r.status));
    }
  }

  // The run.
  Collector collector;
  std::atomic<size_t> next{0};
  std::atomic<bool> running{true};
  const auto http_timeout = std::chrono::milliseconds(options.timeout_ms + 15000);
  const Steady::time_point start = Steady::now();

  std::thread progress;
  if (options.progress != nullptr) {
    try {
      progress = std::thread([&] {
        std::ostream& os = *options.progress;
        while (running) {
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
          const double s = seconds_between(start, Steady::now());
          const size_t c = collector.committed;
          os << "\rbench load: " << c << "/" << options.txs << " committed, "
             << collector.failed.load() << " failed, " << fixed(s, 1) << " s, "
             << fixed(s > 0 ? static_cast<double>(c) / s : 0, 0) << " tx/s   " << std::flush;
        }
        os << "\r" << std::string(72, ' ') << "\r" << std::flush;
      });
    } catch (const std::exception&) {
      // No progress line then; the run itself does not need it.
    }
  }

  Status st = run_on_threads(static_cast<unsigned>(clients), [&](unsigned i) {
    for (;;) {
      const size_t k = next.fetch_add(1);
      if (k >= batches.size()) return;
      Steady::time_point since = Steady::now();
      if (options.rate) {
        since = start + std::chrono::duration_cast<Steady::duration>(
                            scheduled_offset(batches[k].first, *options.rate));
        std::this_thread::sleep_until(since);
      }
      send_batch(*http[i], batches[k], since, http_timeout, collector);
    }
  });
  const Steady::time_point end = Steady::now();
  running = false;
  if (progress.joinable()) progress.join();
  SILK_RETURN_IF_ERROR(st);

  const size_t committed = collector.committed;
  const size_t failed = collector.failed;
  const double seconds = seconds_between(start, committed > 0 ? collector.last_commit : end);
  const double tps = seconds > 0 ? static_cast<double>(committed) / seconds : 0;
  const LatencySummary lat = summarize_latencies(std::move(collector.latencies_ms));
  const std::string mode = options.rate ? "open" : "closed";

  CommandOutput out;
  json errors = json::object();
  for (const auto& [k, v] : collector.errors) errors[k] = v;
  out.json = {{"txs", options.txs},
              {"committed", committed},
              {"failed", failed},
              {"seconds", round_to(seconds, 3)},
              {"tps", round_to(tps, 1)},
              {"latency_ms",
               {{"p50", round_to(lat.p50, 1)},
                {"p90", round_to(lat.p90, 1)},
                {"p99", round_to(lat.p99, 1)},
                {"max", round_to(lat.max, 1)}}},
              {"concurrency", options.concurrency},
              {"batch", options.batch},
              {"mode", mode},
              {"sign_seconds", round_to(sign_seconds, 3)},
              {"errors", errors}};
  if (options.rate) out.json["rate"] = *options.rate;

  std::ostringstream text;
  text << "bench load: " << mode << " loop";
  if (options.rate) text << " at " << *options.rate << " txs/s";
  text << ", " << options.concurrency << " clients, batches of " << options.batch << "\n"
       << "committed  " << committed << " of " << options.txs << " in " << fixed(seconds, 3)
       << " s (signed in " << fixed(sign_seconds, 3) << " s before the clock)\n"
       << "throughput " << fixed(tps, 1) << " txs/s\n"
       << "latency ms p50 " << fixed(lat.p50, 1) << "  p90 " << fixed(lat.p90, 1) << "  p99 "
       << fixed(lat.p99, 1) << "  max " << fixed(lat.max, 1) << "\n";
  for (const auto& [k, v] : collector.errors) text << "failed     " << v << " x " << k << "\n";
  out.text = text.str();
  if (failed != 0) {
    out.exit_code = 1;
    out.error =
        std::to_string(failed) + " of " + std::to_string(options.txs) + " txs did not commit";
  }
  return out;
}

}  // namespace silk::tools
