#!/usr/bin/env bash
# The security review of docs/security.md, as tests: state file modes,
# every name that becomes a path, integer ranges, malicious configs, and
# what a container can reach (with macspoofchk and the firewall plugin's
# ingressPolicy same-bridge), asserted with packets. Each case names the
# section it backs.
#
#   pt-<pid>-host (plugins run here, br-sa 10.99.0.1/24, br-sb 10.98.0.1/24)
#     |-- veth -- pt-<pid>-s1  10.99.0.x   (network "ptnet", bridge br-sa)
#     |-- veth -- pt-<pid>-s2  10.99.0.y   (network "ptnet", bridge br-sa)
#     |-- veth -- pt-<pid>-s3  10.98.0.z   (network "other", bridge br-sb)
#     `-- mdv 192.0.2.1/24 -- pt-<pid>-meta 192.0.2.2/24, 169.254.169.254/32
#         (a metadata server, reached through the host; the "reach" cases)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/portmap-lib.sh"	# pm_serve, pm_expect: TCP/UDP servers and clients

pt_host_new
ns_new s1 s2 s3 x
CONF=$(bridge_conf '.bridge = "br-sa"')
ENV_X=(CNI_PATH="$CNI_PATH" "CNI_NETNS=$(pt_netns_path x)")

# expect_code CODE CONF VAR=value...: must fail with CNI code CODE, create
# nothing outside the test's dataDir and reserve nothing. The error is left
# in EXPECT_OUT.
expect_code() {
	local want=$1 conf=$2 out rc
	shift 2
	out=$(cni_run_env "$conf" "$@")
	rc=$?
	EXPECT_OUT=$out
	[ $rc -ne 0 ] || fail "succeeded but must fail (code $want): $(oneline "$out")"
	assert_json "$out" .code "$want" "error code ($(jq -r .msg <<<"$out" 2>/dev/null | cut -c1-160))"
	assert_eq "" "$(ipam_reservations | xargs)" "reservations after the error"
	assert_eq "" "$(find "$PT_TMP" -name x -o -name 'b' | xargs)" "files named by the bad input"
	echo "    -> $(oneline "$out")" >&2
}

# ---- state: modes (docs/security.md "State on disk")

# mode_of PATH: octal permission bits.
mode_of() { stat -c %a "$1"; }

state_modes() { # UMASK
	local d="$PT_TMP/ipam/ptnet" f bad=
	rm -rf "$PT_TMP/ipam"
	(umask "$1" && cni_add s1 ctr-m eth0 "$CONF") || fail "ADD with umask $1"
	assert_eq 755 "$(mode_of "$PT_TMP/ipam")" "mode of a parent directory pontoon created (as the reference)"
	assert_eq 700 "$(mode_of "$d")" "mode of the network's directory"
	for f in "$d"/*; do
		[ "$(mode_of "$f")" = 600 ] || bad="$bad ${f##*/}=$(mode_of "$f")"
	done
	assert_eq "" "$bad" "files that are not 0600"
	[ -z "$(find "$PT_TMP/ipam" -perm -o+w)" ] || fail "world-writable: $(find "$PT_TMP/ipam" -perm -o+w | xargs)"
	cni_del s1 ctr-m eth0 "$CONF"
}
run_case security-state-modes state_modes 022
run_case security-state-modes-umask-000 state_modes 000

# A directory the administrator made keeps its mode; the files pontoon
# makes in it are still 0600.
state_modes_existing() {
	local d="$PT_TMP/ipam/ptnet"
	rm -rf "$PT_TMP/ipam"
	mkdir -p "$d"
	chmod 0750 "$d"
	cni_add s1 ctr-e eth0 "$CONF"
	assert_eq 750 "$(mode_of "$d")" "mode of a network directory that was there"
	assert_eq 600 "$(mode_of "$d/ctr-e:eth0")" "mode of the attachment file in it"
	cni_del s1 ctr-e eth0 "$CONF"
}
run_case security-state-modes-existing state_modes_existing

