#!/usr/bin/env bash
# `make demo`: builds everything, starts inventory-server on its embedded
# database with the demo venue, and opens scan-tui at a "Main Hall" door
# connected to it. Quitting scan-tui (q) stops the server and its database.
#   USHER_DATA_DIR   where the demo's embedded database lives; by default a fresh
#                    one under /tmp on every run, so every demo ticket gives the
#                    verdict the README promises (set it to keep state between runs)
#   CONFIG           debug (default, shares the test build) or release
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

config="${CONFIG:-debug}"
swift build -c "$config" --product inventory-server
swift build -c "$config" --product scan-tui
bin="$(swift build -c "$config" --show-bin-path)"

# The demo tickets in assets/tickets are signed with the public demo key; serve
# with it (from a private copy: key files must not be readable by others).
key="${TMPDIR:-/tmp}/usher-demo-signing-key-$(id -u)"
install -m 600 assets/keys/DEMO-ONLY-signing-key "$key"
export USHER_SIGNING_KEY="$key"
# The server refuses that public key unless told this is a demonstration.
export USHER_DEMO=1
if [ -z "${USHER_DATA_DIR:-}" ]; then
  USHER_DATA_DIR="${TMPDIR:-/tmp}/usher-demo-$(id -u)"
  if [ -d "$USHER_DATA_DIR/postgres/pgdata" ]; then
    # A previous demo's server may still be up (killed terminal): stop it first.
    "$bin/inventory-server" migrate --data-dir "$USHER_DATA_DIR" --log-level error >/dev/null 2>&1 || true
  fi
  rm -rf "$USHER_DATA_DIR"
  # The embedded PostgreSQL runs as 'postgres' when we are root: it must be able to enter.
  mkdir -p -m 711 "$USHER_DATA_DIR"
fi
export USHER_DATA_DIR
grpc_port="${USHER_GRPC_PORT:-50051}"
http_port="${USHER_HTTP_PORT:-8080}"

"$bin/inventory-server" venue import assets/venues/demo.json --log-level warning

# The Theatre's shows are relative to now (a matinee over, an evening show with its
# doors open, tomorrow's), so their tickets are signed fresh for this demo.
tickets="$USHER_DATA_DIR/tickets"
mkdir -p "$tickets"
for show in matinee evening tomorrow; do
  "$bin/inventory-server" tickets sign --seat "theatre-$show.stalls.A.1" --out "$tickets/theatre-$show.png" \
    --log-level warning >/dev/null
done
echo "Theatre tickets (admission windows): $tickets. A Theatre door is a door of hall theatre; enroll one with"
echo "  USHER_DATA_DIR=$USHER_DATA_DIR $bin/inventory-server devices add door-theatre --role door --hall theatre --address 127.0.0.1:$grpc_port"
echo "  $bin/scan-tui enroll CODE --credential /tmp/door-theatre.json && $bin/scan-tui --credential /tmp/door-theatre.json"

log="${TMPDIR:-/tmp}/usher-demo-server-$(id -u).log"
"$bin/inventory-server" serve --grpc-port "$grpc_port" --http-port "$http_port" >"$log" 2>&1 &
server=$!
stop_server() {
  if kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server" || true
  fi
}
trap stop_server EXIT

# Wait until the server is ready (it answers /readyz once the database does).
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "inventory-server did not start; its log ($log):" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  sleep 0.5
done

# Enroll the demo's terminals as an operator would (devices add), and as a door
# would (scan-tui enroll): over TLS, pinned to the server's own certificate.
terminals="$USHER_DATA_DIR/terminals"
enroll() {  # NAME ROLE [HALL] -> the credential file
  local code
  code="$("$bin/inventory-server" devices add "$1" --role "$2" ${3:+--hall "$3"} --json \
    --address "127.0.0.1:$grpc_port" --log-level warning | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')"
  "$bin/scan-tui" enroll "$code" --credential "$terminals/$1.json" >/dev/null
  echo "$terminals/$1.json"
}
door="$(enroll door-main-demo door main)"
supervisor="$(enroll supervisor-demo supervisor)"
# The demo supervisor's PIN, for `o` (let a denied guest in) and a kiosk's lock.
# A real one is typed at the prompt; a pipe is how a script sets it.
echo 2468 | "$bin/inventory-server" devices set-pin supervisor-demo --log-level warning >/dev/null

if [ ! -t 0 ] || [ ! -t 1 ]; then
  echo "inventory-server is ready on 127.0.0.1:$grpc_port, TLS (log: $log)."
  echo "No terminal here for scan-tui; run it yourself:"
  echo "  $bin/scan-tui --credential $door --allow-views --direction both --venue assets/venues/demo.json"
  echo "  $bin/scan-tui --credential $supervisor --hall main"
  echo "Press Ctrl-C to stop the server."
  wait "$server"
  exit 0
fi

# A door terminal that may also show the supervisor views (Tab, 2, 3), so the
# demo shows the seat map and occupancy filling as tickets are scanned.
# It counts both ways (x switches), and the gala lets guests step out and back in.
"$bin/scan-tui" --credential "$door" --staff "${USER:-staff}" --allow-views --direction both --venue assets/venues/demo.json
