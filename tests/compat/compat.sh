#!/usr/bin/env bash
# Compatibility: for each sample config in tests/compat/samples/, run Debian's
# reference plugins (/usr/lib/cni) and pontoon (CNI_PATH, see lib.sh) on the
# same input, each in a host namespace of its own, and compare
#   - what each command returns: ADD's result JSON (flattened, one line per
#     field), the exit codes of ADD, CHECK, DEL, DEL again;
#   - the kernel state each leaves after the ADDs and after the DELs: links
#     with flags, mtu, master, kind and bridge/port settings (ip -d -j link),
#     addresses, routes of every table, the sysctls of the namespaces (ip
#     forwarding, every net.ipv4/ipv6.conf.* value);
#   - the host-local dataDir: file names and contents.
# What is random is normalised: host veth names become VETH_A/VETH_B (their
# format, veth + 8 hex digits, is checked on its own line), MACs become
# MAC1, MAC2... in order of appearance (so "the bridge has the veth's MAC"
# still shows), IPv6 link-local addresses fe80::LL, sandboxes NETNS_A/B.
# The host namespaces run without IPv6 DAD, and each snapshot waits until
# operstates agree with carriers, so timing does not show as a difference.
# Every difference is printed; one not listed in tests/compat/deliberate.txt
# fails the sample. One case per sample.
#
#   per sample and side (ref, pon):
#   pt-<pid>-<side><n>-h                   host namespace (side r or p, n the sample)
#   +-----------------------------------+
#   |  bridge   | veth A   | veth B     |
#   +-----------|----------|------------+
#               | eth0     | eth0
#        pt-<pid>-<side><n>-a  pt-<pid>-<side><n>-b   containers
. "$(dirname "$0")/../integration/lib.sh"

COMPAT_DIR=$(cd "$(dirname "$0")" && pwd)
PON_PATH=$CNI_PATH
REF_PATH=/usr/lib/cni
DELIBERATE="$COMPAT_DIR/deliberate.txt"

# ---------------------------------------------------------------- snapshot

# Links of namespace NS as flattened lines "PREFIX.link.NAME.field = value".
snap_links() {
	ipn "$1" -d -j link show | jq -r --arg p "$2" '
		map({key: .ifname, value: (
			del(.ifindex, .link_index, .link_netnsid, .ifname)
			| .flags |= join(",")
			| walk(if type == "object" then with_entries(select(.key
				| test("timer$|^bridge_id$|^root_id$|^designated_root$") | not)) else . end)
		)}) | from_entries
		| paths(scalars) as $q
		| "\($p).link.\($q | map(tostring) | join(".")) = \(getpath($q) | tojson)"'
}

# Addresses: "PREFIX.addr[DEV ADDR/LEN] = family scope flags lifetime".
# DAD's "tentative" depends on timing and is left out.
snap_addrs() {
	ipn "$1" -j addr show | jq -r --arg p "$2" '
		.[] | .ifname as $d | .addr_info[]
		| "\($p).addr[\($d) \(.local)/\(.prefixlen)] = \(.family) scope=\(.scope)"
		  + " brd=\(.broadcast // "-")"
		  + " flags=\([to_entries[] | select(.value == true and .key != "tentative") | .key] | sort | join(","))"
		  + " valid=\(if .valid_life_time == 4294967295 then "forever" else "finite" end)"
		  + " preferred=\(if .preferred_life_time == 4294967295 then "forever" else "finite" end)"'
}

# Routes of every table, both families: "PREFIX.route[...] = present".
snap_routes() {
	local f
	for f in -4 -6; do
		ipn "$1" "$f" -j route show table all | jq -r --arg p "$2" '
			.[] | del(.expires) | "\($p).route[\(to_entries | map("\(.key)=\(.value | tostring)") | join(" "))] = present"'
	done
}

snap_sysctls() {
	nsx "$1" sysctl -a 2>/dev/null |
		grep -E '^net\.(ipv4\.(ip_forward|conf\.)|ipv6\.conf\.|bridge\.)' |
		sed "s/^/$2.sysctl./"
}

