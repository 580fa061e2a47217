#!/usr/bin/env bash
# IPAM through the bridge plugin: host-local (rangeStart/rangeEnd and
# exhaustion, requested addresses in three ways, the legacy top-level
# `subnet`, a custom gateway, routes) and static (addresses, routes).
# Each case uses a network and subnet of its own on its own bridge.
#
#   pt-<pid>-host
#   +----------------------------------------------------+
#   |  br-<case>  gateway of 10.99.<k>.0/24              |
#   |     | veth  | veth  | veth  ...                    |
#   +-----|-------|-------|------------------------------+
#         | eth0  | eth0  | eth0
#       [<case>1][<case>2][<case>3]    pt-<pid>-<case>N
. "$(dirname "$0")/lib.sh"

# conf K BRIDGE [FILTER]: network "net<K>", subnet 10.99.K.0/24.
conf() {
	PT_SUBNET4="10.99.$1.0/24" bridge_conf ".name = \"net$1\" | .bridge = \"$2\" | ${3:-.}"
}

range_start_end() {
	local c i out
	c=$(conf 1 br-rng '.ipam.ranges = [[{subnet: "10.99.1.0/24", rangeStart: "10.99.1.10", rangeEnd: "10.99.1.12"}]]')
	for i in 1 2 3; do
		ns_new "rng$i"
		cni_add "rng$i" "ctr-rng$i" eth0 "$c"
		assert_eq "10.99.1.$((9 + i))" "$(res_ip "$PT_RESULT" 4)" "address $i"
	done
	ns_new rng4
	out=$(cni_run ADD rng4 ctr-rng4 eth0 "$c") && fail "ADD in an exhausted range succeeded: $out"
	jq -e '.code and .msg' >/dev/null 2>&1 <<<"$out" || fail "no CNI error JSON: $out"
	assert_eq 3 "$(ipam_reservations net1 | wc -l)" "reservations"
	# The reference creates the veth before asking IPAM and leaves it
	# when IPAM fails; the runtime's DEL removes it.
	cni_run DEL rng4 ctr-rng4 eth0 "$c" >/dev/null || fail "DEL after the failed ADD"
	assert_eq "lo" "$(ns_links rng4 | xargs)" "links in rng4 after the failed ADD and DEL"
	# DEL releases: the freed address is handed out again.
	cni_del rng2 ctr-rng2 eth0 "$c"
	cni_add rng4 ctr-rng4 eth0 "$c"
	assert_eq 10.99.1.11 "$(res_ip "$PT_RESULT" 4)" "address after a release"
	for i in 1 3 4; do cni_del "rng$i" "ctr-rng$i" eth0 "$c"; done
	assert_eq "" "$(ipam_reservations net1 | xargs)" "reservations left"
}

# requested WAY ADDRESS: an address asked for by CNI_ARGS IP=, args.cni.ips
# or runtimeConfig.ips.
requested() {
	local c way=$1 want=$2 n
	n=req-$way
	c=$(conf 2 br-req)
	case $way in
	cniargs) export CNI_ARGS="IgnoreUnknown=1;IP=$want" ;;
	args) c=$(jq -c --arg a "$want" '.args = {cni: {ips: [$a]}}' <<<"$c") ;;
	runtimeconfig) c=$(jq -c --arg a "$want/24" '.runtimeConfig = {ips: [$a]}' <<<"$c") ;;
	esac
	ns_new "$n"
	cni_add "$n" "ctr-$n" eth0 "$c"
	assert_eq "$want" "$(res_ip "$PT_RESULT" 4)" "requested address"
	assert_eq "$want/24" "$(link_addrs "$n" eth0 | grep -v : | xargs)" "address of eth0"
	# The same address again, for another container: refused.
	ns_new "$n-b"
	cni_run ADD "$n-b" "ctr-$n-b" eth0 "$c" >/dev/null && fail "a taken address was handed out twice"
	cni_run DEL "$n-b" "ctr-$n-b" eth0 "$c" >/dev/null
	cni_del "$n" "ctr-$n" eth0 "$c"
	unset CNI_ARGS
}

legacy_subnet() {
	local c
	c=$(conf 3 br-leg '.ipam = {type: "host-local", dataDir: .ipam.dataDir,
		subnet: "10.99.3.0/24", rangeStart: "10.99.3.100", gateway: "10.99.3.254"}')
	ns_new leg
	cni_add leg ctr-leg eth0 "$c"
	assert_eq 10.99.3.100 "$(res_ip "$PT_RESULT" 4)" "address"
	assert_json "$PT_RESULT" '.ips[0].gateway' 10.99.3.254 "gateway"
	assert_eq "10.99.3.254/24" "$(link_addrs host br-leg | grep -v : | xargs)" "address of br-leg"
	ping_ok leg 10.99.3.254
	cni_del leg ctr-leg eth0 "$c"
}

