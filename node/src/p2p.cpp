#include "silk/node/p2p.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "silk/node/log.h"
#include "silk/core/openssl_error.h"

namespace silk::node {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using core::Bytes;
using core::Certificate;
using core::PublicKey;
using core::Status;
using Clock = std::chrono::steady_clock;

namespace p2p_detail {

constexpr size_t kMaxFramesPerWrite = 64;  // frames gathered into one TLS write
constexpr int kRefusalLogsPerSecond = 20;  // beyond that, refusals are logged at debug

// "1a2b3c4d5e6f7a8b": enough of a key to tell nodes apart in a log.
std::string short_key(const PublicKey& key) { return core::to_hex(core::ByteSpan(key.data(), 8)); }

std::string endpoint_text(const tcp::endpoint& ep) {
  const auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

using core::openssl_error;

// A connection that stops delivering must not keep its peer's place: a link that died without a
// reset, or a path whose retransmission timer backed off to tens of seconds across a partition
// (docs/reliability.md, the partition runs). The kernel closes a connection whose sent data stays
// unacknowledged for kUserTimeout (TCP_USER_TIMEOUT) and probes an idle one (keepalive: after
// 5 s, every 2 s, 3 times); the dialer then reconnects. Best effort: an option the kernel refuses
// leaves the connection as it was.
constexpr unsigned kUserTimeoutMs = 10000;

void set_liveness_options(tcp::socket& socket) {
  const int fd = socket.native_handle();
  const int on = 1, idle = 5, interval = 2, count = 3;
  const unsigned user_timeout = kUserTimeoutMs;
  (void)::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
}

class Connection;
class Dialer;

// The SSL ex_data slot that points at the Connection (Boost.Asio owns SSL_get_app_data: its
// engine deletes whatever is there as its own verify callback).
int connection_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace p2p_detail

using p2p_detail::Connection;
using p2p_detail::Dialer;

struct P2pNetwork::Shared {
  Shared(P2pConfig c, P2pReceiveCallback cb)
      : config(std::move(c)), on_receive(std::move(cb)), tls(ssl::context::tls) {}

  // The peer's leaf certificate if the consortium accepts it; else why not.
  core::Result<Certificate> check_peer(X509* leaf, const std::optional<PublicKey>& expected) const;
  // Keeps `conn` as the connection to its peer, or refuses it as a duplicate (false).
  bool register_connection(const std::shared_ptr<Connection>& conn);
  // Forgets a closed connection; tells the dialers.
  void connection_closed(Connection& conn);
  // Counts a refused handshake, remembers its reason and logs it (rate-limited).
  void refused(const std::string& reason, const std::string& line);
  uint64_t now_ms() const;
  // Gives a new inbound connection from `address` a handshake slot (P2pConfig's handshake
  // slots); returns the slot's id, and in `evict` the connection whose slot it took, if any.
  uint64_t take_slot(const std::string& address, const std::shared_ptr<Connection>& conn,
                     std::shared_ptr<Connection>& evict);
  // Frees a slot (when its handshake ends); nothing when it was taken already.
  void release_slot(uint64_t id);

  const P2pConfig config;
  const P2pReceiveCallback on_receive;
  PublicKey self{};
  ssl::context tls;
  std::atomic<bool> stopping{false};
  // Inbound connections in their TLS handshake, oldest first.
  struct HandshakeSlot {
    uint64_t id = 0;
    std::string address;
    std::weak_ptr<Connection> conn;
  };
  std::mutex slots_mu;           // guards slots and next_slot
  std::list<HandshakeSlot> slots;
  uint64_t next_slot = 1;
  std::set<std::string> known_addresses;  // configured peers' IP addresses; fixed after start()
  std::unique_ptr<tcp::acceptor> acceptor;               // on a strand of the io_context
  std::map<PublicKey, std::shared_ptr<Dialer>> dialers;  // fixed after start()

  mutable std::mutex mu;                                   // guards peers and live
  std::map<PublicKey, std::shared_ptr<Connection>> peers;  // authenticated, one per peer
  std::set<Connection*> live;                              // every Connection object

  std::atomic<uint64_t> frames_sent{0}, frames_received{0}, dropped_not_connected{0},
      slow_readers{0}, handshakes_refused{0}, handshakes_evicted{0}, oversized_frames{0},
      bytes_sent{0}, bytes_received{0};

  mutable std::mutex log_mu;  // guards the three below
  Clock::time_point log_window{};
  int log_count = 0;
  std::string last_refusal;
};

namespace p2p_detail {

// Redials one configured peer whenever it is not connected, with exponential backoff. All of its
// state lives on its strand. busy_ is true from a dial attempt until the connection it made ends.
class Dialer : public std::enable_shared_from_this<Dialer> {
 public:
  Dialer(std::shared_ptr<P2pNetwork::Shared> shared, asio::io_context& ioc, P2pPeerAddress peer)
      : shared_(std::move(shared)),
        ioc_(ioc),
        peer_(std::move(peer)),
        strand_(asio::make_strand(ioc)),
        timer_(strand_),
        resolver_(strand_),
        backoff_(shared_->config.reconnect_initial) {}

  const PublicKey& key() const { return peer_.public_key; }

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      self->busy_ = true;
      self->attempt();
    });
  }