# A symlink planted in the network directory is never followed.
state_symlink() {
	local d="$PT_TMP/ipam/ptnet"
	mkdir -p "$d"
	echo secret >"$PT_TMP/target"
	ln -sfn "$PT_TMP/target" "$d/10.99.0.2"
	ln -sfn "$PT_TMP/target" "$d/last_reserved_ip.0"
	cni_add s1 ctr-l eth0 "$CONF"
	assert_eq secret "$(cat "$PT_TMP/target")" "the symlink's target"
	assert_ne 10.99.0.2 "$(res_ip "$PT_RESULT" 4)" "address held by the planted symlink"
	cni_del s1 ctr-l eth0 "$CONF"
	assert_eq secret "$(cat "$PT_TMP/target")" "the symlink's target after DEL"
	rm -f "$d/10.99.0.2" "$d/last_reserved_ip.0" "$PT_TMP/target"
}
run_case security-state-no-symlink-follow state_symlink

# ---- names that become paths ("Names")

bad_network_names() {
	local n
	for n in '../x' 'a/b' '.' '..' '-x' 'x y' 'x\u0000y' ''; do
		expect_code 7 "$(jq -c --arg n "$n" '.name = ($n | gsub("\\\\u0000"; "\u0000"))' <<<"$CONF")" \
			CNI_COMMAND=ADD CNI_CONTAINERID=ctr-n CNI_IFNAME=eth0 "${ENV_X[@]}"
	done
}
run_case security-names-network bad_network_names

bad_container_ids() {
	local c
	for c in '../x' 'a/b' '.' '..' '.x' '-x' 'x:y' 'x y'; do
		expect_code 4 "$CONF" CNI_COMMAND=ADD CNI_CONTAINERID="$c" CNI_IFNAME=eth0 "${ENV_X[@]}"
		expect_code 4 "$CONF" CNI_COMMAND=DEL CNI_CONTAINERID="$c" CNI_IFNAME=eth0 "${ENV_X[@]}"
	done
	# Longer than a file name allows with its interface (239 bytes): ADD
	# refuses it (code 4), DEL of it succeeds, as DEL of anything absent.
	c=$(printf 'x%.0s' {1..300})
	expect_code 4 "$CONF" CNI_COMMAND=ADD CNI_CONTAINERID="$c" CNI_IFNAME=eth0 "${ENV_X[@]}"
	out=$(cni_run_env "$CONF" CNI_COMMAND=DEL CNI_CONTAINERID="$c" CNI_IFNAME=eth0 "${ENV_X[@]}") ||
		fail "DEL of a 300-byte container id: $(oneline "$out")"
}
run_case security-names-container-id bad_container_ids

bad_ifnames() {
	local i
	for i in '../x' 'a/b' '.' '..' 'eth0:1' 'e th0' 'abcdefghijklmnop'; do
		expect_code 4 "$CONF" CNI_COMMAND=ADD CNI_CONTAINERID=ctr-i CNI_IFNAME="$i" "${ENV_X[@]}"
		expect_code 4 "$CONF" CNI_COMMAND=DEL CNI_CONTAINERID=ctr-i CNI_IFNAME="$i" "${ENV_X[@]}"
	done
	# 15 bytes is the kernel's limit and works.
	cni_add x ctr-i abcdefghijklmno "$CONF"
	assert_eq abcdefghijklmno "$(ns_links x | grep -vx lo)" "the container's interface"
	cni_del x ctr-i abcdefghijklmno "$CONF"
}
run_case security-names-ifname bad_ifnames

bad_bridge_names() {
	local b
	for b in '../x' 'a/b' 'abcdefghijklmnop' '' 'x\u0000y' 'a:b' 'a b' '.' '..'; do
		expect_code 7 "$(jq -c --arg b "$b" '.bridge = ($b | gsub("\\\\u0000"; "\u0000"))' <<<"$CONF")" \
			CNI_COMMAND=ADD CNI_CONTAINERID=ctr-b CNI_IFNAME=eth0 "${ENV_X[@]}"
	done
}
run_case security-names-bridge bad_bridge_names

