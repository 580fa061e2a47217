# Sourced by tests/integration/lib.sh and tests/torture/common.sh.
#
# gc_lock_held FILE: whether a live process holds a byte of the plugins' GC
# lock FILE (<root>/run/pontoon/gc.lock, src/lib/cni/gclock.c). They are
# open file description locks, which /proc/locks lists as OFDLCK with the
# file's device and inode.
gc_lock_held() {
	local ino
	ino=$(stat -c %i "$1" 2>/dev/null) || return 1
	awk -v i="$ino" '$2 == "OFDLCK" { split($6, f, ":"); if (f[3] == i) found = 1 } END { exit !found }' /proc/locks
}
