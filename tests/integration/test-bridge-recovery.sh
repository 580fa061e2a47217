#!/usr/bin/env bash
# pontoon-only: the bridge plugin recovers from states a runtime, a crash or
# a hostile container leaves behind, and refuses what it cannot finish:
#   - DEL with ipMasq tears down only the container's own masquerade
#     elements, whatever addresses the container put on its interface;
#   - DEL whose CNI_NETNS is a stale pin file (an empty regular file) exits 0
#     and releases the address; IPAM DEL runs even when an earlier step fails;
#   - ADD on a bridge whose ports were all removed (MAC 00:00:00:00:00:00);
#   - ADD retried after an ADD killed right after the veth was made, and ADD
#     when the derived host name belongs to some other link;
#   - an L2-only network (no IPAM) with cniVersion 0.2.0 is refused with
#     code 7 (invalid network config) before anything is created (0.1.0 and
#     0.2.0 results carry only IP addresses).
#
#   one host per case, pt-<pid>-host-<case>
#   +-------------------------------------------+
#   |  cni0 (or br-<case>)  10.99.<k>.1/24       |
#   |     | veth<hash>          | veth<hash>     |
#   +-----|---------------------|---------------+
#         | eth0                | eth0
#    +----+--------+       +----+--------+
#    | <case>-a    |       | <case>-b    |   pt-<pid>-<case>-{a,b}
#    +-------------+       +-------------+
. "$(dirname "$0")/lib.sh"

# use_host CASE: this case's own host namespace (run_case runs in a subshell).
use_host() {
	PT_HOST=$(ns "host-$1")
	ns_new "host-$1"
}

# conf K NAME [FILTER]: a bridge network on 10.99.K.0/24 named NAME.
conf() {
	PT_SUBNET4="10.99.$1.0/24" bridge_conf ".name = \"$2\" | ${3:-.}"
}
# conf_static K NAME: the same with static IPAM (10.99.K.5/24), which keeps
# no record, so a retried ADD reaches the links (host-local refuses a second
# ADD of one attachment before that).
conf_static() {
	conf "$1" "$2" ".ipam = {type: \"static\", addresses: [{address: \"10.99.$1.5/24\"}]}"
}

# A container with NET_ADMIN adds its neighbour's address to its eth0 and is
# deleted: the neighbour's masquerade element must stay.
masq_neighbour() {
	local c ip_a ip_b t out
	pontoon_only "ipMasq elements in pontoon's nft sets"
	use_host masq
	ns_new masq-a masq-b
	c=$(conf 31 net-masq '.ipMasq = true')
	cni_add masq-a ctr-a eth0 "$c"
	ip_a=$(res_ip "$PT_RESULT" 4)
	cni_add masq-b ctr-b eth0 "$c"
	ip_b=$(res_ip "$PT_RESULT" 4)
	ipn masq-a addr add "$ip_b/32" dev eth0 || fail "ip addr add in the container"
	t=$(nsx host-masq nft list set inet pontoon masq4)
	assert_contains "$t" "$ip_b comment \"net-masq/ctr-b/eth0\"" "masq4 before the DEL"
	# without prevResult too: nothing but the owner may decide what goes
	out=$(cni_run DEL masq-a ctr-a eth0 "$c") || fail "DEL of ctr-a failed: $(oneline "$out")"
	t=$(nsx host-masq nft list set inet pontoon masq4)
	assert_contains "$t" "$ip_b comment \"net-masq/ctr-b/eth0\"" "masq4 after ctr-a's DEL"
	assert_not_contains "$t" "ctr-a" "masq4 after ctr-a's DEL"
	assert_not_contains "$t" "$ip_a " "masq4 after ctr-a's DEL"
	cni_del masq-b ctr-b eth0 "$c"
	t=$(nsx host-masq nft list set inet pontoon masq4)
	assert_not_contains "$t" "ctr-b" "masq4 after ctr-b's DEL"
}

