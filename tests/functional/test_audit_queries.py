"""An auditor searches a real node's txs by sender, contract and time, and exports them.

init-solo -> two identities (client, node) send txs to two contracts (notary; governance, whose
withdrawals of unknown proposals are refused but recorded) over several blocks -> GET /v1/txs pages
through them with small limits in both orders -> `silk audit txs` exports JSON Lines and CSV that
Python's json and csv modules read back and that match the RPC -> the time filter cuts at block
boundaries -> `silk audit history --format csv|jsonl` exports a key's versions -> after a restart
the indexes are still there.
"""
import csv
import io
import json
import os
import time

from harness import check, run, write


def pages(env, query, limit):
    """Follows GET /v1/txs cursors; returns the rows and the number of pages."""
    rows, after, n = [], "", 0
    while True:
        status, body = env.http.get(f"/v1/txs?{query}&limit={limit}{after}")
        check(status == 200, f"GET /v1/txs?{query}: {status} {body}")
        check(len(body["txs"]) <= limit, f"page larger than {limit}: {body}")
        rows += body["txs"]
        n += 1
        if body["next"] is None:
            return rows, n
        after = "&after=" + body["next"]


def test(env):
    env.init_solo()
    env.start()
    silk, sj = env.silk, env.silk_json
    client = sj("pubkey", "--key", os.path.join(env.chain, "keys", "client.key"))["public_key"]
    admin = sj("pubkey", "--key", os.path.join(env.chain, "keys", "node.key"))["public_key"]

    docs = os.path.join(env.root, "docs")
    os.makedirs(docs)
    sent = []  # (sender, contract, tx_id, ok) in commit order
    for i in range(6):
        # The client anchors one document per block; the node's admin key anchors one every other
        # block, and otherwise withdraws a proposal that does not exist (refused, but on chain).
        doc = write(os.path.join(docs, f"doc{i}.json"), json.dumps({"n": i, "note": 'a, "quoted"\nline'}))
        out = sj("notary", "anchor", doc, *env.key("client"))
        sent.append((client, "notary", out["results"][0]["tx_id"], True))
        if i % 2 == 0:
            doc2 = write(os.path.join(docs, f"admin{i}.json"), json.dumps({"admin": i}))
            out = sj("notary", "anchor", doc2, *env.key("node"))
            sent.append((admin, "notary", out["results"][0]["tx_id"], True))
        else:
            r = silk("--json", "call", "governance", "withdraw", "--args", json.dumps({"id": 9000 + i}),
                     *env.key("node"), check_rc=False)
            check(r.returncode == 1, f"withdraw of an unknown proposal: rc {r.returncode} {r.stdout} {r.stderr}")
            sent.append((admin, "governance", json.loads(r.stdout)["tx_id"], False))
        time.sleep(0.02)

    total = len(sent)
    all_ids = [s[2] for s in sent]

    # Everything since genesis, 2 by 2, both orders: every tx once, in chain order.
    rows, n = pages(env, "from_ms=0", 2)
    check([r["tx_id"] for r in rows] == all_ids, f"ascending: {rows}")
    check(n >= total // 2, f"{n} pages for {total} txs at limit 2")
    heights = [(r["height"], r["index"]) for r in rows]
    check(heights == sorted(heights) and len(set(heights)) == total, f"positions: {heights}")
    down, _ = pages(env, "from_ms=0&order=desc", 3)
    check([r["tx_id"] for r in down] == all_ids[::-1], f"descending: {down}")

    # By sender, by contract, both.
    for who in (client, admin):
        got, _ = pages(env, f"sender={who}", 2)
        check([r["tx_id"] for r in got] == [s[2] for s in sent if s[0] == who], f"sender {who}: {got}")
        check(all(r["sender"] == who for r in got), "sender field")
    gov, _ = pages(env, "contract=governance", 1)
    check([r["tx_id"] for r in gov] == [s[2] for s in sent if s[1] == "governance"], f"governance: {gov}")
    check(all(not r["ok"] and r["error"] for r in gov), f"refused txs carry their error: {gov}")
    both, _ = pages(env, f"sender={admin}&contract=notary", 1)
    check([r["tx_id"] for r in both] == [s[2] for s in sent if s[0] == admin and s[1] == "notary"],
          f"admin notary: {both}")

    # Time: from the 3rd tx's block time to the 6th's, inclusive, cut at block boundaries.
    t_from, t_to = rows[2]["timestamp_ms"], rows[5]["timestamp_ms"]
    window, _ = pages(env, f"from_ms={t_from}&to_ms={t_to}", 2)
    want = [r["tx_id"] for r in rows if t_from <= r["timestamp_ms"] <= t_to]
    check([r["tx_id"] for r in window] == want and len(want) >= 4, f"time window: {window}")

    status, body = env.http.get("/v1/txs?limit=5")
    check(status == 400 and "at least one" in body["error"]["message"], f"no filter: {status} {body}")
    status, body = env.http.get(f"/v1/txs?sender={client}&limit=5000")
    check(status == 400 and "'limit'" in body["error"]["message"], f"bad limit: {status} {body}")

    # The CLI: JSON Lines and CSV exports of everything the client sent, read back by Python.
    client_rows, _ = pages(env, f"sender={client}", 1000)
    jl = os.path.join(env.root, "client.jsonl")
    out = sj("audit", "txs", "--sender", client, "--limit", "2", "--all", "--format", "jsonl", "--out", jl)
    check(out["count"] == len(client_rows) and out["next"] is None, f"jsonl export: {out}")
    with open(jl) as f:
        lines = [json.loads(line) for line in f]
    check(lines == client_rows, f"JSONL rows differ from the RPC's:\n{lines}\n{client_rows}")

    gov_csv = os.path.join(env.root, "governance.csv")
    silk("audit", "txs", "--contract", "governance", "--from", "0", "--all", "--limit", "1",
         "--format", "csv", "--out", gov_csv)
    with open(gov_csv, newline="") as f:
        text = f.read()
    check(text.startswith("tx_id,height,index,timestamp_ms,time_utc,sender,contract,method,ok,code,error\r\n"),
          f"CSV header: {text[:200]}")
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    check([rec["tx_id"] for rec in records] == [g["tx_id"] for g in gov], f"CSV rows: {records}")
    for rec, g in zip(records, gov):
        check(rec["ok"] == "false" and rec["error"] == g["error"] and int(rec["height"]) == g["height"],
              f"CSV row {rec} vs {g}")
        check(rec["time_utc"].endswith("Z"), f"time_utc: {rec}")

    # ISO 8601 times, descending, one page then the cursor it prints.
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t_from // 1000)) + f".{t_from % 1000:03d}Z"
    r = silk("audit", "txs", "--from", iso, "--to", str(t_to), "--order", "desc", "--limit", "2")
    check("more: --after " in r.stdout, f"table paging hint: {r.stdout}")
    page1 = sj("audit", "txs", "--from", iso, "--to", str(t_to), "--order", "desc", "--limit", "2")
    page2 = sj("audit", "txs", "--from", iso, "--to", str(t_to), "--order", "desc", "--limit", "100",
               "--after", page1["next"])
    check([t["tx_id"] for t in page1["txs"] + page2["txs"]] == want[::-1], f"desc pages: {page1} {page2}")

    r = silk("audit", "txs", "--from", "yesterday", check_rc=False)
    check(r.returncode != 0 and "--from" in r.stderr, f"bad time: {r.returncode} {r.stderr}")
    r = silk("audit", "txs", "--sender", "abc", check_rc=False)
    check(r.returncode != 0 and "--sender" in r.stderr, f"bad sender: {r.returncode} {r.stderr}")

    # A key's history as CSV and JSON Lines.
    status, body = env.http.get(f"/v1/tx/{all_ids[0]}")
    digest = json.loads(body["tx"]["args"])["hash"] if isinstance(body["tx"]["args"], str) \
        else body["tx"]["args"]["hash"]
    key = f"notary/{digest}"
    status, hist = env.http.get(f"/v1/history?key={key}")
    check(status == 200 and hist["versions"], f"history of {key}: {status} {hist}")
    r = silk("audit", "history", key, "--format", "csv", "--all", "--limit", "1")
    hrecs = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    check([h["tx_id"] for h in hrecs] == [v["tx_id"] for v in hist["versions"]], f"history CSV: {r.stdout}")
    check(json.loads(hrecs[0]["value"]) == hist["versions"][0]["value"], f"history value: {hrecs[0]}")
    r = silk("audit", "history", key, "--format", "jsonl")
    check([json.loads(line) for line in r.stdout.splitlines()] == hist["versions"], f"history JSONL: {r.stdout}")

    # After a restart the indexes answer the same.
    env.kill()
    env.start()
    again, _ = pages(env, "from_ms=0", 4)
    check([r["tx_id"] for r in again] == all_ids, f"after restart: {again}")


if __name__ == "__main__":
    run(test, "audit_queries")