# ---- integer fields ("Integers")

# Each line: a jq change to the config | what the error must say (code 7).
bad_integers() {
	local f msg
	while IFS='|' read -r f msg; do
		expect_code 7 "$(jq -c "$f" <<<"$CONF")" CNI_COMMAND=ADD CNI_CONTAINERID=ctr-r CNI_IFNAME=eth0 "${ENV_X[@]}"
		assert_contains "$(jq -r .msg <<<"$EXPECT_OUT")" "$msg" "message for $f"
	done <<-'EOF'
	.mtu = 67|mtu: must be 0 (default) or 68..65535, got 67
	.mtu = 65536|mtu: must be an integer in 0..65535, got 65536
	.mtu = -1|mtu: must be an integer in 0..65535, got -1
	.mtu = 1e10|mtu: must be an integer in 0..65535, got 10000000000
	.mtu = "1500"|mtu: must be an integer
	.mtu = 4294967296|mtu: must be an integer in 0..65535, got 4294967296
	.mtu = 4294967364|mtu: must be an integer in 0..65535, got 4294967364
	.vlan = 4095|vlan: must be an integer in 0..4094, got 4095
	.vlan = -1|vlan: must be an integer in 0..4094, got -1
	.vlanTrunk = [{"id": 0}]|vlanTrunk[0].id: must be an integer in 1..4094, got 0
	.vlanTrunk = [{"id": 4095}]|vlanTrunk[0].id: must be an integer in 1..4094, got 4095
	.vlanTrunk = [{"minID": 10, "maxID": 5}]|vlanTrunk[0]: minID is greater than maxID
	.vlanTrunk = [{"minID": 1, "maxID": 4095}]|vlanTrunk[0].maxID: must be an integer in 1..4094, got 4095
	.vlanTrunk = [{"minID": 10}]|vlanTrunk[0]: minID and maxID should be configured simultaneously
	.vlanTrunk = [{"maxID": 10}]|vlanTrunk[0]: minID and maxID should be configured simultaneously
	.ipam.routes = [{"dst": "0.0.0.0/0", "mtu": -1}]|ipam.routes[0].mtu: must be an integer in 0..4294967295, got -1
	.ipam.routes = [{"dst": "0.0.0.0/0", "advmss": 4294967296}]|ipam.routes[0].advmss: must be an integer in 0..4294967295
	.ipam.routes = [{"dst": "0.0.0.0/0", "priority": 4294967296}]|ipam.routes[0].priority: must be an integer in 0..4294967295
	.ipam.routes = [{"dst": "0.0.0.0/0", "table": -1}]|ipam.routes[0].table: must be an integer in 0..4294967295, got -1
	.ipam.routes = [{"dst": "0.0.0.0/0", "scope": 256}]|ipam.routes[0].scope: must be an integer in 0..255, got 256
	.ipam.routes = [{"dst": "0.0.0.0/33"}]|ipam.routes[0].dst: invalid CIDR address: 0.0.0.0/33
	.ipam.routes = [{"dst": "::/129"}]|ipam.routes[0].dst: invalid CIDR address: ::/129
	.ipam.ranges = [[{"subnet": "10.99.0.0/33"}]]|ipam.ranges[0][0].subnet: invalid CIDR address: 10.99.0.0/33
	.ipam.ranges = [[{"subnet": "fd00::/129"}]]|ipam.ranges[0][0].subnet: invalid CIDR address: fd00::/129
	EOF
	# Beyond what a JSON integer holds here (64 bits): a decode error.
	expect_code 6 "$(jq -c . <<<"$CONF" | sed 's/}$/,"mtu":99999999999999999999}/')" \
		CNI_COMMAND=ADD CNI_CONTAINERID=ctr-r CNI_IFNAME=eth0 "${ENV_X[@]}"
	[ -z "$(ipn host -o link show | grep -v -e ' lo:' -e br-sa)" ] || fail "links left: $(ipn host -o link show | cut -c1-200)"
}
run_case security-integers-range-checked bad_integers

