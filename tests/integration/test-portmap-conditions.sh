#!/usr/bin/env bash
# portmap conditionsV4/V6 with real TCP and UDP traffic: a port published
# with `! -s <outside net>` is not DNATed for that source but is for another
# outside source and for the host itself; `-d` and `! -d` (iptables words, and
# the same in nft words) select the host address a port answers on; two
# containers with different conditions on different ports do not affect each
# other; CHECK sees the condition elements, DEL removes them (with prevResult
# by key, without it by comment, GC), a condition pontoon cannot express is
# refused with CNI code 2, and on a table made before conditions existed an
# ADD with conditions fails cleanly.
#
#   pt-<pid>-out                  pt-<pid>-host                   pt-<pid>-out2
#   +------------------+          +----------------------+          +-------------------+
#   | eth0 192.0.2.2   |----------| up0 192.0.2.1/24     |          |                   |
#   |   2001:db8::2    |          |     2001:db8::1/64   |          | eth0 198.51.100.2 |
#   +------------------+          | up1 198.51.100.1/24  |----------|  2001:db8:1::2    |
#                                 |     2001:db8:1::1/64 |          +-------------------+
#                                 | cni0 10.99.0.1/24    |
#                                 +--/--------|------\---+
#                                  c1        c2       c3   containers on cni0
# c1: 8080/tcp, 5353/udp (all addresses), 9191/tcp on 192.0.2.1;
#     conditionsV4 ! -s 192.0.2.0/24, conditionsV6 ! -s 2001:db8::/64
# c2: 8081/tcp; conditionsV4 -d 198.51.100.1, conditionsV6 -s 2001:db8:1::/48
# c3: 8082/tcp; conditionsV4 "ip daddr != 192.0.2.1" (nft words)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/portmap-lib.sh"

PT_OUT2_4=198.51.100.2
PT_UP1_4=198.51.100.1
PT_OUT2_6=2001:db8:1::2
PT_UP1_6=2001:db8:1::1

M1='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
     {"hostPort":5353,"containerPort":53,"protocol":"udp"},
     {"hostPort":9191,"containerPort":91,"protocol":"tcp","hostIP":"192.0.2.1"}]'
F1='.conditionsV4 = ["!", "-s", "192.0.2.0/24"] | .conditionsV6 = ["!", "--source", "2001:db8::/64"]'
M2='[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]'
F2='.conditionsV4 = ["-d", "198.51.100.1"] | .conditionsV6 = ["-s", "2001:db8:1::/48"]'
M3='[{"hostPort":8082,"containerPort":80,"protocol":"tcp"}]'
F3='.backend = "nftables" | .conditionsV4 = ["ip daddr != 192.0.2.1"]'

pm_plugin_dir

# A second outside network on its own uplink.
second_outside() {
	ns_new out2
	pm_uplink out2 up1 "$PT_UP1_4" "$PT_UP1_6" "$PT_OUT2_4" "$PT_OUT2_6"
}

pm_topology
second_outside

setup() {
	pm_container c1 ctr-1 "$M1" "$F1"
	pm_container c2 ctr-2 "$M2" "$F2"
	pm_container c3 ctr-3 "$M3" "$F3"
	pm_serve c1 c1 80
	pm_serve c1 c1 53
	pm_serve c1 c1 91
	pm_serve c2 c2 80
	pm_serve c3 c3 80
}

elements_and_check() {
	local t
	t=$(nsx host nft list table inet pontoon)
	assert_contains "$t" '192.0.2.0/24 . tcp . 8080 comment "ptnet/ctr-1/eth0"' "pm4anynosrc of c1"
	assert_contains "$t" '192.0.2.0/24 . udp . 5353 comment "ptnet/ctr-1/eth0"' "pm4anynosrc of c1 (udp)"
	assert_contains "$t" '192.0.2.0/24 . 192.0.2.1 . tcp . 9191 comment "ptnet/ctr-1/eth0"' "pm4nosrc of c1"
	assert_contains "$t" '2001:db8::/64 . tcp . 8080 comment "ptnet/ctr-1/eth0"' "pm6anynosrc of c1"
	assert_contains "$t" '0.0.0.0-198.51.100.0 . tcp . 8081 comment "ptnet/ctr-2/eth0"' "pm4anynodst of c2"
	assert_contains "$t" '2001:db8:2::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff . tcp . 8081 comment "ptnet/ctr-2/eth0"' "pm6anynosrc of c2"
	assert_contains "$t" '192.0.2.1 . tcp . 8082 comment "ptnet/ctr-3/eth0"' "pm4anynodst of c3"
	cni_check c1 ctr-1 eth0 "$(pm_conf "$M1" "$F1")"
	cni_check c2 ctr-2 eth0 "$(pm_conf "$M2" "$F2")"
	cni_check c3 ctr-3 eth0 "$(pm_conf "$M3" "$F3")"
}

