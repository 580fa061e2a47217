#!/usr/bin/env bash
# tests/run.sh ASAN_BUILD [RELEASE_BUILD] — runs every test of pontoon and
# ends with exactly one line "N passed, N failed, N skipped" (per test case).
#
#   unit         meson tests of suite 'unit' in ASAN_BUILD (cmocka; cases counted
#                from its summary lines; a crash or a sanitizer report fails)
#   kernel       suite 'kernel' likewise (each binary unshares a namespace; root)
#   integration  tests/integration/test-*.sh against ASAN_BUILD's plugins
#                (lines "ok NAME" / "FAIL NAME: why" / "skip NAME: why")
#   compat       tests/compat/compat.sh: reference vs pontoon (RELEASE_BUILD's
#                plugins, or ASAN_BUILD's when none is given), one case per sample
#   leaks        after everything: no namespace, root-namespace link or test
#                process left behind (each leak is a failed case)
#
# Environment:
#   PONTOON_TEST_PLUGINS=reference  run the integration tests against Debian's
#                                   containernetworking-plugins instead
#   PONTOON_TEST_ONLY=REGEX         run only the unit/kernel binaries and scripts
#                                   whose name matches
#   PONTOON_TEST_JOBS=N             scripts run at once (default 2)
#   PONTOON_TEST_VERBOSE=1          print every script's log, not only failing ones
# Logs: ASAN_BUILD/test-logs/.
set -u

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: tests/run.sh ASAN_BUILD [RELEASE_BUILD]" >&2
	exit 2
fi
SRC=$(cd "$(dirname "$0")/.." && pwd)
ASAN_BUILD=$(cd "$1" && pwd)
RELEASE_BUILD=
[ -n "${2:-}" ] && RELEASE_BUILD=$(cd "$2" && pwd)
JOBS=${PONTOON_TEST_JOBS:-2}
ONLY=${PONTOON_TEST_ONLY:-}
LOG="$ASAN_BUILD/test-logs"
rm -rf "$LOG"
mkdir -p "$LOG"

NPASS=0
NFAIL=0
NSKIP=0
FAILED_NAMES=()

# Marks every process the tests start, so leftovers can be found exactly.
export PONTOON_TEST_RUN="run-$$-$RANDOM"
# The tests' namespaces are named pt-r<this pid>-<test pid>-...
export PONTOON_TEST_NSPREFIX="r$$-"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0"
export CMOCKA_MESSAGE_OUTPUT=stdout
unset CMOCKA_XML_FILE

START=$EPOCHREALTIME
say() { printf '%s\n' "$*"; }
is_root() { [ "$(id -u)" -eq 0 ]; }
selected() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }
record_fail() { NFAIL=$((NFAIL + 1)); FAILED_NAMES+=("$1"); }

# ---------------------------------------------------------------- baseline

# What exists before the tests, so only what they leave counts as a leak.
ns_list() { ip netns list 2>/dev/null | awk '{print $1}' | sort; }
root_links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
# pontoon's own paths in the machine's file system: every test keeps its
# state under a PONTOON_ROOT of its own, so none may appear here.
machine_paths() {
	local d
	for d in /run/pontoon /var/lib/pontoon /var/lib/cni/networks /etc/cni/net.d; do
		[ -e "$d" ] && echo "$d"
	done
	return 0
}
BASE_NS=$(ns_list)
BASE_LINKS=$(root_links)
BASE_PATHS=$(machine_paths)
extra_root_links=$(comm -23 <(echo "$BASE_LINKS") <(printf '%s\n' lo eth0 | sort) | xargs)
[ -n "$extra_root_links" ] &&
	say "note: links in the root namespace before the tests (not counted): $extra_root_links" >&2

# ---------------------------------------------------------------- unit, kernel

