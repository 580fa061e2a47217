#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD [SECONDS] — runs every libFuzzer target of BUILD
# (a build made with -Dfuzz=true, see docs/fuzzing.md) for SECONDS each
# (default 20) on its seed corpus, and fails on any crash, leak, hang,
# sanitizer report or broken invariant.
#
# Prints per target "fuzz NAME: N runs, C crashes" and a test-runner line
# "ok fuzz-NAME" or "FAIL fuzz-NAME: why". A failing input is kept in
# BUILD/fuzz-artifacts/NAME/ with the command that replays it.
#
# Environment:
#   PONTOON_FUZZ_JOBS=N     targets fuzzed at once (default: 2)
#   PONTOON_FUZZ_ONLY=RE    only the targets whose name matches
#   PONTOON_FUZZ_CORPUS=DIR keep the corpus each target grows in DIR/NAME
#                           (default: a temporary directory, thrown away);
#                           the seeds in tests/fuzz/corpus are never written
set -u

if [ $# -lt 1 ] || [ ! -d "$1/tests/fuzz" ]; then
	echo "usage: tests/fuzz/run.sh BUILD [SECONDS]   (BUILD configured with -Dfuzz=true)" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd)
SECS=${2:-20}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
JOBS=${PONTOON_FUZZ_JOBS:-2}
ONLY=${PONTOON_FUZZ_ONLY:-}
TMPBASE=/tmp
[ -w /dev/shm ] && TMPBASE=/dev/shm
WORK=$(mktemp -d "$TMPBASE/pontoon-fuzz-run.$$.XXXXXX")
ART="$BUILD/fuzz-artifacts"
trap 'rm -rf "$WORK"' EXIT

# A UBSan report must stop the run like an ASan one, so libFuzzer keeps the input.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=1:symbolize=1:log_path=stderr"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:abort_on_error=1:print_stacktrace=1"
export PONTOON_FUZZ_TMP="$WORK"

TARGETS=()
for exe in "$BUILD"/tests/fuzz/fuzz-*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=${exe##*/fuzz-}
	[ -z "$ONLY" ] || [[ $name =~ $ONLY ]] || continue
	TARGETS+=("$name")
done
if [ ${#TARGETS[@]} -eq 0 ]; then
	echo "FAIL fuzz: no fuzz target in $BUILD/tests/fuzz (configure with -Dfuzz=true)"
	exit 1
fi

# fuzz_one NAME: runs one target; leaves its log and exit code in WORK.
fuzz_one() {
	local name=$1 exe="$BUILD/tests/fuzz/fuzz-$1" seeds="$SRC/tests/fuzz/corpus/$1" corpus
	corpus=${PONTOON_FUZZ_CORPUS:+$PONTOON_FUZZ_CORPUS/$name}
	corpus=${corpus:-$WORK/corpus-$name}
	mkdir -p "$corpus" "$ART/$name"
	# -timeout: one input running for 10 s is a hang; -rss_limit_mb: a leak
	# or a runaway allocation; the whole run is bounded by timeout(1) too.
	timeout -s KILL $((SECS + 120)) "$exe" \
		-max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -detect_leaks=1 -artifact_prefix="$ART/$name/" \
		"$corpus" "$seeds" >"$WORK/$name.log" 2>&1 </dev/null
	echo $? >"$WORK/$name.rc"
}

running=0
for t in "${TARGETS[@]}"; do
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz_one "$t" &
	running=$((running + 1))
done
wait

fails=0
for t in "${TARGETS[@]}"; do
	log="$WORK/$t.log"
	rc=$(cat "$WORK/$t.rc" 2>/dev/null || echo 255)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	[ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n1)
	crashes=0
	why=
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed|ALARM: working on the last Unit|out-of-memory' "$log"; then
		crashes=1
		why=$(grep -m1 -E 'invariant failed|runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|ALARM|out-of-memory' "$log" | cut -c1-240)
	elif [ "$rc" -ne 0 ]; then
		crashes=1
		why="exit code $rc"
	fi
	echo "fuzz $t: ${runs:-0} runs, $crashes crashes"
	if [ $crashes -eq 0 ]; then
		echo "ok fuzz-$t"
		continue
	fi
	fails=$((fails + 1))
	input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n1)
	cp "$log" "$ART/$t/last-failure.log"
	echo "FAIL fuzz-$t: $why"
	{
		echo "---- fuzz-$t (log: $ART/$t/last-failure.log)"
		grep -E -A25 'invariant failed|ERROR: |runtime error:' "$log" | head -40
		[ -n "$input" ] && echo "replay: $BUILD/tests/fuzz/fuzz-$t $input"
	} >&2
done
[ $fails -eq 0 ]