check_sees_missing_condition() {
	# CHECK fails when a condition element is gone (then it is put back).
	local el='{ 192.0.2.0/24 . tcp . 8080 }'
	nsx host nft delete element inet pontoon pm4anynosrc "$el"
	local out rc
	out=$(cni_run CHECK c1 ctr-1 eth0 "$(conf_prev "$(pm_conf "$M1" "$F1")" "$(pt_result ctr-1 eth0)")")
	rc=$?
	nsx host nft add element inet pontoon pm4anynosrc '{ 192.0.2.0/24 . tcp . 8080 comment "ptnet/ctr-1/eth0" }'
	[ $rc -ne 0 ] || fail "CHECK succeeded with a condition element missing"
	assert_contains "$out" "pm4anynosrc" "CHECK's error"
}

not_source() {
	# From the excluded outside network: not DNATed (the host has no server
	# on these ports, so nothing answers).
	pm_expect_none tcp out $PT_UP4 8080
	pm_expect_none udp out $PT_UP4 5353
	pm_expect_none tcp out $PT_UP4 9191
	pm_expect_none tcp out $PT_UP6 8080
	# From the other outside network: DNATed, on either host address.
	pm_expect tcp out2 $PT_UP1_4 8080 "^c1 $PT_OUT2_4 *$"
	pm_expect tcp out2 $PT_UP4 8080 "^c1 $PT_OUT2_4 *$"
	pm_expect udp out2 $PT_UP1_4 5353 "^c1 $PT_OUT2_4 *$"
	pm_expect tcp out2 $PT_UP4 9191 "^c1 $PT_OUT2_4 *$"
	pm_expect tcp out2 $PT_UP1_6 8080 "^c1 \[2001:0db8:0001:0000:0000:0000:0000:0002\] *$"
	# From the host itself: 127.0.0.1 is not in 192.0.2.0/24.
	pm_expect tcp host 127.0.0.1 8080 "^c1 10\.99\.0\.1 *$"
	pm_expect tcp host $PT_UP1_4 8080 "^c1 "
	# ... but to 192.0.2.1 the host's source is 192.0.2.1, which is excluded.
	pm_expect_none tcp host $PT_UP4 8080
}

destination() {
	# c2: -d 198.51.100.1 — only that host address, from anywhere (the
	# outside network c1 excludes included: c1's conditions are c1's).
	pm_expect tcp out $PT_UP1_4 8081 "^c2 $PT_OUT4 *$"
	pm_expect tcp out2 $PT_UP1_4 8081 "^c2 $PT_OUT2_4 *$"
	pm_expect_none tcp out $PT_UP4 8081
	pm_expect_none tcp out2 $PT_UP4 8081
	# c2's IPv6: only sources in 2001:db8:1::/48 (out2), on any host address.
	pm_expect tcp out2 $PT_UP6 8081 "^c2 \[2001:0db8:0001:0000:0000:0000:0000:0002\] *$"
	pm_expect_none tcp out $PT_UP6 8081
	pm_expect_none tcp out $PT_UP1_6 8081
	# c3: ip daddr != 192.0.2.1 — every host address but that one.
	pm_expect tcp out $PT_UP1_4 8082 "^c3 $PT_OUT4 *$"
	pm_expect_none tcp out $PT_UP4 8082
	pm_expect_none tcp out2 $PT_UP4 8082
	pm_expect tcp host 127.0.0.1 8082 "^c3 "
	# c3's conditions are IPv4 only: IPv6 goes through.
	pm_expect tcp out $PT_UP6 8082 "^c3 \[2001:0db8:0000:0000:0000:0000:0000:0002\] *$"
}