snap_datadir() {
	local d=$1 f
	[ -d "$d" ] || return 0
	for f in "$d"/*/*; do
		[ -f "$f" ] || continue
		printf '%s.file[%s] = %s\n' "$2" "${f#"$d"/}" "$(od -An -c "$f" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"
	done
}

# snapshot SIDE WHEN: the kernel and disk state of one side.
snapshot() {
	local s=$1 w=$2 n
	for n in h a b; do
		ns_exists "$s-$n" || continue
		snap_links "$s-$n" "$w.$n"
		snap_addrs "$s-$n" "$w.$n"
		snap_routes "$s-$n" "$w.$n"
		snap_sysctls "$s-$n" "$w.$n"
	done | sort
	snap_datadir "$PT_TMP/ipam-$s" "$w" | sort
}

# ---------------------------------------------------------------- one side

flatten() { # PREFIX: JSON on stdin -> "PREFIX.path = value"
	jq -r --arg p "$1" 'paths(scalars) as $q | "\($p).\($q | map(tostring) | join(".")) = \(getpath($q) | tojson)"'
}

# settled SIDE: no tentative IPv6 address, and every link's operstate agrees
# with its carrier (the kernel updates operstate, IFF_RUNNING and the
# routes' "linkdown" up to a second after the carrier changes).
settled() {
	local n
	for n in h a b; do
		ns_exists "$1-$n" || continue
		[ -z "$(ipn "$1-$n" -6 addr show tentative)" ] || return 1
		nsx "$1-$n" sh -c '
			cd /sys/class/net || exit 1
			for d in *; do
				c=$(cat "$d/carrier" 2>/dev/null) || continue   # admin down
				o=$(cat "$d/operstate")
				case "$c:$o" in 1:up | 1:unknown | 0:down | 0:lowerlayerdown) ;; *) exit 1 ;; esac
			done' || return 1
	done
}

# run_side SIDE CONF IFNAME NCONT: runs the commands, prints the raw document.
run_side() {
	local s=$1 conf=$2 ifn=$3 ncont=$4 x out rc prev
	PT_HOST=$(ns "$s-h")
	ns_new "$s-h"
	# No DAD in the host namespace (the same for both sides): the bridge's
	# link-local address is there at once, not a second later or never.
	nsx "$s-h" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
	conf=$(jq -c --arg d "$PT_TMP/ipam-$s" 'if .ipam.type == "host-local" then .ipam.dataDir = $d else . end' <<<"$conf")
	local cs=(a b)
	cs=("${cs[@]:0:$ncont}")
	for x in "${cs[@]}"; do
		ns_new "$s-$x"
		out=$(cni_run ADD "$s-$x" "ctr-$x" "$ifn" "$conf")
		rc=$?
		echo "add.$x.exit = $rc"
		if [ $rc -eq 0 ]; then
			jq . <<<"$out" >/dev/null 2>&1 || echo "add.$x.stdout = $(oneline "$out")"
			printf '%s' "$out" >"$PT_TMP/res-$s-$x"
			jq . <<<"$out" 2>/dev/null | flatten "result.$x"
		else
			jq '{code}' <<<"$out" 2>/dev/null | flatten "add.$x.error"
			: >"$PT_TMP/res-$s-$x"
		fi
	done
	wait_until 3 settled "$s"
	snapshot "$s" added
	for x in "${cs[@]}"; do
		prev=$(cat "$PT_TMP/res-$s-$x")
		out=$(cni_run CHECK "$s-$x" "ctr-$x" "$ifn" "$(conf_prev "$conf" "${prev:-null}")")
		echo "check.$x.exit = $?"
	done
	for x in "${cs[@]}"; do
		prev=$(cat "$PT_TMP/res-$s-$x")
		out=$(cni_run DEL "$s-$x" "ctr-$x" "$ifn" "$(conf_prev "$conf" "${prev:-null}")")
		echo "del.$x.exit = $?"
		out=$(cni_run DEL "$s-$x" "ctr-$x" "$ifn" "$conf")
		echo "del-again.$x.exit = $?"
	done
	wait_until 3 settled "$s"
	snapshot "$s" deleted
}

# normalise SIDE: the raw document on stdin -> the comparable one.
normalise() {
	local s=$1 x veth res sed_args=() fmt
	for x in a b; do
		sed_args+=(-e "s#/run/netns/$(ns "$s-$x")#NETNS_${x^^}#g")
		res=$(cat "$PT_TMP/res-$s-$x" 2>/dev/null)
		[ -n "$res" ] || continue
		veth=$(res_host_veth "$res" "$(jq -r '.bridge // "cni0"' <<<"$SAMPLE_CONF")")
		[ -n "$veth" ] || continue
		sed_args+=(-e "s#\\b$veth\\b#VETH_${x^^}#g")
		fmt=bad
		[[ $veth =~ ^veth[0-9a-f]{8}$ ]] && fmt="veth+8 hex digits"
		echo "format.veth.$x = $fmt" >>"$PT_TMP/fmt-$s"
	done
	{
		cat "$PT_TMP/fmt-$s" 2>/dev/null
		sed "${sed_args[@]}"
	} | sed -E 's/fe80::[0-9a-f][0-9a-f:]*/fe80::LL/g' |
		awk -v keep="$SAMPLE_MACS" '
		BEGIN { n = split(keep, k, " "); for (i = 1; i <= n; i++) fixed[tolower(k[i])] = 1
			fixed["00:00:00:00:00:00"] = 1; fixed["ff:ff:ff:ff:ff:ff"] = 1; fixed["01:80:c2:00:00:00"] = 1 }
		{
			out = ""; line = $0
			while (match(line, /[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]/)) {
				m = substr(line, RSTART, RLENGTH)
				if (!(m in fixed) && m !~ /^(33:33|01:00:5e)/) {
					if (!(m in tok)) tok[m] = "MAC" (++ntok)
					m = tok[m]
				}
				out = out substr(line, 1, RSTART - 1) m
				line = substr(line, RSTART + RLENGTH)
			}
			print out line
		}'
}

