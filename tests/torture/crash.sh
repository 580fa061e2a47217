#!/usr/bin/env bash
# tests/torture/crash.sh [BUILD] — crash torture of bridge + host-local.
#
# Many containers are added and deleted, four at a time, while plugin
# processes are killed with SIGKILL: at every step of ADD through the
# plugin's own hook (PONTOON_TEST_KILL_AT=ipam|veth|rename|addr|route), and
# at random moments (a few hundred µs to a few ms after start) of ADD, DEL
# and GC. Then the runtime's clean-up: DEL of every container that is not
# alive, GC (cniVersion 1.1.0) with the live ones as valid attachments,
# CHECK of the live ones, DEL of those, GC with none. What must hold:
#   - no address was ever handed to two live containers (from each ADD's
#     output, and the reservation file right after each ADD names its owner);
#   - after the GC exactly the live containers' addresses are reserved;
#   - at the end nothing is left: no link or address besides lo and the
#     bridge, no link in any container, no reservation, attachment or
#     temporary file, the lock free, no process, no namespace;
#   - no sanitizer report from any plugin that was not killed.
# Prints "ok NAME" / "FAIL NAME: why" lines and the figures.
#
#   pt host namespace (ptt-crash-<pid>-host)        containers
#   +---------------------------------------+     +-----------------+
#   |  br-tt 10.77.0.1/24 fd77::1/120       |-veth-| eth0 (c-w0-0)  |  x 40
#   +---------------------------------------+     +-----------------+
#
# Environment: TT_KILLS_PER_WORKER (default 250: 5/12 by hook, the rest random),
# TT_WORKERS (4), TT_SLOTS (containers per worker, 10), TT_DEADLINE (s, 150).
. "$(dirname "$0")/common.sh" crash "${1:-}"
tt_enter_host "$0" "$@"

WORKERS=${TT_WORKERS:-4}
SLOTS=${TT_SLOTS:-10}
KILLS=${TT_KILLS_PER_WORKER:-250}
HOOK_KILLS=$((KILLS * 5 / 12))
DEADLINE=$((${EPOCHSECONDS} + ${TT_DEADLINE:-150}))
STEPS=(ipam veth rename addr route)
BR=br-tt
NET=tortnet
CONF="$TT_TMP/conf.json"
T0=$EPOCHREALTIME

conf() { # VALID-ATTACHMENTS-JSON
	cat <<JSON
{"cniVersion":"1.1.0","name":"$NET","type":"bridge","bridge":"$BR","isGateway":true,
 "ipam":{"type":"host-local","dataDir":"$TT_TMP/ipam","ranges":[
   [{"subnet":"10.77.0.0/24","rangeStart":"10.77.0.10","rangeEnd":"10.77.0.69"}],
   [{"subnet":"fd77::/120","rangeStart":"fd77::10","rangeEnd":"fd77::4f"}]]},
 "cni.dev/valid-attachments":${1:-[]}}
JSON
}
conf >"$CONF"
ip link set lo up

CIDS=()
for w in $(seq 0 $((WORKERS - 1))); do
	for k in $(seq 0 $((SLOTS - 1))); do
		CIDS+=("w$w-$k")
	done
done
for c in "${CIDS[@]}"; do
	tt_ns_new "c-$c" || { tt_fail torture-crash "cannot create namespace c-$c"; exit 1; }
done
ALL_VALID=$(printf '%s\n' "${CIDS[@]}" | jq -R '{containerID: ., ifname: "eth0"}' | jq -sc .)
conf "$ALL_VALID" >"$TT_TMP/conf-gc-all.json"

# How long an ADD takes here, so random kills land inside one.
tt_plugin ADD "$CONF" "${CIDS[0]}" eth0
wait "$TT_PID"
tt_plugin DEL "$CONF" "${CIDS[0]}" eth0
wait "$TT_PID"
t=$EPOCHREALTIME
tt_plugin ADD "$CONF" "${CIDS[0]}" eth0
wait "$TT_PID"
ADD_US=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1e6 }')
tt_plugin DEL "$CONF" "${CIDS[0]}" eth0
wait "$TT_PID"
tt_log "one ADD takes ~${ADD_US} µs here"
[ "$ADD_US" -lt 1000 ] && ADD_US=1000

ips_of() { sed -n 's/.*"address": *"\([^"/]*\)\/.*/\1/p' "$1"; }

