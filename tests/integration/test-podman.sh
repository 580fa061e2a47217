#!/usr/bin/env bash
# A third-party CNI runtime on pontoon's networks: Debian's Podman (4.3, which
# still has the CNI network backend) runs containers on a network made by
# `pontoon network create`, with pontoon's plugins; and pontoon runs a
# container on a network made by `podman network create`.
#
# Why: every network pontoon makes is meant to be an ordinary CNI conflist
# that any CNI runtime can use (issue 4). Podman is the runtime Debian
# packages, and its CNI code is libcni, the Go reference runtime.
#
# Isolation: the script re-executes itself under `unshare --net --mount`, and
# in that private mount namespace puts a tmpfs over /run (netns bind mounts,
# crun's state), /var/lib (libcni's cache /var/lib/cni) and /dev/shm
# (Podman's lock segment). Podman is configured only through files in the
# test's temporary directory (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF,
# --root/--runroot), so the machine's Podman state is never read or written.
# No image is pulled: containers run on a busybox rootfs (--rootfs).
#
# Cases print ok/FAIL/skip lines (tests/integration/lib.sh).

# Podman comes from Debian; install it (and a static busybox for the rootfs)
# while we still have the machine's network.
pod_install() {
	local need=() out
	command -v podman >/dev/null || need+=(podman)
	command -v busybox >/dev/null || need+=(busybox-static)
	[ ${#need[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || { echo "not root, cannot install ${need[*]}"; return 1; }
	command -v apt-get >/dev/null || { echo "no apt-get to install ${need[*]}"; return 1; }
	out=$(DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq \
		--no-install-recommends "${need[@]}" 2>&1) ||
		{ echo "apt-get install ${need[*]} failed: $(tail -n1 <<<"$out")"; return 1; }
	command -v podman >/dev/null || { echo "podman still missing after install"; return 1; }
	command -v busybox >/dev/null || { echo "busybox still missing after install"; return 1; }
}
if [ -z "${PT_POD_INNER:-}" ]; then
	PT_POD_SKIP=$(pod_install) || true
	export PT_POD_SKIP
	PT_POD_INNER=1 exec unshare --net --mount --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"

PONTOON_BUILD=${PONTOON_BUILD:-$PT_SRC/build}
PONTOON=$(cd "$PONTOON_BUILD" && pwd)/src/cli/pontoon
export PONTOON_CNI_PATH=$CNI_PATH
POD=$PT_TMP/podman
ip link set lo up

pt() { "$PONTOON" "$@"; }
pod() {
	podman --root "$POD/root" --runroot "$POD/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file "$@"
}

# ---------------------------------------------------------------- setup

# The mounts that keep Podman off the machine's state (see the header).
pod_mounts() {
	mount -t tmpfs -o mode=755 pontoon-test /run || return 1
	mkdir -p /run/netns
	mount -t tmpfs -o mode=755 pontoon-test /var/lib || return 1
	mount -t tmpfs -o mode=1777 pontoon-test /dev/shm || return 1
	# crun refuses the "hybrid" cgroup layout (v1 controllers plus a v2
	# tree at /sys/fs/cgroup/unified) even for a container that creates
	# no cgroup; hiding the v2 tree makes the layout plain v1.
	if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] &&
		[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		mount -t tmpfs -o mode=755 pontoon-test /sys/fs/cgroup/unified || return 1
	fi
}

# containers.conf(5) of containers-common 0.50 (Podman 4.3).
pod_config() {
	local nproc nofile
	# Podman lowers its own RLIMIT_NPROC to 32768 when it starts, and the
	# rootful defaults ask crun for more than the hard limits; a process
	# without CAP_SYS_RESOURCE cannot raise them, so ask for what we have.
	nproc=$(ulimit -Hu)
	[ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
	nofile=$(ulimit -Hn)
	# pontoon's plugins first; Debian's reference plugins only for the types
	# pontoon-cni lacks ("tuning", in the conflists Podman writes).
	local dirs
	dirs="\"$(cd "$CNI_PATH" && pwd)\""
	[ -d /usr/lib/cni ] && dirs="$dirs, \"/usr/lib/cni\""
	mkdir -p "$POD/tmp" "$POD/rootfs/bin" "$POD/rootfs/etc"
	cat >"$POD/containers.conf" <<EOF
[containers]
# no cgroup of its own: the test must not write to the machine's cgroupfs
cgroups = "disabled"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[network]
network_backend = "cni"
cni_plugin_dirs = [$dirs]
network_config_dir = "$PONTOON_ROOT/etc/cni/net.d"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$POD/events.log"
tmp_dir = "$POD/tmp"
static_dir = "$POD/root/libpod"
volume_path = "$POD/root/volumes"
EOF
	cat >"$POD/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$POD/runroot"
graphroot = "$POD/root"
EOF
	export CONTAINERS_CONF=$POD/containers.conf
	export CONTAINERS_STORAGE_CONF=$POD/storage.conf
	# The rootfs: a static busybox is all the containers need.
	cp "$(command -v busybox)" "$POD/rootfs/bin/busybox"
	local c
	for c in sh ip ping sleep cat hostname; do ln -s busybox "$POD/rootfs/bin/$c"; done
}

POD_SETUP_ERR=
if [ -n "$PT_POD_SKIP" ]; then
	POD_SETUP_ERR="podman: $PT_POD_SKIP"
elif ldd "$(command -v busybox)" >/dev/null 2>&1; then
	POD_SETUP_ERR="podman: $(command -v busybox) is not statically linked (install busybox-static)"
elif ! pod_mounts; then
	POD_SETUP_ERR="podman: cannot mount the tmpfs that keep podman off the machine's state"
else
	pod_config
fi

# Removes every container of this test's Podman, kills what is left of
# them (conmon, container processes: all started here, by pid), then
# unmounts what Podman mounted under the temporary directory.
pod_cleanup() {
	local n p me m
	if [ -z "$POD_SETUP_ERR" ]; then
		timeout 30 podman --root "$POD/root" --runroot "$POD/runroot" --storage-driver vfs \
			rm -f -a -t 0 >/dev/null 2>&1
	fi
	for n in /run/netns/*; do
		[ -e "$n" ] || continue
		for p in $(ip netns pids "${n##*/}" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	done
	me=$(readlink /proc/self/ns/net)
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$me" ] || continue
		case "$(cat "$p/comm" 2>/dev/null)" in
		conmon | pontoon | podman | sleep) kill -KILL "${p#/proc/}" 2>/dev/null ;;
		esac
	done
	for n in /run/netns/*; do
		[ -e "$n" ] && ip netns del "${n##*/}" 2>/dev/null
	done
	# deepest first
	awk -v t="$PT_TMP" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
}
trap 'pod_cleanup; pt_cleanup' EXIT

