# The two commands: `make demo` runs Usher, `make test` runs every test.
# Both install what they need through scripts/bootstrap.sh.

.PHONY: demo test build proto

demo:
	scripts/demo.sh

# At most 6 tests at once: every integration test starts its own server and
# database pools, and on a 2-core machine running all of them together made
# deadline-bound tests fail for lack of CPU, not for a bug.
test:
	scripts/bootstrap.sh
	swift build --build-tests
	swift test --skip-build --experimental-maximum-parallelization-width 6

build:
	scripts/bootstrap.sh
	swift build

# Regenerate Sources/InventoryProto/Generated from proto/ (the output is committed).
proto:
	scripts/generate-proto.sh
