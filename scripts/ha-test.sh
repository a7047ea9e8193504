#!/usr/bin/env bash
# scripts/ha-test.sh [ROUNDS]: the high-availability tests on a real pg_auto_failover
# formation (a monitor, a primary and its synchronous standby; two inventory-server
# processes), ROUNDS times (default 3), each under the test watchdog. Each load round
# prints one line: scans, acknowledged SUCCESS, present after the run, lost (must be
# 0), double admissions (must be 0), the longest a door waited for a verdict, and the
# time to the new primary. Exits non-zero if any round fails.
#
# Not part of `make test` yet: one early run lost an acknowledged admission (see
# issue 17's note); the test now prints the doors' verdicts and pg_auto_failover's
# events when that happens.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
rounds="${1:-3}"
scripts/test-with-watchdog.sh --timeout 3600 --what build -- swift build --build-tests
failed=0
for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds"
  USHER_TEST_TIMEOUT=900 scripts/test-with-watchdog.sh -- swift test --skip-build --filter 'MultiHostURLTests|HighAvailabilityTests' \
    2>&1 | tee "/tmp/usher-ha-test-$round.log" | grep -E '^HA:|✘|Test run' || true
  grep -q 'Test run with .* passed' "/tmp/usher-ha-test-$round.log" || failed=1
done
exit "$failed"
