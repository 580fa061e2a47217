#!/usr/bin/env bash
# End-to-end tests of the pontoon CLI, with real packets.
#
# The whole script runs in a network and mount namespace of its own that
# plays the host (it re-executes itself under `unshare --net --mount`), so
# the bridges, veths, namespaces and DNS servers pontoon makes never touch
# the machine. Each case uses a PONTOON_ROOT of its own under the test's
# temporary directory.
#
#     "outside" (pt-PID-out, 192.0.2.2) --veth-- host: uplink 192.0.2.1
#                                                 |
#                                  bridge pontoonN (10.88.x.1) -- veth -- container eth0
#
# Cases print ok/FAIL/skip lines (tests/integration/lib.sh).
source "$(dirname "$0")/cli-lib.sh"

ctr_ip() { pt inspect "$1" | jq -r ".[0].networks[${2:-0}].ips[0]" | cut -d/ -f1; }
n_links() { ip -o link | wc -l; }

# ---------------------------------------------------------------- networks

case_network_lifecycle() {
	newroot netlife
	local out
	ip link add upl0 type veth peer name upl1
	ip addr add 10.88.0.1/24 dev upl0
	ip link set upl0 up
	assert_eq "n1" "$(pt network create n1)" "create n1"
	# 10.88.0.0/24 is a route of this host: the pool skips it.
	assert_json "$(pt network inspect n1)" '.[0].subnets[0]' 10.88.1.0/24 "auto subnet"
	assert_ok pt network create n2 --subnet 10.99.5.0/24 --gateway 10.99.5.254 --ip-range 10.99.5.128/25 --mtu 1400 --ipv6
	out=$(pt network inspect n2)
	assert_json "$out" '.[0].gateways | join(",")' "10.99.5.254,fd88::1" "gateways"
	assert_json "$out" '.[0].config.plugins[0].mtu' 1400 "mtu"
	assert_json "$out" '.[0].config.plugins[0].ipam.ranges[0][0].rangeStart' 10.99.5.128 "rangeStart"
	assert_ok pt network create n3 --internal --no-masquerade
	assert_json "$(pt network inspect n3)" '.[0].config.plugins[0].ipMasq' false "internal: no masquerade"
	assert_json "$(pt network inspect n3)" '.[0].config.plugins[0].ipam.routes | length' 0 "internal: no route out"
	pt network ls
	assert_eq 3 "$(pt network ls --json | jq length)" "networks listed"
	assert_contains "$(pt network ls)" "NAME" "table header"
	# Bad input: one line, its own exit code, nothing written.
	assert_contains "$(pt_expect 4 network create n1)" "already exists"
	assert_contains "$(pt_expect 4 network create n4 --subnet 10.99.5.0/16)" "overlaps network n2"
	assert_contains "$(pt_expect 4 network create n4 --subnet 10.88.0.128/25)" "overlaps the route 10.88.0.0/24"
	assert_contains "$(pt_expect 2 network create n4 --subnet 10.1.0.0/33)" "--subnet"
	assert_contains "$(pt_expect 2 network create n4 --mtu 9)" "--mtu"
	assert_contains "$(pt_expect 2 network create 'bad/name')" "network name"
	assert_contains "$(pt_expect 2 network create n4 --gateway 10.200.0.1 --subnet 10.99.9.0/24)" "not inside"
	assert_contains "$(pt_expect 3 network inspect nope)" "no such network: nope"
	assert_contains "$(pt_expect 3 network rm nope)" "no such network"
	assert_contains "$(pt_expect 2 network frob)" "unknown command"
	assert_eq 3 "$(ls "$PONTOON_ROOT/etc/cni/net.d" | wc -l)" "conflists after bad input"
	assert_eq "n3" "$(pt network rm n3)" "rm"
	assert_eq 2 "$(pt network ls --json | jq length)" "after rm"
	assert_eq "n1 n2" "$(pt network prune | xargs)" "prune"
	assert_eq 0 "$(pt network ls --json | jq length)" "after prune"
	ip link del upl0
	endroot
}

# ---------------------------------------------------------------- containers