  // The connection this dialer made has ended; `stable` when it lasted long enough to reset the
  // backoff.
  void connection_ended(bool stable) {
    asio::post(strand_, [self = shared_from_this(), stable] {
      self->busy_ = false;
      self->retry_later(stable);
    });
  }

  // A connection to this peer that this dialer did not make has ended.
  void peer_lost() {
    asio::post(strand_, [self = shared_from_this()] {
      if (!self->busy_) self->retry_later(true);
    });
  }

  // Only when no thread runs the io_context.
  void cancel() {
    timer_.cancel();
    resolver_.cancel();
  }

 private:
  void retry_later(bool stable) {
    if (shared_->stopping.load()) return;
    if (stable) backoff_ = shared_->config.reconnect_initial;
    const auto delay = backoff_;
    backoff_ = std::min(backoff_ * 2, shared_->config.reconnect_max);
    busy_ = true;
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      self->attempt();
    });
  }

  void failed(const std::string& what, const boost::system::error_code& ec) {
    // A peer that is down is routine, and retried: not worth more than debug.
    logger("p2p")->debug("dial failed peer={} address={}:{} step={} error=\"{}\"",
                         short_key(peer_.public_key), peer_.host, peer_.port, what, ec.message());
    retry_later(false);
  }

  void attempt() {
    if (shared_->stopping.load()) return;
    {
      std::lock_guard lock(shared_->mu);
      if (shared_->peers.count(peer_.public_key)) {  // it dialled us: wait until that ends
        busy_ = false;
        return;
      }
    }
    resolver_.async_resolve(
        peer_.host, std::to_string(peer_.port),
        [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
          if (ec) return self->failed("resolve", ec);
          self->connect(std::move(r));
        });
  }

  void connect(tcp::resolver::results_type results);

  const std::shared_ptr<P2pNetwork::Shared> shared_;
  asio::io_context& ioc_;
  const P2pPeerAddress peer_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;
  tcp::resolver resolver_;
  std::chrono::milliseconds backoff_;
  bool busy_ = false;
};

