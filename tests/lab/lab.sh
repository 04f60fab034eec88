#!/bin/bash
# mapcount kernel lab: boot a Debian kernel under qemu (no KVM needed), run a
# script inside the guest with mapcount and the test workloads, and bring its
# results back through a virtio disk holding a tar archive.
#
#   tests/lab/lab.sh --kernel 6.1|6.12 --run GUEST_SCRIPT --out DIR [--timeout S] [--mem MB]
#   tests/lab/lab.sh --setup          install qemu, busybox and the kernel packages
#   tests/lab/lab.sh --check          exit 0 when the lab can run, else print why and exit 1
#
# GUEST_SCRIPT runs as root in the guest (busybox sh) with tracefs mounted at
# /sys/kernel/tracing, /mapcount/mapcount, the workloads in /mapcount/workloads/,
# and RESULTS=/results: whatever it leaves there is copied to DIR on the host,
# together with console.log and the script's exit status in DIR/status.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${MAPCOUNT_LAB_CACHE:-/var/cache/mapcount-lab}
BUILD=${BUILD:-$ROOT/build}
declare -A KPKG=([6.1]=linux-image-6.1.0-50-cloud-amd64
		 [6.12]=linux-image-6.12.107+deb12-cloud-amd64)
PKGS="qemu-system-x86 busybox-static xz-utils cpio"

die() { echo "lab: $*" >&2; exit 1; }

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

kernel_dir() { echo "$CACHE/x/${KPKG[$1]}"; }

setup() {
	[ "$(id -u)" = 0 ] || die "--setup needs root (apt-get)"
	local missing=""
	for p in $PKGS; do have_pkg "$p" || missing="$missing $p"; done
	if [ -n "$missing" ]; then
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
	fi
	mkdir -p "$CACHE"
	for k in "${!KPKG[@]}"; do
		local pkg=${KPKG[$k]} dir
		dir=$(kernel_dir "$k")
		[ -d "$dir/boot" ] && continue
		# apt-get download fetches the .deb without installing it (no boot hooks run)
		(cd "$CACHE" && apt-get download -qq "$pkg" 2>/dev/null) ||
			die "apt-get download $pkg failed"
		mkdir -p "$dir"
		dpkg-deb -x "$CACHE/${pkg}"_*.deb "$dir"
	done
}

check() {
	command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not installed"; return 1; }
	[ -x /bin/busybox ] || { echo "busybox-static not installed"; return 1; }
	for k in "${!KPKG[@]}"; do
		ls "$(kernel_dir "$k")"/boot/vmlinuz-* >/dev/null 2>&1 ||
			{ echo "kernel $k not unpacked in $CACHE (run tests/lab/lab.sh --setup)"; return 1; }
	done
	return 0
}

# Copy a module and its dependencies (by modinfo), decompressed, into $2.
add_module() {
	local moddir=$1 name=$2 dest=$3 f dep
	f=$(find "$moddir" -name "$name.ko" -o -name "$name.ko.xz" | head -1)
	[ -n "$f" ] || return 0
	[ -e "$dest/$name.ko" ] && return 0
	for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
		add_module "$moddir" "$dep" "$dest"
	done
	case $f in
	*.xz) xz -dc "$f" >"$dest/$name.ko" ;;
	*) cp "$f" "$dest/$name.ko" ;;
	esac
	echo "$name" >>"$dest/order"
}

# Copy a dynamically linked binary and its libraries into the initramfs tree.
add_binary() {
	local bin=$1 tree=$2 dest=$3 lib
	install -D -m 0755 "$bin" "$tree$dest"
	for lib in $(ldd "$bin" | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }'); do
		[ -e "$tree$lib" ] || install -D -m 0755 "$lib" "$tree$lib"
	done
}

build_initramfs() {
	local kver=$1 script=$2 out=$3 tree kdir moddir
	tree=$(mktemp -d)
	kdir=$(kernel_dir "$kver")
	moddir=$(echo "$kdir"/lib/modules/*)
	mkdir -p "$tree"/{bin,sbin,proc,sys,dev,tmp,results,mapcount/workloads,modules,etc}
	cp /bin/busybox "$tree/bin/busybox"
	for a in sh mount umount mkdir cat echo ls tar sleep insmod poweroff sync dd \
		 grep sed awk uname cp rm mv head tail wc date env true false kill ps chmod \
		 ln seq xargs sort uniq cut tr tee find stat id test printf; do
		ln -s busybox "$tree/bin/$a"
	done
	: >"$tree/modules/order"
	for m in virtio_pci virtio_blk; do add_module "$moddir" "$m" "$tree/modules"; done
	add_binary "$ROOT/mapcount" "$tree" /mapcount/mapcount
	if [ -d "$BUILD/workloads" ]; then
		for w in "$BUILD"/workloads/*; do
			[ -x "$w" ] && add_binary "$w" "$tree" "/mapcount/workloads/$(basename "$w")"
		done
	fi
	install -m 0755 "$script" "$tree/lab-run.sh"
	install -m 0755 "$HERE/guest-init.sh" "$tree/init"
	(cd "$tree" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$tree"
}

run() {
	local kver=$1 script=$2 out=$3 timeout=$4 mem=$5 kdir vmlinuz work disk rc
	check >/dev/null || die "$(check)"
	[ -x "$ROOT/mapcount" ] || die "$ROOT/mapcount not built (run make)"
	[ -f "$script" ] || die "$script: no such guest script"
	kdir=$(kernel_dir "$kver")
	vmlinuz=$(echo "$kdir"/boot/vmlinuz-*)
	mkdir -p "$out"
	work=$(mktemp -d)
	build_initramfs "$kver" "$script" "$work/initrd.gz"
	disk="$work/results.img"
	truncate -s 512M "$disk"
	local t0=$SECONDS
	rc=0
	timeout "$timeout" qemu-system-x86_64 -m "$mem" -smp 2 -nographic -no-reboot \
		-kernel "$vmlinuz" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 panic=-1 transparent_hugepage=madvise loglevel=4" \
		-drive "file=$disk,format=raw,if=virtio" </dev/null >"$out/console.log" 2>&1 || rc=$?
	echo "$((SECONDS - t0))" >"$out/seconds"
	if [ "$rc" = 124 ]; then
		rm -rf "$work"
		die "guest $kver timed out after ${timeout}s (console: $out/console.log)"
	fi
	tar -xf "$disk" -C "$out" 2>/dev/null || {
		rm -rf "$work"
		die "guest $kver left no results (console: $out/console.log)"
	}
	rm -rf "$work"
	[ -f "$out/status" ] || die "guest $kver did not report a status"
	return "$(cat "$out/status")"
}

kernel="" script="" out="" timeout=600 mem=1024
while [ $# -gt 0 ]; do
	case $1 in
	--setup) setup; exit 0 ;;
	--check) check; exit $? ;;
	--kernel) kernel=$2; shift 2 ;;
	--run) script=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "lab: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
[ -n "$kernel" ] && [ -n "$script" ] && [ -n "$out" ] || { echo "lab: need --kernel, --run and --out" >&2; exit 2; }
[ -n "${KPKG[$kernel]:-}" ] || die "unknown kernel $kernel (6.1 or 6.12)"
run "$kernel" "$script" "$out" "$timeout" "$mem"
