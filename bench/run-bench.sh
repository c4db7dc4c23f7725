#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The timerx benchmark suite (bench/README.md): builds timerx.ko for a
# kernel, timerx-bench and timerctl, boots that kernel under QEMU with them
# and cyclictest in an initramfs (bench/guest-init.sh as /init), collects
# the guest's records into OUT/raw.jsonl and turns them into OUT/results.json,
# OUT/results.md and the plots (bench/report.py).
#
#   run-bench.sh [--kernel stock|rt|debug] [--smoke] [--reps N] [--out DIR]
#                [--publish DIR]
#
#   --kernel    the kernel to boot (selftests/qemu/kernels.sh; default stock)
#   --smoke     every contestant once with tiny sizes (make test); the report
#               is validated (report.py --check, TAP) instead of judged
#   --reps N    repetitions of every (workload, contestant) (default 3)
#   --out DIR   output directory (default $BUILD/bench)
#   --publish DIR  copy results.md, results.json and the SVGs there too
#
# Fails on a build failure, a VM timeout, a missing end marker, a kernel
# splat (selftests/qemu/splat.sh) or a failed report. Environment: BUILD
# (default <repo>/build), TIMERX_CACHE, TIMERX_QEMU_ACCEL (tcg),
# BENCH_VM_TIMEOUT (seconds; default from the plan), BENCH_QEMU_MEM (2048);
# TIMERX_BENCH_BIN + TIMERX_TIMERCTL_BIN (prebuilt programs instead of
# building bench/ and timerctl: to test the harness itself).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
qemu_dir=$root/selftests/qemu
# shellcheck source=../selftests/qemu/kernels.sh
. "$qemu_dir/kernels.sh"
# shellcheck source=../selftests/qemu/initramfs.sh
. "$qemu_dir/initramfs.sh"
# shellcheck source=../selftests/qemu/splat.sh
. "$qemu_dir/splat.sh"

usage() {
	sed -n '/^#   run-bench.sh/,/^#   --publish/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

kernel=stock smoke=0 reps=3 out='' publish=''
while [ "$#" -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	--smoke) smoke=1; shift ;;
	--reps) reps=${2:?}; shift 2 ;;
	--reps=*) reps=${1#*=}; shift ;;
	--out) out=${2:?}; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	--publish) publish=${2:?}; shift 2 ;;
	--publish=*) publish=${1#*=}; shift ;;
	-h | --help) usage ;;
	*) echo "run-bench: unknown argument '$1'" >&2; usage ;;
	esac
done
case $kernel in stock | rt | debug) ;; *) echo "run-bench: --kernel stock|rt|debug" >&2; exit 2 ;; esac
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "run-bench: --reps takes a positive number" >&2; exit 2; }

BUILD=${BUILD:-$root/build}
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
out=${out:-$BUILD/bench}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$BUILD/bench-$kernel
mkdir -p "$work"
accel=${TIMERX_QEMU_ACCEL:-tcg}
mode=full
[ "$smoke" = 1 ] && mode=smoke && reps=1

t_start=$SECONDS
step() { printf '==> %s\n' "$*"; }
fail() {
	printf 'run-bench: %s\n' "$1" >&2
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -n 30 "$2" >&2
	exit 1
}

step "resolving the $kernel kernel"
resolve_kernel "$kernel"
echo "$KERNEL_RELEASE: $KERNEL_IMAGE"

step "building timerx.ko for $KERNEL_RELEASE"
rm -rf "$work/src"
mkdir -p "$work/src"
cp -r "$root/kmod" "$root/include" "$work/src/"
find "$work/src/kmod" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name modules.order -o -name Module.symvers \) -delete
make -C "$KERNEL_KDIR" M="$work/src/kmod" modules >"$work/module-build.log" 2>&1 ||
	fail "module build failed (log: $work/module-build.log)" "$work/module-build.log"

# bench/ adds tools/timerctl as a subproject (timerctl_core), so its build
# tree can build the timerctl binary too; tools/timerctl's own build is the
# fallback.
step "building timerx-bench and timerctl"
build_programs() {
	local bench_build=$BUILD/bench-build log=$work/bench-build.log
	[ -f "$root/bench/CMakeLists.txt" ] || fail "bench/CMakeLists.txt does not exist (yet)"
	{
		cmake -S "$root/bench" -B "$bench_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
			cmake --build "$bench_build" -j "$(nproc)"
	} >"$log" 2>&1 || fail "bench build failed (log: $log)" "$log"
	bench_bin=$(find "$bench_build" -maxdepth 2 -type f -name timerx-bench -perm -u+x | head -n 1)
	[ -n "$bench_bin" ] || fail "no timerx-bench binary in $bench_build"
	timerctl_bin=''
	if cmake --build "$bench_build" -j "$(nproc)" --target timerctl >>"$log" 2>&1; then
		timerctl_bin=$(find "$bench_build" -type f -name timerctl -perm -u+x | head -n 1)
	fi
	[ -z "$timerctl_bin" ] || return 0
	log=$work/timerctl-build.log
	make -C "$root/tools/timerctl" build BUILD="$BUILD/bench-timerctl" \
		CMAKE_FLAGS="-DTIMERCTL_BUILD_TESTS=OFF" >"$log" 2>&1 ||
		fail "timerctl build failed (log: $log)" "$log"
	timerctl_bin=$BUILD/bench-timerctl/timerctl
}
if [ -n "${TIMERX_BENCH_BIN:-}" ]; then
	# Prebuilt programs, to test the harness itself.
	bench_bin=$TIMERX_BENCH_BIN timerctl_bin=${TIMERX_TIMERCTL_BIN:?set with TIMERX_BENCH_BIN}
else
	build_programs
