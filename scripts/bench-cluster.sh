#!/usr/bin/env bash
# make bench-cluster: the PostgreSQL scenarios of docs/BENCHMARKS.md on
# this machine: a durable throwaway PostgreSQL (fsync on,
# synchronous_commit on), two instances, cmd/loadgen; one summary table at
# the end.
#
#   DURATION=10s    how long the writers send in each scenario
#   LIVEDASH=path   run this server binary instead of building the checkout
#                   (to measure a before and an after in the same conditions)
#   PROFILE=dir     save a CPU profile of each instance while the writes
#                   scenarios run (dir/<scenario>-<A|B>.cpu.pprof)
#   PGSTAT=1        load pg_stat_statements and report, per writes
#                   scenario, statements and transactions per mutation, and
#                   the statements that took the database's time
#   KEEP=1          keep the temporary folder (logs, JSON reports)
#
# Each writes scenario also reports where the machine's CPU went: the
# PostgreSQL processes, each instance, loadgen, and how busy the machine was.
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
PA=127.0.0.1:$(free_port); PB=127.0.0.1:$(free_port)
settings=(-c synchronous_commit=on -c fsync=on)
[ -n "${PGSTAT:-}" ] && settings+=(-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on)
start_pg "$BIN" "$DIR" "$PGPORT" "${settings[@]}"
URL="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"
psql_() { "$BIN/psql" -X -q -t -A -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "$1"; }
[ -n "${PGSTAT:-}" ] && psql_ "CREATE EXTENSION pg_stat_statements" >/dev/null
if [ -n "${LIVEDASH:-}" ]; then
  cp "$LIVEDASH" "$DIR/livedash"
else
  go build -o "$DIR/livedash" .
fi
go build -o "$DIR/loadgen" ./cmd/loadgen && go build -o "$DIR/bench" ./cmd/bench
PROBES=$("$DIR/bench" --probes "$DIR")
echo "$PROBES"
"$DIR/livedash" --addr "$A" --pprof-addr "$PA" --db "$URL" --rate 1000000 --burst 1000000 --log-level warn > "$DIR/a.log" 2>&1 & pids+=($!)
PIDA=$!
"$DIR/livedash" --addr "$B" --pprof-addr "$PB" --db "$URL" --rate 1000000 --burst 1000000 --log-level warn > "$DIR/b.log" 2>&1 & pids+=($!)
PIDB=$!
for _ in $(seq 100); do curl -fs "http://$A/healthz" >/dev/null && curl -fs "http://$B/healthz" >/dev/null && break; sleep 0.1; done
for addr in "$A" "$B"; do
  curl -fs "http://$addr/healthz" >/dev/null || { echo "instance $addr did not come up:" >&2; cat "$DIR"/a.log "$DIR"/b.log >&2; exit 1; }
done
secs=${DURATION%s}

# lg NAME ARGS...: one loadgen run, its JSON report in $DIR/NAME.json, its
# summary (not its progress lines) on the terminal.
lg() {
  local name=$1; shift
  local rc=0
  "$DIR/loadgen" --duration "$DURATION" --name "$name" --json "$@" > "$DIR/$name.json" 2> "$DIR/$name.err" || rc=$?
  grep -v '^\[loadgen' "$DIR/$name.err" | sed "s/^/  $name: /" || true
  return $rc
}

# profile SCENARIO: with PROFILE set, a CPU profile of A and B while the
# writers send (started 1 s in, for the writing time less 2 s).
profile() {
  [ -n "${PROFILE:-}" ] || return 0
  mkdir -p "$PROFILE"
  local s=$(( ${secs%.*} > 3 ? ${secs%.*} - 2 : 1 ))
  ( sleep 1
    curl -fs "http://$PA/debug/pprof/profile?seconds=$s" -o "$PROFILE/$1-A.cpu.pprof" &
    curl -fs "http://$PB/debug/pprof/profile?seconds=$s" -o "$PROFILE/$1-B.cpu.pprof" &
    wait ) &
}

