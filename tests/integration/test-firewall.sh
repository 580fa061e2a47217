#!/usr/bin/env bash
# firewall plugin (chained after bridge with ipMasq): ingressPolicy
# same-bridge keeps two networks apart while each reaches the outside and
# containers of one network reach each other; isolated also drops traffic
# within the bridge. hostAccess gateway keeps a network's containers to
# their own gateway on the host (published ports, replies to the host's own
# connections and forwarded traffic unaffected); blockedDestinations become
# per-network interval elements, replaced when the network's list changes.
# DEL removes the container's elements, GC the network's.
#
#   out (192.0.2.2) --uplink-- host: cni0 10.99.0.0/24 (same-bridge): a1 a2
#      2001:db8::2  up0 192.0.2.1   cni1 10.98.0.0/24 (same-bridge): b1
#                       2001:db8::1 cni2 10.97.0.0/24 (isolated):    i1 i2
#                                    cni3 10.96.0.0/24 fd96::/64 (open,
#                                         hostAccess gateway):       h1 h2
#                                         (h2 publishes 8081 -> 80)
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

# neth: dual stack on cni3, its firewall with hostAccess gateway and two
# blocked ranges (FILTER changes the firewall's conf).
H_BLOCKED='["198.51.100.0/24", "fd00:ec2::254/128"]'
neth_conf() {
	jq -c -n --arg d "$PT_TMP/ipam" '{
		cniVersion: "1.0.0", name: "neth", type: "bridge", bridge: "cni3", isGateway: true,
		isDefaultGateway: true, ipMasq: true,
		ipam: {type: "host-local", dataDir: $d,
		       ranges: [[{subnet: "10.96.0.0/24"}], [{subnet: "fd96::/64"}]]}}'
}
fwh_conf() { # [FILTER]
	fw_conf neth open | jq -c --argjson b "$H_BLOCKED" \
		".hostAccess = \"gateway\" | .blockedDestinations = \$b | ${1:-.}"
}
member_h() { # NS CID [FIREWALL-FILTER]
	ns_new "$1"
	nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	cni_add "$1" "$2" eth0 "$(neth_conf)"
	cni_add "$1" "$2" eth0 "$(conf_prev "$(fwh_conf "${3:-.}")" "$PT_RESULT")"
}

