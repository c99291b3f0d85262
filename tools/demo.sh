#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: builds SilkLedger, starts a
# local chain on the embedded RocksDB store, records trade documents on it
# with the silk wallet, verifies them (and a tampered copy), and shows what
# an auditor sees. Set SILK_DEMO_KEEP=1 to leave the node running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/tools/setup.sh" release >&2

BIN="$ROOT/build"
DIR="${SILK_DEMO_DIR:-$ROOT/demo}"
PORT="${SILK_DEMO_PORT:-8645}"
export SILK_NODE="http://127.0.0.1:$PORT"
silk() { "$BIN/silk" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$DIR"
mkdir -p "$DIR"

step "A new chain: genesis, node config and keys (silk init-solo)"
silk init-solo --dir "$DIR/chain" --chain-id silk-demo --port "$PORT"

step "Starting silkd"
"$BIN/silkd" --config "$DIR/chain/node.json" >"$DIR/silkd.log" 2>&1 &
SILKD=$!
cleanup() {
  if [ -z "${SILK_DEMO_KEEP:-}" ]; then
    kill -TERM "$SILKD" 2>/dev/null || true
    wait "$SILKD" 2>/dev/null || true
  fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  if silk query chain >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SILKD" 2>/dev/null; then echo "silkd exited; see $DIR/silkd.log" >&2; cat "$DIR/silkd.log" >&2; exit 1; fi
  sleep 0.1
done
silk query chain

step "Trade documents issued by a Chinese exporter for a shipment to Singapore"
DOCS="$DIR/documents"
mkdir -p "$DOCS"
cat >"$DOCS/certificate_of_origin.json" <<'DOC'
{"type": "certificate_of_origin", "number": "CCPIT-2026-SZ-004211", "issuer": "CCPIT Shenzhen",
 "exporter": "Shenzhen Bright Lamps Co., Ltd.", "consignee": "Lion City Lighting Pte. Ltd.",
 "origin": "CN", "destination": "SG", "goods": [{"hs": "9405.42", "description": "LED luminaires", "quantity": 1200}],
 "issued": "2026-11-20"}
DOC
cat >"$DOCS/commercial_invoice.json" <<'DOC'
{"type": "commercial_invoice", "number": "INV-88120", "seller": "Shenzhen Bright Lamps Co., Ltd.",
 "buyer": "Lion City Lighting Pte. Ltd.", "incoterms": "FOB Shenzhen", "currency": "USD", "amount": "48600.00"}
DOC
cat >"$DOCS/phytosanitary_certificate.json" <<'DOC'
{"type": "phytosanitary_certificate", "ippc_type": 851, "nppo": "GACC", "number": "CN-PHY-2026-77310",
 "commodity": "wooden pallets (ISPM 15 marked)", "destination": "SG"}
DOC
cat >"$DOCS/bill_of_lading.json" <<'DOC'
{"type": "bill_of_lading", "number": "COSU6321907710", "carrier": "COSCO Shipping Lines",
 "port_of_loading": "CNSZX", "port_of_discharge": "SGSIN", "vessel": "COSCO Pride", "containers": ["CSNU1234565"]}
DOC
ls -1 "$DOCS"

step "Recording them on the chain (hash, sign offline, submit, wait for commit)"
silk notary anchor "$DOCS"/*.json --key "$DIR/chain/keys/client.key" \
  --passphrase-file "$DIR/chain/keys/client.pass"

step "A customs officer in Singapore verifies the documents they received"
silk notary verify "$DOCS"/*.json

step "A tampered copy (quantity changed from 1200 to 2100) does not verify"
sed 's/"quantity": 1200/"quantity": 2100/' "$DOCS/certificate_of_origin.json" >"$DIR/tampered_certificate_of_origin.json"
if silk notary verify "$DIR/tampered_certificate_of_origin.json"; then
  echo "ERROR: a tampered document verified" >&2
  exit 1
fi
echo "-> refused, as it should be: the chain holds the original's digest, not this one's"

step "Recording the same certificate twice is refused, and the refusal is on the record"
if silk notary anchor "$DOCS/certificate_of_origin.json" --key "$DIR/chain/keys/client.key" \
     --passphrase-file "$DIR/chain/keys/client.pass"; then
  echo "ERROR: a second anchor of the same digest was accepted" >&2
  exit 1
fi
echo "-> refused, as it should be; the refused tx is on chain with its reason"

step "What an auditor sees: the chain, the latest block, the history of the certificate's key"
DIGEST="$(sha256sum "$DOCS/certificate_of_origin.json" | cut -d' ' -f1)"
silk query chain
silk query block latest
silk query history "notary/$DIGEST"

if [ -z "${SILK_DEMO_KEEP:-}" ]; then
  step "An auditor stops the node and re-verifies the whole chain from its data folder"
  kill -TERM "$SILKD"
  wait "$SILKD" || true
  silk audit verify-chain --data-dir "$DIR/chain/data" --genesis "$DIR/chain/genesis.json"
fi

step "Done"
echo "chain data: $DIR/chain/data   node log: $DIR/silkd.log"
if [ -n "${SILK_DEMO_KEEP:-}" ]; then echo "silkd is still running (pid $SILKD) at $SILK_NODE"; fi
