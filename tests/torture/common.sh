# shellcheck shell=bash
# Shared by tests/torture/*.sh: a throwaway host namespace the whole run
# lives in, container namespaces, running a plugin the way a runtime does,
# the checks that nothing is left behind, and the cleanup trap.
#
# Why a file of its own and not tests/integration/lib.sh: the torture runs
# thousands of plugin processes, many at once and killed at will, so it
# starts them directly (no `ip netns exec`, no timeout(1) in between, which
# would take the SIGKILL instead of the plugin) and counts results itself.
#
# Usage: . common.sh NAME BUILD   (BUILD holds src/plugins/pontoon-cni;
#        CNI_PATH, when set, wins, as tests/run.sh sets it)
set -u

TT_NAME=$1
TT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$TT_SRC/tests/gc-lock.sh"
if [ -n "${TT_IN_HOST:-}" ]; then
	# The second half of a run, inside the host namespace (tt_enter_host):
	# same names and directory as the first half, which cleans up.
	TT_PREFIX=$TT_PREFIX_PARENT
	TT_TMP=$TT_TMP_PARENT
else
	TT_PREFIX="ptt-$TT_NAME-$$"
	TT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pontoon-torture.$TT_NAME.$$.XXXXXX")
fi
TT_PIDS=()
TT_NFAIL=0
mkdir -p "$TT_TMP/san" "$TT_TMP/ipam" "$TT_TMP/out"

if [ -z "${CNI_PATH:-}" ]; then
	build=${2:-${PONTOON_BUILD:-$TT_SRC/build}}
	[ -x "$build/src/plugins/pontoon-cni" ] || { echo "FAIL torture-$TT_NAME: no $build/src/plugins/pontoon-cni"; exit 1; }
	CNI_PATH="$TT_TMP/plugins"
	mkdir -p "$CNI_PATH"
	for t in bridge host-local static loopback; do
		ln -s "$(cd "$build" && pwd)/src/plugins/pontoon-cni" "$CNI_PATH/$t"
	done
fi
export CNI_PATH
export PONTOON_ROOT="$TT_TMP/root"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$TT_TMP/san/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0:log_path=$TT_TMP/san/ubsan"
export PONTOON_TEST_RUN=${PONTOON_TEST_RUN:-$$}

tt_say() { printf '%s\n' "$*"; }
tt_log() { printf '%s\n' "$*" >&2; }
tt_ok() { tt_say "ok $1"; }
tt_fail() { tt_say "FAIL $1: $2"; TT_NFAIL=$((TT_NFAIL + 1)); }

tt_cleanup() {
	local rc=$? n p
	trap - EXIT INT TERM
	for p in "${TT_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${TT_IN_HOST:-}" ] && exit $((rc == 0 && TT_NFAIL == 0 ? 0 : 1))
	for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$TT_PREFIX-"); do
		for p in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$n" 2>/dev/null || tt_log "cannot delete netns $n"
	done
	if [ -n "${PT_KEEP:-}" ]; then
		tt_log "kept $TT_TMP"
	else
		rm -rf "$TT_TMP"
	fi
	[ "$TT_NFAIL" -eq 0 ] && [ "$rc" -eq 0 ] && exit 0
	exit 1
}
trap tt_cleanup EXIT
trap 'exit 130' INT TERM

tt_ns() { printf '%s-%s' "$TT_PREFIX" "$1"; }
tt_ns_new() { # NAME...
	local n
	for n in "$@"; do
		ip netns add "$(tt_ns "$n")" && ip -n "$(tt_ns "$n")" link set lo up || return 1
	done
}

# Runs the rest of the script inside the host namespace: every plugin the
# script starts then lives there, as in the machine's own namespace.
tt_enter_host() {
	local self=$1
	shift
	if [ -z "${TT_IN_HOST:-}" ]; then
		tt_ns_new host || { tt_fail "torture-$TT_NAME" "cannot create namespaces"; exit 1; }
		TT_IN_HOST=1 TT_TMP_PARENT="$TT_TMP" TT_PREFIX_PARENT="$TT_PREFIX" \
			ip netns exec "$(tt_ns host)" bash "$self" "$@"
		exit $?
	fi
}

