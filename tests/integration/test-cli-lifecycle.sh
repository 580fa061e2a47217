#!/usr/bin/env bash
# The pontoon CLI where a container's life goes wrong: a `network connect`
# that fails or is killed, a `run -d` whose command cannot run, a DNS pid
# file that names somebody else's process, plugin links rewritten while
# other pontoon commands look plugins up, and a DNS server whose first
# upstream resolver does not answer.
#
# The whole script runs in a network and mount namespace of its own that
# plays the host (it re-executes itself under `unshare --net --mount`), so
# the bridges, namespaces, DNS servers and the resolv.conf bind-mounted for
# the DNS cases never touch the machine. Each case has a PONTOON_ROOT of its
# own under the test's temporary directory.
#
#     host (this namespace): lo 127.0.0.1-3 (fake upstream resolvers)
#       bridge of n1 -- veth -- container eth0
#       bridge of n2 (10.99.6.1) -- veth -- container eth1 (network connect)
#
# Cases print ok/FAIL/skip lines (tests/integration/lib.sh).
source "$(dirname "$0")/cli-lib.sh"

# The pids cgroups a failed case left (empty: their process ended).
cli_cleanup_cgroups() {
	local cg
	for cg in $(cat "$PT_TMP/cgroups" 2>/dev/null); do rmdir "$cg" 2>/dev/null; done
	return 0
}
# The resolv.conf of a failed DNS case, mounted over the one of this mount
# namespace.
cli_cleanup_resolv() {
	[ -e "$PT_TMP/resolv-mounted" ] && umount /etc/resolv.conf 2>/dev/null
	return 0
}
cli_cleanup_extra() { cli_cleanup_cgroups; cli_cleanup_resolv; }
cli_before_newroot() { end_helpers; }

state_nets() { jq -r '[.networks[].name] | join(",")' "$PONTOON_ROOT/run/pontoon/containers/$1.json"; }
# Address reservations of network NET (files named after an address).
reservations() {
	local d="$PONTOON_ROOT/var/lib/cni/networks/$1" f
	[ -d "$d" ] || return 0
	for f in "$d"/*; do
		[[ ${f##*/} =~ ^[0-9]+(\.[0-9]+){3}$ || ${f##*/} =~ ^[0-9a-f]*:[0-9a-f:]*$ ]] && echo "${f##*/}"
	done
	return 0
}
# The helpers (port holders, resolvers) an earlier case left, by pid.
end_helpers() {
	local p
	for p in $(cat "$PT_TMP/case-pids" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	: >"$PT_TMP/case-pids"
}

# A UDP socket on ADDR:53 that never answers (IP_FREEBIND: the address
# need not exist yet). Its pid is in $HOLDER.
hold_port53() {
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_IP, 15, 1)	# IP_FREEBIND
s.bind((sys.argv[1], 53))
print("bound", flush=True)
time.sleep(600)' "$1" >"$PT_TMP/holder.out" 2>&1 &
	HOLDER=$!
	echo $HOLDER >>"$PT_TMP/pids"
	echo $HOLDER >>"$PT_TMP/case-pids"
	wait_until 5 grep -q bound "$PT_TMP/holder.out" || fail "cannot hold $1:53: $(cat "$PT_TMP/holder.out")"
}

# ---------------------------------------------------------------- network connect

# The network's DNS server cannot start (its port is taken): connect fails,
# and leaves no interface, no address and no entry in the state, so that a
# later connect works.
case_connect_failure_rolls_back() {
	newroot connfail
	local out rc
	assert_ok pt network create n1
	assert_ok pt network create n2 --subnet 10.99.6.0/24 --gateway 10.99.6.1
	assert_ok pt run -d --name c --net n1 -- sleep 300
	hold_port53 10.99.6.1
	out=$(pt network connect n2 c 2>&1)
	rc=$?
	assert_eq 1 "$rc" "exit code of a connect whose DNS server cannot start ($out)"
	assert_contains "$out" "Address already in use" "connect's error"
	assert_eq n1 "$(state_nets c)" "networks in the state after the failed connect"
	pt exec c -- ip link show eth1 >/dev/null 2>&1 && fail "eth1 left in the container after the failed connect"
	assert_eq "" "$(reservations n2)" "addresses of n2 after the failed connect"
	end_helpers
	out=$(pt network connect n2 c 2>&1) || fail "connect after the port was freed: $out"
	assert_match '10\.99\.6\.' "$(pt exec c -- ip -o -4 addr show eth1)" "eth1 after the retried connect"
	assert_eq n1,n2 "$(state_nets c)" "networks after the retried connect"
	pt rm -f c >/dev/null
	assert_eq "" "$(reservations n2)" "addresses of n2 after rm"
	endroot
}

