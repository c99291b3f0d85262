"""A node killed with SIGKILL in the middle of load loses nothing it acknowledged.

Signers anchor documents with `silk notary anchor` (batches, waiting for commit)
from several processes at once while silkd is killed with SIGKILL, three times.
After each restart every tx that silk reported as committed must be on chain at
the height it was reported with a successful receipt; no tx may appear twice;
every block must link to the one before; and the chain must keep committing.
"""
import json
import random
import signal
import threading
import time

from harness import check, Failure, make_docs, run

CYCLES = 5
WORKERS = 4
FILES_PER_CALL = 25


def make_files(env, worker, call):
    return make_docs(
        env, f"w{worker}-c{call}", FILES_PER_CALL,
        lambda i: f'{{"worker": {worker}, "call": {call}, "doc": {i}, "salt": "{random.getrandbits(64)}"}}',
        ".json")


def load(env, worker, stop, acked, lock, counters):
    call = 0
    while not stop.is_set():
        call += 1
        files = make_files(env, worker, (counters["cycle"], call))
        r = env.silk("--json", "notary", "anchor", *files, *env.key("client"), check_rc=False,
                     timeout=60)
        try:
            out = json.loads(r.stdout) if r.stdout.strip() else None
        except ValueError:
            out = None
        if not isinstance(out, dict) or "results" not in out:
            # The node went away before answering: nothing acknowledged.
            with lock:
                counters["refused_calls"] += 1
            time.sleep(0.05)
            continue
        with lock:
            for item in out["results"]:
                if item.get("ok"):
                    check(item["tx_id"] not in acked, f"tx {item['tx_id']} acknowledged twice")
                    acked[item["tx_id"]] = item["height"]


def verify_chain(env, acked):
    status, chain = env.http.get("/v1/chain")
    check(status == 200, f"/v1/chain answered {status}: {chain}")
    height = chain["height"]
    seen = {}
    prev_hash = None
    for h in range(0, height + 1):
        status, block = env.http.get(f"/v1/block/{h}")
        check(status == 200, f"block {h} answered {status}: {block}")
        header = block["header"]
        check(header["height"] == h, f"block {h} says height {header['height']}")
        if prev_hash is not None:
            check(header["prev_hash"] == prev_hash, f"block {h} does not link to block {h - 1}")
        prev_hash = block["hash"]
        check(len(block["tx_ids"]) == header["tx_count"], f"block {h} tx count mismatch")
        for tx_id in block["tx_ids"]:
            check(tx_id not in seen, f"tx {tx_id} appears twice: heights {seen.get(tx_id)} and {h}")
            seen[tx_id] = h
    for tx_id, h in acked.items():
        check(tx_id in seen, f"acknowledged tx {tx_id} (height {h}) is missing after restart")
        check(seen[tx_id] == h, f"tx {tx_id} acknowledged at height {h} is at {seen[tx_id]}")
    # Receipts of a sample (all, when few) of acknowledged txs.
    sample = list(acked.items())
    random.shuffle(sample)
    for tx_id, h in sample[:300]:
        status, body = env.http.get(f"/v1/tx/{tx_id}")
        check(status == 200, f"tx {tx_id} answered {status}: {body}")
        check(body["height"] == h, f"tx {tx_id}: height {body['height']} != acknowledged {h}")
        check(body["receipt"]["code"] == 0, f"tx {tx_id}: receipt failed: {body['receipt']}")
    return height, len(seen)


def test(env):
    env.init_solo()
    env.start()
    acked = {}
    lock = threading.Lock()
    counters = {"cycle": 0, "refused_calls": 0}
    last_height = 0
    for cycle in range(CYCLES):
        counters["cycle"] = cycle
        stop = threading.Event()
        workers = [threading.Thread(target=load, args=(env, w, stop, acked, lock, counters))
                   for w in range(WORKERS)]
        for t in workers:
            t.start()
        # Let some load commit, then kill at a random moment.
        deadline = time.time() + 60
        with lock:
            start_count = len(acked)
        while time.time() < deadline:
            with lock:
                if len(acked) >= start_count + 400:
                    break
            time.sleep(0.05)
        time.sleep(random.uniform(0.0, 0.5))
        rc = env.kill(signal.SIGKILL)
        check(rc == -signal.SIGKILL, f"silkd was not killed by SIGKILL (rc {rc})")
        stop.set()
        for t in workers:
            t.join()
        with lock:
            check(len(acked) > start_count, f"cycle {cycle}: no tx acknowledged before the kill")
        env.start()
        height, txs = verify_chain(env, acked)
        check(height >= last_height, f"height went back from {last_height} to {height}")
        last_height = height
        print(f"cycle {cycle}: killed with SIGKILL; restarted at height {height}; "
              f"{len(acked)} acknowledged txs all present; {txs} txs on chain, none twice")
    # The restarted node keeps committing.
    files = make_files(env, 99, "after")
    out = env.silk_json("notary", "anchor", *files, *env.key("client"))
    check(out["ok"], f"anchoring after restarts failed: {out}")
    print(f"{counters['refused_calls']} silk calls failed while the node was down (expected)")


if __name__ == "__main__":
    run(test, "crash_recovery")
