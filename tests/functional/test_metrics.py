#!/usr/bin/env python3
"""GET /metrics, GET /v1/ready and `silk node status` (issue 15; docs/api.md "Metrics").

A solo node under a little load: promtool (Debian's prometheus package, installed by
tools/setup.sh) accepts the exposition, and named families move as they should — the height rises
with a block, a committed tx counts under its contract, a refused resubmission counts under its
reason, the RPC counts the route and status. Then a 3-node raft network: the peer count drops when
a peer is killed, and readiness reports the sync check with its peers.
"""
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request

from harness import Cluster, Env, Failure, check, parse_args, run

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def scrape(url, context=None):
    with urllib.request.urlopen(url + "/metrics", timeout=10, context=context) as r:
        check(r.status == 200, f"/metrics answered {r.status}")
        ctype = r.headers.get("Content-Type", "")
        check(ctype.startswith("text/plain; version=0.0.4"), f"/metrics content type {ctype!r}")
        return r.read().decode()


def samples(text):
    """{(name, labels text): value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        check(m is not None, f"a sample line that does not parse: {line!r}")
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def value(s, name, labels=""):
    return s.get((name, labels))


def promtool_check(text):
    promtool = shutil.which("promtool")
    check(promtool is not None,
          "promtool is missing (tools/setup.sh installs Debian's prometheus package)")
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    check(r.returncode == 0, f"promtool check metrics refused the exposition:\n{r.stdout}{r.stderr}")


def signed_tx(env, digest):
    with open(os.path.join(env.chain, "genesis.json")) as f:
        chain_id = json.load(f)["chain_id"]
    unsigned = os.path.join(env.root, "u.json")
    signed = os.path.join(env.root, "s.json")
    key = os.path.join(env.chain, "keys", "client.key")
    env.silk("tx", "build", "--key", key, "--contract", "notary", "--method", "anchor",
             "--args", json.dumps({"hash": digest}), "--chain-id", chain_id, "--out", unsigned)
    env.silk("--passphrase-file", os.path.join(env.chain, "keys", "client.pass"), "tx", "sign",
             "--key", key, "--in", unsigned, "--out", signed)
    with open(signed) as f:
        return json.load(f)["tx"]


def solo(env):
    env.init_solo()
    env.start()
    before = scrape(env.node_url)
    promtool_check(before)
    s0 = samples(before)
    h0 = value(s0, "silk_chain_height")
    check(h0 is not None, "no silk_chain_height")
    for family in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                   "process_open_fds", "process_start_time_seconds", "silk_mempool_txs",
                   "silk_rpc_connections_open", "silk_rocksdb_sst_bytes",
                   "silk_rocksdb_memtable_bytes"):
        check(value(s0, family) is not None, f"no {family} in /metrics")
    start = value(s0, "process_start_time_seconds")
    check(abs(start - time.time()) < 3600, f"process_start_time_seconds {start} is not now")

    tx = signed_tx(env, "ab" * 32)
    status, body = env.http.post("/v1/tx", {"tx": tx, "wait": True})
    check(status == 200 and body["receipt"]["code"] == 0, f"anchor: {status} {body}")
    status, body = env.http.post("/v1/tx", {"tx": tx})  # the same tx again: refused
    check(status == 409, f"a resubmitted committed tx: {status} {body}")

    after = scrape(env.node_url)
    promtool_check(after)
    s1 = samples(after)
    check(value(s1, "silk_chain_height") == h0 + 1, f"height {h0} -> {value(s1, 'silk_chain_height')}")
    ok = value(s1, "silk_txs_committed_total", '{contract="notary",outcome="ok"}')
    check(ok == 1, f"notary txs committed ok: {ok}")
    refused = value(s1, "silk_mempool_refused_total", '{reason="conflict"}')
    check(refused == (value(s0, "silk_mempool_refused_total", '{reason="conflict"}') or 0) + 1,
          f"refusals for conflict: {refused}")
    posted = value(s1, "silk_rpc_requests_total", '{method="POST",route="/v1/tx",status="409"}')
    check(posted == 1, f"POST /v1/tx answered 409 counted once: {posted}")
    latency = value(s1, "silk_tx_commit_latency_seconds_count")
    check(latency == 1, f"one admission-to-commit latency observed: {latency}")
    stored = value(s1, "silk_block_store_duration_seconds_count")
    check(stored >= 1, f"block store durations observed: {stored}")

    # Readiness and `silk node status`.
    status, ready = env.http.get("/v1/ready")
    check(status == 200 and ready["ready"] is True, f"/v1/ready: {status} {ready}")
    check(ready["checks"]["consensus"]["detail"] == "running (solo)", f"consensus check: {ready}")
    r = env.silk("node", "status")
    check("ready       yes" in r.stdout and "consensus" in r.stdout, f"silk node status:\n{r.stdout}")
    status, body = env.http.post("/metrics", {})
    check(status == 405, f"POST /metrics: {status} {body}")


def network():
    args = parse_args()
    env = Env(args, "metrics-net")
    cluster = None
    try:
        cluster = Cluster(env, "raft", 3)
        cluster.start_all()
        url = cluster.url[0]

        def peers():
            return value(samples(scrape(url, env.tls.context)), "silk_p2p_peers_connected")

        deadline = time.time() + 30
        while peers() != 2:
            check(time.time() < deadline, f"node1 never saw 2 peers: {peers()}")
            time.sleep(0.2)
        text = scrape(url, env.tls.context)
        promtool_check(text)
        s = samples(text)
        check(value(s, "silk_sync_lag_blocks") is not None, "no silk_sync_lag_blocks")
        check(value(s, "silk_consensus_wal_bytes") > 0, "the raft WAL's size is 0")
        status, ready = cluster.http[0].get("/v1/ready")
        check(status == 200 and ready["checks"]["sync"]["peers_connected"] == 2,
              f"/v1/ready of node1: {status} {ready}")

        cluster.kill(2)
        deadline = time.time() + 30
        while peers() != 1:
            check(time.time() < deadline, f"node1 still counts {peers()} peers after node3 died")
            time.sleep(0.2)
    except Failure:
        if cluster:
            print(cluster.all_logs())
        env.keep = True
        raise
    finally:
        if cluster:
            cluster.close()
        env.close()


def test(env):
    solo(env)
    network()


if __name__ == "__main__":
    run(test, "metrics")
