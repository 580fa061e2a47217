#!/usr/bin/env bash
# Who owns a per-container element. Elements are keyed by address or port and
# carry the comment "NETWORK/CONTAINERID/IFNAME"; an `add` of a key that is
# there already keeps the old comment, and a delete by key ignores it. So:
#  - a container's DEL must not take the elements of another container
#    (ipMasq: addresses read off an interface the container controls);
#  - a container that gets the key of one that died without DEL (same static
#    address, same published ports) must own it: the late DEL or a GC of the
#    dead one must leave it, and CHECK tells the two apart;
#  - a UDP flow older than pontoon's table is moved to a container that
#    publishes its port, whichever plugin created the table (bridge ipMasq);
#  - a UDP port leaves udpseen only after its conntrack entries are gone;
#  - a network's firewall elements follow its config when it is relaxed;
#  - networks with nested prefixes can both publish ports (hairpin) and
#    masquerade (nets).
# Topology: see portmap-lib.sh ("outside" on an uplink, the host with cni0
# 10.99.0.0/24 + fd99::/64; containers cN on it); case nested-prefixes adds
# cni5 10.99.0.0/16 and cni6 10.99.7.0/24 (no traffic, elements only).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/portmap-lib.sh"

pm_plugin_dir
for t in static firewall; do
	ln -sfn "$(cd "${PONTOON_BUILD:-$PT_SRC/build}" && pwd)/src/plugins/pontoon-cni" "$CNI_PATH/$t"
done
pm_topology

PM='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
     {"hostPort":5353,"containerPort":53,"protocol":"udp"}]'

masq_conf() { pm_bridge_conf '.ipMasq = true'; }
# The bridge with ipMasq and the static address 10.99.0.50/24.
static_conf() {
	jq -c --arg d "$PT_TMP/ipam" '.ipMasq = true |
		.ipam = {type: "static", addresses: [{address: "10.99.0.50/24"}]}' <<<"$(pm_bridge_conf)"
}
ct_of() { oneline "$(nsx host grep "dport=$1 " /proc/net/nf_conntrack)"; }
elems() { nsx host nft list set inet pontoon "$1" 2>/dev/null || nsx host nft list map inet pontoon "$1"; }

# A container adds a sibling's address to its own eth0 (it may: NET_ADMIN in
# its namespace); its DEL must leave the sibling's masquerade alone.
masq_del_leaves_others() {
	local b
	ns_new m1 m2
	cni_add m1 ctr-m1 eth0 "$(masq_conf)"
	cni_add m2 ctr-m2 eth0 "$(masq_conf)"
	b=$(res_ip "$(pt_result ctr-m2 eth0)" 4)
	ipn m1 addr add "$b/32" dev eth0
	cni_del m1 ctr-m1 eth0 "$(masq_conf)"
	assert_contains "$(elems masq4)" "$b comment \"ptnet/ctr-m2/eth0\"" "masq4 after DEL of ctr-m1"
	cni_del m2 ctr-m2 eth0 "$(masq_conf)"
	ns_del m1
	ns_del m2
}