case_run_ping_by_name() {
	newroot ping
	local ip1 ip2 br links_before
	links_before=$(n_links)
	assert_ok pt network create web
	assert_eq c1 "$(pt run -d --name c1 --net web -- sleep 300)" "run -d c1"
	assert_eq c2 "$(pt run -d --name c2 --net web --alias db -- sleep 300)" "run -d c2"
	ip1=$(ctr_ip c1); ip2=$(ctr_ip c2)
	assert_match '^10\.88\.' "$ip1" "c1 address"
	assert_eq c1 "$(pt exec c1 -- hostname)" "hostname"
	assert_contains "$(pt exec c1 -- cat /etc/hosts)" "$ip1	c1" "c1's /etc/hosts"
	assert_contains "$(pt exec c1 -- cat /etc/resolv.conf)" "nameserver 10.88." "c1's resolv.conf"
	# By name, through the network's DNS server, both ways and by alias.
	pt exec c1 -- ping -c1 -W2 c2 >/dev/null || fail "c1 cannot ping c2 by name"
	pt exec c2 -- ping -c1 -W2 c1 >/dev/null || fail "c2 cannot ping c1 by name"
	pt exec c1 -- ping -c1 -W2 db.dns.pontoon >/dev/null || fail "c1 cannot ping c2's alias"
	# The veth ends are on the bridge.
	br=$(pt network inspect web | jq -r '.[0].bridge')
	assert_eq 2 "$(ip -o link show master "$br" | wc -l)" "ports on $br"
	assert_json "$(pt ps --json)" 'map(.name) | join(",")' c1,c2 "ps"
	assert_contains "$(pt ps)" "running" "ps table"
	assert_json "$(pt inspect c1)" '.[0].running' true "inspect"
	assert_json "$(pt network inspect web)" '.[0].attached | length' 2 "attached"
	assert_contains "$(pt_expect 4 network rm web)" "in use by container c1"
	assert_eq c1 "$(pt stop -t 2 c1)" "stop"
	assert_fails pt inspect c1
	[ -e "$PONTOON_ROOT/run/pontoon/netns/c1" ] && fail "c1's netns left"
	assert_eq 1 "$(ip -o link show master "$br" | wc -l)" "ports after stop"
	assert_contains "$(pt_expect 4 rm c2)" "is running"
	assert_eq c2 "$(pt rm -f c2)" "rm -f"
	assert_eq 0 "$(ls "$PONTOON_ROOT/var/lib/pontoon/results" | wc -l)" "cached results left"
	assert_eq "" "$(ls "$PT_TMP/root-ping/var/lib/cni/networks/web" | grep -v -e lock -e last_reserved)" "reservations left"
	assert_eq "" "$(ls "$PONTOON_ROOT/run/pontoon/dns")" "DNS server state left"
	endroot
	assert_eq "$links_before" "$(n_links)" "links after teardown"
}

case_run_foreground() {
	newroot fg
	local out rc
	assert_ok pt network create fg
	out=$(pt run --name f1 --net fg -- ip -br addr show eth0)
	assert_match '^eth0@if[0-9]+ +UP +10\.88\.[0-9]+\.[0-9]+/24' "$out" "eth0 inside"
	pt run --net fg -- sh -c 'exit 7'
	rc=$?
	assert_eq 7 "$rc" "exit status of the command"
	assert_eq 0 "$(pt ps --json | jq length)" "containers after exit"
	assert_eq "" "$(ls "$PONTOON_ROOT/run/pontoon/netns")" "namespaces after exit"
	endroot
}

case_net_host_none() {
	newroot hostnone
	local out
	out=$(pt run --net none -- ip -o link)
	assert_eq 1 "$(wc -l <<<"$out")" "--net none: only lo"
	assert_contains "$out" "lo:" "--net none"
	ip link add hostmark0 type veth peer name hostmark1
	out=$(pt run --net host -- ip -o link)
	assert_contains "$out" "hostmark0" "--net host sees the host's links"
	ip link del hostmark0
	assert_contains "$(pt run --net none --hostname box -- hostname)" "box" "--hostname"
	endroot
}

