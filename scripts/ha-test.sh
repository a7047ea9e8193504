#!/usr/bin/env bash
# scripts/ha-test.sh [RUNS]: the high-availability suite (HighAvailabilityTests) on
# real pg_auto_failover formations, RUNS times over (default 3), each under the test
# watchdog: a soak beyond the one run `make test` does. Each load round (three per
# run: a monitor, a primary and its synchronous standby, two inventory-server
# processes, 8 doors) prints one line: scans, acknowledged SUCCESS, present after the
# run, lost (must be 0), double admissions (must be 0), the longest a door waited
# for a verdict, and the time to the new primary. Exits non-zero if any run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
runs="${1:-3}"
scripts/test-with-watchdog.sh --timeout 3600 --what build -- swift build --build-tests
failed=0
for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs"
  scripts/test-with-watchdog.sh --timeout 1500 -- swift test --skip-build --filter HighAvailabilityTests \
    2>&1 | tee "/tmp/usher-ha-test-$run.log" | grep -E '^HA|✘|Test run' || true
  grep -q 'Test run with .* passed' "/tmp/usher-ha-test-$run.log" || failed=1
done
exit "$failed"
