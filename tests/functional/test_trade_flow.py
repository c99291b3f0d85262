"""A whole cross-border trade on a network init consortium (issue 4), as its users run it.

A CN chamber of commerce issues a certificate of origin and a carrier an eBL; SG customs verifies
both, recognised through the CN-SG MRA; the eBL is endorsed twice and surrendered; the certificate
is utilised once and a second utilisation refused; after the MRA is suspended a newly issued
certificate is not recognised in SG while the earlier one still is; an "important" document cannot
be shared to SG until an export approval exists; a deal ships only with its bill of lading, and a
dispute holds the eBL until the arbitrator decides.
"""
import json
import os

from harness import check, run, write, out_of


def test(env):
    env.network_init()
    net = env.chain
    env.start()
    silk, sj = env.silk, env.silk_json
    cn_reg, sg_reg = env.ident("org1", "regulator"), env.ident("org2", "regulator")
    chamber = env.ident("org1", "issuer")
    shipper, de_bank, sg_buyer = env.ident("org1", "client"), env.ident("org3", "client"), env.ident("org2", "client")
    sg_customs = env.ident("org2", "regulator")  # SG customs: a government authority

    def refused(*argv, why):
        r = silk(*argv, check_rc=False)
        check(r.returncode != 0, f"silk {' '.join(argv)} was accepted; expected a refusal ({why})")
        check(why in out_of(r), f"refusal does not say '{why}': {out_of(r)}")
        return out_of(r)

    # A carrier of the CN consortium organisation: its own certificate from org1's CA.
    extra = os.path.join(env.root, "extra")
    os.makedirs(extra)
    pw = write(os.path.join(extra, "p.pass"), "carrier passphrase\n")
    silk("cert", "issue", "--ca-dir", os.path.join(net, "orgs/org1/ca"), "--org", "org1", "--role", "issuer",
         "--name", "cosco-lines", "--out-dir", extra, "--key-kdf", "fast", "--passphrase-file", pw,
         "--ca-passphrase-file", os.path.join(net, "orgs/org1/ca/ca.pass"))
    carrier = ["--key", os.path.join(extra, "cosco-lines.key"), "--passphrase-file", pw]

    # Regulators set up trust: jurisdictions, CN's trust list, and the CN-SG MRA.
    silk("trust", "register-jurisdiction", "--code", "CN", "--name", "China", *cn_reg)
    silk("trust", "register-jurisdiction", "--code", "SG", "--name", "Singapore", *sg_reg)
    refused("trust", "add-authority", "--jurisdiction", "CN", "--id", "ccpit", "--name", "CCPIT",
            "--authority-cert", os.path.join(net, "orgs/org1/ca/ca.pem"), "--service-type", "coo_issuer",
            *sg_reg, why="regulator of CN")
    silk("trust", "add-authority", "--jurisdiction", "CN", "--id", "org1-ca", "--name", "CN Chamber CA",
         "--authority-cert", os.path.join(net, "orgs/org1/ca/ca.pem"),
         "--service-type", "coo_issuer", "--service-type", "carrier", *cn_reg)
    silk("trust", "propose-mra", "--id", "CN-SG-2026", "--parties", "CN,SG", "--direction", "mutual",
         "--doc-type", "certificate_of_origin", "--doc-type", "bill_of_lading",
         "--service-type", "coo_issuer", "--service-type", "carrier", *cn_reg)
    mra = sj("trust", "mra", "CN-SG-2026")
    check(mra["status"] == "draft", f"MRA after propose: {mra}")
    silk("trust", "approve-mra", "CN-SG-2026", *sg_reg)
    check(sj("trust", "mra", "CN-SG-2026")["status"] == "enacted", "MRA not enacted after both approved")

    docs = os.path.join(env.root, "docs")
    os.makedirs(docs)
    coo = write(os.path.join(docs, "coo.json"), json.dumps(
        {"number": "CCPIT-2026-SZ-004211", "exporter": "Shenzhen Bright Lamps", "consignee": "Lion City Lighting",
         "origin": "CN", "hs": "9405.42", "quantity": 1200}))
    bl = write(os.path.join(docs, "bl.json"), json.dumps(
        {"number": "COSU6321907710", "vessel": "COSCO Pride", "from": "CNSZX", "to": "SGSIN"}))

    silk("doc", "issue", coo, "--type", "certificate_of_origin", "--doc-id", "CO-1", *chamber)
    refused("doc", "issue", coo, "--type", "certificate_of_origin", "--doc-id", "CO-1b", *chamber,
            why="CO-1")  # the same content twice: the first is named
    silk("doc", "issue", bl, "--type", "bill_of_lading", "--doc-id", "BL-1", *carrier)

    # A deal: ship needs the bill of lading.
    silk("deal", "open", "--id", "D-1", "--buyer", "org2", "--goods", "LED luminaires", "--incoterms", "FOB",
         "--amount", "48600.00", "--currency", "USD", *shipper)
    silk("deal", "accept", "D-1", *sg_buyer)
    refused("deal", "ship", "D-1", *shipper, why="bill_of_lading")
    silk("deal", "attach", "D-1", "BL-1", *shipper)
    silk("deal", "ship", "D-1", *shipper)

    # SG customs verifies both, recognised through the MRA.
    for f, doc_id in ((coo, "CO-1"), (bl, "BL-1")):
        v = sj("doc", "verify", f, "--as", "SG", *[])
        check(v["overall"] == "valid", f"{doc_id} not valid in SG: {v}")
        frag = {x["name"]: x for x in v["fragments"]}
        check(set(frag) == {"integrity", "status", "issuer", "recognition", "data"}, f"fragments: {v}")
        check("CN-SG-2026" in frag["recognition"]["reason"], f"recognition does not name the MRA: {v}")
    tampered = write(os.path.join(docs, "coo-tampered.json"), open(coo).read().replace("1200", "2100"))
    r = silk("--json", "doc", "verify", tampered, "--doc-id", "CO-1", "--as", "SG", check_rc=False)
    check(r.returncode != 0, "a tampered certificate verified")
    v = json.loads(r.stdout)
    check({x["name"]: x["result"] for x in v["fragments"]}["integrity"] == "invalid", f"tampered: {v}")

    # The eBL: issued to the shipper, endorsed twice, surrendered for delivery.
    silk("ebl", "issue", "BL-1", "--holder", "org1", *carrier)
    refused("ebl", "endorse", "BL-1", "--to", "org3", *sg_buyer, why="only the holder org1")
    silk("ebl", "endorse", "BL-1", "--to", "org3", *shipper)
    silk("ebl", "endorse", "BL-1", "--to", "org2", *de_bank)
    silk("ebl", "surrender", "BL-1", "--for", "delivery", *sg_buyer)
    silk("ebl", "accept-surrender", "BL-1", *carrier)
    chain = sj("ebl", "chain", "BL-1")
    actions = [link["action"] for link in chain["chain"]]
    check(actions == ["ISSUE", "ENDORSE", "ENDORSE", "SURRENDER_FOR_DELIVERY", "SURRENDERED"],
          f"endorsement chain: {actions}")
    check(chain["status"] == "SURRENDERED_FOR_DELIVERY", f"eBL status: {chain['status']}")
    silk("deal", "deliver", "D-1", *sg_buyer)
    silk("deal", "settle", "D-1", "--reference", "MT103-7781", *sg_buyer)
    check(sj("deal", "show", "D-1")["state"] == "settled", "deal not settled")

    # Tariff preference is claimed once.
    silk("doc", "utilise", "CO-1", "--reference", "SG-IMP-2026-0091", *sg_customs)
    msg = refused("doc", "utilise", "CO-1", "--reference", "SG-IMP-2026-0107", *sg_customs, why="SG-IMP-2026-0091")

    # The MRA is suspended: a certificate issued after it is not recognised in SG; the earlier one still is.
    silk("trust", "suspend-mra", "CN-SG-2026", "--reason", "annual review", *sg_reg)
    coo2 = write(os.path.join(docs, "coo2.json"), json.dumps({"number": "CCPIT-2026-SZ-004377", "quantity": 50}))
    silk("doc", "issue", coo2, "--type", "certificate_of_origin", "--doc-id", "CO-2", *chamber)
    r = silk("--json", "doc", "verify", coo2, "--as", "SG", check_rc=False)
    check(r.returncode != 0, "a certificate issued under a suspended MRA was recognised")
    v = json.loads(r.stdout)
    frag = {x["name"]: x for x in v["fragments"]}
    check(frag["recognition"]["result"] == "invalid", f"CO-2 recognition: {v}")
    v = sj("doc", "verify", coo, "--as", "SG")
    rec = {x["name"]: x for x in v["fragments"]}["recognition"]
    check(rec["result"] == "valid", f"CO-1 no longer recognised after the suspension: {v}")
    # In CN itself the new one is fine.
    check(sj("doc", "verify", coo2, "--as", "CN")["overall"] == "valid", "CO-2 not valid in CN")

    # An important document leaves CN only under an export approval.
    inv = write(os.path.join(docs, "invoice.json"), json.dumps({"number": "INV-88120", "amount": "48600.00"}))
    silk("doc", "issue", inv, "--type", "commercial_invoice", "--doc-id", "INV-1", "--label", "important", *shipper)
    refused("data", "share", "INV-1", "--to", "org2", "--purpose", "customs clearance", *shipper, why="important")
    silk("data", "file-approval", "--id", "EXP-1", "--route", "security_assessment",
         "--doc-type", "commercial_invoice", "--label", "important", "--destination", "SG",
         "--authority", "CAC", "--reference", "CAC-2026-0042", *shipper)
    refused("data", "share", "INV-1", "--to", "org2", "--purpose", "customs clearance", *shipper,
            why="important")  # filed is not approved
    silk("data", "approve", "EXP-1", *cn_reg)
    silk("data", "share", "INV-1", "--to", "org2", "--purpose", "customs clearance", *shipper)
    shares = sj("data", "shares", "INV-1")
    check(len(shares["shares"]) == 1, f"cross-border share not logged: {shares}")

    # A document's whole history in one place: status events, endorsements, cross-border moves.
    hist = sj("doc", "history", "BL-1")
    sources = [e["source"] for e in hist["timeline"]]
    check(sources.count("ebl") == 5 and "documents" in sources and "dataflow" in sources,
          f"BL-1 timeline misses something: {sources}")
    heights = [e["height"] for e in hist["timeline"]]
    check(heights == sorted(heights), f"timeline not in chain order: {heights}")

    # A dispute holds a transferable record until the arbitrator decides.
    bl2 = write(os.path.join(docs, "bl2.json"), json.dumps({"number": "COSU6321907999"}))
    silk("doc", "issue", bl2, "--type", "bill_of_lading", "--doc-id", "BL-2", *carrier)
    silk("ebl", "issue", "BL-2", "--holder", "org1", *carrier)
    silk("deal", "open", "--id", "D-2", "--buyer", "org2", "--goods", "LED drivers", "--incoterms", "CIF",
         "--amount", "9100.00", "--currency", "USD", *shipper)
    silk("deal", "accept", "D-2", *sg_buyer)
    silk("deal", "attach", "D-2", "BL-2", *shipper)
    silk("deal", "dispute", "D-2", "--reason", "short shipment", *sg_buyer)
    refused("ebl", "endorse", "BL-2", "--to", "org2", *shipper, why="D-2")
    refused("deal", "decide", "D-2", "--ruling", "seller wins", "--release", *sg_buyer, why="arbitrator")
    silk("deal", "decide", "D-2", "--ruling", "partial refund", "--release", *env.ident("org3", "arbitrator"))
    silk("ebl", "endorse", "BL-2", "--to", "org2", *shipper)

    # The auditor's offline replay agrees with all of it.
    env.verify_chain_offline()


if __name__ == "__main__":
    run(test, "trade_flow")