# run_cmocka SUITE: every meson test of SUITE in ASAN_BUILD, counted per case.
run_cmocka() {
	local suite=$1 tests n i name cmd envs rc out p f s t
	tests=$(meson introspect --tests "$ASAN_BUILD" 2>/dev/null |
		jq -c --arg s "$suite" '.[] | select(any(.suite[]; . == $s or endswith(":" + $s)))')
	if [ -z "$tests" ]; then
		say "$suite: no tests registered" >&2
		return
	fi
	while IFS= read -r t; do
		name=$(jq -r .name <<<"$t")
		selected "$name" || continue
		out="$LOG/$suite-$name.log"
		mapfile -t cmd < <(jq -r '.cmd[]' <<<"$t")
		mapfile -t envs < <(jq -r '.env // {} | to_entries[] | "\(.key)=\(.value)"' <<<"$t")
		(
			cd "$(jq -r '.workdir // empty' <<<"$t" | grep . || echo "$ASAN_BUILD")" &&
				env "${envs[@]}" timeout -s KILL "$(jq -r '(.timeout // 60) * 2' <<<"$t")" "${cmd[@]}"
		) >"$out" 2>&1 </dev/null
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{ n += $1 } END { print n + 0 }')
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{ n += $1 } END { print n + 0 }')
		s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | awk '{ n += $1 } END { print n + 0 }')
		p=${p:-0} f=${f:-0} s=${s:-0}
		NPASS=$((NPASS + p))
		NSKIP=$((NSKIP + s))
		NFAIL=$((NFAIL + f))
		local why=
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$out"; then
			why="sanitizer report"
		elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
			why="exit code $rc (crash or timeout?)"
		fi
		if [ -n "$why" ]; then
			NFAIL=$((NFAIL + 1))
			f=$((f + 1))
		fi
		if [ "$f" -gt 0 ]; then
			FAILED_NAMES+=("$suite/$name")
			say "FAIL $suite/$name: $p passed, $f failed, $s skipped${why:+ ($why)}"
			grep -E '^\[  (FAILED|ERROR) |^\[   LINE   \]|ERROR:|runtime error' "$out" | head -20 | sed 's/^/    /'
			tail -n 15 "$out" | sed 's/^/    | /'
		else
			say "ok   $suite/$name: $p passed, $s skipped"
		fi
	done <<<"$tests"
}

say "== unit tests ($ASAN_BUILD)"
run_cmocka unit
say "== kernel tests"
if is_root; then
	run_cmocka kernel
else
	say "skip kernel: not root"
	NSKIP=$((NSKIP + 1))
fi

# ---------------------------------------------------------------- scripts

# BUILD/cni-plugins: a link per plugin type pontoon-cni contains (its usage
# message lists them), usable as CNI_PATH.
make_plugin_dir() {
	local t types
	types=$("$1/src/plugins/pontoon-cni" 2>&1 </dev/null | sed -n 's/^types: *//p')
	rm -rf "$1/cni-plugins"
	mkdir -p "$1/cni-plugins"
	for t in ${types:-bridge host-local static loopback}; do
		ln -sfn "$1/src/plugins/pontoon-cni" "$1/cni-plugins/$t"
	done
}
make_plugin_dir "$ASAN_BUILD"
[ -n "$RELEASE_BUILD" ] && make_plugin_dir "$RELEASE_BUILD"
for b in "$ASAN_BUILD" ${RELEASE_BUILD:+"$RELEASE_BUILD"}; do
	[ -x "$b/src/plugins/pontoon-cni" ] || say "note: $b/src/plugins/pontoon-cni is missing: plugin tests will fail" >&2
done

# Scripts, longest first so two jobs finish close together.
SCRIPTS=()
for s in test-bridge-basic test-concurrent test-bridge-options test-kill test-ipam \
	test-dualstack test-errors test-loopback test-vlan; do
	[ -f "$SRC/tests/integration/$s.sh" ] && SCRIPTS+=("integration/$s")
done
for f in "$SRC"/tests/integration/test-*.sh; do
	s="integration/$(basename "$f" .sh)"
	[[ " ${SCRIPTS[*]} " == *" $s "* ]] || SCRIPTS+=("$s")
done
SCRIPTS=("compat/compat" "${SCRIPTS[@]}")

