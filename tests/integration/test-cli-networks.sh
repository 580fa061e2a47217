#!/usr/bin/env bash
# `pontoon gc`, `network rm` and `network create` next to networks pontoon
# did not make: what another runtime (Podman's CNI backend, containerd,
# cnitool) keeps in the conf dir, its IPAM dataDir and on its bridge stays
# untouched; and --ip-range never hands out the broadcast address.
#
# The whole script runs in a network and mount namespace of its own that
# plays the host (it re-executes itself under `unshare --net --mount`).
# Each case uses a PONTOON_ROOT of its own under the test's temporary
# directory.
#
#     host:  bridge brfix<PID> -- veth fp<PID> (a port pontoon did not add)
#            conf dir: pontoon's networks + "other" (1.0.0) and "other11"
#                      (1.1.0), bridge + host-local, written by another runtime,
#                      with reservations of containerd-pod-1 in their dataDir
#
# Cases print ok/FAIL/skip lines (tests/integration/lib.sh).
source "$(dirname "$0")/cli-lib.sh"

confdir() { printf '%s' "$PONTOON_ROOT/etc/cni/net.d"; }

# The IPAM plugin the other runtime uses: Debian's reference host-local
# when installed (a really foreign one), else pontoon's.
foreign_ipam_dir() {
	if [ -x /usr/lib/cni/host-local ]; then echo /usr/lib/cni; else echo "$CNI_PATH"; fi
}

# foreign_conflist NAME VERSION SUBNET DATADIR: what another runtime writes.
foreign_conflist() {
	jq -n --arg n "$1" --arg v "$2" --arg s "$3" --arg d "$4" '{
		cniVersion: $v, name: $n, plugins: [{
			type: "bridge", bridge: ("o" + $n), isGateway: true,
			ipam: {type: "host-local", dataDir: $d, ranges: [[{subnet: $s}]]}}]}' \
		>"$(confdir)/50-$1.conflist"
}

# ipam_add PLUGINDIR NAME IPAM CONTAINERID: host-local's ADD of CONTAINERID
# with IPAM (the "ipam" object), as a bridge plugin delegates it; prints
# the address.
ipam_add() {
	local conf out
	conf=$(jq -c -n --arg n "$2" --argjson i "$3" '{cniVersion: "1.0.0", name: $n, type: "bridge", ipam: $i}')
	out=$(printf '%s' "$conf" | env CNI_COMMAND=ADD CNI_CONTAINERID="$4" CNI_IFNAME=eth0 \
		CNI_NETNS=/proc/self/ns/net CNI_PATH="$1" "$1/host-local" 2>&1) ||
		fail "host-local ADD of $4 on $2 ($1): $out"
	jq -r '.ips[0].address' <<<"$out" | cut -d/ -f1
}

# foreign_add NAME VERSION SUBNET DATADIR CONTAINERID: the other runtime's
# IPAM ADD for its container.
foreign_add() {
	ipam_add "$(foreign_ipam_dir)" "$1" "$(jq -c -n --arg s "$3" --arg d "$4" \
		'{type: "host-local", dataDir: $d, ranges: [[{subnet: $s}]]}')" "$5"
}

# cache_entry DIR KIND NET CONTAINERID: a result cache file as libcni
# (cniCacheV1, in <root>/var/lib/cni/results) or pontoon (pontoonCacheV1)
# writes it.
cache_entry() {
	mkdir -p "$1"
	jq -n --arg k "$2" --arg n "$3" --arg c "$4" \
		'{kind: $k, containerId: $c, ifName: "eth0", networkName: $n}' >"$1/$3-$4-eth0"
}

# The files of DIR, sorted, on one line.
files() { ls -A "$1" 2>/dev/null | grep -v -e '^lock$' -e '^last_reserved_ip' | sort | xargs; }

# ---------------------------------------------------------------- gc

# gc must neither GC the plugins of another runtime's networks (1.0.0: the
# in-process host-local would have been asked at 1.1.0 anyway; 1.1.0: the
# plugins exec'd with GC) nor DEL what it did not attach.
case_gc_leaves_foreign() {
	newroot gcforeign
	local d1="$PT_TMP/other-ipam" d2="$PT_TMP/other11-ipam" ip1 ip2 before1 before2
	foreign_conflist other 1.0.0 10.99.0.0/24 "$d1"
	foreign_conflist other11 1.1.0 10.98.0.0/24 "$d2"
	ip1=$(foreign_add other 1.0.0 10.99.0.0/24 "$d1" containerd-pod-1)
	ip2=$(foreign_add other11 1.1.0 10.98.0.0/24 "$d2" containerd-pod-2)
	assert_eq 10.99.0.2 "$ip1" "the other runtime's address"
	before1=$(files "$d1/other")
	before2=$(files "$d2/other11")
	assert_contains "$before1" "10.99.0.2" "reservation of containerd-pod-1"
	# A network of pontoon's own, so gc has something to do.
	assert_ok pt network create mine --subnet 10.97.0.0/24
	pt gc >&2 || fail "pontoon gc failed"
	[ "$before2" = "$(files "$d2/other11")" ] || echo "the 1.1.0 network lost reservations" >>"$PT_TMP/reason"
	assert_eq "$before1" "$(files "$d1/other")" "the 1.0.0 network's dataDir after gc"
	assert_eq "$before2" "$(files "$d2/other11")" "the 1.1.0 network's dataDir after gc"
	[ -f "$(confdir)/50-other.conflist" ] || fail "gc removed the other runtime's conflist"
}