case_bad_input() {
	newroot bad
	local before
	assert_ok pt network create b1
	assert_ok pt run -d --name taken --net b1 -- sleep 300
	before="$(pt ps --json | jq -c 'map(.name)') $(n_links) $(ls "$PONTOON_ROOT/run/pontoon/netns" | xargs)"
	assert_contains "$(pt_expect 3 run --net nosuch -- true)" "no such network: nosuch"
	assert_contains "$(pt_expect 4 run --name taken --net b1 -- true)" "already taken"
	assert_contains "$(pt_expect 2 run --net b1 -p 80 -- true)" "-p"
	assert_contains "$(pt_expect 2 run --net b1 -p 8080:80/icmp -- true)" "protocol"
	assert_contains "$(pt_expect 2 run --net b1 -p 8080-8090:80-81 -- true)" "differ in length"
	assert_contains "$(pt_expect 2 run --net b1 -p 70000:80 -- true)" "1..65535"
	assert_contains "$(pt_expect 2 run --net b1 --ip 10.1 -- true)" "--ip"
	assert_contains "$(pt_expect 2 run --net b1)" "expects a command"
	assert_contains "$(pt_expect 2 run --bogus -- true)" "unknown"
	assert_contains "$(pt_expect 3 exec nosuch -- true)" "no such container"
	assert_contains "$(pt_expect 3 stop nosuch)" "no such container"
	assert_contains "$(pt_expect 3 port nosuch)" "no such container"
	# Names become paths (docs/security.md "Names that become paths"):
	# refused, or never found through a file planted outside the directory.
	local n
	for n in ../x a/b . .. .x 'x y' "$(printf 'c%.0s' {1..65})"; do
		assert_contains "$(pt_expect 2 run --name "$n" --net b1 -- true)" "--name \"$n\" must match"
		assert_contains "$(pt_expect 2 network create "$n")" "network name \"$n\" must match"
	done
	n=$(printf 'c%.0s' {1..64})
	assert_contains "$(pt_expect 2 run --name "$n" --net b1 -- true)" "(63 at most)"
	echo '{"cniVersion":"1.0.0","name":"../x","plugins":[{"type":"bridge"}]}' >"$PONTOON_ROOT/etc/cni/x.conflist"
	echo '{"name":"../y","pid":1}' >"$PONTOON_ROOT/run/pontoon/y.json"
	assert_contains "$(pt_expect 3 network inspect ../x)" "no such network: ../x"
	assert_contains "$(pt_expect 3 network rm ../x)" "no such network: ../x"
	assert_contains "$(pt_expect 3 run --net ../x -- true)" "no such network: ../x"
	for c in inspect stop rm port; do
		assert_contains "$(pt_expect 3 $c ../y)" "no such container: ../y"
	done
	assert_contains "$(pt_expect 3 exec ../y -- true)" "no such container: ../y"
	assert_eq 2 "$(ls "$PONTOON_ROOT/etc/cni/x.conflist" "$PONTOON_ROOT/run/pontoon/y.json" | wc -l)" "planted files"
	rm "$PONTOON_ROOT/etc/cni/x.conflist" "$PONTOON_ROOT/run/pontoon/y.json"
	assert_eq "$before" "$(pt ps --json | jq -c 'map(.name)') $(n_links) $(ls "$PONTOON_ROOT/run/pontoon/netns" | xargs)" "state after bad input"
	# The longest network name works: its nft comments fit.
	n=$(printf 'c%.0s' {1..64})
	assert_eq "$n" "$(pt network create "$n")" "create a network of 64 characters"
	assert_eq "ok" "$(pt run --net "$n" -p 8089:80 -- echo ok)" "a container on it, with a published port"
	pt --help | grep -q "network" || fail "pontoon --help"
	for c in "network create" "network ls" run ps exec stop rm inspect port gc "network connect"; do
		pt $c --help | grep -q "usage: pontoon" || fail "pontoon $c --help"
	done
	endroot
}

# ---------------------------------------------------------------- ports

setup_outside() {
	ip link del uplink 2>/dev/null
	[ -e "/run/netns/$(ns out)" ] && ns_del out	# an earlier case's
	ns_new out
	ip link add uplink type veth peer name eth0 netns "$(ns out)"
	ip addr add 192.0.2.1/24 dev uplink
	ip link set uplink up
	ipn out addr add 192.0.2.2/24 dev eth0
	ipn out link set eth0 up
	ipn out route add default via 192.0.2.1
	sysctl -qw net.ipv4.ip_forward=1
}

# What the outside reads from ADDR:PORT (three tries).
fetch_out() {
	local i out
	for i in 1 2 3; do
		out=$(nsx out socat -T2 - "TCP:$1:$2,connect-timeout=2" </dev/null 2>&1)
		[ -n "$out" ] && ! [[ $out == *E\ * ]] && break
		sleep 0.5
	done
	printf '%s' "$out"
}

