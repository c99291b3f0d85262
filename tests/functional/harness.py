"""Helpers for functional tests: real silkd and silk processes on loopback.

Each test makes its own temporary folder and free port, starts silkd as a
child process, talks to it over HTTP and through the silk CLI, and cleans up.
Nothing here fakes the node: a test fails if the real binaries misbehave.
"""
import argparse
import json
import ssl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def write(path, text):
    """Writes `text` to `path` and returns the path."""
    with open(path, "w") as f:
        f.write(text)
    return path


def out_of(r):
    """A finished silk run's stdout and stderr together (where refusals are printed)."""
    return r.stdout + r.stderr


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--bin-dir", required=True, help="folder holding silkd and silk")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return p.parse_args()


def free_port():
    """A free port below Linux's ephemeral range (see free_port_range)."""
    return free_port_range(1)


class Failure(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Tls:
    """HTTPS to the nodes of a `silk network init` network (rpc.tls on, its default): the
    consortium CA certificates and a member's certificate and key, as `silk network env` gives
    them (org1's auditor; its key exported once in clear)."""

    def __init__(self, env, chain_dir, org=None, role="auditor"):
        argv = ["network", "env", "--dir", chain_dir, "--role", role]
        if org:
            argv += ["--org", org]
        exports = env.silk_json(*argv)
        self.ca = exports["SILK_CA"]
        self.cert = exports["SILK_TLS_CERT"]
        self.key = exports["SILK_TLS_KEY"]
        self.context = self.client_context(self.cert, self.key)

    def client_context(self, cert=None, key=None):
        """A TLS 1.3 client context trusting the consortium CAs, showing cert/key if given.
        Node certificates name the node, not an address: no host name check."""
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.check_hostname = False
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        if cert:
            ctx.load_cert_chain(cert, key)
        return ctx

    def silk_env(self):
        return {"SILK_CA": self.ca, "SILK_TLS_CERT": self.cert, "SILK_TLS_KEY": self.key}


class Http:
    def __init__(self, base, context=None):
        self.base = base
        self.context = context

    def request(self, method, path, body=None, raw=None, timeout=30, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.context) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, {"raw": text.decode(errors="replace")}

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)