# On another runtime's network gc still DELs an attachment pontoon's own
# cache holds and no pontoon container owns (a run killed after its ADD),
# and only that one.
case_gc_foreign_own_stale() {
	newroot gcstale
	local d="$PT_TMP/stale-ipam" ipam ip out
	foreign_conflist other 1.0.0 10.99.0.0/24 "$d"
	foreign_add other 1.0.0 10.99.0.0/24 "$d" containerd-pod-1 >/dev/null
	ipam=$(jq -c '.plugins[0].ipam' "$(confdir)/50-other.conflist")
	ip=$(ipam_add "$CNI_PATH" other "$ipam" 0000stale)
	assert_eq 10.99.0.3 "$ip" "pontoon's leaked address"
	cache_entry "$PONTOON_ROOT/var/lib/pontoon/results" pontoonCacheV1 other 0000stale
	out=$(pt gc) || fail "pontoon gc failed: $out"
	assert_contains "$out" "network other: 1 stale" "gc's report"
	assert_eq 10.99.0.2 "$(files "$d/other" | tr ' ' '\n' | grep -E '^[0-9.]+$' | xargs)" \
		"reservations after gc (containerd-pod-1's kept, pontoon's leak released)"
	assert_eq "" "$(ls -A "$PONTOON_ROOT/var/lib/pontoon/results")" "pontoon's cache after gc"
}

# A network pontoon made, shared with a libcni runtime (Podman's CNI
# backend): what that runtime cached is valid for gc and keeps rm and prune
# off; without the cache entry the same reservation is GCed (the control).
case_own_network_shared() {
	newroot shared
	local ipam dir resdir="$PONTOON_ROOT/var/lib/cni/results" out
	assert_ok pt network create shared --subnet 10.93.0.0/24
	ipam=$(jq -c '.plugins[0].ipam' "$(confdir)/shared.conflist")
	dir=$(jq -r '.dataDir' <<<"$ipam")/shared
	assert_eq 10.93.0.2 "$(ipam_add "$(foreign_ipam_dir)" shared "$ipam" podman-ctr-1)" "podman's address"
	cache_entry "$resdir" cniCacheV1 shared podman-ctr-1
	pt gc >&2 || fail "pontoon gc failed"
	assert_contains "$(files "$dir")" 10.93.0.2 "podman's reservation after gc"
	out=$(pt_expect 4 network rm shared)
	assert_contains "$out" "podman-ctr-1" "rm names the other runtime's container"
	assert_eq "" "$(pt network prune)" "prune"
	[ -f "$(confdir)/shared.conflist" ] || fail "the shared network was removed"
	# Control: once that runtime's cache entry is gone, GC frees it (only
	# pontoon's host-local has GC at the list's 1.0.0).
	rm "$resdir/shared-podman-ctr-1-eth0"
	pt gc >&2 || fail "pontoon gc failed"
	pt_reference ||
		assert_not_contains "$(files "$dir")" 10.93.0.2 "reservation after gc without the cache entry"
	assert_eq shared "$(pt network rm shared)" "network rm"
}

# ---------------------------------------------------------------- network rm

case_rm_foreign() {
	newroot rmforeign
	local d="$PT_TMP/rm-ipam" before out
	foreign_conflist other 1.0.0 10.99.0.0/24 "$d"
	foreign_add other 1.0.0 10.99.0.0/24 "$d" containerd-pod-1 >/dev/null
	before=$(files "$d/other")
	assert_contains "$before" "10.99.0.2" "reservation of containerd-pod-1"
	# Refused: another runtime may use it.
	out=$(pt_expect 4 network rm other)
	assert_contains "$out" "not created by pontoon" "network rm of a foreign network"
	assert_contains "$out" "50-other.conflist" "the refusal names the file"
	[ -f "$(confdir)/50-other.conflist" ] || fail "refused rm removed the file"
	assert_eq "$before" "$(files "$d/other")" "dataDir after a refused rm"
	# --force: the file goes, nothing else.
	assert_eq other "$(pt network rm --force other)" "network rm --force"
	[ -e "$(confdir)/50-other.conflist" ] && fail "rm --force kept the file"
	assert_eq "$before" "$(files "$d/other")" "dataDir after rm --force (no plugin GC)"
	assert_contains "$(pt network rm --help 2>&1)" "--force" "rm's usage names --force"
	return 0
}

