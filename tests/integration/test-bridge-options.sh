#!/usr/bin/env bash
# bridge options, one case each, each on a bridge and subnet of its own in
# one host namespace: mtu, hairpinMode, promiscMode, isGateway,
# isDefaultGateway, forceAddress, mac (runtimeConfig, args, CNI_ARGS),
# portIsolation.
#
#   pt-<pid>-host
#   +------------------------------------------------------------------+
#   |  br-<case> 10.99.<k>.1/24 (one bridge per case)                  |
#   |      | veth                 | veth                               |
#   +------|----------------------|------------------------------------+
#          | eth0                 | eth0
#     +----+-----+           +----+-----+
#     | <case>a  |           | <case>b  |   pt-<pid>-<case>a/b
#     +----------+           +----------+
. "$(dirname "$0")/lib.sh"

# conf K BRIDGE [FILTER]: a network "net<K>" on bridge BRIDGE, subnet 10.99.K.0/24.
conf() {
	PT_SUBNET4="10.99.$1.0/24" bridge_conf ".name = \"net$1\" | .bridge = \"$2\" | ${3:-.}"
}

mtu() {
	local c veth
	c=$(conf 1 br-mtu '.mtu = 1400')
	ns_new mtua
	cni_add mtua ctr-mtu eth0 "$c"
	veth=$(res_host_veth "$PT_RESULT" br-mtu)
	assert_json "$(link_json mtua eth0)" .mtu 1400 "mtu of eth0 in container"
	assert_json "$(link_json host "$veth")" .mtu 1400 "mtu of host veth"
	assert_json "$(link_json host br-mtu)" .mtu 1400 "mtu of the bridge"
	ping_ok mtua 10.99.1.1
	# 1372 bytes of ICMP payload make a 1400-byte packet: fits, no fragments.
	assert_ok nsx mtua ping -c1 -W1 -M do -s 1372 10.99.1.1
	assert_fails nsx mtua ping -c1 -W1 -M do -s 1373 10.99.1.1
	cni_del mtua ctr-mtu eth0 "$c"
}

hairpin() {
	local con coff von voff
	con=$(conf 2 br-hp '.hairpinMode = true')
	coff=$(conf 2 br-hp)
	ns_new hpa hpb
	cni_add hpa ctr-hpa eth0 "$con"
	von=$(res_host_veth "$PT_RESULT" br-hp)
	cni_add hpb ctr-hpb eth0 "$coff"
	voff=$(res_host_veth "$PT_RESULT" br-hp)
	assert_json "$(link_json host "$von")" .linkinfo.info_slave_data.hairpin true "hairpin of $von (hairpinMode true)"
	assert_json "$(link_json host "$voff")" .linkinfo.info_slave_data.hairpin false "hairpin of $voff (default)"
	assert_contains "$(ipn host -d link show dev "$von")" "hairpin on" "ip -d link show $von"
	cni_del hpa ctr-hpa eth0 "$con"
	cni_del hpb ctr-hpb eth0 "$coff"
}

promisc() {
	local c
	c=$(conf 3 br-pr '.promiscMode = true')
	ns_new pra
	cni_add pra ctr-pr eth0 "$c"
	assert_json "$(link_json host br-pr)" '.flags | index("PROMISC") != null' true "flags of br-pr"
	cni_del pra ctr-pr eth0 "$c"
	# and a bridge without it is not promiscuous
	c=$(conf 4 br-npr)
	ns_new prb
	cni_add prb ctr-npr eth0 "$c"
	assert_json "$(link_json host br-npr)" '.flags | index("PROMISC") != null' false "flags of br-npr"
	cni_del prb ctr-npr eth0 "$c"
}

# The reference refuses hairpinMode and promiscMode together (with promisc
# the bridge itself reflects frames); a drop-in must too, and release the
# address it took.
hairpin_with_promisc() {
	local c
	c=$(conf 5 br-hpp '.hairpinMode = true | .promiscMode = true')
	ns_new hppa
	cni_run ADD hppa ctr-hpp eth0 "$c" >/dev/null && fail "ADD with hairpinMode and promiscMode succeeded"
	assert_eq "" "$(ipam_reservations net5 | xargs)" "reservations after the failed ADD"
	assert_eq "lo" "$(ns_links hppa | xargs)" "links in the container after the failed ADD"
	cni_run DEL hppa ctr-hpp eth0 "$c" >/dev/null || fail "DEL after the failed ADD"
}

default_gateway() {
	local c
	c=$(conf 6 br-dgw '.isGateway = false | .isDefaultGateway = true')
	ns_new dgwa
	cni_add dgwa ctr-dgw eth0 "$c"
	assert_eq "default via 10.99.6.1 dev eth0" "$(ipn dgwa route show default | xargs)" "default route"
	assert_json "$PT_RESULT" '[.routes[]? | select(.dst == "0.0.0.0/0") | .gw] | join(",")' 10.99.6.1 "default route in result"
	# isDefaultGateway implies isGateway: the bridge holds the gateway address.
	assert_eq "10.99.6.1/24" "$(link_addrs host br-dgw | grep -v :)" "addresses of br-dgw"
	ping_ok dgwa 10.99.6.1
	cni_check dgwa ctr-dgw eth0 "$c"
	cni_del dgwa ctr-dgw eth0 "$c"
}

