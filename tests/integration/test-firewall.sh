#!/usr/bin/env bash
# firewall plugin (chained after bridge with ipMasq): ingressPolicy
# same-bridge keeps two networks apart while each reaches the outside and
# containers of one network reach each other; isolated also drops traffic
# within the bridge. DEL removes the container's elements, GC the network's.
#
#   out (192.0.2.2) --uplink-- host: cni0 10.99.0.0/24 (same-bridge): a1 a2
#                                    cni1 10.98.0.0/24 (same-bridge): b1
#                                    cni2 10.97.0.0/24 (isolated):    i1 i2
# Topology of host and outside: portmap-lib.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/portmap-lib.sh"

pm_plugin_dir
ln -sfn "$(cd "${PONTOON_BUILD:-$PT_SRC/build}" && pwd)/src/plugins/pontoon-cni" "$CNI_PATH/firewall"
pm_topology

net_conf() { # NAME BRIDGE SUBNET
	jq -c -n --arg d "$PT_TMP/ipam" --arg n "$1" --arg b "$2" --arg s "$3" '{
		cniVersion: "1.0.0", name: $n, type: "bridge", bridge: $b, isGateway: true,
		isDefaultGateway: true, ipMasq: true,
		ipam: {type: "host-local", dataDir: $d, ranges: [[{subnet: $s}]]}}'
}
fw_conf() { # NAME POLICY
	jq -c -n --arg n "$1" --arg p "$2" \
		'{cniVersion: "1.0.0", name: $n, type: "firewall", backend: "iptables", ingressPolicy: $p}'
}
member() { # NS CID NETNAME BRIDGE SUBNET POLICY
	ns_new "$1"
	cni_add "$1" "$2" eth0 "$(net_conf "$3" "$4" "$5")"
	cni_add "$1" "$2" eth0 "$(conf_prev "$(fw_conf "$3" "$6")" "$PT_RESULT")"
}
ip_of() { res_ip "$(pt_result "$1" eth0)" 4; }

setup() {
	member a1 ctr-a1 neta cni0 10.99.0.0/24 same-bridge
	member a2 ctr-a2 neta cni0 10.99.0.0/24 same-bridge
	member b1 ctr-b1 netb cni1 10.98.0.0/24 same-bridge
	member i1 ctr-i1 neti cni2 10.97.0.0/24 isolated
	member i2 ctr-i2 neti cni2 10.97.0.0/24 isolated
	pm_serve out out 7000
}

networks_apart() {
	ping_fails a1 "$(ip_of ctr-b1)"
	ping_fails b1 "$(ip_of ctr-a1)"
	ping_fails i1 "$(ip_of ctr-a1)"
	ping_fails a1 "$(ip_of ctr-i1)"
}

each_reaches_outside() {
	pm_expect tcp a1 $PT_OUT4 7000 "^out $PT_UP4 *$"
	pm_expect tcp b1 $PT_OUT4 7000 "^out $PT_UP4 *$"
	pm_expect tcp i1 $PT_OUT4 7000 "^out $PT_UP4 *$"
}

same_bridge_allows_siblings() {
	ping_ok a1 "$(ip_of ctr-a2)"
}

isolated_drops_siblings() {
	ping_fails i1 "$(ip_of ctr-i2)"
}

control_without_firewall() {
	# The same ping goes through once the isolation elements are gone, so
	# the drops above are the firewall's.
	nsx host nft flush set inet pontoon iso_br
	ping_ok a1 "$(ip_of ctr-b1)"
	nsx host nft add element inet pontoon iso_br '{ "cni0" comment "neta", "cni1" comment "netb", "cni2" comment "neti" }'
	ping_fails a1 "$(ip_of ctr-b1)"
}

elements_check_del_gc() {
	local t
	t=$(nsx host nft list table inet pontoon)
	assert_contains "$t" "$(ip_of ctr-a1) comment \"neta/ctr-a1/eth0\"" "fw4"
	cni_check a1 ctr-a1 eth0 "$(fw_conf neta same-bridge)"
	cni_del b1 ctr-b1 eth0 "$(fw_conf netb same-bridge)"
	cni_del b1 ctr-b1 eth0 "$(fw_conf netb same-bridge)"
	t=$(nsx host nft list set inet pontoon fw4)
	assert_not_contains "$t" "ctr-b1" "fw4 after DEL"
	# GC of netb with no valid attachment: its bridge elements go.
	cni_run GC "" "" "" "$(jq -c '.cniVersion = "1.1.0" | .["cni.dev/valid-attachments"] = []' <<<"$(fw_conf netb same-bridge)")" >/dev/null ||
		fail "GC failed"
	t=$(nsx host nft list set inet pontoon fw_br)
	assert_not_contains "$t" '"netb"' "fw_br after GC"
	assert_contains "$t" '"neta"' "fw_br after GC of netb"
}

bad_policy() {
	cni_expect_error 7 ADD a1 ctr-x eth0 "$(conf_prev "$(fw_conf neta closed)" "$(pt_result ctr-a1 eth0)")"
}

run_case firewall-setup setup
run_case firewall-networks-apart networks_apart
run_case firewall-each-reaches-outside each_reaches_outside
run_case firewall-same-bridge-allows-siblings same_bridge_allows_siblings
run_case firewall-isolated-drops-siblings isolated_drops_siblings
run_case firewall-control-without-isolation control_without_firewall
run_case firewall-elements-check-del-gc elements_check_del_gc
run_case firewall-bad-policy bad_policy