# A port someone else put on pontoon's bridge keeps the bridge; an empty
# one goes (the control).
case_rm_bridge_with_port() {
	newroot rmbridge
	local br="brfix$$" br2="brfiy$$" port="fp$$" out
	assert_ok pt network create withport --bridge "$br" --subnet 10.96.0.0/24
	assert_ok pt network create empty --bridge "$br2" --subnet 10.96.1.0/24
	ip link add "$br" type bridge || fail "ip link add $br"
	ip link add "$br2" type bridge || fail "ip link add $br2"
	ip link add "$port" type veth peer name "${port}p" || fail "ip link add $port"
	ip link set "$port" master "$br" || fail "enslave $port"
	out=$(pt network rm withport 2>&1) || fail "network rm withport: $out"
	assert_contains "$out" "$br" "the warning names the bridge"
	assert_contains "$out" "$port" "the warning names the port"
	ip link show "$br" >/dev/null 2>&1 || fail "bridge $br deleted with port $port on it"
	assert_eq "$br" "$(ip -j link show dev "$port" | jq -r '.[0].master')" "$port's master"
	assert_eq empty "$(pt network rm empty)" "network rm empty"
	ip link show "$br2" >/dev/null 2>&1 && fail "bridge $br2 without ports kept"
	ip link del "$port"
	ip link del "$br"
	return 0
}

# ---------------------------------------------------------------- network create

case_create_over_file() {
	newroot createover
	local f="$(confdir)/taken.conflist" g="$(confdir)/broken.conflist" sum out
	# taken.conflist holds a network of another name; broken.conflist does
	# not parse.
	jq -n '{cniVersion: "1.0.0", name: "someone-else", plugins: [{type: "bridge", bridge: "se0",
		ipam: {type: "host-local", ranges: [[{subnet: "10.95.0.0/24"}]]}}]}' >"$f"
	printf '{"cniVersion": "1.0.0", "name": ' >"$g"
	sum=$(cat "$f" "$g" | md5sum)
	out=$(pt_expect 4 network create taken --subnet 10.94.0.0/24)
	assert_contains "$out" "$f" "the refusal names the file"
	out=$(pt_expect 4 network create broken --subnet 10.94.1.0/24)
	assert_contains "$out" "$g" "the refusal names the file"
	assert_eq "$sum" "$(cat "$f" "$g" | md5sum)" "the files after refused creates"
	assert_eq "broken.conflist taken.conflist" "$(ls -A "$(confdir)" | xargs)" "conf dir after refused creates"
	# The name is free otherwise: a create elsewhere still works.
	assert_ok pt network create fresh --subnet 10.94.2.0/24
}

# ---------------------------------------------------------------- --ip-range

# A range that ends with the subnet hands out .252 .253 .254 and stops.
case_ip_range_end() {
	newroot iprange
	local conf ipam i out ips=""
	assert_ok pt network create r1 --subnet 10.88.0.0/24 --ip-range 10.88.0.252/30
	conf=$(cat "$(confdir)/r1.conflist")
	ipam=$(jq -c '{cniVersion, name, type: "bridge", ipam: .plugins[0].ipam}' <<<"$conf")
	for i in 1 2 3 4; do
		out=$(printf '%s' "$ipam" | env CNI_COMMAND=ADD CNI_CONTAINERID="ctr$i" CNI_IFNAME=eth0 \
			CNI_NETNS=/proc/self/ns/net CNI_PATH="$CNI_PATH" "$CNI_PATH/host-local" 2>&1) &&
			ips="$ips $(jq -r '.ips[0].address' <<<"$out")"
	done
	assert_eq "10.88.0.252/24 10.88.0.253/24 10.88.0.254/24" "$(xargs <<<"$ips")" "addresses handed out"
	assert_json "$conf" '.plugins[0].ipam.ranges[0][0].rangeEnd' 10.88.0.254 "rangeEnd"
	# Also the start: the network address is never rangeStart.
	assert_ok pt network create r2 --subnet 10.87.0.0/24 --ip-range 10.87.0.0/30
	assert_json "$(cat "$(confdir)/r2.conflist")" '.plugins[0].ipam.ranges[0][0].rangeStart' 10.87.0.1 "rangeStart"
	# Nothing but the broadcast address: refused.
	assert_contains "$(pt_expect 2 network create r3 --subnet 10.86.0.0/24 --ip-range 10.86.0.255/32)" "--ip-range"
	[ -e "$(confdir)/r3.conflist" ] && fail "r3 written"
	return 0
}

run_case gc-leaves-foreign-networks case_gc_leaves_foreign
run_case gc-foreign-own-stale case_gc_foreign_own_stale
run_case own-network-shared case_own_network_shared
run_case rm-foreign-network case_rm_foreign
run_case rm-bridge-with-port case_rm_bridge_with_port
run_case create-over-existing-file case_create_over_file
run_case ip-range-end-no-broadcast case_ip_range_end