# A CNI dir whose firewall kills its caller (the CLI) once its ADD is done,
# as a SIGKILL of `pontoon network connect` at that moment would.
make_kill_dir() {
	local t dir=$PT_TMP/cni-kill plugins
	plugins=$(cd "$CNI_PATH" && pwd)
	mkdir -p "$dir"
	for t in $(pt_plugin_types "$PONTOON_BUILD"); do
		if [ "$t" = firewall ]; then
			cat >"$dir/$t" <<EOF
#!/bin/bash
"$plugins/$t"
rc=\$?
[ "\$CNI_COMMAND" = ADD ] && kill -KILL \$PPID
exit \$rc
EOF
			chmod +x "$dir/$t"
		else
			ln -sfn "$plugins/$t" "$dir/$t"
		fi
	done
	echo "$dir"
}

# Killed after the ADD, before the state says so: the state must still name
# the attachment, so that gc keeps its address and rm releases it.
case_connect_killed() {
	has_plugin firewall || skip "pontoon-cni has no firewall plugin"
	newroot connkill
	local dir rc ip1 ip2 out
	dir=$(make_kill_dir)
	assert_ok pt network create n1
	assert_ok pt network create n2 --subnet 10.99.7.0/24
	assert_ok pt run -d --name c --net n1 -- sleep 300
	out=$(PONTOON_CNI_PATH=$dir "$PONTOON" network connect n2 c 2>&1)
	rc=$?
	assert_eq 137 "$rc" "connect killed by its firewall ($out)"
	ip1=$(pt exec c -- ip -o -4 addr show eth1 | awk '{print $4}' | cut -d/ -f1)
	assert_match '^10\.99\.7\.' "$ip1" "eth1 of the killed connect"
	assert_eq n1,n2 "$(state_nets c)" "networks in the state after the killed connect"
	pt gc >/dev/null 2>&1
	assert_contains "$(reservations n2)" "$ip1" "reservation of $ip1 after gc"
	assert_ok pt run -d --name d --net n2 -- sleep 300
	ip2=$(pt inspect d | jq -r '.[0].networks[0].ips[0]' | cut -d/ -f1)
	assert_ne "$ip1" "$ip2" "address of the next container on n2"
	# what a pontoon killed inside its save of c's state would leave
	: >"$PONTOON_ROOT/run/pontoon/containers/c.json.tmp.99999"
	pt rm -f c d >/dev/null
	[ -e "$PONTOON_ROOT/run/pontoon/containers/c.json.tmp.99999" ] && fail "rm left c's temporary state file"
	assert_eq "" "$(reservations n2)" "addresses of n2 after rm"
	assert_eq "" "$(ip -o link show master "$(pt network inspect n2 | jq -r '.[0].bridge')")" "ports of n2's bridge after rm"
	endroot
}

# ---------------------------------------------------------------- run

# A command that cannot run: run -d fails as the foreground run does (127
# not found, 126 not executable), says why, and leaves nothing.
case_run_detach_bad_command() {
	newroot badcmd
	local out rc
	assert_ok pt network create b1
	out=$(pt run -d --name t1 --net b1 -- /nonexistent/cmd 2>&1)
	rc=$?
	assert_eq 127 "$rc" "run -d of a missing command ($out)"
	assert_contains "$out" "cannot run /nonexistent/cmd" "run -d's error"
	assert_eq 1 "$(printf '%s\n' "$out" | wc -l)" "lines of the error"
	assert_eq 0 "$(pt ps --json | jq length)" "containers after the failed run -d"
	assert_eq "" "$(ls "$PONTOON_ROOT/run/pontoon/netns")" "namespaces after the failed run -d"
	assert_eq "" "$(ls "$PONTOON_ROOT/run/pontoon/containers")" "container files after the failed run -d"
	assert_eq "" "$(reservations b1)" "addresses after the failed run -d"
	printf 'not a program\n' >"$PT_TMP/noexec"
	chmod 644 "$PT_TMP/noexec"
	out=$(pt run -d --name t2 -- "$PT_TMP/noexec" 2>&1)
	rc=$?
	assert_eq 126 "$rc" "run -d of a file that is not executable ($out)"
	assert_contains "$out" "Permission denied" "run -d's error"
	assert_eq 0 "$(pt ps --json | jq length)" "containers after the second failed run -d"
	out=$(pt run --name t3 --net b1 -- /nonexistent/cmd 2>&1)
	rc=$?
	assert_eq 127 "$rc" "foreground run of a missing command ($out)"
	assert_contains "$out" "cannot run /nonexistent/cmd" "foreground run's error"
	assert_eq 0 "$(pt ps --json | jq length)" "containers after the failed foreground run"
	assert_eq "" "$(reservations b1)" "addresses after the failed foreground run"
	assert_eq t4 "$(pt run -d --name t4 --net b1 -- sleep 300)" "run -d that works"
	pt exec t4 -- true || fail "exec into t4"
	endroot
}

