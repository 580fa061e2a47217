# shellcheck shell=bash
# Helpers for pontoon's integration tests (sourced by tests/integration/test-*.sh
# and tests/compat/compat.sh).
#
# Why: every test touches the kernel, so every test must do it inside network
# namespaces of its own and remove them whatever happens; and tests/run.sh must
# be able to count results per case. This file gives both:
#
#   - one throwaway "host" namespace per test (pt-<pid>-host) in which the
#     plugins run, container namespaces pt-<pid>-<name>, and an EXIT trap that
#     kills what the test started (by pid) and deletes every pt-<pid>-*
#     namespace and the test's temporary directory;
#   - cases: `run_case NAME FUNC ARGS...` runs FUNC in a subshell and prints
#     exactly one of `ok NAME`, `FAIL NAME: reason`, `skip NAME: reason` on
#     stdout. Everything else a test prints goes to stderr.
#   - cni_run and friends, which run a plugin the way a CNI runtime does.
#
# Which plugins run:
#   PONTOON_TEST_PLUGINS=reference   Debian's containernetworking-plugins (/usr/lib/cni)
#   PONTOON_TEST_PLUGINS=pontoon     (default) CNI_PATH if set, else a directory of
#                                    links to $PONTOON_BUILD/src/plugins/pontoon-cni
#                                    (PONTOON_BUILD defaults to ./build).
# Sanitizers: plugins built with ASan/UBSan write their reports under the
# test's temporary directory (log_path); any report fails the case it came from.

set -u

PT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$PT_SRC/tests/gc-lock.sh"
# tests/run.sh sets PONTOON_TEST_NSPREFIX so that it can tell its own
# namespaces from anyone else's.
PT_PREFIX="pt-${PONTOON_TEST_NSPREFIX:-}$$"
PT_HOST="$PT_PREFIX-host"
PT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pontoon-test.$$.XXXXXX")
PT_IMPL=${PONTOON_TEST_PLUGINS:-pontoon}
PT_NPASS=0
PT_NFAIL=0
PT_NSKIP=0
PT_ENV=()		# extra VAR=value for every plugin run (e.g. PONTOON_TEST_KILL_AT)
PT_RESULT=		# the result JSON of the last cni_add
mkdir -p "$PT_TMP/san" "$PT_TMP/ipam"
: >"$PT_TMP/pids"

# Every process the tests start carries this marker, so tests/run.sh can find
# leftovers precisely (and kill only those, by pid).
export PONTOON_TEST_RUN=${PONTOON_TEST_RUN:-$$}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}:log_path=$PT_TMP/san/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=0}:log_path=$PT_TMP/san/ubsan"
export LSAN_OPTIONS="${LSAN_OPTIONS:-}"
# pontoon's state root (ARCHITECTURE.md "State"): never the machine's.
export PONTOON_ROOT="$PT_TMP/root"

# ---------------------------------------------------------------- plugins

# The plugin types BUILD's pontoon-cni contains (from its usage message).
pt_plugin_types() {
	local t
	t=$("$1/src/plugins/pontoon-cni" 2>&1 </dev/null | sed -n 's/^types: *//p')
	echo "${t:-bridge host-local static loopback}"
}
# Makes DIR/<type> links to BUILD's pontoon-cni, one per type it contains.
pt_make_plugin_dir() {
	local build=$1 dir=$2 t
	mkdir -p "$dir"
	for t in $(pt_plugin_types "$build"); do
		ln -sfn "$(cd "$build" && pwd)/src/plugins/pontoon-cni" "$dir/$t"
	done
}

case "$PT_IMPL" in
reference)
	CNI_PATH=/usr/lib/cni ;;
pontoon)
	if [ -z "${CNI_PATH:-}" ]; then
		PONTOON_BUILD=${PONTOON_BUILD:-$PT_SRC/build}
		CNI_PATH="$PONTOON_BUILD/cni-plugins"
		pt_make_plugin_dir "$PONTOON_BUILD" "$CNI_PATH"
	fi ;;
*)
	echo "lib.sh: PONTOON_TEST_PLUGINS must be 'pontoon' or 'reference'" >&2
	exit 2 ;;
esac
export CNI_PATH

# ---------------------------------------------------------------- cases

oneline() { printf '%s' "$*" | tr '\n\t' '  ' | sed 's/  */ /g' | cut -c1-400; }