# ctr-a dies without DEL (its namespace is gone); ctr-b gets its static
# address and its ports. ctr-b owns every element; ctr-a's late DEL and a GC
# that knows only ctr-b leave them; traffic reaches ctr-b.
same_key_new_owner() {
	local t gc
	ns_new a
	cni_add a ctr-a eth0 "$(static_conf)"
	cni_add a ctr-a eth0 "$(conf_prev "$(pm_conf "$PM")" "$PT_RESULT")"
	cni_add a ctr-a eth0 "$(conf_prev '{"cniVersion":"1.0.0","name":"ptnet","type":"firewall"}' "$PT_RESULT")"
	ns_del a
	ns_new b
	nsx b sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	cni_add b ctr-b eth0 "$(static_conf)"
	cni_add b ctr-b eth0 "$(conf_prev "$(pm_conf "$PM")" "$PT_RESULT")"
	cni_add b ctr-b eth0 "$(conf_prev '{"cniVersion":"1.0.0","name":"ptnet","type":"firewall"}' "$PT_RESULT")"
	pm_serve b b 80
	t=$(nsx host nft list table inet pontoon)
	assert_not_contains "$t" "ctr-a" "table after ADD of ctr-b"
	assert_contains "$t" 'tcp . 8080 comment "ptnet/ctr-b/eth0" : 10.99.0.50 . 80' "pm4any"
	assert_contains "$t" '10.99.0.50 comment "ptnet/ctr-b/eth0"' "masq4/fw4"
	# CHECK of the dead one fails (its elements are ctr-b's), ctr-b's passes.
	cni_run CHECK a ctr-a eth0 "$(conf_prev "$(pm_conf "$PM")" "$(pt_result ctr-a eth0)")" \
		>/dev/null && fail "CHECK of ctr-a passed on ctr-b's elements"
	cni_check b ctr-b eth0 "$(pm_conf "$PM")"
	# The late DELs of ctr-a, with the prevResults it had.
	cni_del a ctr-a eth0 '{"cniVersion":"1.0.0","name":"ptnet","type":"firewall"}'
	cni_del a ctr-a eth0 "$(pm_conf "$PM")"
	cni_del a ctr-a eth0 "$(static_conf)"
	t=$(nsx host nft list table inet pontoon)
	assert_contains "$t" 'tcp . 8080 comment "ptnet/ctr-b/eth0" : 10.99.0.50 . 80' "pm4any after DEL of ctr-a"
	assert_contains "$t" '10.99.0.50 . tcp . 80 comment "ptnet/ctr-b/eth0"' "pmsnat4 after DEL of ctr-a"
	assert_contains "$(elems masq4)" '10.99.0.50 comment "ptnet/ctr-b/eth0"' "masq4 after DEL of ctr-a"
	assert_contains "$(elems fw4)" '10.99.0.50 comment "ptnet/ctr-b/eth0"' "fw4 after DEL of ctr-a"
	pm_expect tcp out $PT_UP4 8080 "^b $PT_OUT4 *$"
	# GC with only ctr-b valid.
	gc=$(jq -c '.cniVersion = "1.1.0" | ."cni.dev/valid-attachments" = [{containerID: "ctr-b", ifname: "eth0"}]' \
		<<<"$(pm_conf "$PM")")
	cni_run_env "$gc" CNI_COMMAND=GC "CNI_PATH=$CNI_PATH" >/dev/null || fail "GC exited $?"
	assert_contains "$(elems pm4any)" 'comment "ptnet/ctr-b/eth0"' "pm4any after GC"
	cni_check b ctr-b eth0 "$(pm_conf "$PM")"
	pm_expect tcp out $PT_UP4 8080 "^b $PT_OUT4 *$"
}

# The chain [bridge(ipMasq), portmap]: bridge creates the table, so portmap
# never does; a UDP flow from before the table must still move to the
# container that publishes its port (its port learnt when bridge made the
# table). Runs first, before any table exists. Another nat table (Docker's,
# iptables') is there from the start, so the flow's NAT is settled by its
# first packet: only forgetting its conntrack entry moves it. The host had
# a service on the port (a sink that never answers) when the flow began.
udp_before_table_bridge_first() {
	local got
	nsx host nft -f - <<-'EOF'
		table ip ptother {
			chain pre { type nat hook prerouting priority 0; policy accept; }
			chain count { type filter hook prerouting priority 0; ct state new counter; }
		}
	EOF
	# A host service on the port that never answers: the flow's entry
	# stays (unreplied) and keeps the packets on the host.
	pt_spawn nsx host socat -u UDP4-RECV:5454 /dev/null
	wait_until 5 sh -c "ip netns exec $(ns host) ss -Hlun | grep -q ':5454 '" ||
		fail "UDP sink on the host did not start"
	pm_udp out $PT_UP4 5454 40002 >/dev/null
	nsx host nft list table inet pontoon >/dev/null 2>&1 && fail "table exists before the case"
	ns_new u
	cni_add u ctr-u eth0 "$(masq_conf)"
	cni_add u ctr-u eth0 "$(conf_prev "$(pm_conf '[{"hostPort":5454,"containerPort":53,"protocol":"udp"}]')" "$PT_RESULT")"
	pm_serve u u 53
	got=$(pm_udp out $PT_UP4 5454 40002)
	[[ $got =~ ^u\  ]] || fail "UDP flow older than the table (made by bridge) after portmap ADD: got '$got'; conntrack: $(ct_of 5454)"
	cni_del u ctr-u eth0 "$(pm_conf '[{"hostPort":5454,"containerPort":53,"protocol":"udp"}]')"
	cni_del u ctr-u eth0 "$(masq_conf)"
	ns_del u
	nsx host nft delete table ip ptother
}

