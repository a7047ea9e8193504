#!/usr/bin/env bash
# Speed checks (release build): ticket signing, verification and QR export.
# The export target from issue 3: 20,000 tickets "quickly" — we hold it to
# under 60 s on the 2-core reference machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product bench
bench="$(swift build -c release --show-bin-path)/bench"
"$bench" verify 20000
"$bench" export 20000
