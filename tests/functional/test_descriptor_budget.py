#!/usr/bin/env python3
"""A flood of idle RPC connections cannot take the descriptors the store needs (issue 18, item 4).

silkd runs with a descriptor limit of 1,024 (soft and hard). Before the budget, 1,100 idle RPC
connections took every descriptor and the node stopped when RocksDB could not open a file. Now
the node plans its descriptors at start (docs/config.md "Descriptors"): RocksDB's table files and
a reserve first, the RPC the rest. This test holds 1,100 idle connections open and checks that:
past the budget a connection is answered 503 naming the limit; the node keeps headroom for its
store (its open descriptors stay under the limit minus RocksDB's share); a connection opened
before the flood still submits txs that commit; after the flood, new connections are served, the
log has no "Too many open files", and the chain verifies offline.
"""
import http.client
import json
import os
import resource
import socket
import subprocess
import time

from harness import Failure, check, run

LIMIT = 1024
FLOOD = 1100


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def signed_txs(env, count):
    """`count` notary anchors built and signed offline (no connection needed to submit them)."""
    with open(os.path.join(env.chain, "genesis.json")) as f:
        chain_id = json.load(f)["chain_id"]
    out = []
    for i in range(count):
        unsigned = os.path.join(env.root, f"u{i}.json")
        signed = os.path.join(env.root, f"s{i}.json")
        digest = f"{i:064x}"
        env.silk("tx", "build", "--key", os.path.join(env.chain, "keys", "client.key"),
                 "--contract", "notary", "--method", "anchor",
                 "--args", json.dumps({"hash": digest}), "--chain-id", chain_id,
                 "--out", unsigned)
        env.silk("--passphrase-file", os.path.join(env.chain, "keys", "client.pass"),
                 "tx", "sign", "--key", os.path.join(env.chain, "keys", "client.key"),
                 "--in", unsigned, "--out", signed)
        with open(signed) as f:
            out.append(json.load(f))
    return out


def post(conn, path, body):
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, json.loads(r.read())


def test(env):
    env.init_solo()
    txs = signed_txs(env, 3)

    def limit_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))

    env.log_file = open(env.log_path, "a")
    env.proc = subprocess.Popen([env.silkd_bin, "--config", env.config_path],
                                stdout=env.log_file, stderr=subprocess.STDOUT,
                                preexec_fn=limit_fds)
    env.wait_ready()
    log = env.log()
    check(f"descriptor budget limit={LIMIT}" in log, f"no descriptor budget line for {LIMIT}:\n{log}")
    budget = int(log.split("rpc_connections=")[1].split()[0])
    store_files = int(log.split("store_files=")[1].split()[0])
    check(0 < budget < FLOOD, f"an RPC budget under the flood's {FLOOD} (got {budget})")

    # A keep-alive connection from before the flood: an established client keeps working.
    keep = http.client.HTTPConnection("127.0.0.1", env.port, timeout=30)
    status, body = post(keep, "/v1/tx", {"tx": txs[0]["tx"], "wait": True})
    check(status == 200 and body.get("status") == "committed" and body["receipt"]["code"] == 0,
          f"first tx: {status} {body}")

    flood = []
    for _ in range(FLOOD):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\0" * 8)
        try:
            s.connect(("127.0.0.1", env.port))
        except OSError as e:
            s.close()
            raise Failure(f"connect failed after {len(flood)} connections: {e}")
        flood.append(s)
    try:
        # The connections past the budget were answered and closed.
        refused = 0
        for s in flood[-(FLOOD - budget) + 5:]:
            s.settimeout(5)
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data.startswith(b"HTTP/1.1 503"):
                check(b"too many connections: this node serves" in data,
                      f"a 503 that names the limit: {data!r}")
                refused += 1
        check(refused >= FLOOD - budget - 10,
              f"connections past the budget of {budget} answered 503: only {refused}")

        pid = env.proc.pid
        fds = open_fds(pid)
        check(fds <= LIMIT - store_files,
              f"silkd holds {fds} descriptors during the flood: no room left for its store's "
              f"{store_files} table files under the limit of {LIMIT}")
        check(env.proc.poll() is None, f"silkd exited during the flood:\n{env.log()}")

        # The held connection still submits and commits through the flood.
        for tx in txs[1:]:
            status, body = post(keep, "/v1/tx", {"tx": tx["tx"], "wait": True, "timeout_ms": 20000})
            check(status == 200 and body.get("status") == "committed"
                  and body["receipt"]["code"] == 0, f"a tx through the flood: {status} {body}")
    finally:
        for s in flood:
            s.close()
    keep.close()

    # After the flood: new connections are served, nothing failed for want of a descriptor.
    deadline = time.time() + 30
    while True:
        try:
            status, body = env.http.get("/v1/chain", timeout=5)
            if status == 200:
                break
        except OSError:
            pass
        check(time.time() < deadline, "the RPC does not serve again after the flood")
        time.sleep(0.2)
    check(body["height"] >= 3, f"height after three txs: {body}")
    check("Too many open files" not in env.log(), f"descriptors ran out:\n{env.log()}")
    env.verify_chain_offline()


if __name__ == "__main__":
    run(test, "descriptor_budget")