# A port leaves udpseen only once its conntrack entries are forgotten: a DEL
# killed between its transaction and the walk (PONTOON_TEST_KILL_AT) leaves
# the port there, so the next ADD of the port walks and the flow moves.
udpseen_kept_until_flushed() {
	local got rc m='[{"hostPort":5356,"containerPort":53,"protocol":"udp"}]'
	pm_container k1 ctr-k1 "$m"
	pm_serve k1 k1 53
	assert_match '^k1 ' "$(pm_udp out $PT_UP4 5356 40004)" "UDP flow to k1"
	assert_ok nsx host nft get element inet pontoon udpseen '{ 5356 }'
	PT_ENV=(PONTOON_TEST_KILL_AT=portmap-udp-walk)
	cni_run DEL k1 ctr-k1 eth0 "$(conf_prev "$(pm_conf "$m")" "$(pt_result ctr-k1 eth0)")" >/dev/null
	rc=$?
	PT_ENV=()
	assert_eq 137 "$rc" "exit code of the DEL killed before its walk"
	assert_ok nsx host nft get element inet pontoon udpseen '{ 5356 }'
	cni_del k1 ctr-k1 eth0 "$(pm_bridge_conf)"
	ns_del k1
	pm_container k2 ctr-k2 "$m"
	# Walked, then taken out (the flow's next packet puts it back).
	assert_fails nsx host nft get element inet pontoon udpseen '{ 5356 }'
	pm_serve k2 k2 53
	got=$(pm_udp out $PT_UP4 5356 40004)
	[[ $got =~ ^k2\  ]] || fail "UDP flow after a DEL killed before its walk and ADD of k2: got '$got'; conntrack: $(ct_of 5356)"
}

# A network made more open: ADD of a container with the new config makes
# the network's elements what the config says.
firewall_relaxed() {
	local c1 c2 prev t s
	prev=$(jq -c -n '{cniVersion: "1.0.0", interfaces: [{name: "cni4"}, {name: "eth0", sandbox: "/x"}],
		ips: [{address: "10.94.0.IP/24", interface: 1}]}')
	c1=$(jq -c -n --argjson p "${prev/IP/2}" '{cniVersion: "1.0.0", name: "fwnet", type: "firewall",
		ingressPolicy: "isolated", hostAccess: "gateway",
		blockedDestinations: ["169.254.169.254/32", "192.168.0.0/16"], prevResult: $p}')
	c2=$(jq -c -n --argjson p "${prev/IP/3}" '{cniVersion: "1.0.0", name: "fwnet", type: "firewall",
		ingressPolicy: "open", hostAccess: "all", blockedDestinations: ["192.168.0.0/16"],
		prevResult: $p}')
	cni_run ADD /proc/self/ns/net ctr-f1 eth0 "$c1" >/dev/null || fail "ADD ctr-f1"
	t=$(nsx host nft list table inet pontoon)
	assert_contains "$t" '"cni4" . "cni4" comment "fwnet"' "isolated_self before"
	cni_run ADD /proc/self/ns/net ctr-f2 eth0 "$c2" >/dev/null || fail "ADD ctr-f2"
	for s in iso_br iso_self isolated_self hostgw_br; do
		assert_not_contains "$(elems $s)" '"cni4"' "$s after the config was relaxed"
	done
	t=$(elems blocked4)
	assert_not_contains "$t" "169.254.169.254" "blocked4 after the range was removed"
	assert_contains "$t" '"cni4" . 192.168.0.0/16 comment "fwnet"' "blocked4 keeps the range still listed"
	assert_contains "$(elems fw4)" '10.94.0.2 comment "fwnet/ctr-f1/eth0"' "fw4 of ctr-f1"
	# And back: restrictions added again.
	cni_run ADD /proc/self/ns/net ctr-f1 eth0 "$c1" >/dev/null || fail "ADD ctr-f1 again"
	assert_contains "$(elems isolated_self)" '"cni4" . "cni4" comment "fwnet"' "isolated_self again"
	assert_contains "$(elems blocked4)" '"cni4" . 169.254.169.254 comment "fwnet"' "blocked4 again"
}