case_publish() {
	has_plugin portmap || skip "pontoon-cni has no portmap plugin yet (arrives with the NAT issue)"
	newroot publish
	local out
	setup_outside
	assert_ok pt network create pub
	assert_ok pt run -d --name w1 --net pub -p 8080:80 -p 9001-9002:91-92/tcp -- \
		socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo hello-from-w1'
	pt exec w1 -- socat TCP-LISTEN:92,fork,reuseaddr SYSTEM:'echo range-92' &
	echo $! >>"$PT_TMP/pids"
	wait_until 5 pt exec w1 -- sh -c 'ss -ltn | grep -q ":80 " && ss -ltn | grep -q ":92 "' ||
		fail "servers on 80 and 92 did not start"
	out=$(fetch_out 192.0.2.1 8080)
	assert_contains "$out" "hello-from-w1" "TCP through -p from outside"
	out=$(fetch_out 192.0.2.1 9002)
	assert_contains "$out" "range-92" "port range"
	assert_json "$(pt port w1 --json)" 'map("\(.hostPort)->\(.containerPort)") | join(",")' "8080->80,9001->91,9002->92" "port"
	assert_contains "$(pt port w1)" "8080" "port table"
	assert_contains "$(pt_expect 4 run --net pub -p 8080:81 -- true)" "already published by container w1"
	pt rm -f w1 >/dev/null
	out=$(nsx out socat -T2 - TCP:192.0.2.1:8080,connect-timeout=2 </dev/null 2>&1)
	assert_not_contains "$out" "hello-from-w1" "after rm"
	ip link del uplink
	endroot
}

# ---------------------------------------------------------------- networks per container

case_multi_network() {
	newroot multi
	local out
	assert_ok pt network create m1
	assert_ok pt network create m2
	assert_ok pt run -d --name a --net m1 --net m2 -- sleep 300
	assert_ok pt run -d --name b --net m2 -- sleep 300
	out=$(pt exec a -- ip -o -4 addr)
	assert_contains "$out" "eth0" "a on m1"
	assert_contains "$out" "eth1" "a on m2"
	pt exec b -- ping -c1 -W2 a >/dev/null || fail "b cannot reach a on m2 by name"
	assert_ok pt run -d --name c --net m1 -- sleep 300
	# c is on m1 only: b (m2) is not a name it knows.
	pt exec c -- ping -c1 -W1 b >/dev/null 2>&1 && fail "c resolved b, which is on another network"
	assert_ok pt network connect m2 c
	out=$(pt exec c -- ip -o -4 addr show eth1)
	assert_match '10\.88\.' "$out" "c's eth1 after connect"
	pt exec c -- ping -c1 -W2 b >/dev/null || fail "c cannot reach b after connect"
	assert_contains "$(pt_expect 4 network connect m2 c)" "already on network m2"
	assert_ok pt network disconnect m2 c
	pt exec c -- ip link show eth1 >/dev/null 2>&1 && fail "eth1 still there after disconnect"
	assert_contains "$(pt_expect 3 network disconnect m2 c)" "not on network m2"
	endroot
}

# ---------------------------------------------------------------- crash safety

case_gc_after_kill() {
	newroot gc
	local pid i links_before
	links_before=$(n_links)
	assert_ok pt network create g1
	"$PONTOON" run --name victim --net g1 -- sleep 300 &
	pid=$!
	echo $pid >>"$PT_TMP/pids"
	# (jq 1.6 -e says 0 on empty input: compare the text instead)
	wait_until 10 sh -c "'$PONTOON' inspect victim 2>/dev/null | jq -r '.[0].running' | grep -qx true" ||
		fail "victim did not start"
	kill -KILL $pid
	wait $pid 2>/dev/null
	# A new pontoon process sees the state; the container died with its runtime.
	wait_until 5 sh -c "'$PONTOON' inspect victim | jq -r '.[0].running' | grep -qx false" ||
		fail "victim still running after its runtime was killed"
	assert_contains "$(pt ps)" "dead" "ps after kill -9"
	assert_eq 1 "$(ls "$PONTOON_ROOT/var/lib/pontoon/results" | wc -l)" "cached result kept for DEL"
	# A stale cache entry with no container at all (ADD done, state lost).
	jq -c '.containerId = "0000stale"' "$PONTOON_ROOT"/var/lib/pontoon/results/g1-* \
		>"$PONTOON_ROOT/var/lib/pontoon/results/g1-0000stale-eth0"
	assert_contains "$(pt gc)" "released container victim" "gc"
	assert_eq 0 "$(pt ps --json | jq length)" "containers after gc"
	assert_eq "" "$(ls "$PONTOON_ROOT/run/pontoon/netns")" "namespaces after gc"
	assert_eq 0 "$(ls "$PONTOON_ROOT/var/lib/pontoon/results" | wc -l)" "cache after gc"
	assert_eq "" "$(ls "$PONTOON_ROOT/var/lib/cni/networks/g1" | grep -v -e lock -e last_reserved)" "reservations after gc"
	assert_eq "" "$(ls "$PONTOON_ROOT/run/pontoon/dns")" "DNS servers after gc"
	pt network rm g1 >/dev/null
	assert_eq "$links_before" "$(n_links)" "links after gc and rm"
	endroot
}