// One TLS connection, inbound or outbound. Everything it does runs on its strand (the socket's
// executor); enqueue() and close() may be called from anywhere.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<P2pNetwork::Shared> shared, tcp::socket socket, bool outbound,
             std::optional<PublicKey> expected, std::shared_ptr<Dialer> dialer)
      : shared_(std::move(shared)),
        remote_(remote_text(socket)),
        stream_(std::move(socket), shared_->tls),
        timer_(stream_.get_executor()),
        outbound_(outbound),
        expected_(expected),
        dialer_(std::move(dialer)) {
    SSL_set_ex_data(stream_.native_handle(), connection_index(), this);
    std::lock_guard lock(shared_->mu);
    shared_->live.insert(this);
  }

  ~Connection() {
    std::lock_guard lock(shared_->mu);
    shared_->live.erase(this);
  }

  bool outbound() const { return outbound_; }
  // Valid once the handshake succeeded.
  const PublicKey& peer_key() const { return peer_key_; }
  const std::optional<PublicKey>& expected() const { return expected_; }
  const std::shared_ptr<Dialer>& dialer() const { return dialer_; }
  // Set by the certificate check during the handshake.
  void set_peer(Certificate cert) { peer_cert_.emplace(std::move(cert)); }
  void set_refusal(std::string reason) { refusal_ = std::move(reason); }

  // Before start(): the inbound handshake slot this connection holds.
  void set_slot(uint64_t id) { slot_ = id; }

  void start() {
    in_handshake_ = true;
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->handshake(); });
  }

  // Payload bytes handed to enqueue() and not yet written or dropped. Any thread.
  size_t unwritten_bytes() const { return unwritten_bytes_.load(); }

  void enqueue(std::shared_ptr<const Bytes> payload) {
    unwritten_bytes_.fetch_add(payload->size());
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), p = std::move(payload)] { self->push(std::move(p)); });
  }

  void close(std::string reason) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), r = std::move(reason)] { self->shutdown(r); });
  }

  // Only when no thread runs the io_context.
  void force_close() {
    boost::system::error_code ignored;
    timer_.cancel();
    stream_.lowest_layer().close(ignored);
  }

 private:
  static std::string remote_text(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    return ec ? "unknown" : endpoint_text(ep);
  }

  void handshake() {
    timer_.expires_after(shared_->config.handshake_timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->shutdown("TLS handshake timed out");
    });
    stream_.async_handshake(
        outbound_ ? ssl::stream_base::client : ssl::stream_base::server,
        [self = shared_from_this()](boost::system::error_code ec) { self->on_handshake(ec); });
  }

  void end_handshake() {
    if (!in_handshake_) return;
    in_handshake_ = false;
    if (slot_ != 0) shared_->release_slot(slot_);
    slot_ = 0;
  }

  void on_handshake(boost::system::error_code ec) {
    timer_.cancel();
    end_handshake();
    if (closed_) return;
    if (ec || !peer_cert_) {
      const std::string reason = !refusal_.empty() ? refusal_
                                 : ec              ? "TLS handshake failed: " + ec.message()
                                                   : "no peer certificate";
      shared_->refused(
          reason, fmt::format("connection refused remote={} direction={} reason=\"{}\"", remote_,
                              outbound_ ? "outbound" : "inbound", reason));
      return shutdown(reason, /*log=*/false);
    }
    peer_key_ = peer_cert_->public_key();
    if (!shared_->register_connection(shared_from_this())) {
      logger("p2p")->debug("duplicate connection closed peer={} remote={} direction={}",
                           short_key(peer_key_), remote_, outbound_ ? "outbound" : "inbound");
      return shutdown("duplicate connection", /*log=*/false);
    }
    registered_ = true;
    established_at_ = Clock::now();
    logger("p2p")->info("peer connected peer={} subject=\"{}\" remote={} direction={}",
                        short_key(peer_key_), core::format_dn(peer_cert_->subject()), remote_,
                        outbound_ ? "outbound" : "inbound");
    read_header();
    if (!queue_.empty()) write_some();
  }

  void read_header() {
    asio::async_read(
        stream_, asio::buffer(header_),
        [self = shared_from_this()](boost::system::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(boost::system::error_code ec) {
    if (ec) return shutdown(read_error(ec));
    const uint32_t len =
        static_cast<uint32_t>(header_[0]) | static_cast<uint32_t>(header_[1]) << 8 |
        static_cast<uint32_t>(header_[2]) << 16 | static_cast<uint32_t>(header_[3]) << 24;
    if (len > shared_->config.max_frame_bytes) {
      shared_->oversized_frames.fetch_add(1);
      logger("p2p")->warn(
          "oversized frame, closing peer={} remote={} frame_bytes={} max_frame_bytes={}",
          short_key(peer_key_), remote_, len, shared_->config.max_frame_bytes);
      return shutdown("frame of " + std::to_string(len) + " bytes is over the limit of " +
                          std::to_string(shared_->config.max_frame_bytes),
                      /*log=*/false);
    }
    payload_.assign(len, 0);
    if (len == 0) return deliver();
    asio::async_read(stream_, asio::buffer(payload_),
                     [self = shared_from_this()](boost::system::error_code rec, size_t) {
                       if (rec) return self->shutdown(self->read_error(rec));
                       self->deliver();
                     });
  }

  void deliver() {
    if (closed_ || shared_->stopping.load()) return;
    shared_->frames_received.fetch_add(1);
    shared_->bytes_received.fetch_add(4 + payload_.size());
    if (shared_->on_receive) shared_->on_receive(peer_key_, std::move(payload_));
    payload_ = Bytes();
    read_header();
  }

  static std::string read_error(boost::system::error_code ec) {
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) return "closed by peer";
    return ec.message();
  }

  void push(std::shared_ptr<const Bytes> payload) {
    const auto n = static_cast<uint32_t>(payload->size());
    if (closed_) {
      unwritten_bytes_.fetch_sub(n);
      return;
    }
    if (queue_.size() + inflight_.size() >= shared_->config.max_queued_frames ||
        queued_bytes_ + n > shared_->config.max_queued_bytes) {
      unwritten_bytes_.fetch_sub(n);
      shared_->slow_readers.fetch_add(1);
      return shutdown("slow reader: " + std::to_string(queue_.size() + inflight_.size()) +
                      " frames, " + std::to_string(queued_bytes_) +
                      " bytes not yet read (limits p2p max_queued_frames, max_queued_bytes)");
    }
    queued_bytes_ += n;
    Frame f;
    f.header = {static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8),
                static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 24)};
    f.payload = std::move(payload);
    queue_.push_back(std::move(f));
    if (!writing_ && registered_) write_some();
  }

  void write_some() {
    writing_ = true;
    while (!queue_.empty() && inflight_.size() < kMaxFramesPerWrite) {
      inflight_.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    buffers_.clear();
    for (const Frame& f : inflight_) {
      buffers_.emplace_back(f.header.data(), f.header.size());
      if (!f.payload->empty()) buffers_.emplace_back(f.payload->data(), f.payload->size());
    }
    asio::async_write(stream_, buffers_,
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        self->on_written(ec);
                      });
  }

  void on_written(boost::system::error_code ec) {
    writing_ = false;
    if (!ec) shared_->frames_sent.fetch_add(inflight_.size());
    for (const Frame& f : inflight_) {
      if (!ec) shared_->bytes_sent.fetch_add(4 + f.payload->size());
      queued_bytes_ -= f.payload->size();
      unwritten_bytes_.fetch_sub(f.payload->size());
    }
    inflight_.clear();
    if (ec) return shutdown("write failed: " + ec.message());
    if (!queue_.empty() && !closed_) write_some();
  }

  // Closes the socket (pending operations complete with operation_aborted) and forgets the
  // connection. Safe to call more than once.
  void shutdown(const std::string& reason, bool log = true) {
    if (closed_) return;
    closed_ = true;
    end_handshake();
    boost::system::error_code ignored;
    timer_.cancel();
    stream_.lowest_layer().close(ignored);
    for (const Frame& f : queue_) {  // inflight_: on_written
      queued_bytes_ -= f.payload->size();
      unwritten_bytes_.fetch_sub(f.payload->size());
    }
    queue_.clear();
    if (registered_ && log && !shared_->stopping.load()) {
      logger("p2p")->info("peer disconnected peer={} remote={} reason=\"{}\"", short_key(peer_key_),
                          remote_, reason);
    }
    const bool stable =
        registered_ && Clock::now() - established_at_ >= shared_->config.reconnect_max;
    shared_->connection_closed(*this);
    if (dialer_) dialer_->connection_ended(stable);
  }

  struct Frame {
    std::array<uint8_t, 4> header{};
    std::shared_ptr<const Bytes> payload;
  };

  const std::shared_ptr<P2pNetwork::Shared> shared_;
  const std::string remote_;
  ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;  // the handshake deadline
  const bool outbound_;
  const std::optional<PublicKey> expected_;  // outbound: the key the peer must hold
  const std::shared_ptr<Dialer> dialer_;     // outbound: who to tell when this ends
  std::optional<Certificate> peer_cert_;
  std::string refusal_;
  PublicKey peer_key_{};
  bool in_handshake_ = false;
  uint64_t slot_ = 0;  // inbound, in the handshake: its slot
  bool registered_ = false;
  bool closed_ = false;
  bool writing_ = false;
  Clock::time_point established_at_{};
  std::array<uint8_t, 4> header_{};
  Bytes payload_;
  std::deque<Frame> queue_;  // not yet written
  size_t queued_bytes_ = 0;  // payload bytes in queue_ and inflight_
  std::atomic<size_t> unwritten_bytes_{0};  // the same, and what is posted to push()
  std::vector<Frame> inflight_;
  std::vector<asio::const_buffer> buffers_;
};

