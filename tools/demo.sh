#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: builds silkd and silk (only
# them, and without the tests' tools: the test suite is tools/test.sh's), creates a
# local consortium of four organisations (CN, SG, DE, AE) with X.509
# identities, starts its node on the embedded RocksDB store, and runs a
# cross-border trade: trust lists and an MRA, a certificate of origin and an
# eBL verified in Singapore with their five-fragment verdicts, endorsements,
# one-time utilisation, a suspended MRA, an export approval; then an auditor
# re-verifies the chain offline. Set SILK_DEMO_KEEP=1 to leave the node running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SILK_BUILD_TARGET="silkd silk" SILK_SETUP_TEST_TOOLS=0 "$ROOT/tools/setup.sh" release >&2

BIN="$ROOT/build"
DIR="${SILK_DEMO_DIR:-$ROOT/demo}"
PORT="${SILK_DEMO_PORT:-8645}"
silk() { "$BIN/silk" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$DIR"
mkdir -p "$DIR"

NET="$DIR/network"
id() { echo "--key $NET/orgs/$1/users/$2.key --passphrase-file $NET/orgs/$1/users/$2.pass"; }

P2P="${SILK_DEMO_P2P_PORT:-7645}"
step "A local consortium: 4 organisations (CN, SG, DE, AE), each with a CA, 6 identities and a validator node; tbft consensus (silk network init)"
silk network init --dir "$NET" --chain-id silk-demo --consensus tbft --nodes 4 --port "$PORT" --p2p-port "$P2P"
# The RPC is HTTPS for members only: silk checks each node against the consortium's CAs and shows a
# member certificate (org1's auditor here; a command that signs shows its signer's unless told).
eval "$(silk network env --dir "$NET")"
echo "SILK_NODE=$SILK_NODE SILK_CA=$SILK_CA SILK_TLS_CERT=$SILK_TLS_CERT"
# curl checks the host name against the node certificate's name (CN=org1-node ...).
node_curl() {  # node_curl N PATH [curl options...]: as a member, to node N
  local n="$1" path="$2"; shift 2
  local port=$((PORT + n - 1)) name="org$n-node"  # node n belongs to org n here
  curl -sS --cacert "$SILK_CA" --cert "$SILK_TLS_CERT" --key "$SILK_TLS_KEY" \
    --resolve "$name:$port:127.0.0.1" "$@" "https://$name:$port$path"
}

step "Starting the four silkd nodes (tbft over mutual TLS on loopback, each on its own RocksDB store)"
export SILKD="$BIN/silkd"
cleanup() {
  if [ -z "${SILK_DEMO_KEEP:-}" ]; then "$ROOT/tools/network.sh" stop "$NET" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
"$ROOT/tools/network.sh" start "$NET"
silk query chain

step "A carrier joins org1 with its own certificate from org1's CA"
printf 'demo carrier passphrase\n' >"$DIR/carrier.pass"
silk cert issue --ca-dir "$NET/orgs/org1/ca" --ca-passphrase-file "$NET/orgs/org1/ca/ca.pass" \
  --org org1 --role issuer --name cosco-lines --out-dir "$DIR/carrier" --passphrase-file "$DIR/carrier.pass"
CARRIER="--key $DIR/carrier/cosco-lines.key --passphrase-file $DIR/carrier.pass"

step "Regulators: CN lists the chamber's CA on its trust list; CN and SG enact a mutual-recognition arrangement"
silk trust register-jurisdiction --code CN --name China $(id org1 regulator)
silk trust register-jurisdiction --code SG --name Singapore $(id org2 regulator)
silk trust add-authority --jurisdiction CN --id org1-ca --name "CN Chamber of Commerce CA" \
  --authority-cert "$NET/orgs/org1/ca/ca.pem" --service-type coo_issuer --service-type carrier $(id org1 regulator)
silk trust propose-mra --id CN-SG-2026 --parties CN,SG --direction mutual \
  --doc-type certificate_of_origin --doc-type bill_of_lading \
  --service-type coo_issuer --service-type carrier $(id org1 regulator)
silk trust approve-mra CN-SG-2026 $(id org2 regulator)

step "Trade documents for a shipment from Shenzhen to Singapore"
DOCS="$DIR/documents"
mkdir -p "$DOCS"
cat >"$DOCS/certificate_of_origin.json" <<'DOC'
{"type": "certificate_of_origin", "number": "CCPIT-2026-SZ-004211", "issuer": "CCPIT Shenzhen",
 "exporter": "Shenzhen Bright Lamps Co., Ltd.", "consignee": "Lion City Lighting Pte. Ltd.",
 "origin": "CN", "destination": "SG", "goods": [{"hs": "9405.42", "description": "LED luminaires", "quantity": 1200}],
 "issued": "2026-11-20"}
DOC
cat >"$DOCS/bill_of_lading.json" <<'DOC'
{"type": "bill_of_lading", "number": "COSU6321907710", "carrier": "COSCO Shipping Lines",
 "port_of_loading": "CNSZX", "port_of_discharge": "SGSIN", "vessel": "COSCO Pride", "containers": ["CSNU1234565"]}
DOC
cat >"$DOCS/commercial_invoice.json" <<'DOC'
{"type": "commercial_invoice", "number": "INV-88120", "seller": "Shenzhen Bright Lamps Co., Ltd.",
 "buyer": "Lion City Lighting Pte. Ltd.", "incoterms": "FOB Shenzhen", "currency": "USD", "amount": "48600.00"}
DOC
silk doc issue "$DOCS/certificate_of_origin.json" --type certificate_of_origin --doc-id CO-2026-004211 $(id org1 issuer)
silk doc issue "$DOCS/bill_of_lading.json" --type bill_of_lading --doc-id COSU6321907710 $CARRIER
silk doc issue "$DOCS/commercial_invoice.json" --type commercial_invoice --doc-id INV-88120 --label important $(id org1 client)

step "Singapore customs verifies the certificate of origin and the bill of lading (five fragments each)"
silk doc verify "$DOCS/certificate_of_origin.json" --as SG
silk doc verify "$DOCS/bill_of_lading.json" --as SG

step "For the officer who will not run silk: a verification link, and the same link as a QR code for the paper copy"
silk doc link CO-2026-004211 --as SG
silk doc qr CO-2026-004211 --as SG --out "$DIR/certificate_of_origin.qr.png"

step "A tampered copy (quantity 1200 -> 2100) fails integrity"
sed 's/"quantity": 1200/"quantity": 2100/' "$DOCS/certificate_of_origin.json" >"$DIR/tampered_certificate_of_origin.json"
if silk doc verify "$DIR/tampered_certificate_of_origin.json" --doc-id CO-2026-004211 --as SG; then
  echo "ERROR: a tampered document verified" >&2; exit 1
fi

step "The eBL: issued to the shipper, endorsed to a bank in Germany, then to the buyer in Singapore, surrendered"
silk ebl issue COSU6321907710 --holder org1 $CARRIER
silk ebl endorse COSU6321907710 --to org3 $(id org1 client)
silk ebl endorse COSU6321907710 --to org2 $(id org3 client)
silk ebl surrender COSU6321907710 --for delivery $(id org2 client)
silk ebl accept-surrender COSU6321907710 $CARRIER
silk ebl chain COSU6321907710

step "Tariff preference is claimed once; a second claim is refused and names the first"
silk doc utilise CO-2026-004211 --reference SG-IMP-2026-0091 $(id org2 regulator)
if silk doc utilise CO-2026-004211 --reference SG-IMP-2026-0107 $(id org2 regulator); then
  echo "ERROR: a second utilisation was accepted" >&2; exit 1
fi

step "The surrendered eBL is evidence of delivery, not a live title: its verdict now says so"
if silk doc verify "$DOCS/bill_of_lading.json" --as SG; then
  echo "ERROR: a surrendered bill of lading verified as a live title" >&2; exit 1
fi

step "Dishonest acts are refused, each naming its rule: a German client using up the certificate, a backdated signature, the carrier revoking a bill the importer holds, a request that says two things at once"
refused() { if "$@"; then echo "ERROR: accepted: $*" >&2; exit 1; fi; }
refused silk doc utilise CO-2026-004211 --reference FAKE-1 --claimant-org org2 --jurisdiction SG $(id org3 client)
printf '{"type": "certificate_of_origin", "number": "CCPIT-2026-SZ-000001"}\n' >"$DOCS/backdated.json"
refused silk doc issue "$DOCS/backdated.json" --type certificate_of_origin --doc-id CO-BACKDATED \
  --signed-at "$(( $(date +%s%3N) - 86400000 ))" $(id org1 issuer)
printf '{"type": "bill_of_lading", "number": "COSU6321907999"}\n' >"$DOCS/bill_of_lading_2.json"
silk doc issue "$DOCS/bill_of_lading_2.json" --type bill_of_lading --doc-id COSU6321907999 $CARRIER
silk ebl issue COSU6321907999 --holder org2 $CARRIER
refused silk doc revoke COSU6321907999 --reason superseded $CARRIER
refused node_curl 1 /v1/tx --fail-with-body -H 'Content-Type: application/json' -d '{"tx": "00", "tx": "01"}'; echo

step "Transport: the RPC serves consortium members only; a visitor without a certificate reaches only the public verification listener"
refused curl -sS --fail-with-body --cacert "$SILK_CA" --resolve "org1-node:$PORT:127.0.0.1" "https://org1-node:$PORT/v1/chain"; echo
PUBLIC="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"][1]["public_url"])' "$NET/network.json")"
curl -sS --fail-with-body --cacert "$NET/nodes/node2/public.pem" -H 'Content-Type: application/json' \
  -d '{"doc_id": "CO-2026-004211", "jurisdiction": "SG"}' "$PUBLIC/v1/verify" | python3 -c 'import json,sys; v=json.load(sys.stdin)["result"]; print("public listener, no certificate: CO-2026-004211 in SG:", v["overall"])'
