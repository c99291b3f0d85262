"""A dishonest member against a 4-organisation network (issue 13): every way of turning the verdict
or a document action against the product's promise is refused, naming the rule, and the honest path
still works. Real silkd, real silk, real certificates.

org1 (CN) is the chamber of commerce and the carrier, org2 (SG) the importer and SG customs, org3
(DE) and org4 (AE) the other members. The attacks:
  1. backdating a signature past a trust-list withdrawal (by a second and by a day);
  2. sealing with a revoked certificate (before, at and after the seal; a compromise reaching back);
  3. using up a certificate of origin: every role of every organisation, another jurisdiction,
     another claimant, an issuer-invalid one, the issuing jurisdiction's own customs;
  4. freezing someone else's eBL through a deal and a dispute;
  5. the carrier taking title away (revoke, suspend, amend a bill another party holds);
  6. a second tariff preference through an amendment;
  7. a surrendered eBL passed off as a live title (verify, ship, endorse);
  8. personal-data approvals, renamed hidden fields, predicates' exit status, a full history.
"""
import json
import os
import time

from harness import check, run, write, out_of


ORGS = ("org1", "org2", "org3", "org4")
ROLES = ("admin", "client", "issuer", "regulator", "auditor", "arbitrator")


def test(env):
    env.network_init()
    net = env.chain
    env.start()
    silk, sj = env.silk, env.silk_json
    me = env.ident
    docs = os.path.join(env.root, "docs")
    os.makedirs(docs)
    counter = [0]

    def doc_file(tag):
        counter[0] += 1
        return write(os.path.join(docs, f"{tag}-{counter[0]}.json"),
                     json.dumps({"doc": tag, "n": counter[0], "t": time.time()}))

    def refused(*argv, why):
        r = silk(*argv, check_rc=False)
        check(r.returncode != 0, f"silk {' '.join(argv)} was accepted; expected a refusal ({why})")
        for w in ([why] if isinstance(why, str) else why):
            check(w in out_of(r), f"refusal of `silk {' '.join(argv[:3])}` does not say '{w}': {out_of(r)}")
        return out_of(r)

    def verdict(*argv):
        r = silk("--json", "doc", "verify", *argv, check_rc=False)
        v = json.loads(r.stdout)
        check((r.returncode == 0) == (v["overall"] == "valid"), f"exit {r.returncode} for {v['overall']}")
        return v, {f["name"]: f for f in v["fragments"]}

    def record(doc_id):
        return sj("doc", "show", doc_id)

    def issue(doc_id, who, *more, type_="certificate_of_origin", tag="co"):
        silk("doc", "issue", doc_file(tag), "--type", type_, "--doc-id", doc_id, *more, *who)

    extra = os.path.join(env.root, "extra")
    os.makedirs(extra)
    pw = write(os.path.join(extra, "p.pass"), "signer passphrase\n")

    def new_issuer(name):
        silk("cert", "issue", "--ca-dir", os.path.join(net, "orgs/org1/ca"), "--org", "org1", "--role", "issuer",
             "--name", name, "--out-dir", extra, "--key-kdf", "fast", "--passphrase-file", pw,
             "--ca-passphrase-file", os.path.join(net, "orgs/org1/ca/ca.pass"))
        return os.path.join(extra, f"{name}.key"), os.path.join(extra, f"{name}.pem")

    def seal(key):
        return ["--seal-key", key, "--seal-passphrase-file", pw]

    chamber, carrier = me("org1", "issuer"), me("org1", "issuer")
    cn_reg, sg_reg, de_reg = me("org1", "regulator"), me("org2", "regulator"), me("org3", "regulator")

    # ---- the honest set-up: jurisdictions, CN's trust list, the CN-SG MRA ----
    for code, name, org in (("CN", "China", "org1"), ("SG", "Singapore", "org2"),
                            ("DE", "Germany", "org3"), ("AE", "UAE", "org4")):
        silk("trust", "register-jurisdiction", "--code", code, "--name", name, *me(org, "regulator"))
    silk("trust", "add-authority", "--jurisdiction", "CN", "--id", "org1-ca", "--name", "CN Chamber CA",
         "--authority-cert", os.path.join(net, "orgs/org1/ca/ca.pem"),
         "--service-type", "coo_issuer", "--service-type", "carrier", *cn_reg)
    silk("trust", "propose-mra", "--id", "CN-SG", "--parties", "CN,SG", "--direction", "mutual",
         "--doc-type", "certificate_of_origin", "--doc-type", "bill_of_lading",
         "--service-type", "coo_issuer", "--service-type", "carrier", *cn_reg)
    silk("trust", "approve-mra", "CN-SG", *sg_reg)

    issue("CO-V", chamber)
    v, f = verdict("--doc-id", "CO-V", "--as", "SG")
    check(v["overall"] == "valid", f"the honest certificate is not valid in SG: {v}")
    check(v["poe_ms"] == record("CO-V")["anchored_at_ms"], f"verdict POE is not the anchoring block: {v}")

    # ---- 3. using up a certificate of origin ----
    for org in ORGS:
        for role in ROLES:
            if (org, role) == ("org2", "regulator"):
                continue  # SG customs: the honest claim, below
            why = "auditor" if role == "auditor" else ("was issued in CN" if (org, role) == ("org1", "regulator")
                                                       else "[rule utilise.")
            refused("doc", "utilise", "CO-V", "--reference", f"FAKE-{org}-{role}", *me(org, role), why=why)
    refused("doc", "utilise", "CO-V", "--reference", "FAKE-1", "--claimant-org", "org2", "--jurisdiction", "SG",
            *me("org3", "client"), why="[rule utilise.customs]")
    refused("doc", "utilise", "CO-V", "--reference", "FAKE-2", "--jurisdiction", "DE", *sg_reg,
            why=["claims tariff preference in SG only", "[rule utilise.customs]"])
    refused("doc", "utilise", "CO-V", "--reference", "FAKE-3", "--claimant-org", "org3", *sg_reg,
            why="may not claim for another")
    refused("doc", "utilise", "CO-V", "--reference", "DE-1", *de_reg,
            why=["not valid for DE", "recognition invalid", "[rule utilise.valid_verdict]"])
    check(record("CO-V")["utilisation"] is None, "a refused claim left a utilisation behind")
    # The honest claim, then a second one refused naming the first.
    silk("doc", "utilise", "CO-V", "--reference", "SG-IMP-1", *sg_reg)
    refused("doc", "utilise", "CO-V", "--reference", "SG-IMP-2", *sg_reg, why="already utilised: reference SG-IMP-1")

    # ---- 6. a second tariff preference through an amendment ----
    silk("doc", "amend", "CO-V", doc_file("co-amended"), "--doc-id", "CO-V2", *chamber)
    check(record("CO-V2")["utilisation"]["inherited_from"] == "CO-V", "the amendment did not inherit the claim")
    refused("doc", "utilise", "CO-V2", "--reference", "SG-IMP-3", *sg_reg,
            why=["already utilised: reference SG-IMP-1", "claimed on CO-V"])

    # ---- 1. backdating past a withdrawal ----
    issue("CO-PRE", chamber)
    silk("trust", "withdraw-authority", "--jurisdiction", "CN", "--id", "org1-ca", "--reason", "audit", *cn_reg)
    entry = sj("trust", "authorities", "--jurisdiction", "CN")
    withdrawn_at = None
    for a in entry.get("authorities", []):
        if a["id"] == "org1-ca":
            withdrawn_at = a["history"][-1]["at_ms"]
    check(withdrawn_at, f"no withdrawal time in {entry}")
    time.sleep(1.2)  # well past the withdrawal
    # By a second: inside the window, so accepted, but judged at its proof of existence.
    issue("CO-BACK-1S", chamber, "--signed-at", str(withdrawn_at - 1000))
    rec = record("CO-BACK-1S")
    check(rec["issued_at_ms"] == withdrawn_at - 1000 and rec["anchored_at_ms"] > withdrawn_at, f"record: {rec}")
    v, f = verdict("--doc-id", "CO-BACK-1S", "--as", "SG")
    check(f["issuer"]["result"] == "invalid" and "withdrawn" in f["issuer"]["reason"], f"backdated one: {v}")
    check("at the proof of existence" in f["issuer"]["reason"], f"issuer reason does not name the POE: {v}")
    # ... also when asked about a time before it existed on chain.
    v, f = verdict("--doc-id", "CO-BACK-1S", "--as", "SG", "--at", str(withdrawn_at - 500))
    check(v["overall"] == "invalid" and "not on the ledger" in f["status"]["reason"], f"--at before POE: {v}")
    # By a day: refused outright.
    refused("doc", "issue", doc_file("co"), "--type", "certificate_of_origin", "--doc-id", "CO-BACK-1D",
            "--signed-at", str(withdrawn_at - 86_400_000), *chamber,
            why=["claimed signing time", "[rule issue.signing_time]"])
    # A certificate anchored before the withdrawal keeps its issuer fragment.
    v, f = verdict("--doc-id", "CO-PRE", "--as", "SG")
    check(f["issuer"]["result"] == "valid", f"withdrawal undid an earlier certificate: {v}")
    # An issuer-invalid certificate grants no preference.
    refused("doc", "utilise", "CO-BACK-1S", "--reference", "SG-IMP-9", *sg_reg,
            why=["issuer invalid", "[rule utilise.valid_verdict]"])
    silk("trust", "regrant", "--jurisdiction", "CN", "--id", "org1-ca", "--reason", "audit passed", *cn_reg)

    # ---- 2. revoked signing certificates ----
    admin1 = me("org1", "admin")
    k_before, pem_before = new_issuer("sealer-before")
    silk("cert", "revoke", "--target", pem_before, "--reason", "keyCompromise", *admin1)
    refused("doc", "issue", doc_file("co"), "--type", "certificate_of_origin", "--doc-id", "CO-REVOKED",
            *seal(k_before), *chamber,
            why=["revoked at", "keyCompromise", "CRL entry of org1", "[rule issue.seal_standing]"])
    k_at, pem_at = new_issuer("sealer-at")
    k_after, pem_after = new_issuer("sealer-after")
    k_late, pem_late = new_issuer("sealer-late")
    issue("CO-SEAL-AT", chamber, *seal(k_at))
    issue("CO-SEAL-AFTER", chamber, *seal(k_after))
    issue("CO-SEAL-LATE", chamber, *seal(k_late))
    poe_at = record("CO-SEAL-AT")["anchored_at_ms"]
    poe_late = record("CO-SEAL-LATE")["anchored_at_ms"]
    for d in ("CO-SEAL-AT", "CO-SEAL-AFTER", "CO-SEAL-LATE"):
        check(verdict("--doc-id", d, "--as", "SG")[0]["overall"] == "valid", f"{d} not valid before revocation")
    # A compromise reaching back exactly to the POE; a revocation after the seal that does not reach
    # back; a compromise dated one millisecond after the seal.
    silk("cert", "revoke", "--target", pem_at, "--reason", "keyCompromise", "--invalidity-date", str(poe_at),
         *admin1)
    silk("cert", "revoke", "--target", pem_after, "--reason", "affiliationChanged", *admin1)
    silk("cert", "revoke", "--target", pem_late, "--reason", "keyCompromise", "--invalidity-date",
         str(poe_late + 1), *admin1)
    v, f = verdict("--doc-id", "CO-SEAL-AT", "--as", "SG")
    check(f["issuer"]["result"] == "invalid" and "revoked" in f["issuer"]["reason"]
          and "CRL entry of org1" in f["issuer"]["reason"], f"compromise at the POE: {v}")
    check(verdict("--doc-id", "CO-SEAL-AFTER", "--as", "SG")[0]["overall"] == "valid", "later revocation undid")
    check(verdict("--doc-id", "CO-SEAL-LATE", "--as", "SG")[0]["overall"] == "valid", "compromise after POE")
    refused("cert", "revoke", "--target", new_issuer("sealer-x")[1], "--reason", "superseded",
            "--invalidity-date", str(poe_at), *admin1, why="keyCompromise or cACompromise")

    # ---- eBLs: issue two bills to the importer ----
    issue("BL-1", carrier, type_="bill_of_lading", tag="bl")
    silk("ebl", "issue", "BL-1", "--holder", "org2", *carrier)
    issue("BL-2", carrier, type_="bill_of_lading", tag="bl")
    silk("ebl", "issue", "BL-2", "--holder", "org2", *carrier)

    # eBL actions by each role of the holder and of every other organisation.
    for org in ORGS:
        for role in ROLES:
            if org == "org2" and role in ("client", "issuer"):
                continue
            why = "auditor" if role == "auditor" else "[rule ebl.holder]"
            refused("ebl", "transfer", "BL-1", "--to", "org3", *me(org, role), why=why)
    refused("ebl", "surrender", "BL-1", "--for", "delivery", *me("org2", "arbitrator"), why="[rule ebl.holder]")
    check(sj("ebl", "show", "BL-1")["holder"] == "org2", "a refused action moved the eBL")

    # ---- 5. the carrier takes title away ----
    refused("doc", "revoke", "BL-1", "--reason", "superseded", *carrier, why="[rule doc.status_of_held_ebl]")
    refused("doc", "suspend", "BL-1", *carrier, why="[rule doc.status_of_held_ebl]")
    refused("doc", "amend", "BL-1", doc_file("bl"), "--doc-id", "BL-1X", *carrier, why="[rule ebl.amend]")
    refused("ebl", "amend", "BL-1", doc_file("bl"), "--doc-id", "BL-1X", *carrier,
            why="only after its holder surrenders it for amendment")
    # The honest amendment: the holder asks, the carrier amends and reissues to it.
    silk("ebl", "surrender", "BL-1", "--for", "amendment", *me("org2", "client"))
    silk("ebl", "amend", "BL-1", doc_file("bl"), "--doc-id", "BL-1A", "--reason", "consignee address", *carrier)
    check(sj("ebl", "show", "BL-1")["status"] == "VOIDED", "old eBL not voided")
    new = sj("ebl", "show", "BL-1A")
    check(new["status"] == "ISSUED" and new["holder"] == "org2" and new["owner"] == "org2", f"reissued: {new}")
    check(record("BL-1")["status"] == "SUPERSEDED", "old bill not superseded")
    refused("ebl", "endorse", "BL-1", "--to", "org3", *me("org2", "client"), why="is VOIDED")

    # ---- 4. freezing someone else's eBL through a deal ----
    silk("deal", "open", "--id", "D-EVIL", "--buyer", "org4", "--goods", "nothing", "--incoterms", "FOB",
         "--amount", "1.00", "--currency", "USD", *me("org3", "client"))
    silk("deal", "accept", "D-EVIL", *me("org4", "client"))
    refused("deal", "attach", "D-EVIL", "BL-2", *me("org3", "client"), why="[rule deal.attach]")
    refused("deal", "attach", "D-EVIL", "BL-2", *me("org4", "client"), why="[rule deal.attach]")
    silk("deal", "dispute", "D-EVIL", "--reason", "pretext", *me("org3", "client"))
    check(sj("ebl", "show", "BL-2")["held"] is None, "a stranger's dispute holds BL-2")
    silk("ebl", "endorse", "BL-2", "--to", "org3", *me("org2", "client"))  # the real holder is not frozen
    # A bill a party held when attached but has since endorsed away is not held by its dispute.
    silk("deal", "open", "--id", "D-2", "--buyer", "org4", "--goods", "lamps", "--incoterms", "CIF",
         "--amount", "9100.00", "--currency", "USD", *me("org3", "client"))
    silk("deal", "accept", "D-2", *me("org4", "client"))
    silk("deal", "attach", "D-2", "BL-2", *me("org3", "client"))
    silk("ebl", "endorse", "BL-2", "--to", "org2", *me("org3", "client"))
    silk("deal", "dispute", "D-2", "--reason", "short shipment", *me("org4", "client"))
    deal = sj("deal", "show", "D-2")
    check(deal["dispute"]["holds"] == [] and deal["dispute"]["not_held"][0]["doc_id"] == "BL-2", f"D-2: {deal}")
    # Holding it needs an arbitrator of neither party.
    refused("deal", "hold", "D-2", "BL-2", "--order", "mine", *me("org4", "client"), why="[rule deal.arbitrator]")
    refused("deal", "hold", "D-2", "BL-2", "--order", "mine", *me("org3", "arbitrator"), why="is a party")
    silk("deal", "hold", "D-2", "BL-2", "--order", "case 2026/17", *me("org1", "arbitrator"))
    refused("ebl", "endorse", "BL-2", "--to", "org3", *me("org2", "client"), why=["held by deal D-2", "case 2026/17"])
    silk("deal", "decide", "D-2", "--ruling", "no case", "--release", *me("org1", "arbitrator"))

    # ---- 7. a surrendered eBL is no live title ----
    issue("BL-3", carrier, type_="bill_of_lading", tag="bl")
    silk("ebl", "issue", "BL-3", "--holder", "org2", *carrier)
    silk("deal", "open", "--id", "D-3", "--buyer", "org2", "--goods", "lamps", "--incoterms", "FOB",
         "--amount", "100.00", "--currency", "USD", *me("org1", "client"))
    silk("deal", "accept", "D-3", *me("org2", "client"))
    silk("deal", "attach", "D-3", "BL-3", *me("org2", "client"))
    v, f = verdict("--doc-id", "BL-3", "--as", "SG")
    check(v["overall"] == "valid" and v["title"]["holder"] == "org2", f"live bill: {v}")
    silk("ebl", "surrender", "BL-3", "--for", "delivery", *me("org2", "client"))
    silk("ebl", "accept-surrender", "BL-3", *carrier)
    v, f = verdict("--doc-id", "BL-3", "--as", "SG")
    check(f["status"]["result"] == "invalid" and "not a live title" in f["status"]["reason"]
          and v["title"]["status"] == "SURRENDERED_FOR_DELIVERY", f"surrendered bill: {v}")
    text = silk("doc", "verify", "--doc-id", "BL-3", "--as", "SG", check_rc=False).stdout
    check("title       eBL SURRENDERED_FOR_DELIVERY" in text, f"verify text shows no title: {text}")
    refused("deal", "ship", "D-3", *me("org1", "client"), why=["SURRENDERED_FOR_DELIVERY", "[rule deal.ship]"])
    refused("ebl", "endorse", "BL-3", "--to", "org3", *me("org2", "client"), why="SURRENDERED_FOR_DELIVERY")

    # ---- 8. the smaller ones ----
    # An approval labelled personal covers general data that carries personal information.
    issue("PL-P", me("org1", "client"), "--personal-data", type_="packing_list", tag="pl")
    r = silk("data", "may-share", "PL-P", "--to", "org2", check_rc=False)
    check(r.returncode == 1 and r.stdout.startswith("refused"), f"may-share no: exit {r.returncode}: {out_of(r)}")
    silk("data", "file-approval", "--id", "PI-1", "--route", "standard_contract", "--doc-type", "packing_list",
         "--label", "personal", "--destination", "SG", "--authority", "CAC", *me("org1", "client"))
    silk("data", "approve", "PI-1", *cn_reg)
    r = silk("data", "may-share", "PL-P", "--to", "org2", check_rc=False)
    check(r.returncode == 0 and r.stdout.startswith("allowed"), f"personal approval: {out_of(r)}")
    silk("data", "share", "PL-P", "--to", "org2", "--purpose", "clearance", *me("org1", "client"))
    # Predicates exit 1 on no, 0 on yes.
    r = silk("trust", "recognises", "--issuing", "CN", "--verifying", "DE", "--doc-type", "certificate_of_origin",
             check_rc=False)
    check(r.returncode == 1 and "not recognised" in out_of(r), f"recognises no: {r.returncode} {out_of(r)}")
    r = silk("trust", "recognises", "--issuing", "CN", "--verifying", "SG", "--doc-type", "certificate_of_origin",
             check_rc=False)
    check(r.returncode == 0, f"recognises yes: {r.returncode} {out_of(r)}")
    # Renaming a hidden field of a disclosable copy breaks integrity.
    fields = write(os.path.join(docs, "fields.json"), json.dumps(
        {"exporter": "Shenzhen Lamps", "consignee": "Lion City", "value": "48600.00 USD"}))
    silk("doc", "issue", fields, "--type", "certificate_of_origin", "--doc-id", "CO-D", "--disclosable", *chamber)
    red = os.path.join(docs, "redacted.json")
    silk("doc", "disclose", fields + ".disclosable.json", "--hide", "value", "--out", red)
    v, f = verdict(red, "--doc-id", "CO-D", "--as", "SG")
    check(f["integrity"]["result"] == "valid", f"redacted copy: {v}")
    copy = json.load(open(red))
    copy["hidden"]["discount"] = copy["hidden"].pop("value")
    renamed = write(os.path.join(docs, "renamed.json"), json.dumps(copy))
    v, f = verdict(renamed, "--doc-id", "CO-D", "--as", "SG")
    check(f["integrity"]["result"] == "invalid", f"a renamed hidden field still verified: {v}")
    # The history lists every event that touched the bill, with signer subjects.
    hist = sj("doc", "history", "BL-2")
    seen = {(e["source"], e["event"]) for e in hist["timeline"]}
    for want in (("documents", "issued"), ("ebl", "ISSUE"), ("ebl", "ENDORSE"), ("trade", "attached"),
                 ("trade", "not_held"), ("trade", "hold_ordered"), ("trade", "released")):
        check(want in seen, f"history of BL-2 lacks {want}: {sorted(seen)}")
    check(all(e["signer"].startswith("CN=") for e in hist["timeline"]), f"signers: {hist['timeline']}")
    text = silk("doc", "history", "BL-2").stdout
    check("signed by CN=org1-arbitrator" in text, f"history text has no signer names: {text}")

    # The honest path is intact: a fresh certificate is valid in SG and claimed once.
    issue("CO-END", chamber)
    check(verdict("--doc-id", "CO-END", "--as", "SG")[0]["overall"] == "valid", "honest path broken")
    silk("doc", "utilise", "CO-END", "--reference", "SG-IMP-END", *sg_reg)

    # The auditor's replay agrees with all of it.
    env.verify_chain_offline()

if __name__ == "__main__":
    run(test, "adversarial_trade")
