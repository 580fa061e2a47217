# shellcheck shell=bash
# Shared set-up of the NAT tests (test-portmap*.sh, test-masq*.sh): a host
# namespace with an uplink to a namespace that plays "the outside", a CNI_PATH
# that has pontoon's portmap, and small TCP/UDP servers and clients (socat).
#
#   pt-<pid>-out                      pt-<pid>-host
#   +----------------------+          +-------------------------------------+
#   | eth0 192.0.2.2/24    |----------| up0 192.0.2.1/24  2001:db8::1/64    |
#   |      2001:db8::2/64  |  uplink  |                                     |
#   | default via .1 / ::1 |          | cni0 10.99.0.1/24 fd99::1/64        |
#   +----------------------+          +---/-------------\-------------------+
#                                   eth0 /               \ eth0
#                                 +-----+--+           +--+-----+
#                                 |   cN   |  ...      |   cM   |  containers
#                                 +--------+           +--------+
# Sourced after lib.sh.

PT_OUT4=192.0.2.2
PT_UP4=192.0.2.1
PT_OUT6=2001:db8::2
PT_UP6=2001:db8::1

# CNI_PATH with bridge/host-local (pontoon's, or the reference's when
# PT_BRIDGE=reference) and pontoon's portmap. PT_PORTMAP_BIN may name a
# portmap binary other than pontoon-cni.
pm_plugin_dir() {
	local build=${PONTOON_BUILD:-$PT_SRC/build} d="$PT_TMP/cni" t
	mkdir -p "$d"
	for t in bridge host-local loopback; do
		if [ "${PT_BRIDGE:-pontoon}" = reference ]; then
			ln -sfn "/usr/lib/cni/$t" "$d/$t"
		else
			ln -sfn "$(cd "$build" && pwd)/src/plugins/pontoon-cni" "$d/$t"
		fi
	done
	ln -sfn "${PT_PORTMAP_BIN:-$(cd "$build" && pwd)/src/plugins/pontoon-cni}" "$d/portmap"
	CNI_PATH=$d
	export CNI_PATH
}

# pm_uplink NS UPLINK HOST4 HOST6 OUT4 OUT6: joins the outside namespace NS
# to the host by a veth (UPLINK on the host, eth0 in NS), routed both ways.
pm_uplink() {
	ipn host link add "$2" type veth peer name eth0 netns "$(ns "$1")"
	ipn host addr add "$3/24" dev "$2"
	ipn host addr add "$4/64" dev "$2" nodad
	ipn host link set "$2" up
	ipn "$1" addr add "$5/24" dev eth0
	ipn "$1" addr add "$6/64" dev eth0 nodad
	ipn "$1" link set eth0 up
	ipn "$1" route add default via "$3"
	ipn "$1" -6 route add default via "$4"
}

pm_topology() {
	pt_host_new
	ns_new out
	nsx host sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	pm_uplink out up0 "$PT_UP4" "$PT_UP6" "$PT_OUT4" "$PT_OUT6"
}

