#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The timerx benchmark suite (bench/README.md): builds timerx.ko for a
# kernel, timerx-bench and timerctl, boots that kernel under QEMU with them
# and cyclictest in an initramfs (bench/guest-init.sh as /init), collects
# the guest's records into OUT/raw.jsonl and turns them into OUT/results.json,
# OUT/results.md and the plots (bench/report.py).
#
#   run-bench.sh [--kernel stock|rt|debug] [--smoke] [--reps N] [--out DIR]
#                [--publish DIR] [--only W[,W...]]
#
#   --kernel    the kernel to boot (selftests/qemu/kernels.sh; default stock)
#   --smoke     every contestant once with tiny sizes (make test); the report
#               is validated (report.py --check, TAP) instead of judged
#   --reps N    repetitions of every (workload, contestant) (default 3)
#   --out DIR   output directory (default $BUILD/bench)
#   --only W,...   run only these workloads (w1 w2 w3 w4 go), to develop one
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
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
	sed -n '/^#   run-bench.sh/,/^#   --publish/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

kernel=stock smoke=0 reps=3 out='' publish='' only=''
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
	--only) only=${2:?}; shift 2 ;;
	--only=*) only=${1#*=}; shift ;;
	-h | --help) usage ;;
	*) echo "run-bench: unknown argument '$1'" >&2; usage ;;
	esac
done
case $kernel in stock | rt | debug) ;; *) echo "run-bench: --kernel stock|rt|debug" >&2; exit 2 ;; esac
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "run-bench: --reps takes a positive number" >&2; exit 2; }
[[ -z $only || $only =~ ^(w1|w2|w3|w4|go)(,(w1|w2|w3|w4|go))*$ ]] ||
	{ echo "run-bench: --only takes workloads w1,w2,w3,w4,go" >&2; exit 2; }

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
bench_build_module

step "building timerx-bench and timerctl"
bench_build_programs

step "packing the initramfs"
initrd=$work/initramfs.cpio.gz
bench_stage_initramfs "$initrd"
bench_pack_initramfs "$initrd"

# The VM's time limit follows the plan (guest-init.sh): about 15 minutes of
# guest time for 3 repetitions, scaled, with room for a slow machine.
if [ "$smoke" = 1 ]; then
	limit=${BENCH_VM_TIMEOUT:-420}
else
	limit=${BENCH_VM_TIMEOUT:-$((300 + reps * 480))}
fi
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
cmdline="console=ttyS0 panic=-1 oops=panic loglevel=5 log_buf_len=4M"
# The guest's TSC fails the kernel's synchronisation check under TCG, and
# the HPET it falls back to turns every clock_gettime() into a system call
# plus an emulated MMIO read under QEMU's global lock: tens of µs, with
# jitter, in every timestamp of every contestant. TCG's TSC is one host
# clock for all vCPUs, so tell the kernel to trust it, as hardware with an
# invariant TSC does. BENCH_KERNEL_ARGS replaces this (empty: HPET).
cmdline="$cmdline ${BENCH_KERNEL_ARGS-tsc=reliable}"
cmdline="$cmdline bench_mode=$mode bench_reps=$reps bench_nonce=$nonce bench_accel=$accel bench_kernel=$kernel"
[ -n "$only" ] && cmdline="$cmdline bench_only=$only"
[ "$kernel" = debug ] && cmdline="$cmdline panic_on_warn=1"

step "booting $KERNEL_RELEASE under QEMU ($accel, 2 CPUs, $mode, $reps repetition(s), limit ${limit}s)"
bench_boot_vm "$initrd" "$limit" "$cmdline"

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
