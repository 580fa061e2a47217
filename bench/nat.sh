#!/bin/bash
# bench/nat.sh BUILD — issue 3's NAT benchmark, pontoon beside the reference.
#
#  (1) latency of the chain bridge (ipMasq) + host-local + portmap, one tcp
#      mapping per container, as a runtime runs it (bridge, then portmap with
#      prevResult; DEL portmap then bridge with the cached result): one more
#      container's ADD and DEL with 10, 100 and 1000 containers present,
#      medians of BENCH_NAT_SAMPLES samples, the sides interleaved
#      (bench/cnibench -c). Targets: >= 20x the reference for ADD and DEL at
#      every size; pontoon's ADD at 1000 <= 1.25x its ADD at 10.
#  (2) new connections per second through a published port (bench/natbench:
#      connect/accept/close loop, from an "outside" namespace to the host's
#      uplink address) with 1 and with 1000 other mappings present. Target:
#      within 10%.
#
# Usage (root; `make bench` runs it after bench/run.sh):
#   ./bench/nat.sh build
# Knobs: BENCH_NAT_SIZES="10 100 1000", BENCH_NAT_SAMPLES=30,
#   BENCH_NAT_CONN_SECONDS=2 (per round), BENCH_NAT_CONN_ROUNDS=5,
#   BENCH_REFERENCE=/usr/lib/cni.
# A benchmark, not a test: targets print PASS/FAIL; the exit status is
# non-zero only when something did not work.
#
# Isolation: everything runs under `unshare --net --mount --propagation
# private`; the namespaces of part (2) are `ip netns` names under a private
# tmpfs on /run/netns inside that mount namespace, so nothing is visible
# from, or left in, the machine's own namespaces.
#
#   part (2):  out (192.0.2.2) --veth-- host (up0 192.0.2.1, cnb0 10.250.0.1/16) --veth-- ctr (10.250.0.x)
set -euo pipefail

BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
sizes=${BENCH_NAT_SIZES:-10 100 1000}
samples=${BENCH_NAT_SAMPLES:-30}
reference=${BENCH_REFERENCE:-/usr/lib/cni}

if [ "${NAT_INNER:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/nat.sh: needs root (network namespaces)" >&2; exit 2; }
	[ -f "$BUILD/build.ninja" ] || { echo "bench/nat.sh: no build in $BUILD" >&2; exit 2; }
	ninja -C "$BUILD" bench/cnibench bench/natbench src/plugins/pontoon-cni >&2
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/pontoon-natbench.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# pontoon's runtime files (the plugins' GC lock) here, not in /run.
	export PONTOON_ROOT=$tmp/root
	mkdir "$tmp/cni"
	exe=$(realpath "$BUILD/src/plugins/pontoon-cni")
	for t in bridge host-local portmap; do ln -s "$exe" "$tmp/cni/$t"; done
	echo "== pontoon NAT bench: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel: $(uname -srm); $(nproc) cores"
	echo "reference: $reference ($(dpkg-query -W -f '${Package} ${Version}' containernetworking-plugins 2>/dev/null || echo '?'); iptables: $(iptables --version 2>/dev/null || echo '?'))"
	echo "candidate: $tmp/cni -> $exe ($(git -C "$here/.." describe --always --dirty 2>/dev/null || echo 'no git'))"
	echo "run: BENCH_NAT_SIZES=\"$sizes\" BENCH_NAT_SAMPLES=$samples $0 $BUILD"
	rc=0
	echo
	echo "== (1) chain ADD/DEL latency"
	unshare --net --mount --propagation private -- \
		"$BUILD/bench/cnibench" -c -S "$samples" -s "$sizes" -t "$tmp" \
		"reference=$reference" "pontoon=$tmp/cni" || rc=$?
	echo
	echo "== (2) new-connection rate through a published port"
	NAT_INNER=1 NAT_TMP=$tmp NAT_BUILD=$(realpath "$BUILD") \
		unshare --net --mount --propagation private -- "$0" "$BUILD" || rc=$?
	exit $rc
fi

