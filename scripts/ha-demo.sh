#!/usr/bin/env bash
# scripts/ha-demo.sh: Usher on more than one machine, on this one, on loopback.
#   - a pg_auto_failover monitor and two PostgreSQL data nodes (a primary and its
#     synchronous standby), each run by a pg_autoctl keeper as the postgres user;
#   - two inventory-server processes on the formation's multi-host URL, sharing one
#     certificate and one signing key;
#   - a supervisor view (scan-tui) that knows both servers.
# It prints how to kill a node or a server. Quitting scan-tui (q) stops everything.
#   HA_DIR   where it all lives (default: a fresh directory under /tmp)
#   CONFIG   debug (default, shares the test build) or release
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

config="${CONFIG:-debug}"
swift build -c "$config" --product inventory-server
swift build -c "$config" --product scan-tui
bin="$(swift build -c "$config" --show-bin-path)"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

dir="${HA_DIR:-${TMPDIR:-/tmp}/usher-ha-demo-$(id -u)}"
as_postgres=()
if [ "$(id -u)" -eq 0 ]; then as_postgres=(runuser -u postgres --); fi
autoctl() {
  "${as_postgres[@]}" env -i PATH="$pgbin:/usr/bin:/bin" HOME="$dir" LC_ALL=C.UTF-8 \
    XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run" pg_autoctl "$@"
}
psql_at() {  # PORT SQL
  "${as_postgres[@]}" "$pgbin/psql" -X -q -A -t -h 127.0.0.1 -p "$1" -U postgres -d usher -c "$2"
}

pids=()
stop_all() {
  # runuser does not pass SIGTERM on to the pg_autoctl it runs: its child gets it too.
  for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

rm -rf "$dir"
mkdir -p -m 700 "$dir"
if [ "${#as_postgres[@]}" -gt 0 ]; then chown postgres "$dir"; fi
monitor_port=56200 node1_port=56201 node2_port=56202 grpc1=50061 grpc2=50062 http1=8091 http2=8092

echo "== pg_auto_failover: monitor on 127.0.0.1:$monitor_port"
autoctl create monitor --pgdata "$dir/monitor" --pgport "$monitor_port" --hostname 127.0.0.1 \
  --auth trust --no-ssl --pgctl "$pgbin/pg_ctl" >"$dir/monitor-create.log" 2>&1
autoctl run --pgdata "$dir/monitor" >"$dir/monitor.log" 2>&1 &
pids+=($!)
monitor="postgres://autoctl_node@127.0.0.1:$monitor_port/pg_auto_failover?sslmode=disable"
state() { autoctl show state --pgdata "$dir/monitor" 2>/dev/null; }

start_node() {  # NUMBER PORT
  autoctl create postgres --pgdata "$dir/node$1" --pgport "$2" --hostname 127.0.0.1 --name "node$1" \
    --auth trust --no-ssl --monitor "$monitor" --pgctl "$pgbin/pg_ctl" --dbname usher --run >"$dir/node$1.log" 2>&1 &
  pids+=($!)
}
wait_for() {  # WHAT SECONDS COMMAND...
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq 1 "$((seconds * 2))"); do
    if "$@"; then return 0; fi
    sleep 0.5
  done
  echo "ha-demo: $what did not happen within $seconds s; the monitor says:" >&2
  state >&2 || true
  exit 1
}
echo "== data node 1 (127.0.0.1:$node1_port)"
start_node 1 "$node1_port"
node1_alone() { state | grep -q ' single '; }
wait_for "node 1 taking writes" 90 node1_alone
echo "== data node 2 (127.0.0.1:$node2_port), the synchronous standby"
start_node 2 "$node2_port"
# The standby's base backup waits for a checkpoint on the primary: ask for one.
standby_ready() { psql_at "$node1_port" CHECKPOINT >/dev/null 2>&1 || true; state | grep -q ' secondary '; }
wait_for "node 2 a secondary" 120 standby_ready
state

url="postgres://postgres@127.0.0.1:$node1_port,127.0.0.1:$node2_port/usher?target_session_attrs=read-write&sslmode=disable"
export DATABASE_URL="$url"
# Seat maps and occupancy: read from whichever node is the standby now.
export READ_DATABASE_URL="postgres://postgres@127.0.0.1:$node2_port,127.0.0.1:$node1_port/usher?target_session_attrs=prefer-standby&sslmode=disable"
# The demo tickets are signed with the public demo key (refused unless --demo).
key="$dir/signing-key"
install -m 600 assets/keys/DEMO-ONLY-signing-key "$key"
export USHER_SIGNING_KEY="$key" USHER_DEMO=1
"$bin/inventory-server" venue import assets/venues/demo.json --log-level warning

# Two servers, one certificate: the first makes it, the second serves the same one,
# so terminals pin one fingerprint for both.
mkdir -p "$dir/server1" "$dir/server2"
"$bin/inventory-server" serve --data-dir "$dir/server1" --grpc-port "$grpc1" --http-port "$http1" >"$dir/server1.log" 2>&1 &
pids+=($!)
server1=$!
ready() { curl -fsS "http://127.0.0.1:$1/readyz" -o /dev/null 2>/dev/null; }
wait_for "server 1 ready" 60 ready "$http1"
"$bin/inventory-server" serve --data-dir "$dir/server2" --grpc-port "$grpc2" --http-port "$http2" \
  --tls-cert "$dir/server1/tls/server.crt" --tls-key "$dir/server1/tls/server.key" >"$dir/server2.log" 2>&1 &
pids+=($!)
server2=$!
wait_for "server 2 ready" 60 ready "$http2"

servers="127.0.0.1:$grpc1,127.0.0.1:$grpc2"
code="$("$bin/inventory-server" devices add supervisor-ha --role supervisor --json --address "$servers" \
  --data-dir "$dir/server1" --log-level warning | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')"
"$bin/scan-tui" enroll "$code" --credential "$dir/supervisor.json" >/dev/null

cat <<EOF

Usher on two servers and two database nodes (logs in $dir):
  servers        $servers   (/readyz on :$http1 and :$http2 names the primary and its standby)
  database       $url
  the formation  pg_autoctl show state --pgdata $dir/monitor   (as postgres, with HOME=$dir XDG_CONFIG_HOME=$dir/config XDG_DATA_HOME=$dir/data)

Lose a machine, in another terminal:
  the primary    kill -9 \$(head -1 $dir/node1/postmaster.pid)     # pg_auto_failover promotes node 2
  a server       kill -9 $server1                                   # terminals go on to the other
  the standby    kill -TERM <its keeper> (pg_autoctl of node 2)      # the primary goes async: /readyz says degraded
A door for the Main Hall, with both servers:
  DATABASE_URL='$url' $bin/inventory-server devices add door-ha --role door --hall main --address $servers --data-dir $dir/server1
  $bin/scan-tui enroll CODE --credential $dir/door.json && $bin/scan-tui --credential $dir/door.json

EOF
if [ ! -t 0 ] || [ ! -t 1 ]; then
  echo "No terminal here for the supervisor view; run it yourself:"
  echo "  $bin/scan-tui --credential $dir/supervisor.json --hall main"
  echo "Press Ctrl-C to stop everything."
  wait "$server1" "$server2"
  exit 0
fi
read -r -p "Press Enter for the supervisor view (q quits and stops everything) " _
"$bin/scan-tui" --credential "$dir/supervisor.json" --hall main
