#!/bin/bash
# bench/run.sh BUILD — pontoon's CNI plugins beside the reference plugins.
#
# Usage (as root; `make bench` does the first line for you):
#   meson setup build --buildtype=release && ninja -C build
#   ./bench/run.sh build
# Knobs (environment):
#   BENCH_SIZES="10 100 1000"    container counts, one ADD+DEL phase each
#   BENCH_VERSION_RUNS=200       VERSION (start-up) runs per side
#   BENCH_REFERENCE=/usr/lib/cni the reference plugin directory
#   BENCH_CANDIDATE=DIR          compare this plugin directory instead of
#                                BUILD's pontoon-cni (BENCH_CANDIDATE=/usr/lib/cni
#                                checks the bench itself: every ratio ≈ 1.0)
#
# What it measures (bench/cnibench.c says how): ADD and DEL latency, median and
# p95, of bridge + host-local (no ipMasq) for each N, the sides interleaved
# container by container; VERSION latency; peak RSS of one plugin process
# during ADD. Targets from issue 2 are printed with PASS/FAIL; a benchmark,
# not a test: the exit status is non-zero only when a plugin failed or did not
# do (or undo) its work.
#
# Isolation: the driver runs under `unshare --net --mount --propagation
# private`; every "host" and container namespace it makes dies with it. The
# dataDirs live in a temporary directory removed on exit. Nothing touches the
# machine's own network namespace or /var/lib/cni. About 2 minutes on 2 cores
# with the default sizes (the reference costs ~35 ms per ADD+DEL).
set -euo pipefail

BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
sizes=${BENCH_SIZES:-10 100 1000}
version_runs=${BENCH_VERSION_RUNS:-200}
reference=${BENCH_REFERENCE:-/usr/lib/cni}

if [ "$(id -u)" != 0 ]; then
	echo "bench/run.sh: needs root (network namespaces)" >&2
	exit 2
fi
[ -f "$BUILD/build.ninja" ] || { echo "bench/run.sh: no build in $BUILD" >&2; exit 2; }
if [ -z "${BENCH_CANDIDATE:-}" ]; then
	ninja -C "$BUILD" bench/cnibench src/plugins/pontoon-cni
else
	ninja -C "$BUILD" bench/cnibench
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pontoon-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# pontoon's plugin directory: links named after the plugin types, as installed.
if [ -n "${BENCH_CANDIDATE:-}" ]; then
	candidate=$BENCH_CANDIDATE
else
	candidate=$tmp/cni
	mkdir "$candidate"
	exe=$(realpath "$BUILD/src/plugins/pontoon-cni")
	ln -s "$exe" "$candidate/bridge"
	ln -s "$exe" "$candidate/host-local"
fi

echo "== pontoon bench: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -srm)"
echo "reference: $reference ($(dpkg-query -W -f '${Package} ${Version}' containernetworking-plugins 2>/dev/null || echo 'version unknown'))"
echo "candidate: $candidate ($(git -C "$here/.." describe --always --dirty 2>/dev/null || echo 'no git'), build $BUILD, $(meson introspect --buildoptions "$BUILD" 2>/dev/null | python3 -c 'import json,sys; print("buildtype=" + next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' 2>/dev/null || echo 'buildtype unknown'))"
echo "run: BENCH_SIZES=\"$sizes\" BENCH_VERSION_RUNS=$version_runs$([ -n "${BENCH_CANDIDATE:-}" ] && echo " BENCH_CANDIDATE=$BENCH_CANDIDATE") $0 $BUILD"

rc=0
unshare --net --mount --propagation private -- \
	"$BUILD/bench/cnibench" -s "$sizes" -v "$version_runs" -t "$tmp" \
	"reference=$reference" "pontoon=$candidate" || rc=$?
exit $rc
