# The two commands: `make demo` runs Usher, `make test` runs every test.
# Both install what they need through scripts/bootstrap.sh.

.PHONY: demo test build proto

demo:
	scripts/demo.sh

test:
	scripts/bootstrap.sh
	swift build --build-tests
	swift test --skip-build

build:
	scripts/bootstrap.sh
	swift build

# Regenerate Sources/InventoryProto/Generated from proto/ (the output is committed).
proto:
	scripts/generate-proto.sh