void Dialer::connect(tcp::resolver::results_type results) {
  auto socket = std::make_shared<tcp::socket>(asio::make_strand(ioc_));
  asio::async_connect(
      *socket, results,
      [self = shared_from_this(), socket](boost::system::error_code ec, const tcp::endpoint&) {
        if (ec) return self->failed("connect", ec);
        if (self->shared_->stopping.load()) return;
        boost::system::error_code ignored;
        socket->set_option(tcp::no_delay(true), ignored);
        set_liveness_options(*socket);
        auto conn = std::make_shared<Connection>(self->shared_, std::move(*socket),
                                                 /*outbound=*/true, self->peer_.public_key, self);
        conn->start();
      });
}

// Runs inside the TLS handshake on the connection's strand (SSL_CTX_set_cert_verify_callback):
// replaces OpenSSL's path building with the consortium's rules.
int verify_peer_certificate(X509_STORE_CTX* store, void* arg) {
  const auto* shared = static_cast<const P2pNetwork::Shared*>(arg);
  auto* ssl_handle =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* conn = ssl_handle
                   ? static_cast<Connection*>(SSL_get_ex_data(ssl_handle, connection_index()))
                   : nullptr;
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (conn == nullptr || leaf == nullptr) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  auto checked = shared->check_peer(leaf, conn->expected());
  if (!checked.is_ok()) {
    conn->set_refusal(checked.status().message());
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  conn->set_peer(std::move(checked).value());
  return 1;
}

}  // namespace p2p_detail

