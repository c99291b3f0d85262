"""Consortium networks of real silkd processes on loopback: 3 running raft, 4 running tbft.

For each: `silk network init --consensus X --nodes N` writes the network; every node is started;
signers anchor documents through different nodes from several threads (txs reach the proposer by
gossip). One node is killed with SIGKILL under load and commits go on without it; it is restarted
and catches up (its consensus WAL and block sync), ending with the same blocks and state root as
the others. Every tx a signer was told is committed is on every node at the height it was told.
Also: the committed blocks carry the engine's certificate (raft: the leader's vote; tbft: more
than 2/3 of the validators' precommits) and `silk audit verify-chain` accepts each node's chain.
Nodes compact their consensus WALs at the smallest threshold (64 KiB), so compacted WALs meet
the kill, the restart and the validator-set changes; at least one node must have compacted.
"""
import json
import os
import random
import threading
import time

from harness import Cluster, Env, Failure, Http, check, free_port, make_docs, parse_args

WORKERS = 3
FILES_PER_CALL = 5
WAL_COMPACT_BYTES = 65536


def make_files(env, tag, call):
    return make_docs(env, f"{tag}-{call}", FILES_PER_CALL,
                     lambda i: f"{tag} {call} {i} {random.getrandbits(64)}", ".txt")


class Load:
    """Signers anchoring through live nodes until stopped; records what was acknowledged."""

    def __init__(self, env, cluster, name):
        self.env, self.cluster, self.name = env, cluster, name
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = {}  # tx_id -> height
        self.errors = []
        self.threads = [threading.Thread(target=self.run, args=(w,)) for w in range(WORKERS)]

    def start(self):
        for t in self.threads:
            t.start()

    def run(self, worker):
        call = 0
        while not self.stop.is_set():
            call += 1
            live = [i for i in range(self.cluster.n) if self.cluster.alive(i)]
            node = random.choice(live)
            files = make_files(self.env, f"{self.name}-w{worker}", call)
            r = self.env.silk("--node", self.cluster.url[node], "--json", "notary", "anchor",
                              *files, *self.env.ident("org2", "client"), check_rc=False,
                              timeout=60)
            try:
                out = json.loads(r.stdout) if r.stdout.strip() else None
            except ValueError:
                out = None
            if not isinstance(out, dict) or "results" not in out:
                with self.lock:
                    self.errors.append(r.stderr.strip()[-300:])
                time.sleep(0.1)
                continue
            with self.lock:
                for item in out["results"]:
                    if item.get("ok"):
                        check(item["tx_id"] not in self.acked,
                              f"tx {item['tx_id']} acknowledged twice")
                        self.acked[item["tx_id"]] = item["height"]

    def count(self):
        with self.lock:
            return len(self.acked)

    def wait_more(self, n, timeout, what):
        start = self.count()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.count() >= start + n:
                return
            time.sleep(0.1)
        with self.lock:
            errors = self.errors[-3:]
        raise Failure(f"{what}: only {self.count() - start} of {n} txs committed in {timeout}s; "
                      f"recent errors: {errors}")

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)


def check_same_chain(cluster, acked, cert_kind, quorum):
    heights = [cluster.chain(i)["height"] for i in range(cluster.n)]
    top = max(heights)
    for i in range(cluster.n):
        cluster.wait_height(i, top, timeout=60)
    ref = [cluster.block(0, h) for h in range(0, top + 1)]
    where = {}
    for h in range(1, top + 1):
        b = ref[h]
        check(b["cert"]["kind"] == cert_kind, f"block {h} cert kind {b['cert']['kind']}")
        check(len(b["cert"]["votes"]) >= quorum,
              f"block {h} carries {len(b['cert']['votes'])} votes; needs {quorum}")
        for tx in b["tx_ids"]:
            check(tx not in where, f"tx {tx} twice: heights {where.get(tx)} and {h}")
            where[tx] = h
    for i in range(1, cluster.n):
        for h in range(0, top + 1):
            b = cluster.block(i, h)
            check(b["hash"] == ref[h]["hash"],
                  f"node{i + 1} block {h} is {b['hash']}, node1's is {ref[h]['hash']}")
        check(cluster.chain(i)["state_root"] == cluster.chain(0)["state_root"],
              f"node{i + 1} state root differs from node1's")
    for tx, h in acked.items():
        check(where.get(tx) == h, f"acknowledged tx {tx} at height {h} is at {where.get(tx)}")
    return top


