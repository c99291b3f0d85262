"""Hostile peers for the chaos suite: real sockets against a node's address (host, port).

- Liar: a consortium node (a certificate from the test network's own org CA) that tells a node,
  every 10 ms, that its tip is at height 2^63 and never answers a block request.
- Amplifier: a consortium node that asks for the same large range of blocks many times in one
  burst and never reads the answers (the node must disconnect it: a bounded send queue).
- Flooder: hundreds of idle TCP connections that never start a TLS handshake or an HTTP request,
  kept open (reopened within 50 ms when the node closes them).

The p2p wire format is docs/network.md ("p2p", "What nodes say to each other"): a u32
little-endian payload length, then the payload; the payload's first byte is the channel.
"""
import glob
import os
import socket
import ssl
import struct
import threading
import time

CHANNEL_STATUS = 3
CHANNEL_GET_BLOCKS = 4
MAX_BLOCKS_PER_REQUEST = 64
LIE_HEIGHT = 1 << 63


def frame(channel, body):
    payload = bytes([channel]) + body
    return struct.pack("<I", len(payload)) + payload


def status_frame(height):
    return frame(CHANNEL_STATUS, struct.pack("<Q", height))


def get_blocks_frame(first, count=MAX_BLOCKS_PER_REQUEST):
    return frame(CHANNEL_GET_BLOCKS, struct.pack("<QI", first, count))


class PeerIdentity:
    """A node certificate issued by org1's CA of the test's network (the test owns the CA keys
    `silk network init` wrote), its key exported to PKCS#8 PEM for Python's ssl module."""

    def __init__(self, env, name):
        folder = os.path.join(env.root, "hostile", name)
        os.makedirs(folder, exist_ok=True)
        passfile = os.path.join(folder, "key.pass")
        with open(passfile, "w") as f:
            f.write(f"{name} passphrase\n")
        ca = os.path.join(env.chain, "orgs", "org1", "ca")
        env.silk("cert", "issue", "--ca-dir", ca, "--ca-passphrase-file",
                 os.path.join(ca, "ca.pass"), "--org", "org1", "--role", "node", "--name", name,
                 "--out-dir", folder, "--passphrase-file", passfile, "--key-kdf", "fast")
        self.cert = os.path.join(folder, f"{name}.pem")
        self.key = os.path.join(folder, f"{name}.pk8.pem")
        env.silk("--passphrase-file", passfile, "key", "export", "--key",
                 os.path.join(folder, f"{name}.key"), "--out", self.key, "--unencrypted")
        self.cas = sorted(glob.glob(os.path.join(env.chain, "orgs", "*", "ca", "ca.pem")))

    def context(self):
        """TLS 1.3 with this identity's Ed25519 certificate; the node's certificate must chain
        to one of the network's CAs (node certificates name no host: no hostname check)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.check_hostname = False
        for ca in self.cas:
            ctx.load_verify_locations(ca)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


def connect_tls(identity, addr, timeout=5):
    raw = socket.create_connection(addr, timeout=timeout)
    try:
        return identity.context().wrap_socket(raw)
    except BaseException:
        raw.close()
        raise


class Liar:
    """Keeps one connection to addr, a node's (host, port) (redialling every 50 ms while the node
    is down), claims height 2^63 every 10 ms and reads (and counts) but never answers block
    requests."""

    def __init__(self, identity, addr):
        self.identity, self.addr = identity, addr
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.connections = 0
        self.statuses_sent = 0
        self.requests_ignored = 0
        self.first_connected_at = None  # time.time() of the first TLS connection
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def run(self):
        while not self.stop_event.is_set():
            try:
                sock = connect_tls(self.identity, self.addr, timeout=2)
            except (OSError, ssl.SSLError):
                time.sleep(0.05)
                continue
            with self.lock:
                self.connections += 1
                if self.first_connected_at is None:
                    self.first_connected_at = time.time()
            reader = threading.Thread(target=self.drain, args=(sock,), daemon=True)
            reader.start()
            try:
                while not self.stop_event.is_set() and reader.is_alive():
                    sock.sendall(status_frame(LIE_HEIGHT))
                    with self.lock:
                        self.statuses_sent += 1
                    time.sleep(0.01)
            except (OSError, ssl.SSLError):
                pass
            close_quietly(sock)
            reader.join(timeout=2)

    def drain(self, sock):
        """Reads everything the node sends so the liar is never a slow reader; counts the block
        requests it leaves unanswered."""
        buf = b""
        sock.settimeout(0.5)
        while not self.stop_event.is_set():
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            except (OSError, ssl.SSLError):
                return
            if not data:
                return
            buf += data
            while len(buf) >= 4:
                (n,) = struct.unpack_from("<I", buf)
                if len(buf) < 4 + n:
                    break
                if n > 0 and buf[4] == CHANNEL_GET_BLOCKS:
                    with self.lock:
                        self.requests_ignored += 1
                buf = buf[4 + n:]

    def stop(self):
        self.stop_event.set()
        self.thread.join(timeout=5)


class Amplifier:
    """One connection that sends `requests` block requests for heights 1..64 in one burst and
    then never reads: the answers pile up in the node's send queue for this peer."""

    def __init__(self, identity, addr, requests):
        self.identity, self.addr, self.requests = identity, addr, requests
        self.sock = None
        self.sent = 0

    def start(self):
        self.sock = connect_tls(self.identity, self.addr, timeout=5)
        burst = get_blocks_frame(1) * 64
        self.sock.settimeout(10)
        try:
            while self.sent < self.requests:
                self.sock.sendall(burst)
                self.sent += 64
        except (OSError, ssl.SSLError):
            pass  # the node closed us (slow reader) before we were done asking
        return self

    def stop(self):
        if self.sock:
            close_quietly(self.sock)
            self.sock = None


class Flooder:
    """`per_port` idle TCP connections to each address (host, port), that never send a byte; a
    thread reopens the ones the node closes (checked every 50 ms), until stopped."""

    def __init__(self, addrs, per_port):
        self.addrs, self.per_port = list(addrs), per_port
        self.socks = {a: [] for a in self.addrs}
        self.stop_event = threading.Event()
        self.opened = 0
        self.refused = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.fill()
        self.thread.start()
        return self

    def fill(self):
        for addr in self.addrs:
            alive = []
            for s in self.socks[addr]:
                if is_closed(s):
                    s.close()
                else:
                    alive.append(s)
            while len(alive) < self.per_port and not self.stop_event.is_set():
                try:
                    s = socket.create_connection(addr, timeout=1)
                    s.settimeout(None)  # blocking: is_closed's MSG_DONTWAIT peek never waits
                    alive.append(s)
                    self.opened += 1
                except OSError:
                    self.refused += 1
                    break
            self.socks[addr] = alive

    def run(self):
        while not self.stop_event.wait(0.05):
            self.fill()

    def open_now(self):
        return sum(len(v) for v in self.socks.values())

    def stop(self):
        self.stop_event.set()
        self.thread.join(timeout=10)
        for v in self.socks.values():
            for s in v:
                s.close()
        self.socks = {a: [] for a in self.addrs}


def is_closed(sock):
    """True when the other side closed `sock` (a blocking socket: the peek does not wait)."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, socket.timeout):
        return False
    except OSError:
        return True


def close_quietly(sock):
    try:
        sock.close()
    except OSError:
        pass


def rss_kib(pid):
    """VmRSS of a process in KiB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