# --host-access gateway and --block: the host answers only on the
# container's own gateway, and the blocked outside address gets nothing;
# the same pings from a network made without them are the control.
case_host_access_block() {
	has_plugin firewall || skip "pontoon-cni has no firewall plugin"
	newroot hostacc
	local gw
	setup_outside
	assert_ok pt network create hopen
	assert_ok pt network create hgw --host-access gateway --block 192.0.2.2/32
	assert_json "$(cat "$PONTOON_ROOT/etc/cni/net.d/hgw.conflist")" \
		'.plugins[] | select(.type == "firewall") | "\(.hostAccess) \(.blockedDestinations | join(","))"' \
		"gateway 192.0.2.2/32" "firewall options in the conflist"
	assert_ok pt run -d --name open1 --net hopen -- sleep 300
	assert_ok pt run -d --name gw1 --net hgw -- sleep 300
	gw=$(pt network inspect hgw | jq -r '.[0].gateways[0] // empty')
	[ -n "$gw" ] || gw=$(pt exec gw1 -- ip -4 route show default | awk '{print $3}')
	pt exec open1 -- ping -c1 -W1 192.0.2.1 >/dev/null || fail "control: the host's uplink address from an open network"
	pt exec open1 -- ping -c1 -W1 192.0.2.2 >/dev/null || fail "control: the outside from an open network"
	pt exec gw1 -- ping -c1 -W1 "$gw" >/dev/null || fail "own gateway $gw with --host-access gateway"
	! pt exec gw1 -- ping -c1 -W1 192.0.2.1 >/dev/null || fail "the host's uplink address answered with --host-access gateway"
	! pt exec gw1 -- ping -c1 -W1 192.0.2.2 >/dev/null || fail "the blocked address answered"
	pt_expect 2 network create bad1 --host-access everything >/dev/null
	pt_expect 2 network create bad2 --block 169.254.169.254/40 >/dev/null
	ip link del uplink
	endroot
}

# gc lists every live container as valid for the CNI GC, however many
# share a network: 300 clones of one live container (same supervisor, same
# namespace) with cached attachments; gc must DEL none of them, or it would
# take the real container's eth0 (an early gc listed only the first 256).
case_gc_many_live() {
	newroot gcmany
	local real id state cache i n=300 rdir sdir
	assert_ok pt network create g2
	assert_ok pt run -d --name zreal --net g2 -- sleep 300
	sdir="$PONTOON_ROOT/run/pontoon/containers"
	rdir="$PONTOON_ROOT/var/lib/pontoon/results"
	state=$(<"$sdir/zreal.json")
	id=$(jq -r .id <<<"$state")
	cache=$(<"$rdir/g2-$id-eth0")
	for i in $(seq -w 1 $n); do
		local cid="c${i}${id:4}" s c
		s=${state//\"$id\"/\"$cid\"}
		printf '%s' "${s//\"name\": \"zreal\"/\"name\": \"c$i\"}" >"$sdir/c$i.json"
		c=${cache//\"$id\"/\"$cid\"}
		printf '%s' "$c" >"$rdir/g2-$cid-eth0"
	done
	assert_eq $((n + 1)) "$(pt ps --json | jq '[.[] | select(.status == "running")] | length')" "live containers"
	pt gc >/dev/null || fail "gc failed"
	assert_eq $((n + 1)) "$(ls "$rdir" | wc -l)" "cached attachments after gc"
	pt exec zreal -- ip -o addr show eth0 >/dev/null 2>&1 || fail "gc took zreal's eth0"
	rm -f "$sdir"/c[0-9]*.json "$rdir"/g2-c[0-9]*-eth0
	endroot
}

# ---------------------------------------------------------------- compatibility

case_reference_conflist() {
	newroot ref
	mkdir -p "$PONTOON_ROOT/etc/cni/net.d"
	# What a person writes for the reference plugins (an older version, a
	# lone .conf as well as a list).
	cat >"$PONTOON_ROOT/etc/cni/net.d/10-ref.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "refnet", "plugins": [
  {"type": "bridge", "bridge": "refbr0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "subnet": "10.77.0.0/24", "dataDir": "$PONTOON_ROOT/ipam",
            "routes": [{"dst": "0.0.0.0/0"}]}}]}
