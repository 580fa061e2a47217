#!/usr/bin/env bash
# bridge ipMasq with real traffic: the outside sees the host's uplink address
# (IPv4 and IPv6); inside the network nothing is masqueraded (a sibling sees
# the container's own address); DEL removes the container's elements.
# Topology: see portmap-lib.sh ("outside" on an uplink, the host, containers
# c1 and c2 on cni0 with ipMasq).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/portmap-lib.sh"

pm_plugin_dir
pm_topology

masq_conf() { pm_bridge_conf '.ipMasq = true'; }

setup() {
	ns_new c1 c2
	nsx c1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	nsx c2 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	cni_add c1 ctr-1 eth0 "$(masq_conf)"
	cni_add c2 ctr-2 eth0 "$(masq_conf)"
	pm_serve out out 7000
	pm_serve c2 c2 7001
}

seen_from_outside() {
	pm_expect tcp c1 $PT_OUT4 7000 "^out $PT_UP4 *$"
	pm_expect udp c1 $PT_OUT4 7000 "^out $PT_UP4 *$"
	pm_expect tcp c1 $PT_OUT6 7000 "^out \[2001:0db8:0000:0000:0000:0000:0000:0001\] *$"
}

not_inside() {
	local c1
	c1=$(res_ip "$(pt_result ctr-1 eth0)" 4)
	pm_expect tcp c1 "$(res_ip "$(pt_result ctr-2 eth0)" 4)" 7001 "^c2 $c1 *$"
}

elements_and_del() {
	local t c1
	c1=$(res_ip "$(pt_result ctr-1 eth0)" 4)
	t=$(nsx host nft list set inet pontoon masq4)
	assert_contains "$t" "$c1 comment \"ptnet/ctr-1/eth0\"" "masq4"
	t=$(nsx host nft list set inet pontoon nets4)
	assert_contains "$t" '10.99.0.0/24 comment "ptnet"' "nets4"
	cni_del c1 ctr-1 eth0 "$(masq_conf)"
	t=$(nsx host nft list table inet pontoon)
	assert_not_contains "$t" "ctr-1" "table after DEL of ctr-1"
	assert_contains "$t" "ctr-2" "table after DEL of ctr-1"
}

run_case masq-setup setup
run_case masq-outside-sees-host seen_from_outside
run_case masq-not-inside-network not_inside
run_case masq-elements-and-del elements_and_del
