#!/bin/bash
# Regenerates the golden requests of test-nl.c: runs iproute2 for each request
# inside a throwaway network namespace under strace and prints the bytes it
# sent to the kernel as C arrays (nlmsg_seq and nlmsg_pid zeroed, as the test
# masks them). The kernel may refuse some requests (this machine has no bridge
# VLAN filtering); only the request bytes matter.
#
#   tests/unit/nl/golden.sh > tests/unit/nl/golden.h     (as root)
#
# Topology of the namespace (ifindex): lo 1, vg1 2, vg0 3 (veth pair), brg 4.
set -euo pipefail

if [[ ${1:-} != --inside ]]; then
	exec unshare --net "$0" --inside
fi

ip link add name vg0 type veth peer name vg1
ip link add name brg type bridge

cat <<HEADER
/* Golden rtnetlink requests: the bytes iproute2 ($(ip -V)) sends for each
 * command named above its array, captured by tests/unit/nl/golden.sh with
 * strace inside a throwaway network namespace. Generated: do not edit; rerun
 * the script. nlmsg_seq and nlmsg_pid are zeroed (test-nl.c masks them).
 * ifindexes in that namespace: $(ip -o link | awk '{ sub(/@.*/, "", $2); printf "%s%s %s", sep, $2, $1; sep = ", " }' | tr -d ':'). */
#pragma once

#include <stdint.h>

HEADER

requests=(
	"bridge_full|ip link add name brg0 mtu 1400 address 02:00:00:00:00:01 up type bridge vlan_filtering 1"
	"bridge_plain|ip link add name brg1 up type bridge"
	"veth|ip link add name vethg mtu 1400 type veth peer name tmpg mtu 1400 address 02:00:00:00:00:02 netns /proc/self/ns/net"
	"veth_plain|ip link add name vethh type veth peer name tmph"
	"link_up|ip link set dev vg0 up"
	"link_mtu|ip link set dev vg0 mtu 1450"
	"link_master|ip link set dev vg0 master brg"
	"brport|bridge link set dev vg0 hairpin on isolated on learning off"
	"vlan_pvid|bridge vlan add dev vg0 vid 100 pvid untagged"
	"vlan_self|bridge vlan add dev brg vid 100 self"
	"vlan_range|bridge vlan add dev vg0 vid 100-200"
	"vlan_del|bridge vlan del dev vg0 vid 100"
	"addr4|ip addr add 10.1.2.3/24 dev vg0"
	"addr6_nodad|ip addr add 2001:db8::1/64 dev vg0 nodad"
	"addr4_del|ip addr del 10.1.2.3/24 dev vg0"
	"route_default|ip route add default via 10.1.2.1 dev vg0"
	"route_onlink|ip route add 10.9.0.0/24 dev vg0"
	"route_full|ip route add 10.9.0.0/24 via 10.1.2.1 dev vg0 table 100 metric 50 mtu 1400 advmss 1360"
	"route_table|ip route add 10.8.0.0/16 via 10.1.2.1 dev vg0 table 1000"
	"route6|ip -6 route add 2001:db8:1::/64 via fd00::1 dev vg0"
	"route_replace|ip route replace 10.9.0.0/24 dev vg0"
	"route_del|ip route del 10.9.0.0/24 dev vg0"
	"link_name|ip link set dev vg1 name eth0"
	"link_del|ip link del dev eth0"
)

for r in "${requests[@]}"; do
	name=${r%%|*}
	cmd=${r#*|}
	# The last message written to fd 3 (iproute2's rtnetlink socket) is the request.
	{ strace -e trace=sendmsg -e write=3 $cmd 2>&1 >/dev/null || true; } |
	awk -v name="$name" -v cmd="$cmd" '
		/^sendmsg\(3,/ { n = 0; delete b; next }
		/^ \| [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / {
			hex = substr($0, 11, 49)
			k = split(hex, f, " ")
			for (i = 1; i <= k; i++) b[n++] = f[i]
		}
		END {
			for (i = 8; i < 16; i++) b[i] = "00"	# nlmsg_seq, nlmsg_pid
			printf "/* %s */\nstatic const uint8_t golden_%s[] = {", cmd, name
			for (i = 0; i < n; i++)
				printf "%s0x%s%s", (i % 12 ? " " : "\n\t"), b[i], (i < n - 1 ? "," : "")
			printf "\n};\n\n"
		}'
done
