#!/usr/bin/env bash
# make bench-cluster: the PostgreSQL scenarios of docs/BENCHMARKS.md on
# this machine: a durable throwaway PostgreSQL (fsync on,
# synchronous_commit on), two instances, cmd/loadgen.
set -euo pipefail
cd "$(dirname "$0")/.."
. ./scripts/lib.sh # we are at the repository root (cd above)
DURATION=${DURATION:-10s}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
DIR=$(mktemp -d /tmp/livedash-bench.XXXXXX); chmod 755 "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_pg "$BIN" "$DIR"
  [ -n "${KEEP:-}" ] && echo "kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
PGPORT=$(free_port); A=127.0.0.1:$(free_port); B=127.0.0.1:$(free_port)
start_pg "$BIN" "$DIR" "$PGPORT" -c synchronous_commit=on -c fsync=on
URL="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"
go build -o "$DIR/livedash" . && go build -o "$DIR/loadgen" ./cmd/loadgen
"$DIR/livedash" --addr "$A" --db "$URL" --rate 1000000 --burst 1000000 --log-level warn > "$DIR/a.log" 2>&1 & pids+=($!)
"$DIR/livedash" --addr "$B" --db "$URL" --rate 1000000 --burst 1000000 --log-level warn > "$DIR/b.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -fs "http://$A/healthz" >/dev/null && curl -fs "http://$B/healthz" >/dev/null && break; sleep 0.1; done
for addr in "$A" "$B"; do
  curl -fs "http://$addr/healthz" >/dev/null || { echo "instance $addr did not come up:" >&2; cat "$DIR"/a.log "$DIR"/b.log >&2; exit 1; }
done
LG="$DIR/loadgen --duration $DURATION"
echo "== writes through one instance (4 writers on A)"
$LG --addr "$A" --name pg-writes-one --listeners 0 --writers 4 --depth 32
echo "== writes spread over two instances (4 writers on A, 4 on B)"
$LG --addr "$A" --name pg-writes-A --listeners 0 --writers 4 --depth 32 > "$DIR/wa.txt" 2>&1 &
wa=$!
$LG --addr "$B" --name pg-writes-B --listeners 0 --writers 4 --depth 32
wait $wa; cat "$DIR/wa.txt"
echo "== fan-out: 1,000 listeners, 500 on each instance, 1,000 mutations/s written on A"
$LG --addr "$B" --name pg-fanout-B --listeners 500 --writers 0 --duration 15s > "$DIR/fb.txt" 2>&1 &
fb=$!
sleep 2
$LG --addr "$A" --name pg-fanout-A --listeners 500 --writers 4 --rate 1000
wait $fb; cat "$DIR/fb.txt"