core::Result<Certificate> P2pNetwork::Shared::check_peer(
    X509* leaf, const std::optional<PublicKey>& expected) const {
  unsigned char* der = nullptr;
  const int len = i2d_X509(leaf, &der);
  if (len <= 0)
    return Status::invalid("peer certificate: cannot encode: " + p2p_detail::openssl_error());
  auto parsed = core::parse_certificate(core::ByteSpan(der, static_cast<size_t>(len)));
  OPENSSL_free(der);
  if (!parsed.is_ok()) return Status::invalid("peer " + parsed.status().message());
  Certificate cert = *parsed;
  const std::string who = "peer " + core::format_dn(cert.subject());
  const std::vector<Certificate> cas =
      config.current_trusted_cas ? config.current_trusted_cas() : config.trusted_cas;
  auto chained = core::verify_chain(cert, cas, now_ms());
  if (!chained.is_ok()) {
    return Status::unauthorized(who + ": not chained to a consortium CA (" +
                                chained.status().message() + ")");
  }
  if (cert.subject().org_unit != "node") {
    const std::string role = cert.subject().org_unit.empty() ? "(none)" : cert.subject().org_unit;
    return Status::unauthorized(who + ": role " + role + " is not a node");
  }
  if (cert.public_key() == self) return Status::unauthorized(who + ": is this node itself");
  if (expected && cert.public_key() != *expected) {
    return Status::unauthorized(who + ": public key " + p2p_detail::short_key(cert.public_key()) +
                                " is not the expected " + p2p_detail::short_key(*expected));
  }
  return cert;
}

bool P2pNetwork::Shared::register_connection(const std::shared_ptr<Connection>& conn) {
  std::shared_ptr<Connection> replaced;
  {
    std::lock_guard lock(mu);
    if (stopping.load()) return false;
    const PublicKey& key = conn->peer_key();
    auto it = peers.find(key);
    if (it == peers.end()) {
      peers.emplace(key, conn);
      return true;
    }
    // Both sides keep the connection dialled by the lower key; between two equally preferred
    // ones (the peer reconnected before we saw the old one drop) the newer.
    const bool we_are_lower = self < key;
    const bool conn_preferred = conn->outbound() == we_are_lower;
    const bool existing_preferred = it->second->outbound() == we_are_lower;
    if (existing_preferred && !conn_preferred) return false;
    replaced = std::move(it->second);
    it->second = conn;
  }
  replaced->close("replaced by a newer connection");
  return true;
}

void P2pNetwork::Shared::connection_closed(Connection& conn) {
  bool lost = false;
  {
    std::lock_guard lock(mu);
    auto it = peers.find(conn.peer_key());
    if (it != peers.end() && it->second.get() == &conn) {
      peers.erase(it);
      lost = true;
    }
  }
  if (!lost || stopping.load()) return;
  auto d = dialers.find(conn.peer_key());
  if (d != dialers.end() && d->second != conn.dialer()) d->second->peer_lost();
}

