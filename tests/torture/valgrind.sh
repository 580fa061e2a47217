#!/usr/bin/env bash
# tests/torture/valgrind.sh [RELEASE_BUILD] — every plugin command under
# valgrind: zero errors, zero definite or indirect leaks.
#
# bridge (with host-local, delegated in the same process, or in a child
# that valgrind follows), host-local alone, static and loopback: ADD, CHECK,
# DEL, and STATUS/GC/VERSION where they exist, in a throwaway namespace, with
#   valgrind --leak-check=full --error-exitcode=99
#            --errors-for-leak-kinds=definite,indirect --trace-children=yes
# A release build (no sanitizers: valgrind and ASan do not mix). Prints
# "ok valgrind-<plugin>-<cmd>" or "FAIL valgrind-<plugin>-<cmd>: why".
#
#   host namespace ptt-vg-<pid>-host          container ptt-vg-<pid>-c-vg1
#   +-------------------------------+        +---------------------------+
#   | br-vg 10.81.0.1/24 fd81::1/64 |--veth--| eth0 10.81.0.x  lo        |
#   +-------------------------------+        +---------------------------+
. "$(dirname "$0")/common.sh" vg "${1:-}"
tt_enter_host "$0" "$@"

if ! command -v valgrind >/dev/null; then
	tt_say "skip valgrind: valgrind is not installed"
	exit 0
fi
if ldd "$(readlink -f "$CNI_PATH/bridge")" | grep -q libasan; then
	tt_say "skip valgrind: $(readlink -f "$CNI_PATH/bridge") is built with ASan (give a release build)"
	exit 0
fi
ip link set lo up
tt_ns_new c-vg1 c-vg2
VG=(valgrind --leak-check=full --error-exitcode=99 --errors-for-leak-kinds=definite,indirect
	--trace-children=yes --log-file="$TT_TMP/vg.%p.log")
N_ERR=0 N_LEAK=0 N_RUN=0 N_PROCS=0

BRIDGE='{"cniVersion":"1.1.0","name":"vgnet","type":"bridge","bridge":"br-vg","isGateway":true,"mtu":1400,
 "hairpinMode":true,"ipam":{"type":"host-local","dataDir":"'$TT_TMP/ipam'","resolvConf":"'$TT_TMP/resolv.conf'",
 "ranges":[[{"subnet":"10.81.0.0/24"}],[{"subnet":"fd81::/64"}]],"routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]},
 "dns":{"nameservers":["10.81.0.1"]}}'
HOSTLOCAL=$(jq -c '.type = "host-local" | .name = "vgnet2"' <<<"$BRIDGE")
STATIC='{"cniVersion":"1.1.0","name":"vgstatic","type":"static","ipam":{"type":"static",
 "addresses":[{"address":"10.82.0.5/24","gateway":"10.82.0.1"},{"address":"fd82::5/64"}],
 "routes":[{"dst":"0.0.0.0/0","gw":"10.82.0.1"}],"dns":{"nameservers":["10.82.0.1"],"search":["x"]}}}'
LOOPBACK='{"cniVersion":"1.1.0","name":"vglo","type":"loopback"}'
printf 'nameserver 10.81.0.1\nsearch example.org\noptions ndots:2\n' >"$TT_TMP/resolv.conf"

