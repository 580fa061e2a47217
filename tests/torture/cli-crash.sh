#!/usr/bin/env bash
# tests/torture/cli-crash.sh [BUILD] — crash torture of the pontoon CLI with
# the whole chain of `pontoon network create` (bridge with ipMasq, portmap,
# firewall), its DNS server and its detached supervisors.
#
# Why beside crash.sh: that one kills the bridge plugin; here the runtime is
# killed too, and the runtime runs the plugins in its own process, so a
# SIGKILL of `pontoon run` lands between any two steps of ADD with no
# rollback — after the reservation, the veth, the nft elements, before the
# result cache — and only `pontoon rm`/`pontoon gc` are left to clean up.
#
# Four workers, each with its own containers (names reused) on two networks
# (one IPv4 with a small range so addresses come back, one dual stack with
# --isolate isolated), run `pontoon run -d --name N --net NET [-p ...] --
# sleep 600`, `pontoon rm -f N` and `pontoon gc`, and kill with SIGKILL:
#   - `pontoon run` at random moments (a few hundred µs to 1.5 runs after
#     start; the step it reached is read off what it left), and its
#     children (the detached supervisor starting, the DNS server's parent);
#   - at each step of the bridge plugin (PONTOON_TEST_KILL_AT=ipam|veth|
#     rename|addr|route), either the plugin alone (the CLI rolls back) or the
#     plugin and the CLI together (what the in-process plugin does), and the
#     CLI after the bridge, after portmap and after firewall (before the
#     result is cached): a CNI dir of wrappers around the real plugins does
#     it, since CNI_PATH through them makes the CLI exec its plugins;
#   - a live container's process, its supervisor, or the supervisor while it
#     releases the container; `pontoon rm` at random moments and between the
#     plugins of its DEL; `pontoon gc` at random moments and inside its DELs;
#   - `pontoon network connect` of a live container to the other network, at
#     random moments and after each plugin of its ADD (then a gc, which must
#     leave the new interface its address).
# Then `pontoon gc`, `pontoon rm -f` of everything, `pontoon gc`, `pontoon
# network rm`. What must hold:
#   - no address was ever held by two live containers (each container holds
#     its addresses from when a run is seen to have succeeded until the
#     first thing that may release it starts), and each reservation file
#     names the container that got the address; an interface a connect
#     made, finished or killed, keeps its reservation through a gc;
#   - every `rm -f` that succeeds leaves no state; no error but the kills';
#   - once every container is removed: no veth, no reservation, no lock
#     held, no nft element of a container, no netns pin or mount, no cached
#     result, no state file, no process; after `network rm` no link but lo,
#     no address, no IPAM directory, no element at all in pontoon's tables
#     and the same rules as before the first container;
#   - no sanitizer report from a process that was not killed.
# Prints "ok NAME" / "FAIL NAME: why" lines and the figures.
#
#   ptt-cli-crash-<pid>-host: network + mount namespace, PONTOON_ROOT in $TT_TMP
#   +--------------------------------------------+
#   | ttbr-a 10.77.0.1/24 (range .64-.127)       |-- veth -- c<w>-<k> (even k)
#   | ttbr-b 10.78.0.1/24 fd78::1/64 (isolated)  |-- veth -- c<w>-<k> (odd k)
#   | pontoon dns-serve tta, ttb; supervisors    |
#   +--------------------------------------------+
#
# Environment: TT_WORKERS (4), TT_SLOTS (containers per worker, 4),
# TT_KILLS_PER_WORKER (100: each worker stops there or at the deadline),
# TT_MIN_KILLS (200: fewer in all fails), TT_DEADLINE (s for the killing
# phase, 100).
. "$(dirname "$0")/common.sh" cli-crash "${1:-}"
tt_enter_host "$0" "$@"

BUILD=$(cd "${1:-${PONTOON_BUILD:-$TT_SRC/build}}" && pwd)
PONTOON="$BUILD/src/cli/pontoon"
CNI_BIN="$BUILD/src/plugins/pontoon-cni"
[ -x "$PONTOON" ] && [ -x "$CNI_BIN" ] || { tt_fail torture-cli-crash "no $PONTOON or $CNI_BIN"; exit 1; }
WORKERS=${TT_WORKERS:-4}
SLOTS=${TT_SLOTS:-4}
KILLS=${TT_KILLS_PER_WORKER:-100}
MIN_KILLS=${TT_MIN_KILLS:-200}
DEADLINE=$((EPOCHSECONDS + ${TT_DEADLINE:-100}))
NETS=(tta ttb)
HOOKS=(plugin@ipam plugin@veth plugin@rename plugin@addr plugin@route
	cli@ipam cli@veth cli@rename cli@addr cli@route
	cli@post-bridge cli@post-portmap cli@post-firewall)
DEL_HOOKS=(del-post-firewall del-post-portmap del-post-bridge)
CONNECT_HOOKS=(post-bridge post-portmap post-firewall)
T0=$EPOCHREALTIME

# Everything pontoon starts carries this mark in its environment (the
# supervisors, the containers' processes, the DNS servers), which is how
# leftovers are found without touching anybody else's processes.
export TT_CLI_MARK="$TT_PREFIX"
ROOT=$PONTOON_ROOT
RUN_DIR=$ROOT/run/pontoon
CTR_DIR=$RUN_DIR/containers
NETNS_DIR=$RUN_DIR/netns
IPAM=$ROOT/var/lib/cni/networks
RESULTS=$ROOT/var/lib/pontoon/results
mkdir -p "$ROOT/run"
# The run-time state on a tmpfs as on a real host (/run); this mount
# namespace is the host namespace's own (ip netns exec), so it goes with it.
mount -t tmpfs -o mode=0755 "ptt-cli-crash-$$" "$ROOT/run" ||
	{ tt_fail torture-cli-crash "cannot mount a tmpfs on $ROOT/run"; exit 1; }

