#!/usr/bin/env bash
# macspoofchk in bridge: a container that sends with a MAC other than its
# own, or (pontoon's addition, on by default) with a source address other
# than its own, gets nothing through; with the IP check off, only the MAC is
# checked; without macspoofchk, nothing is. Needs bridge.c to call
# nft_spoofchk_* (src/lib/nft/spoofchk.h).
#
#   host: cni0 10.99.0.1/24 -- c1 (the forger), c2 (the peer),
#         c3 (ipspoofchk off), c4 (no macspoofchk)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/portmap-lib.sh"

wired() { grep -q 'nft_spoofchk_add' "$PT_SRC/src/plugins/bridge.c"; }

pm_plugin_dir
pm_topology
spoof_conf() { pm_bridge_conf ".macspoofchk = true | ${1:-.}"; }

setup() {
	pt_reference || wired || skip "spoof: bridge.c does not call nft_spoofchk_* yet"
	ns_new c1 c2
	cni_add c1 ctr-1 eth0 "$(spoof_conf)"
	cni_add c2 ctr-2 eth0 "$(spoof_conf)"
}

own_traffic_passes() {
	pt_reference || wired || skip "spoof: bridge.c does not call nft_spoofchk_* yet"
	ping_ok c1 "$(res_ip "$(pt_result ctr-2 eth0)" 4)"
}

forged_mac_blocked() {
	pt_reference || wired || skip "spoof: bridge.c does not call nft_spoofchk_* yet"
	local peer
	peer=$(res_ip "$(pt_result ctr-2 eth0)" 4)
	ipn c1 link set eth0 address 02:de:ad:be:ef:01
	ipn c1 neigh flush dev eth0
	ipn c2 neigh flush dev eth0
	ping_fails c1 "$peer"
	ipn c1 link set eth0 address "$(jq -r '[.interfaces[] | select(.name == "eth0")][0].mac' <<<"$(pt_result ctr-1 eth0)")"
	ping_ok c1 "$peer"
}

forged_ip_blocked() {
	pontoon_only "source address check"
	wired || skip "spoof: bridge.c does not call nft_spoofchk_* yet"
	local peer
	peer=$(res_ip "$(pt_result ctr-2 eth0)" 4)
	ipn c1 addr add 10.99.0.200/24 dev eth0
	ping_fails_from c1 10.99.0.200 "$peer"
	ipn c1 addr del 10.99.0.200/24 dev eth0
}

# With ipspoofchk off only the MAC is pinned: a forged source address gets
# through, as with the reference's macspoofchk (docs/security.md).
ip_check_off() {
	pontoon_only "source address check"
	local conf peer
	conf=$(spoof_conf '.ipspoofchk = false')
	peer=$(res_ip "$(pt_result ctr-2 eth0)" 4)
	ns_new c3
	cni_add c3 ctr-3 eth0 "$conf"
	ipn c3 addr add 10.99.0.201/24 dev eth0
	ping_ok c3 "$peer" -I 10.99.0.201
	ipn c3 addr del 10.99.0.201/24 dev eth0
	cni_del c3 ctr-3 eth0 "$conf"
}

# Without macspoofchk nothing is pinned: a forged MAC gets through.
mac_check_off() {
	local conf peer
	conf=$(pm_bridge_conf)
	peer=$(res_ip "$(pt_result ctr-2 eth0)" 4)
	ns_new c4
	cni_add c4 ctr-4 eth0 "$conf"
	ipn c4 link set eth0 address 02:de:ad:be:ef:04
	ipn c4 neigh flush dev eth0
	ipn c2 neigh flush dev eth0
	ping_ok c4 "$peer"
	cni_del c4 ctr-4 eth0 "$conf"
}

ping_fails_from() { # NS SRC DST
	nsx "$1" ping -c2 -i0.2 -W1 -q -I "$2" "$3" >/dev/null 2>&1 &&
		fail "ping from $1 with source $2 to $3 answered but must not"
	return 0
}

del_removes() {
	pt_reference || wired || skip "spoof: bridge.c does not call nft_spoofchk_* yet"
	cni_del c1 ctr-1 eth0 "$(spoof_conf)"
	local t
	t=$(nsx host nft list table bridge pontoon 2>/dev/null)
	assert_not_contains "$t" "ctr-1" "bridge table after DEL"
}

run_case spoof-setup setup
run_case spoof-own-traffic-passes own_traffic_passes
run_case spoof-forged-mac-blocked forged_mac_blocked
run_case spoof-forged-ip-blocked forged_ip_blocked
run_case spoof-ip-check-off ip_check_off
run_case spoof-mac-check-off mac_check_off
run_case spoof-del-removes del_removes
