#!/usr/bin/env bash
# tests/torture/concurrency.sh [BUILD] — 200 plugin processes at once.
#
# Rounds of 200 bridge + host-local processes started together, each round
# checked before the next:
#   1 one network:  170 ADD, 20 DEL of containers never added, 10 GC
#   2 two networks: 100 ADD on B, 60 DEL and 30 CHECK on A, 5 GC on each
#   3 two networks: DEL of everything left, 20 GC with no valid attachment
# GC runs alongside ADD, DEL and CHECK of the same network here with the
# valid list a runtime has at that moment, which includes the attachments
# being added (the spec makes GC exclusive from the runtime's side; host-local
# takes its lock for the whole GC, so a GC is atomic against each IPAM step).
# What must hold after every round:
#   - every process succeeds, or fails only with CNI code 11 ("try again",
#     then it is retried until it succeeds; the count is printed);
#   - no address is held by two containers, per network (ADD outputs), and
#     each reservation file names its owner;
#   - no reservation lost or leaked: the dataDir holds exactly the live
#     containers' addresses, and every live container passes CHECK later;
#   - at the end nothing is left (links, addresses, files, lock) and no
#     sanitizer report.
#
#   host namespace ptt-conc-<pid>-host
#   +--------------------------------------+
#   | br-ta 10.78.0.1/24   br-tb 10.79.0.1 |---- veth ---- 270 container namespaces
#   +--------------------------------------+
. "$(dirname "$0")/common.sh" conc "${1:-}"
tt_enter_host "$0" "$@"

T0=$EPOCHREALTIME
ip link set lo up
NA=170 NB=100

conf() { # NET BRIDGE OCTET VALID-JSON
	cat <<JSON
{"cniVersion":"1.1.0","name":"$1","type":"bridge","bridge":"$2","isGateway":true,
 "ipam":{"type":"host-local","dataDir":"$TT_TMP/ipam","ranges":[
   [{"subnet":"10.$3.0.0/24","rangeStart":"10.$3.0.10","rangeEnd":"10.$3.0.250"}],
   [{"subnet":"fd$3::/120","rangeStart":"fd$3::10","rangeEnd":"fd$3::f9"}]]},
 "cni.dev/valid-attachments":${4:-[]}}
JSON
}
conf netA br-ta 78 >"$TT_TMP/A.json"
conf netB br-tb 79 >"$TT_TMP/B.json"
valid() { printf '%s\n' "$@" | grep . | jq -R '{containerID: ., ifname: "eth0"}' | jq -sc .; }

A=() B=()
for i in $(seq 0 $((NA - 1))); do A+=("a$i"); done
for i in $(seq 0 $((NB - 1))); do B+=("b$i"); done
for c in "${A[@]}" "${B[@]}"; do
	tt_ns_new "c-$c" || { tt_fail torture-conc "cannot create namespace c-$c"; exit 1; }
done

ips_of() { sed -n 's/.*"address": *"\([^"/]*\)\/.*/\1/p' "$1"; }
N_RETRY=0
N_PROC=0

# launch CMD CONF CID: one process of the round; remembers pid and output.
declare -A JOB_CMD JOB_CONF JOB_CID JOB_OUT
launch() {
	tt_plugin "$1" "$2" "$3" eth0
	JOB_CMD[$TT_PID]=$1 JOB_CONF[$TT_PID]=$2 JOB_CID[$TT_PID]=$3 JOB_OUT[$TT_PID]=$TT_OUT
	N_PROC=$((N_PROC + 1))
}

