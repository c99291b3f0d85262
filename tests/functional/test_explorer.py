"""The explorer (GET /explorer/) in headless Chromium, against a real silkd.

A CN chamber issues a certificate of origin and a client anchors the same file with the notary;
explorer_check.mjs (playwright-core driving Debian's chromium, both installed by tools/setup.sh)
then opens the page and checks what it shows: the latest blocks, one arriving live while it
watches, the issue tx with its receipt, the document's history, and "verify a file" for the
issued file (valid, five fragments, notary anchor) and for a different file (integrity invalid,
naming both hashes; without a doc id: not anchored).

Then the verifier a customs officer in SG uses (issue 16): the link from `silk doc link` opens on
the verdict for SG; drag-and-drop of a plain copy, a disclosable copy with a field hidden (root
recomputed in the page), the same copy tampered with, a surrendered eBL and a certificate issued
under a suspended MRA; the QR code from `silk doc qr` read back by zbarimg; axe-core on the verify
page; every page at 375x812 and 1280x800 without sideways scrolling, with screenshots in
<bin-dir>/test-output/explorer/.
"""
import http.client
import json
import os
import shutil
import ssl
import subprocess
import threading
import time

from harness import Failure, Http, check, run, write

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYWRIGHT_DIR = os.environ.get("SILK_PLAYWRIGHT_DIR", os.path.join(ROOT, ".cache", "explorer-test"))
CHROMIUM = os.environ.get("SILK_CHROMIUM", "/usr/bin/chromium")
CHECK_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "explorer_check.mjs")


