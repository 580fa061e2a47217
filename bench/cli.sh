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
mkdir -p "$PONTOON_CNI_PATH" "$PONTOON_ROOT/run"
# pontoon's run-time state lives in /run (tmpfs) on a real host, as the
# reference's `ip netns` pins do here: give it a tmpfs in this private mount
# namespace too, not the disk under /tmp.
mount -t tmpfs -o mode=0755 pontoon-bench-run "$PONTOON_ROOT/run"
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
	umount "$PONTOON_ROOT/run" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# The clock is bash's own ($EPOCHREALTIME): a $(date) would add a process
# to every figure.
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e3 }'; }
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "median %.2f ms, p95 %.2f ms", v[int((NR + 1) / 2)], v[int(NR * 0.95 + 0.5)] }'; }

# ---- pontoon
"$PONTOON" network create bench >/dev/null
"$PONTOON" network create single >/dev/null
lat_pt=()
for i in $(seq 20); do
	t0=${EPOCHREALTIME/./}
	"$PONTOON" run -d --name "s$i" --net single -- sleep 600 >/dev/null
	t1=${EPOCHREALTIME/./}
	lat_pt+=("$(ms "$t0" "$t1")")
	"$PONTOON" rm -f "s$i" >/dev/null
done
t0=${EPOCHREALTIME/./}
for i in $(seq "$N"); do "$PONTOON" run -d --name "b$i" --net bench -- sleep 600 >/dev/null || echo "run b$i failed" >&2; done
t1=${EPOCHREALTIME/./}
for i in $(seq "$N"); do "$PONTOON" rm -f "b$i" >/dev/null; done
t2=${EPOCHREALTIME/./}
pt_run=$(ms "$t0" "$t1"); pt_rm=$(ms "$t1" "$t2")

# ---- the floor: one process that makes a network namespace and exits
# (what any runtime pays before a plugin runs; bench/run.sh measures the
# veth's own cost beside it)
lat_floor=()
for i in $(seq 20); do
	t0=${EPOCHREALTIME/./}; unshare --net true; t1=${EPOCHREALTIME/./}
	lat_floor+=("$(ms "$t0" "$t1")")
done

# ---- ip netns + the reference plugins
ref_conf() { # NAME BRIDGE SUBNET
	jq -c -n --arg n "$1" --arg b "$2" --arg s "$3" --arg d "$TMP/refipam" '{cniVersion: "1.0.0", name: $n,
	  plugins: [{type: "bridge", bridge: $b, isGateway: true, ipMasq: true, hairpinMode: true,
	    ipam: {type: "host-local", ranges: [[{subnet: $s}]], routes: [{dst: "0.0.0.0/0"}], dataDir: $d}},
	  {type: "portmap", capabilities: {portMappings: true}, snat: true}]}'
}
plugin_conf() { jq -c --argjson i "$2" '.plugins[$i] + {cniVersion, name}' <<<"$1"; }
# Each plugin's config is made before the clock starts, as a runtime holds
# it in memory; the chain's prevResult is spliced in by bash, without a
# process (a jq per call would count jq's start-up against the reference).
with_prev() { printf '%s,"prevResult":%s}' "${1%\}}" "$2"; }
ref_confs() { # CONFLIST -> BRIDGE_CONF PORTMAP_CONF in REFB, REFP
	REFB=$(plugin_conf "$1" 0)
	REFP=$(plugin_conf "$1" 1 | jq -c '. + {runtimeConfig: {portMappings: []}}')
}
ref_add() { # ID
	local ns="ptb-$1" out
	ip netns add "$ns" && ip -n "$ns" link set lo up
	out=$(CNI_COMMAND=ADD CNI_CONTAINERID="$1" CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH=$REF $REF/bridge <<<"$REFB") || { echo "ref ADD: $out" >&2; return 1; }
	with_prev "$REFP" "$out" | CNI_COMMAND=ADD CNI_CONTAINERID="$1" CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH=$REF $REF/portmap >/dev/null
	printf '%s' "$out" >"$TMP/ref.$1"
}
ref_del() { # ID
	local ns="ptb-$1" prev
	prev=$(<"$TMP/ref.$1")
	with_prev "$REFP" "$prev" | CNI_COMMAND=DEL CNI_CONTAINERID="$1" CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH=$REF $REF/portmap >/dev/null
	with_prev "$REFB" "$prev" | CNI_COMMAND=DEL CNI_CONTAINERID="$1" CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH=$REF $REF/bridge >/dev/null
	ip netns del "$ns"
}
if [ -x "$REF/bridge" ] && [ -x "$REF/portmap" ]; then
	ref_confs "$(ref_conf refsingle refbr0 10.66.0.0/24)"
	lat_ref=()
	for i in $(seq 20); do
		t0=${EPOCHREALTIME/./}; ref_add "s$i"; t1=${EPOCHREALTIME/./}
		lat_ref+=("$(ms "$t0" "$t1")")
		ref_del "s$i"
	done
	ref_confs "$(ref_conf refbench refbr1 10.66.1.0/24)"
	t0=${EPOCHREALTIME/./}
	for i in $(seq "$N"); do ref_add "b$i"; done
	t1=${EPOCHREALTIME/./}
	for i in $(seq "$N"); do ref_del "b$i"; done
	t2=${EPOCHREALTIME/./}
	ref_run=$(ms "$t0" "$t1"); ref_rm=$(ms "$t1" "$t2")
fi

echo "pontoon CLI benchmark ($(nproc) CPUs; pontoon plugins: $(ls "$PONTOON_CNI_PATH" | xargs))"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '  run -d to a network-ready process:  pontoon %s\n' "$(printf '%s\n' "${lat_pt[@]}" | stats)"
if [ -n "${ref_run:-}" ]; then
	printf '  ip netns add + bridge + portmap:     reference %s   ratio of medians %.1fx\n' \
		"$(printf '%s\n' "${lat_ref[@]}" | stats)" \
		"$(awk -v a="$(printf '%s\n' "${lat_ref[@]}" | median)" -v b="$(printf '%s\n' "${lat_pt[@]}" | median)" 'BEGIN { print a / b }')"
fi
printf '  floor, `unshare --net true`:         %s\n' "$(printf '%s\n' "${lat_floor[@]}" | stats)"
printf '  %d containers in a row:  pontoon %s ms (rm -f: %s ms)\n' "$N" "$pt_run" "$pt_rm"
[ -n "${ref_run:-}" ] && printf '  %d containers in a row:  reference %s ms (teardown: %s ms)   ratio %.1fx\n' \
	"$N" "$ref_run" "$ref_rm" "$(awk -v a="$ref_run" -v b="$pt_run" 'BEGIN { print a / b }')"
exit 0
