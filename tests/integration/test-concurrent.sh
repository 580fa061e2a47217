#!/usr/bin/env bash
# 50 ADDs launched at once on one network (the bridge does not exist yet):
# all succeed, with 50 distinct addresses, 50 reservation files and 50 ports
# on one bridge; then 50 DELs at once leave nothing behind.
#
#   pt-<pid>-host
#   +----------------------------------------------------------+
#   |              cni0 10.99.0.1/22 (made by whichever ADD     |
#   |              gets there first)                            |
#   |   | veth | veth | veth  ...  50 ports                     |
#   +---|------|------|-----------------------------------------+
#       | eth0 | eth0 | eth0
#     [k1]   [k2]   [k3]  ...  [k50]      pt-<pid>-kN
. "$(dirname "$0")/lib.sh"

N=50
CONF=$(PT_SUBNET4=10.99.0.0/22 bridge_conf)

# One ADD in the background; its output and exit code go to files.
add_one() {
	cni_run ADD "k$1" "ctr-$1" eth0 "$CONF" >"$PT_TMP/out.$1" 2>/dev/null
	echo $? >"$PT_TMP/rc.$1"
}
del_one() {
	cni_run DEL "k$1" "ctr-$1" eth0 "$(conf_prev "$CONF" "$(cat "$PT_TMP/out.$1")")" >"$PT_TMP/dout.$1" 2>/dev/null
	echo $? >"$PT_TMP/drc.$1"
}

parallel_add() {
	local i pids=() rc addrs bad=
	for i in $(seq 1 $N); do ns_new "k$i"; done
	for i in $(seq 1 $N); do
		add_one "$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 $N); do
		rc=$(cat "$PT_TMP/rc.$i")
		[ "$rc" = 0 ] || bad="$bad ctr-$i:rc=$rc:$(oneline "$(cat "$PT_TMP/out.$i")")"
	done
	[ -z "$bad" ] || fail "ADDs failed:$bad"
	addrs=$(for i in $(seq 1 $N); do res_ip "$(cat "$PT_TMP/out.$i")" 4; done | sort)
	assert_eq $N "$(sort -u <<<"$addrs" | grep -c .)" "distinct addresses"
	assert_eq $N "$(ipam_reservations | wc -l)" "reservation files"
	assert_eq "$addrs" "$(ipam_reservations | sort)" "reserved addresses"
	assert_eq $N "$(ipn host -j link show master cni0 | jq length)" "ports on cni0"
	assert_eq 1 "$(ipn host -j link show type bridge | jq length)" "bridges in host"
	for i in $(seq 1 $N); do
		assert_eq "$(res_ip "$(cat "$PT_TMP/out.$i")" 4)/22" "$(link_addrs "k$i" eth0 | grep -v :)" "address in k$i"
	done
	ping_ok k1 "$(res_ip "$(cat "$PT_TMP/out.$N")" 4)"
}

parallel_del() {
	local i pids=() bad=
	for i in $(seq 1 $N); do
		del_one "$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 $N); do
		[ "$(cat "$PT_TMP/drc.$i")" = 0 ] || bad="$bad ctr-$i:$(oneline "$(cat "$PT_TMP/dout.$i")")"
	done
	[ -z "$bad" ] || fail "DELs failed:$bad"
	assert_eq "" "$(ipam_reservations | xargs)" "reservations left"
	assert_eq 0 "$(ipn host -j link show master cni0 | jq length)" "ports on cni0"
}

pt_host_new
run_case parallel-50-add parallel_add
run_case parallel-50-del parallel_del