# Two CNI dirs: the plugins (run in the CLI's process), and wrappers that
# kill the CLI around a plugin (TT_CLI_KILL) — through them the CLI execs.
CNI_DIR=$TT_TMP/cni
HOOK_DIR=$TT_TMP/cni-hook
mkdir -p "$CNI_DIR" "$HOOK_DIR"
for t in $("$CNI_BIN" 2>&1 </dev/null | sed -n 's/^types: *//p'); do
	ln -s "$CNI_BIN" "$CNI_DIR/$t"
	case $t in
	bridge | portmap | firewall)
		cat >"$HOOK_DIR/$t" <<EOF
#!/bin/bash
# Runs the real $t; kills the CLI (the parent) as TT_CLI_KILL says.
"$CNI_DIR/$t"
rc=\$?
case \$CNI_COMMAND:\${TT_CLI_KILL:-} in
ADD:with-plugin) [ \$rc -eq 137 ] && kill -KILL \$PPID ;;
ADD:post-$t | DEL:del-post-$t) kill -KILL \$PPID ;;
esac
exit \$rc
EOF
		chmod +x "$HOOK_DIR/$t"
		;;
	*) ln -s "$CNI_BIN" "$HOOK_DIR/$t" ;;
	esac
done
export PONTOON_CNI_PATH=$CNI_DIR
ip link set lo up

pt() { "$PONTOON" "$@"; }
pt network create tta --subnet 10.77.0.0/24 --ip-range 10.77.0.64/26 --bridge ttbr-a >/dev/null &&
	pt network create ttb --subnet 10.78.0.0/24 --subnet fd78::/64 --ip-range 10.78.0.64/26 \
		--isolate isolated --bridge ttbr-b >/dev/null ||
	{ tt_fail torture-cli-crash "network create failed"; exit 1; }
for n in "${NETS[@]}"; do
	for t in portmap firewall; do
		grep -q "\"$t\"" "$ROOT/etc/cni/net.d/$n.conflist" ||
			{ tt_fail torture-cli-crash "network $n has no $t plugin"; exit 1; }
	done
done

# Whatever happens, nothing of ours stays running (the host namespace goes
# with tt_cleanup, but the containers' processes live in namespaces of their
# own): found by the mark, killed by pid.
trap 'rc=$?; for p in $(marked | cut -d" " -f1); do kill -KILL "$p" 2>/dev/null; done; (exit $rc); tt_cleanup' EXIT

# ---- reading state with bash builtins only (a process per look would
# cost more than the run it looks at)

RE_ID='"id": "([0-9a-f]+)"'
RE_STATUS='"status": "([a-z]+)"'
RE_PID='"pid": ([0-9]+)'
RE_SPID='"supervisorPid": ([0-9]+)'
RE_SSTART='"supervisorStart": ([0-9]+)'
RE_IP='"([0-9a-f.:]+)/[0-9]+"(.*)'
# read_state NAME: S_ID S_STATUS S_PID S_SPID S_SSTART S_IPS; 1 when none.
read_state() {
	local s=
	S_ID='' S_STATUS='' S_PID='' S_SPID='' S_SSTART='' S_IPS=''
	[ -e "$CTR_DIR/$1.json" ] || return 1
	IFS= read -r -d "" s 2>/dev/null <"$CTR_DIR/$1.json"
	[ -n "$s" ] || return 1
	[[ $s =~ $RE_ID ]] && S_ID=${BASH_REMATCH[1]}
	[[ $s =~ $RE_STATUS ]] && S_STATUS=${BASH_REMATCH[1]}
	[[ $s =~ $RE_PID ]] && S_PID=${BASH_REMATCH[1]}
	[[ $s =~ $RE_SPID ]] && S_SPID=${BASH_REMATCH[1]}
	[[ $s =~ $RE_SSTART ]] && S_SSTART=${BASH_REMATCH[1]}
	while [[ $s =~ $RE_IP ]]; do
		S_IPS="$S_IPS ${BASH_REMATCH[1]}"
		s=${BASH_REMATCH[2]}
	done
	S_IPS=${S_IPS# }
	return 0
}
# alive PID START: the process runs and started then (field 22 of stat).
alive() {
	local f
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	read -r -a f 2>/dev/null <"/proc/$1/stat" || return 1
	[ "${f[1]}" = "(pontoon)" ] && [ "${f[2]}" != Z ] && [ "${f[21]}" = "$2" ]
}

# running PID: not gone, not a zombie.
running() {
	local f
	read -r -a f 2>/dev/null <"/proc/$1/stat" && [ "${f[2]}" != Z ]
}

# is_own_child PARENT CHILD: a process pontoon forked, not LeakSanitizer's
# tracer (which an ASan build clones at exit, and whose death leaves the
# parent spinning): the supervisor (it called setsid), or a child the
# parent waits for (wait4, syscall 61: the DNS server's parent).
is_own_child() {
	local f s
	read -r -a f 2>/dev/null <"/proc/$2/stat" || return 1
	[ "${f[5]}" = "$2" ] && return 0
	read -r s _ 2>/dev/null <"/proc/$1/syscall" && [ "$s" = 61 ]
}

# dns_holders GATEWAY: "pid (state, age in s, command)" of what holds its port 53.
declare -A GW=([tta]=10.77.0.1 [ttb]=10.78.0.1)
dns_holders() {
	local p f up
	read -r up _ </proc/uptime
	for p in $(ss -Hlunp "src $1:53" 2>/dev/null | grep -o 'pid=[0-9]*' | sort -u | cut -d= -f2); do
		read -r -a f 2>/dev/null <"/proc/$p/stat" || continue
		echo "$p (${f[2]}, $((${up%.*} - f[21] / 100)) s, $(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-40))"
	done
}

# ---- how long a run and an rm take here, so random kills land inside

t=$EPOCHREALTIME
for i in 1 2 3; do
	pt run -d --name warm$i --net tta -p 19000:80 -- sleep 600 >/dev/null 2>>"$TT_TMP/cli.stderr" &&
		pt rm -f warm$i >/dev/null 2>>"$TT_TMP/cli.stderr" ||
		{ tt_fail torture-cli-crash "run/rm of warm$i failed: $(tail -n 2 "$TT_TMP/cli.stderr" | tr '\n' ' ')"; exit 1; }
	[ $i = 1 ] && t=$EPOCHREALTIME
done
# The rules of pontoon's tables with no container: what must be left.
RULES0=$(nft -j list ruleset | jq -S -c '[.nftables[] | select(.rule or .chain) | (.rule // .chain) | select(.table == "pontoon") | del(.handle)]')
CYCLE_US=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1e6 / 2 }')
t=$EPOCHREALTIME
pt run -d --name warm9 --net ttb -- sleep 600 >/dev/null 2>>"$TT_TMP/cli.stderr"
RUN_US=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1e6 }')
pt rm -f warm9 >/dev/null 2>>"$TT_TMP/cli.stderr"
[ "$RUN_US" -lt 2000 ] && RUN_US=2000
RM_US=$((CYCLE_US - RUN_US))
[ "$RM_US" -lt 2000 ] && RM_US=2000
tt_log "one run -d takes ~$RUN_US µs here, one rm -f ~$RM_US µs"

