#!/usr/bin/env bash
# Dual stack: two range sets (IPv4 and IPv6) on one bridge; each container
# gets one address of each, pings the other container and the gateway over
# both, and the default routes of both families point at the bridge.
# The bridge plugin's enabledad defaults to false, so the container's
# addresses are usable at once; the bridge's own IPv6 address may still be
# in DAD for a moment, hence ping_ok's retries.
#
#   pt-<pid>-host
#   +------------------------------------------------------+
#   |   cni0  10.99.0.1/24  fd99::1/64                     |
#   |     | veth               | veth                      |
#   +-----|--------------------|---------------------------+
#         | eth0               | eth0
#    +----+-----+         +----+-----+
#    |   c1     |         |   c2     |   pt-<pid>-c1, -c2
#    +----------+         +----------+
#    10.99.0.2/24 fd99::2/64   10.99.0.3/24 fd99::3/64
. "$(dirname "$0")/lib.sh"

CONF=$(bridge_conf '.isDefaultGateway = true
	| .ipam.ranges = [[{subnet: "10.99.0.0/24"}], [{subnet: "fd99::/64"}]]')

add_two() {
	local i r
	for i in 1 2; do
		ns_new "c$i"
		cni_add "c$i" "ctr-$i" eth0 "$CONF"
		r=$PT_RESULT
		assert_json "$r" '.ips | length' 2 "number of ips"
		assert_json "$r" '[.ips[].address] | join(" ")' "10.99.0.$((i + 1))/24 fd99::$((i + 1))/64" "ips"
		assert_json "$r" '[.ips[].gateway] | join(" ")' "10.99.0.1 fd99::1" "gateways"
		assert_json "$r" '[.ips[].interface] | join(" ")' "2 2" "ips[].interface"
		assert_json "$r" '[.routes[] | "\(.dst) \(.gw)"] | join(",")' \
			"0.0.0.0/0 10.99.0.1,::/0 fd99::1" "routes"
		assert_eq "10.99.0.$((i + 1))/24 fd99::$((i + 1))/64" \
			"$(link_addrs "c$i" eth0 | grep -v '^fe80' | xargs)" "addresses of eth0 in c$i"
		# Without DAD the address is never "tentative".
		assert_eq "" "$(ipn "c$i" -6 addr show dev eth0 tentative)" "tentative addresses in c$i"
		assert_eq 0 "$(nsx "c$i" cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" "accept_dad of eth0 in c$i"
	done
	assert_eq "10.99.0.1/24 fd99::1/64" "$(link_addrs host cni0 | grep -v '^fe80' | xargs)" "addresses of cni0"
	assert_eq 1 "$(nsx host cat /proc/sys/net/ipv6/conf/all/forwarding)" "IPv6 forwarding in host"
}

routes() {
	assert_eq "default via fd99::1 dev eth0" \
		"$(ipn c1 -6 route show default | grep -o 'default via [^ ]* dev [^ ]*')" "IPv6 default route"
	assert_eq "default via 10.99.0.1 dev eth0" "$(ipn c1 route show default | xargs)" "IPv4 default route"
}

pings() {
	ping_ok c1 10.99.0.1
	ping_ok c1 fd99::1
	ping_ok c1 10.99.0.3
	ping_ok c1 fd99::3
	ping_ok c2 fd99::2
	assert_ok nsx c2 ping -6 -c1 -W2 fd99::2
}

check_del() {
	local i
	for i in 1 2; do cni_check "c$i" "ctr-$i" eth0 "$CONF"; done
	# CHECK notices a missing IPv6 address too.
	assert_ok ipn c2 -6 addr del fd99::3/64 dev eth0
	cni_run CHECK c2 ctr-2 eth0 "$(conf_prev "$CONF" "$(pt_result ctr-2 eth0)")" >/dev/null &&
		fail "CHECK succeeded though fd99::3 was removed"
	for i in 1 2; do cni_del "c$i" "ctr-$i" eth0 "$CONF"; done
	assert_eq "" "$(ipam_reservations | xargs)" "reservations left"
	assert_eq "" "$(ipam_other_files | xargs)" "other files in dataDir"
}

# enabledad: true keeps DAD on for the container's interface.
dad_enabled() {
	local c
	c=$(bridge_conf '.name = "dad" | .bridge = "br-dad" | .enabledad = true
		| .ipam.ranges = [[{subnet: "fd98::/64"}]]')
	ns_new dad
	cni_add dad ctr-dad eth0 "$c"
	assert_eq 1 "$(nsx dad cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" "accept_dad with enabledad"
	cni_del dad ctr-dad eth0 "$c"
}

pt_host_new
run_case dualstack-add add_two
run_case dualstack-routes routes
run_case dualstack-ping pings
run_case dualstack-check-del check_del
run_case enabledad dad_enabled
