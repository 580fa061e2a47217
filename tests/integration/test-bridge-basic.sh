#!/usr/bin/env bash
# bridge + host-local: ADD, CHECK and DEL of 20 containers on one bridge, real
# pings, and DEL in every awkward situation a runtime creates (twice, without
# prevResult, after the container's namespace is gone, without CNI_NETNS).
#
#   pt-<pid>-host
#   +---------------------------------------------------------------+
#   |                 cni0  10.99.0.1/24 (isGateway)                |
#   |        veth...  /   veth... |          \ veth...              |
#   +----------------/------------|-----------\---------------------+
#              eth0 /        eth0 |       eth0 \
#        +---------+     +--------+--+      +---+-----+
#        |   c1    |     |    c2     | ...  |   c20   |  pt-<pid>-cN
#        +---------+     +-----------+      +---------+
#        10.99.0.x/24 each, from host-local (dataDir in the test's tmp dir)
#   later cases: d1..d4 the same way, one at a time.
. "$(dirname "$0")/lib.sh"

N=20
CONF=$(bridge_conf)

add_all() {
	local i ip seen=" " veth
	for i in $(seq 1 $N); do
		ns_new "c$i"
		cni_add "c$i" "ctr-$i" eth0 "$CONF"
		ip=$(res_ip "$PT_RESULT" 4)
		assert_match '^10\.99\.0\.[0-9]+$' "$ip" "address of ctr-$i"
		assert_not_contains "$seen" " $ip " "addresses so far"
		seen="$seen$ip "
		assert_json "$PT_RESULT" '.cniVersion' 1.0.0 "result of ctr-$i"
		assert_json "$PT_RESULT" '[.interfaces[].name] | first' cni0 "first interface"
		assert_json "$PT_RESULT" '.interfaces[2].name' eth0 "container interface"
		assert_json "$PT_RESULT" '.interfaces[2].sandbox' "$(pt_netns_path "c$i")" "sandbox"
		assert_json "$PT_RESULT" '.ips[0].interface' 2 "ips[0].interface"
		assert_json "$PT_RESULT" '.ips[0].gateway' 10.99.0.1 "gateway"
		veth=$(res_host_veth "$PT_RESULT")
		assert_ne "" "$veth" "host veth in result"
		assert_json "$(link_json host "$veth")" .master cni0 "master of $veth"
	done
	assert_eq $N "$(ipn host -j link show master cni0 | jq length)" "ports on cni0"
	assert_eq $N "$(ipam_reservations | wc -l)" "reservation files"
	# The reference's on-disk layout: the file is named after the address
	# and holds the container id, CR LF, the interface name (no newline at
	# the end), so state survives a switch between the two.
	assert_eq "$(printf 'ctr-1\r\neth0' | od -c)" \
		"$(od -c <"$PT_TMP/ipam/ptnet/$(res_ip "$(pt_result ctr-1 eth0)" 4)")" \
		"bytes of the reservation file of ctr-1"
}

container_state() {
	local i res ip mac
	for i in $(seq 1 $N); do
		res=$(pt_result "ctr-$i" eth0)
		ip=$(res_ip "$res" 4)
		mac=$(jq -r '.interfaces[2].mac' <<<"$res")
		assert_eq "$ip/24" "$(link_addrs "c$i" eth0 | grep -v :)" "addresses of eth0 in c$i"
		assert_json "$(link_json "c$i" eth0)" .address "$mac" "MAC of eth0 in c$i"
		assert_json "$(link_json "c$i" eth0)" .operstate UP "state of eth0 in c$i"
		assert_eq "eth0 lo" "$(ns_links "c$i" | sort | xargs)" "links in c$i"
	done
	assert_eq "10.99.0.1/24" "$(link_addrs host cni0 | grep -v :)" "address of cni0"
	assert_json "$(link_json host cni0)" .linkinfo.info_kind bridge "kind of cni0"
	assert_eq 1 "$(nsx host cat /proc/sys/net/ipv4/ip_forward)" "host ip_forward"
	# isDefaultGateway is false: no default route.
	assert_eq "" "$(ipn c1 route show default)" "default route in c1"
}

check_all() {
	local i
	for i in $(seq 1 $N); do cni_check "c$i" "ctr-$i" eth0 "$CONF"; done
}

ping_gateway() {
	local i
	for i in $(seq 1 $N); do ping_ok "c$i" 10.99.0.1; done
}

ping_each_other() {
	local i
	for i in $(seq 2 $N); do
		ping_ok c1 "$(res_ip "$(pt_result "ctr-$i" eth0)" 4)"
	done
	ping_ok "c$N" "$(res_ip "$(pt_result ctr-1 eth0)" 4)"
}