# vg NAME TYPE CMD CONF [CONTAINER] [EXPECTED-EXIT]: one plugin run under valgrind.
vg() {
	local name=$1 type=$2 cmd=$3 conf=$4 cid=${5:-vg1} want=${6:-0} rc logs errs leaks ns=
	[ "$cmd" = VERSION ] || [ "$cmd" = GC ] || [ "$cmd" = STATUS ] || ns="/run/netns/$(tt_ns "c-$cid")"
	rm -f "$TT_TMP"/vg.*.log
	printf '%s' "$conf" | env CNI_COMMAND="$cmd" CNI_CONTAINERID="ctr-$cid" CNI_NETNS="$ns" \
		CNI_IFNAME=eth0 CNI_PATH="$CNI_PATH" "${VG[@]}" "$CNI_PATH/$type" >"$TT_TMP/out.$name" 2>/dev/null
	rc=$?
	N_RUN=$((N_RUN + 1))
	logs=$(ls "$TT_TMP"/vg.*.log 2>/dev/null | wc -l)
	N_PROCS=$((N_PROCS + logs))
	errs=$(cat "$TT_TMP"/vg.*.log | sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
	leaks=$(cat "$TT_TMP"/vg.*.log | sed -n 's/.*\(definitely\|indirectly\) lost: \([0-9,]*\) bytes.*/\2/p' | tr -d , | awk '{ n += $1 } END { print n + 0 }')
	N_ERR=$((N_ERR + errs))
	N_LEAK=$((N_LEAK + leaks))
	tt_log "valgrind $name: exit $rc, $logs process(es), $errs errors, $leaks bytes lost"
	if [ $rc -eq 99 ] || [ "$errs" -ne 0 ] || [ "$leaks" -ne 0 ]; then
		tt_fail "valgrind-$name" "$errs errors, $leaks bytes definitely/indirectly lost: $(grep -h -m3 -E 'Invalid|uninitialised|definitely lost in|Mismatched' "$TT_TMP"/vg.*.log | tr '\n' ' ' | cut -c1-250)"
		cat "$TT_TMP"/vg.*.log >&2
	elif [ $rc -ne "$want" ]; then
		tt_fail "valgrind-$name" "exit $rc, not $want: $(tr '\n' ' ' <"$TT_TMP/out.$name" | cut -c1-200)"
	else
		tt_ok "valgrind-$name"
	fi
}
with_prev() { jq -c --slurpfile r "$TT_TMP/out.$2" '.prevResult = $r[0]' <<<"$1"; }
gc_conf() { jq -c '."cni.dev/valid-attachments" = []' <<<"$1"; }

vg bridge-version bridge VERSION "$BRIDGE"
vg bridge-add bridge ADD "$BRIDGE"
vg bridge-check bridge CHECK "$(with_prev "$BRIDGE" bridge-add)"
vg bridge-status bridge STATUS "$BRIDGE"
vg bridge-del bridge DEL "$(with_prev "$BRIDGE" bridge-add)"
vg bridge-add-again bridge ADD "$BRIDGE" vg2
vg bridge-gc bridge GC "$(gc_conf "$BRIDGE")"
vg bridge-del-after-gc bridge DEL "$BRIDGE" vg2
vg host-local-add host-local ADD "$HOSTLOCAL"
vg host-local-check host-local CHECK "$(with_prev "$HOSTLOCAL" host-local-add)"
vg host-local-status host-local STATUS "$HOSTLOCAL"
vg host-local-gc host-local GC "$(gc_conf "$HOSTLOCAL")"
vg host-local-del host-local DEL "$HOSTLOCAL"
vg static-add static ADD "$STATIC"
vg static-check static CHECK "$(with_prev "$STATIC" static-add)"
vg static-del static DEL "$STATIC"
vg loopback-add loopback ADD "$LOOPBACK"
vg loopback-check loopback CHECK "$(with_prev "$LOOPBACK" loopback-add)"
vg loopback-del loopback DEL "$LOOPBACK"
vg bridge-add-bad-config bridge ADD '{"cniVersion":"1.1.0","name":"x","type":"bridge","mtu":5}' vg1 1
# Failures with something to undo: the address space exhausted (IPAM
# fails), and the container's eth0 taken (fails after the veth and the
# address, so both are rolled back).
SMALL=$(jq -c '.ipam.ranges = [[{"subnet": "10.83.0.0/30"}]] | .name = "vgsmall" | .bridge = "br-vgs"' <<<"$BRIDGE")
vg bridge-add-last-address bridge ADD "$SMALL" vg1
vg bridge-add-exhausted bridge ADD "$SMALL" vg2 1
vg bridge-del-small bridge DEL "$SMALL" vg1
ip -n "$(tt_ns c-vg2)" link add eth0 type veth peer name eth0peer
vg bridge-add-rollback bridge ADD "$BRIDGE" vg2 1
[ -z "$(ls "$TT_TMP/ipam/vgnet" | grep -v -e '^lock$' -e '^last_reserved_ip')" ] ||
	tt_fail valgrind-bridge-add-rollback "the failed ADD left a reservation: $(ls "$TT_TMP/ipam/vgnet" | xargs)"

tt_say "valgrind: $N_RUN plugin runs ($N_PROCS processes), $N_ERR errors, $N_LEAK bytes definitely or indirectly lost"
