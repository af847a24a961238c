#!/usr/bin/env bash
# make cluster: a throwaway PostgreSQL in a temp folder, two livedash
# instances on it and nginx in front (deploy/nginx.conf), until Ctrl-C.
# Access is keys, as behind any proxy: it prints the share links it uses.
set -euo pipefail
cd "$(dirname "$0")/.."
. ./scripts/lib.sh # we are at the repository root (cd above)

PORT=${PORT:-8080}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if command -v pg_ctl >/dev/null 2>&1; then BIN=$(dirname "$(command -v pg_ctl)"); fi
[ -n "$BIN" ] || { echo "PostgreSQL not found: apt-get install postgresql" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx not found: apt-get install nginx" >&2; exit 1; }

DIR=$(mktemp -d /tmp/livedash-cluster.XXXXXX)
chmod 755 "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo; echo "stopping..."
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_pg "$BIN" "$DIR"
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

PGPORT=$(free_port); A=127.0.0.1:$(free_port); B=127.0.0.1:$(free_port)

start_pg "$BIN" "$DIR" "$PGPORT"
URL="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"

go build -o "$DIR/livedash" .
FRONT="http://127.0.0.1:$PORT"
for addr in "$A" "$B"; do
  log="$DIR/$([ "$addr" = "$A" ] && echo a || echo b).log"
  "$DIR/livedash" --addr "$addr" --db "$URL" --access keys --links=false > "$log" 2>&1 & pids+=($!)
done

sed -e "s|{{DIR}}|$DIR|g" -e "s|{{LISTEN}}|127.0.0.1:$PORT|g" \
    -e "s|{{INSTANCE_A}}|$A|g" -e "s|{{INSTANCE_B}}|$B|g" deploy/nginx.conf > "$DIR/nginx.conf"
"$NGINX" -c "$DIR/nginx.conf" -p "$DIR" & pids+=($!)

for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
echo "livedash cluster: $FRONT/"
"$DIR/livedash" keys --db "$URL" --public-url "$FRONT" | sed 's/^/  /' 
echo "  instance A http://$A (log $DIR/a.log), instance B http://$B (log $DIR/b.log)"
echo "  PostgreSQL $URL"
echo "Ctrl-C stops everything and removes $DIR"
wait
