#!/usr/bin/env bash
# Regressions found by review in host-local, static and portmap, each run
# directly as a runtime runs it (no bridge): host-local beside reservation
# files the reference plugin wrote, static CHECK of an address missing from
# prevResult, and portmap given the addresses of several interfaces.
#
#   pt-<pid>-host   (the plugins run here; portmap's table inet pontoon)
#   pt-<pid>-c1     (a container namespace; only its path is passed)
. "$(dirname "$0")/lib.sh"

# host-local with its dataDir in this test's directory, network NAME.
hl_conf() { # NAME SUBNET
	jq -c -n --arg d "$PT_TMP/ipam" --arg n "$1" --arg s "$2" '{
		cniVersion: "1.0.0", name: $n, type: "host-local",
		ipam: {type: "host-local", dataDir: $d, ranges: [[{subnet: $s}]]}}'
}

# The reference writes "<id>\r\n<ifname>" files and no attachment file: an
# ADD of that attachment is a duplicate, and DEL releases the file, also
# when pontoon holds another address for the same attachment.
reference_files() {
	local c d="$PT_TMP/ipam/hlref" out
	c=$(hl_conf hlref 10.99.5.0/24)
	mkdir -p "$d"
	printf 'c2\r\neth0' >"$d/10.99.5.7"
	out=$(cni_run ADD c1 c2 eth0 "$c") && fail "ADD of an attachment holding 10.99.5.7 succeeded: $out"
	assert_contains "$out" "10.99.5.7 has been allocated to c2" "error of the duplicate ADD"
	assert_eq "10.99.5.7" "$(ipam_reservations hlref | xargs)" "reservations after the refused ADD"
	cni_del c1 c2 eth0 "$c"
	assert_eq "" "$(ipam_reservations hlref | xargs)" "reservations after DEL"
	# Ours and the reference's for one attachment: DEL releases both.
	cni_add c1 c3 eth0 "$c"
	assert_eq 10.99.5.2 "$(res_ip "$PT_RESULT" 4)" "address of c3"
	printf 'c3\r\neth0' >"$d/10.99.5.9"
	cni_check c1 c3 eth0 "$c"
	rm -f "$PT_TMP/result.c3.eth0"
	cni_del c1 c3 eth0 "$c"
	assert_eq "" "$(ipam_reservations hlref | xargs)" "reservations after DEL of c3"
}

# The same address asked for twice (CNI_ARGS IP and runtimeConfig.ips) is
# one request.
requested_twice() {
	local c
	c=$(hl_conf hlreq 10.99.6.0/24 | jq -c '.runtimeConfig = {ips: ["10.99.6.5/24"]}')
	export CNI_ARGS="IgnoreUnknown=1;IP=10.99.6.5"
	cni_add c1 c4 eth0 "$c"
	assert_eq 10.99.6.5 "$(res_ip "$PT_RESULT" 4)" "address"
	cni_del c1 c4 eth0 "$c"
	unset CNI_ARGS
}

# static CHECK: an address of the config that prevResult lacks fails.
static_check_missing() {
	pontoon_only "the reference (1.1.1) CHECK passes when an address is missing (it fails only on a wrong gateway)"
	local c prev out
	c=$(jq -c -n '{cniVersion: "1.0.0", name: "st", type: "static",
		ipam: {type: "static", addresses: [{address: "10.99.7.10/24"},
			{address: "10.99.8.10/24", gateway: "10.99.8.1"}]}}')
	prev='{"cniVersion":"1.0.0","ips":[{"address":"10.99.7.10/24"},{"address":"10.99.8.10/24","gateway":"10.99.8.1"}]}'
	out=$(cni_run CHECK c1 c5 eth0 "$(conf_prev "$c" "$prev")") || fail "CHECK of a full prevResult: $out"
	prev='{"cniVersion":"1.0.0","ips":[{"address":"10.99.8.10/24","gateway":"10.99.8.1"}]}'
	cni_expect_error 999 CHECK c1 c5 eth0 "$(conf_prev "$c" "$prev")"
	assert_contains "$(jq -r .msg <<<"$PT_ERROR")" "Failed to match addr 10.99.7.10 on interface eth0" "message"
}

# portmap takes the address of CNI_IFNAME in the sandbox, not one of
# another interface of the same container listed first.
portmap_ifname() {
	local c prev t out
	prev=$(jq -c -n --arg sb "$(pt_netns_path c1)" '{cniVersion: "1.0.0",
		interfaces: [{name: "net1", sandbox: $sb}, {name: "eth0", sandbox: $sb},
			{name: "veth0"}],
		ips: [{address: "10.99.9.5/24", interface: 0},
		      {address: "10.99.9.7/24", interface: 2},
		      {address: "10.99.9.2/24", interface: 1}]}')
	c=$(jq -c -n '{cniVersion: "1.0.0", name: "pmnet", type: "portmap",
		capabilities: {portMappings: true},
		runtimeConfig: {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}}')
	c=$(conf_prev "$c" "$prev")
	out=$(cni_run ADD c1 c6 eth0 "$c") || fail "portmap ADD: $out"
	if pt_reference; then
		t=$(nsx host iptables-save)
		assert_contains "$t" "--to-destination 10.99.9.2:80" "mapping to eth0's address"
	else
		t=$(nsx host nft list table inet pontoon)
		assert_contains "$t" ': 10.99.9.2 . 80' "mapping to eth0's address"
	fi
	assert_not_contains "$t" "10.99.9.5" "table (address of net1)"
	assert_not_contains "$t" "10.99.9.7" "table (address of the host-side veth)"
	# The reference's CHECK wants IPv6 chains when it made none (1.1.1).
	if ! pt_reference; then
		out=$(cni_run CHECK c1 c6 eth0 "$c") || fail "portmap CHECK: $out"
	fi
	out=$(cni_run DEL c1 c6 eth0 "$c") || fail "portmap DEL: $out"
}

# A byte that is no UTF-8 in what the runtime passes: the error JSON still
# names the variable, with the byte shown as \xNN (it used to be replaced
# whole by "(message not valid UTF-8)").
error_json_bytes() {
	pontoon_only "the reference prints the Go escape of the byte"
	local c out msg
	c=$(hl_conf hlerr 10.99.10.0/24)
	out=$(cni_run_env "$c" CNI_COMMAND=ADD CNI_CONTAINERID=$'c\xe9' \
		CNI_NETNS="$(pt_netns_path c1)" CNI_IFNAME=eth0 CNI_PATH="$CNI_PATH") &&
		fail "ADD with a container id of byte 0xe9 succeeded: $out"
	msg=$(jq -r .msg <<<"$out") || fail "no error JSON: $out"
	assert_contains "$msg" 'CNI_CONTAINERID' "message"
	assert_contains "$msg" 'c\xe9' "message"
	out=$(cni_run_env "$c" CNI_COMMAND=ADD CNI_CONTAINERID=c7 CNI_ARGS=$'FOO=\xff' \
		CNI_NETNS="$(pt_netns_path c1)" CNI_IFNAME=eth0 CNI_PATH="$CNI_PATH") &&
		fail "ADD with an unknown CNI_ARGS key succeeded: $out"
	msg=$(jq -r .msg <<<"$out") || fail "no error JSON: $out"
	assert_contains "$msg" 'FOO' "message"
	assert_contains "$msg" '\xff' "message"
}

pt_host_new
ns_new c1
run_case host-local-reference-files reference_files
run_case host-local-requested-twice requested_twice
run_case static-check-missing-address static_check_missing
run_case portmap-address-of-ifname portmap_ifname
run_case error-json-invalid-utf8 error_json_bytes