setup() {
	member a1 ctr-a1 neta cni0 10.99.0.0/24 same-bridge
	member a2 ctr-a2 neta cni0 10.99.0.0/24 same-bridge
	member b1 ctr-b1 netb cni1 10.98.0.0/24 same-bridge
	member i1 ctr-i1 neti cni2 10.97.0.0/24 isolated
	member i2 ctr-i2 neti cni2 10.97.0.0/24 isolated
	member_h h1 ctr-h1
	member_h h2 ctr-h2
	cni_add h2 ctr-h2 eth0 "$(conf_prev "$(pm_conf '[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]' \
		'.name = "neth"')" "$PT_RESULT")"
	pm_serve out out 7000
	pm_serve host host 7100
	pm_serve h1 h1 7200
	pm_serve h2 h2 80
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

# hostAccess gateway: on the host, h1 reaches only cni3's own addresses
# (a server listening on every address of the host answers there only);
# a1 (hostAccess all) is the control.
host_access_gateway() {
	pm_expect tcp h1 10.96.0.1 7100 "^host $(ip_of ctr-h1) *$"
	pm_expect tcp h1 fd96::1 7100 "^host "
	ping_ok h1 10.96.0.1
	pm_expect_none tcp h1 10.99.0.1 7100
	pm_expect_none tcp h1 $PT_UP4 7100
	pm_expect_none tcp h1 $PT_UP6 7100
	pm_expect_none udp h1 $PT_UP4 7100
	ping_fails h1 $PT_UP4
	ping_fails h1 10.98.0.1
	pm_expect tcp a1 $PT_UP4 7100 "^host "
	pm_expect tcp a1 10.96.0.1 7100 "^host "
	ping_ok a1 $PT_UP4
	ping_ok a1 10.98.0.1
}

# Not the host's own: forwarded traffic, published ports (DNATed at
# prerouting, then forwarded) and replies to connections the host opened
# from an address other than h1's gateway.
host_access_leaves_alone() {
	local h1
	h1=$(ip_of ctr-h1)
	pm_expect tcp h1 $PT_OUT4 7000 "^out $PT_UP4 *$"
	pm_expect tcp out $PT_UP4 8081 "^h2 $PT_OUT4 *$"
	pm_expect tcp h1 $PT_UP4 8081 "^h2 "
	pm_expect tcp h1 10.96.0.1 8081 "^h2 "
	got=$(nsx host timeout 5 socat -T2 - "TCP:$h1:7200,bind=$PT_UP4,connect-timeout=2" </dev/null 2>/dev/null)
	[[ $got =~ ^h1\ $PT_UP4 ]] || fail "host ($PT_UP4) to h1 port 7200: got '$got'"
	got=$(nsx host timeout 5 socat -T2 - "TCP:$h1:7200,bind=10.99.0.1,connect-timeout=2" </dev/null 2>/dev/null)
	[[ $got =~ ^h1\ 10.99.0.1 ]] || fail "host (10.99.0.1) to h1 port 7200: got '$got'"
}

host_blocked_elements() {
	local t
	t=$(nsx host nft list set inet pontoon hostgw_br)
	assert_contains "$t" '"cni3" comment "neth"' "hostgw_br"
	assert_not_contains "$t" '"cni0"' "hostgw_br (neta has hostAccess all)"
	t=$(nsx host nft list set inet pontoon blocked4)
	assert_contains "$t" '"cni3" . 198.51.100.0/24 comment "neth"' "blocked4"
	t=$(nsx host nft list set inet pontoon blocked6)
	assert_contains "$t" '"cni3" . fd00:ec2::254 comment "neth"' "blocked6"
	cni_check h1 ctr-h1 eth0 "$(fwh_conf)"
	# CHECK notices a missing per-network element.
	nsx host nft delete element inet pontoon blocked4 '{ "cni3" . 198.51.100.0/24 }'
	cni_run CHECK h1 ctr-h1 eth0 "$(conf_prev "$(fwh_conf)" "$(pt_result ctr-h1 eth0)")" >/dev/null &&
		fail "CHECK passed without the blocked4 element"
	nsx host nft add element inet pontoon blocked4 '{ "cni3" . 198.51.100.0/24 comment "neth" }'
	cni_check h1 ctr-h1 eth0 "$(fwh_conf)"
}

# Blocked ranges with packets, IPv6 too. "out" holds 198.51.100.9 and
# fd00:ec2::254 (both blocked for neth), routed to by the host. h1 gets
# nothing from either; with the fd00:ec2::254 element deleted (the control)
# the same connection is answered. A client inside the blocked range that
# connects to h2's published port gets its answer (the reply is let
# through), while h2 cannot open a connection to that client.
blocked_packets() {
	local got
	ipn out addr add 198.51.100.9/32 dev eth0
	ipn out addr add fd00:ec2::254/128 dev eth0 nodad
	ipn host route add 198.51.100.9/32 via $PT_OUT4
	ipn host route add fd00:ec2::254/128 via $PT_OUT6
	pm_expect tcp a1 198.51.100.9 7000 "^out "
	pm_expect_none tcp h1 198.51.100.9 7000
	pm_expect_none tcp h1 fd00:ec2::254 7000
	pm_expect tcp h1 $PT_OUT6 7000 "^out "
	nsx host nft delete element inet pontoon blocked6 '{ "cni3" . fd00:ec2::254 }'
	pm_expect tcp h1 fd00:ec2::254 7000 "^out "
	nsx host nft add element inet pontoon blocked6 '{ "cni3" . fd00:ec2::254 comment "neth" }'
	pm_expect_none tcp h1 fd00:ec2::254 7000
	got=$(nsx out timeout 5 socat -T2 - "TCP:$PT_UP4:8081,bind=198.51.100.9,connect-timeout=2" </dev/null 2>/dev/null)
	[[ $got =~ ^h2\ 198\.51\.100\.9 ]] || fail "198.51.100.9 to the published port 8081: got '$got'"
	pm_expect_none tcp h2 198.51.100.9 7000
	ipn host route del 198.51.100.9/32 via $PT_OUT4
	ipn host route del fd00:ec2::254/128 via $PT_OUT6
	ipn out addr del 198.51.100.9/32 dev eth0
	ipn out addr del fd00:ec2::254/128 dev eth0
}

# The network's list changed between two ADDs: 198.51.100.0/25 lies inside
# the /24 already there (an interval set refuses the overlap), so the ADD
# replaces the network's blocked elements with its own list in one
# transaction. Duplicates and nested ranges within one list are left out;
# host bits are ignored (198.51.100.77/25 is 198.51.100.0/25).
blocked_list_changes() {
	local t
	H_BLOCKED='["198.51.100.77/25", "203.0.113.7/32", "203.0.113.0/24", "203.0.113.0/24"]'
	member_h h3 ctr-h3
	t=$(nsx host nft list set inet pontoon blocked4)
	assert_contains "$t" '"cni3" . 198.51.100.0/25 comment "neth"' "blocked4 after the change"
	assert_contains "$t" '"cni3" . 203.0.113.0/24 comment "neth"' "blocked4 after the change"
	assert_not_contains "$t" '198.51.100.0/24' "blocked4 after the change"
	assert_not_contains "$t" '203.0.113.7' "blocked4 after the change (inside 203.0.113.0/24)"
	assert_not_contains "$(nsx host nft list set inet pontoon blocked6)" 'fd00:ec2' "blocked6 after the change"
	cni_check h3 ctr-h3 eth0 "$(fwh_conf)"
	cni_del h3 ctr-h3 eth0 "$(fwh_conf)"
	cni_del h3 ctr-h3 eth0 "$(neth_conf)"
}

host_blocked_gc() {
	local t
	cni_run GC "" "" "" "$(jq -c '.cniVersion = "1.1.0" | .["cni.dev/valid-attachments"] = []' <<<"$(fwh_conf)")" >/dev/null ||
		fail "GC failed"
	for set in fw4 fw6 fw_br hostgw_br blocked4 blocked6; do
		t=$(nsx host nft list set inet pontoon $set)
		assert_not_contains "$t" '"neth' "$set after GC of neth"
	done
	assert_contains "$(nsx host nft list set inet pontoon fw_br)" '"neta"' "fw_br after GC of neth"
	# With the elements gone, h1 reaches the host's other addresses again.
	pm_expect tcp h1 $PT_UP4 7100 "^host "
}

bad_host_blocked() {
	local prev f
	prev=$(pt_result ctr-h1 eth0)
	for f in '.blockedDestinations = ["10.0.0.0/8", "fd00::/8", "x"]@@blockedDestinations[2]: not a CIDR: "x"' \
		'.blockedDestinations = ["10.0.0.0/33"]@@blockedDestinations[0]: not a CIDR' \
		'.blockedDestinations = ["fd00::/129"]@@blockedDestinations[0]: not a CIDR' \
		'.blockedDestinations = ["10.0.0.1"]@@blockedDestinations[0]: not a CIDR' \
		'.blockedDestinations = ["10.0.0.0/8", 7]@@blockedDestinations[1]: must be a CIDR string' \
		'.blockedDestinations = ["10.0.0.0/8\u0000x"]@@blockedDestinations[0]: must be a CIDR string' \
		'.blockedDestinations = "10.0.0.0/8"@@blockedDestinations: must be an array' \
		'.blockedDestinations = [range(65) | "10.0.\(.).0/24"]@@at most 64' \
		'.hostAccess = "none"@@hostAccess: must be "all" or "gateway", got "none"' \
		'.hostAccess = 1@@hostAccess: must be a string'; do
		cni_expect_error 7 ADD h1 ctr-x eth0 "$(conf_prev "$(fwh_conf "${f%%@@*}")" "$prev")"
		assert_contains "$(jq -r .msg <<<"$PT_ERROR")" "${f#*@@}" "message of ${f%%@@*}"
	done
	assert_not_contains "$(nsx host nft list set inet pontoon fw4)" "ctr-x" "fw4 after the refused ADDs"
}

# A table made by a pontoon older than hostAccess and blockedDestinations
# (the same table without their sets and rules): an ADD that needs them
# fails with a message that says what to do, one that does not works; once
# the table is deleted, the next ADD remakes it whole.
older_table() {
	local old="$PT_TMP/older.nft" bres
	nsx host nft list table inet pontoon | awk '
		/^\tset (hostgw_br|blocked4|blocked6) \{/ { skip = 1 }
		skip { if (/^\t\}/) skip = 0; next }
		/@(blocked[46]|hostgw_br)/ { next }
		{ print }' >"$old"
	grep -q blocked "$old" && fail "the older table still has the blocked sets"
	nsx host nft delete table inet pontoon
	nsx host nft -f "$old" || fail "cannot load the older table"
	ns_new h5
	cni_add h5 ctr-h5 eth0 "$(neth_conf)"
	bres=$PT_RESULT
	cni_expect_error 999 ADD h5 ctr-h5 eth0 "$(conf_prev "$(fwh_conf)" "$bres")"
	assert_contains "$(jq -r .msg <<<"$PT_ERROR")" \
		"need sets that table inet pontoon lacks: it was made by an older pontoon; delete it (nft delete table inet pontoon) and the next ADD remakes it whole" \
		"error of an ADD that needs the newer sets"
	member a5 ctr-a5 neta cni0 10.99.0.0/24 same-bridge
	nsx host nft delete table inet pontoon
	cni_add h5 ctr-h5 eth0 "$(conf_prev "$(fwh_conf)" "$bres")"
	assert_contains "$(nsx host nft list set inet pontoon blocked4)" '"cni3" . 198.51.100.0/24 comment "neth"' "blocked4 of the remade table"
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
run_case firewall-host-access-gateway host_access_gateway
run_case firewall-host-access-leaves-alone host_access_leaves_alone
run_case firewall-host-blocked-elements host_blocked_elements
run_case firewall-blocked-packets blocked_packets
run_case firewall-blocked-list-changes blocked_list_changes
run_case firewall-bad-host-blocked bad_host_blocked
run_case firewall-host-blocked-gc host_blocked_gc
run_case firewall-elements-check-del-gc elements_check_del_gc
run_case firewall-bad-policy bad_policy
run_case firewall-older-table older_table
