#!/usr/bin/env bash
# scripts/demo.sh BUILD — pontoon in one minute: two containers on a pontoon
# bridge, in a throwaway network namespace that plays the host.
#
#   pontoon-demo-<pid>-host
#   +------------------------------------------------+
#   |            cni0  10.88.0.1/24 (gateway)        |
#   |        veth.. /                \ veth..        |
#   +--------------/------------------\--------------+
#           eth0  /                    \  eth0
#        +-------+-----+          +-----+-------+
#        |  red        |          |  blue       |   pontoon-demo-<pid>-red / -blue
#        | 10.88.0.2   |          | 10.88.0.3   |
#        +-------------+          +-------------+
#
# The plugin chain is the one a CNI runtime would run: `bridge`, which
# delegates addresses to `host-local`, both links to pontoon-cni.
# Nothing outside the namespaces made here is touched; they are removed at
# the end (also on error or Ctrl-C).
set -euo pipefail

BUILD=${1:-build}
[ -x "$BUILD/src/plugins/pontoon-cni" ] || {
	echo "demo: $BUILD/src/plugins/pontoon-cni not found (run: make demo)" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || { echo "demo: must run as root (network namespaces)" >&2; exit 1; }
BUILD=$(cd "$BUILD" && pwd)

P="pontoon-demo-$$"
HOST="$P-host"
STATE=$(mktemp -d "${TMPDIR:-/tmp}/pontoon-demo.XXXXXX")
CNI_PATH="$BUILD/cni-plugins"

bold=$(tput bold 2>/dev/null || true)
dim=$(tput dim 2>/dev/null || true)
off=$(tput sgr0 2>/dev/null || true)
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$off"; }
say() { printf '    %s\n' "$*"; }
# run CMD...: shows the command, then runs it (output indented).
run() {
	printf '%s$ %s%s\n' "$dim" "$*" "$off"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

cleanup() {
	local n
	trap - EXIT INT TERM
	for n in $(ip netns list | awk '{print $1}' | grep "^$P-" || true); do
		ip netns del "$n" 2>/dev/null || true
	done
	rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cni CMD CONTAINER: runs the bridge plugin as a runtime would, in the host
# namespace, with the network config on stdin.
cni() {
	printf '%s$ CNI_COMMAND=%s CNI_CONTAINERID=%s CNI_NETNS=/run/netns/%s CNI_IFNAME=eth0 \\\n      CNI_PATH=%s bridge < net.json%s\n' \
		"$dim" "$1" "$2" "$P-$2" "$CNI_PATH" "$off" >&2
	ip netns exec "$HOST" env CNI_COMMAND="$1" CNI_CONTAINERID="$2" \
		CNI_NETNS="/run/netns/$P-$2" CNI_IFNAME=eth0 CNI_PATH="$CNI_PATH" \
		"$CNI_PATH/bridge" <"$STATE/net.json"
}

step "pontoon-cni is one binary; CNI_PATH is a directory of links named after the plugins"
mkdir -p "$CNI_PATH"
for t in bridge host-local static loopback; do
	ln -sfn "$BUILD/src/plugins/pontoon-cni" "$CNI_PATH/$t"
done
run ls -l "$CNI_PATH"

step "A throwaway namespace plays the host; two more are the containers"
run ip netns add "$HOST"
run ip netns add "$P-red"
run ip netns add "$P-blue"

step "The network: a bridge with host-local addresses (an ordinary CNI config)"
cat >"$STATE/net.json" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "demo",
  "type": "bridge",
  "bridge": "cni0",
  "isGateway": true,
  "isDefaultGateway": true,
  "ipam": {
    "type": "host-local",
    "ranges": [[{ "subnet": "10.88.0.0/24" }]],
    "dataDir": "$STATE/ipam"
  }
}
EOF
sed 's/^/    /' "$STATE/net.json"

for c in red blue; do
	step "ADD: container '$c' joins the network"
	cni ADD "$c" | jq -c '{interfaces: [.interfaces[] | .name + (if .sandbox then " in " + .sandbox else "" end)], ips: [.ips[] | .address], routes}' | sed 's/^/    /'
	say "inside '$c':"
	run ip -n "$P-$c" -br addr show dev eth0
	run ip -n "$P-$c" route
done

step "The host side: the bridge and one veth per container"
run ip -n "$HOST" -br link
run ip -n "$HOST" -br addr show dev cni0
say "address reservations (host-local's on-disk layout, one file per address):"
run ls "$STATE/ipam/demo"

step "Packets: red -> blue, blue -> red, both -> the gateway"
run ip netns exec "$P-red" ping -c 2 -W 1 10.88.0.3
run ip netns exec "$P-blue" ping -c 2 -W 1 10.88.0.2
run ip netns exec "$P-red" ping -c 1 -W 1 10.88.0.1
run ip netns exec "$P-blue" ping -c 1 -W 1 10.88.0.1

say ""
say "(A published port — reaching a container from outside through a host"
say " port — comes with a later issue: portmap on nftables.)"

for c in red blue; do
	step "DEL: container '$c' leaves"
	cni DEL "$c"
	run ip -n "$P-$c" -br link
done
run ip -n "$HOST" -br link
say "reservations left: $(find "$STATE/ipam/demo" -type f ! -name lock ! -name 'last_reserved_ip.*' | wc -l)"

step "Tear down: delete the namespaces (the bridge goes with the host namespace)"
for n in red blue host; do run ip netns del "$P-$n"; done
left=$(ip netns list | grep -c "^$P-" || true)
run sh -c "ip netns list | grep '^$P-' || echo 'no demo namespace left'"
[ "$left" -eq 0 ]
step "Done."