# The supervisor of run -d cannot be forked (a pids cgroup of one task):
# run -d fails and releases at once what it made, not waiting for gc.
case_run_detach_fork_fails() {
	local cg=/sys/fs/cgroup/pids/pontoon-test-$$ out rc
	newroot forkfail
	mkdir "$cg" 2>/dev/null && echo 1 >"$cg/pids.max" || { rmdir "$cg" 2>/dev/null; skip "no pids cgroup to make fork fail"; }
	echo "$cg" >>"$PT_TMP/cgroups"
	# (LeakSanitizer's tracer is a task too: no leak check in there)
	out=$(ASAN_OPTIONS=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0} \
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		"$PONTOON" run -d --name f1 --net none -- sleep 300 2>&1)
	rc=$?
	rmdir "$cg"
	assert_eq 1 "$rc" "run -d that cannot fork ($out)"
	assert_contains "$out" "fork" "run -d's error"
	assert_eq 0 "$(pt ps --json | jq length)" "containers after the failed fork"
	assert_eq "" "$(ls "$PONTOON_ROOT/run/pontoon/netns")" "namespaces after the failed fork"
	endroot
}

# ---------------------------------------------------------------- DNS pid files

# A pid file with no start time pontoon wrote (0, missing) or a pid that
# does not fit names no DNS server of ours: the process behind that pid (a
# sleep started here) must not be signalled when the network's last
# container goes, and a real server must be started instead.
case_dns_pidfile_not_trusted() {
	newroot dnspid
	local victim start f i
	assert_ok pt network create z1
	sleep 300 &
	victim=$!
	echo $victim >>"$PT_TMP/pids"
	start=$(awk '{print $22}' "/proc/$victim/stat")
	mkdir -p "$PONTOON_ROOT/run/pontoon/dns"
	f=$PONTOON_ROOT/run/pontoon/dns/z1.json
	i=0
	for pidfile in "{\"pid\": $victim, \"start\": 0, \"network\": \"z1\"}" \
		"{\"pid\": $victim, \"network\": \"z1\"}" \
		"{\"pid\": $((victim + 4294967296)), \"start\": $start, \"network\": \"z1\"}"; do
		i=$((i + 1))
		printf '%s\n' "$pidfile" >"$f"
		# The run starts the network's DNS server (the file names none)
		# and, once true ends, stops it again.
		out=$(pt run --name p$i --net z1 -- sh -c 'grep -c nameserver /etc/resolv.conf' 2>&1) ||
			fail "run $i: $out"
		kill -0 "$victim" 2>/dev/null || fail "pid file $i ($pidfile): pontoon signalled process $victim"
		[ -e "$f" ] && fail "pid file $i left after the last container went"
	done
	kill -KILL "$victim"
	wait "$victim" 2>/dev/null
	endroot
}

# ---------------------------------------------------------------- plugin links

