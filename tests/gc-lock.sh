# Sourced by tests/integration/lib.sh and tests/torture/common.sh.
#
# gc_lock_held FILE: whether a live process holds a byte of the plugins' GC
# lock FILE (<root>/run/pontoon/gc.lock, src/lib/cni/gclock.c). They are
# open file description locks, which /proc/locks lists as OFDLCK with the
# file's device and inode.
gc_lock_held() {
	local maj min ino
	read -r maj min ino < <(stat -c '%Hd %Ld %i' "$1" 2>/dev/null) && [ -n "$ino" ] || return 1
	# /proc/locks names the file as the kernel prints it: "%02x:%02x:%lu".
	awk -v k="$(printf '%02x:%02x:%s' "$maj" "$min" "$ino")" \
		'$2 == "OFDLCK" && $6 == k { found = 1 } END { exit !found }' /proc/locks
}
