# Sourced first thing by the CLI test scripts (test-cli*.sh): the script
# re-executes itself in a network and mount namespace of its own that plays
# the host, sources lib.sh, and gets the pontoon CLI ($PONTOON, pt,
# pt_expect), a PONTOON_ROOT per case (newroot/endroot) and a cleanup that
# ends what the script started in its namespace.
#
# A script may define, before sourcing this file or after it:
#   cli_before_newroot   run at the start of every newroot
#   cli_cleanup_extra    run at exit, before lib.sh's pt_cleanup
if [ -z "${PT_CLI_INNER:-}" ]; then
	PT_CLI_INNER=1 exec unshare --net --mount --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"

PONTOON_BUILD=${PONTOON_BUILD:-$PT_SRC/build}
PONTOON_BUILD=$(cd "$PONTOON_BUILD" && pwd)
PONTOON=$PONTOON_BUILD/src/cli/pontoon
export PONTOON_CNI_PATH=$CNI_PATH
ip link set lo up

# Every process still in this namespace at the end was started here.
cli_cleanup_procs() {
	local me p
	me=$(readlink /proc/self/ns/net)
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$me" ] || continue
		[ "${p#/proc/}" = $$ ] || [ "${p#/proc/}" = "$BASHPID" ] && continue
		# our own ancestors (bash, unshare) are in it too
		grep -q "PT_CLI_INNER=1" "$p/environ" 2>/dev/null && [ "$(cat "$p/comm")" = bash ] && continue
		case "$(cat "$p/comm" 2>/dev/null)" in
		pontoon|sleep|socat|python3|python|nc) kill -KILL "${p#/proc/}" 2>/dev/null ;;
		esac
	done
}
# Pins and mounts a failed case left (its endroot never ran): unmounted
# so that the temporary directory can go.
cli_cleanup_mounts() {
	awk -v t="$PT_TMP/" 'index($2, t) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
}
# pt_cleanup reads the script's exit status from $?: handed on to it.
cli_on_exit() {
	local rc=$?
	cli_cleanup_procs
	cli_cleanup_mounts
	if declare -F cli_cleanup_extra >/dev/null; then cli_cleanup_extra; fi
	(exit "$rc")
	pt_cleanup
}
trap cli_on_exit EXIT

pt() { "$PONTOON" "$@"; }
# Expects exit code CODE from pontoon ARGS; the error must be one line.
# Prints the output.
pt_expect() {
	local want=$1 out rc
	shift
	out=$("$PONTOON" "$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || fail "pontoon $*: exit $rc, want $want: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" -le 1 ] || fail "pontoon $*: error is not one line: $out"
	printf '%s' "$out"
}
newroot() {
	declare -F cli_before_newroot >/dev/null && cli_before_newroot
	export PONTOON_ROOT="$PT_TMP/root-$1"
	mkdir -p "$PONTOON_ROOT/etc/cni/net.d"
}
# Removes every container and network of the current root.
endroot() {
	local c
	for c in $(pt ps --json | jq -r '.[].name'); do pt rm -f "$c" >/dev/null; done
	pt network prune >/dev/null
	umount "$PONTOON_ROOT/run/pontoon/netns" 2>/dev/null
	return 0
}
has_plugin() { CNI_COMMAND=VERSION "$CNI_PATH/$1" </dev/null >/dev/null 2>&1; }
