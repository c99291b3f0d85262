"""The explorer (GET /explorer/) in headless Chromium, against a real silkd.

A CN chamber issues a certificate of origin and a client anchors the same file with the notary;
explorer_check.mjs (playwright-core driving Debian's chromium, both installed by tools/setup.sh)
then opens the page and checks what it shows: the latest blocks, one arriving live while it
watches, the issue tx with its receipt, the document's history, and "verify a file" for the
issued file (valid, five fragments, notary anchor) and for a different file (integrity invalid,
naming both hashes; without a doc id: not anchored).
"""
import json
import os
import subprocess
import threading

from harness import Failure, check, run, write

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYWRIGHT_DIR = os.environ.get("SILK_PLAYWRIGHT_DIR", os.path.join(ROOT, ".cache", "explorer-test"))
CHROMIUM = os.environ.get("SILK_CHROMIUM", "/usr/bin/chromium")
CHECK_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "explorer_check.mjs")


def test(env):
    check(os.path.exists(os.path.join(PLAYWRIGHT_DIR, "node_modules", "playwright-core")),
          f"playwright-core is not installed in {PLAYWRIGHT_DIR} (run tools/setup.sh)")
    check(os.access(CHROMIUM, os.X_OK), f"no browser at {CHROMIUM} (run tools/setup.sh)")

    env.network_init()
    net = env.chain
    env.start()
    silk = env.silk
    cn_reg, chamber, client = env.ident("org1", "regulator"), env.ident("org1", "issuer"), env.ident("org1", "client")
    silk("trust", "register-jurisdiction", "--code", "CN", "--name", "China", *cn_reg)
    silk("trust", "add-authority", "--jurisdiction", "CN", "--id", "org1-ca", "--name", "CN Chamber CA",
         "--authority-cert", os.path.join(net, "orgs/org1/ca/ca.pem"), "--service-type", "coo_issuer", *cn_reg)

    docs = os.path.join(env.root, "docs")
    os.makedirs(docs)
    # A value with markup in it: the page must show it as text, not run it.
    coo = write(os.path.join(docs, "coo.json"), json.dumps(
        {"number": "CCPIT-2026-SZ-009001", "exporter": "<img src=x onerror=alert(1)>", "quantity": 40}))
    other = write(os.path.join(docs, "coo-edited.json"), open(coo).read().replace("40", "400"))
    silk("doc", "issue", coo, "--type", "certificate_of_origin", "--doc-id", "CO-EXP-1", *chamber)
    silk("notary", "anchor", coo, *client)
    # A bill of lading whose eBL was surrendered for delivery: the page shows its spent title.
    bl = write(os.path.join(docs, "bl.json"), json.dumps({"number": "COSU-EXP-1"}))
    silk("doc", "issue", bl, "--type", "bill_of_lading", "--doc-id", "BL-EXP-1", *chamber)
    silk("ebl", "issue", "BL-EXP-1", "--holder", "org1", *chamber)
    silk("ebl", "surrender", "BL-EXP-1", "--for", "delivery", *client)
    silk("ebl", "accept-surrender", "BL-EXP-1", *chamber)

    status, hist = env.http.post("/v1/query", {"contract": "documents", "method": "history",
                                               "args": {"doc_id": "CO-EXP-1"}})
    check(status == 200, f"documents.history: {status} {hist}")
    issue_tx = hist["result"]["timeline"][0]["tx_id"]
    status, verdict = env.http.post("/v1/verify", {"doc_id": "CO-EXP-1", "jurisdiction": "CN"})
    check(status == 200 and verdict["result"]["overall"] == "valid", f"CO-EXP-1 not valid in CN: {verdict}")
    status, chain = env.http.get("/v1/chain")
    check(status == 200, f"/v1/chain: {chain}")

    # `silk events`: the same history as JSON lines, up to the tip, filtered by contract.
    lines = [json.loads(x) for x in silk("events", "--contract", "documents").stdout.splitlines()]
    heights = [m["height"] for m in lines if m["type"] == "block"]
    check(heights == list(range(0, chain["height"] + 1)), f"silk events block heights: {heights}")
    check(any(m["type"] == "tx" and m["tx_id"] == issue_tx and m["method"] == "issue" for m in lines),
          f"silk events misses the issue tx: {lines}")
    check(any(m["type"] == "event" and m["name"] == "issued" for m in lines), f"no issued event: {lines}")
    check(all(m["type"] == "block" or m["contract"] == "documents" for m in lines), "contract filter ignored")

    child_env = dict(os.environ, EXPLORER_URL=env.node_url, PLAYWRIGHT_DIR=PLAYWRIGHT_DIR, CHROMIUM=CHROMIUM,
                     TX_ID=issue_tx, DOC_ID="CO-EXP-1", DOC_STATUS="ACTIVE", JURISDICTION="CN",
                     GOOD_FILE=coo, BAD_FILE=other, MIN_HEIGHT=str(chain["height"]), EBL_DOC_ID="BL-EXP-1")
    proc = subprocess.Popen(["node", CHECK_SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=child_env)
    timer = threading.Timer(180, proc.kill)
    timer.start()
    output = []
    try:
        for line in proc.stdout:
            output.append(line)
            if line.strip() == "READY_FOR_LIVE_BLOCK":
                # A new block while the page watches.
                silk("notary", "anchor", write(os.path.join(docs, "live.txt"), "a live block\n"), *client)
        rc = proc.wait()
    finally:
        timer.cancel()
    text = "".join(output)
    print(text, end="")
    if rc != 0:
        raise Failure(f"explorer_check.mjs exited {rc}:\n{text}")
    check("ok: the issued file verifies: overall valid" in text, "the verify check did not run")


if __name__ == "__main__":
    run(test, "explorer")
