#include "silk/node/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace silk::node {

namespace {

// Prometheus' float text: integers without a fraction, others with enough digits.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.15g", v);
  }
  return buf;
}

// A label value with \, " and newline escaped.
std::string escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void append_labels(std::string& out, const Labels& labels) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += escape(v);
    out += '"';
  }
  out += '}';
}

struct Route {
  const char* method;
  const char* path;
};
// Index 0 is "other"; RpcMetrics::route_of picks the rest.
constexpr Route kRouteNames[] = {
    {"other", "other"},          {"POST", "/v1/tx"},
    {"GET", "/v1/tx/{id}"},      {"POST", "/v1/txs"},
    {"GET", "/v1/txs"},          {"GET", "/v1/block/latest"},
    {"GET", "/v1/block/hash/{hash}"}, {"GET", "/v1/block/{height}"},
    {"GET", "/v1/state"},        {"GET", "/v1/history"},
    {"GET", "/v1/chain"},        {"GET", "/v1/health"},
    {"GET", "/v1/ready"},        {"POST", "/v1/query"},
    {"GET", "/v1/config"},       {"POST", "/v1/verify"},
    {"GET", "/v1/events"},       {"GET", "/explorer/"},
    {"GET", "/v1/docs/{id}/qr.svg"}, {"GET", "/metrics"},
    {"GET", "/"},
};
constexpr unsigned kStatusCodes[] = {0,   200, 302, 400, 403, 404, 405,
                                     409, 413, 415, 426, 500, 503, 504};

}  // namespace