uint64_t P2pNetwork::Shared::take_slot(const std::string& address,
                                      const std::shared_ptr<Connection>& conn,
                                      std::shared_ptr<Connection>& evict) {
  std::lock_guard lock(slots_mu);
  auto victim = slots.end();
  std::map<std::string, size_t> per_address;
  for (const HandshakeSlot& s : slots) ++per_address[s.address];
  if (per_address[address] >= std::max<size_t>(config.max_handshakes_per_address, 1)) {
    victim = std::find_if(slots.begin(), slots.end(),
                          [&](const HandshakeSlot& s) { return s.address == address; });
  } else if (slots.size() >= std::max<size_t>(config.max_inbound_handshakes, 1)) {
    // The address holding the most slots, configured peers' addresses last; its oldest slot.
    std::string worst;
    std::pair<bool, size_t> worst_rank{false, 0};
    for (const auto& [a, n] : per_address) {
      const std::pair<bool, size_t> rank{!known_addresses.count(a), n};
      if (n > 0 && rank > worst_rank) worst = a, worst_rank = rank;
    }
    victim = std::find_if(slots.begin(), slots.end(),
                          [&](const HandshakeSlot& s) { return s.address == worst; });
  }
  if (victim != slots.end()) {
    evict = victim->conn.lock();
    slots.erase(victim);
  }
  const uint64_t id = next_slot++;
  slots.push_back({id, address, conn});
  return id;
}

void P2pNetwork::Shared::release_slot(uint64_t id) {
  std::lock_guard lock(slots_mu);
  auto it = std::find_if(slots.begin(), slots.end(),
                         [&](const HandshakeSlot& s) { return s.id == id; });
  if (it != slots.end()) slots.erase(it);
}

void P2pNetwork::Shared::refused(const std::string& reason, const std::string& line) {
  handshakes_refused.fetch_add(1);
  bool loud = false;
  {
    std::lock_guard lock(log_mu);
    last_refusal = reason;
    const auto now = Clock::now();
    if (now - log_window >= std::chrono::seconds(1)) {
      log_window = now;
      log_count = 0;
    }
    loud = ++log_count <= p2p_detail::kRefusalLogsPerSecond;
  }
  if (loud) {
    logger("p2p")->warn("{}", line);
  } else {
    logger("p2p")->debug("{}", line);
  }
}

uint64_t P2pNetwork::Shared::now_ms() const {
  if (config.now_ms) return config.now_ms();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

P2pNetwork::P2pNetwork(P2pConfig config, P2pReceiveCallback on_receive)
    : shared_(std::make_shared<Shared>(std::move(config), std::move(on_receive))),
      public_key_(shared_->config.certificate.public_key()) {
  shared_->self = public_key_;
}

P2pNetwork::~P2pNetwork() {
  stop();
  // Frees the handlers still queued, and the connections and dialers they hold. The context
  // outlives stop() so that a send() racing with stop() posts to a stopped context, not a freed
  // one.
  if (shared_->acceptor) shared_->acceptor.reset();
  ioc_.reset();
}

namespace {

// The TLS 1.3 context: this node's certificate and key, peers verified by the consortium rules.
Status configure_tls(P2pNetwork::Shared& shared) {
  SSL_CTX* ctx = shared.tls.native_handle();
  ERR_clear_error();
  if (p2p_detail::connection_index() < 0) {
    return Status::internal("p2p TLS: no SSL ex_data index: " + p2p_detail::openssl_error());
  }
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return Status::internal("p2p TLS: cannot require TLS 1.3: " + p2p_detail::openssl_error());
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_num_tickets(ctx, 0);  // no resumption: every connection shows its certificate
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);

  const Bytes& der = shared.config.certificate.der();
  const unsigned char* p = der.data();
  X509* x509 = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x509 == nullptr) {
    return Status::internal("p2p TLS: cannot load the node certificate: " +
                            p2p_detail::openssl_error());
  }
  const int cert_ok = SSL_CTX_use_certificate(ctx, x509);
  X509_free(x509);
  if (cert_ok != 1) {
    return Status::internal("p2p TLS: cannot use the node certificate: " +
                            p2p_detail::openssl_error());
  }
  Bytes seed = shared.config.key.seed();
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  sodium_memzero(seed.data(), seed.size());
  if (pkey == nullptr) {
    return Status::internal("p2p TLS: cannot load the node key: " + p2p_detail::openssl_error());
  }
  const int key_ok = SSL_CTX_use_PrivateKey(ctx, pkey);
  EVP_PKEY_free(pkey);
  if (key_ok != 1) {
    return Status::internal("p2p TLS: cannot use the node key: " + p2p_detail::openssl_error());
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, &p2p_detail::verify_peer_certificate, &shared);
  return Status::ok();
}

