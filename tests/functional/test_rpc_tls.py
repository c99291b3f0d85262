"""The RPC over TLS 1.3 for consortium members, and the public verification listener (issue 15).

`silk network init` writes rpc.tls on: the node shows its node certificate, asks every client for
one and judges it by the chain's own rules. Checked against a real silkd:
- a member (org1's auditor, from `silk network env`) reads; `silk` signs and submits with the
  identity it signs with as its client certificate;
- refused, each with a 403 that names why: no client certificate, a certificate of a CA outside
  the consortium, a member certificate revoked on chain (after the revocation commits);
- plain HTTP to the TLS port: 400 naming HTTPS; silk without --ca, or with a CA the node's
  certificate does not chain to: an error naming the option and the failed check;
- limits from node.json: rpc.max_connections (the connection past it is closed, the node keeps
  serving), rpc.rate_limit per client certificate (429 naming the client), rpc.idle_timeout_ms
  and rpc.header_timeout_ms (an idle or half-sent connection is closed);
- the public listener (HTTPS, no client certificate): the verify page and POST /v1/verify answer,
  block, tx, state, history, events, metrics and submitting are 403, and its per-address rate
  limit answers 429.
"""
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.request

from harness import Http, check, out_of, run, write


def expect_refused(http, what, words):
    status, body = http.get("/v1/chain")
    message = body.get("error", {}).get("message", "") if isinstance(body, dict) else ""
    check(status == 403 and all(w in message for w in words),
          f"{what}: expected 403 naming {words}, got {status} {body}")
    print(f"ok: {what}: 403 {message[:110]}")