fi
cyclictest_bin=$(command -v cyclictest || true)
[ -x "$cyclictest_bin" ] || fail "cyclictest is not installed (rt-tests; tools/install-deps.sh)"
jq_bin=$(command -v jq || true)
[ -x "$jq_bin" ] || fail "jq is not installed (tools/install-deps.sh)"

step "packing the initramfs"
initrd=$work/initramfs.cpio.gz
make_initramfs "$initrd" "$work/src/kmod/timerx.ko" /nonexistent
rootfs=$initrd.d
install -m 0755 "$here/guest-init.sh" "$rootfs/init"
mkdir -p "$rootfs/bench" "$rootfs/usr/bin"
install -m 0755 "$bench_bin" "$timerctl_bin" "$jq_bin" "$rootfs/bench/"
install -m 0755 "$cyclictest_bin" "$rootfs/usr/bin/cyclictest"
strip --strip-debug "$rootfs/bench/timerx-bench" "$rootfs/bench/timerctl" 2>/dev/null || true
for f in "$rootfs"/bench/* "$rootfs/usr/bin/cyclictest"; do copy_libs "$f" "$rootfs"; done
# The kernel's configuration, where the meta record looks for CONFIG_HZ.
mkdir -p "$rootfs/boot"
[ -f "$KERNEL_KDIR/.config" ] && cp "$KERNEL_KDIR/.config" "$rootfs/boot/config-$KERNEL_RELEASE"
(cd "$rootfs" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$initrd"

# The VM's time limit follows the plan (guest-init.sh): about 15 minutes of
# guest time for 3 repetitions, scaled, with room for a slow machine.
if [ "$smoke" = 1 ]; then
	limit=${BENCH_VM_TIMEOUT:-420}
else
	limit=${BENCH_VM_TIMEOUT:-$((300 + reps * 480))}
fi
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
cmdline="console=ttyS0 panic=-1 oops=panic loglevel=5 log_buf_len=4M"
cmdline="$cmdline bench_mode=$mode bench_reps=$reps bench_nonce=$nonce bench_accel=$accel bench_kernel=$kernel"
[ "$kernel" = debug ] && cmdline="$cmdline panic_on_warn=1"

step "booting $KERNEL_RELEASE under QEMU ($accel, 2 CPUs, $mode, $reps repetition(s), limit ${limit}s)"
cpu=max,la57=off
[ "$accel" = kvm ] && cpu=host
rm -f "$work/results.raw"
: >"$work/console.log"
: >"$work/results.raw"
: >"$work/qemu.log"
t_vm=$SECONDS
timeout -k 10 "$limit" qemu-system-x86_64 \
	-accel "$accel" -cpu "$cpu" -m "${BENCH_QEMU_MEM:-2048}" -smp 2 \
	-nographic -no-reboot -monitor none \
	-serial "file:$work/console.log" -serial "file:$work/results.raw" \
	-kernel "$KERNEL_IMAGE" -initrd "$initrd" -append "$cmdline" \
	</dev/null >"$work/qemu.log" 2>&1 &
qemu=$!
# Progress: the guest's "# ..." comment lines, as they come.
tail -n +1 --pid="$qemu" -f "$work/results.raw" 2>/dev/null | tr -d '\r' |
	grep --line-buffered '^# ' || true
qrc=0
wait "$qemu" || qrc=$?
vm_seconds=$((SECONDS - t_vm))
tr -d '\r' <"$work/results.raw" >"$work/results.log"

# Records between the markers; the dmesg dump after them.
sed -n "/^### bench begin $nonce\$/,/^### bench end $nonce /{/^{/p}" "$work/results.log" >"$out/raw.jsonl"
sed -n '/^### bench-dmesg-begin/,/^### bench-dmesg-end/{/^### bench-/!p}' \
	"$work/results.log" >"$work/dmesg.log"
cp "$work/console.log" "$out/console.log"
cp "$work/dmesg.log" "$out/dmesg.log"

problems=0
problem() {
	printf 'run-bench: %s\n' "$*" >&2
	problems=$((problems + 1))
}
end=$(grep -m1 "^### bench end $nonce " "$work/results.log" || true)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	problem "the VM timed out after ${limit}s (console: $work/console.log)"
fi
if [ -z "$end" ]; then
	problem "no end marker from the guest (qemu rc=$qrc); end of console.log:"
	tail -n 20 "$work/console.log" | tr -d '\r' >&2
elif [ "${end##* }" != ok ]; then
	problem "the guest ended with '$end'"
fi
splats=$(splat_lines "$work/dmesg.log" "$work/console.log")
if [ -n "$splats" ]; then
	problem "kernel splat:"
	head -n 20 <<<"$splats" >&2
fi
records=$(wc -l <"$out/raw.jsonl")
errors=$(grep -c '"error"' "$out/raw.jsonl" || true)
echo "run-bench: $records records ($errors with an error) in $out/raw.jsonl; VM ${vm_seconds}s"

step "report"
report_rc=0
# Debian's python3 (tools/install-deps.sh) rather than whatever is first in PATH.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
if [ "$smoke" = 1 ]; then
	"$python" "$here/report.py" --check "$out/raw.jsonl" "$out" || report_rc=$?
else
	"$python" "$here/report.py" "$out/raw.jsonl" "$out" || report_rc=$?
fi
[ "$report_rc" = 0 ] || problem "report.py failed (rc=$report_rc)"

if [ -n "$publish" ] && [ "$problems" = 0 ]; then
	step "publishing into $publish"
	mkdir -p "$publish"
	cp "$out/results.md" "$out/results.json" "$out"/*.svg "$publish/"
fi
echo "run-bench: wall time $((SECONDS - t_start)) s (VM ${vm_seconds} s); output in $out"
[ "$problems" = 0 ] || exit 1