rand_us() { # MAX: 200 µs .. MAX
	R_US=$((200 + (RANDOM * 32768 + RANDOM) % ($1 > 200 ? $1 - 200 : 1)))
}
# Waits for the command PID (a CLI started in the background); with MODE
# random, kills it at a random moment of its first half first. Returns its
# status (137 when killed).
reap_cmd() { # PID MODE
	if [ "$2" = random ]; then
		rand_us $((RUN_US / 2))
		tt_usleep $R_US
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1"
}

# ---- a worker: its slots c<w>-<k>, until its kill quota is met or the
# deadline; events in $TT_TMP/ev.W:
#   UP T NAME ID IP...     NAME (container ID) holds IPs from T
#   DOWN T NAME ID         something that may release it starts at T
#   KILL OP STEP NAME      a SIGKILL (OP run|child|live|rm|gc)
#   OP FAIL T NAME RC msg  an error no kill explains
#   OWNER T NAME ID IP file-says
#   CONNLEAK T NAME ID IP file-says   a connect's address lost its reservation
#   CONNECT FAIL T NAME RC msg
SEQ=0
worker() {
	local w=$1
	local kills=0 k name net mode step rc t0 ip own pid c n hook=$((w * 5)) dhook=$w chook=$w other
	local -a state ids ports
	exec >"$TT_TMP/ev.$w"
	for k in $(seq 0 $((SLOTS - 1))); do state[k]=down; done
	# up NAME K T: the container runs (its supervisor lives): it holds its addresses.
	up() {
		echo "UP $3 $1 $S_ID $S_IPS"
		state[$2]=up
		ids[$2]=$S_ID
		for ip in $S_IPS; do
			own=
			[ -e "$IPAM/$net/$ip" ] && IFS= read -r -d '' own <"$IPAM/$net/$ip"
			[ "$own" = "$S_ID"$'\r\n'eth0 ] || [ "$own" = "$S_ID"$'\n'eth0 ] ||
				echo "OWNER $3 $1 $S_ID $ip file-says=${own//[$'\r\n']/ }"
		done
	}
	# after a killed or failed run: the step it reached; up if it runs anyway.
	after_run() { # NAME K
		step=pre-state
		if read_state "$1"; then
			if [ "$S_STATUS" = running ]; then
				step=started
			elif [ ! -e "$NETNS_DIR/$1" ]; then
				step=state
			elif [ ! -e "$IPAM/$net/$S_ID:eth0" ]; then
				step=netns
			elif [ ! -e "$RESULTS/$net-$S_ID-eth0" ]; then
				step=cni-add
			else
				step=cached
			fi
		fi
		state[$2]=dirty
		[ "$S_STATUS" = running ] && alive "$S_SPID" "$S_SSTART" && [ -n "$S_IPS" ] && up "$1" "$2" "$EPOCHREALTIME"
	}
	# a run failed with no kill to explain it. A namespace pin left by a
	# killed run that `rm -f` did not remove (the state did not name it yet)
	# blocks the name until `pontoon gc`: counted apart, then gc.
	# More kinds are counted apart, with their evidence: port 53 of the
	# network's gateway held by a DNS server no pid file names, a host port
	# still published in nft when no container has it, the range used up.
	run_failed() { # T0 NAME RC MODE
		local pf='' f n=0
		if grep -q "netns/$2: File exists" "$err"; then
			echo "PIN $1 $2 $4"
			"$PONTOON" gc >/dev/null 2>>"$TT_TMP/cli.stderr"
		elif grep -q 'port 53: Address already in use' "$err"; then
			[ -e "$RUN_DIR/dns/$net.json" ] && IFS= read -r -d '' pf <"$RUN_DIR/dns/$net.json"
			echo "DNS53 $1 $2 $net held by: $(dns_holders "${GW[$net]}"); pid file: ${pf:-none}" | tr '\n' ' '
			echo
		elif grep -q 'a host port is already published' "$err"; then
			echo "PORT $1 $2 $(grep -o 'add element [^}]*}' "$err" | head -1)"
		elif grep -q 'no IP addresses available' "$err"; then
			n=0
			for f in "$IPAM/$net"/*; do
				case ${f##*/} in *.* | *:*:*) [[ ${f##*/} =~ ^[0-9a-f.:]+$ ]] && n=$((n + 1)) ;; esac
			done
			echo "RANGE $1 $2 $net $n addresses reserved"
		else
			echo "RUN FAIL $1 $2 $3 $4 $(tr '\n' ' ' <"$err" | cut -c1-300)"
		fi
	}
	# connect NAME K: to the other network, killed at random, after a
	# plugin of its ADD, or not; then a gc. The new interface's address
	# (read in the container: a killed connect's state may not say) is
	# held from the ADD on; the gc must leave its reservation.
	connect_live() {
		other=${NETS[($2 + 1) % 2]}
		case $((RANDOM % 5)) in
		0) mode=random ;;
		1 | 2 | 3)
			mode=${CONNECT_HOOKS[chook % ${#CONNECT_HOOKS[@]}]}
			chook=$((chook + 1))
			;;
		*) mode=none ;;
		esac
		t0=$EPOCHREALTIME
		if [ $mode = random ] || [ $mode = none ]; then
			"$PONTOON" network connect "$other" "$1" >/dev/null 2>"$err" &
		else
			PONTOON_CNI_PATH=$HOOK_DIR TT_CLI_KILL=$mode \
				"$PONTOON" network connect "$other" "$1" >/dev/null 2>"$err" &
		fi
		reap_cmd $! $mode
		rc=$?
		case $rc in
		0) ;;
		137)
			kills=$((kills + 1))
			echo "KILL connect $mode $1 $EPOCHREALTIME"
			;;
		*) echo "CONNECT FAIL $t0 $1 $rc $(tr '\n' ' ' <"$err" | cut -c1-300)" ;;
		esac
		ip=$(nsenter --net="$NETNS_DIR/$1" ip -4 -o addr show dev eth1 2>/dev/null | awk '{ print $4 }')
		ip=${ip%/*}
		[ -n "$ip" ] && echo "UP $EPOCHREALTIME $1 ${ids[$2]}c $ip"
		"$PONTOON" gc >/dev/null 2>>"$TT_TMP/cli.stderr"
		if [ -n "$ip" ]; then
			own=
			[ -e "$IPAM/$other/$ip" ] && IFS= read -r -d '' own <"$IPAM/$other/$ip"
			[ "$own" = "${ids[$2]}"$'\r\n'eth1 ] || [ "$own" = "${ids[$2]}"$'\n'eth1 ] ||
				echo "CONNLEAK $EPOCHREALTIME $1 ${ids[$2]} $ip file-says=${own//[$'\r\n']/ }"
		fi
		echo "DOWN $EPOCHREALTIME $1 ${ids[$2]}"
		[ -n "$ip" ] && echo "DOWN $EPOCHREALTIME $1 ${ids[$2]}c"
		state[$2]=dirty
	}
	while [ $kills -lt "$KILLS" ] && [ "$EPOCHSECONDS" -lt "$DEADLINE" ]; do
		k=$((RANDOM % SLOTS))
		name=c$w-$k
		net=${NETS[k % 2]}
		SEQ=$((SEQ + 1))
		err=$TT_TMP/err.$w
		if [ $((RANDOM % 20)) -eq 0 ]; then
			# ---- gc, killed at random or inside a DEL of a stale attachment
			mode=none
			case $((RANDOM % 3)) in
			0) mode=random ;;
			1) mode=${DEL_HOOKS[dhook % ${#DEL_HOOKS[@]}]} ;;
			esac
			t0=$EPOCHREALTIME
			if [ "${mode#del-}" != "$mode" ]; then
				PONTOON_CNI_PATH=$HOOK_DIR TT_CLI_KILL=$mode "$PONTOON" gc >/dev/null 2>"$err" &
			else
				"$PONTOON" gc >/dev/null 2>"$err" &
			fi
			reap_cmd $! $mode
			rc=$?
			if [ $rc -eq 137 ]; then
				kills=$((kills + 1))
				[ $mode = random ] || dhook=$((dhook + 1))
				echo "KILL gc $mode - $EPOCHREALTIME"
			elif [ $rc -ne 0 ]; then
				echo "GC FAIL $t0 - $rc $(tr '\n' ' ' <"$err" | cut -c1-300)"
			fi
			continue
		fi
		case ${state[k]} in
		down)
			# ---- run, killed at random, its children, or at a step
			case $((RANDOM % 16)) in
			0 | 1) mode=random ;;
			2 | 3 | 4) mode=random-late ;;
			5 | 6) mode=child ;;
			7 | 8 | 9 | 10 | 11)
				mode=${HOOKS[hook % ${#HOOKS[@]}]}
				hook=$((hook + 1))
				;;
			*) mode=none ;;
			esac
			ports=()
			[ $((k % 4)) -ne 3 ] && ports=(-p "$((20000 + w * 100 + k)):80")
			[ $((k % 4)) -eq 0 ] && ports+=(-p "127.0.0.1:$((21000 + w * 100 + k)):53/udp")
			t0=$EPOCHREALTIME
			case $mode in
			plugin@*)
				PONTOON_CNI_PATH=$HOOK_DIR PONTOON_TEST_KILL_AT=${mode#*@} \
					"$PONTOON" run -d --name "$name" --net "$net" "${ports[@]}" -- sleep 600 >/dev/null 2>"$err" &
				;;
			cli@post-*)
				PONTOON_CNI_PATH=$HOOK_DIR TT_CLI_KILL=${mode#*@} \
					"$PONTOON" run -d --name "$name" --net "$net" "${ports[@]}" -- sleep 600 >/dev/null 2>"$err" &
				;;
			cli@*)
				PONTOON_CNI_PATH=$HOOK_DIR PONTOON_TEST_KILL_AT=${mode#*@} TT_CLI_KILL=with-plugin \
					"$PONTOON" run -d --name "$name" --net "$net" "${ports[@]}" -- sleep 600 >/dev/null 2>"$err" &
				;;
			*)
				"$PONTOON" run -d --name "$name" --net "$net" "${ports[@]}" -- sleep 600 >/dev/null 2>"$err" &
				;;
			esac
			pid=$!
			n=0
			if [ $mode = random ]; then
				rand_us $((RUN_US * 3 / 2))
				tt_usleep $R_US
				kill -KILL $pid 2>/dev/null
			elif [ $mode = random-late ]; then
				# from when it holds the lock (its state appears): the
				# steps after the lock, whatever the others make it wait
				c=0
				while [ ! -e "$CTR_DIR/$name.json" ] && running "$pid" && [ $((c += 1)) -lt 20000 ]; do
					tt_usleep 100
				done
				rand_us "$RUN_US"
				tt_usleep $R_US
				kill -KILL $pid 2>/dev/null
				mode=random
			elif [ $mode = child ]; then
				# once it has a child (the supervisor, or the DNS
				# server's parent), a few hundred µs later
				c='' n=0
				while [ -z "$c" ] && running "$pid" && [ $((n += 1)) -lt 20000 ]; do
					read -r c 2>/dev/null <"/proc/$pid/task/$pid/children"
					[ -z "$c" ] && tt_usleep 100
				done
				tt_usleep $((RANDOM % 500))
				n=0
				c=
				read -r c 2>/dev/null <"/proc/$pid/task/$pid/children"
				killed=()
				for c in $c; do
					is_own_child "$pid" "$c" && kill -KILL "$c" 2>/dev/null && n=$((n + 1)) && killed+=("$c")
				done
			fi
			wait $pid
			rc=$?
			# SIGKILL is delivered asynchronously: a supervisor killed a
			# moment ago may still look alive to after_run, which would
			# then count a container as up whose process is about to die
			# with it (seen once in CI: "container c2-0 is not running").
			if [ $mode = child ]; then
				for c in "${killed[@]}"; do
					n_wait=0
					while running "$c" && [ $((n_wait += 1)) -lt 20000 ]; do tt_usleep 100; done
				done
			fi
			case $mode:$rc in
			random:137)
				kills=$((kills + 1))
				after_run "$name" "$k"
				echo "KILL run random:$step $name $EPOCHREALTIME"
				;;
			cli@*:137)
				kills=$((kills + 1))
				after_run "$name" "$k"
				echo "KILL run $mode $name $EPOCHREALTIME"
				;;
			plugin@*:1)
				# The plugin died; the CLI rolled back and said so.
				if grep -q -i -e 'signal' -e 'killed' "$err"; then
					kills=$((kills + 1))
					echo "KILL run $mode $name $EPOCHREALTIME"
				else
					run_failed "$t0" "$name" "$rc" "$mode"
				fi
				after_run "$name" "$k"
				;;
			child:*)
				after_run "$name" "$k"
				if [ $n -gt 0 ]; then
					kills=$((kills + n))
					echo "KILL child child:$step $name $EPOCHREALTIME"
				elif [ $rc -ne 0 ]; then
					run_failed "$t0" "$name" "$rc" "$mode"
				fi
				;;
			*:0)
				if read_state "$name" && [ -n "$S_IPS" ]; then
					up "$name" "$k" "$EPOCHREALTIME"
				else
					echo "RUN FAIL $t0 $name 0 exit 0 but no state with addresses"
					state[k]=dirty
				fi
				;;
			*)
				run_failed "$t0" "$name" "$rc" "$mode"
				after_run "$name" "$k"
				;;
			esac
			;;
		up)
			# ---- a live container: its process, its supervisor (also
			# while releasing), or rm -f (killed at random)
			read_state "$name" || S_PID=
			case $((RANDOM % 8)) in
			0 | 1)
				echo "DOWN $EPOCHREALTIME $name ${ids[k]}"
				state[k]=dirty
				[ -n "$S_PID" ] && kill -KILL "$S_PID" 2>/dev/null && kills=$((kills + 1)) && echo "KILL live process $name $EPOCHREALTIME"
				if [ $((RANDOM % 2)) -eq 0 ] && [ -n "$S_SPID" ]; then
					rand_us "$RM_US"
					tt_usleep $R_US
					alive "$S_SPID" "$S_SSTART" && kill -KILL "$S_SPID" 2>/dev/null &&
						kills=$((kills + 1)) && echo "KILL live supervisor-releasing $name $EPOCHREALTIME"
				fi
				;;
			2)
				echo "DOWN $EPOCHREALTIME $name ${ids[k]}"
				state[k]=dirty
				alive "$S_SPID" "$S_SSTART" && kill -KILL "$S_SPID" 2>/dev/null &&
					kills=$((kills + 1)) && echo "KILL live supervisor $name $EPOCHREALTIME"
				;;
			3 | 4)
				connect_live "$name" "$k"
				;;
			*)
				echo "DOWN $EPOCHREALTIME $name ${ids[k]}"
				state[k]=dirty
				;;
			esac
			;;
		esac
		if [ "${state[k]}" = dirty ]; then
			# ---- rm -f: killed at random, between the plugins of its DEL, or not
			mode=none
			case $((RANDOM % 4)) in
			0) mode=random ;;
			1) mode=${DEL_HOOKS[dhook % ${#DEL_HOOKS[@]}]} ;;
			esac
			t0=$EPOCHREALTIME
			if [ "${mode#del-}" != "$mode" ]; then
				PONTOON_CNI_PATH=$HOOK_DIR TT_CLI_KILL=$mode "$PONTOON" rm -f "$name" >/dev/null 2>"$err" &
			else
				"$PONTOON" rm -f "$name" >/dev/null 2>"$err" &
			fi
			pid=$!
			if [ $mode = random ]; then
				rand_us "$RM_US"
				tt_usleep $R_US
				kill -KILL $pid 2>/dev/null
			fi
			wait $pid
			rc=$?
			case $rc in
			0 | 3)
				state[k]=down
				if [ -e "$CTR_DIR/$name.json" ]; then
					read_state "$name"
					echo "RM FAIL $t0 $name $rc said done, but the state is there: status $S_STATUS supervisor $S_SPID $(alive "$S_SPID" "$S_SSTART" && echo alive || echo dead)"
					state[k]=dirty
				fi
				;;
			137)
				kills=$((kills + 1))
				[ $mode = random ] || dhook=$((dhook + 1))
				echo "KILL rm $mode $name $EPOCHREALTIME"
				;;
			*)
				# with what a supervisor that did not release was doing
				c=$(grep -o 'supervisor (pid [0-9]*' "$err" | grep -o '[0-9]*$')
				[ -n "$c" ] && c="; supervisor: $(cut -d' ' -f3 "/proc/$c/stat" 2>/dev/null) $(cat "/proc/$c/wchan" 2>/dev/null) syscall $(cut -d' ' -f1 "/proc/$c/syscall" 2>/dev/null)"
				echo "RM FAIL $t0 $name $rc $(tr '\n' ' ' <"$err" | cut -c1-300)$c"
				;;
			esac
		fi
	done
	for k in $(seq 0 $((SLOTS - 1))); do echo "c$w-$k ${state[k]} ${ids[k]:-}"; done >"$TT_TMP/state.$w"
}

# A command that hangs would hang the worker that waits for it: every 5 s,
# a `pontoon run|rm|gc` of ours (not a supervisor: those called setsid)
# older than 60 s is noted and killed.
watchdog() {
	local e p hz=100 up f
	local -a env args
	exec >"$TT_TMP/hangs"
	while :; do
		tt_usleep 999999
		tt_usleep 999999
		tt_usleep 999999
		tt_usleep 999999
		tt_usleep 999999
		read -r up _ </proc/uptime
		for e in /proc/[0-9]*/environ; do
			p=${e#/proc/}
			p=${p%/environ}
			read -r -a f 2>/dev/null <"/proc/$p/stat" || continue
			[ "${f[1]}" = "(pontoon)" ] && [ "${f[5]}" != "$p" ] && [ "${f[2]}" != Z ] || continue
			[ $((${up%.*} - f[21] / hz)) -gt 60 ] || continue
			mapfile -d '' env 2>/dev/null <"$e" || continue
			case " ${env[*]} " in *" TT_CLI_MARK=$TT_CLI_MARK "*) ;; *) continue ;; esac
			mapfile -d '' args 2>/dev/null <"/proc/$p/cmdline"
			case ${args[1]:-} in run | rm | gc) ;; *) continue ;; esac
			echo "$p ${args[*]}"
			kill -KILL "$p" 2>/dev/null
		done
	done
}
watchdog &
WATCHDOG=$!
TT_PIDS+=("$WATCHDOG")
W_PIDS=()
for w in $(seq 0 $((WORKERS - 1))); do
	worker "$w" &
	W_PIDS+=($!)
