#include "silk/tools/bench.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <functional>
#include <iomanip>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "silk/client/http_client.h"
#include "silk/contracts/notary.h"
#include "silk/core/key_file.h"
#include "silk/core/signature_suite.h"
#include "silk/core/tx.h"
#include "silk/tools/signer.h"
#include "silk/tools/tx_commands.h"

namespace silk::tools {

using client::HttpClient;
using client::HttpResponse;
using client::parse_url;
using client::Url;
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

// RSA keys in `bench verify`: the smallest accepted, the most common.
constexpr unsigned kBenchRsaBits = 2048;

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

// A message and its signature in some suite (signature_suite.h).
struct SuiteMessage {
  core::Hash message;
  core::Bytes signature;
};

// As verify_for, through the suite interface.
Result<uint64_t> verify_suite_for(const core::VerifyingKey& key,
                                  const std::vector<SuiteMessage>& messages, double seconds) {
  const auto deadline = Steady::now() + std::chrono::duration_cast<Steady::duration>(
                                            std::chrono::duration<double>(seconds));
  uint64_t done = 0;
  size_t i = 0;
  bool bad = false;
  do {
    for (int k = 0; k < 16; ++k) {
      const SuiteMessage& m = messages[i];
      bad |= !key.verify(core::ByteSpan(m.message.data(), m.message.size()), m.signature).is_ok();
      i = (i + 1) % messages.size();
    }
    done += 16;
  } while (Steady::now() < deadline);
  if (bad) {
    return Status::internal(std::string("a valid ") + core::suite_name(key.suite()) +
                            " signature did not verify");
  }
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

// Judges one answer to a batch of `batch_size`: counts what failed, by
// cause, into `errors` and returns how many committed.
using AnswerCheck = std::function<size_t(const HttpResponse& answer, size_t batch_size,
                                         std::map<std::string, size_t>& errors)>;

// silkd's answer to POST /v1/txs with wait=true: one result per tx.
size_t check_silk_answer(const HttpResponse& answer, size_t batch_size,
                         std::map<std::string, size_t>& errors) {
  if (answer.status != 200) {
    errors["HTTP " + std::to_string(answer.status) + ": " + bench_error_kind(answer.body)] +=
        batch_size;
    return 0;
  }
  json body = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  const json* results = nullptr;
  if (!body.is_discarded() && body.is_object()) {
    auto it = body.find("results");
    if (it != body.end() && it->is_array() && it->size() == batch_size) results = &*it;
  }
  if (results == nullptr) {
    errors["the node answered without one result per tx"] += batch_size;
    return 0;
  }
  size_t committed = 0;
  for (const json& entry : *results) {
    std::string e = entry_error(entry);
    if (e.empty()) {
      ++committed;
    } else {
      ++errors[bench_error_kind(e)];
    }
  }
  return committed;
}

// etcd's answer to a put or a txn: all of the batch or none of it.
size_t check_etcd_answer(const HttpResponse& answer, size_t batch_size,
                         std::map<std::string, size_t>& errors) {
  std::string e = etcd_answer_error(answer.status, answer.body);
  if (e.empty()) return batch_size;
  errors[bench_error_kind(e)] += batch_size;
  return 0;
}

// Sends one batch to `path` and records its outcome. `since` is when the
// batch was due (open loop) or sent (closed loop).
void send_batch(HttpClient& http, const std::string& path, const Batch& batch,
                Steady::time_point since, std::chrono::milliseconds http_timeout,
                const AnswerCheck& check, Collector& out) {
  auto answer = http.request("POST", path, batch.body, http_timeout);
  const Steady::time_point done = Steady::now();
  const double latency_ms = std::chrono::duration<double, std::milli>(done - since).count();

  std::map<std::string, size_t> errors;
  size_t committed = 0;
  if (!answer.is_ok()) {
    errors[bench_error_kind(answer.status().message())] += batch.size;
  } else {
    committed = check(*answer, batch.size, errors);
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

  SILK_ASSIGN_OR_RETURN(core::SignatureSuite suite, core::parse_suite_name(options.suite));
  const std::string name = core::suite_name(suite);

  // 32-byte messages, as a tx_id is what a tx signature covers. Ed25519 is measured exactly as
  // before (libsodium directly); the other suites through their VerifyingKey.
  std::function<Result<uint64_t>()> measure;
  std::vector<SignedMessage> messages;
  std::vector<SuiteMessage> suite_messages;
  core::PublicKey pk{};
  std::optional<core::VerifyingKey> suite_key;
  if (suite == core::SignatureSuite::kEd25519) {
    const core::SecretKey key = core::SecretKey::generate();
    pk = key.public_key();
    messages.resize(256);
    for (SignedMessage& m : messages) {
      randombytes_buf(m.message.data(), m.message.size());
      m.signature = key.sign(core::ByteSpan(m.message.data(), m.message.size()));
    }
    measure = [&] { return verify_for(pk, messages, options.seconds); };
  } else {
    SILK_ASSIGN_OR_RETURN(core::SigningKey key, core::SigningKey::generate(suite, kBenchRsaBits));
    suite_key = key.verifying_key();
    suite_messages.resize(64);
    for (SuiteMessage& m : suite_messages) {
      randombytes_buf(m.message.data(), m.message.size());
      SILK_ASSIGN_OR_RETURN(m.signature,
                            key.sign(core::ByteSpan(m.message.data(), m.message.size())));
    }
    measure = [&] { return verify_suite_for(*suite_key, suite_messages, options.seconds); };
  }

  // One core.
  auto t0 = Steady::now();
  SILK_ASSIGN_OR_RETURN(uint64_t single, measure());
  const double per_core = static_cast<double>(single) / seconds_between(t0, Steady::now());

  // Every core, one thread each.
  std::vector<uint64_t> counts(cores, 0);
  std::atomic<bool> bad{false};
  t0 = Steady::now();
  SILK_RETURN_IF_ERROR(run_on_threads(cores, [&](unsigned i) {
    auto n = measure();
    if (n.is_ok()) {
      counts[i] = *n;
    } else {
      bad = true;
    }
  }));
  const double all_seconds = seconds_between(t0, Steady::now());
  if (bad) return Status::internal("a valid " + name + " signature did not verify");
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  const double all_cores = static_cast<double>(total) / all_seconds;
  const double bound = verify_bound(cores, per_core, options.nodes);

  CommandOutput out;
  out.json = {{"seconds", options.seconds},
              {"suite", name},
              {"cores", cores},
              {"nodes", options.nodes},
              {"per_core_verifies_per_s", std::llround(per_core)},
              {"all_cores_verifies_per_s", std::llround(all_cores)},
              {"verify_bound", std::llround(bound)}};
  std::ostringstream text;
  const std::string key_size =
      suite == core::SignatureSuite::kRsaPssSha256 || suite == core::SignatureSuite::kRsaPkcs1Sha256
          ? ", " + std::to_string(kBenchRsaBits) + "-bit key"
          : "";
  text << name << " verify (32-byte messages" << key_size << ", " << options.seconds
       << " s per phase)\n"
       << "one core      " << std::llround(per_core) << " verifies/s\n"
       << cores << " cores       " << std::llround(all_cores) << " verifies/s ("
       << fixed(all_cores / (per_core * cores) * 100, 0) << " % of linear)\n"
       << "verify_bound  " << std::llround(bound) << " txs/s (" << cores << " cores x one core / "
       << options.nodes << (options.nodes == 1 ? " node" : " nodes") << ")\n";
  out.text = text.str();
  return out;
}

namespace {

// What one load run measured.
struct LoadOutcome {
  size_t committed = 0;
  size_t failed = 0;
  double seconds = 0;  // first send to last commit (or to the end when nothing committed)
  double tps = 0;
  LatencySummary latency;
  std::map<std::string, size_t> errors;
};

struct DriveSpec {
  Url url;
  std::string health_path;  // GET before the clock, on every connection; must answer 200
  std::string post_path;    // where every batch goes
  AnswerCheck check;
  size_t concurrency = 1;
  std::optional<double> rate;
  std::chrono::milliseconds http_timeout{60000};
  size_t total = 0;   // txs or puts, for the progress line
  std::string label;  // "bench load", "bench etcd"
  std::ostream* progress = nullptr;
};

// Opens the connections, then sends `batches` closed loop (each client sends
// its next batch when the last one answered) or open loop (batch k is due at
// scheduled_offset(first tx of k)), and measures.
Result<LoadOutcome> drive(const DriveSpec& spec, const std::vector<Batch>& batches) {
  const size_t clients = std::max<size_t>(1, std::min(spec.concurrency, batches.size()));
  std::vector<std::unique_ptr<HttpClient>> http;
  for (size_t i = 0; i < clients; ++i) {
    http.push_back(std::make_unique<HttpClient>(spec.url));
    SILK_ASSIGN_OR_RETURN(HttpResponse r, http.back()->request("GET", spec.health_path, "",
                                                               std::chrono::seconds(10)));
    if (r.status != 200) {
      return Status::unavailable(spec.url.to_string() + " answered " + spec.health_path + " with " +
                                 std::to_string(r.status));
    }
  }

  Collector collector;
  std::atomic<size_t> next{0};
  std::atomic<bool> running{true};
  const Steady::time_point start = Steady::now();

  std::thread progress;
  if (spec.progress != nullptr) {
    try {
      progress = std::thread([&] {
        std::ostream& os = *spec.progress;
        while (running) {
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
          const double s = seconds_between(start, Steady::now());
          const size_t c = collector.committed;
          os << "\r" << spec.label << ": " << c << "/" << spec.total << " committed, "
             << collector.failed.load() << " failed, " << fixed(s, 1) << " s, "
             << fixed(s > 0 ? static_cast<double>(c) / s : 0, 0) << " /s   " << std::flush;
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
      if (spec.rate) {
        since = start + std::chrono::duration_cast<Steady::duration>(
                            scheduled_offset(batches[k].first, *spec.rate));
        std::this_thread::sleep_until(since);
      }
      send_batch(*http[i], spec.post_path, batches[k], since, spec.http_timeout, spec.check,
                 collector);
    }
  });
  const Steady::time_point end = Steady::now();
  running = false;
  if (progress.joinable()) progress.join();
  SILK_RETURN_IF_ERROR(st);

  LoadOutcome o;
  o.committed = collector.committed;
  o.failed = collector.failed;
  o.seconds = seconds_between(start, o.committed > 0 ? collector.last_commit : end);
  o.tps = o.seconds > 0 ? static_cast<double>(o.committed) / o.seconds : 0;
  o.latency = summarize_latencies(std::move(collector.latencies_ms));
  o.errors = std::move(collector.errors);
  return o;
}

// The JSON fields and text lines bench load and bench etcd share.
void report(const LoadOutcome& o, const std::string& unit, size_t total, size_t concurrency,
            size_t batch, const std::optional<double>& rate, CommandOutput& out,
            std::ostringstream& text) {
  const std::string mode = rate ? "open" : "closed";
  json errors = json::object();
  for (const auto& [k, v] : o.errors) errors[k] = v;
  out.json[unit] = total;
  out.json["committed"] = o.committed;
  out.json["failed"] = o.failed;
  out.json["seconds"] = round_to(o.seconds, 3);
  out.json["tps"] = round_to(o.tps, 1);
  out.json["latency_ms"] = {{"p50", round_to(o.latency.p50, 1)},
                            {"p90", round_to(o.latency.p90, 1)},
                            {"p99", round_to(o.latency.p99, 1)},
                            {"max", round_to(o.latency.max, 1)}};
  out.json["concurrency"] = concurrency;
  out.json["batch"] = batch;
  out.json["mode"] = mode;
  out.json["errors"] = errors;
  if (rate) out.json["rate"] = *rate;
  text << "throughput " << fixed(o.tps, 1) << " " << unit << "/s\n"
       << "latency ms p50 " << fixed(o.latency.p50, 1) << "  p90 " << fixed(o.latency.p90, 1)
       << "  p99 " << fixed(o.latency.p99, 1) << "  max " << fixed(o.latency.max, 1) << "\n";
  for (const auto& [k, v] : o.errors) text << "failed     " << v << " x " << k << "\n";
  out.text = text.str();
  if (o.failed != 0) {
    out.exit_code = 1;
    out.error =
        std::to_string(o.failed) + " of " + std::to_string(total) + " " + unit + " did not commit";
  }
}

Status check_loop_options(size_t n, const char* what, size_t concurrency, size_t batch,
                          size_t max_batch, const std::optional<double>& rate,
                          uint64_t timeout_ms) {
  if (n == 0) return Status::invalid(std::string("--") + what + " must be at least 1");
  if (concurrency == 0 || concurrency > 1024) {
    return Status::invalid("--concurrency must be from 1 to 1024");
  }
  if (batch == 0 || batch > max_batch) {
    return Status::invalid("--batch must be from 1 to " + std::to_string(max_batch));
  }
  if (rate && !(*rate > 0)) return Status::invalid("--rate must be more than 0");
  if (timeout_ms == 0 || timeout_ms > 60000) {
    return Status::invalid("--timeout-ms must be from 1 to 60000");
  }
  return Status();
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<uint8_t>(bytes[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8) |
                       uint32_t{static_cast<uint8_t>(bytes[i + 2])};
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string etcd_put_body(std::string_view key, std::string_view value) {
  return "{\"key\":\"" + base64_encode(key) + "\",\"value\":\"" + base64_encode(value) + "\"}";
}

std::string etcd_txn_put_body(const std::vector<std::string>& keys, std::string_view value) {
  const std::string v = base64_encode(value);
  std::string body = "{\"success\":[";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i != 0) body += ',';
    body += "{\"requestPut\":{\"key\":\"" + base64_encode(keys[i]) + "\",\"value\":\"" + v + "\"}}";
  }
  body += "]}";
  return body;
}

std::string bench_error_kind(const std::string& text) {
  std::string out = text;
  for (const char* cut : {" tx ", " at height", " (", ": 0", ": 1"}) {
    if (auto p = out.find(cut); p != std::string::npos) out.resize(p);
  }
  constexpr size_t kLongest = 160;
  if (out.size() > kLongest) {
    const size_t space = out.rfind(' ', kLongest);
    out.resize(space == std::string::npos || space < kLongest / 2 ? kLongest : space);
    out += " ...";
  }
  return out;
}

std::string etcd_answer_error(int http_status, std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const bool object = !j.is_discarded() && j.is_object();
  std::string message;
  if (object) {
    for (const char* field : {"error", "message"}) {
      auto it = j.find(field);
      if (it != j.end()) {
        message = it->is_string() ? it->get<std::string>() : it->dump();
        break;
      }
    }
  }
  if (http_status != 200) {
    if (message.empty()) message = std::string(body.substr(0, 80));
    return "HTTP " + std::to_string(http_status) + ": " + message;
  }
  if (!object) return "etcd answered with something other than a JSON object";
  if (!message.empty()) return "etcd: " + message;
  if (!j.contains("header")) return "etcd answered without a header";
  return std::string();
}

std::vector<std::string> history_page_targets(const std::string& key, uint64_t versions,
                                              uint64_t page, size_t reads) {
  std::vector<std::string> out;
  if (versions == 0 || page == 0 || reads == 0) return out;
  const uint64_t pages = (versions + page - 1) / page;
  const std::string prefix = "/v1/history?key=" + url_encode_query(key) + "&offset=";
  const std::string suffix = "&limit=" + std::to_string(page);
  out.reserve(reads);
  for (size_t i = 0; i < reads; ++i) {
    out.push_back(prefix + std::to_string((i % pages) * page) + suffix);
  }
  return out;
}

Result<CommandOutput> run_bench_load(CommandContext& ctx, const BenchLoadOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  SILK_RETURN_IF_ERROR(check_loop_options(options.txs, "txs", options.concurrency, options.batch,
                                          10000, options.rate, options.timeout_ms));

  SILK_ASSIGN_OR_RETURN(Signer signer, Signer::load(ctx, options.key_file, options.cert_file));
  SILK_ASSIGN_OR_RETURN(std::string chain_id, resolve_chain_id(ctx, std::nullopt));
  SILK_ASSIGN_OR_RETURN(Url url, ctx.node_endpoint());

  // Everything before the clock: sign, build the request bodies, connect.
  const auto sign_start = Steady::now();
  SILK_ASSIGN_OR_RETURN(std::vector<std::string> hex,
                        generate_anchor_txs(signer, chain_id, options.txs, ctx.clock().now_ms()));
  const double sign_seconds = seconds_between(sign_start, Steady::now());
  const size_t tx_bytes = hex.front().size() / 2;

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

  DriveSpec spec;
  spec.url = url;
  spec.health_path = "/v1/health";
  spec.post_path = "/v1/txs";
  spec.check = check_silk_answer;
  spec.concurrency = options.concurrency;
  spec.rate = options.rate;
  spec.http_timeout = std::chrono::milliseconds(options.timeout_ms + 15000);
  spec.total = options.txs;
  spec.label = "bench load";
  spec.progress = options.progress;
  SILK_ASSIGN_OR_RETURN(LoadOutcome o, drive(spec, batches));

  const std::string mode = options.rate ? "open" : "closed";
  CommandOutput out;
  out.json = json::object();
  out.json["sign_seconds"] = round_to(sign_seconds, 3);
  out.json["tx_bytes"] = tx_bytes;
  std::ostringstream text;
  text << "bench load: " << mode << " loop";
  if (options.rate) text << " at " << *options.rate << " txs/s";
  text << ", " << options.concurrency << " clients, batches of " << options.batch << "\n"
       << "committed  " << o.committed << " of " << options.txs << " in " << fixed(o.seconds, 3)
       << " s (signed in " << fixed(sign_seconds, 3) << " s before the clock)\n";
  report(o, "txs", options.txs, options.concurrency, options.batch, options.rate, out, text);
  return out;
}

Result<CommandOutput> run_bench_etcd(CommandContext& ctx, const BenchEtcdOptions& options) {
  (void)ctx;
  SILK_RETURN_IF_ERROR(core::crypto_init());
  // etcd refuses a txn of more than --max-txn-ops operations (default 128).
  SILK_RETURN_IF_ERROR(check_loop_options(options.puts, "puts", options.concurrency, options.batch,
                                          128, options.rate, options.timeout_ms));
  if (options.value_bytes > (size_t{1} << 20)) {
    return Status::invalid("--value-bytes must be at most 1048576");
  }
  SILK_ASSIGN_OR_RETURN(Url url, parse_url(options.endpoint));

  size_t value_bytes = options.value_bytes;
  if (value_bytes == 0) {
    // The size of a notary anchor tx, as bench load sends it (a plain key).
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> one,
                          generate_anchor_txs(core::SecretKey::generate(), "silk-bench", 1, 0, 1));
    value_bytes = one.front().size() / 2;
  }

  // Keys and bodies before the clock. The run tag keeps runs apart.
  core::Hash tag;
  randombytes_buf(tag.data(), tag.size());
  const std::string prefix = "silk-bench/" + core::to_hex(tag).substr(0, 12) + "/";
  std::string value(value_bytes, '\0');
  randombytes_buf(value.data(), value.size());
  std::vector<Batch> batches;
  for (size_t first = 0; first < options.puts; first += options.batch) {
    Batch b;
    b.first = first;
    b.size = std::min(options.batch, options.puts - first);
    if (options.batch == 1) {
      b.body = etcd_put_body(prefix + std::to_string(first), value);
    } else {
      std::vector<std::string> keys;
      for (size_t i = first; i < first + b.size; ++i) keys.push_back(prefix + std::to_string(i));
      b.body = etcd_txn_put_body(keys, value);
    }
    batches.push_back(std::move(b));
  }

  DriveSpec spec;
  spec.url = url;
  spec.health_path = "/health";
  spec.post_path = options.batch == 1 ? "/v3/kv/put" : "/v3/kv/txn";
  spec.check = check_etcd_answer;
  spec.concurrency = options.concurrency;
  spec.rate = options.rate;
  spec.http_timeout = std::chrono::milliseconds(options.timeout_ms);
  spec.total = options.puts;
  spec.label = "bench etcd";
  spec.progress = options.progress;
  SILK_ASSIGN_OR_RETURN(LoadOutcome o, drive(spec, batches));

  const std::string mode = options.rate ? "open" : "closed";
  CommandOutput out;
  out.json = json::object();
  out.json["target"] = "etcd";
  out.json["endpoint"] = url.to_string();
  out.json["api"] = options.batch == 1 ? "kv/put" : "kv/txn";
  out.json["value_bytes"] = value_bytes;
  std::ostringstream text;
  text << "bench etcd: " << mode << " loop";
  if (options.rate) text << " at " << *options.rate << " puts/s";
  text << ", " << options.concurrency << " clients, "
       << (options.batch == 1 ? std::string("one put per POST /v3/kv/put")
                              : std::to_string(options.batch) + " puts per POST /v3/kv/txn")
       << ", values of " << value_bytes << " bytes\n"
       << "committed  " << o.committed << " of " << options.puts << " in " << fixed(o.seconds, 3)
       << " s\n";
  report(o, "puts", options.puts, options.concurrency, options.batch, options.rate, out, text);
  return out;
}

Result<CommandOutput> run_bench_history(CommandContext& ctx, const BenchHistoryOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (options.versions == 0 || options.versions > 100000) {
    return Status::invalid("--versions must be from 1 to 100000");
  }
  if (options.batch == 0 || options.batch > 10000) {
    return Status::invalid("--batch must be from 1 to 10000");
  }
  if (options.page == 0 || options.page > 1000) return Status::invalid("--page must be 1..1000");
  if (options.reads == 0 || options.reads > 1000000) {
    return Status::invalid("--reads must be from 1 to 1000000");
  }
  SILK_ASSIGN_OR_RETURN(Signer signer, Signer::load(ctx, options.key_file, options.cert_file));
  SILK_ASSIGN_OR_RETURN(std::string chain_id, resolve_chain_id(ctx, std::nullopt));
  SILK_ASSIGN_OR_RETURN(Url url, ctx.node_endpoint());
  const std::string key = "documents/type_index";
  const auto timeout = std::chrono::milliseconds(75000);
  HttpClient http(url);

  // Write: one register_type per version, in batches that wait for commit.
  core::Hash tag;
  randombytes_buf(tag.data(), tag.size());
  const std::string code_prefix = "h" + core::to_hex(tag).substr(0, 4) + "_";
  const uint64_t now_ms = ctx.clock().now_ms();
  std::map<std::string, size_t> errors;
  size_t written = 0;
  const auto write_start = Steady::now();
  for (size_t first = 0; first < options.versions; first += options.batch) {
    const size_t n = std::min(options.batch, options.versions - first);
    json txs = json::array();
    for (size_t i = first; i < first + n; ++i) {
      json args = {{"code", code_prefix + std::to_string(i)},
                   {"name", "bench history " + std::to_string(i)},
                   {"issuer_roles", {"issuer"}},
                   {"service_type", "bench"}};
      core::Tx tx = signer.make_tx(chain_id, "documents", "register_type", args.dump(),
                                   random_nonce(), now_ms);
      txs.push_back(core::to_hex(tx.encode()));
    }
    json body = {{"txs", std::move(txs)}, {"wait", true}, {"timeout_ms", 60000}};
    SILK_ASSIGN_OR_RETURN(HttpResponse r, http.request("POST", "/v1/txs", body.dump(), timeout));
    written += check_silk_answer(r, n, errors);
  }
  const double write_seconds = seconds_between(write_start, Steady::now());

  // Page through everything once, untimed: how many versions the key has.
  size_t found = 0;
  size_t max_value_bytes = 0;
  size_t total_value_bytes = 0;
  for (uint64_t offset = 0;;) {
    SILK_ASSIGN_OR_RETURN(HttpResponse r,
                          http.request("GET",
                                       "/v1/history?key=" + url_encode_query(key) +
                                           "&offset=" + std::to_string(offset) + "&limit=1000",
                                       "", timeout));
    json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (r.status != 200 || j.is_discarded() || !j.is_object() || !j["versions"].is_array()) {
      return Status::unavailable("GET /v1/history answered " + std::to_string(r.status) + ": " +
                                 r.body.substr(0, 200));
    }
    for (const json& v : j["versions"]) {
      if (v.contains("value")) {
        const size_t bytes = v["value"].dump().size();
        max_value_bytes = std::max(max_value_bytes, bytes);
        total_value_bytes += bytes;
      }
      ++found;
    }
    if (!j["next_offset"].is_number_unsigned()) break;
    offset = j["next_offset"].get<uint64_t>();
  }

  // Read: the timed pages.
  std::vector<double> latencies;
  latencies.reserve(options.reads);
  for (const std::string& target : history_page_targets(key, found, options.page, options.reads)) {
    const auto t0 = Steady::now();
    SILK_ASSIGN_OR_RETURN(HttpResponse r, http.request("GET", target, "", timeout));
    const auto t1 = Steady::now();
    if (r.status != 200) {
      return Status::unavailable("GET " + target + " answered " + std::to_string(r.status));
    }
    latencies.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  const LatencySummary lat = summarize_latencies(std::move(latencies));

  CommandOutput out;
  json errs = json::object();
  for (const auto& [k, v] : errors) errs[k] = v;
  out.json = {{"key", key},
              {"versions_written", written},
              {"versions", found},
              {"page", options.page},
              {"reads", options.reads},
              {"write_seconds", round_to(write_seconds, 3)},
              {"max_value_bytes", max_value_bytes},
              {"mean_value_bytes", found > 0 ? total_value_bytes / found : 0},
              {"latency_ms",
               {{"p50", round_to(lat.p50, 2)},
                {"p90", round_to(lat.p90, 2)},
                {"p99", round_to(lat.p99, 2)},
                {"max", round_to(lat.max, 2)}}},
              {"errors", errs}};
  std::ostringstream text;
  text << "bench history: " << key << ", " << written << " of " << options.versions
       << " versions written in " << fixed(write_seconds, 3) << " s; " << found
       << " versions on chain (values " << (found > 0 ? total_value_bytes / found : 0)
       << " bytes on average, at most " << max_value_bytes << ")\n"
       << options.reads << " GET /v1/history pages of " << options.page << ", one at a time\n"
       << "latency ms p50 " << fixed(lat.p50, 2) << "  p90 " << fixed(lat.p90, 2) << "  p99 "
       << fixed(lat.p99, 2) << "  max " << fixed(lat.max, 2) << "\n";
  for (const auto& [k, v] : errors) text << "failed     " << v << " x " << k << "\n";
  out.text = text.str();
  if (written != options.versions || found < written) {
    out.exit_code = 1;
    out.error = std::to_string(options.versions - written) + " writes failed; " +
                std::to_string(found) + " versions found";
  }
  return out;
}

}  // namespace silk::tools