# The conf of the bridge network (dual stack), for cni_add of the bridge.
pm_bridge_conf() {
	jq -c -n --arg d "$PT_TMP/ipam" "{
		cniVersion: \"1.0.0\", name: \"ptnet\", type: \"bridge\", bridge: \"cni0\",
		isGateway: true, isDefaultGateway: true, hairpinMode: true,
		ipam: {type: \"host-local\", dataDir: \$d,
		       ranges: [[{subnet: \"10.99.0.0/24\"}], [{subnet: \"fd99::/64\"}]]}
	} | ${1:-.}"
}

# portmap's conf with MAPPINGS (a JSON array) and FILTER.
pm_conf() {
	jq -c -n --argjson m "$1" "{
		cniVersion: \"1.0.0\", name: \"ptnet\", type: \"portmap\",
		capabilities: {portMappings: true}, runtimeConfig: {portMappings: \$m}
	} | ${2:-.}"
}

# pm_container NAME CID MAPPINGS [PORTMAP-FILTER]: the chain bridge → portmap
# for a new container namespace; the portmap result is in $PT_RESULT.
pm_container() {
	local bres
	ns_new "$1"
	nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	cni_add "$1" "$2" eth0 "$(pm_bridge_conf)"
	bres=$PT_RESULT
	cni_add "$1" "$2" eth0 "$(conf_prev "$(pm_conf "$3" "${4:-.}")" "$bres")"
}

pm_container_del() { # NAME CID MAPPINGS
	cni_del "$1" "$2" eth0 "$(pm_conf "$3")"
	cni_del "$1" "$2" eth0 "$(pm_bridge_conf)"
	rm -f "$PT_TMP/result.$2.eth0"
}

# A UDP server on PORT in NS answering every datagram with "NAME PEER".
# Its command reads the datagram first: socat's child writes the datagram
# to the command, and when the command has already exited that write fails
# (EPIPE) and the child dies without sending the answer. On a loaded
# machine that lost 8 answers of 20 on a bare veth pair, pontoon nowhere
# involved (the UDP flake of the portmap tests). -t5: once its input ends,
# socat waits that long (not its default 0.5 s) for the command's answer.
pm_udp_serve() { # NS 4|6 PORT NAME
	local v6=
	[ "$2" = 6 ] && v6=,ipv6only=1
	pt_spawn nsx "$1" socat -t5 UDP$2-RECVFROM:"$3",fork$v6 SYSTEM:"set -f; read -r _; echo $4 \$SOCAT_PEERADDR"
}

# Servers answering every TCP connection and UDP datagram on PORT with
# "NAME PEER": who served, and the source address it saw.
pm_serve() { # NS NAME PORT
	local p=$3
	# -t5: the client sends nothing, so its end comes first; the answer may
	# take longer than socat's default 0.5 s on a loaded machine.
	pt_spawn nsx "$1" socat -t5 TCP4-LISTEN:"$p",fork,reuseaddr SYSTEM:"set -f; echo $2 \$SOCAT_PEERADDR"
	pt_spawn nsx "$1" socat -t5 TCP6-LISTEN:"$p",fork,reuseaddr,ipv6only=1 SYSTEM:"set -f; echo $2 \$SOCAT_PEERADDR"
	pm_udp_serve "$1" 4 "$p" "$2"
	pm_udp_serve "$1" 6 "$p" "$2"
	# All four bound: a datagram that comes before its socket is refused,
	# and a check of one socket alone (or of :PORT in either family) let
	# a busy machine lose that race.
	local f
	for f in "-4 -t" "-6 -t" "-4 -u" "-6 -u"; do
		# shellcheck disable=SC2086 # f is two options
		wait_until 5 sh -c "ip netns exec $(ns "$1") ss -Hln $f | grep -q ':$p '" ||
			fail "server in $1 on port $p did not start (ss $f)"
	done
}

# The answer of a TCP or UDP request from NS to ADDR PORT ("" when none).
pm_tcp() { # NS ADDR PORT
	local a=$2
	[[ $a == *:* ]] && a="[$a]"
	nsx "$1" timeout 5 socat -T2 - "TCP:$a:$3,connect-timeout=2" </dev/null 2>/dev/null
}
# UDP may lose a datagram (a neighbour being resolved): up to 3 tries of
# 2 s, each from the same source port when one is given, so one flow
# either way. The datagram is one line: the servers read one.
pm_udp() { # NS ADDR PORT [SOURCEPORT]
	local a=$2 sp=${4:+,sourceport=$4,reuseaddr} i out
	[[ $a == *:* ]] && a="[$a]"
	for i in 1 2 3; do
		out=$(echo ping | nsx "$1" timeout 5 socat -t2 -T2 - "UDP:$a:$3$sp" 2>/dev/null)
		[ -n "$out" ] && break
	done
	printf '%s\n' "$out"
}

# pm_expect PROTO NS ADDR PORT EXPECTED-REGEX
pm_expect() {
	local got
	got=$(pm_"$1" "$2" "$3" "$4")
	[[ $got =~ $5 ]] || fail "$1 from $2 to $3 port $4: expected /$5/, got '$(oneline "$got")'"
}
pm_expect_none() { # PROTO NS ADDR PORT
	local got
	got=$(pm_"$1" "$2" "$3" "$4")
	[ -z "$got" ] || fail "$1 from $2 to $3 port $4 must get no answer, got '$(oneline "$got")'"
}