def test(env):
    env.network_init()
    net = env.chain
    env.start()
    tls = env.tls
    check(env.node_url.startswith("https://"), f"network init's RPC is not https: {env.node_url}")
    users = os.path.join(net, "orgs", "org1", "users")

    # A member reads; silk signs and submits over TLS with its own identity.
    status, chain = env.http.get("/v1/chain")
    check(status == 200 and chain["chain_id"], f"a member cannot read: {status} {chain}")
    doc = write(os.path.join(env.root, "pl.txt"), "packing list 1\n")
    r = env.silk("notary", "anchor", doc, *env.ident("org1", "client"))
    print(f"ok: a member reads; silk anchors over TLS ({r.stdout.strip()[:60]})")

    # Refusals, each named.
    expect_refused(Http(env.node_url, tls.client_context()), "no client certificate",
                   ["no client certificate"])
    outside = os.path.join(env.root, "outside-ca")
    pass_file = write(os.path.join(env.root, "o.pass"), "outside\n")
    env.silk("ca", "init", "--org", "org9", "--jurisdiction", "FR", "--out-dir", outside,
             "--key-kdf", "fast", "--passphrase-file", pass_file)
    write(os.path.join(outside, "ca.pass"), "outside\n")
    extra = os.path.join(env.root, "extra")
    os.makedirs(extra)

    def issue(ca_dir, org, role, name):
        env.silk("cert", "issue", "--ca-dir", ca_dir, "--org", org, "--role", role, "--name", name,
                 "--out-dir", extra, "--key-kdf", "fast", "--passphrase-file", pass_file,
                 "--ca-passphrase-file", os.path.join(ca_dir, "ca.pass"))
        pem_key = os.path.join(extra, name + ".tls.pem")
        env.silk("key", "export", "--key", os.path.join(extra, name + ".key"), "--out", pem_key,
                 "--unencrypted", "--passphrase-file", pass_file)
        return os.path.join(extra, name + ".pem"), pem_key

    cert, key = issue(outside, "org9", "client", "stranger")
    expect_refused(Http(env.node_url, tls.client_context(cert, key)), "a CA outside the consortium",
                   ["org9", "not in the consortium"])
    cert, key = issue(os.path.join(net, "orgs", "org1", "ca"), "org1", "client", "client2")
    member2 = Http(env.node_url, tls.client_context(cert, key))
    status, _ = member2.get("/v1/chain")
    check(status == 200, f"a second org1 client cannot read before its revocation: {status}")
    env.silk("cert", "revoke", "--target", cert, "--reason", "keyCompromise",
             *env.ident("org1", "admin"))
    expect_refused(member2, "a member certificate revoked on chain", ["revoked"])

    # Plain HTTP to the TLS port, and silk without the CAs or with the wrong ones.
    with socket.create_connection(("127.0.0.1", env.port), timeout=10) as s:
        s.sendall(b"GET /v1/chain HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = s.recv(4096).decode(errors="replace")
    check(answer.startswith("HTTP/1.1 400") and "HTTPS only" in answer,
          f"plain HTTP to the TLS port: {answer[:300]}")
    print("ok: plain HTTP to the TLS port: 400 naming HTTPS")
    no_ca = dict(os.environ, SILK_NODE=env.node_url)
    for name in ("SILK_CA", "SILK_TLS_CERT", "SILK_TLS_KEY"):
        no_ca.pop(name, None)
    r = subprocess.run([env.silk_bin, "query", "chain"], capture_output=True, text=True, env=no_ca)
    check(r.returncode != 0 and "--ca" in out_of(r), f"silk without --ca: {out_of(r)}")
    r = env.silk("--ca", os.path.join(outside, "ca.pem"), "query", "chain", check_rc=False)
    check(r.returncode != 0 and "not trusted" in out_of(r), f"silk with the wrong CA: {out_of(r)}")
    print("ok: silk names --ca when it is missing, and an untrusted node certificate")

    # The public listener: a verifier without a certificate.
    public = Http(env.public_url, ssl._create_unverified_context())
    status, verdict = public.post("/v1/verify", {"doc_id": "none", "jurisdiction": "SG"})
    check(status in (200, 404), f"public POST /v1/verify: {status} {verdict}")
    with urllib.request.urlopen(env.public_url + "/explorer/", timeout=10,
                                context=public.context) as page:
        check(page.status == 200 and b"<html" in page.read().lower(), "public GET /explorer/")
    for method, path, body in (("GET", "/v1/block/0", None), ("GET", "/v1/tx/" + "00" * 32, None),
                               ("GET", "/v1/state?key=identity/crl", None),
                               ("GET", "/v1/history?key=notary/x", None),
                               ("GET", "/metrics", None), ("GET", "/v1/events", None),
                               ("POST", "/v1/tx", {"tx": "00"}),
                               ("POST", "/v1/query", {"contract": "identity", "method": "status",
                                                      "args": {}})):
        status, answer = public.request(method, path, body)
        message = answer.get("error", {}).get("message", "") if isinstance(answer, dict) else ""
        check(status == 403 and "public verification listener" in message,
              f"public {method} {path}: {status} {answer}")
    print("ok: the public listener answers verification and refuses browsing (403, named)")
    codes = [public.get("/v1/health")[0] for _ in range(80)]
    check(429 in codes, f"the public listener's per-address rate limit never answered 429: {codes}")
    print(f"ok: public rate limit: {codes.count(429)} of 80 quick requests answered 429")

    # Limits: restart with small ones.
    env.kill(sig=15)
    with open(env.config_path) as f:
        config = json.load(f)
    config["rpc"].update({"max_connections": 6, "rate_limit": 5, "idle_timeout_ms": 800,
                          "header_timeout_ms": 800})
    with open(env.config_path, "w") as f:
        json.dump(config, f)
    env.start()
    codes = [env.http.get("/v1/chain")[0] for _ in range(40)]
    check(429 in codes and codes[0] == 200, f"rpc.rate_limit 5/s never answered 429: {codes}")
    status, body = env.http.get("/v1/chain")
    time.sleep(1.2)  # the bucket refills
    status, body = env.http.get("/v1/chain")
    check(status == 200, f"a client under its rate limit again is refused: {status} {body}")
    print(f"ok: rpc.rate_limit: {codes.count(429)} of 40 quick requests answered 429")

    # Idle and header timeouts: both close the connection.
    def closed_within(sock, seconds):
        sock.settimeout(seconds)
        try:
            return sock.recv(1) == b""
        except (ConnectionError, ssl.SSLError):
            return True
        except socket.timeout:
            return False

    idle = tls.context.wrap_socket(socket.create_connection(("127.0.0.1", env.port)))
    check(closed_within(idle, 5), "an idle TLS connection was not closed after rpc.idle_timeout_ms")
    half = tls.context.wrap_socket(socket.create_connection(("127.0.0.1", env.port)))
    half.sendall(b"GET /v1/chain HTTP/1.1\r\nHost: x\r\n")
    check(closed_within(half, 5), "a half-sent header was not closed after rpc.header_timeout_ms")
    print("ok: idle and half-sent connections are closed")

    # The connection limit: the one past it is closed at once; the node keeps serving.
    held = []
    for _ in range(6):
        s = tls.context.wrap_socket(socket.create_connection(("127.0.0.1", env.port)))
        held.append(s)
    refused = False
    try:
        extra_conn = tls.context.wrap_socket(socket.create_connection(("127.0.0.1", env.port),
                                                                      timeout=5))
        extra_conn.sendall(b"GET /v1/chain HTTP/1.1\r\nHost: x\r\n\r\n")
        refused = extra_conn.recv(100) == b""
    except (ConnectionError, ssl.SSLError, OSError):
        refused = True
    check(refused, "a connection past rpc.max_connections was served")
    for s in held:
        s.close()
    time.sleep(0.3)
    status, _ = env.http.get("/v1/health")
    check(status == 200, f"the node stopped serving after the connection limit: {status}")
    print("ok: the connection past rpc.max_connections is closed; the node keeps serving")


if __name__ == "__main__":
    run(test, "rpc-tls")