# run_script NAME: runs tests/NAME.sh with its log, stdout and exit code in LOG.
run_script() {
	local name=$1 base="$LOG/${1//\//-}" build=$ASAN_BUILD
	[ "$name" = compat/compat ] && [ -n "$RELEASE_BUILD" ] && build=$RELEASE_BUILD
	PONTOON_BUILD=$build CNI_PATH="$build/cni-plugins" \
		timeout -s TERM 600 bash "$SRC/tests/$name.sh" >"$base.out" 2>"$base.err" </dev/null
	echo $? >"$base.rc"
}

# count_script NAME: counts the verdict lines of one script.
count_script() {
	local name=$1 base="$LOG/${1//\//-}" rc line n=0 bad=0
	rc=$(cat "$base.rc" 2>/dev/null || echo 255)
	while IFS= read -r line; do
		case "$line" in
		"ok "*) NPASS=$((NPASS + 1)); n=$((n + 1)) ;;
		"skip "*) NSKIP=$((NSKIP + 1)); n=$((n + 1)); say "    $line" ;;
		"FAIL "*) record_fail "$name: ${line#FAIL }"; n=$((n + 1)); bad=1; say "    $line" ;;
		esac
	done <"$base.out"
	if [ "$rc" -ne 0 ] && [ $bad -eq 0 ]; then
		record_fail "$name: exit code $rc"
		say "    FAIL $name: exit code $rc$([ "$rc" = 124 ] && echo ' (timed out)')"
		bad=1
	fi
	if [ $n -eq 0 ] && [ $bad -eq 0 ]; then
		record_fail "$name: reported no case"
		say "    FAIL $name: reported no case"
		bad=1
	fi
	if [ $bad -ne 0 ] || [ -n "${PONTOON_TEST_VERBOSE:-}" ]; then
		say "    --- $name: stderr (last 40 lines; all in $base.err)"
		tail -n 40 "$base.err" | sed 's/^/    | /'
	fi
}

say "== integration and compatibility tests (${PONTOON_TEST_PLUGINS:-pontoon} plugins, $JOBS at once)"
if ! is_root; then
	say "skip integration: not root (they need network namespaces)"
	NSKIP=$((NSKIP + 1))
