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

# ensure_services installs what the integration tests need. CI runs on a
# fresh clone, so everything must be installed from here, never by hand.
# The tests start and stop the services themselves (each on a free
# loopback port with a temporary folder), so nothing is left running.
#
# Azurite, the Azure Storage emulator, is pinned: its SAS checks change
# between releases (sas-spec.md §9.4). It goes into .cache/azurite
# (git-ignored) and OVERSHARE_AZURITE tells the tests where it is.
AZURITE_VERSION=3.37.0
ensure_services() {
	local dir=.cache/azurite
	local bin="$dir/node_modules/.bin/azurite-blob"
	local have=""
	if [[ -f "$dir/node_modules/azurite/package.json" ]]; then
		have=$(node -p "require('./$dir/node_modules/azurite/package.json').version" 2>/dev/null || true)
	fi
	if [[ ! -x "$bin" || "$have" != "$AZURITE_VERSION" ]]; then
		if ! command -v npm >/dev/null; then
			echo "test.sh: npm not found; the Azurite integration tests need Node.js and npm" >&2
			[[ -n "${OVERSHARE_REQUIRE_INTEGRATION:-}" ]] && exit 1
			return 0
		fi
		echo "test.sh: installing azurite@$AZURITE_VERSION into $dir" >&2
		mkdir -p "$dir"
		npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error \
			"azurite@$AZURITE_VERSION" >&2
	fi
	OVERSHARE_AZURITE="$PWD/$bin"
	export OVERSHARE_AZURITE
}

ensure_services
go vet ./...
go test -count=1 ./...
# The prefilter's portable build (no assembly), as other architectures get it.
go vet -tags purego ./internal/detect
go test -count=1 -tags purego ./internal/detect
