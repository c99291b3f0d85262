// The p2p transport between consortium nodes: mutual TLS 1.3 over TCP, length-prefixed frames
// (DESIGN.md §3, §8; docs/network.md "p2p").
//
// Every node presents its node certificate (Ed25519, OU=node) and checks the other side's: a peer
// is accepted only if its leaf certificate chains to one of the consortium's trusted CA
// certificates at the current time (core::verify_chain) and its role (OU) is "node". Anything
// else fails the TLS handshake, and the refusal is logged with its reason ("[p2p] connection
// refused ... reason=\"peer CN=x,OU=client,O=org1: role client is not a node\"").
// Peers are identified by the public key of their certificate: that is what consensus uses.
// A dialled peer must also hold the public key its P2pPeerAddress names. In TLS 1.3 the client's
// handshake completes before the server has checked the client's certificate, so a node that is
// refused as a client may count the peer as connected for a moment, until the server's alert
// closes the connection; nothing it sent in that moment is delivered.
//
// Frames: a u32 little-endian payload length, then the payload. A frame announcing more than
// max_frame_bytes closes the connection (logged); a partial frame at close is dropped. The
// transport does not look inside payloads, does not retransmit, and does not persist anything:
// delivery is at most once, in order per connection. Consensus retransmits.
//
// Connections: each node listens and dials the peers of its config; it also accepts any
// consortium node that dials it. One connection per pair of nodes is kept: when two exist (both
// dialled), both sides keep the one dialled by the node with the lower public key (compared as
// bytes) and close the other, so frames sent on the closed one in that instant are lost. A dialled
// peer that drops (or cannot be reached) is redialled after a backoff that starts at
// reconnect_initial and doubles up to reconnect_max; it is reset by a connection that lasted at
// least reconnect_max (so a peer that accepts and then drops us is not redialled in a tight loop).
// A dialled peer that is connected through its own dialling is not dialled meanwhile.
//
// Thread-safety: every public method may be called from any thread, except stop() (and the
// destructor), which must not be called from an I/O thread (the receive callback).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "silk/core/status.h"
#include "silk/core/x509.h"

namespace silk::node {

inline constexpr size_t kDefaultMaxInboundHandshakes = 64;

// A node this one dials.
struct P2pPeerAddress {
  std::string host;  // an IP address or a name ("127.0.0.1", "node2.example")
  uint16_t port = 0;
  core::PublicKey public_key{};  // the key its node certificate must hold; else refused
};

struct P2pConfig {
  // This node's certificate (OU=node, issued by a consortium CA) and its key.
  P2pConfig(core::Certificate certificate, core::SecretKey key)
      : certificate(std::move(certificate)), key(std::move(key)) {}

  std::string listen = "127.0.0.1";  // an IP address
  uint16_t port = 0;                 // 0: any free port (see P2pNetwork::port())
  core::Certificate certificate;
  core::SecretKey key;

  // The consortium's CA certificates (the genesis orgs' CAs). When current_trusted_cas is set it
  // is asked instead, at every handshake, so that a CA rotated by governance takes effect for
  // new connections (open ones are not re-checked). It is called on an I/O thread: it must be
  // thread-safe, quick and must not throw.
  std::vector<core::Certificate> trusted_cas;
  std::function<std::vector<core::Certificate>()> current_trusted_cas;
  // The time certificates are checked at, Unix ms. Unset: the system clock.
  std::function<uint64_t()> now_ms;

  std::vector<P2pPeerAddress> peers;  // to dial

