#!/usr/bin/env bash
# `make demo`: builds inventory-server, loads the demo venue into the embedded
# database and serves it in the foreground. Ctrl-C (or SIGTERM) stops the server
# and its database cleanly.
#   USHER_DATA_DIR   where the embedded database lives (default: /var/lib/usher as
#                    root, else ~/.local/share/usher)
#   CONFIG           debug (default, shares the test build) or release
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

config="${CONFIG:-debug}"
swift build -c "$config" --product inventory-server
server="$(swift build -c "$config" --show-bin-path)/inventory-server"

# The demo tickets in assets/tickets are signed with the public demo key; serve
# with it (from a private copy: key files must not be readable by others).
key="${TMPDIR:-/tmp}/usher-demo-signing-key-$(id -u)"
install -m 600 assets/keys/DEMO-ONLY-signing-key "$key"
export USHER_SIGNING_KEY="$key"

"$server" venue import assets/venues/demo.json

cat <<BANNER

  Usher demo: inventory-server with the demo venue (Main Hall, Studio)
    gRPC      127.0.0.1:${USHER_GRPC_PORT:-50051}   (inventory.InventoryService, grpc.health.v1.Health)
    health    http://127.0.0.1:${USHER_HTTP_PORT:-8080}/healthz  /readyz  /metrics
    tickets   assets/tickets/*.png: scan at a "main" door for each verdict (README)
    key       the DEMO-ONLY signing key: never use it for a real event
  Ctrl-C stops the server and its database.

BANNER
exec "$server" serve