done
TT_PIDS+=("${W_PIDS[@]}")
wait "${W_PIDS[@]}"
kill "$WATCHDOG" 2>/dev/null
wait "$WATCHDOG" 2>/dev/null
TT_PIDS=()
T1=$EPOCHREALTIME

EV="$TT_TMP/events"
cat "$TT_TMP"/ev.* >"$EV"
n_kills=$(grep -c '^KILL ' "$EV")
by_step() { # OP: "step n, ..." of the kills of OP
	grep "^KILL $1 " "$EV" | awk '{ n[$3]++ } END { for (s in n) printf "%s %d, ", s, n[s] }' | sed 's/, $//'
}
n_up=$(grep -c '^UP ' "$EV")
tt_log "phase 1: $n_kills kills, $n_up containers up, in $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.0f", b-a}') s"

# ---- verdicts of phase 1

if [ "$n_kills" -ge "$MIN_KILLS" ]; then
	tt_ok torture-cli-crash-kills
else
	tt_fail torture-cli-crash-kills "only $n_kills kills (want $MIN_KILLS) before the deadline"
fi
missing=
for s in "${HOOKS[@]}"; do
	grep -q "^KILL run $s " "$EV" || missing="$missing $s"
done
for s in cni-add started; do
	grep -q "^KILL run random:$s " "$EV" || missing="$missing random:$s"
