#!/usr/bin/env bash
# portmap: published ports with real TCP and UDP traffic — from outside, from
# the host itself (its uplink address, 127.0.0.1, ::1), from a container to
# its own and to a sibling's published port (hairpin) — a port published on
# 127.0.0.1 is unreachable from outside, and a UDP flow moves to the new
# container when the old one is deleted and a new one takes the port.
# Topology: see portmap-lib.sh (an "outside" namespace on an uplink, the host,
# containers c1, c2, c3 on cni0).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/portmap-lib.sh"

pm_plugin_dir
pm_topology

M1='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
     {"hostPort":5353,"containerPort":53,"protocol":"udp"},
     {"hostPort":9090,"containerPort":90,"protocol":"tcp","hostIP":"127.0.0.1"},
     {"hostPort":9191,"containerPort":91,"protocol":"tcp","hostIP":"192.0.2.1"}]'
M2='[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]'

setup() {
	pm_container c1 ctr-1 "$M1"
	pm_container c2 ctr-2 "$M2"
	pm_serve c1 c1 80
	pm_serve c1 c1 53
	pm_serve c1 c1 90
	pm_serve c1 c1 91
	pm_serve c2 c2 80
}

check_elements() {
	local t C1
	C1=$(res_ip "$(pt_result ctr-1 eth0)" 4)
	t=$(nsx host nft list table inet pontoon)
	assert_contains "$t" 'tcp . 8080 comment "ptnet/ctr-1/eth0" : '"$C1"' . 80' "pm4any"
	assert_contains "$t" '127.0.0.1 . tcp . 9090 comment "ptnet/ctr-1/eth0" : '"$C1"' . 90' "pm4"
	assert_eq 1 "$(nsx host cat /proc/sys/net/ipv4/conf/cni0/route_localnet)" "route_localnet of cni0"
	assert_eq 0 "$(nsx host cat /proc/sys/net/ipv4/conf/up0/route_localnet)" "route_localnet of up0"
	cni_check c1 ctr-1 eth0 "$(pm_conf "$M1")"
}

from_outside() {
	pm_expect tcp out $PT_UP4 8080 "^c1 $PT_OUT4 *$"
	pm_expect udp out $PT_UP4 5353 "^c1 $PT_OUT4 *$"
	pm_expect tcp out $PT_UP4 9191 "^c1 $PT_OUT4 *$"
	pm_expect tcp out $PT_UP4 8081 "^c2 $PT_OUT4 *$"
	pm_expect tcp out $PT_UP6 8080 "^c1 \[2001:0db8:0000:0000:0000:0000:0000:0002\] *$"
	pm_expect udp out $PT_UP6 5353 "^c1 \[2001:0db8:0000:0000:0000:0000:0000:0002\] *$"
	pm_expect_none tcp out $PT_UP4 9090
}

from_host() {
	pm_expect tcp host $PT_UP4 8080 "^c1 "
	pm_expect tcp host 127.0.0.1 8080 "^c1 10\.99\.0\.1 *$"
	pm_expect udp host 127.0.0.1 5353 "^c1 10\.99\.0\.1 *$"
	pm_expect tcp host 127.0.0.1 9090 "^c1 10\.99\.0\.1 *$"
}

from_host_ipv6_loopback() {
	# A connection to [::1]:8080 must be refused at once, not hang.
	local t0=$EPOCHREALTIME
	pm_expect_none tcp host ::1 8080
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a < 1.5) }' ||
		fail "connection to [::1]:8080 hung instead of being refused"
	skip "::1 cannot be DNATed by the kernel: IPv6 has no route_localnet, the reply un-NATed to ::1 arrives on the bridge and fails the strict loopback route lookup (Ip6InNoRoutes); pontoon leaves ::1 alone so the connection is refused at once (docs/nat.md)"
}

hairpin() {
	# To its own port and to a sibling's: the answer comes, and it saw the
	# bridge's address (masqueraded), so the reply goes back through the host.
	pm_expect tcp c1 $PT_UP4 8080 "^c1 10\.99\.0\.1 *$"
	pm_expect udp c1 $PT_UP4 5353 "^c1 10\.99\.0\.1 *$"
	pm_expect tcp c2 $PT_UP4 8080 "^c1 10\.99\.0\.1 *$"
	pm_expect tcp c1 $PT_UP4 8081 "^c2 10\.99\.0\.1 *$"
	pm_expect tcp c1 fd99::1 8080 "^c1 \[fd99:0000:0000:0000:0000:0000:0000:0001\] *$"
}

