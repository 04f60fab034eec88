#!/bin/sh
# Install the Debian packages mapcount needs to build and test, when missing.
# As root: apt-get installs them. Otherwise: print the apt line and fail.
set -e
PKGS="pkg-config libtraceevent-dev libtracefs-dev libzstd-dev libsqlite3-dev perl zstd sqlite3"
# Optional extras: clang + libFuzzer runtime for `make fuzz`, the lab's qemu and kernels.
OPT_PKGS="${MAPCOUNT_OPTIONAL_PKGS:-clang libclang-rt-14-dev}"

# The kernel lab (tests/lab): qemu, busybox and two Debian kernels, unpacked
# into /var/cache/mapcount-lab. Skipped with MAPCOUNT_NO_LAB=1 or when not root.
lab_setup() {
	[ -n "${MAPCOUNT_NO_LAB:-}" ] && return 0
	[ "$(id -u)" = 0 ] || return 0
	bash "$(dirname "$0")/../tests/lab/lab.sh" --check >/dev/null 2>&1 && return 0
	echo "mapcount: setting up the kernel lab (qemu, busybox, Debian 6.1 and 6.12 kernels)" >&2
	bash "$(dirname "$0")/../tests/lab/lab.sh" --setup ||
		echo "mapcount: kernel lab setup failed; lab tests will skip" >&2
}

missing=""
for p in $PKGS $OPT_PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	lab_setup
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "mapcount: missing packages:$missing" >&2
	echo "mapcount: run as root: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "mapcount: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq $missing >/dev/null
lab_setup