# worker W: runs its slots until its kill quota is met (or the deadline),
# logging every event to $TT_TMP/ev.W; leaves each slot's state in state.W.
worker() {
	local w=$1 hook=0 rand=0 k cid op mode rc t0 t1 ip own
	local -a state
	for k in $(seq 0 $((SLOTS - 1))); do state[k]=down; done
	exec >"$TT_TMP/ev.$w"
	while { [ $hook -lt $HOOK_KILLS ] || [ $rand -lt $((KILLS - HOOK_KILLS)) ]; } &&
		[ "$EPOCHSECONDS" -lt "$DEADLINE" ]; do
		k=$((RANDOM % SLOTS))
		cid="w$w-$k"
		mode=none
		if [ $((RANDOM % 12)) -eq 0 ]; then
			op=GC
			[ $((RANDOM % 2)) -eq 0 ] && mode=random
			t0=$EPOCHREALTIME
			tt_plugin GC "$TT_TMP/conf-gc-all.json" "" ""
		elif [ "${state[k]}" = down ]; then
			op=ADD
			if [ $hook -lt $HOOK_KILLS ] && [ $((RANDOM % 3)) -eq 0 ]; then
				mode=${STEPS[hook % ${#STEPS[@]}]}
			elif [ $((RANDOM % 2)) -eq 0 ]; then
				mode=random
			fi
			t0=$EPOCHREALTIME
			if [ "$mode" = none ] || [ "$mode" = random ]; then
				tt_plugin ADD "$CONF" "$cid" eth0
			else
				tt_plugin ADD "$CONF" "$cid" eth0 PONTOON_TEST_KILL_AT="$mode"
			fi
		else
			op=DEL
			[ $((RANDOM % 3)) -eq 0 ] && mode=random
			t0=$EPOCHREALTIME
			tt_plugin DEL "$CONF" "$cid" eth0
		fi
		if [ "$mode" = random ]; then
			tt_usleep $((200 + RANDOM * 32768 % (ADD_US * 3 / 2) / 32768 + RANDOM % 500))
			kill -KILL "$TT_PID" 2>/dev/null
		fi
		wait "$TT_PID"
		rc=$?
		t1=$EPOCHREALTIME
		if [ $rc -eq 137 ]; then
			case $mode in random) rand=$((rand + 1)) ;; none) ;; *) hook=$((hook + 1)) ;; esac
			echo "$op KILL $t0 $t1 $cid $mode"
			[ "$op" != GC ] && state[k]=dirty
			continue
		fi
		if [ $rc -ne 0 ]; then
			echo "$op FAIL $t0 $t1 $cid $mode rc=$rc $(tr '\n' ' ' <"$TT_OUT" | cut -c1-200)"
			[ "$op" = ADD ] && state[k]=dirty
			continue
		fi
		case $op in
		ADD)
			state[k]=up
			[ -n "$(ips_of "$TT_OUT")" ] || echo "ADD FAIL $t0 $t1 $cid $mode: no address in the result"
			for ip in $(ips_of "$TT_OUT"); do
				own=$(tr '\r\n' '/ ' <"$TT_TMP/ipam/$NET/$ip" 2>/dev/null)
				[ "$own" = "$cid/ eth0" ] ||
					echo "OWNER $t1 $cid $ip file-says='$own'"
			done
			echo "ADD OK $t0 $t1 $cid $(ips_of "$TT_OUT" | xargs)"
			cp "$TT_OUT" "$TT_TMP/result.$cid"
			;;
		DEL) state[k]=down; echo "DEL OK $t0 $t1 $cid" ;;
		GC) echo "GC OK $t0 $t1 -" ;;
		esac
		rm -f "$TT_OUT"
	done
	for k in $(seq 0 $((SLOTS - 1))); do echo "w$w-$k ${state[k]}"; done >"$TT_TMP/state.$w"
}

for w in $(seq 0 $((WORKERS - 1))); do
	worker "$w" &
	TT_PIDS+=($!)
done
wait
TT_PIDS=()
T1=$EPOCHREALTIME

EV="$TT_TMP/events"
cat "$TT_TMP"/ev.* >"$EV"
count() { grep -c "$1" "$EV"; }
n_kills=$(count ' KILL ')
n_hook=$(grep ' KILL ' "$EV" | grep -vc ' random$')
n_rand=$(grep -c ' KILL .* random$' "$EV")
per_step=$(for s in "${STEPS[@]}"; do printf '%s %s, ' "$s" "$(grep -c "^ADD KILL .* $s\$" "$EV")"; done)
per_op=$(for o in ADD DEL GC; do printf '%s %s, ' "$o" "$(grep -c "^$o KILL .* random\$" "$EV")"; done)
tt_log "phase 1: $(count '^ADD ') ADD, $(count '^DEL ') DEL, $(count '^GC ') GC in $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.0f", b-a}') s"

# ---- verdicts of phase 1

if [ "$n_kills" -ge $((WORKERS * KILLS)) ]; then
	tt_ok torture-crash-kills
else
	tt_fail torture-crash-kills "only $n_kills kills (want $((WORKERS * KILLS))) before the deadline"
fi
missing=
for s in "${STEPS[@]}"; do
	grep -q "^ADD KILL .* $s\$" "$EV" || missing="$missing $s"
done
[ -z "$missing" ] && tt_ok torture-crash-every-step || tt_fail torture-crash-every-step "no kill at:$missing"
bad=$(grep -E '^(ADD|DEL|GC) FAIL' "$EV" | head -3)
[ -z "$bad" ] && tt_ok torture-crash-no-error || tt_fail torture-crash-no-error "$(echo "$bad" | tr '\n' ';')"