void accept_loop(const std::shared_ptr<P2pNetwork::Shared>& shared, asio::io_context& ioc) {
  shared->acceptor->async_accept(
      asio::make_strand(ioc), [shared, &ioc](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || shared->stopping.load()) return;
        if (!shared->acceptor->is_open()) return;
        if (ec) {
          // Out of descriptors and the like: retry later, not in a tight loop (the connection
          // waits in the backlog).
          logger("p2p")->debug("accept failed error=\"{}\"", ec.message());
          auto retry = std::make_shared<asio::steady_timer>(shared->acceptor->get_executor(),
                                                            std::chrono::milliseconds(100));
          retry->async_wait([shared, &ioc, retry](boost::system::error_code wec) {
            if (!wec && !shared->stopping.load() && shared->acceptor->is_open()) {
              accept_loop(shared, ioc);
            }
          });
          return;
        } else {
          boost::system::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          p2p_detail::set_liveness_options(socket);
          const auto remote = socket.remote_endpoint(ignored);
          const std::string address = ignored ? "unknown" : remote.address().to_string();
          auto conn = std::make_shared<Connection>(shared, std::move(socket), /*outbound=*/false,
                                                   std::nullopt, nullptr);
          std::shared_ptr<Connection> evict;
          conn->set_slot(shared->take_slot(address, conn, evict));
          conn->start();
          if (evict) {
            shared->handshakes_evicted.fetch_add(1);
            logger("p2p")->debug("handshake slot taken by a newer connection address={}", address);
            evict->close("its handshake slot was taken by a newer connection (p2p handshake "
                         "slots are full)");
          }
        }
        accept_loop(shared, ioc);
      });
}

}  // namespace

Status P2pNetwork::start() {
  std::lock_guard lock(stop_mu_);
  if (started_) return Status::conflict("p2p network already started");
  started_ = true;
  const P2pConfig& config = shared_->config;
  if (config.threads == 0) return Status::invalid("p2p threads must be at least 1");
  if (config.certificate.subject().org_unit != "node") {
    return Status::invalid("p2p certificate " + core::format_dn(config.certificate.subject()) +
                           ": role is not node");
  }
  if (config.key.public_key() != config.certificate.public_key()) {
    return Status::invalid("p2p key does not match the node certificate's public key");
  }
  SILK_RETURN_IF_ERROR(configure_tls(*shared_));

  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(config.listen, ec);
  if (ec) return Status::invalid("p2p listen address '" + config.listen + "' is not an IP address");
  const tcp::endpoint endpoint(address, config.port);
  const std::string where = p2p_detail::endpoint_text(endpoint);
  ioc_ = std::make_unique<asio::io_context>(static_cast<int>(config.threads));
  shared_->acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(*ioc_));
  auto fail = [&](const char* what) {
    Status st = Status::io_error("cannot listen on " + where + ": " + what + ": " + ec.message());
    shared_->acceptor.reset();
    ioc_.reset();
    return st;
  };
  tcp::acceptor& acceptor = *shared_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("set option");
  acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  port_ = acceptor.local_endpoint(ec).port();
  if (ec) return fail("local endpoint");

  for (const P2pPeerAddress& peer : config.peers) {
    boost::system::error_code bad;
    const auto ip = asio::ip::make_address(peer.host, bad);
    if (!bad) shared_->known_addresses.insert(ip.to_string());
  }
  accept_loop(shared_, *ioc_);
  for (const P2pPeerAddress& peer : config.peers) {
    if (peer.public_key == public_key_ || shared_->dialers.count(peer.public_key)) continue;
    auto dialer = std::make_shared<Dialer>(shared_, *ioc_, peer);
    shared_->dialers.emplace(peer.public_key, dialer);
    dialer->start();
  }
  threads_.reserve(config.threads);
  for (unsigned i = 0; i < config.threads; ++i) {
    threads_.emplace_back([this] { ioc_->run(); });
  }
  logger("p2p")->info("listening address={}:{} node={} subject=\"{}\" peers={}",
                      address.is_v6() ? "[" + address.to_string() + "]" : address.to_string(),
                      port_, p2p_detail::short_key(public_key_),
                      core::format_dn(config.certificate.subject()), config.peers.size());
  return Status::ok();
}

