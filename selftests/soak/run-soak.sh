#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# make soak: build timerx.ko and soak_test for one kernel, boot it under
# QEMU with only the soak in the initramfs (selftests/qemu/guest-init.sh
# runs it, then kmemleak, rmmod and the dmesg dump as for the selftests)
# and report TAP, closing with "N passed, M failed".
#
#   run-soak.sh [KERNEL]      stock, rt, stock612, rt612 or debug (default)
#
# Environment: SOAK_SECONDS (300), SOAK_SEED, SOAK_WORKERS, SOAK_NOBODY,
# SOAK_CTXS, SOAK_TIMERS, SOAK_MIN_PERIOD_US (passed to the guest on the
# kernel command line, which hands them to init as environment), BUILD,
# TIMERX_CACHE, TIMERX_QEMU_ACCEL, TIMERX_QEMU_MEM. Logs: $BUILD/soak-KERNEL/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
qemu_dir=$root/selftests/qemu
# shellcheck source=../qemu/kernels.sh
. "$qemu_dir/kernels.sh"
# shellcheck source=../qemu/initramfs.sh
. "$qemu_dir/initramfs.sh"
# shellcheck source=../qemu/tap.sh
. "$qemu_dir/tap.sh"
# shellcheck source=../qemu/splat.sh
. "$qemu_dir/splat.sh"
# shellcheck source=../qemu/vm.sh
. "$qemu_dir/vm.sh"

kernel=${1:-debug}
seconds=${SOAK_SECONDS:-300}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "run-soak: SOAK_SECONDS must be a positive number" >&2; exit 2; }
BUILD=${BUILD:-$root/build}
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
dir=$BUILD/soak-$kernel
tests=$dir/tests
SEP=$'\037'
mkdir -p "$dir"

echo "TAP version 13"
harness_done=0
# shellcheck disable=SC2317 # runs from the EXIT trap
on_exit() {
	local rc=$?
	[ "$harness_done" = 1 ] && return
	tap_result fail "run-soak.sh ran to completion (aborted, rc=$rc)"
	tap_finish || true
	exit 1
}
trap on_exit EXIT

finish() {
	harness_done=1
	tap_finish
	exit
}

if ! resolve_kernel "$kernel" 2>"$dir/resolve.log"; then
	tap_result fail "kernel $kernel is available"
	tap_diag <"$dir/resolve.log"
	finish
fi
tap_note "kernel: $kernel ($KERNEL_RELEASE), soak of $seconds s"

# The module, as run-tests.sh builds it: a fresh copy, W=1, no warning.
rm -rf "$dir/kmod" "$dir/include"
cp -a "$root/kmod" "$dir/kmod"
cp -a "$root/include" "$dir/include"
find "$dir/kmod" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name modules.order -o -name Module.symvers \) -delete
if make -C "$KERNEL_KDIR" M="$dir/kmod" W=1 modules >"$dir/module-build.log" 2>&1 &&
	! grep -qiE '(warning|error):' "$dir/module-build.log" && [ -f "$dir/kmod/timerx.ko" ]; then
	tap_result pass "module builds W=1 warning-free on $kernel"
else
	tap_result fail "module builds W=1 warning-free on $kernel"
	{ grep -iE '(warning|error):' "$dir/module-build.log" || tail -n 20 "$dir/module-build.log"; } | tap_diag 40
	finish
fi

# Only the soak in /tests.
rm -rf "$tests"
mkdir -p "$tests"
if make -C "$root/selftests" OUT="$BUILD/selftests" soak >"$dir/soak-build.log" 2>&1; then
	tap_result pass "soak_test builds"
else
	tap_result fail "soak_test builds"
	tail -n 30 "$dir/soak-build.log" | tap_diag
	finish
fi
cp "$BUILD/selftests/soak_test" "$tests/"
echo soak_test >"$tests/TESTS"
make_initramfs "$dir/initramfs.cpio.gz" "$dir/kmod/timerx.ko" "$tests"