class Env:
    """A temporary folder with a solo chain made by `silk init-solo`."""

    def __init__(self, args, name):
        self.bin = os.path.abspath(args.bin_dir)
        self.silk_bin = os.path.join(self.bin, "silk")
        self.silkd_bin = os.path.join(self.bin, "silkd")
        self.keep = args.keep
        self.root = tempfile.mkdtemp(prefix=f"silk-{name}-")
        self.port = free_port()
        self.chain = os.path.join(self.root, "chain")
        self.node_url = f"http://127.0.0.1:{self.port}"
        self.http = Http(self.node_url)
        self.proc = None
        self.config_path = os.path.join(self.chain, "node.json")
        self.log_path = os.path.join(self.root, "silkd.log")
        self.log_file = None
        self.tls = None  # Tls once network_init made an HTTPS network

    def silk(self, *argv, check_rc=True, timeout=120, input=None):
        env = dict(os.environ, SILK_NODE=self.node_url)
        for name in ("SILK_PASSPHRASE", "SILK_CA", "SILK_TLS_CERT", "SILK_TLS_KEY"):
            env.pop(name, None)
        if self.tls:
            env.update(self.tls.silk_env())
        r = subprocess.run([self.silk_bin, *argv], capture_output=True, text=True, env=env,
                           timeout=timeout, input=input)
        if check_rc and r.returncode != 0:
            raise Failure(f"silk {' '.join(argv)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        return r

    def silk_json(self, *argv, **kw):
        r = self.silk("--json", *argv, **kw)
        try:
            return json.loads(r.stdout)
        except ValueError:
            raise Failure(f"silk --json {' '.join(argv)} printed no JSON:\n{r.stdout}\n{r.stderr}")

    def init_solo(self, *extra):
        self.silk("init-solo", "--dir", self.chain, "--port", str(self.port),
                  "--key-kdf", "fast", *extra)

    def network_init(self, *extra):
        """A with-cert consortium made by `silk network init`; node1 is the one started."""
        self.silk("network", "init", "--dir", self.chain, "--port", str(self.port),
                  "--public-port", str(free_port()), "--key-kdf", "fast", *extra)
        self.config_path = os.path.join(self.chain, "nodes", "node1", "node.json")
        self.use_network_tls()

    def use_network_tls(self):
        """HTTPS to node1 when the network's RPC is TLS (network.json's rpc_url says)."""
        with open(os.path.join(self.chain, "network.json")) as f:
            network = json.load(f)
        node = network["nodes"][0]
        if node["rpc_url"].startswith("https://"):
            self.tls = Tls(self, self.chain)
            self.node_url = node["rpc_url"]
            self.http = Http(self.node_url, self.tls.context)
        self.public_url = node.get("public_url")

    def ident(self, org, role):
        """--key/--passphrase-file for a `network init` identity (its .pem is found next to it)."""
        base = os.path.join(self.chain, "orgs", org, "users", role)
        return ["--key", base + ".key", "--passphrase-file", base + ".pass"]

    def key(self, name):
        return ["--key", os.path.join(self.chain, "keys", f"{name}.key"),
                "--passphrase-file", os.path.join(self.chain, "keys", f"{name}.pass")]

    def start(self, wait=True):
        self.log_file = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.silkd_bin, "--config", self.config_path],
                                     stdout=self.log_file, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self.proc

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"silkd exited with {self.proc.returncode}:\n{self.log()}")
            try:
                status, body = self.http.get("/v1/health", timeout=2)
                if status == 200:
                    return body
            except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
                pass
            time.sleep(0.05)
        raise Failure(f"silkd not ready after {timeout}s:\n{self.log()}")

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)
        rc = self.proc.returncode if self.proc else None
        if self.log_file:
            self.log_file.close()
            self.log_file = None
        return rc

    def verify_chain_offline(self):
        """Stops silkd cleanly and has the auditor replay its data folder offline."""
        check(self.kill(signal.SIGTERM) == 0, "silkd did not stop cleanly")
        with open(self.config_path) as f:
            data_dir = json.load(f)["data_dir"]
        if not os.path.isabs(data_dir):
            data_dir = os.path.join(os.path.dirname(self.config_path), data_dir)
        return self.silk("audit", "verify-chain", "--data-dir", data_dir,
                         "--genesis", os.path.join(self.chain, "genesis.json"))

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-6000:]
        except OSError:
            return ""

    def close(self):
        self.kill()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            print(f"kept {self.root}")


def run(test_fn, name):
    """Runs test_fn(env) and prints one closing line the way CI reads it."""
    args = parse_args()
    env = Env(args, name)
    try:
        test_fn(env)
    except Exception as e:  # noqa: BLE001 - report any failure with the node log
        print(f"FAIL {name}: {e}", file=sys.stderr)
        print("---- silkd log (tail) ----", file=sys.stderr)
        print(env.log(), file=sys.stderr)
        env.keep = True
        env.close()
        print("0 passed, 1 failed")
        sys.exit(1)
    env.close()
    print(f"PASS {name}")


def make_docs(env, folder, count, content, ext):
    """Writes `count` files docs/<folder>/doc<i><ext> under the test root, file i holding
    content(i); returns their paths (documents to anchor)."""
    where = os.path.join(env.root, "docs", folder)
    os.makedirs(where, exist_ok=True)
    paths = []
    for i in range(count):
        p = os.path.join(where, f"doc{i}{ext}")
        with open(p, "w") as f:
            f.write(content(i))
        paths.append(p)
    return paths


def free_port_range(n, lo=20000, hi=32000):
    """A base port such that base..base+n-1 are free on 127.0.0.1 now. Below 32768, where Linux
    takes the source ports of outgoing connections (ip_local_port_range): a node's port inside that
    range could be taken as a source port while the node is down (the chaos suite opens tens of
    thousands of connections), and its restart would fail to bind, or a client would connect to
    itself."""
    import random
    for _ in range(200):
        base = random.randrange(lo, hi - n)
        ok = True
        for p in range(base, base + n):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise Failure(f"no {n} consecutive free ports")