# Records why the current case failed and leaves its subshell. Inside a
# command substitution only that subshell ends, but the reason is recorded,
# so the case still fails.
fail() {
	printf '%s\n' "$(oneline "$*")" >>"$PT_TMP/reason"
	echo "    FAIL: $*" >&2
	exit 1
}

# Ends the current case as skipped, with a reason (a skip never counts as a pass).
skip() {
	printf '%s\n' "$(oneline "$*")" >>"$PT_TMP/skip"
	exit 77
}

pt_reference() { [ "$PT_IMPL" = reference ]; }

# A test of a behaviour only pontoon has: skipped against the reference.
pontoon_only() {
	pt_reference && skip "pontoon-only: $*"
	return 0
}

# A feature the CNI plugins gained after Debian's reference (1.1.1): the test
# follows the upstream documentation and cannot be checked against Debian's.
needs_newer_reference() {
	pt_reference && skip "reference plugins $(pt_ref_version) predate $*"
	return 0
}

pt_ref_version() {
	dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo '?'
}

# Sanitizer reports written since the last call; moves them aside and prints
# the first error line of each.
pt_sanitizer_reports() {
	local f
	for f in "$PT_TMP"/san/*; do
		[ -e "$f" ] || continue
		echo "---- sanitizer report $f" >&2
		cat "$f" >&2
		grep -m1 -E 'ERROR|runtime error|SUMMARY' "$f" | cut -c1-200
		mkdir -p "$PT_TMP/san-seen"
		mv "$f" "$PT_TMP/san-seen/"
	done
}

# run_case NAME FUNC [ARGS...]: runs one case in a subshell, prints its verdict.
run_case() {
	local name=$1 rc reason skipr san t0
	shift
	: >"$PT_TMP/reason"
	: >"$PT_TMP/skip"
	t0=$EPOCHREALTIME
	echo "=== $name" >&2
	( "$@" ) >&2
	rc=$?
	reason=$(head -n1 "$PT_TMP/reason")
	[ "$(wc -l <"$PT_TMP/reason")" -gt 1 ] &&
		reason="$reason (+$(($(wc -l <"$PT_TMP/reason") - 1)) more)"
	skipr=$(head -n1 "$PT_TMP/skip")
	san=$(pt_sanitizer_reports | head -n1)
	if [ -n "$san" ]; then
		reason="sanitizer: $san${reason:+; $reason}"
	fi
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "    (%.1fs)\n", b - a }' >&2
	if [ -n "$reason" ]; then
		echo "FAIL $name: $reason"
		PT_NFAIL=$((PT_NFAIL + 1))
	elif [ -n "$skipr" ] || [ $rc -eq 77 ]; then
		echo "skip $name: ${skipr:-no reason given}"
		PT_NSKIP=$((PT_NSKIP + 1))
	elif [ $rc -ne 0 ]; then
		echo "FAIL $name: exit code $rc"
		PT_NFAIL=$((PT_NFAIL + 1))
	else
		echo "ok $name"
		PT_NPASS=$((PT_NPASS + 1))
	fi
}

# ---------------------------------------------------------------- assertions

assert_eq() { # EXPECTED ACTUAL WHAT
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}
assert_ne() { # UNEXPECTED ACTUAL WHAT
	[ "$1" != "$2" ] || fail "${3:-value}: must not be '$1'"
}
assert_match() { # ERE STRING WHAT
	[[ $2 =~ $1 ]] || fail "${3:-value}: '$2' does not match /$1/"
}
assert_contains() { # HAYSTACK NEEDLE WHAT
	case "$1" in *"$2"*) ;; *) fail "${3:-output} lacks '$2': $(oneline "$1")" ;; esac
}
assert_not_contains() { # HAYSTACK NEEDLE WHAT
	case "$1" in *"$2"*) fail "${3:-output} contains '$2': $(oneline "$1")" ;; esac
}
# assert_json JSON JQ-FILTER EXPECTED [WHAT]: jq -r FILTER must print EXPECTED.
assert_json() {
	local got
	got=$(jq -r "$2" <<<"$1" 2>&1) || fail "${4:-json}: jq '$2' failed on: $(oneline "$1")"
	[ "$got" = "$3" ] || fail "${4:-json} $2: expected '$3', got '$(oneline "$got")'"
}
# assert_ok CMD...: the command must succeed.
assert_ok() {
	local out
	out=$("$@" 2>&1) || fail "'$*' failed: $(oneline "$out")"
}
# assert_fails CMD...: the command must fail.
assert_fails() {
	local out
	out=$("$@" 2>&1) && fail "'$*' succeeded but must fail: $(oneline "$out")"
	return 0
}
# wait_until SECONDS CMD...: polls CMD every 0.1 s; 1 when it never succeeds.
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# ---------------------------------------------------------------- namespaces

# The full name of a namespace of this test: "c1" -> pt-<pid>-c1.
ns() { printf '%s-%s' "$PT_PREFIX" "$1"; }

ns_new() { # NAME...
	local n
	for n in "$@"; do
		ip netns add "$(ns "$n")" || fail "ip netns add $(ns "$n")"
		ip -n "$(ns "$n")" link set lo up
	done
}
# Deletes namespace NAME, first killing (by pid) what this test runs in it:
# a process left inside would keep the namespace alive, unnamed and unseen.
ns_del() {
	local p
	for p in $(ip netns pids "$(ns "$1")" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	ip netns del "$(ns "$1")"
}
ns_exists() { [ -e "/run/netns/$(ns "$1")" ]; }
# nsx NAME CMD...: runs CMD inside namespace NAME ("host" is the test's host).
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
# ipn NAME ARGS...: `ip` in namespace NAME.
ipn() { local n=$1; shift; ip -n "$(ns "$n")" "$@"; }

# Starts CMD in the background, remembering its pid for the cleanup trap.
# `pt_spawn nsx NAME CMD...` becomes `ip netns exec`, which execs CMD, so the
# pid remembered is CMD's own (a shell function would leave a subshell
# between them).
pt_spawn() {
	[ "$1" = nsx ] && set -- ip netns exec "$(ns "$2")" "${@:3}"
	"$@" &
	echo $! >>"$PT_TMP/pids"
}

# Kills PID and every descendant of it (children first found, then killed).
pt_kill_tree() {
	local pid=$1 c
	for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
		pt_kill_tree "$c"
	done
	kill -KILL "$pid" 2>/dev/null
}

pt_cleanup() {
	local rc=$? pid n p
	trap - EXIT INT TERM
	trap '' PIPE
	while read -r pid; do
		[ -n "$pid" ] && pt_kill_tree "$pid"
	done <"$PT_TMP/pids"
	for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PT_PREFIX-"); do
		# Whatever still runs inside a namespace this test made was
		# started by this test.
		for p in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$n" 2>/dev/null || echo "lib.sh: cannot delete netns $n" >&2
	done
	local left
	left=$(pt_sanitizer_reports)
	if [ -n "$left" ]; then
		echo "FAIL sanitizer: report outside any case: $(oneline "$left")"
		PT_NFAIL=$((PT_NFAIL + 1))
	fi
	if [ -n "${PT_KEEP:-}" ]; then
		echo "lib.sh: kept $PT_TMP" >&2
	else
		rm -rf "$PT_TMP"
	fi
	echo "# $(basename "$0"): $PT_NPASS passed, $PT_NFAIL failed, $PT_NSKIP skipped" >&2
	[ $PT_NFAIL -eq 0 ] && [ $rc -eq 0 ] && exit 0
	exit 1
}
trap pt_cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 141' PIPE

# Creates the host namespace of this test (pt-<pid>-host): the plugins run
# in it as they would in the machine's own namespace.
pt_host_new() {
	ns_new host
}

# ---------------------------------------------------------------- CNI

pt_netns_path() { # NAME | /abs/path
	case "$1" in
	/*) printf '%s' "$1" ;;
	*) printf '/run/netns/%s' "$(ns "$1")" ;;
	esac
}

# cni_run CMD NS CONTAINERID IFNAME CONF
# Runs the plugin named by CONF's "type" (or $PT_PLUGIN) inside the host
# namespace as a runtime would: CNI_NETNS=/run/netns/pt-<pid>-NS (NS may also
# be an absolute path; empty: no CNI_NETNS), CONF on stdin. Empty CONTAINERID
# or IFNAME leave the variable unset; CNI_ARGS is passed when set.
# Prints the plugin's stdout and returns its exit code (137: killed by SIGKILL).
cni_run() {
	local cmd=$1 cns=$2 cid=$3 ifn=$4 conf=$5 type
	type=${PT_PLUGIN:-$(jq -r '.type // empty' <<<"$conf" 2>/dev/null)}
	type=${type:-bridge}
	local -a envs=("CNI_COMMAND=$cmd" "CNI_PATH=$CNI_PATH")
	[ -n "$cid" ] && envs+=("CNI_CONTAINERID=$cid")
	[ -n "$cns" ] && envs+=("CNI_NETNS=$(pt_netns_path "$cns")")
	[ -n "$ifn" ] && envs+=("CNI_IFNAME=$ifn")
	[ -n "${CNI_ARGS:-}" ] && envs+=("CNI_ARGS=$CNI_ARGS")
	echo "  \$ CNI_COMMAND=$cmd CNI_CONTAINERID=$cid CNI_IFNAME=$ifn ${CNI_ARGS:+CNI_ARGS=$CNI_ARGS }${PT_ENV[*]} $type" >&2
	printf '%s' "$conf" | ip netns exec "$PT_HOST" \
		env -u CNI_CONTAINERID -u CNI_NETNS -u CNI_IFNAME -u CNI_ARGS \
		"${envs[@]}" "${PT_ENV[@]}" \
		timeout -s KILL 60 "$CNI_PATH/$type" 2>>"$PT_TMP/plugin.stderr"
}

# cni_run_env CONF VAR=value...: runs the plugin of CONF's "type" (or
# $PT_PLUGIN) in the host namespace with exactly these CNI variables (plus
# PATH, the sanitizer options and PONTOON_ROOT, so the plugins' GC lock is
# the test's, not the machine's); prints stdout, returns the exit code.
cni_run_env() {
	local conf=$1 type
	shift
	type=${PT_PLUGIN:-$(jq -r '.type // empty' <<<"$conf" 2>/dev/null)}
	type=${type:-bridge}
	echo "  \$ $* $type" >&2
	printf '%s' "$conf" | ip netns exec "$PT_HOST" env -i PATH="$PATH" \
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		PONTOON_TEST_RUN="$PONTOON_TEST_RUN" PONTOON_ROOT="$PONTOON_ROOT" "$@" \
		timeout -s KILL 60 "$CNI_PATH/$type" 2>>"$PT_TMP/plugin.stderr"
}

# The config of a bridge network with host-local IPAM in this test's dataDir,
# then FILTER (a jq expression) applied: bridge_conf '.mtu = 1400'.
PT_SUBNET4=10.99.0.0/24
PT_SUBNET6=fd99::/64
bridge_conf() {
	jq -c -n --arg v "${PT_CNI_VERSION:-1.0.0}" --arg d "$PT_TMP/ipam" \
		--arg s "$PT_SUBNET4" "{
		cniVersion: \$v, name: \"ptnet\", type: \"bridge\", bridge: \"cni0\",
		isGateway: true,
		ipam: {type: \"host-local\", dataDir: \$d, ranges: [[{subnet: \$s}]]}
	} | ${1:-.}"
}

# CONF with prevResult set to RESULT.
conf_prev() { jq -c --argjson r "$2" '.prevResult = $r' <<<"$1"; }

# The saved ADD result of CONTAINERID/IFNAME (empty when none).
pt_result() { cat "$PT_TMP/result.$1.$2" 2>/dev/null; }

# cni_add NS CONTAINERID IFNAME CONF: ADD that must succeed with a JSON
# result; the result is in $PT_RESULT and saved for cni_check/cni_del.
cni_add() {
	local out rc
	out=$(cni_run ADD "$@")
	rc=$?
	[ $rc -eq 0 ] || fail "ADD $2/$3 exited $rc: $out $(tail -n3 "$PT_TMP/plugin.stderr" 2>/dev/null)"
	jq -e .cniVersion >/dev/null 2>&1 <<<"$out" || fail "ADD $2/$3 printed no result: $out"
	printf '%s\n' "$out" >"$PT_TMP/result.$2.$3"
	PT_RESULT=$out
}
# cni_check NS CONTAINERID IFNAME CONF: CHECK with the saved prevResult must succeed.
cni_check() {
	local out rc
	out=$(cni_run CHECK "$1" "$2" "$3" "$(conf_prev "$4" "$(pt_result "$2" "$3")")")
	rc=$?
	[ $rc -eq 0 ] || fail "CHECK $2/$3 exited $rc: $out"
	[ -z "$out" ] || fail "CHECK $2/$3 printed something on success: $out"
}
# cni_del NS CONTAINERID IFNAME CONF: DEL (with the saved prevResult if any) must succeed.
cni_del() {
	local out rc conf=$4 prev
	prev=$(pt_result "$2" "$3")
	[ -n "$prev" ] && conf=$(conf_prev "$conf" "$prev")
	out=$(cni_run DEL "$1" "$2" "$3" "$conf")
	rc=$?
	[ $rc -eq 0 ] || fail "DEL $2/$3 exited $rc: $out"
	[ -z "$out" ] || fail "DEL $2/$3 printed something on success: $out"
}
# cni_expect_error CODE CMD NS CID IFNAME CONF: the command must fail with a
# CNI error JSON of that code on stdout; the error is left in $PT_ERROR.
cni_expect_error() { # EXPECTED-CODE CMD NS CID IFNAME CONF
	local want=$1 out rc
	shift
	out=$(cni_run "$@")
	rc=$?
	[ $rc -ne 0 ] || fail "$1 succeeded but must fail with code $want: $out"
	jq -e 'has("code") and has("msg")' >/dev/null 2>&1 <<<"$out" ||
		fail "$1 exited $rc without a CNI error JSON on stdout: $out"
	assert_json "$out" .code "$want" "error of $1 ($(jq -r .msg <<<"$out"))"
	PT_ERROR=$out
}

# The address (without prefix length) of family 4 or 6 in RESULT.
res_ip() { # RESULT 4|6
	local sel='contains(":") | not'
	[ "$2" = 6 ] && sel='contains(":")'
	jq -r "[.ips[] | .address | select($sel)][0] // empty | split(\"/\")[0]" <<<"$1"
}
res_host_veth() { # RESULT: the host side interface (no sandbox, not the bridge)
	jq -r --arg br "${2:-cni0}" '[.interfaces[] | select((.sandbox // "") == "" and .name != $br)][0].name // empty' <<<"$1"
}

# ---------------------------------------------------------------- kernel state

# ping_ok NS ADDR [PING-OPTION...]: ADDR answers from NS (three tries:
# neighbours, DAD).
ping_ok() {
	local ns=$1 dst=$2 i
	shift 2
	for i in 1 2 3; do
		nsx "$ns" ping -c1 -W1 -q "$@" "$dst" >/dev/null 2>&1 && return 0
		sleep 0.3
	done
	fail "ping from $ns${*:+ ($*)} to $dst: no answer"
}
# ping_fails NS ADDR: ADDR must not answer from NS.
ping_fails() {
	nsx "$1" ping -c2 -i0.2 -W1 -q "$2" >/dev/null 2>&1 &&
		fail "ping from $1 to $2 answered but must not"
	return 0
}
# The names of the links in NS, sorted, one a line.
ns_links() { ipn "$1" -j link show | jq -r '.[].ifname' | sort; }
# JSON of one link with details (ip -d -j link show).
link_json() { ipn "$1" -d -j link show dev "$2" | jq -c '.[0]'; }
# Addresses of IF in NS with prefix, sorted: "10.99.0.2/24".
link_addrs() { ipn "$1" -j addr show dev "$2" | jq -r '.[0].addr_info[] | "\(.local)/\(.prefixlen)"' | sort; }
# The address reservations in IPAM network NAME's dataDir: the files named
# after an address (the reference's layout; other files, such as an index
# kept beside them, are not reservations).
ipam_reservations() { # [NAME]
	local d="$PT_TMP/ipam/${1:-ptnet}" f n
	[ -d "$d" ] || return 0
	for f in "$d"/*; do
		[ -e "$f" ] || continue
		n=${f##*/}
		[[ $n =~ ^[0-9]+(\.[0-9]+){3}$ || $n =~ ^[0-9a-f:]+$ ]] && echo "$n"
	done
	return 0
}
# Files of NAME's dataDir other than reservations, lock and last_reserved_ip.*.
ipam_other_files() { # [NAME]
	local d="$PT_TMP/ipam/${1:-ptnet}" f n
	[ -d "$d" ] || return 0
	for f in "$d"/* "$d"/.[!.]*; do
		[ -e "$f" ] || continue
		n=${f##*/}
		[[ $n =~ ^[0-9]+(\.[0-9]+){3}$ || $n =~ ^[0-9a-f:]+$ || $n == lock || $n =~ ^last_reserved_ip\.[0-9]+$ ]] ||
			echo "$n"
	done
	return 0
}