def test(env):
    check(os.path.exists(os.path.join(PLAYWRIGHT_DIR, "node_modules", "playwright-core")),
          f"playwright-core is not installed in {PLAYWRIGHT_DIR} (run tools/setup.sh)")
    check(os.access(CHROMIUM, os.X_OK), f"no browser at {CHROMIUM} (run tools/setup.sh)")
    check(os.path.exists(os.path.join(PLAYWRIGHT_DIR, "node_modules", "axe-core")),
          f"axe-core is not installed in {PLAYWRIGHT_DIR} (run tools/setup.sh)")
    check(shutil.which("zbarimg") is not None, "no zbarimg (zbar-tools; run tools/setup.sh)")
    started = time.monotonic()

    env.network_init()
    net = env.chain
    env.start()
    silk = env.silk
    cn_reg, chamber, client = env.ident("org1", "regulator"), env.ident("org1", "issuer"), env.ident("org1", "client")
    sg_reg = env.ident("org2", "regulator")
    silk("trust", "register-jurisdiction", "--code", "CN", "--name", "China", *cn_reg)
    silk("trust", "register-jurisdiction", "--code", "SG", "--name", "Singapore", *sg_reg)
    silk("trust", "add-authority", "--jurisdiction", "CN", "--id", "org1-ca", "--name", "CN Chamber CA",
         "--authority-cert", os.path.join(net, "orgs/org1/ca/ca.pem"), "--service-type", "coo_issuer",
         "--service-type", "carrier", *cn_reg)
    silk("trust", "propose-mra", "--id", "CN-SG", "--parties", "CN,SG", "--direction", "mutual",
         "--doc-type", "certificate_of_origin", "--doc-type", "bill_of_lading",
         "--service-type", "coo_issuer", "--service-type", "carrier", *cn_reg)
    silk("trust", "approve-mra", "CN-SG", *sg_reg)

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
    # A disclosable certificate, a copy with the exporter hidden, and that copy with a value changed.
    coo_d = write(os.path.join(docs, "coo-d.json"), json.dumps(
        {"number": "CCPIT-2026-SZ-009002", "exporter": "Shenzhen Lights Co.", "quantity": 12,
         "goods": {"hs": "9405.40", "description": "LED lamps"}}))
    silk("doc", "issue", coo_d, "--type", "certificate_of_origin", "--doc-id", "CO-DISC-1", "--disclosable", *chamber)
    disclosed = os.path.join(docs, "coo-d.redacted.json")
    shown = env.silk_json("doc", "disclose", coo_d + ".disclosable.json", "--hide", "exporter", "--out", disclosed)
    copy = json.load(open(disclosed))
    copy["fields"]["quantity"]["value"] = 120
    tampered = write(os.path.join(docs, "coo-d.tampered.json"), json.dumps(copy, indent=2))
    # The CN-SG MRA is suspended; a certificate issued after that is not recognised in SG.
    silk("trust", "suspend-mra", "CN-SG", "--reason", "annual review", *sg_reg)
    coo_s = write(os.path.join(docs, "coo-s.json"), json.dumps({"number": "CCPIT-2026-SZ-009003", "quantity": 5}))
    silk("doc", "issue", coo_s, "--type", "certificate_of_origin", "--doc-id", "CO-SUSP-1", *chamber)

    # The verification link, and the same link as a QR code read back by zbarimg.
    link = silk("doc", "link", "CO-EXP-1", "--as", "SG").stdout.strip()
    record = env.silk_json("doc", "show", "CO-EXP-1")
    # The link lands on the public verification listener: whoever scans it has no certificate.
    check(env.public_url and link == f"{env.public_url}/explorer/#/verify/CO-EXP-1?hash={record['doc_hash']}&as=SG",
          f"silk doc link: {link} (public listener {env.public_url})")
    for ext in ("png", "svg"):
        silk("doc", "qr", "CO-EXP-1", "--as", "SG", "--out", os.path.join(docs, f"qr.{ext}"))
    zbar = subprocess.run(["zbarimg", "--raw", "-q", os.path.join(docs, "qr.png")], capture_output=True, text=True)
    check(zbar.returncode == 0 and zbar.stdout.strip() == link, f"zbarimg read {zbar.stdout!r} ({zbar.stderr}), not {link}")
    check(open(os.path.join(docs, "qr.svg")).read().startswith("<?xml"), "silk doc qr --out qr.svg wrote no SVG")
    refused = silk("doc", "qr", "CO-EXP-1", "--out", os.path.join(docs, "qr.png"), check_rc=False)
    check(refused.returncode != 0 and "already exists" in refused.stderr, f"silk doc qr overwrote a file: {refused.stderr}")
    # The node serves the link's QR code too, and leads from / to the explorer.
    conn = http.client.HTTPSConnection("127.0.0.1", env.port, timeout=10, context=env.tls.context)
    conn.request("GET", "/v1/docs/CO-EXP-1/qr.svg?as=SG")
    r = conn.getresponse()
    svg = r.read().decode()
    check(r.status == 200 and r.getheader("Content-Type") == "image/svg+xml" and f"<title>verify CO-EXP-1: {link.replace('&', '&amp;')}</title>" in svg,
          f"GET /v1/docs/CO-EXP-1/qr.svg: {r.status} {svg[:300]}")
    conn.request("GET", "/v1/docs/NO-SUCH-DOC/qr.svg")
    r = conn.getresponse()
    r.read()
    check(r.status == 404, f"a QR code for an unknown document: {r.status}")
    conn.request("GET", "/")
    r = conn.getresponse()
    r.read()
    check(r.status == 302 and r.getheader("Location") == "/explorer/", f"GET /: {r.status} {r.getheader('Location')}")
    conn.close()

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

    # The public listener serves the same QR code, and the verdict, to a visitor without a
    # certificate; block browsing it refuses.
    public = Http(env.public_url, ssl._create_unverified_context())
    status, _ = public.get("/v1/block/1")
    check(status == 403, f"the public listener served a block: {status}")
    status, verdict = public.post("/v1/verify", {"doc_id": "CO-EXP-1", "jurisdiction": "SG"})
    check(status == 200 and verdict["result"]["overall"] == "valid", f"public POST /v1/verify: {status} {verdict}")

    child_env = dict(os.environ, EXPLORER_URL=env.node_url, PLAYWRIGHT_DIR=PLAYWRIGHT_DIR, CHROMIUM=CHROMIUM,
                     CLIENT_CERT=env.tls.cert, CLIENT_KEY=env.tls.key, PUBLIC_URL=env.public_url,
                     TX_ID=issue_tx, DOC_ID="CO-EXP-1", DOC_STATUS="ACTIVE", JURISDICTION="CN",
                     GOOD_FILE=coo, BAD_FILE=other, MIN_HEIGHT=str(chain["height"]), EBL_DOC_ID="BL-EXP-1",
                     SPEC=json.dumps({
                         "link": link, "plain_file": coo, "disclosed_file": disclosed, "disclosed_root": shown["root"],
                         "hidden_field": "exporter", "disclosed_doc_id": "CO-DISC-1", "tampered_file": tampered,
                         "ebl_doc_id": "BL-EXP-1", "ebl_file": bl, "suspended_file": coo_s,
                         "block_height": hist["result"]["timeline"][0]["height"],
                         "out_dir": os.path.join(env.bin, "test-output", "explorer")}))
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
    check("screenshots in" in text, "the verifier checks did not run")
    print(f"explorer test: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    run(test, "explorer")