# The namespace died and its pin file is a plain empty file now: DEL of
# bridge and loopback succeed, and the address is released.
del_stale_netns() {
	local c out stale="$PT_TMP/stale-netns"
	pontoon_only "a stale CNI_NETNS is taken as gone (the reference fails DEL)"
	use_host stale
	ns_new stale-a
	c=$(conf 32 net-stale)
	cni_add stale-a ctr-s eth0 "$c"
	[ -n "$(ipam_reservations net-stale)" ] || fail "ADD reserved nothing (nothing to test)"
	ns_del stale-a
	: >"$stale"
	out=$(cni_run DEL "$stale" ctr-s eth0 "$c") || fail "DEL with a stale netns file failed: $(oneline "$out")"
	assert_eq "" "$(ipam_reservations net-stale | xargs)" "reservations after DEL"
	out=$(cni_run DEL "$stale" ctr-s eth0 "$c") || fail "second DEL failed: $(oneline "$out")"
	out=$(cni_run DEL "$stale" ctr-s lo '{"cniVersion":"1.0.0","name":"lo","type":"loopback"}') ||
		fail "loopback DEL with a stale netns file failed: $(oneline "$out")"
}

# A path that is a namespace, but not a network one, stays an error; the
# address is released all the same (IPAM DEL runs whatever failed before).
del_error_still_releases() {
	local c out
	pontoon_only "DEL order: IPAM DEL runs even after an earlier failure"
	use_host delerr
	ns_new delerr-a
	c=$(conf 33 net-delerr)
	cni_add delerr-a ctr-d eth0 "$c"
	out=$(cni_run DEL /proc/self/ns/uts ctr-d eth0 "$c") &&
		fail "DEL with a UTS namespace as CNI_NETNS succeeded: $(oneline "$out")"
	jq -e '.code and .msg' >/dev/null 2>&1 <<<"$out" || fail "DEL printed no CNI error: $(oneline "$out")"
	assert_contains "$out" "not a network namespace" "DEL's error"
	assert_eq "" "$(ipam_reservations net-delerr | xargs)" "reservations after the failed DEL"
	cni_del delerr-a ctr-d eth0 "$c"
	assert_eq "lo" "$(ns_links delerr-a | xargs)" "links in the container after DEL"
}

# A bridge that lost all its ports has the MAC 00:00:00:00:00:00 (the kernel
# takes the lowest port's, and there is none): ADD must still work.
add_after_ports_removed() {
	local c mac
	use_host zmac
	ns_new zmac-a
	ipn host-zmac link add cni0 type bridge || fail "ip link add cni0"
	ipn host-zmac link add d0 type veth peer name d1 || fail "ip link add d0"
	ipn host-zmac link set d0 master cni0 || fail "ip link set d0 master cni0"
	ipn host-zmac link del d0
	mac=$(ipn host-zmac -j link show dev cni0 | jq -r '.[0].address')
	[ "$mac" = 00:00:00:00:00:00 ] || skip "this kernel keeps the bridge's MAC ($mac) when its last port goes"
	c=$(conf 34 net-zmac)
	cni_add zmac-a ctr-z eth0 "$c"
	mac=$(ipn host-zmac -j link show dev cni0 | jq -r '.[0].address')
	assert_ne 00:00:00:00:00:00 "$mac" "the bridge's MAC after ADD"
	assert_json "$PT_RESULT" '.interfaces[0].mac' "$mac" "the bridge's MAC in the result"
	assert_eq "10.99.34.1/24" "$(link_addrs host-zmac cni0 | grep -v : | xargs)" "the bridge's IPv4 addresses"
	ping_ok zmac-a 10.99.34.1
	cni_del zmac-a ctr-z eth0 "$c"
}