else
	running=0
	for s in "${SCRIPTS[@]}"; do
		selected "$s" || continue
		if [ $running -ge "$JOBS" ]; then
			wait -n
			running=$((running - 1))
		fi
		run_script "$s" &
		running=$((running + 1))
	done
	wait
	for s in "${SCRIPTS[@]}"; do
		selected "$s" || continue
		say "-- $s ($(grep -c '^ok ' "$LOG/${s//\//-}.out") ok)"
		count_script "$s"
	done
fi

# ---------------------------------------------------------------- hardening
# >>> hardening block (issue 5; owner: tests/fuzz, tests/torture) >>>
# Fuzz targets of a clang build configured with -Dfuzz=true
# (PONTOON_FUZZ_BUILD, default SRC/build-fuzz; PONTOON_FUZZ_SECONDS per
# target, default 20), the plugins of RELEASE_BUILD under valgrind, crash
# and concurrency torture with ASAN_BUILD's plugins (cli-crash: with its
# pontoon CLI too). Each prints ok/FAIL/skip lines, counted like the
# scripts', and its figures. See docs/fuzzing.md.
say "== hardening: fuzzing, valgrind, crash and concurrency torture"
FUZZ_BUILD=${PONTOON_FUZZ_BUILD:-$SRC/build-fuzz}
HARDENING=()
if selected fuzz/run; then
	if [ -x "$FUZZ_BUILD/tests/fuzz/fuzz-cni_conf" ]; then
		"$SRC/tests/fuzz/run.sh" "$FUZZ_BUILD" "${PONTOON_FUZZ_SECONDS:-20}" \
			>"$LOG/fuzz-run.out" 2>"$LOG/fuzz-run.err" </dev/null
		echo $? >"$LOG/fuzz-run.rc"
		HARDENING+=(fuzz/run)
	else
		say "skip fuzz: no fuzz build in $FUZZ_BUILD (CC=clang meson setup $FUZZ_BUILD -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false)"
		NSKIP=$((NSKIP + 1))
	fi
fi
if ! is_root; then
	say "skip valgrind and torture: not root (they need network namespaces)"
	NSKIP=$((NSKIP + 1))
else
	if selected torture/valgrind; then
		if [ -n "$RELEASE_BUILD" ]; then
			CNI_PATH="$RELEASE_BUILD/cni-plugins" timeout -s TERM 600 bash "$SRC/tests/torture/valgrind.sh" \
				>"$LOG/torture-valgrind.out" 2>"$LOG/torture-valgrind.err" </dev/null
			echo $? >"$LOG/torture-valgrind.rc"
			HARDENING+=(torture/valgrind)
		else
			say "skip valgrind: no RELEASE_BUILD given (valgrind needs a build without ASan)"
			NSKIP=$((NSKIP + 1))
		fi
	fi
	for s in torture/crash torture/cli-crash torture/concurrency; do
		selected "$s" || continue
		run_script "$s"
		HARDENING+=("$s")
	done
fi
for s in "${HARDENING[@]}"; do
	grep -h -E '^(fuzz [a-z_]+: |valgrind: |crash torture: |cli crash torture: |concurrency torture: )' "$LOG/${s//\//-}.out" | sed 's/^/   /'
	count_script "$s"
done
# <<< hardening block <<<

# ---------------------------------------------------------------- leaks

say "== leaks"
leaks=0
for n in $(ns_list | grep "^pt-$PONTOON_TEST_NSPREFIX"); do
	say "FAIL leak: network namespace $n left behind (deleting it)"
	record_fail "leak: netns $n"
	leaks=$((leaks + 1))
	for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	ip netns del "$n" 2>/dev/null
done
# Namespaces not named like ours that appeared meanwhile: someone else's
# (a developer's other run), or a test that named one by hand.
# In CI nothing else runs, so they are ours and count.
for n in $(comm -13 <(echo "$BASE_NS") <(ns_list) | grep -v "^pt-$PONTOON_TEST_NSPREFIX"); do
	if [ -n "${CI:-}" ]; then
		say "FAIL leak: network namespace $n left behind"
		record_fail "leak: netns $n"
		leaks=$((leaks + 1))
	else
		say "note: network namespace $n appeared during the run, not named by lib.sh: someone else's? (not counted outside CI)" >&2
	fi
done
for l in $(comm -13 <(echo "$BASE_LINKS") <(root_links)); do
	say "FAIL leak: link $l left in the root namespace"
	record_fail "leak: link $l"
	leaks=$((leaks + 1))
done
for d in $(comm -13 <(echo "$BASE_PATHS") <(machine_paths)); do
	say "FAIL leak: $d created in the machine's file system"
	record_fail "leak: path $d"
	leaks=$((leaks + 1))
done
# Processes carrying this run's marker, found by a process that does not
# carry it; killed by pid.
left=$(env -u PONTOON_TEST_RUN bash -c '
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}; p=${p%/environ}
		[ "$p" = "$2" ] && continue
		{ tr "\0" "\n" <"$e"; } 2>/dev/null | grep -qx "PONTOON_TEST_RUN=$1" && echo "$p"
	done' _ "$PONTOON_TEST_RUN" "$$")
for p in $left; do
	say "FAIL leak: process $p left running: $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | cut -c1-120) (killing it)"
	record_fail "leak: process $p"
	leaks=$((leaks + 1))
	kill -KILL "$p" 2>/dev/null
done
if [ $leaks -eq 0 ]; then
	say "ok   nothing left behind (namespaces, root links, pontoon paths of the machine, processes)"
	NPASS=$((NPASS + 1))
fi

# ---------------------------------------------------------------- summary

if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
	say "== failed"
	printf '   %s\n' "${FAILED_NAMES[@]}"
fi
awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "== took %.0f s\n", b - a }'
say "$NPASS passed, $NFAIL failed, $NSKIP skipped"
[ "$NFAIL" -eq 0 ]
