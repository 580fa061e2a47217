#!/usr/bin/env bash
# The loopback plugin: ADD brings lo up in the container (127.0.0.1 and ::1
# usable), CHECK fails when lo is down, DEL takes it down, and DEL after the
# namespace is gone succeeds.
#
#   pt-<pid>-host (the plugin runs here)
#   +---------------------+
#   |  (nothing created)  |
#   +---------------------+
#    +-----------+  +-----------+
#    | l1: lo    |  | l2: lo    |   pt-<pid>-l1, -l2
#    +-----------+  +-----------+
. "$(dirname "$0")/lib.sh"

CONF='{"cniVersion":"1.0.0","name":"lo","type":"loopback"}'

add() {
	ns_new l1
	ipn l1 link set lo down
	cni_add l1 ctr-l1 lo "$CONF"
	assert_json "$PT_RESULT" '.interfaces | map("\(.name) \(.mac) \(.sandbox)") | join(",")' \
		"lo 00:00:00:00:00:00 $(pt_netns_path l1)" "interfaces"
	assert_json "$PT_RESULT" '.ips | map("\(.interface) \(.address)") | join(",")' \
		"0 127.0.0.1/8,0 ::1/128" "ips"
	assert_json "$(link_json l1 lo)" '.flags | index("UP") != null' true "lo is up"
	assert_ok nsx l1 ping -c1 -W1 127.0.0.1
	assert_ok nsx l1 ping -6 -c1 -W1 ::1
	assert_eq "lo" "$(ns_links l1 | xargs)" "links in l1"
	assert_eq "lo" "$(ns_links host | xargs)" "links in host"
}

check() {
	cni_check l1 ctr-l1 lo "$CONF"
	ipn l1 link set lo down
	cni_run CHECK l1 ctr-l1 lo "$(conf_prev "$CONF" "$(pt_result ctr-l1 lo)")" >/dev/null &&
		fail "CHECK succeeded though lo is down"
	ipn l1 link set lo up
}

del() {
	cni_del l1 ctr-l1 lo "$CONF"
	assert_json "$(link_json l1 lo)" '.flags | index("UP") != null' false "lo is up after DEL"
	cni_del l1 ctr-l1 lo "$CONF"
}

del_netns_gone() {
	ns_new l2
	cni_add l2 ctr-l2 lo "$CONF"
	ns_del l2
	cni_del l2 ctr-l2 lo "$CONF"
}

# Older versions get their own result format.
versions() {
	local v
	ns_new l3
	for v in 0.3.0 0.3.1 0.4.0 1.0.0; do
		cni_add l3 ctr-l3 lo "$(jq -c --arg v "$v" '.cniVersion = $v' <<<"$CONF")"
		assert_json "$PT_RESULT" .cniVersion "$v" "cniVersion of the result"
		assert_json "$PT_RESULT" '.ips[0].address' 127.0.0.1/8 "first address"
	done
}

pt_host_new
run_case loopback-add add
run_case loopback-check check
run_case loopback-del del
run_case loopback-del-netns-gone del_netns_gone
run_case loopback-versions versions