# ---------------------------------------------------------------- compare

# is_deliberate SAMPLE KEY: listed in deliberate.txt ("SAMPLE-GLOB KEY-GLOB -- reason").
is_deliberate() {
	local sg kg rest
	[ -f "$DELIBERATE" ] || return 1
	while read -r sg kg rest; do
		case "$sg" in '' | '#'*) continue ;; esac
		# "[" and "]" in a key glob are literal (keys use them).
		kg=${kg//\[/\\[}
		kg=${kg//\]/\\]}
		# shellcheck disable=SC2053
		[[ $1 == $sg && $2 == $kg ]] && return 0
	done <"$DELIBERATE"
	return 1
}

compare_sample() {
	local f=$1 name ifn ncont ref pon k rv pv n ndiff=0 nknown=0 first=
	name=$(basename "$f" .json)
	SAMPLE_CONF=$(jq -c 'del(._compat)' "$f") || fail "$f is not JSON"
	ifn=$(jq -r '._compat.ifname // "eth0"' "$f")
	ncont=$(jq -r '._compat.containers // 2' "$f")
	SAMPLE_MACS=$(grep -oiE '([0-9a-f]{2}:){5}[0-9a-f]{2}' "$f" | xargs)
	export CNI_ARGS
	CNI_ARGS=$(jq -r '._compat.cni_args // empty' "$f")
	[ -n "$CNI_ARGS" ] || unset CNI_ARGS

	CNI_PATH=$REF_PATH run_side "r$SAMPLE_NO" "$SAMPLE_CONF" "$ifn" "$ncont" >"$PT_TMP/raw-ref"
	CNI_PATH=$PON_PATH run_side "p$SAMPLE_NO" "$SAMPLE_CONF" "$ifn" "$ncont" >"$PT_TMP/raw-pon"
	ref=$(normalise "r$SAMPLE_NO" <"$PT_TMP/raw-ref")
	pon=$(normalise "p$SAMPLE_NO" <"$PT_TMP/raw-pon")
	for n in h a b; do
		ns_exists "r$SAMPLE_NO-$n" && ns_del "r$SAMPLE_NO-$n"
		ns_exists "p$SAMPLE_NO-$n" && ns_del "p$SAMPLE_NO-$n"
	done
	printf '%s\n' "$ref" >"$PT_TMP/$name.ref"
	printf '%s\n' "$pon" >"$PT_TMP/$name.pon"

	# Every key is unique (set-like lines carry their value in the key):
	# join the two documents by key.
	while IFS=$'\t' read -r k rv pv; do
		if is_deliberate "$name" "$k"; then
			echo "    deliberate $k: reference $rv, pontoon $pv" >&2
			nknown=$((nknown + 1))
			continue
		fi
		echo "    DIFF $k: reference $rv, pontoon $pv" >&2
		ndiff=$((ndiff + 1))
		[ -n "$first" ] || first="$k (reference $rv, pontoon $pv)"
	done < <(awk '
		{ i = index($0, " = "); k = i ? substr($0, 1, i - 1) : $0; v = i ? substr($0, i + 3) : "" }
		FNR == NR { r[k] = v; all[k] = 1; next }
		{ p[k] = v; all[k] = 1 }
		END {
			for (k in all) {
				rv = (k in r) ? r[k] : "(absent)"; pv = (k in p) ? p[k] : "(absent)"
				if (rv != pv) print k "\t" rv "\t" pv
			}
		}' "$PT_TMP/$name.ref" "$PT_TMP/$name.pon" | sort)
	echo "    $name: $ndiff differences, $nknown deliberate" >&2
	if [ -n "${PONTOON_COMPAT_KEEP:-}" ]; then
		mkdir -p "$PONTOON_COMPAT_KEEP"
		cp "$PT_TMP/$name.ref" "$PT_TMP/$name.pon" "$PONTOON_COMPAT_KEEP/"
	fi
	[ $ndiff -eq 0 ] || fail "$ndiff differences, first: $first"
}

if pt_reference; then
	run_case compat skip "compares the reference with pontoon: PONTOON_TEST_PLUGINS=reference makes no sense here"
	exit 0
fi
[ -x /usr/lib/cni/bridge ] || {
	run_case compat skip "Debian's containernetworking-plugins are not installed (/usr/lib/cni)"
	exit 0
}
SAMPLE_NO=0
for f in "$COMPAT_DIR"/samples/*.json; do
	SAMPLE_NO=$((SAMPLE_NO + 1))
	run_case "compat-$(basename "$f" .json)" compare_sample "$f"
done