def add_node(env, cluster):
    """A fifth node with a new org1 node certificate: not a validator, it follows the chain."""
    name = f"node{cluster.n + 1}"
    folder = os.path.join(env.chain, "nodes", name)
    os.makedirs(folder)
    with open(os.path.join(folder, "node.pass"), "w") as f:
        f.write(name + " passphrase\n")
    ca = os.path.join(env.chain, "orgs", "org1", "ca")
    env.silk("cert", "issue", "--ca-dir", ca, "--ca-passphrase-file", os.path.join(ca, "ca.pass"),
             "--org", "org1", "--role", "node", "--name", f"org1-{name}", "--out-dir", folder,
             "--passphrase-file", os.path.join(folder, "node.pass"), "--key-kdf", "fast")
    with open(cluster.config(0)) as f:
        config = json.load(f)
    rpc_port, p2p_port = free_port(), free_port()
    config.update({"node_key": f"org1-{name}.key", "passphrase_file": "node.pass"})
    config["rpc"]["port"] = rpc_port
    config.pop("public", None)  # node1's listener port; this node needs none
    config["p2p"].update({"port": p2p_port, "cert": f"org1-{name}.pem",
                          "peers": [{"host": "127.0.0.1", "port": cluster.p2p_base + i,
                                     "public_key": cluster.network["nodes"][i]["public_key"]}
                                    for i in range(cluster.n)]})
    with open(os.path.join(folder, "node.json"), "w") as f:
        json.dump(config, f)
    r = env.silk("--json", "cert", "show", os.path.join(folder, f"org1-{name}.pem"),
                 check_rc=False)
    key = json.loads(r.stdout)["public_key"] if r.returncode == 0 else None
    cluster.n += 1
    cluster.procs.append(None)
    cluster.prefix.append([])
    cluster.logs.append(os.path.join(env.root, name + ".log"))
    scheme = "https" if config["rpc"].get("tls") else "http"
    cluster.http.append(Http(f"{scheme}://127.0.0.1:{rpc_port}",
                             env.tls.context if env.tls else None))
    cluster.url.append(f"{scheme}://127.0.0.1:{rpc_port}")
    cluster.network["nodes"].append({"name": name, "public_key": key})
    cluster.start(cluster.n - 1)
    return key


def change_validators(env, cluster):
    """A fifth node starts outside the validator set and follows the chain; governance replaces
    node4 by it; from the height the change takes effect, blocks name the new set, node5 signs
    and node4 does not."""
    keys = [n["public_key"] for n in cluster.network["nodes"]]
    node5 = add_node(env, cluster)
    check(node5 is not None and len(node5) == 64, f"node5's public key: {node5}")
    cluster.wait_height(4, cluster.chain(0)["height"], timeout=60)  # it caught up by block sync
    new_set = keys[:3] + [node5]
    proposal = env.silk_json("--node", cluster.url[0], "gov", "propose", "set-validators",
                             *sum((["--validator", k] for k in new_set), []),
                             *env.ident("org1", "admin"))
    pid = str(proposal.get("proposal_id", proposal.get("id", 1)))
    for org in ("org2", "org3"):
        env.silk("--node", cluster.url[0], "gov", "approve", pid, *env.ident(org, "admin"))
    text = json.dumps(env.silk_json("--node", cluster.url[0], "gov", "config"))
    check(node5 in text, f"gov config does not show the new set: {text[:500]}")
    start = cluster.chain(0)["height"]

    def signed_after_change(top):
        """Blocks from `start` to `top` under the new set that node5 signed; none may carry node4.
        A certificate holds the first quorum of votes, so a slow node5 can miss a few."""
        last = cluster.block(0, top)["header"]["validator_set_hash"]
        count = 0
        for h in range(start, top + 1):
            b = cluster.block(0, h)
            if b["header"]["validator_set_hash"] != last:
                continue
            signers = {v["signer"] for v in b["cert"]["votes"]}
            check(keys[3] not in signers, f"block {h}: node4, no longer a validator, still signs")
            count += 1 if node5 in signers else 0
        return count

    signed_by_new = 0
    for i in range(20):
        files = make_files(env, "after-change", i)
        env.silk("--node", cluster.url[i % 5], "notary", "anchor", *files,
                 *env.ident("org1", "client"))
        if i < 5:
            continue
        top = cluster.chain(0)["height"]
        signed_by_new = signed_after_change(top)
        if signed_by_new > 0:
            break
    first = cluster.block(0, start)["header"]["validator_set_hash"]
    last = cluster.block(0, top)["header"]["validator_set_hash"]
    check(first != last, "validator_set_hash did not change with the validator set")
    check(signed_by_new > 0, f"node5 signed none of the blocks {start}..{top} after joining")
    cluster.wait_height(4, top, timeout=60)
    check(cluster.block(4, top)["hash"] == cluster.block(0, top)["hash"],
          "node5 holds another block")
    print(f"   node5 joined as a follower; governance swapped node4 for it; node5 signed "
          f"{signed_by_new} of the blocks up to {top}", flush=True)