void P2pNetwork::stop() {
  std::lock_guard lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  shared_->stopping.store(true);
  if (!ioc_) return;
  ioc_->stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  // No thread runs the context now: close everything directly. The handlers still queued, and
  // the connections they hold, are freed with the context by the destructor.
  boost::system::error_code ignored;
  shared_->acceptor->close(ignored);
  for (auto& [key, dialer] : shared_->dialers) dialer->cancel();
  std::vector<Connection*> live;
  {
    std::lock_guard guard(shared_->mu);
    live.assign(shared_->live.begin(), shared_->live.end());
  }
  for (Connection* c : live) c->force_close();
  std::map<PublicKey, std::shared_ptr<Connection>> peers;
  {
    std::lock_guard guard(shared_->mu);
    peers.swap(shared_->peers);
  }
  peers.clear();
  shared_->dialers.clear();
  logger("p2p")->info("stopped");
}

Status P2pNetwork::send(const PublicKey& to, Bytes payload) {
  if (payload.size() > shared_->config.max_frame_bytes) {
    return Status::exhausted("p2p frame of " + std::to_string(payload.size()) +
                             " bytes is over the limit of " +
                             std::to_string(shared_->config.max_frame_bytes));
  }
  std::shared_ptr<Connection> conn;
  {
    std::lock_guard lock(shared_->mu);
    auto it = shared_->peers.find(to);
    if (it != shared_->peers.end()) conn = it->second;
  }
  if (!conn || shared_->stopping.load()) {
    shared_->dropped_not_connected.fetch_add(1);
    return Status::unavailable("peer " + p2p_detail::short_key(to) + " is not connected");
  }
  conn->enqueue(std::make_shared<const Bytes>(std::move(payload)));
  return Status::ok();
}

size_t P2pNetwork::broadcast(Bytes payload) {
  if (payload.size() > shared_->config.max_frame_bytes || shared_->stopping.load()) return 0;
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard lock(shared_->mu);
    conns.reserve(shared_->peers.size());
    for (const auto& [key, conn] : shared_->peers) conns.push_back(conn);
  }
  auto shared_payload = std::make_shared<const Bytes>(std::move(payload));
  for (const auto& c : conns) c->enqueue(shared_payload);
  return conns.size();
}

std::vector<PublicKey> P2pNetwork::connected_peers() const {
  std::vector<PublicKey> out;
  std::lock_guard lock(shared_->mu);
  out.reserve(shared_->peers.size());
  for (const auto& [key, conn] : shared_->peers) out.push_back(key);
  return out;  // std::map: sorted
}

size_t P2pNetwork::unwritten_bytes(const PublicKey& peer) const {
  std::lock_guard lock(shared_->mu);
  auto it = shared_->peers.find(peer);
  return it == shared_->peers.end() ? 0 : it->second->unwritten_bytes();
}

bool P2pNetwork::is_connected(const PublicKey& peer) const {
  std::lock_guard lock(shared_->mu);
  return shared_->peers.count(peer) > 0;
}

P2pStats P2pNetwork::stats() const {
  P2pStats s;
  s.frames_sent = shared_->frames_sent.load();
  s.frames_received = shared_->frames_received.load();
  s.dropped_not_connected = shared_->dropped_not_connected.load();
  s.slow_readers = shared_->slow_readers.load();
  s.handshakes_refused = shared_->handshakes_refused.load();
  s.handshakes_evicted = shared_->handshakes_evicted.load();
  s.bytes_sent = shared_->bytes_sent.load();
  s.bytes_received = shared_->bytes_received.load();
  s.oversized_frames = shared_->oversized_frames.load();
  std::lock_guard lock(shared_->log_mu);
  s.last_refusal = shared_->last_refusal;
  return s;
}

}  // namespace silk::node