unsupported() {
	local c
	for c in '["-m", "comment", "--comment", "x"]' '["!", "-i", "eth0"]' '["-p", "tcp"]' \
		'["-d", "fc00::/7"]'; do
		cni_expect_error 2 ADD c1 ctr-x eth0 \
			"$(conf_prev "$(pm_conf '[{"hostPort":8090,"containerPort":80}]' ".conditionsV4 = $c")" \
				"$(pt_result ctr-1 eth0)")"
		assert_match '^conditionsV4\[[0-9]+\]: ' "$(jq -r .msg <<<"$PT_ERROR")" "error message"
	done
	cni_expect_error 7 ADD c1 ctr-x eth0 \
		"$(conf_prev "$(pm_conf '[{"hostPort":8090,"containerPort":80}]' '.conditionsV4 = ["!", "-d"]')" \
			"$(pt_result ctr-1 eth0)")"
	assert_not_contains "$(nsx host nft list table inet pontoon)" "ctr-x" "table after refused ADDs"
}

condition_elements() { # CID: the lines of the condition sets that name CID
	local s
	for s in pm4nosrc pm4anynosrc pm4anynodst pm6nosrc pm6anynosrc pm6anynodst; do
		nsx host nft list set inet pontoon $s | grep -F "$1" || true
	done
}

del_removes() {
	# With prevResult and the ADD's config: the elements by key.
	cni_del c1 ctr-1 eth0 "$(pm_conf "$M1" "$F1")"
	assert_eq "" "$(condition_elements ctr-1)" "condition elements of ctr-1 after DEL"
	assert_not_contains "$(nsx host nft list table inet pontoon)" "ctr-1" "table after DEL of ctr-1"
	# Without prevResult or mappings: by comment (IPv4 and IPv6 ranges).
	rm -f "$PT_TMP/result.ctr-2.eth0"
	cni_del c2 ctr-2 eth0 "$(pm_conf '[]' "$F2")"
	assert_eq "" "$(condition_elements ctr-2)" "condition elements of ctr-2 after DEL by comment"
	# GC: ctr-3 is not among the valid attachments.
	local out
	out=$(cni_run GC "" "" "" "$(pm_conf '[]' '.cniVersion = "1.1.0" | .["cni.dev/valid-attachments"] = []')")
	[ $? -eq 0 ] || fail "GC failed: $out"
	assert_eq "" "$(condition_elements ctr-3)" "condition elements of ctr-3 after GC"
	assert_eq "" "$(condition_elements ptnet)" "condition elements left"
	assert_not_contains "$(nsx host nft list table inet pontoon)" "ctr-" "table after DEL and GC"
	# And the ports are plain host ports again.
	pm_expect_none tcp out2 $PT_UP4 8080
	pm_expect_none tcp out $PT_UP1_4 8081
	# DEL again: nothing there, still success.
	cni_del c1 ctr-1 eth0 "$(pm_conf "$M1" "$F1")"
}

# A table made by a pontoon without conditions (the base ruleset without the
# condition sets and lookups): an ADD with conditions fails rather than
# publishing without them, and leaves nothing; DEL succeeds.
old_table() {
	local out M='[{"hostPort":8085,"containerPort":80}]' F='.conditionsV4 = ["!", "-s", "192.0.2.0/24"]'
	nsx host nft delete table inet pontoon
	sed -e '/set pm[46]\(any\)\?no\(src\|dst\) /d' \
	    -e 's/ip6\? [sd]addr \(\. ip6\? daddr \)\?\. meta l4proto \. th dport != @pm[46]\(any\)\?no\(src\|dst\) //g' \
	    -e 's/^\t\tdnat ip to meta/\t\tmeta nfproto ipv4 dnat ip to meta/' \
	    -e 's/^\t\tdnat ip6 to meta/\t\tmeta nfproto ipv6 dnat ip6 to meta/' \
	    "$PT_SRC/tests/golden/nft/base.nft" >"$PT_TMP/old-base.nft"
	nsx host nft -f "$PT_TMP/old-base.nft" || fail "old base ruleset does not load"
	out=$(cni_run ADD c3 ctr-3 eth0 "$(conf_prev "$(pm_conf "$M" "$F")" "$(pt_result ctr-3 eth0)")")
	assert_contains "$(jq -r .msg <<<"$out")" "no sets for conditionsV4/V6" "ADD's error"
	assert_not_contains "$(nsx host nft list table inet pontoon)" "ctr-3" "table after the failed ADD"
	cni_del c3 ctr-3 eth0 "$(pm_conf "$M" "$F")"
	nsx host nft delete table inet pontoon
}

run_case portmap-cond-setup setup
run_case portmap-cond-elements-and-check elements_and_check
run_case portmap-cond-check-sees-missing check_sees_missing_condition
run_case portmap-cond-not-source not_source
run_case portmap-cond-destination destination
run_case portmap-cond-unsupported unsupported
run_case portmap-cond-del-removes del_removes
run_case portmap-cond-old-table old_table