# masq_net NAME BRIDGE SUBNET: a masqueraded IPv4 network of its own.
masq_net() {
	jq -c --arg d "$PT_TMP/ipam-$1" --arg n "$1" --arg b "$2" --arg s "$3" \
		'.name = $n | .bridge = $b | .ipMasq = true |
		.ipam = {type: "host-local", dataDir: $d, ranges: [[{subnet: $s}]]}' <<<"$(pm_bridge_conf)"
}

# Two networks, one prefix inside the other: ADD of both publishes ports
# and masquerades (the inner prefix is covered by the outer's element).
nested_prefixes() {
	local outer inner
	outer=$(masq_net outer cni5 10.90.0.0/16)
	inner=$(masq_net inner cni6 10.90.7.0/24)
	ns_new n1 n2
	cni_add n1 ctr-n1 eth0 "$outer"
	cni_add n1 ctr-n1 eth0 "$(conf_prev "$(pm_conf '[{"hostPort":9001,"containerPort":80,"protocol":"tcp"}]' '.name = "outer"')" "$PT_RESULT")"
	cni_add n2 ctr-n2 eth0 "$inner"
	cni_add n2 ctr-n2 eth0 "$(conf_prev "$(pm_conf '[{"hostPort":9002,"containerPort":80,"protocol":"tcp"}]' '.name = "inner"')" "$PT_RESULT")"
	assert_contains "$(elems pm4any)" 'tcp . 9002 comment "inner/ctr-n2/eth0"' "pm4any of the inner network"
	assert_contains "$(elems masq4)" 'comment "inner/ctr-n2/eth0"' "masq4 of the inner network"
	# A port taken is still reported as such.
	cni_expect_error 999 ADD n2 ctr-n3 eth0 \
		"$(conf_prev "$(pm_conf '[{"hostPort":9001,"containerPort":80,"protocol":"tcp"}]' '.name = "inner"')" "$(pt_result ctr-n2 eth0)")"
	assert_match "already published" "$(jq -r .msg <<<"$PT_ERROR")" "error of a port taken"
}

# The other order: the inner prefix first, then the outer one. An interval
# set cannot hold a range over one it holds, so the outer network's ADD
# fails, and its error names the overlap.
nested_prefixes_inner_first() {
	local outer inner
	outer=$(masq_net outer2 cni7 10.91.0.0/16)
	inner=$(masq_net inner2 cni8 10.91.7.0/24)
	ns_new n4 n5
	cni_add n4 ctr-n4 eth0 "$inner"
	cni_expect_error 999 ADD n5 ctr-n5 eth0 "$outer"
	assert_contains "$(jq -r .msg <<<"$PT_ERROR")" \
		"the network's prefix (10.91.0.0/16) overlaps the prefix of another pontoon network" "error of the outer prefix"
	assert_not_contains "$(elems masq4)" "outer2" "masq4 after the refused ADD"
	# (the bridge stays, as the reference's does: it is the network's)
	assert_eq "" "$(ipn host -o link show master cni7 | cut -c1-80)" "ports of cni7 after the refused ADD"
	assert_eq "" "$(ls "$PT_TMP/ipam-outer2/outer2" | grep -v -e lock -e last_reserved)" "reservations after the refused ADD"
	cni_del n5 ctr-n5 eth0 "$outer"
	cni_del n4 ctr-n4 eth0 "$inner"
}

run_case ownership-udp-before-table-bridge-first udp_before_table_bridge_first
run_case ownership-masq-del-leaves-others masq_del_leaves_others
run_case ownership-same-key-new-owner same_key_new_owner
run_case ownership-udpseen-kept-until-flushed udpseen_kept_until_flushed
run_case ownership-firewall-relaxed firewall_relaxed
run_case ownership-nested-prefixes nested_prefixes
run_case ownership-nested-prefixes-inner-first nested_prefixes_inner_first