# From the build tree (no CNI path given): the links in run/pontoon/cni-bin
# are made once and never replaced while right, so no pontoon command
# makes another miss a plugin; many at once still find every plugin.
case_plugin_links_stable() {
	has_plugin portmap && has_plugin firewall || skip "pontoon-cni lacks portmap or firewall"
	newroot links
	local ino1 ino2 i n=40 bad=0 pids=()
	unset PONTOON_CNI_PATH
	# Plugins are looked for (and linked) by the commands that use them:
	# network create (which ones are there) and network rm (their GC).
	links_used() { pt network create lk --subnet 10.97.0.0/24 >/dev/null && pt network rm lk >/dev/null; }
	assert_ok pt ps
	[ -e "$PONTOON_ROOT/run/pontoon/cni-bin" ] && fail "ps, which runs no plugin, made the links"
	assert_ok links_used
	# inode and modification time: a link made anew may get the old inode
	ino1=$(stat -c '%i %y' "$PONTOON_ROOT/run/pontoon/cni-bin/bridge") || fail "no cni-bin/bridge link"
	assert_eq "$(readlink -f "$PONTOON_BUILD/src/plugins/pontoon-cni")" \
		"$(readlink "$PONTOON_ROOT/run/pontoon/cni-bin/bridge")" "target of cni-bin/bridge"
	assert_ok links_used
	ino2=$(stat -c '%i %y' "$PONTOON_ROOT/run/pontoon/cni-bin/bridge")
	assert_eq "$ino1" "$ino2" "inode and time of cni-bin/bridge after another command"
	# A wrong link is put right.
	ln -sfn /nonexistent "$PONTOON_ROOT/run/pontoon/cni-bin/portmap"
	assert_ok links_used
	assert_eq "$(readlink -f "$PONTOON_BUILD/src/plugins/pontoon-cni")" \
		"$(readlink "$PONTOON_ROOT/run/pontoon/cni-bin/portmap")" "target of a repaired link"
	# Every network made while other commands run has all its plugins.
	for i in 1 2 3 4; do
		(for _ in $(seq 10); do
			"$PONTOON" network create "bg$i" --subnet "10.96.$i.0/24" >/dev/null 2>&1
			"$PONTOON" network rm "bg$i" >/dev/null 2>&1
		done) &
		pids+=($!)
	done
	for i in $(seq $n); do
		pt network create "l$i" --subnet "10.98.$i.0/24" >/dev/null 2>&1 || fail "network create l$i"
	done
	wait "${pids[@]}"
	for i in $(seq $n); do
		for t in portmap firewall; do
			grep -q "\"$t\"" "$PONTOON_ROOT/etc/cni/net.d/l$i.conflist" || bad=$((bad + 1))
		done
	done
	assert_eq 0 "$bad" "plugins missing from the $n networks made beside other creates and removals"
	ls "$PONTOON_ROOT/run/pontoon/cni-bin" | grep -q tmp && fail "temporary links left"
	endroot
}

# ---------------------------------------------------------------- DNS upstreams

# A resolver on 127.0.0.3:53 (this namespace's lo) answering every A
# question with 192.0.2.77.
fake_resolver() {
	python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.3", 53))
print("bound", flush=True)
while True:
	q, a = s.recvfrom(1500)
	i = 12
	while q[i] != 0:
		i += q[i] + 1
	question = q[12:i + 5]
	r = q[:2] + b"\x81\x80" + struct.pack(">HHHH", 1, 1, 0, 0) + question
	r += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("192.0.2.77")
	s.sendto(r, a)' >"$PT_TMP/resolver.out" 2>&1 &
	echo $! >>"$PT_TMP/pids"
	echo $! >>"$PT_TMP/case-pids"
	wait_until 5 grep -q bound "$PT_TMP/resolver.out" || fail "fake resolver: $(cat "$PT_TMP/resolver.out")"
}

# The host's resolv.conf names a first resolver that refuses (nothing on
# 127.0.0.2:53) or stays silent (a socket that never answers), then the
# fake one: the network's DNS server must get the answer from the second.
dns_upstream_case() { # refused|silent
	newroot "up-$1"
	local out
	printf 'nameserver 127.0.0.2\nnameserver 127.0.0.3\n' >"$PT_TMP/resolv.conf"
	mount --bind "$PT_TMP/resolv.conf" /etc/resolv.conf || skip "cannot bind-mount /etc/resolv.conf"
	: >"$PT_TMP/resolv-mounted"
	[ "$1" = silent ] && hold_port53 127.0.0.2
	fake_resolver
	assert_ok pt network create u1
	assert_ok pt run -d --name q --net u1 -- sleep 300
	out=$(pt exec q -- getent ahostsv4 upstream.example 2>&1)
	assert_contains "$out" "192.0.2.77" "upstream.example through the second resolver ($1 first)"
	endroot
	end_helpers
	umount /etc/resolv.conf
	rm -f "$PT_TMP/resolv-mounted"
}
case_dns_upstream_refused() { dns_upstream_case refused; }
case_dns_upstream_silent() { dns_upstream_case silent; }

run_case connect-failure-rolls-back case_connect_failure_rolls_back
run_case connect-killed case_connect_killed
run_case run-detach-bad-command case_run_detach_bad_command
run_case run-detach-fork-fails case_run_detach_fork_fails
run_case dns-pidfile-not-trusted case_dns_pidfile_not_trusted
run_case plugin-links-stable case_plugin_links_stable
run_case dns-upstream-refused case_dns_upstream_refused
run_case dns-upstream-silent case_dns_upstream_silent