need_podman() {
	[ -z "$POD_SETUP_ERR" ] || skip "$POD_SETUP_ERR"
}

# The IPv4 address of podman container NAME on NETWORK.
pod_ip() {
	pod inspect "$1" --format "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}"
}
ctr_ip() { pt inspect "$1" | jq -r ".[0].networks[${2:-0}].ips[0]" | cut -d/ -f1; }
n_veths() { ip -o link show type veth | wc -l; }
# Reservations host-local still holds for NETWORK under DATADIR.
reservations() {
	local f
	for f in "$1/$2"/*; do
		case "${f##*/}" in "*" | lock | last_reserved_ip*) ;; *) echo "${f##*/}" ;; esac
	done
}

# ---------------------------------------------------------------- cases

# Podman on a network pontoon made, with pontoon's plugins.
case_podman_on_pontoon_network() {
	need_podman
	local out ip1 ip2 ipq datadir conf br t
	assert_eq podnet "$(pt network create podnet --subnet 10.123.0.0/24)" "network create"
	out=$(pod network inspect podnet 2>&1) || fail "podman does not load pontoon's conflist: $out"
	assert_json "$out" '.[0].subnets[0].subnet' 10.123.0.0/24 "podman network inspect"
	assert_json "$out" '.[0].subnets[0].gateway' 10.123.0.1 "podman network inspect"
	conf=$PONTOON_ROOT/etc/cni/net.d/podnet.conflist
	datadir=$(jq -r '.plugins[0].ipam.dataDir' "$conf")
	br=$(jq -r '.plugins[0].bridge' "$conf")
	# Every plugin Podman runs here is pontoon's.
	for t in $(jq -r '.plugins[].type' "$conf"); do
		[ -e "$CNI_PATH/$t" ] || fail "pontoon wrote plugin '$t', which pontoon-cni lacks"
	done

	# A second podman container and a pontoon one on the same network.
	out=$(pod run -d --name p2 --network podnet --rootfs "$POD/rootfs" sleep 300 2>&1) ||
		fail "podman run -d p2: $out"
	ip2=$(pod_ip p2 podnet)
	assert_match '^10\.123\.0\.[0-9]+$' "$ip2" "p2's address"
	# Where the "nothing left" checks below look, something is now.
	[ -n "$(ls /var/lib/cni/results 2>/dev/null)" ] || fail "no libcni cache in /var/lib/cni/results"
	[ -n "$(ls /run/netns)" ] || fail "podman's namespace is not in /run/netns"
	[ -n "$(reservations "$datadir" podnet)" ] || fail "no reservation in $datadir/podnet for p2"
	assert_eq 1 "$(ip -o link show master "$br" | wc -l)" "ports on $br with p2"
	assert_ok pt run -d --name q1 --net podnet -- sleep 300
	ipq=$(ctr_ip q1)
	assert_match '^10\.123\.0\.[0-9]+$' "$ipq" "q1's address (pontoon)"

	out=$(pod run --rm --name p1 --network podnet --rootfs "$POD/rootfs" sh -c "
		ip -4 -o addr show eth0
		ping -c1 -W2 10.123.0.1 >/dev/null || echo NO-GATEWAY
		ping -c1 -W2 $ip2 >/dev/null || echo NO-P2
		ping -c1 -W2 $ipq >/dev/null || echo NO-Q1
		ip route show default" 2>&1) || fail "podman run p1: $out"
	echo "$out"
	ip1=$(sed -n 's/.*inet \([0-9.]*\)\/24 .*/\1/p' <<<"$out" | head -n1)
	assert_match '^10\.123\.0\.[0-9]+$' "$ip1" "p1's eth0 address"
	assert_ne "$ip2" "$ip1" "p1's address"
	assert_ne "$ipq" "$ip1" "p1's address"
	assert_not_contains "$out" NO-GATEWAY "p1 cannot ping the gateway 10.123.0.1:"
	assert_not_contains "$out" NO-P2 "p1 cannot ping podman container p2 ($ip2):"
	assert_not_contains "$out" NO-Q1 "p1 cannot ping pontoon container q1 ($ipq):"
	assert_contains "$out" "default via 10.123.0.1" "p1's default route"
	pt exec q1 -- ping -c1 -W2 "$ip2" >/dev/null || fail "pontoon q1 cannot ping podman p2"
	# pontoon sees the network in use only through its own containers.
	assert_json "$(pt network inspect podnet)" '.[0].attached | length' 1 "attached (pontoon's)"

	# p1 is gone (--rm); Podman removes p2, pontoon q1.
	out=$(pod rm -f -t 0 p2 2>&1) || fail "podman rm p2: $out"
	assert_ok pt rm -f q1
	assert_eq 0 "$(n_veths)" "veths left"
	assert_eq "" "$(ls /run/netns)" "namespaces left"
	assert_eq "" "$(reservations "$datadir" podnet)" "reservations left in $datadir/podnet"
	assert_eq "" "$(ls /var/lib/cni/results 2>/dev/null)" "libcni result cache left"
	assert_eq "" "$(ls "$PONTOON_ROOT/var/lib/pontoon/results" 2>/dev/null)" "pontoon result cache left"
	assert_eq 0 "$(pod ps -a -q | wc -l)" "podman containers left"
	assert_eq podnet "$(pt network rm podnet)" "network rm after podman is done"
	ip link show "$br" >/dev/null 2>&1 && fail "bridge $br left after network rm"
	return 0
}

# pontoon on a network Podman made (its CNI backend writes a conflist).
case_pontoon_on_podman_network() {
	need_podman
	local out conf datadir ip1 br
	out=$(pod network create --subnet 10.124.0.0/24 podmade 2>&1) || fail "podman network create: $out"
	conf="$PONTOON_ROOT/etc/cni/net.d/podmade.conflist"
	[ -f "$conf" ] || fail "podman wrote no $conf: $(ls "$PONTOON_ROOT/etc/cni/net.d")"
	cat "$conf"
	# Podman's conflist also asks for "tuning", which pontoon-cni does not
	# contain: take it (and only what pontoon-cni lacks) from Debian's
	# reference plugins. The bridge and its IPAM must be pontoon's.
	local path=$CNI_PATH t
	for t in bridge "$(jq -r '.plugins[0].ipam.type' "$conf")"; do
		[ -e "$CNI_PATH/$t" ] || fail "pontoon-cni lacks plugin '$t' of podman's network"
	done
	for t in $(jq -r '.plugins[].type' "$conf"); do
		[ -e "$CNI_PATH/$t" ] && continue
		[ -x "/usr/lib/cni/$t" ] || skip "podman's conflist needs plugin '$t', which neither pontoon-cni nor /usr/lib/cni has"
		echo "plugin $t: not in pontoon-cni, using /usr/lib/cni/$t" >&2
		path="$CNI_PATH:/usr/lib/cni"
	done
	assert_json "$(pt network ls --json)" 'map(.name) | index("podmade") != null' true "pontoon network ls"
	out=$(PONTOON_CNI_PATH=$path pt run -d --name r1 --net podmade -- sleep 300 2>&1) ||
		fail "pontoon run on podman's network: $out"
	ip1=$(ctr_ip r1)
	assert_match '^10\.124\.0\.[0-9]+$' "$ip1" "r1's address"
	out=$(pod run --rm --network podmade --rootfs "$POD/rootfs" ping -c1 -W2 "$ip1" 2>&1) ||
		fail "podman container cannot ping pontoon container r1 ($ip1): $out"
	out=$(PONTOON_CNI_PATH=$path pt exec r1 -- ping -c1 -W2 10.124.0.1 2>&1) ||
		fail "r1 cannot ping the gateway: $out"
	datadir=$(jq -r '.plugins[0].ipam.dataDir // "/var/lib/cni/networks"' "$conf")
	br=$(jq -r '.plugins[0].bridge' "$conf")
	out=$(PONTOON_CNI_PATH=$path pt rm -f r1 2>&1) || fail "pontoon rm r1: $out"
	assert_eq 0 "$(n_veths)" "veths left"
	assert_eq "" "$(ls /run/netns)" "namespaces left"
	assert_eq "" "$(reservations "$datadir" podmade)" "reservations left in $datadir/podmade"
	out=$(pod network rm podmade 2>&1) || fail "podman network rm: $out"
	# CNI never removes a bridge; the network's owner does.
	ip link del "$br" 2>/dev/null
	return 0
}

run_case podman-on-pontoon-network case_podman_on_pontoon_network
run_case pontoon-on-podman-network case_pontoon_on_podman_network