done
for s in "process " "supervisor " "supervisor-releasing "; do
	grep -q "^KILL live $s" "$EV" || missing="$missing live:$s"
done
for s in "${CONNECT_HOOKS[@]}"; do
	grep -q "^KILL connect $s " "$EV" || missing="$missing connect:$s"
done
[ -z "$missing" ] && tt_ok torture-cli-crash-every-step || tt_fail torture-cli-crash-every-step "no kill at:$missing"
bad=$(grep -E '^(RUN|RM|GC|CONNECT) FAIL' "$EV" | head -3)
[ -z "$bad" ] && tt_ok torture-cli-crash-no-error ||
	tt_fail torture-cli-crash-no-error "$(grep -cE '^(RUN|RM|GC|CONNECT) FAIL' "$EV") errors, e.g. $(echo "$bad" | tr '\n' ';')"
n_connleak=$(grep -c '^CONNLEAK ' "$EV")
[ "$n_connleak" -eq 0 ] && tt_ok torture-cli-crash-connect-kept ||
	tt_fail torture-cli-crash-connect-kept "$n_connleak connects' addresses lost their reservation after a gc (e.g. $(grep -m1 '^CONNLEAK ' "$EV" | cut -c1-200))"

hangs=$(grep -c . "$TT_TMP/hangs")
[ "$hangs" -eq 0 ] && tt_ok torture-cli-crash-no-hang ||
	tt_fail torture-cli-crash-no-hang "$hangs commands ran over 60 s and were killed: $(head -2 "$TT_TMP/hangs" | tr '\n' ';')"
