# The two commands: `make demo` runs Usher, `make test` runs every test.
# Both install what they need through scripts/bootstrap.sh.

.PHONY: demo test build proto

demo:
	scripts/demo.sh

# At most 6 tests at once: every integration test starts its own server and
# database pools, and on a 2-core machine running all of them together made
# deadline-bound tests fail for lack of CPU, not for a bug.
# Under a watchdog: a hung test must fail the run, not hold it until CI's 90-minute
# limit. The test run gets 20 minutes (USHER_TEST_TIMEOUT, in seconds), then the
# watchdog names the tests still running, prints the test process's stacks and
# stops everything the tests started; the build gets 45.
# The pg_auto_failover suite (HighAvailabilityTests: a formation per test, the load
# round three times) runs after the rest, alone: its doors race 1.5 s deadlines
# through a failover, and 2 cores shared with 360 other tests would make that a
# test of the CPU. It gets 20 minutes (it takes about 5). All three bounds together
# fit in CI's 90; a fresh clone takes about 25.
test:
	scripts/bootstrap.sh
	scripts/test-with-watchdog.sh --timeout 2700 --what build -- swift build --build-tests
	scripts/test-with-watchdog.sh -- swift test --skip-build --experimental-maximum-parallelization-width 6 \
		--skip HighAvailabilityTests
	scripts/test-with-watchdog.sh --timeout 1200 -- swift test --skip-build --filter HighAvailabilityTests

build:
	scripts/bootstrap.sh
	swift build

# Regenerate Sources/InventoryProto/Generated from proto/ (the output is committed).
proto:
	scripts/generate-proto.sh
