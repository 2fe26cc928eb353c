#!/usr/bin/env bash
# Times overshare against the floors any scanner must pay, on a repository
# given as the argument, in one run:
#   1. overshare's full-history scan (every blob reachable from any ref);
#   2. git cat-file --batch-all-objects --batch (reading every object: the
#      floor for any history scanner);
#   3. git log -p --all (what diff-based scanners read);
#   4. overshare on a plain copy of the work tree, against rg -c 'sig='
#      (Debian's ripgrep) over the same tree.
# Prints the median wall time of RUNS runs (default 3), the CPU time of
# that run and the peak memory (GNU time's maximum resident set size) of
# each, and the ratios of the wall times. Nothing is written to the
# repository.
#
# usage: [RUNS=N] bench/history.sh REPO
set -euo pipefail
repo=${1:?usage: bench/history.sh REPO}
repo=$(cd "$repo" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v /usr/bin/time >/dev/null || { echo "bench: GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }
command -v rg >/dev/null || { echo "bench: ripgrep is needed: apt-get install ripgrep" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$here" && go build -o "$work/overshare" ./cmd/overshare)

# measure NAME CMD...: run once to warm the page cache, then RUNS times
# (default 3); print the median wall time, the CPU time (user + system, of
# the process and its children) of that run, and the largest peak memory.
runs=${RUNS:-3}
measure() {
	local name=$1
	shift
	"$@" >/dev/null 2>&1 || true
	: >"$work/$name.all"
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@" >/dev/null 2>"$work/$name.err" || true
		tail -n 1 "$work/$name.time" >>"$work/$name.all"
	done
	read -r secs cpu kb < <(sort -n "$work/$name.all" | awk -v n="$runs" '{w[NR]=$1; c[NR]=$2+$3; if ($4>m) m=$4} END {i=int((n+1)/2); print w[i], c[i], m}')
	printf '%-28s %8.2f s wall %8.2f s CPU %8.0f MB\n' "$name" "$secs" "$cpu" "$((kb / 1024))"
	eval "t_$name=$secs; m_$name=$kb"
}

blobs=$(git -C "$repo" rev-list --objects --all | cut -d' ' -f1 | git -C "$repo" cat-file --batch-check='%(objecttype) %(objectsize)' | awk '$1=="blob"{n++; s+=$2} END{printf "%d blobs, %.1f MB", n, s/1048576}')
echo "repository: $repo ($blobs)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo

measure overshare_history "$work/overshare" scan --progress never --format json --output /dev/null --fail-on critical "$repo"
# The same without opening archives: a repository's compressed test data
# (bzip2 in particular, which Go decodes slowly) can dominate the default.
measure overshare_history_noarch "$work/overshare" scan --progress never --format json --output /dev/null --fail-on critical --archive-depth 0 "$repo"
measure catfile_floor git -C "$repo" cat-file --batch-all-objects --batch
measure git_log_p git -C "$repo" log -p --all

tree="$work/tree"
mkdir "$tree"
git -C "$repo" archive HEAD | tar -x -C "$tree"
measure overshare_dir "$work/overshare" scan --progress never --format json --output /dev/null --fail-on critical --archive-depth 0 "$tree"
measure rg_sig rg -c 'sig=' "$tree"

echo
awk -v a="$t_overshare_history" -v b="$t_catfile_floor" -v c="$t_git_log_p" -v d="$t_overshare_dir" -v e="$t_rg_sig" -v f="$t_overshare_history_noarch" 'BEGIN {
	printf "history scan / cat-file floor: %.2fx\n", a / b
	printf "history scan, no archives / cat-file floor: %.2fx\n", f / b
	printf "history scan / git log -p:     %.2fx\n", a / c
	printf "dir scan / rg -c sig=:         %.2fx\n", d / e
}'
grep -m1 . "$work/overshare_history.err" 2>/dev/null | sed 's/^/overshare stderr: /' || true
