# Shared by the cluster scripts.

# free_port prints a TCP port on 127.0.0.1 that nothing listens on (bash's
# /dev/tcp: no python or netcat needed on a fresh machine).
free_port() {
  local p
  while :; do
    p=$(( (RANDOM << 15 | RANDOM) % 40000 + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}