localhost_not_exposed() {
	# "outside" sends to 127.0.0.1 through the uplink (lo down, a route via
	# the host, route_localnet on its own eth0): what Docker let through.
	ipn out link set lo down
	ipn out addr flush dev lo
	ipn out route add 127.0.0.0/8 via $PT_UP4 dev eth0
	nsx out sysctl -qw net.ipv4.conf.eth0.route_localnet=1 net.ipv4.conf.all.route_localnet=1
	pm_expect_none tcp out 127.0.0.1 9090
	pm_expect_none tcp out 127.0.0.1 8080
	# Control: the same packets do get through without pontoon's guard, so
	# the check above tests the guard and not the set-up.
	nsx host nft flush chain inet pontoon guard
	pm_expect tcp out 127.0.0.1 9090 "^c1 "
	nsx host nft add rule inet pontoon guard iif != lo ip daddr 127.0.0.0/8 drop
	pm_expect_none tcp out 127.0.0.1 9090
}

udp_flow_moves() {
	local got i
	# A steady flow from one source port keeps one conntrack entry alive.
	assert_match '^c1 ' "$(pm_udp out $PT_UP4 5353 40000)" "UDP flow to c1"
	pm_container_del c1 ctr-1 "$M1"
	ns_del c1
	# While nobody has the port, the flow goes on (and would pin an entry).
	for i in 1 2 3; do pm_udp out $PT_UP4 5353 40000 >/dev/null; done
	pm_container c3 ctr-3 "$(jq -c '[.[1]]' <<<"$M1")"
	pm_serve c3 c3 53
	got=$(pm_udp out $PT_UP4 5353 40000)
	[[ $got =~ ^c3\  ]] || fail "UDP flow after the port moved to c3: got '$got'"
}

udp_flow_before_table() {
	# Sent before pontoon's table exists: the entry it makes never passes
	# the `published` chain, so portmap must learn its port when it creates
	# the table (docs/nat.md, UDP).
	pm_udp out $PT_UP4 5454 40001 >/dev/null
}

udp_flow_older_than_table_moves() {
	local got
	# Still the same conntrack entry (kept alive, never NATed); its port was
	# learnt when the table was made.
	pm_udp out $PT_UP4 5454 40001 >/dev/null
	assert_ok nsx host nft get element inet pontoon udpseen '{ 5454 }'
	pm_container c4 ctr-4 '[{"hostPort":5454,"containerPort":53,"protocol":"udp"}]'
	pm_serve c4 c4 53
	got=$(pm_udp out $PT_UP4 5454 40001)
	[[ $got =~ ^c4\  ]] || fail "UDP flow older than the table after the port went to c4: got '$got'"
}

del_idempotent() {
	local t
	pm_container_del c2 ctr-2 "$M2"
	cni_del c2 ctr-2 eth0 "$(pm_conf "$M2")"
	# Without prevResult and without mappings: found by comment.
	cni_del c3 ctr-3 eth0 "$(pm_conf '[]')"
	t=$(nsx host nft list table inet pontoon)
	assert_not_contains "$t" "ctr-2" "table after DEL of ctr-2"
	assert_not_contains "$t" "ctr-3" "table after DEL of ctr-3 without prevResult"
	pm_expect_none tcp out $PT_UP4 8081
}

run_case portmap-udp-flow-before-table udp_flow_before_table
run_case portmap-setup setup
run_case portmap-elements-and-check check_elements
run_case portmap-from-outside from_outside
run_case portmap-from-host from_host
run_case portmap-from-host-ipv6-loopback from_host_ipv6_loopback
run_case portmap-hairpin hairpin
run_case portmap-localhost-not-exposed localhost_not_exposed
run_case portmap-udp-flow-moves udp_flow_moves
run_case portmap-udp-flow-older-than-table-moves udp_flow_older_than_table_moves
run_case portmap-del-idempotent del_idempotent