refused curl -sS --fail-with-body --cacert "$NET/nodes/node2/public.pem" "$PUBLIC/v1/block/1"; echo

step "Keys made elsewhere: an SM2 key from openssl becomes an encrypted silk key file; an RSA-1024 key is refused by name"
openssl genpkey -algorithm SM2 -out "$DIR/sm2.pem"
silk key import --in "$DIR/sm2.pem" --out "$DIR/sm2.key" --passphrase-file "$DIR/carrier.pass" --key-kdf fast
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$DIR/rsa1024.pem" 2>/dev/null
refused silk key import --in "$DIR/rsa1024.pem" --out "$DIR/rsa1024.key" --passphrase-file "$DIR/carrier.pass"

step "SG suspends the MRA: a certificate issued now is not recognised in SG; the earlier one still is"
silk trust suspend-mra CN-SG-2026 --reason "annual review" $(id org2 regulator)
printf '{"type": "certificate_of_origin", "number": "CCPIT-2026-SZ-004377", "quantity": 50}\n' >"$DOCS/certificate_of_origin_2.json"
silk doc issue "$DOCS/certificate_of_origin_2.json" --type certificate_of_origin --doc-id CO-2026-004377 $(id org1 issuer)
if silk doc verify "$DOCS/certificate_of_origin_2.json" --as SG; then
  echo "ERROR: a certificate issued under a suspended MRA was recognised" >&2; exit 1