check_detects_removed_address() {
	local res ip out
	res=$(pt_result "ctr-$N" eth0)
	ip=$(res_ip "$res" 4)
	assert_ok ipn "c$N" addr del "$ip/24" dev eth0
	out=$(cni_run CHECK "c$N" "ctr-$N" eth0 "$(conf_prev "$CONF" "$res")") &&
		fail "CHECK succeeded though $ip was removed from eth0"
	jq -e .code >/dev/null <<<"$out" || fail "CHECK failed without an error JSON: $out"
	ipn "c$N" addr add "$ip/24" dev eth0
}

check_detects_removed_interface() {
	local res out
	res=$(pt_result "ctr-$((N - 1))" eth0)
	assert_ok ipn "c$((N - 1))" link set eth0 name eth9
	out=$(cni_run CHECK "c$((N - 1))" "ctr-$((N - 1))" eth0 "$(conf_prev "$CONF" "$res")") &&
		fail "CHECK succeeded though eth0 is gone"
	ipn "c$((N - 1))" link set eth9 name eth0
}

del_all() {
	local i veth
	for i in $(seq 1 $N); do
		veth=$(res_host_veth "$(pt_result "ctr-$i" eth0)")
		cni_del "c$i" "ctr-$i" eth0 "$CONF"
		ipn host link show dev "$veth" >/dev/null 2>&1 && fail "$veth still in host after DEL"
		assert_eq "lo" "$(ns_links "c$i" | xargs)" "links in c$i after DEL"
	done
	assert_eq 0 "$(ipn host -j link show master cni0 | jq length)" "ports on cni0"
	assert_eq "" "$(ipam_reservations | xargs)" "reservations left"
	assert_eq "" "$(ipam_other_files | xargs)" "other files left in dataDir"
}

del_twice() {
	cni_del c1 ctr-1 eth0 "$CONF"
	cni_del c2 ctr-2 eth0 "$CONF"
}

# A runtime that lost its cache: DEL with only the network config.
del_without_prev_result() {
	ns_new d1
	cni_add d1 ctr-d1 eth0 "$CONF"
	local veth out
	veth=$(res_host_veth "$PT_RESULT")
	out=$(cni_run DEL d1 ctr-d1 eth0 "$CONF") || fail "DEL without prevResult: $out"
	ipn host link show dev "$veth" >/dev/null 2>&1 && fail "$veth left after DEL"
	assert_eq "lo" "$(ns_links d1 | xargs)" "links in d1 after DEL"
	assert_eq "" "$(ipam_reservations | xargs)" "reservations left"
}

del_after_netns_gone() {
	ns_new d2
	cni_add d2 ctr-d2 eth0 "$CONF"
	ns_del d2
	cni_del d2 ctr-d2 eth0 "$CONF"
	assert_eq "" "$(ipam_reservations | xargs)" "reservations left"
	assert_eq 0 "$(ipn host -j link show master cni0 | jq length)" "ports on cni0"
}

# CNI_NETNS is optional for DEL (spec): the address is released all the same.
del_without_netns() {
	ns_new d3
	cni_add d3 ctr-d3 eth0 "$CONF"
	local out
	out=$(cni_run DEL "" ctr-d3 eth0 "$(conf_prev "$CONF" "$PT_RESULT")") ||
		fail "DEL without CNI_NETNS: $out"
	assert_eq "" "$(ipam_reservations | xargs)" "reservations left"
}

# The address of a deleted container goes back to the pool; round robin
# hands out the next one first, as host-local does.
readd_round_robin() {
	ns_new d4
	local last
	last=$(cat "$PT_TMP/ipam/ptnet/last_reserved_ip.0")
	cni_add d4 ctr-d4 eth0 "$CONF"
	assert_eq "10.99.0.$((${last##*.} + 1))" "$(res_ip "$PT_RESULT" 4)" "address after $last"
	cni_del d4 ctr-d4 eth0 "$CONF"
}

pt_host_new
run_case add-20-containers add_all
run_case container-state container_state
run_case check-20-containers check_all
run_case ping-gateway ping_gateway
run_case ping-between-containers ping_each_other
run_case check-detects-removed-address check_detects_removed_address
run_case check-detects-missing-interface check_detects_removed_interface
run_case del-20-containers del_all
run_case del-twice del_twice
run_case del-without-prevresult del_without_prev_result
run_case del-after-netns-gone del_after_netns_gone
run_case del-without-cni-netns del_without_netns
run_case readd-round-robin readd_round_robin
