"""A with-cert consortium as its members would run it (issue 3).

network init (4 organisations: CN, SG, DE, AE) -> start node1 -> org members submit with their
certificates -> refusals, each with its reason: an expired certificate, one from a CA outside the
consortium, one from a forged CA using a member organisation's name, a revoked one, a frozen one,
a role the policy does not allow, another organisation's admin revoking -> a governance proposal
adds a fifth organisation once a majority of admins approve, and its members can then submit ->
the chain config shows it -> the auditor's offline replay of the chain agrees.
"""
import json
import os

from harness import check, run, write, out_of


def test(env):
    env.network_init()
    net = env.chain
    genesis = json.load(open(os.path.join(net, "genesis.json")))
    check(genesis["identity"]["mode"] == "with-cert", "network init did not write a with-cert genesis")
    check([o["jurisdiction"] for o in genesis["identity"]["orgs"]] == ["CN", "SG", "DE", "AE"],
          f"unexpected orgs: {genesis['identity']['orgs']}")
    env.start()

    docs = os.path.join(env.root, "docs")
    os.makedirs(docs)
    n = [0]

    def doc():
        n[0] += 1
        return write(os.path.join(docs, f"doc{n[0]}.json"), json.dumps({"no": n[0], "type": "invoice"}))

    def anchor(*ident, ok=True):
        r = env.silk("--json", "notary", "anchor", doc(), *ident, check_rc=False)
        if ok:
            check(r.returncode == 0, f"anchor refused: {out_of(r)}")
        else:
            check(r.returncode != 0, f"anchor accepted, expected a refusal: {out_of(r)}")
        return out_of(r)

    # Members of every organisation submit with their certificates (attached on the first tx).
    for org in ("org1", "org2", "org3", "org4"):
        anchor(*env.ident(org, "client"))
    anchor(*env.ident("org1", "client"))  # the certificate is registered now; still fine

    status = env.silk_json("cert", "status", "--target", os.path.join(net, "orgs/org1/users/client.pem"))
    check(status["status"] == "valid" and status["registered"], f"status: {status}")

    ca1 = os.path.join(net, "orgs", "org1", "ca")
    extra = os.path.join(env.root, "extra")
    os.makedirs(extra)
    pass_file = write(os.path.join(extra, "p.pass"), "a passphrase for the extra keys\n")

    def issue(ca_dir, org, role, name, *more):
        env.silk("cert", "issue", "--ca-dir", ca_dir, "--org", org, "--role", role, "--name", name,
                 "--out-dir", extra, "--key-kdf", "fast", "--passphrase-file", pass_file,
                 "--ca-passphrase-file", os.path.join(ca_dir, "ca.pass"), *more)
        return ["--key", os.path.join(extra, name + ".key"), "--passphrase-file", pass_file]

    # An expired certificate, issued by a consortium CA.
    old = issue(ca1, "org1", "client", "old-client", "--valid-from", "2020-01-01T00:00:00Z",
                "--valid-until", "2021-01-01T00:00:00Z")
    msg = anchor(*old, ok=False)
    check("expired" in msg, f"expired certificate refused without saying so: {msg}")

    # A CA outside the consortium.
    foreign_ca = os.path.join(env.root, "foreign-ca")
    env.silk("ca", "init", "--org", "org9", "--jurisdiction", "FR", "--out-dir", foreign_ca,
             "--key-kdf", "fast", "--passphrase-file", write(os.path.join(env.root, "f.pass"), "foreign\n"))
    write(os.path.join(foreign_ca, "ca.pass"), "foreign\n")
    stranger = issue(foreign_ca, "org9", "client", "stranger")
    msg = anchor(*stranger, ok=False)
    check("not in the consortium" in msg, f"foreign CA refused without the reason: {msg}")

    # A forged CA that calls itself org1.
    forged_ca = os.path.join(env.root, "forged-ca")
    env.silk("ca", "init", "--org", "org1", "--jurisdiction", "CN", "--out-dir", forged_ca,
             "--key-kdf", "fast", "--passphrase-file", os.path.join(env.root, "f.pass"))
    write(os.path.join(forged_ca, "ca.pass"), "foreign\n")
    impostor = issue(forged_ca, "org1", "admin", "impostor")
    msg = anchor(*impostor, ok=False)
    check("not chained to a consortium CA of org1" in msg, f"forged CA refused without the reason: {msg}")

    # Revocation: a second org1 client works, is revoked by org1's admin, and is refused after.
    client2 = issue(ca1, "org1", "client", "client2")
    client2_pem = os.path.join(extra, "client2.pem")
    anchor(*client2)
    # Not by a client, and not by another organisation's admin (SELF admin).
    r = env.silk("cert", "revoke", "--target", client2_pem, "--reason", "keyCompromise",
                 *env.ident("org1", "client"), check_rc=False)
    check(r.returncode != 0 and "admin" in out_of(r), f"a client revoked a certificate: {out_of(r)}")
    r = env.silk("cert", "revoke", "--target", client2_pem, "--reason", "keyCompromise",
                 *env.ident("org2", "admin"), check_rc=False)
    check(r.returncode != 0 and "org1" in out_of(r), f"org2's admin revoked org1's cert: {out_of(r)}")
    env.silk("cert", "revoke", "--target", client2_pem, "--reason", "keyCompromise",
             *env.ident("org1", "admin"))
    msg = anchor(*client2, ok=False)
    check("revoked" in msg and "keyCompromise" in msg, f"revoked certificate refused without reason: {msg}")
    status = env.silk_json("cert", "status", "--target", client2_pem)
    check(status["status"] == "revoked", f"status after revoke: {status}")

    # Freezing is reversible.
    org2_issuer = env.ident("org2", "issuer")
    anchor(*org2_issuer)
    issuer_pem = os.path.join(net, "orgs", "org2", "users", "issuer.pem")
    env.silk("cert", "freeze", "--target", issuer_pem, "--reason", "audit", *env.ident("org2", "admin"))
    msg = anchor(*org2_issuer, ok=False)
    check("frozen" in msg, f"frozen certificate refused without the reason: {msg}")
    env.silk("cert", "unfreeze", "--target", issuer_pem, *env.ident("org2", "admin"))
    anchor(*org2_issuer)

    # Governance: org1's admin proposes a fifth organisation; org2 and org3 approve (3 of 4 = MAJORITY).
    org5_ca = os.path.join(env.root, "org5-ca")
    env.silk("ca", "init", "--org", "org5", "--jurisdiction", "FR", "--out-dir", org5_ca,
             "--key-kdf", "fast", "--passphrase-file", os.path.join(env.root, "f.pass"))
    write(os.path.join(org5_ca, "ca.pass"), "foreign\n")
    org5_client = issue(org5_ca, "org5", "client", "org5-client")
    msg = anchor(*org5_client, ok=False)
    check("not in the consortium" in msg, f"org5 admitted before governance: {msg}")

    # A client may not propose.
    r = env.silk("gov", "propose", "add-org", "--org", "org5", "--name", "FR Chamber",
                 "--jurisdiction", "FR", "--ca-cert", os.path.join(org5_ca, "ca.pem"),
                 *env.ident("org1", "client"), check_rc=False)
    check(r.returncode != 0 and "admin" in out_of(r), f"a client proposed: {out_of(r)}")

    prop = env.silk_json("gov", "propose", "add-org", "--org", "org5", "--name", "FR Chamber",
                         "--jurisdiction", "FR", "--ca-cert", os.path.join(org5_ca, "ca.pem"),
                         "--description", "admit the French chamber", *env.ident("org1", "admin"))
    pid = str(prop["id"])
    shown = env.silk_json("gov", "show", pid)
    check(shown["status"] == "open" and len(shown["approvals"]) == 1, f"after propose: {shown}")
    env.silk("gov", "approve", pid, *env.ident("org2", "admin"))
    shown = env.silk_json("gov", "show", pid)
    check(shown["status"] == "open", f"executed with 2 of 4 approvals: {shown}")
    r = env.silk("gov", "approve", pid, *env.ident("org2", "admin"), check_rc=False)
    check(r.returncode != 0, f"a second approval by the same admin was accepted: {out_of(r)}")
    env.silk("gov", "approve", pid, *env.ident("org3", "admin"))
    shown = env.silk_json("gov", "show", pid)
    check(shown["status"] == "executed", f"not executed with 3 of 4 approvals: {shown}")

    config = env.silk_json("gov", "config")
    cfg = config.get("config", config)
    check("org5" in [o["id"] for o in cfg["orgs"]], f"chain config does not show org5: {config}")
    _, body = env.http.get("/v1/config")
    check("org5" in [o["id"] for o in body["result"]["config"]["orgs"]], f"/v1/config: {body}")

    # The new organisation's member can now submit.
    anchor(*org5_client)

    # The RPC answers a refusal with 403 and the reason.
    status_code, body = env.http.post("/v1/query", {"contract": "identity", "method": "status",
                                                    "args": {"fingerprint": "00" * 32}})
    check(status_code == 200 and body["result"]["status"] == "unknown", f"query: {status_code} {body}")
    status_code, body = env.http.post("/v1/query", {"contract": "nope", "method": "x"})
    check(status_code == 404, f"unknown contract query: {status_code} {body}")

    # Governance lowers the block size limit: from the next block the node refuses, at the door,
    # a tx that no block could hold any more (the limit in force, not genesis').
    big_meta = json.dumps({"pad": "x" * 3000})
    anchor(*env.ident("org1", "client"))
    r = env.silk("--json", "notary", "anchor", doc(), "--meta", big_meta,
                 *env.ident("org1", "client"), check_rc=False)
    check(r.returncode == 0, f"a 3 kB anchor was refused before the change: {out_of(r)}")
    prop = env.silk_json("gov", "propose", "set-block-params", "--max-block-bytes", "2048",
                         "--description", "smaller blocks", *env.ident("org1", "admin"))
    pid = str(prop["id"])
    for org in ("org2", "org3"):
        env.silk("gov", "approve", pid, *env.ident(org, "admin"))
    check(env.silk_json("gov", "show", pid)["status"] == "executed", "set-block-params not executed")
    anchor(*env.ident("org1", "client"))  # the change is in force from this block on
    r = env.silk("--json", "notary", "anchor", doc(), "--meta", big_meta,
                 *env.ident("org1", "client"), check_rc=False)
    check(r.returncode != 0 and "limit is 2048" in out_of(r),
          f"a tx bigger than the governed block limit was not refused: {out_of(r)}")
    anchor(*env.ident("org1", "client"))  # and small ones still commit

    # The auditor's offline replay agrees with everything above.
    rc = env.kill(__import__("signal").SIGTERM)
    check(rc == 0, f"silkd exited {rc} on SIGTERM")
    node_cfg = json.load(open(env.config_path))
    data_dir = node_cfg["data_dir"]
    if not os.path.isabs(data_dir):
        data_dir = os.path.join(os.path.dirname(env.config_path), data_dir)
    r = env.silk("audit", "verify-chain", "--data-dir", data_dir, "--genesis", os.path.join(net, "genesis.json"))
    check("ok" in out_of(r).lower(), f"verify-chain: {out_of(r)}")


if __name__ == "__main__":
    run(test, "consortium_identity")