# tt_plugin CMD CONF-FILE CONTAINER [IFNAME] [ENV...]: starts the bridge
# plugin in the background with stdout in $TT_TMP/out/$TT_SEQ; sets TT_PID.
TT_SEQ=0
tt_plugin() {
	local cmd=$1 conf=$2 cid=$3 ifn=${4:-eth0} ns
	shift 4
	TT_SEQ=$((TT_SEQ + 1))
	ns=
	[ -n "$cid" ] && ns="/run/netns/$(tt_ns "c-$cid")"
	TT_OUT="$TT_TMP/out/$BASHPID.$TT_SEQ"
	env CNI_COMMAND="$cmd" CNI_CONTAINERID="$cid" CNI_NETNS="$ns" CNI_IFNAME="$ifn" \
		CNI_PATH="$CNI_PATH" "$@" "$CNI_PATH/bridge" <"$conf" >"$TT_OUT" \
		2>>"$TT_TMP/plugin.stderr" &
	TT_PID=$!
}

# A sleep of a fraction of a second without starting a process (a FIFO
# nobody writes to), so a kill lands within a few hundred µs of the aim.
[ -p "$TT_TMP/sleep.fifo" ] || mkfifo "$TT_TMP/sleep.fifo"
exec 9<>"$TT_TMP/sleep.fifo"
tt_usleep() { read -r -t "$(printf '0.%06d' "$1")" -u 9 _ 2>/dev/null; true; }

# Sanitizer reports so far (any is a failure).
tt_sanitizer_reports() {
	local f
	for f in "$TT_TMP"/san/*; do
		[ -e "$f" ] || continue
		grep -m1 -E 'ERROR|runtime error|SUMMARY' "$f" | cut -c1-200
	done
}

# tt_ipam_leftovers DIR WHAT: what a host-local data directory still holds
# besides its lock and hints (reservations, attachment and temporary files),
# and its lock when somebody holds it; one line each, prefixed by WHAT.
tt_ipam_leftovers() {
	local f
	for f in "$1"/* "$1"/.[!.]*; do
		[ -e "$f" ] || continue
		case "${f##*/}" in
		lock | last_reserved_ip.*) ;;
		*) echo "$2 file: ${f##*/} ($(tr '\r\n' '  ' <"$f" | cut -c1-60))" ;;
		esac
	done
	[ -e "$1/lock" ] && ! flock -n "$1/lock" true && echo "$2: lock held"
	return 0
}


# What a network may hold once everything is deleted: lo and the bridge in
# the host, lo in each container, only lock and last_reserved_ip.* in the
# dataDir, the lock free, only the GC lock file under PONTOON_ROOT, free.
# Prints one line per leftover.
tt_leftovers() { # BRIDGE NETWORK CONTAINER-IDS...
	local br=$1 net=$2 c d=$TT_TMP/ipam/$2 f
	shift 2
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -vx -e lo -e "$br" |
		sed 's/^/host link: /'
	ip -o addr show | awk '$2 != "lo" && $2 != "'"$br"'" {print "host address: " $2 " " $4}'
	for c in "$@"; do
		ip -n "$(tt_ns "c-$c")" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' |
			grep -vx lo | sed "s/^/container $c link: /"
	done
	[ -d "$d" ] && tt_ipam_leftovers "$d" "dataDir"
	find "$TT_TMP/root" -type f 2>/dev/null | grep -vx "$TT_TMP/root/run/pontoon/gc.lock" |
		sed 's/^/file under PONTOON_ROOT: /'
	gc_lock_held "$TT_TMP/root/run/pontoon/gc.lock" && echo "plugins' GC lock held"
}