n_dns=$(grep -c '^DNS53 ' "$EV")
[ "$n_dns" -eq 0 ] && tt_ok torture-cli-crash-dns-port-free ||
	tt_fail torture-cli-crash-dns-port-free "$n_dns runs found port 53 of their network held by a DNS server no pid file named (e.g. $(grep -m1 '^DNS53 ' "$EV" | cut -c1-200))"
n_port=$(grep -c '^PORT ' "$EV")
[ "$n_port" -eq 0 ] && tt_ok torture-cli-crash-ports-free ||
	tt_fail torture-cli-crash-ports-free "$n_port runs found their host port still published by what a killed run left (e.g. $(grep -m1 '^PORT ' "$EV" | cut -c1-200))"
n_range=$(grep -c '^RANGE ' "$EV")
[ "$n_range" -eq 0 ] && tt_ok torture-cli-crash-range-not-exhausted ||
	tt_fail torture-cli-crash-range-not-exhausted "$n_range runs found no address left (e.g. $(grep -m1 '^RANGE ' "$EV")) with at most $((SLOTS * WORKERS / 2)) containers on a network of 64"
n_pin=$(grep -c '^PIN ' "$EV")
[ "$n_pin" -eq 0 ] && tt_ok torture-cli-crash-name-reusable ||
	tt_fail torture-cli-crash-name-reusable "$n_pin runs found the netns pin of a killed run that rm -f had left (e.g. $(grep -m1 '^PIN ' "$EV")); only pontoon gc removed it"

