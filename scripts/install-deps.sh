#!/usr/bin/env bash
# Installs every build, test and benchmark dependency from Debian packages.
# Idempotent: does nothing when all are present already.
set -euo pipefail

packages=(
	# build
	gcc clang meson ninja-build pkg-config
	libmnl-dev libnftables-dev libjansson-dev libcmocka-dev
	# the kernel tools the tests use to look at what pontoon did
	iproute2 nftables iputils-ping procps util-linux psmisc
	# tests, compatibility and benchmarks
	containernetworking-plugins jq valgrind libclang-rt-14-dev
	socat netcat-openbsd python3
	podman busybox-static	# tests/integration/test-podman.sh: a CNI runtime Debian packages
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