# Waits for every process of the round; retries those that said "try
# again"; prints one line per other failure.
finish_round() {
	local pid rc code again
	while [ ${#JOB_CMD[@]} -gt 0 ]; do
		again=()
		for pid in "${!JOB_CMD[@]}"; do
			wait "$pid"
			rc=$?
			if [ $rc -ne 0 ]; then
				code=$(jq -r '.code // empty' "${JOB_OUT[$pid]}" 2>/dev/null)
				if [ "$code" = 11 ]; then
					again+=("${JOB_CMD[$pid]} ${JOB_CONF[$pid]} ${JOB_CID[$pid]}")
					N_RETRY=$((N_RETRY + 1))
				else
					echo "${JOB_CMD[$pid]} ${JOB_CID[$pid]}: exit $rc: $(tr '\n' ' ' <"${JOB_OUT[$pid]}" | cut -c1-200)"
				fi
			elif [ "${JOB_CMD[$pid]}" = ADD ]; then
				cp "${JOB_OUT[$pid]}" "$TT_TMP/result.${JOB_CID[$pid]}"
			fi
			unset "JOB_CMD[$pid]" "JOB_CONF[$pid]" "JOB_CID[$pid]" "JOB_OUT[$pid]"
		done
		for j in "${again[@]}"; do
			# shellcheck disable=SC2086
			launch $j
		done
	done
}

# check_net NET CONTAINERS...: addresses unique, files name their owner,
# the dataDir holds exactly these containers' addresses.
check_net() {
	local net=$1 c ip own want have
	shift
	for c in "$@"; do
		[ -s "$TT_TMP/result.$c" ] || { echo "$c: no ADD result"; continue; }
		[ "$(ips_of "$TT_TMP/result.$c" | wc -l)" -eq 2 ] || echo "$c: not two addresses"
		for ip in $(ips_of "$TT_TMP/result.$c"); do
			own=$(tr '\r\n' '/ ' <"$TT_TMP/ipam/$net/$ip" 2>/dev/null)
			[ "$own" = "$c/ eth0" ] || echo "$net $ip of $c: the file says '$own'"
		done
	done
	for c in "$@"; do ips_of "$TT_TMP/result.$c"; done | sort | uniq -d | sed "s/^/$net: handed out twice: /"
	want=$(for c in "$@"; do ips_of "$TT_TMP/result.$c"; done | sort | xargs)
	have=$(ls "$TT_TMP/ipam/$net" 2>/dev/null | grep -v -e '^lock$' -e '^last_reserved_ip\.' |
		awk -F: 'NF != 2' | sort | xargs)
	[ "$want" = "$have" ] || echo "$net: live containers hold $(wc -w <<<"$want") addresses, the dataDir $(wc -w <<<"$have") (lost or leaked reservations)"
}

verdict() { # NAME PROBLEMS
	if [ -z "$2" ]; then tt_ok "$1"; else tt_fail "$1" "$(echo "$2" | head -4 | tr '\n' ';')"; fi
}

round_time() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# ---- round 1: one network
t=$EPOCHREALTIME
conf netA br-ta 78 "$(valid "${A[@]}")" >"$TT_TMP/A-gc.json"
for i in $(seq 0 $((NA - 1))); do
	launch ADD "$TT_TMP/A.json" "${A[i]}"
	[ $((i % 17)) -eq 0 ] && launch GC "$TT_TMP/A-gc.json" ""
	[ $((i % 17)) -eq 5 ] && launch DEL "$TT_TMP/A.json" "a$((NA + i))"
	[ $((i % 17)) -eq 11 ] && launch DEL "$TT_TMP/A.json" "a$((NA + i))"
done
finish_round >"$TT_TMP/errs"; errs=$(cat "$TT_TMP/errs")
tt_log "round 1: $N_PROC processes in $(round_time "$t") s"
verdict torture-conc-round1-no-error "$errs"
verdict torture-conc-round1-one-network "$(check_net netA "${A[@]}")"

# ---- round 2: two networks
t=$EPOCHREALTIME
p0=$N_PROC
KEEP=("${A[@]:60}")
conf netA br-ta 78 "$(valid "${KEEP[@]}")" >"$TT_TMP/A-gc.json"
conf netB br-tb 79 "$(valid "${B[@]}")" >"$TT_TMP/B-gc.json"
for c in "${A[@]:60:30}"; do
	jq -c --slurpfile r "$TT_TMP/result.$c" '.prevResult = $r[0]' "$TT_TMP/A.json" >"$TT_TMP/check.$c.json"
done
for i in $(seq 0 99); do
	launch ADD "$TT_TMP/B.json" "${B[i]}"
	[ $i -lt 60 ] && launch DEL "$TT_TMP/A.json" "${A[i]}"
	[ $i -lt 30 ] && launch CHECK "$TT_TMP/check.${A[60 + i]}.json" "${A[60 + i]}"
	[ $((i % 20)) -eq 3 ] && launch GC "$TT_TMP/A-gc.json" ""
	[ $((i % 20)) -eq 13 ] && launch GC "$TT_TMP/B-gc.json" ""
done
finish_round >"$TT_TMP/errs"; errs=$(cat "$TT_TMP/errs")
tt_log "round 2: $((N_PROC - p0)) processes in $(round_time "$t") s"
verdict torture-conc-round2-no-error "$errs"
verdict torture-conc-round2-two-networks "$(check_net netA "${KEEP[@]}"; check_net netB "${B[@]}")"

# Every live container still passes CHECK (no reservation or link lost).
errs=
for c in "${KEEP[@]}" "${B[@]}"; do
	net=A
	[ "${c#b}" != "$c" ] && net=B
	jq -c --slurpfile r "$TT_TMP/result.$c" '.prevResult = $r[0]' "$TT_TMP/$net.json" >"$TT_TMP/check.$c.json"
	launch CHECK "$TT_TMP/check.$c.json" "$c"
done
finish_round >"$TT_TMP/errs"; errs=$(cat "$TT_TMP/errs")
verdict torture-conc-live-pass-check "$errs"

# ---- round 3: everything goes
t=$EPOCHREALTIME
p0=$N_PROC
for c in "${KEEP[@]}"; do launch DEL "$TT_TMP/A.json" "$c"; done
for c in "${B[@]}"; do launch DEL "$TT_TMP/B.json" "$c"; done
for i in $(seq 1 10); do launch GC "$TT_TMP/A.json" ""; launch GC "$TT_TMP/B.json" ""; done
finish_round >"$TT_TMP/errs"; errs=$(cat "$TT_TMP/errs")
tt_log "round 3: $((N_PROC - p0)) processes in $(round_time "$t") s"
verdict torture-conc-round3-no-error "$errs"
left=$( (tt_leftovers br-ta netA "${A[@]}"; tt_leftovers br-tb netB) | grep -v -e '^host link: br-t[ab]$' -e '^host address: br-t[ab] ' | sort -u)
verdict torture-conc-nothing-left "$left"
verdict torture-conc-sanitizers "$(tt_sanitizer_reports | head -3)"

tt_say "concurrency torture: $N_PROC plugin processes in rounds of 200 on 2 networks ($NA + $NB containers), $N_RETRY retried after code 11, $(echo -n "$left" | grep -c .) leftovers, in $(round_time "$T0") s"