# ---- malicious configs ("Malicious configuration")

huge_config() {
	local f="$PT_TMP/huge.json" out
	# 16 MiB + 1 byte of valid JSON: refused before parsing (code 5).
	{ printf '{"cniVersion":"1.0.0","name":"ptnet","type":"bridge","pad":"'
	  head -c $((16 * 1024 * 1024)) /dev/zero | tr '\0' a
	  printf '"}'; } >"$f"
	out=$(ip netns exec "$PT_HOST" env CNI_COMMAND=ADD CNI_CONTAINERID=ctr-h CNI_IFNAME=eth0 \
		"${ENV_X[@]}" "$CNI_PATH/bridge" <"$f" 2>/dev/null)
	assert_json "$out" .code 5 "error code of a 16 MiB config"
	assert_contains "$(jq -r .msg <<<"$out")" "16 MiB"
	rm -f "$f"
}
run_case security-config-huge huge_config

deep_config() {
	local deep
	deep="$(printf '[%.0s' {1..5000})$(printf ']%.0s' {1..5000})"
	expect_code 6 "{\"cniVersion\":\"1.0.0\",\"name\":\"ptnet\",\"type\":\"bridge\",\"x\":$deep}" \
		CNI_COMMAND=ADD CNI_CONTAINERID=ctr-d CNI_IFNAME=eth0 "${ENV_X[@]}"
	deep="$(printf '{"a":%.0s' {1..3000})1$(printf '}%.0s' {1..3000})"
	expect_code 6 "$(jq -c . <<<"$CONF" | sed "s/}\$/,\"x\":$deep}/")" \
		CNI_COMMAND=ADD CNI_CONTAINERID=ctr-d CNI_IFNAME=eth0 "${ENV_X[@]}"
	# 2000 levels is within jansson's limit (2048) and is just ignored.
	deep="$(printf '[%.0s' {1..2000})$(printf ']%.0s' {1..2000})"
	cni_add x ctr-d eth0 "$(jq -c . <<<"$CONF" | sed "s/}\$/,\"x\":$deep}/")"
	cni_del x ctr-d eth0 "$CONF"
}
run_case security-config-deeply-nested deep_config

duplicate_keys() {
	local out
	expect_code 6 '{"cniVersion":"1.0.0","name":"ptnet","name":"other","type":"bridge"}' \
		CNI_COMMAND=ADD CNI_CONTAINERID=ctr-k CNI_IFNAME=eth0 "${ENV_X[@]}"
	# nested, and the message says what is wrong and where
	out=$(cni_run_env '{"cniVersion":"1.0.0","name":"a","type":"bridge","ipam":{"type":"host-local","type":"static"}}' \
		CNI_COMMAND=ADD CNI_CONTAINERID=ctr-k CNI_IFNAME=eth0 "${ENV_X[@]}")
	assert_json "$out" .code 6 "error code of a duplicate key in ipam"
	assert_contains "$(jq -r .msg <<<"$out")" "line 1, column 83: duplicate object key near '\"type\"'" "message of a duplicate key"
}
run_case security-config-duplicate-keys duplicate_keys