class Cluster:
    """A `silk network init` network of several silkd processes on loopback (raft, tbft)."""

    def __init__(self, env, consensus, nodes, *extra):
        self.env = env
        self.n = nodes
        self.rpc_base = free_port_range(nodes)
        self.p2p_base = free_port_range(nodes)
        while abs(self.p2p_base - self.rpc_base) < nodes:
            self.p2p_base = free_port_range(nodes)
        self.public_base = free_port_range(nodes)
        while (abs(self.public_base - self.rpc_base) < nodes
               or abs(self.public_base - self.p2p_base) < nodes):
            self.public_base = free_port_range(nodes)
        env.silk("network", "init", "--dir", env.chain, "--consensus", consensus,
                 "--nodes", str(nodes), "--port", str(self.rpc_base),
                 "--p2p-port", str(self.p2p_base), "--public-port", str(self.public_base),
                 "--key-kdf", "fast", *extra)
        with open(os.path.join(env.chain, "network.json")) as f:
            self.network = json.load(f)
        self.procs = [None] * nodes
        self.logs = [os.path.join(env.root, f"node{i + 1}.log") for i in range(nodes)]
        self.url = [node["rpc_url"] for node in self.network["nodes"]]
        if self.url[0].startswith("https://"):
            env.tls = Tls(env, env.chain)
        context = env.tls.context if env.tls else None
        self.http = [Http(url, context) for url in self.url]
        self.prefix = [[] for _ in range(nodes)]  # what node i's silkd runs under (ip netns exec)

    def config(self, i):
        return os.path.join(self.env.chain, "nodes", f"node{i + 1}", "node.json")

    def node_dir(self, i):
        return os.path.join(self.env.chain, "nodes", f"node{i + 1}")

    def start(self, i, wait=True):
        log = open(self.logs[i], "a")
        self.procs[i] = subprocess.Popen([*self.prefix[i], self.env.silkd_bin, "--config",
                                          self.config(i)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if wait:
            self.wait_ready(i)

    def start_all(self):
        for i in range(self.n):
            self.start(i, wait=False)
        for i in range(self.n):
            self.wait_ready(i)

    def wait_ready(self, i, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.procs[i].poll() is not None:
                raise Failure(f"node{i + 1} exited with {self.procs[i].returncode}:\n{self.log(i)}")
            try:
                status, _ = self.http[i].get("/v1/health", timeout=2)
                if status == 200:
                    return
            except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
                pass
            time.sleep(0.05)
        raise Failure(f"node{i + 1} not ready after {timeout}s:\n{self.log(i)}")

    def alive(self, i):
        return self.procs[i] is not None and self.procs[i].poll() is None

    def kill(self, i, sig=signal.SIGKILL):
        p = self.procs[i]
        if p and p.poll() is None:
            p.send_signal(sig)
            p.wait(timeout=60)
        return p.returncode if p else None

    def chain(self, i):
        status, body = self.http[i].get("/v1/chain", timeout=5)
        check(status == 200, f"node{i + 1} /v1/chain answered {status}: {body}")
        return body

    def block(self, i, height):
        status, body = self.http[i].get(f"/v1/block/{height}", timeout=5)
        check(status == 200, f"node{i + 1} /v1/block/{height} answered {status}: {body}")
        return body

    def wait_height(self, i, height, timeout=60):
        deadline = time.time() + timeout
        h = -1
        while time.time() < deadline:
            try:
                h = self.chain(i)["height"]
                if h >= height:
                    return h
            except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
                pass
            time.sleep(0.1)
        raise Failure(f"node{i + 1} at height {h}, not {height}, after {timeout}s:\n{self.log(i)}")

    def log(self, i):
        try:
            with open(self.logs[i]) as f:
                return f.read()[-5000:]
        except OSError:
            return ""

    def all_logs(self):
        return "\n".join(f"---- node{i + 1} ----\n{self.log(i)}" for i in range(self.n))

    def close(self):
        for i in range(self.n):
            self.kill(i, signal.SIGTERM)
