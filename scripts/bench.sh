#!/usr/bin/env bash
# Speed checks (release build). Each fails (exit 1) when over its target, set for
# the 2-core reference machine with room to spare:
#   verifying 20,000 ticket codes            under 5 s  (seen: ~0.9 s)
#   exporting 20,000 tickets as QR PNGs      under 30 s (seen: ~12 s)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product bench
bench="$(swift build -c release --show-bin-path)/bench"
"$bench" verify 20000 5
"$bench" export 20000 30