# Room for the final checks, the memory settling, kmemleak and a slow
# debug kernel beyond the soak itself.
test_limit=$((seconds + 300))
vm_limit=$((seconds + 600))
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
cmdline="console=ttyS0 panic=-1 oops=panic loglevel=5 log_buf_len=4M"
cmdline="$cmdline softlockup_panic=1 sysctl.kernel.panic_on_rcu_stall=1"
cmdline="$cmdline tx_kernel=$kernel tx_nonce=$nonce tx_timeout=$test_limit"
# The soak counts the objects of the module's own slab cache: unmerged.
cmdline="$cmdline slab_nomerge"
[ "$kernel" = debug ] && cmdline="$cmdline panic_on_warn=1"
var=''
for var in SOAK_SEED SOAK_WORKERS SOAK_NOBODY SOAK_CTXS SOAK_TIMERS SOAK_MIN_PERIOD_US; do
	[ -n "${!var:-}" ] && cmdline="$cmdline $var=${!var}"
done
cmdline="$cmdline SOAK_SECONDS=$seconds"

tap_note "booting $KERNEL_RELEASE (limit ${vm_limit}s); console: $dir/console.log"
t0=$SECONDS
qrc=0
boot_vm "$KERNEL_IMAGE" "$dir/initramfs.cpio.gz" "$dir" "$vm_limit" "$cmdline" || qrc=$?
tap_note "VM: $((SECONDS - t0)) s"

sed -n '/^### timerx-dmesg-begin/,/^### timerx-dmesg-end/{/^### timerx-/!p}' \
	"$dir/results.log" >"$dir/dmesg.log"
sed -n '/^### timerx-kmemleak-begin/,/^### timerx-kmemleak-end/p' \
	"$dir/results.log" >"$dir/kmemleak.log"
awk -f "$qemu_dir/parse-results.awk" "$dir/results.log" >"$dir/records"

field() { awk -F "$SEP" -v k="$1" -v n="$2" '$1 == k { print $(n + 1); exit }' "$dir/records"; }

if [ "$(field I 1)" = 0 ]; then
	tap_result pass "module loads on $kernel"
else
	tap_result fail "module loads on $kernel"
fi

# The soak's own figures, as they came.
sed -n '/^### timerx-begin soak_test/,/^### timerx-end soak_test/p' "$dir/results.log" |
	grep -E '^# soak' || true

got=0
while IFS=$SEP read -r kind a b c d e; do
	case $kind in
	R)
		got=$((got + 1))
		tap_result "$b" "$a: $c"
		;;
	E)
		if [ "$b" = 124 ] || [ "$b" = 137 ] || [ "$b" = 143 ]; then
			tap_result fail "$a: finished within ${test_limit}s (killed, rc=$b)"
		elif [ "$c" -ge 0 ] && [ "$d" -lt "$c" ]; then
			tap_result fail "$a: reported all $c planned results (got $d, rc=$b)"
		elif [ "$b" != 0 ] && [ "$e" = 0 ]; then
			tap_result fail "$a: exited 0 with no failed test (rc=$b)"
		fi
		;;
	X) tap_result fail "$a: finished (the VM went down while it ran)" ;;
	esac
done <"$dir/records"
[ "$got" -gt 0 ] || tap_result fail "soak_test: reported TAP results"

if [ "$(field M 1)" = "$nonce" ] && [ "$qrc" = 0 ]; then
	tap_result pass "guest completed on $kernel"
else
	tap_result fail "guest completed on $kernel"
	{
		echo "qemu rc=$qrc; end of console.log:"
		sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r$//' "$dir/console.log" | tail -n 25
	} | tap_diag 40
fi

lines=''
for src in "$dir/dmesg.log" "$dir/kmemleak.log" "$dir/console.log"; do
	lines=$(splat_lines "$src")
	[ -z "$lines" ] || break
done
if [ -z "$lines" ]; then
	tap_result pass "no kernel splat on $kernel (kmemleak included where built in)"
else
	tap_result fail "no kernel splat on $kernel (kmemleak included where built in)"
	{
		head -n 30 <<<"$lines"
		echo "first report, from ${src##*/}:"
		splat_context "$src"
	} | tap_diag 90
fi

if [ "$(field U 1)" = 0 ]; then
	tap_result pass "module unloads cleanly on $kernel"
else
	tap_result fail "module unloads cleanly on $kernel"
fi
tap_note "logs: $dir/{console,results,dmesg,kmemleak}.log"
finish