# Two live containers never held one address: an ADD's address is held
# from the end of the ADD until the start of the next DEL of that container.
dups=$(awk '
	$1 == "ADD" && $2 == "OK" { for (i = 6; i <= NF; i++) { start[$5] = $4; ips[$5] = ips[$5] " " $i } ; held[$5] = 1; next }
	$1 == "DEL" && held[$5] { n = split(ips[$5], a, " "); for (i = 1; i <= n; i++) print a[i], start[$5], $3, $5; held[$5] = 0; ips[$5] = ""; next }
	END { for (c in held) if (held[c]) { n = split(ips[c], a, " "); for (i = 1; i <= n; i++) print a[i], start[c], 1e12, c } }
' <(sort -k3,3n "$EV") | sort -k1,1 -k2,2n | awk '
	$1 == ip && $2 < end && $4 != who { print "address " $1 " held by " who " and " $4; bad = 1 }
	$1 != ip || $3 > end { if ($1 != ip || $3 > end) { ip = $1; end = $3; who = $4 } }
')
owners=$(grep '^OWNER' "$EV" | head -3)
if [ -z "$dups$owners" ]; then
	tt_ok torture-crash-no-double-hand
else
	tt_fail torture-crash-no-double-hand "$(echo "$dups $owners" | head -3 | tr '\n' ';')"
fi

# ---- phase 2: the runtime cleans up

ALIVE=()
DEAD=()
for c in $(cat "$TT_TMP"/state.* | awk '{print $1 ":" $2}'); do
	id=${c%%:*}
	if [ "${c#*:}" = up ] && [ $((${id##*-} % 3)) -ne 0 ]; then ALIVE+=("$id"); else DEAD+=("$id"); fi
done
errs=
for c in "${DEAD[@]}"; do
	tt_plugin DEL "$CONF" "$c" eth0
	wait "$TT_PID" || errs="$errs DEL($c)=$(head -c 200 "$TT_OUT")"
done
valid=$(printf '%s\n' "${ALIVE[@]}" | grep . | jq -R '{containerID: ., ifname: "eth0"}' | jq -sc .)
conf "$valid" >"$TT_TMP/conf-gc.json"
tt_plugin GC "$TT_TMP/conf-gc.json" "" ""
wait "$TT_PID" || errs="$errs GC=$(head -c 200 "$TT_OUT")"
[ -z "$errs" ] && tt_ok torture-crash-del-gc || tt_fail torture-crash-del-gc "$errs"

# Exactly the live containers' addresses are reserved, and each passes CHECK.
want=$(for c in "${ALIVE[@]}"; do ips_of "$TT_TMP/result.$c"; done | sort | xargs)
have=$(ls "$TT_TMP/ipam/$NET" | grep -v -e '^lock$' -e '^last_reserved_ip\.' | awk -F: 'NF != 2' | sort | xargs)
[ "$want" = "$have" ] && tt_ok torture-crash-reservations-exact ||
	tt_fail torture-crash-reservations-exact "live containers hold [$want], dataDir has [$have]"
errs=
for c in "${ALIVE[@]}"; do
	jq -c --slurpfile r "$TT_TMP/result.$c" '.prevResult = $r[0]' "$CONF" >"$TT_TMP/conf-check.json"
	tt_plugin CHECK "$TT_TMP/conf-check.json" "$c" eth0
	wait "$TT_PID" || errs="$errs $c: $(head -c 200 "$TT_OUT")"
done
[ -z "$errs" ] && tt_ok torture-crash-live-survive || tt_fail torture-crash-live-survive "CHECK failed:$errs"

for c in "${ALIVE[@]}"; do
	tt_plugin DEL "$CONF" "$c" eth0
	wait "$TT_PID"
done
conf "[]" >"$TT_TMP/conf-gc.json"
tt_plugin GC "$TT_TMP/conf-gc.json" "" ""
wait "$TT_PID"
left=$(tt_leftovers "$BR" "$NET" "${CIDS[@]}")
[ -z "$left" ] && tt_ok torture-crash-nothing-left || tt_fail torture-crash-nothing-left "$(echo "$left" | head -5 | tr '\n' ';')"
san=$(tt_sanitizer_reports | head -3)
[ -z "$san" ] && tt_ok torture-crash-sanitizers || tt_fail torture-crash-sanitizers "$(echo "$san" | tr '\n' ';')"

tt_say "crash torture: $(count '^ADD ') ADD, $(count '^DEL ') DEL, $(count '^GC ') GC by $WORKERS workers on ${#CIDS[@]} containers; $n_kills kills (by hook: ${per_step%, }; at random: ${per_op%, }; $n_rand random in all); ${#ALIVE[@]} live at GC; leftovers: $(echo -n "$left" | grep -c .); in $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", b-a}') s"