fi
silk doc verify "$DOCS/certificate_of_origin.json" --as SG --doc-id CO-2026-004211 || true

step "An 'important' invoice leaves CN only under an export approval"
if silk data share INV-88120 --to org2 --purpose "customs clearance" $(id org1 client); then
  echo "ERROR: important data left without an approval" >&2; exit 1
fi
silk data file-approval --id EXP-2026-01 --route security_assessment --doc-type commercial_invoice \
  --label important --destination SG --authority CAC --reference CAC-2026-0042 $(id org1 client)
silk data approve EXP-2026-01 $(id org1 regulator)
silk data share INV-88120 --to org2 --purpose "customs clearance" $(id org1 client)
silk data shares INV-88120

step "Every node holds the same chain: SG's node answers the verification too"
"$ROOT/tools/network.sh" status "$NET"
SG_NODE="https://127.0.0.1:$((PORT + 1))"
"$BIN/silk" --node "$SG_NODE" doc verify "$DOCS/certificate_of_origin.json" --as SG --doc-id CO-2026-004211 || true

step "An operator's view of SG's node: readiness (store, consensus, sync lag) and Prometheus metrics"
"$BIN/silk" --node "$SG_NODE" node status
node_curl 2 /metrics -f | grep -E '^silk_(chain_height|p2p_peers_connected|sync_lag_blocks|consensus_wal_bytes) '

if [ -z "${SILK_DEMO_KEEP:-}" ]; then
  step "An auditor stops the nodes and re-verifies DE's copy of the chain from its data folder"
  "$ROOT/tools/network.sh" stop "$NET"
  silk audit verify-chain --data-dir "$NET/nodes/node3/data" --genesis "$NET/genesis.json"
fi

step "Done"
echo "consortium: $NET   node logs: $NET/nodes/node*/silkd.log"
if [ -n "${SILK_DEMO_KEEP:-}" ]; then echo "the nodes are still running: tools/network.sh watch $NET; tools/network.sh stop $NET"; fi