# ---- inside the throwaway namespaces: part (2) ----
tmp=$NAT_TMP
nb=$NAT_BUILD/bench/natbench
cni=$tmp/cni
secs=${BENCH_NAT_CONN_SECONDS:-2}
rounds=${BENCH_NAT_CONN_ROUNDS:-5}
others=1000
mount -t tmpfs none /run/netns
ip link set lo up
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in out ctr; do ip netns del "nb-$p" 2>/dev/null || true; done
}
trap cleanup EXIT

sysctl -qw net.ipv4.ip_forward=1
ip netns add nb-out
ip netns add nb-ctr
ip link add up0 type veth peer name eth0 netns nb-out
ip addr add 192.0.2.1/24 dev up0
ip link set up0 up
ip -n nb-out addr add 192.0.2.2/24 dev eth0
ip -n nb-out link set eth0 up
ip -n nb-out link set lo up
ip -n nb-out route add default via 192.0.2.1

bridge='{"cniVersion":"1.0.0","name":"natbench","type":"bridge","bridge":"cnb0","isGateway":true,"isDefaultGateway":true,"ipMasq":true,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.250.0.0/16"}]],"dataDir":"'$tmp'/nat-ipam"}}'
pm() { # PORT PREVRESULT
	printf '{"cniVersion":"1.0.0","name":"natbench","type":"portmap","capabilities":{"portMappings":true},"runtimeConfig":{"portMappings":[{"hostPort":%s,"containerPort":8000,"protocol":"tcp"}]},"prevResult":%s}' "$1" "$2"
}
cnicall() { # CMD PLUGIN CID NETNS CONF
	printf '%s' "$5" | CNI_COMMAND=$1 CNI_PATH=$cni CNI_CONTAINERID=$3 CNI_IFNAME=eth0 \
		CNI_NETNS=$4 "$cni/$2"
}

res=$(cnicall ADD bridge target /run/netns/nb-ctr "$bridge")
cnicall ADD portmap target /run/netns/nb-ctr "$(pm 8080 "$res")" >/dev/null
ip netns exec nb-ctr "$nb" serve 8000 &
pids+=($!)
sleep 0.3
# Other mappings: containers known only by their prevResult (the maps are
# what the packet path looks up; no veth is needed for that).
other() { # I
	local a="10.250.$((100 + $1 / 250)).$(($1 % 250 + 2))"
	cnicall ADD portmap "other$1" /run/netns/nb-ctr "$(pm $((20000 + $1)) \
		'{"cniVersion":"1.0.0","ips":[{"address":"'$a'/16"}]}')" >/dev/null
}
measure() { # LABEL
	local i out all=()
	ip netns exec nb-out "$nb" connect 192.0.2.1 8080 0.5 100000 >/dev/null # warm-up
	for i in $(seq "$rounds"); do
		out=$(ip netns exec nb-out "$nb" connect 192.0.2.1 8080 "$secs" 1000000)
		all+=("$(awk '{print $3}' <<<"$out")")
	done
	printf '%s\n' "${all[@]}" | sort -n | awk -v l="$1" '{v[NR]=$1} END {
		m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
		printf "%-34s median %8.0f conn/s   (rounds:", l, m
		for (i = 1; i <= NR; i++) printf " %.0f", v[i]; printf ")\n"; print m > "/dev/stderr" }' 2>"$tmp/m.$1"
}
count() { nft -j list map inet pontoon pm4any | jq '[.nftables[].map.elem // empty | .[]] | length'; }
other 0
n=$(count)
measure "1 other mapping ($n in pm4any)"
a=$(cat "$tmp/m.1 other mapping ($n in pm4any)")
for i in $(seq 1 $((others - 1))); do other "$i"; done
n=$(count)
measure "$others other mappings ($n in pm4any)"
b=$(cat "$tmp/m.$others other mappings ($n in pm4any)")
awk -v a="$a" -v b="$b" 'BEGIN { r = b / a; d = (r < 1 ? 1 - r : r - 1) * 100
	printf "%-34s %.3f (%.1f%% apart)   target within 10%%   %s\n", "rate with 1000 / with 1", r, d, d <= 10 ? "PASS" : "FAIL" }'
echo "(each round: $secs s of connect, read EOF, close with RST from the outside namespace to 192.0.2.1:8080, DNATed to the container's :8000; $rounds rounds, median)"
