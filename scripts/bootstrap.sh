#!/usr/bin/env bash
# Installs the Debian packages Usher needs to build, test and run, and only the
# ones that are missing. Extra package names may be passed as arguments.
#   scripts/bootstrap.sh                     # the project's own needs
#   scripts/bootstrap.sh protobuf-compiler   # plus protoc, for scripts/generate-proto.sh
set -euo pipefail

packages=(
  postgresql            # server binaries for the embedded database (initdb, pg_ctl, postgres)
  postgresql-client     # psql, for operators
  postgresql-15-auto-failover  # pg_autoctl: a monitor and two data nodes for scripts/ha-demo.sh and the HA test
  libpq-dev             # libpq headers, for operators' tools
  ca-certificates       # TLS to an external --database-url
  curl                  # health checks in scripts/demo.sh
  libqrencode-dev       # QR codes for `tickets export`
  libpng-dev            # PNG writing (and reading, for scanned images)
  zbar-tools            # zbarimg: tests decode every exported QR code
  libzbar-dev           # QR decoding of images in scan-tui
  libturbojpeg0-dev     # JPEG decoding (photos of tickets)
  libncurses-dev        # ncursesw for scan-tui
  tmux                  # end-to-end tests drive scan-tui in a real terminal
  openssl               # TLS tests make a throwaway CA and certificates
  libsqlite3-dev        # SQLite for GRDB: the door's offline store in scan-tui
  librabbitmq-dev       # rabbitmq-c: hold expiry by RabbitMQ dead-lettering
  rabbitmq-server       # tests start their own broker on loopback ports
  gdb                   # scripts/test-with-watchdog.sh: stacks of a hung test process
  jq                    # scripts/test-with-watchdog.sh: reads Swift Testing's event stream
  "$@"
)

if ! command -v swift >/dev/null; then
  echo "bootstrap: the Swift 6 toolchain is not on PATH; install it first (swift.org)." >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

# Usher runs its own private cluster; don't let the Debian package create and
# start a system-wide one on port 5432 as a side effect.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  $sudo mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/usher.conf >/dev/null
fi

echo "bootstrap: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
