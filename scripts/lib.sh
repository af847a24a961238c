# Shared by the cluster scripts.

# free_port prints a TCP port on 127.0.0.1 that nothing listens on (bash's
# /dev/tcp: no python or netcat needed on a fresh machine). The ports lie
# below Linux's ephemeral range (32768-60999), where outgoing connections
# (a load generator's thousands) would take them before our server binds.
free_port() {
  local p
  while :; do
    p=$(( (RANDOM << 15 | RANDOM) % 12000 + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}

# as_pg runs a PostgreSQL tool as the postgres user when we are root (initdb
# and the server refuse to run as root), else as ourselves.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_pg BIN DIR PORT [SETTINGS]: a fresh PostgreSQL cluster in DIR/pg,
# listening on 127.0.0.1:PORT and on a socket in DIR, its log in DIR/pg.log;
# SETTINGS are more server options (-c name=value). Its URL is
# postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable.
start_pg() {
  local bin=$1 dir=$2 port=$3
  shift 3
  as_pg "$bin/initdb" -D "$dir/pg" -A trust -U postgres -E UTF8 --locale=C >/dev/null
  as_pg "$bin/pg_ctl" start -w -D "$dir/pg" -l "$dir/pg.log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1${*:+ $*}" >/dev/null
}

# stop_pg BIN DIR stops the cluster start_pg made in DIR, if it runs.
stop_pg() { as_pg "$1/pg_ctl" stop -m fast -D "$2/pg" >/dev/null 2>&1 || true; }