def governance_set(env, cluster, new_set):
    proposal = env.silk_json("--node", cluster.url[0], "gov", "propose", "set-validators",
                             *sum((["--validator", k] for k in new_set), []),
                             *env.ident("org1", "admin"))
    pid = str(proposal.get("proposal_id", proposal.get("id", 1)))
    for org in ("org2", "org3"):
        env.silk("--node", cluster.url[0], "gov", "approve", pid, *env.ident(org, "admin"))


def anchor_until(env, url, tag, timeout=90):
    """Anchors one batch through `url`, retrying until it commits (an election may be running)."""
    deadline = time.time() + timeout
    call = 0
    while time.time() < deadline:
        call += 1
        r = env.silk("--node", url, "notary", "anchor", *make_files(env, tag, call),
                     *env.ident("org1", "client"), check_rc=False, timeout=30)
        if r.returncode == 0:
            return
        time.sleep(0.5)
    raise Failure(f"no commit through {url} in {timeout}s: {r.stdout}{r.stderr}")


def wait_for_set(env, cluster, i, vsh_not, tag):
    """Commits batches through node i until a block names a validator set other than vsh_not."""
    for k in range(20):
        anchor_until(env, cluster.url[i], f"{tag}-{k}")
        tip = cluster.chain(i)["height"]
        vsh = cluster.block(i, tip)["header"]["validator_set_hash"]
        if vsh != vsh_not:
            return vsh
    raise Failure(f"{tag}: the validator set never changed")


def raft_membership(env, cluster):
    """Raft changes membership one validator at a time: a fourth node joins as a follower and is
    added; then node3 is removed. With node2 and node3 down, node1 and the new node are a
    majority of the new set, so commits go on only if the new node really votes and acks."""
    keys = [n["public_key"] for n in cluster.network["nodes"]]
    r = env.silk("--node", cluster.url[0], "gov", "propose", "set-validators",
                 "--validator", keys[0], *env.ident("org1", "admin"), check_rc=False)
    check(r.returncode != 0 and "one at a time" in r.stdout + r.stderr,
          f"a raft chain took a two-member change: {r.stdout}{r.stderr}")
    new = add_node(env, cluster)
    cluster.wait_height(3, cluster.chain(0)["height"], timeout=60)
    before = cluster.block(0, cluster.chain(0)["height"])["header"]["validator_set_hash"]
    governance_set(env, cluster, keys[:3] + [new])
    four = wait_for_set(env, cluster, 0, before, "raft-add")
    governance_set(env, cluster, [keys[0], keys[1], new])
    wait_for_set(env, cluster, 0, four, "raft-remove")
    cluster.kill(1)
    cluster.kill(2)
    height = cluster.chain(0)["height"]
    anchor_until(env, cluster.url[0], "raft-two-left")
    anchor_until(env, cluster.url[3], "raft-two-left-b")
    top = cluster.chain(0)["height"]
    check(top > height, "no commit with node1 and the new node only")
    cluster.wait_height(3, top, timeout=30)
    check(cluster.block(3, top)["hash"] == cluster.block(0, top)["hash"],
          "the new node holds another block")
    print(f"   raft: a fourth node joined, node3 left, and node1 + the new node alone committed "
          f"up to {top}", flush=True)


