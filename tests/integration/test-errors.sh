#!/usr/bin/env bash
# Errors a runtime can cause: each must exit non-zero with a CNI error JSON
# ({"code", "msg"}) on stdout, with the well-known code where the spec
# defines one, and leave no address reserved. Plus VERSION.
#
#   pt-<pid>-host (plugins run here)
#     [e-<case>]  one container namespace per case, pt-<pid>-e-<case>
. "$(dirname "$0")/lib.sh"

CONF=$(bridge_conf)
ENV_OK=(CNI_PATH="$CNI_PATH" CNI_CONTAINERID=ctr-e CNI_IFNAME=eth0)

# expect_code CODE CASE-NS CONF VAR=value...: the call must fail with CODE
# ("any": any code) and reserve nothing.
expect_code() {
	local want=$1 n=$2 conf=$3 out rc
	shift 3
	ns_exists "$n" || ns_new "$n"
	out=$(cni_run_env "$conf" "$@")
	rc=$?
	[ $rc -ne 0 ] || fail "succeeded but must fail (code $want): $(oneline "$out")"
	jq -e '(.code | type) == "number" and (.msg | type) == "string"' >/dev/null 2>&1 <<<"$out" ||
		fail "exit $rc without a CNI error JSON on stdout: $(oneline "$out")"
	[ "$want" = any ] || assert_json "$out" .code "$want" "error code ($(jq -r .msg <<<"$out"))"
	assert_eq "" "$(ipam_reservations | xargs)" "reservations after the error"
	echo "    -> $(oneline "$out")"
}

netns() { echo "CNI_NETNS=$(pt_netns_path "$1")"; }

unsupported_version() {
	expect_code 1 e-ver "$(jq -c '.cniVersion = "9.9.9"' <<<"$CONF")" CNI_COMMAND=ADD "${ENV_OK[@]}" "$(netns e-ver)"
}
missing_ifname() {
	expect_code 4 e-if "$CONF" CNI_COMMAND=ADD CNI_PATH="$CNI_PATH" CNI_CONTAINERID=ctr-e "$(netns e-if)"
}
missing_netns() {
	expect_code 4 e-nons "$CONF" CNI_COMMAND=ADD "${ENV_OK[@]}"
}
missing_container_id() {
	expect_code 4 e-cid "$CONF" CNI_COMMAND=ADD CNI_PATH="$CNI_PATH" CNI_IFNAME=eth0 "$(netns e-cid)"
}
missing_path() {
	expect_code 4 e-path "$CONF" CNI_COMMAND=ADD CNI_CONTAINERID=ctr-e CNI_IFNAME=eth0 "$(netns e-path)"
}
unknown_command() {
	expect_code 4 e-cmd "$CONF" CNI_COMMAND=FROB "${ENV_OK[@]}" "$(netns e-cmd)"
}
# A container id must never name a path outside the dataDir.
bad_container_id() {
	expect_code 4 e-badcid "$CONF" CNI_COMMAND=ADD CNI_PATH="$CNI_PATH" CNI_CONTAINERID=../../etc CNI_IFNAME=eth0 "$(netns e-badcid)"
	[ -e "$PT_TMP/etc" ] && fail "a file escaped the dataDir"
	return 0
}
bad_ifname() {
	expect_code 4 e-badif "$CONF" CNI_COMMAND=ADD CNI_PATH="$CNI_PATH" CNI_CONTAINERID=ctr-e CNI_IFNAME=a/b "$(netns e-badif)"
	expect_code 4 e-badif "$CONF" CNI_COMMAND=ADD CNI_PATH="$CNI_PATH" CNI_CONTAINERID=ctr-e CNI_IFNAME=abcdefghijklmnop "$(netns e-badif)"
}
bad_json() {
	expect_code 6 e-json '{"cniVersion": "1.0.0", "name": ' CNI_COMMAND=ADD "${ENV_OK[@]}" "$(netns e-json)"
	expect_code 6 e-json '{"cniVersion": "1.0.0", "name": ' CNI_COMMAND=DEL "${ENV_OK[@]}" "$(netns e-json)"
}
missing_name() {
	expect_code 7 e-name "$(jq -c 'del(.name)' <<<"$CONF")" CNI_COMMAND=ADD "${ENV_OK[@]}" "$(netns e-name)"
}
# The network name becomes a directory under dataDir: no "/" allowed.
bad_name() {
	expect_code 7 e-badname "$(jq -c '.name = "../x"' <<<"$CONF")" CNI_COMMAND=ADD "${ENV_OK[@]}" "$(netns e-badname)"
	[ -e "$PT_TMP/x" ] && fail "a directory escaped the dataDir"
	return 0
}
netns_missing() {
	expect_code any e-nsgone "$CONF" CNI_COMMAND=ADD "${ENV_OK[@]}" "CNI_NETNS=/run/netns/$(ns does-not-exist)"
}
unknown_ipam() {
	expect_code any e-ipam "$(jq -c '.ipam.type = "no-such-ipam"' <<<"$CONF")" CNI_COMMAND=ADD "${ENV_OK[@]}" "$(netns e-ipam)"
	# (DEL cannot find the IPAM plugin either: its result does not matter here.)
	cni_run DEL e-ipam ctr-e eth0 "$(jq -c '.ipam.type = "no-such-ipam"' <<<"$CONF")" >/dev/null || true
}
bad_mtu_type() {
	expect_code any e-mtu "$(jq -c '.mtu = "big"' <<<"$CONF")" CNI_COMMAND=ADD "${ENV_OK[@]}" "$(netns e-mtu)"
}
bad_subnet() {
	expect_code any e-subnet "$(jq -c '.ipam.ranges[0][0].subnet = "10.99.0.0/33"' <<<"$CONF")" CNI_COMMAND=ADD "${ENV_OK[@]}" "$(netns e-subnet)"
	cni_run DEL e-subnet ctr-e eth0 "$CONF" >/dev/null
}

version() {
	local out v
	out=$(cni_run_env "$CONF" CNI_COMMAND=VERSION) || fail "VERSION failed: $out"
	jq -e '.cniVersion | type == "string"' >/dev/null 2>&1 <<<"$out" || fail "VERSION without cniVersion: $out"
	for v in 0.3.0 0.3.1 0.4.0 1.0.0; do
		assert_json "$out" "[.supportedVersions[] | select(. == \"$v\")] | length" 1 "$v in supportedVersions"
	done
	# VERSION needs no config at all
	out=$(cni_run_env "" CNI_COMMAND=VERSION) || fail "VERSION with empty stdin failed: $out"
	jq -e '.supportedVersions | length > 0' >/dev/null 2>&1 <<<"$out" || fail "VERSION with empty stdin: $out"
}

pt_host_new
run_case error-unsupported-cniversion unsupported_version
run_case error-missing-cni-ifname missing_ifname
run_case error-missing-cni-netns missing_netns
run_case error-missing-cni-containerid missing_container_id
run_case error-missing-cni-path missing_path
run_case error-unknown-cni-command unknown_command
run_case error-bad-container-id bad_container_id
run_case error-bad-ifname bad_ifname
run_case error-bad-json bad_json
run_case error-missing-network-name missing_name
run_case error-bad-network-name bad_name
run_case error-netns-missing netns_missing
run_case error-unknown-ipam unknown_ipam
run_case error-bad-mtu-type bad_mtu_type
run_case error-bad-subnet bad_subnet
run_case version version