# pgstat_reset / pgstat_report NAME: with PGSTAT set, the database's view of
# a scenario: statements and commits per acked mutation, and the statements
# with the most time.
pgstat_reset() {
  [ -n "${PGSTAT:-}" ] || return 0
  psql_ "SELECT pg_stat_statements_reset(); SELECT pg_stat_reset()" >/dev/null
}
pgstat_report() {
  [ -n "${PGSTAT:-}" ] || return 0
  local acked=$2
  psql_ "SELECT pg_stat_clear_snapshot()" >/dev/null
  local calls commits
  calls=$(psql_ "SELECT sum(calls) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%'")
  commits=$(psql_ "SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'")
  echo "  $1: PostgreSQL: $calls statements (round trips) and $commits commits for $acked acked mutations:" \
    "$(awk -v c="$calls" -v a="$acked" 'BEGIN{printf "%.2f", c/a}') statements and" \
    "$(awk -v c="$commits" -v a="$acked" 'BEGIN{printf "%.4f", c/a}') commits per mutation"
  psql_ "SELECT lpad(calls::text, 8) || ' calls ' || lpad(round(total_exec_time)::text, 6) || ' ms  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 110)
         FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%' ORDER BY calls DESC LIMIT 12" | sed "s/^/  $1:   /"
}

acked() { jq -r '.mutations_acked' "$DIR/$1.json"; }

# Where a writes scenario's CPU went, from /proc: cpu_mark NAME before it,
# cpu_report NAME LOADGEN-JSON... after it. PostgreSQL counts the postmaster
# and its children (backends, WAL writer, checkpointer, autovacuum), with
# the children it reaped meanwhile; loadgen reports its own.
ticks() { # PID [WITH-REAPED]: user+system clock ticks so far (0 if gone)
  [ -r "/proc/$1/stat" ] || { echo 0; return; }
  sed 's/^.*) //' "/proc/$1/stat" | awk -v r="${2:-}" '{print $12 + $13 + (r ? $14 + $15 : 0)}'
}
pg_ticks() {
  local pm t c
  pm=$(head -1 "$DIR/pg/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  t=$(ticks "$pm" reaped)
  for c in $(pgrep -P "$pm"); do t=$(( t + $(ticks "$c") )); done
  echo "$t"
}
machine_ticks() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; } # total, idle
declare -A cpu_at
cpu_mark() { cpu_at[$1]="$(pg_ticks) $(ticks "$PIDA") $(ticks "$PIDB") $(machine_ticks)"; }
cpu_report() {
  local name=$1; shift
  local pg0 a0 b0 tot0 idle0 pg1 a1 b1 tot1 idle1 hz lg
  read -r pg0 a0 b0 tot0 idle0 <<< "${cpu_at[$name]}"
  read -r pg1 a1 b1 tot1 idle1 <<< "$(pg_ticks) $(ticks "$PIDA") $(ticks "$PIDB") $(machine_ticks)"
  hz=$(getconf CLK_TCK)
  lg=$(for f in "$@"; do jq -r '.loadgen_cpu_s' "$DIR/$f.json"; done | awk '{s += $1} END {printf "%.1f", s}')
  cpu_line[$name]=$(awk -v hz="$hz" -v pg=$((pg1 - pg0)) -v a=$((a1 - a0)) -v b=$((b1 - b0)) -v lg="$lg" \
    -v tot=$((tot1 - tot0)) -v idle=$((idle1 - idle0)) -v n="$(nproc)" \
    'BEGIN{printf "CPU s: PostgreSQL %.1f, A %.1f, B %.1f, loadgen %s; the machine %.0f %% busy over %d CPUs for %.1f s",
      pg/hz, a/hz, b/hz, lg, tot ? 100*(tot-idle)/tot : 0, n, tot/hz/n}')
  echo "  $name: ${cpu_line[$name]}"
}
declare -A cpu_line
# deadlocks: PostgreSQL's count of deadlocks detected so far (each cost a
# batch deadlock_timeout, 1 s, and a retry).
deadlocks() { psql_ "SELECT pg_stat_clear_snapshot(); SELECT deadlocks FROM pg_stat_database WHERE datname = 'postgres'" | tail -1; }

