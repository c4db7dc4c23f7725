#!/usr/bin/env bash
# Pack the test VM's initramfs: busybox-static, guest-init.sh as /init, the
# module as /timerx.ko and the selftest output directory (binaries + TESTS)
# as /tests. Binaries are meant to be static; shared libraries of any that
# are not are copied too, so a missing -static costs time, not a failure.
#
#   initramfs.sh OUTPUT.cpio.gz MODULE.ko TESTS_DIR [KCOV_MODULE.ko [TESTS]]
#
# The fuzzer's build of the module, when there is one, goes in as
# /timerx-kcov.ko; TESTS, when given, replaces TESTS_DIR/TESTS.
set -euo pipefail

initramfs_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Copy the shared libraries (and loader) that ELF file $1 needs into root $2.
copy_libs() {
	local bin=$1 root=$2 lib
	# ldd prints no paths for static binaries and scripts.
	while read -r lib; do
		[ -e "$lib" ] && cp -L --parents "$lib" "$root/"
	done < <(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' || true)
}

find_busybox() {
	local bb
	bb=$(dpkg -L busybox-static 2>/dev/null | grep -m1 '/bin/busybox$' || true)
	[ -n "$bb" ] || bb=$(command -v busybox || true)
	[ -x "$bb" ] || { echo "initramfs: busybox-static is not installed" >&2; return 1; }
	echo "$bb"
}

make_initramfs() {
	local out=$1 ko=$2 tests=$3 kcov_ko=${4:-} list=${5:-}
	# The staging tree stays next to the archive, to look at when a
	# guest misbehaves; it is rebuilt from scratch every time.
	local root=$out.d bb f
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,tests,etc}
	bb=$(find_busybox)
	cp "$bb" "$root/bin/busybox"
	copy_libs "$bb" "$root"
	install -m 0755 "$initramfs_here/guest-init.sh" "$root/init"
	cp "$ko" "$root/timerx.ko"
	[ -z "$kcov_ko" ] || [ ! -f "$kcov_ko" ] || cp "$kcov_ko" "$root/timerx-kcov.ko"
	if [ -d "$tests" ]; then
		cp -a "$tests/." "$root/tests/"
		[ -z "$list" ] || cp "$list" "$root/tests/TESTS"
		for f in "$root"/tests/*; do
			[ -f "$f" ] && [ -x "$f" ] && copy_libs "$f" "$root"
		done
	fi
	# Some kernels (no built-in default initramfs) need a console node
	# before /init runs; root can make one, others rely on the kernel's.
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	[ "$#" -ge 3 ] && [ "$#" -le 5 ] ||
		{ echo "usage: $0 OUTPUT.cpio.gz MODULE.ko TESTS_DIR [KCOV_MODULE.ko [TESTS]]" >&2; exit 2; }
	make_initramfs "$@"
fi
