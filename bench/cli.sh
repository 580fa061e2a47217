#!/usr/bin/env bash
# bench/cli.sh BUILD [N]: how fast `pontoon run` gives a network-ready
# process, beside the same done by hand with `ip netns` and Debian's
# reference plugins (bridge + host-local + portmap, each ADD a process, as a
# runtime would run them).
#
#   1. latency: one `pontoon run -d` (namespace, CNI ADD of the chain,
#      hosts/resolv.conf, the process started) — median and p95 of 20;
#      the reference: `ip netns add` + bridge ADD + portmap ADD.
#   2. N containers in a row (default 100), then all removed.
#
# Runs in a network and mount namespace of its own (never the machine's).
set -u
if [ -z "${PT_BENCH_INNER:-}" ]; then
	[ $# -ge 1 ] || { echo "usage: bench/cli.sh BUILD [N]" >&2; exit 2; }
	PT_BENCH_INNER=1 exec unshare --net --mount --propagation private bash "$0" "$@"
fi
BUILD=$(cd "$1" && pwd)
N=${2:-100}
PONTOON="$BUILD/src/cli/pontoon"
REF=/usr/lib/cni
TMP=$(mktemp -d /tmp/pontoon-bench-cli.XXXXXX)
export PONTOON_ROOT="$TMP/root"
export PONTOON_CNI_PATH="$TMP/cni"
mkdir -p "$PONTOON_CNI_PATH"
for t in $("$BUILD/src/plugins/pontoon-cni" 2>&1 | sed -n 's/^types: *//p'); do
	ln -s "$BUILD/src/plugins/pontoon-cni" "$PONTOON_CNI_PATH/$t"
done
ip link set lo up

cleanup() {
	local c
	for c in $("$PONTOON" ps --json 2>/dev/null | jq -r '.[].name'); do "$PONTOON" rm -f "$c" >/dev/null 2>&1; done
	"$PONTOON" network prune >/dev/null 2>&1
	for c in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^ptb-'); do ip netns del "$c"; done
	umount "$PONTOON_ROOT/run/pontoon/netns" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

now() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e6 }'; }
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "median %.2f ms, p95 %.2f ms", v[int((NR + 1) / 2)], v[int(NR * 0.95 + 0.5)] }'; }

# ---- pontoon
"$PONTOON" network create bench >/dev/null
"$PONTOON" network create single >/dev/null
lat_pt=()
for i in $(seq 20); do
	t0=$(now)
	"$PONTOON" run -d --name "s$i" --net single -- sleep 600 >/dev/null
	t1=$(now)
	lat_pt+=("$(ms "$t0" "$t1")")
	"$PONTOON" rm -f "s$i" >/dev/null
done
t0=$(now)
for i in $(seq "$N"); do "$PONTOON" run -d --name "b$i" --net bench -- sleep 600 >/dev/null || echo "run b$i failed" >&2; done
t1=$(now)
for i in $(seq "$N"); do "$PONTOON" rm -f "b$i" >/dev/null; done
t2=$(now)
pt_run=$(ms "$t0" "$t1"); pt_rm=$(ms "$t1" "$t2")

# ---- ip netns + the reference plugins
ref_conf() { # NAME BRIDGE SUBNET
	jq -c -n --arg n "$1" --arg b "$2" --arg s "$3" --arg d "$TMP/refipam" '{cniVersion: "1.0.0", name: $n,
	  plugins: [{type: "bridge", bridge: $b, isGateway: true, ipMasq: true, hairpinMode: true,
	    ipam: {type: "host-local", ranges: [[{subnet: $s}]], routes: [{dst: "0.0.0.0/0"}], dataDir: $d}},
	  {type: "portmap", capabilities: {portMappings: true}, snat: true}]}'
}
plugin_conf() { jq -c --argjson i "$2" '.plugins[$i] + {cniVersion, name}' <<<"$1"; }
ref_add() { # CONFLIST ID
	local ns="ptb-$2" out prev
	ip netns add "$ns" && ip -n "$ns" link set lo up
	out=$(plugin_conf "$1" 0 | CNI_COMMAND=ADD CNI_CONTAINERID="$2" CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH=$REF $REF/bridge) || { echo "ref ADD: $out" >&2; return 1; }
	prev=$(plugin_conf "$1" 1 | jq -c --argjson r "$out" '. + {prevResult: $r, runtimeConfig: {portMappings: []}}')
	CNI_COMMAND=ADD CNI_CONTAINERID="$2" CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH=$REF $REF/portmap <<<"$prev" >/dev/null
	echo "$out" >"$TMP/ref.$2"
}
ref_del() {
	local ns="ptb-$2" prev=$(cat "$TMP/ref.$2")
	plugin_conf "$1" 1 | jq -c --argjson r "$prev" '. + {prevResult: $r, runtimeConfig: {portMappings: []}}' |
		CNI_COMMAND=DEL CNI_CONTAINERID="$2" CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH=$REF $REF/portmap >/dev/null
	plugin_conf "$1" 0 | jq -c --argjson r "$prev" '. + {prevResult: $r}' |
		CNI_COMMAND=DEL CNI_CONTAINERID="$2" CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH=$REF $REF/bridge >/dev/null
	ip netns del "$ns"
}
if [ -x "$REF/bridge" ] && [ -x "$REF/portmap" ]; then
	C1=$(ref_conf refsingle refbr0 10.66.0.0/24)
	C2=$(ref_conf refbench refbr1 10.66.1.0/24)
	lat_ref=()
	for i in $(seq 20); do
		t0=$(now); ref_add "$C1" "s$i"; t1=$(now)
		lat_ref+=("$(ms "$t0" "$t1")")
		ref_del "$C1" "s$i"
	done
	t0=$(now)
	for i in $(seq "$N"); do ref_add "$C2" "b$i"; done
	t1=$(now)
	for i in $(seq "$N"); do ref_del "$C2" "b$i"; done
	t2=$(now)
	ref_run=$(ms "$t0" "$t1"); ref_rm=$(ms "$t1" "$t2")
fi

echo "pontoon CLI benchmark ($(nproc) CPUs; pontoon plugins: $(ls "$PONTOON_CNI_PATH" | xargs))"
printf '  run -d to a network-ready process:  pontoon %s\n' "$(printf '%s\n' "${lat_pt[@]}" | stats)"
[ -n "${ref_run:-}" ] && printf '  ip netns add + bridge + portmap:     reference %s\n' "$(printf '%s\n' "${lat_ref[@]}" | stats)"
printf '  %d containers in a row:  pontoon %s ms (rm -f: %s ms)\n' "$N" "$pt_run" "$pt_rm"
[ -n "${ref_run:-}" ] && printf '  %d containers in a row:  reference %s ms (teardown: %s ms)   ratio %.1fx\n' \
	"$N" "$ref_run" "$ref_rm" "$(awk -v a="$ref_run" -v b="$pt_run" 'BEGIN { print a / b }')"
exit 0