echo "== writes through one instance (4 writers on A, 32 in flight each); load $(cut -d' ' -f1-3 /proc/loadavg)"
pgstat_reset; profile writes-one; cpu_mark writes-one
lg writes-one --addr "$A" --listeners 0 --writers 4 --depth 32
cpu_report writes-one writes-one
pgstat_report writes-one "$(acked writes-one)"
dl_one=$(deadlocks)
echo "== writes spread over two instances (4 writers on A, 4 on B); load $(cut -d' ' -f1-3 /proc/loadavg)"
pgstat_reset; profile writes-two; cpu_mark writes-two
lg writes-two-A --addr "$A" --listeners 0 --writers 4 --depth 32 &
wa=$!
lg writes-two-B --addr "$B" --listeners 0 --writers 4 --depth 32
wait $wa
cpu_report writes-two writes-two-A writes-two-B
pgstat_report writes-two "$(( $(acked writes-two-A) + $(acked writes-two-B) ))"
dl_two=$(deadlocks)
for rate in 100 1000; do
  echo "== fan-out: 1,000 listeners, 500 on each instance, $rate mutations/s written on A; load $(cut -d' ' -f1-3 /proc/loadavg)"
  lg "fanout-$rate" --addr "$A" --listen-addrs "$A,$B" --listeners 1000 --writers 4 --rate "$rate"
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 0.2

# The summary: one row per scenario, and the two-vs-one ratio.
one=$(jq -r '.acked_per_s' "$DIR/writes-one.json")
twoA=$(jq -r '.acked_per_s' "$DIR/writes-two-A.json")
twoB=$(jq -r '.acked_per_s' "$DIR/writes-two-B.json")
echo
echo "== summary ($(date -u '+%Y-%m-%d %H:%M UTC'), load at the end $load)"
echo "$PROBES"
printf '%-46s %10s %9s %9s %s\n' scenario acked/s "ack p99" "del p99" "delivery p99 by instance (A, B); checks"
row() { # NAME LABEL
  jq -r --arg name "$2" '[$name, (.acked_per_s|floor), .ack_p99_ms, .delivery_p99_ms,
      ((.delivery_by_addr // []) | map(.p99_ms|tostring) | join(", ")),
      (if .check_ok and .errors_total == 0 and (.aborted // "") == "" then "ok" else "PROBLEM" end)] | @tsv' "$DIR/$1.json" |
    awk -F'\t' '{printf "%-46s %10s %9.1f %9.1f %s%s\n", $1, $2, $3, $4, ($5 == "" ? "" : $5 "; "), $6}'
}
row writes-one "writes, one instance (4x32 on A)"
row writes-two-A "writes, two instances: A (4x32)"
row writes-two-B "writes, two instances: B (4x32)"
awk -v one="$one" -v a="$twoA" -v b="$twoB" 'BEGIN{printf "%-46s %10d   (2 vs 1: %.2fx)\n", "writes, two instances: A + B", a+b, (a+b)/one}'
echo "writes through one instance, ${cpu_line[writes-one]}"
echo "writes over two instances, ${cpu_line[writes-two]}"
echo "PostgreSQL deadlocks detected: $dl_one after writes through one instance, $dl_two after writes over two (counted since the start; PGSTAT resets the count per scenario)"
row fanout-100 "fan-out 1,000 listeners over 2, 100/s on A"
row fanout-1000 "fan-out 1,000 listeners over 2, 1,000/s on A"