ipam_routes() {
	local c
	c=$(conf 4 br-rt '.ipam.ranges = [[{subnet: "10.99.4.0/24", gateway: "10.99.4.254"}]]
		| .ipam.routes = [{dst: "0.0.0.0/0"}, {dst: "192.0.2.0/24", gw: "10.99.4.253"}]')
	ns_new rt
	cni_add rt ctr-rt eth0 "$c"
	assert_json "$PT_RESULT" '[.routes[] | "\(.dst) \(.gw // "-")"] | join(",")' \
		"0.0.0.0/0 -,192.0.2.0/24 10.99.4.253" "routes in result"
	assert_eq "default via 10.99.4.254 dev eth0" "$(ipn rt route show default | xargs)" "default route"
	assert_eq "192.0.2.0/24 via 10.99.4.253 dev eth0" "$(ipn rt route show 192.0.2.0/24 | xargs)" "route to 192.0.2.0/24"
	cni_check rt ctr-rt eth0 "$c"
	# CHECK notices a missing route.
	assert_ok ipn rt route del 192.0.2.0/24
	cni_run CHECK rt ctr-rt eth0 "$(conf_prev "$c" "$PT_RESULT")" >/dev/null &&
		fail "CHECK succeeded though the route to 192.0.2.0/24 is gone"
	cni_del rt ctr-rt eth0 "$c"
}

static_ipam() {
	local c
	c=$(conf 5 br-st '.ipam = {type: "static",
		addresses: [{address: "10.99.5.10/24", gateway: "10.99.5.1"}, {address: "fd99:5::10/64", gateway: "fd99:5::1"}],
		routes: [{dst: "192.0.2.0/24", gw: "10.99.5.1"}]}')
	ns_new st st2
	cni_add st ctr-st eth0 "$c"
	assert_json "$PT_RESULT" '[.ips[].address] | join(" ")' "10.99.5.10/24 fd99:5::10/64" "ips"
	assert_eq "10.99.5.10/24 fd99:5::10/64" "$(link_addrs st eth0 | grep -v ^fe80 | xargs)" "addresses of eth0"
	assert_eq "192.0.2.0/24 via 10.99.5.1 dev eth0" "$(ipn st route show 192.0.2.0/24 | xargs)" "route"
	assert_eq "10.99.5.1/24 fd99:5::1/64" "$(link_addrs host br-st | grep -v ^fe80 | xargs)" "addresses of br-st"
	ping_ok st 10.99.5.1
	ping_ok st fd99:5::1
	cni_check st ctr-st eth0 "$c"
	cni_del st ctr-st eth0 "$c"
	assert_eq "lo" "$(ns_links st | xargs)" "links after DEL"
	# static keeps no state: the same address at once for another container.
	cni_add st2 ctr-st2 eth0 "$c"
	cni_del st2 ctr-st2 eth0 "$c"
}

# static with the address given in CNI_ARGS (IP=...), as its docs allow.
static_cni_args() {
	local c
	c=$(conf 6 br-sa '.ipam = {type: "static"}')
	ns_new sa
	export CNI_ARGS="IgnoreUnknown=1;IP=10.99.6.20/24;GATEWAY=10.99.6.1"
	cni_add sa ctr-sa eth0 "$c"
	assert_eq "10.99.6.20/24" "$(link_addrs sa eth0 | grep -v : | xargs)" "address of eth0"
	assert_json "$PT_RESULT" '.ips[0].gateway' 10.99.6.1 "gateway"
	cni_del sa ctr-sa eth0 "$c"
	unset CNI_ARGS
}

# A static route without "gw" goes via the gateway of its family, and CHECK
# must accept what ADD did. The reference (1.1.1) fails this CHECK: it looks
# for a route with no gateway. pontoon-only until the reference is fixed.
static_route_without_gw() {
	pontoon_only "reference CHECK fails on a static route without gw (looks for gw nil)"
	local c
	c=$(conf 7 br-sn '.ipam = {type: "static",
		addresses: [{address: "10.99.7.10/24", gateway: "10.99.7.1"}],
		routes: [{dst: "192.0.2.0/24"}]}')
	ns_new sn
	cni_add sn ctr-sn eth0 "$c"
	assert_eq "192.0.2.0/24 via 10.99.7.1 dev eth0" "$(ipn sn route show 192.0.2.0/24 | xargs)" "route"
	cni_check sn ctr-sn eth0 "$c"
	cni_del sn ctr-sn eth0 "$c"
}

pt_host_new
run_case host-local-range-start-end range_start_end
run_case host-local-requested-cni-args requested cniargs 10.99.2.50
run_case host-local-requested-args requested args 10.99.2.51
run_case host-local-requested-runtimeconfig requested runtimeconfig 10.99.2.52
run_case host-local-legacy-subnet legacy_subnet
run_case host-local-routes ipam_routes
run_case static-ipam static_ipam
run_case static-ipam-cni-args static_cni_args
run_case static-route-without-gw static_route_without_gw