def scenario(env, consensus, nodes, victim, quorum):
    print(f"== {consensus}: {nodes} nodes", flush=True)
    cluster = Cluster(env, consensus, nodes)
    # The smallest WAL compaction threshold, so that the kill and restart below meet compacted
    # WALs (docs/storage.md).
    for i in range(nodes):
        with open(cluster.config(i)) as f:
            config = json.load(f)
        config["wal_compact_bytes"] = WAL_COMPACT_BYTES
        with open(cluster.config(i), "w") as f:
            json.dump(config, f, indent=2)
    try:
        cluster.start_all()
        load = Load(env, cluster, consensus)
        load.start()
        try:
            load.wait_more(20, 60, f"{consensus} with every node up")
            if victim is None:
                # The proposer of the latest block: raft's leader, a tbft round's proposer.
                tip = cluster.chain(0)["height"]
                proposer = cluster.block(0, tip)["header"]["proposer"]
                keys = [n["public_key"] for n in cluster.network["nodes"]]
                check(proposer in keys, f"block {tip} proposer {proposer} is not a node")
                victim = keys.index(proposer)
            t0 = time.time()
            cluster.kill(victim)
            print(f"   killed node{victim + 1}, the latest proposer (SIGKILL) at "
                  f"{load.count()} txs", flush=True)
            load.wait_more(20, 90, f"{consensus} with node{victim + 1} killed")
            print(f"   20 more txs committed without it in {time.time() - t0:.1f}s", flush=True)
            cluster.start(victim)
            load.wait_more(10, 60, f"{consensus} after node{victim + 1} restarted")
        finally:
            load.finish()
        print(f"   node{victim + 1} restarted; commits go on", flush=True)
        target = max(cluster.chain(i)["height"] for i in range(nodes))
        cluster.wait_height(victim, target, timeout=60)
        top = check_same_chain(cluster, load.acked, consensus, quorum)
        print(f"   node{victim + 1} caught up; {nodes} nodes agree on {top} blocks, "
              f"{len(load.acked)} txs acknowledged", flush=True)
        if consensus == "tbft":
            change_validators(env, cluster)
        else:
            raft_membership(env, cluster)
        # An auditor replays a running node's chain over its RPC...
        r = env.silk("--node", cluster.url[0], "--json", "audit", "verify-chain", "--rpc",
                     "--genesis", os.path.join(env.chain, "genesis.json"), check_rc=False)
        check(r.returncode == 0 and json.loads(r.stdout)["ok"] is True,
              f"verify-chain --rpc on node1: {r.stdout[-800:]}{r.stderr}")
        # ...and each node's chain from its data folder, the nodes stopped.
        cluster.close()
        compactions = [open(cluster.logs[i]).read().count("consensus WAL compacted")
                       for i in range(nodes)]
        wal_bytes = [os.path.getsize(os.path.join(cluster.node_dir(i), "data.wal"))
                     for i in range(nodes)]
        print(f"   WAL compactions per node {compactions}, WAL bytes at the end {wal_bytes}",
              flush=True)
        check(max(compactions) >= 1, f"{consensus}: no node compacted its WAL: {compactions}")
        for i in range(nodes):
            r = env.silk("--json", "audit", "verify-chain", "--data-dir",
                         os.path.join(cluster.node_dir(i), "data"),
                         "--genesis", os.path.join(env.chain, "genesis.json"), check_rc=False)
            check(r.returncode == 0, f"verify-chain on node{i + 1}: {r.stdout[-800:]}{r.stderr}")
    except Exception:
        print(cluster.all_logs())
        raise
    finally:
        cluster.close()


def main():
    args = parse_args()
    ok = True
    for consensus, nodes, victim, quorum in (("raft", 3, None, 1), ("tbft", 4, None, 3)):
        env = Env(args, f"net-{consensus}")
        try:
            scenario(env, consensus, nodes, victim, quorum)
            env.close()
        except Exception as e:  # noqa: BLE001
            print(f"FAIL {consensus}: {e}")
            env.keep = True
            env.close()
            ok = False
    print("PASS network" if ok else "0 passed, 1 failed")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