JSON
	cat >"$PONTOON_ROOT/etc/cni/net.d/20-single.conf" <<JSON
{"cniVersion": "0.3.1", "name": "single", "type": "bridge", "bridge": "refbr1",
 "ipam": {"type": "host-local", "subnet": "10.78.0.0/24", "dataDir": "$PONTOON_ROOT/ipam"}}
JSON
	assert_json "$(pt network ls --json)" 'map(.name) | join(",")' "refnet,single" "ls"
	assert_ok pt run -d --name r1 --net refnet --net single -- sleep 300
	assert_ok pt run -d --name r2 --net refnet -- sleep 300
	pt exec r1 -- ping -c1 -W2 "$(ctr_ip r2)" >/dev/null || fail "r1 cannot ping r2 on a reference conflist"
	assert_match '^10\.78\.' "$(ctr_ip r1 1)" "single .conf"
	pt rm -f r1 r2 >/dev/null
	assert_eq "" "$(ls "$PONTOON_ROOT/ipam/refnet" | grep -v -e lock -e last_reserved)" "reservations"
	ip link del refbr0; ip link del refbr1
	endroot
}

case_reference_plugins() {
	[ -x /usr/lib/cni/bridge ] || skip "Debian's containernetworking-plugins are not installed"
	newroot refplug
	# A network made by pontoon, run by the reference plugins: the conflist
	# is an ordinary one.
	assert_ok pt network create pn
	PONTOON_CNI_PATH=/usr/lib/cni assert_ok pt run -d --name x1 --net pn -- sleep 300
	PONTOON_CNI_PATH=/usr/lib/cni assert_ok pt run -d --name x2 --net pn -- sleep 300
	pt exec x1 -- ping -c1 -W2 "$(ctr_ip x2)" >/dev/null || fail "x1 cannot ping x2 (reference plugins)"
	PONTOON_CNI_PATH=/usr/lib/cni pt rm -f x1 x2 >/dev/null
	assert_eq 0 "$(pt ps --json | jq length)" "after rm"
	endroot
}

# Malicious files among the network configs (docs/security.md "Malicious
# configuration"): duplicate keys, a raw NUL byte, 16 MiB + 1, 5000 levels
# deep, a FIFO. Each is left out with a warning naming it; the good network is
# listed and runs; asking for a broken one says why it is not found.
case_bad_conflists() {
	newroot badconf
	local d="$PONTOON_ROOT/etc/cni/net.d" out
	assert_ok pt network create good
	echo '{"cniVersion":"1.0.0","name":"dup","name":"dup2","plugins":[{"type":"bridge"}]}' >"$d/a-dup.conflist"
	printf '{"cniVersion":"1.0.0","name":"nul\0x","plugins":[{"type":"bridge"}]}' >"$d/b-nul.conflist"
	{ printf '{"cniVersion":"1.0.0","name":"huge","plugins":[{"type":"bridge"}],"pad":"'
	  head -c $((16 * 1024 * 1024)) /dev/zero | tr '\0' a
	  printf '"}'; } >"$d/c-huge.conflist"
	{ printf '{"cniVersion":"1.0.0","name":"deep","plugins":[{"type":"bridge"}],"x":'
	  printf '[%.0s' {1..5000}; printf ']%.0s' {1..5000}; printf '}'; } >"$d/d-deep.conflist"
	mkfifo "$d/e-fifo.conflist"	# no writer: reading it would wait for ever
	out=$(pt network ls --json 2>"$PT_TMP/ls.err") || fail "network ls with broken files: $(cat "$PT_TMP/ls.err")"
	assert_json "$out" 'map(.name) | join(",")' good "networks listed"
	assert_contains "$(cat "$PT_TMP/ls.err")" \
		"warning: networks left out (5 files in $d cannot be read; the first: $d/a-dup.conflist: line 1, column " \
		"warning of network ls"
	assert_contains "$(pt_expect 3 network inspect dup)" "no such network: dup (5 files in $d cannot be read" "inspect of a broken network"
	assert_eq ok "$(pt run --net good -- echo ok 2>/dev/null)" "a container on the good network"
	rm -f "$d"/[a-e]-*.conflist
	endroot
}