not_gateway() {
	local c
	c=$(conf 7 br-ngw '.isGateway = false')
	ns_new ngwa
	cni_add ngwa ctr-ngw eth0 "$c"
	assert_eq "" "$(link_addrs host br-ngw | grep -v : | xargs)" "IPv4 addresses of br-ngw"
	assert_eq "" "$(ipn ngwa route show default)" "default route"
	assert_eq "10.99.7.2/24" "$(link_addrs ngwa eth0 | grep -v :)" "address of eth0"
	cni_del ngwa ctr-ngw eth0 "$c"
}

# The network's subnet changed (10.99.12.0/24 -> 10.99.8.0/24) while the
# bridge still holds the old gateway address: refused without forceAddress,
# replaced with it.
force_address() {
	local c
	ns_new fa
	c=$(conf 12 br-fa)
	cni_add fa ctr-fa0 eth0 "$c"
	cni_del fa ctr-fa0 eth0 "$c"
	assert_eq "10.99.12.1/24" "$(link_addrs host br-fa | grep -v : | xargs)" "addresses of br-fa"
	c=$(conf 8 br-fa)
	cni_run ADD fa ctr-fa eth0 "$c" >/dev/null &&
		fail "ADD succeeded though br-fa holds another IPv4 address and forceAddress is false"
	assert_eq "" "$(ipam_reservations net8 | xargs)" "reservations after the failed ADD"
	assert_eq "10.99.12.1/24" "$(link_addrs host br-fa | grep -v : | xargs)" "addresses of br-fa"
	cni_run DEL fa ctr-fa eth0 "$c" >/dev/null || fail "DEL after the failed ADD"
	c=$(conf 8 br-fa '.forceAddress = true')
	cni_add fa ctr-fa eth0 "$c"
	assert_eq "10.99.8.1/24" "$(link_addrs host br-fa | grep -v : | xargs)" "addresses of br-fa with forceAddress"
	ping_ok fa 10.99.8.1
	cni_del fa ctr-fa eth0 "$c"
}

# mac_via WAY MAC: the container's interface gets MAC, said in one of three ways.
mac_via() {
	local c way=$1 mac=$2 k=9
	c=$(conf "$k" br-mac)
	case $way in
	runtimeConfig) c=$(jq -c --arg m "$mac" '.runtimeConfig = {mac: $m}' <<<"$c") ;;
	args) c=$(jq -c --arg m "$mac" '.args = {cni: {mac: $m}}' <<<"$c") ;;
	CNI_ARGS) export CNI_ARGS="IgnoreUnknown=1;MAC=$mac" ;;
	esac
	ns_new "mac$way"
	cni_add "mac$way" "ctr-mac-$way" eth0 "$c"
	assert_json "$(link_json "mac$way" eth0)" .address "$mac" "MAC of eth0"
	assert_json "$PT_RESULT" '.interfaces[] | select(.name == "eth0") | .mac' "$mac" "MAC in result"
	cni_check "mac$way" "ctr-mac-$way" eth0 "$c"
	cni_del "mac$way" "ctr-mac-$way" eth0 "$c"
	unset CNI_ARGS
}

# Upstream's portIsolation (plugins v1.6): isolated ports reach the bridge
# (the gateway) but not each other.
port_isolation() {
	needs_newer_reference portIsolation
	local c va vb ipa ipb
	c=$(conf 10 br-iso '.portIsolation = true')
	ns_new isoa isob
	cni_add isoa ctr-isoa eth0 "$c"
	va=$(res_host_veth "$PT_RESULT" br-iso)
	ipa=$(res_ip "$PT_RESULT" 4)
	cni_add isob ctr-isob eth0 "$c"
	vb=$(res_host_veth "$PT_RESULT" br-iso)
	ipb=$(res_ip "$PT_RESULT" 4)
	assert_json "$(link_json host "$va")" .linkinfo.info_slave_data.isolated true "isolated flag of $va"
	assert_json "$(link_json host "$vb")" .linkinfo.info_slave_data.isolated true "isolated flag of $vb"
	ping_ok isoa 10.99.10.1
	ping_ok isob 10.99.10.1
	ping_fails isoa "$ipb"
	ping_fails isob "$ipa"
	cni_del isoa ctr-isoa eth0 "$c"
	cni_del isob ctr-isob eth0 "$c"
}

# Without portIsolation, the same two containers do reach each other (the
# case above would pass vacuously if they never could).
port_not_isolated() {
	local c va ipb
	c=$(conf 11 br-niso)
	ns_new nisoa nisob
	cni_add nisoa ctr-nisoa eth0 "$c"
	va=$(res_host_veth "$PT_RESULT" br-niso)
	cni_add nisob ctr-nisob eth0 "$c"
	ipb=$(res_ip "$PT_RESULT" 4)
	assert_json "$(link_json host "$va")" .linkinfo.info_slave_data.isolated false "isolated flag of $va"
	ping_ok nisoa "$ipb"
	cni_del nisoa ctr-nisoa eth0 "$c"
	cni_del nisob ctr-nisob eth0 "$c"
}

pt_host_new
run_case mtu mtu
run_case hairpin-mode hairpin
run_case promisc-mode promisc
run_case hairpin-with-promisc-rejected hairpin_with_promisc
run_case is-default-gateway default_gateway
run_case is-gateway-false not_gateway
run_case force-address force_address
run_case mac-runtimeconfig mac_via runtimeConfig 02:00:00:aa:bb:01
run_case mac-args mac_via args 02:00:00:aa:bb:02
run_case mac-cni-args mac_via CNI_ARGS 02:00:00:aa:bb:03
run_case port-isolation port_isolation
run_case port-not-isolated port_not_isolated