nul_bytes() {
	# Anything after the object: not JSON.
	expect_code 6 '{"cniVersion":"1.0.0","name":"ptnet","type":"bridge"}x' \
		CNI_COMMAND=ADD CNI_CONTAINERID=ctr-z CNI_IFNAME=eth0 "${ENV_X[@]}"
	# A raw NUL byte in the input (from a file: no shell string holds one):
	# not JSON.
	local f="$PT_TMP/nul.json" out
	printf '{"cniVersion":"1.0.0","name":"pt\0net","type":"bridge"}' >"$f"
	out=$(ip netns exec "$PT_HOST" env CNI_COMMAND=ADD CNI_CONTAINERID=ctr-z CNI_IFNAME=eth0 \
		"${ENV_X[@]}" "$CNI_PATH/bridge" <"$f" 2>/dev/null)
	assert_json "$out" .code 6 "error code of a raw NUL byte"
	# An escaped NUL (\u0000) in any string pontoon uses: refused, never cut
	# short, code 7 naming the field.
	local k
	for k in '.name' '.type' '.bridge' '.ipam.type' '.ipam.dataDir' '.ipam.resolvConf' \
		'.ipam.ranges[0][0].subnet' '.ipam.ranges[0][0].gateway' '.cniVersion'; do
		# (the bridge plugin, whatever the broken .type says)
		out=$(PT_PLUGIN=bridge cni_run_env "$(jq -c "$k = ($k + \"\\u0000/../x\")" <<<"$CONF")" CNI_COMMAND=ADD \
			CNI_CONTAINERID=ctr-z CNI_IFNAME=eth0 "${ENV_X[@]}")
		[ $? -ne 0 ] || fail "$k with a NUL byte was accepted"
		assert_json "$out" .code 7 "error code of $k with a NUL byte"
		assert_contains "$(jq -r .msg <<<"$out")" "${k#.}: must be a string without NUL bytes"
	done
	assert_eq "" "$(ipam_reservations | xargs)" "reservations"
	assert_eq "" "$(find "$PT_TMP" -name x | xargs)" "files named by the input"
}
run_case security-config-nul-bytes nul_bytes

not_utf8() {
	expect_code 6 "$(printf '{"cniVersion":"1.0.0","name":"pt\xffnet","type":"bridge"}')" \
		CNI_COMMAND=ADD CNI_CONTAINERID=ctr-u CNI_IFNAME=eth0 "${ENV_X[@]}"
}
run_case security-config-not-utf8 not_utf8

# CNI_ARGS from the runtime: bad pairs, unknown keys, a value with '=' in it.
# Each line: CNI_ARGS, the code, what the message must say.
bad_cni_args() {
	local a code msg out
	while IFS='|' read -r a code msg; do
		out=$(cni_run_env "$CONF" CNI_COMMAND=ADD CNI_CONTAINERID=ctr-a CNI_IFNAME=eth0 \
			"CNI_ARGS=$a" "${ENV_X[@]}")
		assert_json "$out" .code "$code" "error code of CNI_ARGS=$a"
		assert_contains "$(jq -r .msg <<<"$out")" "$msg" "message of CNI_ARGS=$a"
	done <<-'EOF'
	IP|4|invalid pair "IP"
	=1|4|invalid pair "=1"
	IP=1=2|4|invalid pair "IP=1=2"
	IP=10.99.0.5;|4|empty pair
	;IP=10.99.0.5|4|empty pair
	IgnoreUnknown=maybe|4|IgnoreUnknown: must be 1, true, 0 or false, got "maybe"
	FOO=bar|2|unknown argument FOO=bar
	IP=10.99.0.300|4|IP: invalid IP address "10.99.0.300"
	EOF
	assert_eq "" "$(ipam_reservations | xargs)" "reservations after bad CNI_ARGS"
}
run_case security-cni-args bad_cni_args

# ---- what a container can reach ("Reach")

# The usual setup: each network's bridge is its containers' default gateway,
# with macspoofchk (MAC and, pontoon's default, source address pinned) and
# the firewall plugin chained after bridge with ingressPolicy same-bridge.
# pontoon's additions: "ptnet" keeps hostAccess all (the default) and blocks
# the metadata address and the host's address on the metadata link
# (blockedDestinations); "other" has hostAccess gateway and no block list.
# The reference's firewall ignores both fields.
CONF=$(bridge_conf '.bridge = "br-sa" | .isDefaultGateway = true | .macspoofchk = true')
OTHER=$(PT_SUBNET4=10.98.0.0/24 bridge_conf '.name = "other" | .bridge = "br-sb" | .isDefaultGateway = true')
fw() {
	local extra='.blockedDestinations = ["169.254.169.254/32", "fd00:ec2::254/128", "192.0.2.1/32"]'
	[ "$1" = other ] && extra='.hostAccess = "gateway"'
	jq -c -n --arg n "$1" "{cniVersion: \"1.0.0\", name: \$n, type: \"firewall\", ingressPolicy: \"same-bridge\"} | $extra"
}
member() { # NS CID CONF NETNAME
	cni_add "$1" "$2" eth0 "$3" 2>/dev/null
	cni_add "$1" "$2" eth0 "$(conf_prev "$(fw "$4")" "$PT_RESULT")" 2>/dev/null
}
member s1 c1 "$CONF" ptnet
IP1=$(res_ip "$(pt_result c1 eth0)" 4)
member s2 c2 "$CONF" ptnet
IP2=$(res_ip "$(pt_result c2 eth0)" 4)
member s3 c3 "$OTHER" other
IP3=$(res_ip "$(pt_result c3 eth0)" 4)

same_bridge() { ping_ok s1 "$IP2"; ping_ok s2 "$IP1"; }
run_case security-reach-same-network same_bridge

# ingressPolicy same-bridge: the host no longer forwards between the two
# networks, either way. The control (the iso_br elements flushed) shows the
# drop is the firewall's and not a missing route.
other_network() {
	ping_fails s1 "$IP3"
	ping_fails s3 "$IP1"
	pt_reference && return 0	# the control below uses pontoon's nft sets
	nsx host nft flush set inet pontoon iso_br
	ping_ok s1 "$IP3"
	nsx host nft add element inet pontoon iso_br '{ "br-sa" comment "ptnet", "br-sb" comment "other" }'
	ping_fails s1 "$IP3"
}
run_case security-reach-other-network other_network

# The metadata server's namespace, joined to the host by its own link; a
# TCP and UDP server on every address of the host plays its services (port
# 7100) and DNS responder (port 53).
ns_new meta
ipn host link add mdv type veth peer name eth0 netns "$(ns meta)"
ipn host addr add 192.0.2.1/24 dev mdv
ipn host link set mdv up
ipn meta addr add 192.0.2.2/24 dev eth0
ipn meta addr add 169.254.169.254/32 dev eth0
ipn meta link set eth0 up
ipn meta route add default via 192.0.2.1 src 169.254.169.254	# UDP answers from the address asked
ipn host route add 169.254.169.254/32 via 192.0.2.2
nsx host sysctl -qw net.ipv4.ip_forward=1

# What a container reaches on the host itself (docs/security.md "What a
# container can reach"). hostAccess all (ptnet, and the reference): every
# address of the host answers, on any network. hostAccess gateway (other):
# only the addresses of the container's own bridge — its gateway, and DNS
# on it — while the host's address on another bridge and on another link
# are dropped in pontoon's input chain. The control: with the network's
# hostgw_br element removed, the same packets are answered.
host_addresses() {
	pm_serve host host 7100
	pm_udp_serve host 4 53 dns
	ping_ok s1 10.99.0.1
	ping_ok s1 10.98.0.1
	pm_expect tcp s1 10.98.0.1 7100 "^host $IP1 *$"
	pt_reference && { ping_ok s3 10.99.0.1; return 0; }
	ping_ok s3 10.98.0.1
	pm_expect tcp s3 10.98.0.1 7100 "^host $IP3 *$"
	pm_expect udp s3 10.98.0.1 53 "^dns"
	ping_fails s3 10.99.0.1
	ping_fails s3 192.0.2.1
	pm_expect_none tcp s3 10.99.0.1 7100
	pm_expect_none tcp s3 192.0.2.1 7100
	pm_expect_none udp s3 10.99.0.1 53
	nsx host nft delete element inet pontoon hostgw_br '{ "br-sb" }'
	ping_ok s3 10.99.0.1
	pm_expect tcp s3 192.0.2.1 7100 "^host $IP3 *$"
	nsx host nft add element inet pontoon hostgw_br '{ "br-sb" comment "other" }'
	ping_fails s3 10.99.0.1
}
run_case security-reach-host host_addresses

# A metadata server at 169.254.169.254, reached through the host (forwarded):
# ptnet blocks it (blockedDestinations), other does not. The control: with
# ptnet's element removed, the same request is answered. The host's own
# 192.0.2.1, also in ptnet's list, is dropped in the input chain while
# ptnet's hostAccess all still lets it reach the host's other addresses.
metadata() {
	pontoon_only "blockedDestinations is pontoon's addition to the firewall plugin"
	pm_serve meta meta 80
	pm_expect tcp s3 169.254.169.254 80 "^meta $IP3 *$"
	pm_expect udp s3 169.254.169.254 80 "^meta $IP3 *$"
	pm_expect_none tcp s1 169.254.169.254 80
	pm_expect_none udp s1 169.254.169.254 80
	ping_fails s1 169.254.169.254
	pm_expect_none tcp s1 192.0.2.1 7100
	pm_expect tcp s1 10.98.0.1 7100 "^host $IP1 *$"
	nsx host nft delete element inet pontoon blocked4 '{ "br-sa" . 169.254.169.254/32 }'
	pm_expect tcp s1 169.254.169.254 80 "^meta $IP1 *$"
	nsx host nft add element inet pontoon blocked4 '{ "br-sa" . 169.254.169.254/32 comment "ptnet" }'
	pm_expect_none tcp s1 169.254.169.254 80
}
run_case security-reach-metadata metadata

# A container that takes another's address: macspoofchk with pontoon's
# source-address check (ipspoofchk, on by default) drops it in the bridge
# before the host sees it. Counted in the host's input: the forged packets
# never arrive, the container's own ones do (the control).
ip_spoofing() {
	local mac1 n
	pontoon_only "the source-address check is pontoon's addition to macspoofchk"
	mac1=$(ipn s1 -j link show eth0 | jq -r '.[0].address')
	nsx host nft -f - <<NFT || fail "cannot add the counting table"
table inet ptsec {
	chain in { type filter hook input priority 0; ether saddr $mac1 ip saddr $IP2 counter; ether saddr $mac1 ip saddr $IP1 counter; }
}
NFT
	nsx s1 ip addr add "$IP2/32" dev eth0 || fail "cannot add the address in the container"
	nsx s1 ping -c2 -i0.2 -W1 -q -I "$IP2" 10.99.0.1 >/dev/null 2>&1 &&
		fail "a ping with s2's address $IP2 from s1 was answered"
	nsx s1 ip addr del "$IP2/32" dev eth0
	ping_ok s1 10.99.0.1
	n=$(nsx host nft -j list table inet ptsec | jq -c '[.nftables[].rule? // empty | [.expr[] | .counter? // empty | .packets][0]]')
	nsx host nft delete table inet ptsec
	assert_eq 0 "$(jq '.[0]' <<<"$n")" "packets from s1's MAC with s2's address $IP2 that reached the host"
	[ "$(jq '.[1]' <<<"$n")" -gt 0 ] || fail "the control: no packet from s1's own address counted ($n)"
}
run_case security-reach-spoofing ip_spoofing

for m in "s1 c1 ptnet" "s2 c2 ptnet" "s3 c3 other"; do
	set -- $m
	cni_del "$1" "$2" eth0 "$(conf_prev "$(fw "$3")" "$(pt_result "$2" eth0)")" 2>/dev/null
done
cni_del s1 c1 eth0 "$CONF" 2>/dev/null
cni_del s2 c2 eth0 "$CONF" 2>/dev/null
cni_del s3 c3 eth0 "$OTHER" 2>/dev/null
