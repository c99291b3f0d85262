// Prometheus metrics (docs/api.md "Metrics"): the instruments the hot paths update and
// the text exposition format (0.0.4) GET /metrics answers in.
//
// Instruments are atomics: observing a value takes no lock, so a tx or a request pays a few
// relaxed increments. Whatever is only a figure to read (height, peers, RocksDB's properties) is
// read when /metrics is scraped, not kept up to date.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silk::node {

// A histogram with fixed upper bounds (seconds, bytes, …), cumulative on exposition.
class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 16;
  // Durations from 1 ms to 30 s.
  Histogram();
  explicit Histogram(std::initializer_list<double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::array<double, kMaxBuckets> bounds_{};
  size_t n_ = 0;
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> buckets_{};  // not cumulative; last: +Inf
  std::atomic<uint64_t> sum_micros_{0};  // sum in millionths, so it stays an atomic integer
  std::atomic<uint64_t> count_{0};
};

// Label name and value, in order.
using Labels = std::vector<std::pair<std::string, std::string>>;

// Writes the text exposition format: one HELP and TYPE per family, then its samples.
class MetricsWriter {
 public:
  // Starts a family: type "counter", "gauge" or "histogram".
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  // A whole one-series histogram family (or one series of it when labels are given and the
  // family was started by the caller: pass start_family = false).
  void histogram(std::string_view name, std::string_view help, const Histogram& h,
                 const Labels& labels = {}, bool start_family = true);
  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

// RPC requests by route and status, with their durations (one histogram per route).
class RpcMetrics {
 public:
  // The route label of a request target ("/v1/tx/{id}", "/explorer/", "other").
  static size_t route_of(std::string_view method, std::string_view target);
  void observe(size_t route, unsigned status, double seconds);
  void write(MetricsWriter& w) const;

 private:
  static constexpr size_t kRoutes = 24;
  static constexpr size_t kStatuses = 14;
  static size_t status_index(unsigned status);
  std::array<std::array<std::atomic<uint64_t>, kStatuses>, kRoutes> counts_{};
  std::array<Histogram, kRoutes> seconds_{};
};

// What the chain pipeline and the pool measure (the node owns one; they update it).
struct ChainMetrics {
  Histogram block_build_seconds;
  Histogram block_store_seconds;
  Histogram tx_commit_seconds;  // admission to durable commit

  // Txs committed by contract and outcome: updated once per block, under its lock.
  void count_block(const std::vector<std::pair<std::string, bool>>& contract_ok);
  void write_txs(MetricsWriter& w) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::array<uint64_t, 2>>> by_contract_;  // ok, failed
};

// The process's figures from /proc/self (Linux); zeros where unreadable.
struct ProcessFigures {
  double cpu_seconds = 0;
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  uint64_t open_fds = 0;
  uint64_t max_fds = 0;
  double start_time_seconds = 0;  // Unix time
};
ProcessFigures read_process_figures();
void write_process_figures(MetricsWriter& w, const ProcessFigures& p);

}  // namespace silk::node
