#!/usr/bin/env bash
# pontoon-only: crash safety of bridge ADD. The bridge plugin honours
# PONTOON_TEST_KILL_AT=<point> and raises SIGKILL on itself right after that
# step of ADD (points: ipam, veth, rename, addr, route). For each point: ADD
# dies there, then the runtime's DEL and a GC (cniVersion 1.1.0, no valid
# attachments) must leave nothing behind: no link besides lo and the bridge,
# no address reservation, no temporary file, the IPAM lock free.
# (The reference plugins have neither the hook nor GC in Debian's 1.1.1.)
#
#   one host per kill point:
#   pt-<pid>-host-<point>
#   +------------------------------------+
#   |  br-<point>  10.99.<k>.1/24        |
#   |     | veth (maybe, half made)      |
#   +-----|------------------------------+
#         | eth0 or a temporary name
#    +----+---------+
#    | c-<point>    |    pt-<pid>-c-<point>
#    +--------------+
. "$(dirname "$0")/lib.sh"

POINTS=(ipam veth rename addr route)

# leaves_nothing POINT BRIDGE NET
leaves_nothing() {
	local p=$1 br=$2 net=$3 d extra lock
	assert_eq "" "$(ns_links "host-$p" | grep -vx -e lo -e "$br" | xargs)" \
		"links in host besides lo and $br"
	assert_eq "lo" "$(ns_links "c-$p" | xargs)" "links in the container"
	assert_eq "" "$(ipn "c-$p" -j addr | jq -r '.[] | select(.ifname != "lo") | .addr_info[].local' | xargs)" \
		"addresses in the container"
	d="$PT_TMP/ipam/$net"
	assert_eq "" "$(ipam_reservations "$net" | xargs)" "address reservations in dataDir"
	extra=$(ipam_other_files "$net"; find "$PT_TMP/root" -mindepth 1 -type f 2>/dev/null |
		grep -vx "$PT_TMP/root/run/pontoon/gc.lock")
	assert_eq "" "$(echo "$extra" | xargs)" "other files (temporary?) in dataDir or PONTOON_ROOT"
	! gc_lock_held "$PT_TMP/root/run/pontoon/gc.lock" || fail "the plugins' GC lock is held"
	lock="$d/lock"
	if [ -e "$lock" ]; then
		flock -n "$lock" true || fail "the IPAM lock $lock is still held"
	fi
	assert_eq "" "$(ip netns pids "$(ns "host-$p")" | xargs)" "processes left in the host namespace"
}

# run_point POINT K [KILL]: one ADD (killed at POINT when KILL is set), DEL, GC.
run_point() {
	local p=$1 k=$2 kill=${3:-yes} c out rc gc
	pontoon_only "PONTOON_TEST_KILL_AT hook and GC (cniVersion 1.1.0)"
	PT_HOST=$(ns "host-$p")
	ns_new "host-$p" "c-$p"
	c=$(PT_SUBNET4="10.99.$k.0/24" PT_CNI_VERSION=1.1.0 \
		bridge_conf ".name = \"net-$p\" | .bridge = \"br-$p\"")
	[ "$kill" = yes ] && PT_ENV=("PONTOON_TEST_KILL_AT=$p")
	out=$(cni_run ADD "c-$p" "ctr-$p" eth0 "$c")
	rc=$?
	PT_ENV=()
	if [ "$kill" = yes ]; then
		[ $rc -eq 137 ] || fail "ADD with PONTOON_TEST_KILL_AT=$p was not killed (exit $rc): $(oneline "$out")"
		[ -z "$out" ] || fail "the killed ADD printed: $(oneline "$out")"
	else
		[ $rc -eq 0 ] || fail "ADD failed (exit $rc): $(oneline "$out")"
	fi
	out=$(cni_run DEL "c-$p" "ctr-$p" eth0 "$c") || fail "DEL after the kill at $p failed: $(oneline "$out")"
	gc=$(jq -c '."cni.dev/valid-attachments" = []' <<<"$c")
	out=$(cni_run GC "" "" "" "$gc") || fail "GC after the kill at $p failed: $(oneline "$out")"
	leaves_nothing "$p" "br-$p" "net-$p"
}

# GC alone releases what a killed ADD reserved, without DEL.
gc_only() {
	local p=gc k=20 c out gc
	pontoon_only "PONTOON_TEST_KILL_AT hook and GC (cniVersion 1.1.0)"
	PT_HOST=$(ns "host-$p")
	ns_new "host-$p" "c-$p"
	c=$(PT_SUBNET4="10.99.$k.0/24" PT_CNI_VERSION=1.1.0 bridge_conf ".name = \"net-$p\" | .bridge = \"br-$p\"")
	PT_ENV=("PONTOON_TEST_KILL_AT=ipam")
	cni_run ADD "c-$p" "ctr-$p" eth0 "$c" >/dev/null
	[ $? -eq 137 ] || fail "ADD with PONTOON_TEST_KILL_AT=ipam was not killed"
	PT_ENV=()
	[ -n "$(ipam_reservations "net-$p")" ] || fail "the killed ADD reserved no address (nothing to test)"
	gc=$(jq -c '."cni.dev/valid-attachments" = []' <<<"$c")
	out=$(cni_run GC "" "" "" "$gc") || fail "GC failed: $(oneline "$out")"
	assert_eq "" "$(ipam_reservations "net-$p" | xargs)" "reservations after GC"
}

# The checks above, with nothing killed: DEL and GC clean a normal ADD too.
run_case kill-control run_point none 10 no
k=11
for p in "${POINTS[@]}"; do
	run_case "kill-at-$p" run_point "$p" $k
	k=$((k + 1))
done
run_case kill-then-gc-only gc_only
