#!/usr/bin/env bash
# pontoon's tables next to a Docker-like iptables-nft ruleset in the same
# host namespace: neither changes the other's rules or behaviour.
#
#   out (192.0.2.2) --uplink-- host: docker0 172.17.0.1/16 -- d1 (172.17.0.2, "a Docker container")
#                                    cni0 10.99.0.1/24      -- c1 (pontoon: ipMasq + portmap 8080->80)
#
# What pontoon does about iptables' FORWARD policy DROP (Docker sets it):
# nothing. pontoon never writes into other software's chains, and an accept
# in pontoon's own table cannot override a drop in another table (every base
# chain on a hook must accept). So with Docker's ruleset, forwarded traffic
# of pontoon's containers is dropped by Docker's FORWARD until the
# administrator allows it where Docker says user rules go, DOCKER-USER
# (docs/nat.md, "Next to Docker"):
#   iptables -I DOCKER-USER -i cni0 -j ACCEPT
#   iptables -I DOCKER-USER -o cni0 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT
# This test checks exactly that: Docker's container works before and after
# pontoon's ADD/DEL, its iptables rules are untouched by pontoon, pontoon's
# traffic is dropped by FORWARD DROP, and with the two DOCKER-USER rules it
# passes, masqueraded by pontoon (once: Docker's MASQUERADE is for
# 172.17.0.0/16 only) and DNATed by pontoon's portmap.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/portmap-lib.sh"

pm_plugin_dir
pm_topology
M='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]'
ipt() { nsx host iptables-nft "$@"; }
ipt_state() { nsx host iptables-nft-save | grep -v '^#' | sed 's/\[[0-9:]*\]//'; }

docker_like() {
	ipt -N DOCKER
	ipt -N DOCKER-USER
	ipt -N DOCKER-ISOLATION-STAGE-1
	ipt -N DOCKER-ISOLATION-STAGE-2
	ipt -P FORWARD DROP
	ipt -A FORWARD -j DOCKER-USER
	ipt -A FORWARD -j DOCKER-ISOLATION-STAGE-1
	ipt -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	ipt -A FORWARD -o docker0 -j DOCKER
	ipt -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
	ipt -A FORWARD -i docker0 -o docker0 -j ACCEPT
	ipt -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
	ipt -A DOCKER-ISOLATION-STAGE-1 -j RETURN
	ipt -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
	ipt -A DOCKER-ISOLATION-STAGE-2 -j RETURN
	ipt -A DOCKER-USER -j RETURN
	ipt -t nat -N DOCKER
	ipt -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
	ipt -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	ipt -t nat -A DOCKER -i docker0 -j RETURN
	ipn host link add docker0 type bridge
	ipn host addr add 172.17.0.1/16 dev docker0
	ipn host link set docker0 up
	ns_new d1
	ipn host link add vethd1 type veth peer name eth0 netns "$(ns d1)"
	ipn host link set vethd1 master docker0 up
	ipn d1 addr add 172.17.0.2/16 dev eth0
	ipn d1 link set eth0 up
	ipn d1 route add default via 172.17.0.1
}

baseline() {
	docker_like
	pm_serve out out 7000
	pm_expect tcp d1 $PT_OUT4 7000 "^out $PT_UP4 *$"
	ipt_state >"$PT_TMP/ipt.before"
}

setup_pontoon() {
	ns_new c1
	cni_add c1 ctr-1 eth0 "$(pm_bridge_conf '.ipMasq = true')"
	cni_add c1 ctr-1 eth0 "$(conf_prev "$(pm_conf "$M")" "$PT_RESULT")"
	pm_serve c1 c1 80
}

docker_unchanged() {
	ipt_state >"$PT_TMP/ipt.after"
	diff -u "$PT_TMP/ipt.before" "$PT_TMP/ipt.after" >&2 ||
		fail "pontoon's ADD changed iptables' rules"
	pm_expect tcp d1 $PT_OUT4 7000 "^out $PT_UP4 *$"
}

forward_drop_applies() {
	# Docker's FORWARD policy DROP drops pontoon's forwarded traffic: an
	# accept in pontoon's table does not override it (documented).
	pm_expect_none tcp c1 $PT_OUT4 7000
	pm_expect_none tcp out $PT_UP4 8080
}

docker_user_opens() {
	ipt -I DOCKER-USER -i cni0 -j ACCEPT
	ipt -I DOCKER-USER -o cni0 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT
	pm_expect tcp c1 $PT_OUT4 7000 "^out $PT_UP4 *$"
	pm_expect tcp out $PT_UP4 8080 "^c1 $PT_OUT4 *$"
	pm_expect tcp d1 $PT_OUT4 7000 "^out $PT_UP4 *$"
	ipt -D DOCKER-USER -i cni0 -j ACCEPT
	ipt -D DOCKER-USER -o cni0 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT
}

pontoon_unchanged_by_docker() {
	local t
	t=$(nsx host nft list table inet pontoon)
	assert_contains "$t" 'tcp . 8080 comment "ptnet/ctr-1/eth0"' "pontoon's map next to Docker"
	assert_contains "$t" "type nat hook postrouting priority srcnat + 10" "pontoon's postrouting"
}

del_leaves_docker() {
	cni_del c1 ctr-1 eth0 "$(pm_conf "$M")"
	cni_del c1 ctr-1 eth0 "$(pm_bridge_conf '.ipMasq = true')"
	ipt_state >"$PT_TMP/ipt.after"
	diff -u "$PT_TMP/ipt.before" "$PT_TMP/ipt.after" >&2 ||
		fail "pontoon's DEL changed iptables' rules"
	pm_expect tcp d1 $PT_OUT4 7000 "^out $PT_UP4 *$"
	# Removing pontoon's tables removes all of pontoon, and nothing of Docker.
	nsx host nft delete table inet pontoon
	pm_expect tcp d1 $PT_OUT4 7000 "^out $PT_UP4 *$"
}

run_case coexist-docker-baseline baseline
run_case coexist-pontoon-add setup_pontoon
run_case coexist-docker-unchanged docker_unchanged
run_case coexist-forward-drop-applies forward_drop_applies
run_case coexist-docker-user-opens docker_user_opens
run_case coexist-pontoon-unchanged pontoon_unchanged_by_docker
run_case coexist-del-leaves-docker del_leaves_docker