# Intervals [UP, first DOWN of that container) per address; two containers
# whose intervals of one address overlap held it at once.
dups=$(awk '
	$1 == "UP" && !($4 in start) { start[$4] = $2; ips[$4] = ""; for (i = 5; i <= NF; i++) ips[$4] = ips[$4] " " $i }
	$1 == "DOWN" && ($4 in start) && !($4 in end) { end[$4] = $2 }
	END { for (id in start) { n = split(ips[id], a, " "); for (i = 1; i <= n; i++) print a[i], start[id], (id in end) ? end[id] : 1e12, id } }
' <(sort -k2,2n "$EV" | grep -E '^(UP|DOWN) ') | sort -k1,1 -k2,2n | awk '
	$1 != ip { ip = $1; maxend = 0; who = "" }
	$2 < maxend && $4 != who { printf "address %s held by %s until %s and by %s from %s\n", $1, who, maxend, $4, $2 }
	$3 > maxend { maxend = $3; who = $4 }
')
owners=$(grep '^OWNER' "$EV" | head -3)
if [ -z "$dups$owners" ]; then
	tt_ok torture-cli-crash-no-double-hand
else
	tt_fail torture-cli-crash-no-double-hand "$(printf '%s\n%s' "$dups" "$owners" | grep . | head -3 | tr '\n' ';')"
fi

# The containers alive now: distinct addresses, each reserved for its owner.
live=0 snap=
NL=$'\n'
for f in "$CTR_DIR"/*.json; do
	[ -e "$f" ] || continue
	n=${f##*/}
	n=${n%.json}
	read_state "$n" || continue
	alive "$S_SPID" "$S_SSTART" || continue
	live=$((live + 1))
	for ip in $S_IPS; do snap="$snap$ip $n$NL"; done
done
dup_live=$(printf '%s' "$snap" | awk '{ n[$1]++; w[$1] = w[$1] " " $2 } END { for (a in n) if (n[a] > 1) print a " held by" w[a] }' | head -3)
[ -z "$dup_live" ] && tt_ok torture-cli-crash-live-distinct ||
	tt_fail torture-cli-crash-live-distinct "$(echo "$dup_live" | tr '\n' ';')"

# ---- phase 2: pontoon cleans up

errs=
gc_out=$(pt gc 2>&1) || errs="$errs gc: $gc_out"
n_gc=$(grep -c '^released ' <<<"$gc_out")
names=$(pt ps --json 2>>"$TT_TMP/cli.stderr" | jq -r '.[].name')
n_left=$(echo -n "$names" | grep -c .)
for n in $names; do
	out=$(pt rm -f "$n" 2>&1) || errs="$errs rm $n: $out"
done
gc_out2=$(pt gc 2>&1) || errs="$errs gc: $gc_out2"
[ -z "$errs" ] && tt_ok torture-cli-crash-cleanup || tt_fail torture-cli-crash-cleanup "$(echo "$errs" | cut -c1-400)"

