#!/usr/bin/env bash
# Ingest benchmark (SPEC §14): sustained records/s through the embedded MQTT broker with
# durable acknowledgement, unsigned and signed, 10-record packs, with the bare-broker
# baseline (an external Mosquitto, publish -> subscribe) measured in the same run, then the
# ack latency at half the unsigned rate, with reading->alert probes (a tamper report to the
# webhook of its alert) running beside that load. Usage: scripts/bench-ingest.sh [seconds] [devices]
# Needs a Mosquitto at $GT_TEST_MQTT (default tcp://127.0.0.1:1883).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-15}"; devices="${2:-100}"
bare="${GT_TEST_MQTT:-tcp://127.0.0.1:1883}"
work="$(mktemp -d)"; bin="$work/groundtruth"
cleanup() {
  if [ -f "$work/pid" ]; then kill "$(cat "$work/pid")" 2>/dev/null || true; wait 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$bin" ./cmd/groundtruth
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http="127.0.0.1:$(free)"; mqtt="127.0.0.1:$(free)"
"$bin" serve --data "$work/data" --http "$http" --mqtt "$mqtt" --webhook-allow-private --log-level warn >"$work/serve.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 100); do curl -sf "http://$http/readyz" >/dev/null && break; sleep 0.1; done
key="$("$bin" tenant create --data "$work/data" --id bench "Bench Bank" | tail -1)"
lg() { "$bin" loadgen --data "$work/data" --api-key "$key" --devices "$devices" --duration "${secs}s" --quiet "$@"; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== bare broker baseline: $bare"
"$bin" loadgen --bare "$bare" --devices "$devices" --duration "${secs}s" --quiet
echo "== groundtruth embedded MQTT, unsigned"
out="$(lg)"; echo "$out"
pps="$(echo "$out" | sed -n 's/.*records\/s (\([0-9]*\) packs\/s).*/\1/p' | head -1)"
echo "== groundtruth embedded MQTT, signed (EdDSA JWS)"
lg --signed
echo "== groundtruth embedded MQTT, unsigned, at half the rate ($((pps / 2)) packs/s), with 10 alert probes"
lg --rate "$((pps / 2))" --alert-probes 10 --alert-every 500ms
