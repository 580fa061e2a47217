#!/usr/bin/env bash
# bridge `vlan` and `vlanTrunk`: the bridge gets VLAN filtering, the
# container's port carries the VLAN (untagged, PVID) or the trunk's VLANs
# (tagged); two containers in VLAN 100 reach each other, one in VLAN 101
# does not reach them.
# This machine's kernel lacks bridge VLAN filtering (ARCHITECTURE.md): the
# test detects that and reports its cases skipped (the netlink messages are
# unit-tested against golden bytes instead), and checks that ADD fails
# cleanly there.
#
#   pt-<pid>-host
#   +-------------------------------------------------------------+
#   |  cni0 (vlan_filtering 1)                                    |
#   |    | veth vid 100      | veth vid 100     | veth vid 101    |
#   +----|-------------------|------------------|-----------------+
#        | eth0              | eth0             | eth0
#    +---+----+          +---+----+         +---+----+
#    |  v1    |          |  v2    |         |  v3    |    pt-<pid>-vN
#    +--------+          +--------+         +--------+
#    trunk: pt-<pid>-t1 on its own bridge br-trunk, VLANs 200-202 and 300 tagged.
. "$(dirname "$0")/lib.sh"

has_vlan_filtering() {
	ipn host link add "ptvf$$" type bridge vlan_filtering 1 2>/dev/null || return 1
	ipn host link del "ptvf$$"
}

need_vlan_filtering() {
	[ "$VLAN_OK" = yes ] || skip "kernel lacks bridge VLAN filtering"
}

# The VLANs of a bridge port: "100 PVID Egress Untagged" lines, sorted.
port_vlans() {
	bridge -n "$(ns host)" -j vlan show dev "$1" |
		jq -r '.[0].vlans[] | "\(.vlan)\(if .vlanEnd then "-\(.vlanEnd)" else "" end) \(.flags // [] | join(" "))"' | sort
}

vlan_access() {
	need_vlan_filtering
	local c100 c101 v1 ip2 ip3
	c100=$(bridge_conf '.vlan = 100')
	c101=$(bridge_conf '.vlan = 101')
	ns_new v1 v2 v3
	cni_add v1 ctr-v1 eth0 "$c100"
	v1=$(res_host_veth "$PT_RESULT")
	cni_add v2 ctr-v2 eth0 "$c100"
	ip2=$(res_ip "$PT_RESULT" 4)
	cni_add v3 ctr-v3 eth0 "$c101"
	ip3=$(res_ip "$PT_RESULT" 4)
	assert_json "$(link_json host cni0)" .linkinfo.info_data.vlan_filtering 1 "vlan_filtering of cni0"
	assert_eq "100 PVID Egress Untagged" "$(port_vlans "$v1")" "VLANs of $v1"
	ping_ok v1 "$ip2"
	ping_fails v1 "$ip3"
	cni_check v1 ctr-v1 eth0 "$c100"
	cni_del v1 ctr-v1 eth0 "$c100"
	cni_del v2 ctr-v2 eth0 "$c100"
	cni_del v3 ctr-v3 eth0 "$c101"
}

vlan_trunk() {
	need_vlan_filtering
	needs_newer_reference vlanTrunk
	local c v
	c=$(PT_SUBNET4=10.99.1.0/24 bridge_conf '.name = "trunk" | .bridge = "br-trunk"
		| .vlanTrunk = [{minID: 200, maxID: 202}, {id: 300}]')
	ns_new t1
	cni_add t1 ctr-t1 eth0 "$c"
	v=$(res_host_veth "$PT_RESULT" br-trunk)
	assert_contains "$(port_vlans "$v")" "200-202" "VLANs of $v"
	assert_contains "$(port_vlans "$v")" "300" "VLANs of $v"
	assert_not_contains "$(port_vlans "$v")" "Untagged" "VLANs of $v"
	cni_del t1 ctr-t1 eth0 "$c"
}

# On a kernel without VLAN filtering, ADD with `vlan` must fail with an error
# JSON and leave nothing behind (no bridge, no veth, no reservation).
vlan_unsupported_fails_cleanly() {
	[ "$VLAN_OK" = no ] || skip "kernel has bridge VLAN filtering"
	local c out
	c=$(PT_SUBNET4=10.99.2.0/24 bridge_conf '.name = "nofilter" | .bridge = "br-nf" | .vlan = 100')
	ns_new nf
	out=$(cni_run ADD nf ctr-nf eth0 "$c") && fail "ADD with vlan succeeded on a kernel without VLAN filtering"
	jq -e '.code and .msg' >/dev/null 2>&1 <<<"$out" || fail "no CNI error JSON: $out"
	assert_eq "lo" "$(ns_links host | xargs)" "links in host after the failed ADD"
	assert_eq "lo" "$(ns_links nf | xargs)" "links in the container after the failed ADD"
	assert_eq "" "$(ipam_reservations nofilter | xargs)" "reservations after the failed ADD"
	cni_run DEL nf ctr-nf eth0 "$c" >/dev/null || fail "DEL after the failed ADD"
}

pt_host_new
VLAN_OK=no
has_vlan_filtering && VLAN_OK=yes
run_case vlan vlan_access
run_case vlan-trunk vlan_trunk
run_case vlan-unsupported-fails-cleanly vlan_unsupported_fails_cleanly