# What nft holds in pontoon's tables: "FAMILY SET COMMENT" per element.
nft_elements() {
	nft -j list ruleset | jq -r '.nftables[] | (.set // .map // empty) | select(.table == "pontoon") |
		.family as $f | .name as $s | (.elem // [])[] |
		(if type == "array" then .[0] else . end) |
		"\($f) \($s) \(if type == "object" and .elem then (.elem.comment // "-") else "-" end)"'
}
# Processes carrying the mark (not bash: this script and its subshells).
marked() {
	local e p exe
	local -a env
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}
		p=${p%/environ}
		exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
		[ "${exe##*/}" = bash ] && continue
		mapfile -d '' env 2>/dev/null <"$e" || continue
		case " ${env[*]} " in
		*" TT_CLI_MARK=$TT_CLI_MARK "*) echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-80)" ;;
		esac
	done
}
# Everything a container or a killed command may leave, with no container
# left; the networks still there.
leftovers_containers() {
	local n f
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -vx -e lo -e ttbr-a -e ttbr-b | sed 's/^/host link: /'
	for n in "${NETS[@]}"; do
		tt_ipam_leftovers "$IPAM/$n" "IPAM of $n"
	done
	flock -n "$RUN_DIR/lock" true || echo "state lock held"
	gc_lock_held "$RUN_DIR/gc.lock" && echo "plugins' GC lock held"
	nft_elements | awk '$3 ~ /\// { print "nft element of a container: " $0 }'
	find "$NETNS_DIR" "$CTR_DIR" "$RESULTS" "$RUN_DIR/dns" -mindepth 1 2>/dev/null | sed "s|^$ROOT/|file: |"
	awk -v r="$ROOT/" '$5 ~ "^" r && $5 != r "run" && $5 != r "run/pontoon/netns" { print "mount: " $5 }' /proc/self/mountinfo
	[ -z "$1" ] || echo "$1" | sed 's/^/process: /'
}
# (the list first: a pipeline's other end would carry the mark too)
m=$(marked)
left=$(leftovers_containers "$m")
[ -z "$left" ] && tt_ok torture-cli-crash-nothing-left-containers ||
	tt_fail torture-cli-crash-nothing-left-containers "$(echo "$left" | wc -l) leftovers: $(echo "$left" | head -6 | tr '\n' ';')"
n_leftc=$(echo -n "$left" | grep -c .)
[ -n "$left" ] && echo "$left" >&2

errs=
pt network rm "${NETS[@]}" >/dev/null 2>"$TT_TMP/netrm.err" || errs=$(cat "$TT_TMP/netrm.err")
m=$(marked)
rules=$(nft -j list ruleset | jq -S -c '[.nftables[] | select(.rule or .chain) | (.rule // .chain) | select(.table == "pontoon") | del(.handle)]')
left2=$(
	[ -n "$errs" ] && echo "network rm: $errs"
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -vx lo | sed 's/^/host link: /'
	ip -o addr show | awk '$2 != "lo" {print "host address: " $2 " " $4}'
	for n in "${NETS[@]}"; do [ -e "$IPAM/$n" ] && echo "IPAM directory of $n"; done
	nft_elements | sed 's/^/nft element: /'
	[ "$rules" = "$RULES0" ] || echo "nft rules differ from those before the first container"
	find "$ROOT" -mindepth 1 -not -type d | grep -v -x -e "$RUN_DIR/lock" -e "$RUN_DIR/gc.lock" | sed "s|^$ROOT/|file: |"
	awk -v r="$ROOT/" '$5 ~ "^" r && $5 != r "run" && $5 != r "run/pontoon/netns" { print "mount: " $5 }' /proc/self/mountinfo
	[ -z "$m" ] || echo "$m" | sed 's/^/process: /'
)
[ -z "$left2" ] && tt_ok torture-cli-crash-nothing-left ||
	tt_fail torture-cli-crash-nothing-left "$(echo "$left2" | wc -l) leftovers: $(echo "$left2" | head -6 | tr '\n' ';')"
[ -n "$left2" ] && echo "$left2" >&2
# Ours, found by the mark: they go now, by pid.
m=$(marked)
for p in $(echo "$m" | awk '{print $1}'); do kill -KILL "$p" 2>/dev/null; done

san=$(tt_sanitizer_reports | head -3)
[ -z "$san" ] && tt_ok torture-cli-crash-sanitizers || tt_fail torture-cli-crash-sanitizers "$(echo "$san" | tr '\n' ';')"

tt_say "cli crash torture: $n_kills kills (run at random: $(by_step run | tr ',' '\n' | grep random | tr '\n' ',' | sed 's/,$//;s/random://g;s/^ //'); run by hook: $(by_step run | tr ',' '\n' | grep -v random | tr '\n' ',' | sed 's/,$//'); run's children: $(grep -c '^KILL child ' "$EV"); live: $(by_step live); connect: $(by_step connect); rm: $(by_step rm); gc: $(by_step gc)), $n_up containers up on ${#NETS[@]} networks by $WORKERS workers, $(grep -c '^DOWN ' "$EV") taken down, $live live at the end, $n_gc released by gc, $n_left removed; errors: $(grep -cE '^(RUN|RM|GC) FAIL' "$EV"), names blocked by a pin: $n_pin, DNS port held: $n_dns, host port held: $n_port, range used up: $n_range; double hands: $(echo -n "$dups$owners$dup_live" | grep -c .); leftovers: $n_leftc with the networks, $(echo -n "$left2" | grep -c .) after network rm; in $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", b-a}') s"
