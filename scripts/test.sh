#!/usr/bin/env bash
# The whole test suite: what a developer runs and what CI runs (.ci/run
# calls this script and nothing else), so the two cannot drift apart.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Under CI a test that needs a real component (Azurite, git, a database,
# a browser) and cannot find it must fail, not skip; on a developer's
# machine it may skip.
case "${CI:-}" in
"" | 0 | false) ;;
*) export OVERSHARE_REQUIRE_INTEGRATION=1 ;;
esac

# ensure_services installs and starts what the integration tests need.
# CI runs on a fresh clone, so everything must be installed from here,
# never by hand. Nothing needs a service yet; Azurite (npm, pinned
# version) is the first thing that goes here.
ensure_services() {
	:
}

ensure_services
go vet ./...
go test -count=1 ./...