# ADD killed right after the veth pair was made leaves veth<hash> on the host
# and ptmp<hash> in the container; the runtime's retry of ADD must succeed,
# with the same host name and no link left over.
add_retry_after_kill() {
	local c out rc host
	pontoon_only "PONTOON_TEST_KILL_AT hook"
	use_host retry
	ns_new retry-a
	c=$(conf_static 35 net-retry)
	PT_ENV=("PONTOON_TEST_KILL_AT=veth")
	out=$(cni_run ADD retry-a ctr-r eth0 "$c")
	rc=$?
	PT_ENV=()
	[ $rc -eq 137 ] || fail "ADD with PONTOON_TEST_KILL_AT=veth was not killed (exit $rc): $(oneline "$out")"
	host=$(ns_links host-retry | grep '^veth' | xargs)
	[ -n "$host" ] || fail "the killed ADD left no host veth (nothing to test)"
	assert_match '^ptmp' "$(ns_links retry-a | grep -vx lo | xargs)" "the container's link after the kill"
	cni_add retry-a ctr-r eth0 "$c"
	assert_eq "$host" "$(res_host_veth "$PT_RESULT")" "host veth of the retried ADD"
	assert_eq "$(printf '%s\n' cni0 "$host" lo | sort | xargs)" "$(ns_links host-retry | xargs)" "links in the host"
	assert_eq "eth0 lo" "$(ns_links retry-a | xargs)" "links in the container"
	ping_ok retry-a 10.99.35.1
	cni_del retry-a ctr-r eth0 "$c"
	assert_eq "cni0 lo" "$(ns_links host-retry | xargs)" "links in the host after DEL"
	assert_eq "lo" "$(ns_links retry-a | xargs)" "links in the container after DEL"
}

# The host name derived from the container id belongs to another link: ADD
# picks a random name and leaves that link alone.
add_host_name_taken() {
	local c out rc host
	pontoon_only "PONTOON_TEST_KILL_AT hook (to learn the derived name)"
	use_host taken
	ns_new taken-a
	c=$(conf_static 36 net-taken)
	PT_ENV=("PONTOON_TEST_KILL_AT=veth")
	out=$(cni_run ADD taken-a ctr-t eth0 "$c")
	rc=$?
	PT_ENV=()
	[ $rc -eq 137 ] || fail "ADD with PONTOON_TEST_KILL_AT=veth was not killed (exit $rc)"
	host=$(ns_links host-taken | grep '^veth' | xargs)
	[ -n "$host" ] || fail "the killed ADD left no host veth (nothing to test)"
	out=$(cni_run DEL taken-a ctr-t eth0 "$c") || fail "DEL after the kill failed: $(oneline "$out")"
	ipn host-taken link add "$host" type bridge || fail "ip link add $host type bridge"
	cni_add taken-a ctr-t eth0 "$c"
	assert_ne "$host" "$(res_host_veth "$PT_RESULT")" "host veth of the ADD"
	assert_match '^veth' "$(res_host_veth "$PT_RESULT")" "host veth of the ADD"
	assert_eq bridge "$(link_json host-taken "$host" | jq -r .linkinfo.info_kind)" "the other link"
	cni_del taken-a ctr-t eth0 "$c"
	assert_eq "$host" "$(ns_links host-taken | grep '^veth' | xargs)" "veths in the host after DEL"
}

# L2-only with cniVersion 0.2.0: refused before any change.
l2_old_version() {
	local c
	pontoon_only "the reference makes the links, then fails to print the result"
	use_host l2
	ns_new l2-a
	for v in 0.1.0 0.2.0; do
		c=$(jq -c -n --arg v "$v" '{cniVersion: $v, name: "net-l2", type: "bridge", bridge: "br-l2"}')
		cni_expect_error 7 ADD l2-a ctr-l eth0 "$c"
		assert_contains "$(jq -r .msg <<<"$PT_ERROR")" "$v" "the error names the version"
		assert_eq "lo" "$(ns_links host-l2 | xargs)" "links in the host after the refused ADD ($v)"
		assert_eq "lo" "$(ns_links l2-a | xargs)" "links in the container after the refused ADD ($v)"
	done
	# 0.3.0 can say what an L2-only ADD made
	c=$(jq -c -n '{cniVersion: "0.3.0", name: "net-l2", type: "bridge", bridge: "br-l2"}')
	cni_add l2-a ctr-l eth0 "$c"
	assert_json "$PT_RESULT" '.interfaces | length' 3 "interfaces of the 0.3.0 result"
	cni_del l2-a ctr-l eth0 "$c"
}

run_case recovery-masq-del-spares-neighbour masq_neighbour
run_case recovery-del-stale-netns-file del_stale_netns
run_case recovery-del-error-still-releases del_error_still_releases
run_case recovery-add-bridge-without-ports add_after_ports_removed
run_case recovery-add-retry-after-kill-at-veth add_retry_after_kill
run_case recovery-add-host-name-taken add_host_name_taken
run_case recovery-l2-only-old-version-refused l2_old_version
