"""A signer's and an auditor's day with silk and silkd, as a user would run them.

init-solo -> start silkd -> anchor documents -> verify them (and a tampered copy)
-> sign a tx offline and submit it -> query tx, block, state, history -> bad
requests get 4xx with reasons and the node keeps serving -> a second silkd on
the same data folder is refused -> SIGTERM stops the node cleanly -> restart
keeps the chain.
"""
import os
import signal
import socket
import subprocess

from harness import check, run, write


def test(env):
    env.init_solo()
    for f in ("genesis.json", "node.json", "keys/node.key", "keys/client.key"):
        check(os.path.exists(os.path.join(env.chain, f)), f"init-solo did not write {f}")
    mode = os.stat(os.path.join(env.chain, "keys", "client.key")).st_mode & 0o777
    check(mode == 0o600, f"key file mode is {oct(mode)}, want 0600")
    env.start()

    docs = os.path.join(env.root, "docs")
    os.makedirs(docs)
    coo = write(os.path.join(docs, "coo.json"), '{"type":"certificate_of_origin","number":"CO-1","quantity":1200}')
    inv = write(os.path.join(docs, "invoice.json"), '{"type":"commercial_invoice","number":"INV-1"}')

    # Anchor two documents in one call; both commit.
    out = env.silk_json("notary", "anchor", coo, inv, *env.key("client"))
    check(out["ok"] and len(out["results"]) == 2, f"anchor failed: {out}")
    heights = {r["file"]: r["height"] for r in out["results"]}
    txs = {r["file"]: r["tx_id"] for r in out["results"]}

    # Verify both, human and JSON.
    r = env.silk("notary", "verify", coo, inv)
    check("anchored at height" in r.stdout, f"verify output: {r.stdout}")
    out = env.silk_json("notary", "verify", coo)
    check(out["results"][0]["anchored"], f"verify --json: {out}")

    # A tampered copy is not anchored: exit 1 and it says so.
    bad = write(os.path.join(docs, "coo-tampered.json"), '{"type":"certificate_of_origin","number":"CO-1","quantity":2100}')
    r = env.silk("notary", "verify", bad, check_rc=False)
    check(r.returncode == 1 and "NOT anchored" in r.stdout, f"tampered verify: rc {r.returncode} {r.stdout} {r.stderr}")

    # A second anchor of the same digest is refused, names the first, and is on record.
    r = env.silk("--json", "notary", "anchor", coo, *env.key("client"), check_rc=False)
    check(r.returncode == 1, f"duplicate anchor exit {r.returncode}: {r.stdout} {r.stderr}")
    import json
    dup = json.loads(r.stdout)["results"][0]
    check("already anchored" in dup.get("error", "") and txs[coo] in dup["error"],
          f"duplicate refusal does not name the first tx: {dup}")
    status, body = env.http.get(f"/v1/tx/{dup['tx_id']}")
    check(status == 200 and body["receipt"]["code"] != 0, f"refused anchor not on record: {status} {body}")

    # Offline signing: build, sign (no node needed), submit.
    digest = "ab" * 32
    unsigned = os.path.join(env.root, "tx.json")
    signed = os.path.join(env.root, "tx.signed.json")
    env.silk("tx", "build", "--key", os.path.join(env.chain, "keys", "client.key"), "--contract", "notary",
             "--method", "anchor", "--args", json.dumps({"hash": digest, "meta": {"by": "offline"}}),
             "--out", unsigned)
    env.silk("tx", "sign", *env.key("client"), "--in", unsigned, "--out", signed,
             "--node", "http://127.0.0.1:1")  # signing never contacts a node
    out = env.silk_json("tx", "submit", "--in", signed, "--wait")
    check(out.get("status") == "committed", f"submit --wait: {out}")
    # Signed by the wrong key: refused offline.
    r = env.silk("tx", "sign", *env.key("node"), "--in", unsigned, "--out", signed + "2", check_rc=False)
    check(r.returncode != 0 and "silk: error:" in r.stderr, f"sign with wrong key: {r.returncode} {r.stderr}")

    # Queries an auditor makes.
    out = env.silk_json("query", "tx", txs[inv])
    check(out["height"] == heights[inv] and out["receipt"]["code"] == 0, f"query tx: {out}")
    out = env.silk_json("query", "state", f"notary/{digest}")
    check(out["value"]["meta"] == {"by": "offline"}, f"query state: {out}")
    out = env.silk_json("query", "history", f"notary/{digest}")
    check(len(out["versions"]) == 1, f"query history: {out}")
    out = env.silk_json("query", "block", "latest")
    check(out["header"]["height"] >= 1 and out["cert"]["votes"], f"query block: {out}")
    chain = env.silk_json("query", "chain")
    check(chain["chain_id"] and chain["height"] >= 1, f"query chain: {chain}")

    # Bad input: clear 4xx, and the node keeps serving.
    status, body = env.http.request("POST", "/v1/tx", raw=b"{not json")
    check(status == 400 and "error" in body, f"malformed JSON: {status} {body}")
    status, body = env.http.post("/v1/tx", {"tx": "zz"})
    check(status == 400 and "hex" in body["error"]["message"], f"bad hex: {status} {body}")
    status, body = env.http.post("/v1/tx", {"tx": "00" * 40})
    check(status == 400, f"garbage tx: {status} {body}")
    status, body = env.http.get("/v1/nowhere")
    check(status == 404, f"unknown route: {status} {body}")
    # An oversized body is refused from its Content-Length, before the node reads it.
    with socket.create_connection(("127.0.0.1", env.port), timeout=10) as s:
        s.sendall(b"POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n[" % (64 << 20))
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    check(answer.startswith(b"HTTP/1.1 413"), f"oversized body: {answer[:200]!r}")
    status, body = env.http.get("/v1/health")
    check(status == 200, f"node stopped serving after bad input: {status} {body}")
    r = env.silk("query", "tx", "00" * 32, check_rc=False)
    check(r.returncode == 1 and "not_found" in r.stderr, f"unknown tx: {r.returncode} {r.stderr}")

    # A second silkd on the same data folder is refused with a clear reason.
    second = subprocess.run([env.silkd_bin, "--config", os.path.join(env.chain, "node.json")],
                            capture_output=True, text=True, timeout=30)
    check(second.returncode != 0, "a second silkd on the same data folder started")
    check("lock" in (second.stderr + second.stdout).lower(), f"second silkd reason: {second.stderr}")

    # SIGTERM: a clean stop; restart keeps everything.
    before = env.http.get("/v1/chain")[1]
    rc = env.kill(signal.SIGTERM)
    check(rc == 0, f"silkd exited {rc} on SIGTERM")
    check("silkd stopped" in env.log(), "no 'silkd stopped' log line")
    env.start()
    after = env.http.get("/v1/chain")[1]
    check(after["height"] == before["height"] and after["block_hash"] == before["block_hash"]
          and after["state_root"] == before["state_root"], f"restart changed the chain: {before} {after}")
    r = env.silk("notary", "verify", coo, inv)
    check(r.returncode == 0, f"verify after restart: {r.stdout} {r.stderr}")


if __name__ == "__main__":
    run(test, "cli_walkthrough")
