#!/usr/bin/env bash
# make demo: see timerx work on a machine that cannot load modules. Builds
# the module for Debian's stock kernel, libtimerx's engine_10k example and
# timerctl, boots that kernel under QEMU with them in an initramfs, and
# streams what the guest shows (tools/demo/demo-init.sh) to the terminal.
#
# Environment: BUILD (default <repo>/build), TIMERX_CACHE, DEMO_KERNEL
# (stock, rt or debug; default stock), DEMO_TIMERS (10000), DEMO_PERIOD_MS
# (100), DEMO_SECONDS (10), TIMERX_QEMU_ACCEL (tcg).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
qemu_dir=$root/selftests/qemu
# shellcheck source=../../selftests/qemu/kernels.sh
. "$qemu_dir/kernels.sh"
# shellcheck source=../../selftests/qemu/initramfs.sh
. "$qemu_dir/initramfs.sh"

BUILD=${BUILD:-$root/build}
kernel=${DEMO_KERNEL:-stock}
out=$BUILD/demo
mkdir -p "$out"

step() { printf '\n==> %s\n' "$*"; }
fail() {
	printf 'demo: %s\n' "$*" >&2
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -n 30 "$2" >&2
	exit 1
}

step "resolving the $kernel kernel"
resolve_kernel "$kernel"
echo "$KERNEL_RELEASE: $KERNEL_IMAGE"

step "building timerx.ko for $KERNEL_RELEASE"
rm -rf "$out/src"
mkdir -p "$out/src"
cp -r "$root/kmod" "$root/include" "$out/src/"
make -C "$KERNEL_KDIR" M="$out/src/kmod" modules >"$out/module-build.log" 2>&1 ||
	fail "module build failed (log: $out/module-build.log)" "$out/module-build.log"

step "building engine_10k and timerctl"
rm -rf "$out/guest"
mkdir -p "$out/guest"
make -C "$root/lib" build BUILD="$out/lib" CMAKE_FLAGS="-DTIMERX_BUILD_TESTS=OFF" \
	>"$out/lib-build.log" 2>&1 || fail "libtimerx build failed" "$out/lib-build.log"
cp "$out/lib/engine_10k" "$out/guest/"
make -C "$root/tools/timerctl" build BUILD="$out/timerctl" >"$out/timerctl-build.log" 2>&1 ||
	fail "timerctl build failed" "$out/timerctl-build.log"
cp "$out/timerctl/timerctl" "$out/guest/"

step "packing the initramfs"
initrd=$out/initramfs.cpio.gz
make_initramfs "$initrd" "$out/src/kmod/timerx.ko" /nonexistent
# The demo's own init and programs replace the test layout.
root_dir=$initrd.d
install -m 0755 "$here/demo-init.sh" "$root_dir/init"
mkdir -p "$root_dir/demo"
cp "$out/guest/"* "$root_dir/demo/"
for f in "$root_dir"/demo/*; do copy_libs "$f" "$root_dir"; done
(cd "$root_dir" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$initrd"

step "booting $KERNEL_RELEASE under QEMU (${TIMERX_QEMU_ACCEL:-tcg}, 2 CPUs)"
: >"$out/demo.out"
accel=${TIMERX_QEMU_ACCEL:-tcg} cpu=max,la57=off
[ "$accel" = kvm ] && cpu=host
timeout -k 10 300 qemu-system-x86_64 \
	-accel "$accel" -cpu "$cpu" -m 1024 -smp 2 \
	-nographic -no-reboot -monitor none \
	-serial "file:$out/console.log" -serial "file:$out/demo.out" \
	-kernel "$KERNEL_IMAGE" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet demo_timers=${DEMO_TIMERS:-10000} demo_period_ms=${DEMO_PERIOD_MS:-100} demo_seconds=${DEMO_SECONDS:-10}" \
	</dev/null >"$out/qemu.log" 2>&1 &
qemu=$!
# Stream the guest's output as it comes; raw serial output has \r\n.
tail -n +1 --pid="$qemu" -f "$out/demo.out" | tr -d '\r' | grep -v '^### timerx-demo'
rc=0
wait "$qemu" || rc=$?

if grep -q '^### timerx-demo ok' <(tr -d '\r' <"$out/demo.out"); then
	printf '\ndemo: done (kernel console: %s)\n' "$out/console.log"
	exit 0
fi
[ "$rc" = 124 ] && fail "the VM timed out (console: $out/console.log)"
fail "the demo did not finish cleanly (console: $out/console.log)" "$out/console.log"