  size_t max_frame_bytes = 16u << 20;  // payload bytes, both directions
  // What may wait to be written to one peer (queued and being written), in frames and in bytes.
  // A peer that lets more pile up is a slow reader (or one that asks for blocks and never reads
  // them): its connection is closed and counted; it may reconnect and catch up by block sync.
  // The bytes bound is what keeps one peer from growing this node's memory by 16 MiB frames.
  size_t max_queued_frames = 4096;
  size_t max_queued_bytes = 32u << 20;
  std::chrono::milliseconds reconnect_initial{100};
  std::chrono::milliseconds reconnect_max{10'000};
  // A connection that has not completed its TLS handshake by then is closed.
  std::chrono::milliseconds handshake_timeout{10'000};
  // Handshake slots. Inbound connections still in their TLS handshake are unauthenticated: at
  // most max_inbound_handshakes of them, at most max_handshakes_per_address from one source
  // address. A connection past either cap does not wait and is not refused: it takes the slot
  // of the oldest handshake in progress — from its own address when that address is full, else
  // from the address holding the most slots, addresses of configured peers last (counted in
  // P2pStats::handshakes_evicted). A real handshake takes milliseconds, so a flood of idle
  // connections cannot keep a node's peers out: it evicts itself, and a peer's connection is
  // only lost if a whole cap of newer connections arrives during its handshake. Dialled
  // (outbound) connections use no inbound slot.
  size_t max_inbound_handshakes = kDefaultMaxInboundHandshakes;
  size_t max_handshakes_per_address = 16;
  unsigned threads = 1;  // I/O threads, at least 1
};

// Counters since start(). All monotonic.
struct P2pStats {
  uint64_t frames_sent = 0;            // written to a socket
  uint64_t frames_received = 0;        // delivered to the receive callback
  uint64_t bytes_sent = 0;             // frame bytes written (headers included)
  uint64_t bytes_received = 0;         // frame bytes delivered (headers included)
  uint64_t dropped_not_connected = 0;  // send()/broadcast() to no connection
  uint64_t slow_readers = 0;           // connections closed: their send queue was full
  uint64_t handshakes_refused = 0;     // peers refused (either direction), handshake failures
  uint64_t handshakes_evicted = 0;     // inbound handshakes closed to free a slot
  uint64_t oversized_frames = 0;       // connections closed for a frame over the cap
  std::string last_refusal;            // the reason of the latest refused handshake, or ""
};

// Called for every frame received, on an I/O thread (frames of one connection in order, one at
// a time). It must not block for long, must not throw and must not call stop().
using P2pReceiveCallback = std::function<void(const core::PublicKey& from, core::Bytes payload)>;

class P2pNetwork {
 public:
  P2pNetwork(P2pConfig config, P2pReceiveCallback on_receive);
  // stop().
  ~P2pNetwork();
  P2pNetwork(const P2pNetwork&) = delete;
  P2pNetwork& operator=(const P2pNetwork&) = delete;

  // Loads the certificate and key into a TLS 1.3 context, binds and listens on listen:port,
  // starts the I/O threads and dials the peers. kInvalid for a bad listen address, a certificate
  // whose role is not "node", a key that does not match the certificate, or zero threads;
  // kIOError "cannot listen on 127.0.0.1:7001: bind: Address already in use" and the like;
  // kInternal if OpenSSL fails. Only once per object (kConflict after that).
  core::Status start();

  // Closes the listener and every connection, stops and joins the I/O threads. Frames still
  // queued are dropped; the receive callback is not called after stop() returns. Idempotent;
  // not from an I/O thread.
  void stop();

  // The bound port (the real one when config.port is 0). Valid after start().
  uint16_t port() const { return port_; }
  // This node's identity: its certificate's public key.
  const core::PublicKey& public_key() const { return public_key_; }

  // Queues `payload` for the connected peer `to`. OK when queued (it may still be lost if the
  // connection drops, or dropped as the oldest of a full queue: see stats()); kUnavailable when
  // `to` is not connected (counted as dropped_not_connected); kExhausted when the payload is
  // over max_frame_bytes.
  core::Status send(const core::PublicKey& to, core::Bytes payload);
  // Queues `payload` for every connected peer; returns how many. 0 (and nothing counted) when
  // the payload is over max_frame_bytes or no peer is connected.
  size_t broadcast(core::Bytes payload);

  // The peers with an authenticated connection now, sorted by key.
  std::vector<core::PublicKey> connected_peers() const;
  bool is_connected(const core::PublicKey& peer) const;
  // Payload bytes queued for `peer` and not yet written (0 when not connected). What a server
  // of requests checks before answering one more (block sync: one answer in flight per peer).
  size_t unwritten_bytes(const core::PublicKey& peer) const;

  P2pStats stats() const;

  struct Shared;  // state shared with the connections and dialers

 private:
  const std::shared_ptr<Shared> shared_;
  const core::PublicKey public_key_;
  uint16_t port_ = 0;
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::vector<std::thread> threads_;  // run ioc_
  std::mutex stop_mu_;                // serialises start() and stop()
  bool started_ = false;              // guarded by stop_mu_
  bool stopped_ = false;              // guarded by stop_mu_
};

}  // namespace silk::node