Histogram::Histogram(std::initializer_list<double> bounds) {
  for (double b : bounds) {
    if (n_ == kMaxBuckets) break;
    bounds_[n_++] = b;
  }
}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < n_ && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  const double micros = std::max(0.0, value) * 1e6;
  sum_micros_.fetch_add(static_cast<uint64_t>(micros), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds.assign(bounds_.begin(), bounds_.begin() + static_cast<std::ptrdiff_t>(n_));
  uint64_t running = 0;
  for (size_t i = 0; i <= n_; ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;  // consistent with the buckets, whatever count_ says meanwhile
  s.sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

Histogram::Histogram()
    : Histogram{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30} {}

void MetricsWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricsWriter::sample(std::string_view name, const Labels& labels, double value) {
  out_ += name;
  append_labels(out_, labels);
  out_ += ' ';
  out_ += number(value);
  out_ += '\n';
}

void MetricsWriter::histogram(std::string_view name, std::string_view help, const Histogram& h,
                              const Labels& labels, bool start_family) {
  if (start_family) family(name, "histogram", help);
  const Histogram::Snapshot s = h.snapshot();
  const std::string base(name);
  for (size_t i = 0; i <= s.bounds.size(); ++i) {
    Labels l = labels;
    l.emplace_back("le", i < s.bounds.size() ? number(s.bounds[i]) : "+Inf");
    sample(base + "_bucket", l, static_cast<double>(s.cumulative[i]));
  }
  sample(base + "_sum", labels, s.sum);
  sample(base + "_count", labels, static_cast<double>(s.count));
}

size_t RpcMetrics::route_of(std::string_view method, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  const bool get = method == "GET";
  const bool post = method == "POST";
  auto is = [&](std::string_view p) { return path == p; };
  auto starts = [&](std::string_view p) { return path.substr(0, p.size()) == p; };
  if (post && is("/v1/tx")) return 1;
  if (get && starts("/v1/tx/")) return 2;
  if (post && is("/v1/txs")) return 3;
  if (get && is("/v1/txs")) return 4;
  if (get && is("/v1/block/latest")) return 5;
  if (get && starts("/v1/block/hash/")) return 6;
  if (get && starts("/v1/block/")) return 7;
  if (get && is("/v1/state")) return 8;
  if (get && is("/v1/history")) return 9;
  if (get && is("/v1/chain")) return 10;
  if (get && is("/v1/health")) return 11;
  if (get && is("/v1/ready")) return 12;
  if (post && is("/v1/query")) return 13;
  if (get && is("/v1/config")) return 14;
  if (post && is("/v1/verify")) return 15;
  if (get && is("/v1/events")) return 16;
  if (get && (is("/explorer") || starts("/explorer/"))) return 17;
  if (get && starts("/v1/docs/") && path.size() > 7 &&
      path.substr(path.size() - 7) == "/qr.svg") {
    return 18;
  }
  if (get && is("/metrics")) return 19;
  if (get && is("/")) return 20;
  return 0;
}

size_t RpcMetrics::status_index(unsigned status) {
  for (size_t i = 1; i < kStatuses; ++i) {
    if (kStatusCodes[i] == status) return i;
  }
  return 0;
}

void RpcMetrics::observe(size_t route, unsigned status, double seconds) {
  if (route >= kRoutes) route = 0;
  counts_[route][status_index(status)].fetch_add(1, std::memory_order_relaxed);
  seconds_[route].observe(seconds);
}

void RpcMetrics::write(MetricsWriter& w) const {
  constexpr size_t kNamed = sizeof(kRouteNames) / sizeof(kRouteNames[0]);
  w.family("silk_rpc_requests_total", "counter",
           "RPC requests answered, by method, route and HTTP status (status 0: any other).");
  for (size_t r = 0; r < kNamed; ++r) {
    for (size_t s = 0; s < kStatuses; ++s) {
      const uint64_t n = counts_[r][s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      w.sample("silk_rpc_requests_total",
               {{"method", kRouteNames[r].method},
                {"route", kRouteNames[r].path},
                {"status", std::to_string(kStatusCodes[s])}},
               static_cast<double>(n));
    }
  }
  w.family("silk_rpc_request_duration_seconds", "histogram",
           "Time from a request read to its answer handed to the connection, by route.");
  for (size_t r = 0; r < kNamed; ++r) {
    if (seconds_[r].snapshot().count == 0) continue;
    w.histogram("silk_rpc_request_duration_seconds", "", seconds_[r],
                {{"method", kRouteNames[r].method}, {"route", kRouteNames[r].path}},
                /*start_family=*/false);
  }
}

void ChainMetrics::count_block(const std::vector<std::pair<std::string, bool>>& contract_ok) {
  std::lock_guard lock(mu_);
  for (const auto& outcome : contract_ok) {
    const std::string& contract = outcome.first;
    auto it = std::find_if(by_contract_.begin(), by_contract_.end(),
                           [&contract](const auto& e) { return e.first == contract; });
    if (it == by_contract_.end()) {
      by_contract_.push_back({contract, {0, 0}});
      it = by_contract_.end() - 1;
    }
    ++it->second[outcome.second ? 0 : 1];
  }
}

void ChainMetrics::write_txs(MetricsWriter& w) const {
  w.family("silk_txs_committed_total", "counter",
           "Txs in blocks this node stored, by contract and outcome (ok, failed: committed with "
           "a non-zero receipt code).");
  std::lock_guard lock(mu_);
  for (const auto& [contract, n] : by_contract_) {
    if (n[0]) {
      w.sample("silk_txs_committed_total", {{"contract", contract}, {"outcome", "ok"}},
               static_cast<double>(n[0]));
    }
    if (n[1]) {
      w.sample("silk_txs_committed_total", {{"contract", contract}, {"outcome", "failed"}},
               static_cast<double>(n[1]));
    }
  }
}

ProcessFigures read_process_figures() {
  ProcessFigures p;
  const long ticks = sysconf(_SC_CLK_TCK);
  const long page = sysconf(_SC_PAGESIZE);
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const size_t close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream in(line.substr(close + 2));
      std::vector<std::string> f;
      for (std::string x; in >> x;) f.push_back(x);
      // f[0] is field 3 (state): field k is f[k - 3].
      auto field = [&](size_t k) -> double {
        return k - 3 < f.size() ? std::strtod(f[k - 3].c_str(), nullptr) : 0;
      };
      if (ticks > 0) {
        p.cpu_seconds = (field(14) + field(15)) / static_cast<double>(ticks);
        double boot = 0;
        std::ifstream st("/proc/stat");
        for (std::string l; std::getline(st, l);) {
          if (l.rfind("btime ", 0) == 0) boot = std::strtod(l.c_str() + 6, nullptr);
        }
        p.start_time_seconds = boot + field(22) / static_cast<double>(ticks);
      }
      p.virtual_bytes = static_cast<uint64_t>(field(23));
      p.resident_bytes = static_cast<uint64_t>(field(24)) * static_cast<uint64_t>(page);
    }
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    uint64_t n = 0;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
    p.open_fds = n > 0 ? n - 1 : 0;  // not the one reading the folder
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) p.max_fds = rl.rlim_cur;
  return p;
}

void write_process_figures(MetricsWriter& w, const ProcessFigures& p) {
  w.family("process_cpu_seconds_total", "counter", "User and system CPU time spent.");
  w.sample("process_cpu_seconds_total", p.cpu_seconds);
  w.family("process_resident_memory_bytes", "gauge", "Resident memory size.");
  w.sample("process_resident_memory_bytes", static_cast<double>(p.resident_bytes));
  w.family("process_virtual_memory_bytes", "gauge", "Virtual memory size.");
  w.sample("process_virtual_memory_bytes", static_cast<double>(p.virtual_bytes));
  w.family("process_open_fds", "gauge", "Open file descriptors.");
  w.sample("process_open_fds", static_cast<double>(p.open_fds));
  w.family("process_max_fds", "gauge", "The descriptor limit (RLIMIT_NOFILE).");
  w.sample("process_max_fds", static_cast<double>(p.max_fds));
  w.family("process_start_time_seconds", "gauge", "Start time of the process, Unix seconds.");
  w.sample("process_start_time_seconds", p.start_time_seconds);
}

}  // namespace silk::node