# State under the run dir is root's alone, whatever the umask: directories
# 0700, files 0600, but a container's hosts and resolv.conf 0644 for the
# container's own users; nothing world-writable (docs/security.md, "The
# CLI's state").
case_state_modes() { # UMASK
	newroot "modes$1"
	local run="$PONTOON_ROOT/run/pontoon" res="$PONTOON_ROOT/var/lib/pontoon/results" bad
	# plugins from the build tree, so that their links are made too
	(umask "$1" && unset PONTOON_CNI_PATH && pt network create m >/dev/null &&
		pt run -d --name w --net m -- sleep 300 >/dev/null) || fail "create and run with umask $1"
	# (cni-bin is made only when no plugins are installed: checked when there)
	[ -e "$run/dns" ] && [ -e "$run/containers/w/log" ] ||
		fail "not all of the state was made: $(cd "$run" && find . | xargs)"
	# parents of the run dir are not private: 0755 less the umask
	assert_eq "$(printf %o $((0755 & ~0$1)))" "$(stat -c %a "$PONTOON_ROOT/run")" "mode of the run dir's parent pontoon made"
	bad=$(find "$run" "$res" -type d ! -perm 700 -printf '%P=%m ')
	assert_eq "" "$bad" "directories that are not 0700"
	bad=$(find "$run" "$res" -type f ! -path "$run/netns/*" ! -name hosts ! -name resolv.conf \
		! -perm 600 -printf '%P=%m ')
	assert_eq "" "$bad" "files that are not 0600"
	assert_eq "644 644" "$(stat -c %a "$run/containers/w/hosts" "$run/containers/w/resolv.conf" | xargs)" \
		"modes of the container's hosts and resolv.conf"
	assert_eq "" "$(find "$PONTOON_ROOT" ! -type l -perm -o+w -printf '%P ')" "world-writable"
	local f
	for f in hosts:w resolv.conf:nameserver; do
		assert_contains "$(pt exec w -- setpriv --reuid=65534 --regid=65534 --clear-groups cat "/etc/${f%%:*}")" \
			"${f#*:}" "/etc/${f%%:*} read by an unprivileged user in the container"
	done
	endroot
}

case_demo() {
	local out
	out=$(pt demo 2>&1) || fail "pontoon demo failed: $(tail -n3 <<<"$out")"
	assert_contains "$out" "64 bytes from 10.88" "ping by name in the demo"
	if has_plugin portmap; then
		assert_contains "$out" "hello from container web" "published port in the demo"
	fi
	assert_contains "$out" "done:" "demo end"
	# Run as the README runs it (no PONTOON_ROOT, plugins from the build
	# tree) over an empty /run of its own: the demo writes nothing there,
	# nor does a command that only reads state (plugins are found, and
	# their links made under /run, only when a command runs one).
	out=$(env -u PONTOON_ROOT -u PONTOON_CNI_PATH unshare --mount --propagation private \
		sh -c 'mount -t tmpfs pt-demo-run /run && { "$0" demo >/dev/null 2>&1; echo "rc=$?";
			"$0" ps >/dev/null 2>&1; echo "rc=$?"; ls -A /run; }' \
		"$PONTOON")
	assert_eq "rc=0 rc=0" "$(echo $out)" "exit codes of demo and ps, and what they left in /run"
	local d
	for d in /tmp/pontoon-demo.*; do
		[ -d "$d/run" ] && fail "demo left $d"
	done
	return 0
}

run_case network-lifecycle case_network_lifecycle
run_case run-ping-by-name case_run_ping_by_name
run_case run-foreground case_run_foreground
run_case net-host-none case_net_host_none
run_case bad-input case_bad_input
run_case publish case_publish
run_case multi-network case_multi_network
run_case gc-after-kill case_gc_after_kill
run_case gc-many-live case_gc_many_live
run_case host-access-block case_host_access_block
run_case reference-conflist case_reference_conflist
run_case reference-plugins case_reference_plugins
run_case bad-conflists case_bad_conflists
run_case state-modes-umask-000 case_state_modes 000
run_case state-modes-umask-077 case_state_modes 077
run_case demo case_demo
