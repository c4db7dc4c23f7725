#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Profile commands in the benchmark VM: the same kernel, module settings
# and initramfs as bench/run-bench.sh (bench/lib.sh), plus Debian's perf;
# each command runs under `perf record -a -g -e cpu-clock` (a software
# event: it works under TCG) in the guest, where perf report also runs
# (the module's symbols come from /proc/kallsyms), and the reports come
# back over ttyS1 (bench/profile-guest.sh).
#
#   profile.sh [--kernel stock|rt|debug] [--out DIR] [--freq HZ] [--limit S]
#              -- COMMAND [ARG...] [--- COMMAND [ARG...]]...
#
#   --kernel    the kernel to boot (selftests/qemu/kernels.sh; default stock)
#   --out DIR   output directory (default $BUILD/profile)
#   --freq HZ   cpu-clock sampling frequency (default 1000)
#   --limit S   time limit per command, and per perf report (default 600)
#
# Commands run one after the other in one VM, in the guest's PATH
# (/bench: timerx-bench, timerctl), with timerx.ko loaded as for the
# benchmark. For command I (01, 02, ...) OUT gets I-NAME.flat.txt
# (--no-children --sort sym, all CPUs, idle included), I-NAME.cpu1.txt
# (the same for CPU 1, where every contestant's measured thread runs),
# I-NAME.children.txt (--children),
# I-NAME.callgraph.txt (callee graphs of the entries above 2 %),
# I-NAME.comm.txt (--sort comm,dso) and I-NAME.out (its stdout and stderr,
# and its exit status). Example:
#
#   bench/profile.sh -- timerx-bench w3 -c timerx-uring-batch --live 100000 \
#       --ops 200000 --cpu 1 --- timerx-bench w3 -c timerfd_settime \
#       --live 100000 --ops 200000 --cpu 1
#
# Fails on a build failure, a VM timeout, a missing end marker, a kernel
# splat or a command without a report. Environment as run-bench.sh's (BUILD,
# TIMERX_CACHE, TIMERX_QEMU_ACCEL, BENCH_QEMU_MEM, TIMERX_BENCH_BIN +
# TIMERX_TIMERCTL_BIN), and PERF (the perf binary; default: the one that
# /usr/bin/perf is or runs).
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
	sed -n '/^#   profile.sh/,/^#   --limit/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

kernel=stock out='' freq=1000 limit=600
while [ "$#" -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	--out) out=${2:?}; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	--freq) freq=${2:?}; shift 2 ;;
	--freq=*) freq=${1#*=}; shift ;;
	--limit) limit=${2:?}; shift 2 ;;
	--limit=*) limit=${1#*=}; shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) echo "profile: unknown argument '$1'" >&2; usage ;;
	esac
done
case $kernel in stock | rt | debug) ;; *) echo "profile: --kernel stock|rt|debug" >&2; exit 2 ;; esac
[[ $freq =~ ^[1-9][0-9]*$ ]] || { echo "profile: --freq takes a positive number" >&2; exit 2; }
[[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "profile: --limit takes a positive number" >&2; exit 2; }

# The commands, shell-quoted, one a line; "---" separates them.
cmds=() cur=''
for arg in "$@"; do
	if [ "$arg" = --- ]; then
		[ -n "$cur" ] && cmds+=("$cur")
		cur=''
	else
		cur+="${cur:+ }$(printf '%q' "$arg")"
	fi
done
[ -n "$cur" ] && cmds+=("$cur")
[ "${#cmds[@]}" -gt 0 ] || { echo "profile: no command after --" >&2; usage; }

BUILD=${BUILD:-$root/build}
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
out=${out:-$BUILD/profile}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$BUILD/profile-$kernel
mkdir -p "$work"
accel=${TIMERX_QEMU_ACCEL:-tcg}

step() { printf '==> %s\n' "$*"; }
fail() {
	printf 'profile: %s\n' "$1" >&2
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -n 30 "$2" >&2
	exit 1
}

# Debian's /usr/bin/perf may be a wrapper script that runs perf_VERSION.
find_perf() {
	local p=${PERF:-}
	[ -n "$p" ] || p=$(command -v perf || true)
	[ -n "$p" ] || fail "perf is not installed (linux-perf)"
	p=$(readlink -f "$p")
	if [ "$(head -c 4 "$p" | od -An -c | tr -d ' ')" != '177ELF' ]; then
		p=$(find /usr/bin -maxdepth 1 -name 'perf_[0-9]*' -type f | sort -V | tail -n 1)
		[ -n "$p" ] || fail "$(command -v perf) is a script, and no /usr/bin/perf_VERSION"
	fi
	echo "$p"
}

step "resolving the $kernel kernel"
resolve_kernel "$kernel"
echo "$KERNEL_RELEASE: $KERNEL_IMAGE"
perf_bin=$(find_perf)
echo "perf: $perf_bin ($("$perf_bin" version 2>/dev/null || echo '?'))"

step "building timerx.ko for $KERNEL_RELEASE"
bench_build_module

step "building timerx-bench and timerctl"
bench_build_programs

step "packing the initramfs (with perf)"
initrd=$work/initramfs.cpio.gz
bench_stage_initramfs "$initrd"
install -m 0755 "$perf_bin" "$rootfs/usr/bin/perf"
copy_libs "$perf_bin" "$rootfs"
install -m 0644 "$here/profile-guest.sh" "$rootfs/bench/profile-guest.sh"
printf '%s\n' "${cmds[@]}" >"$rootfs/bench/profile.cmds"
printf 'freq=%s limit=%s\n' "$freq" "$limit" >"$rootfs/bench/profile.conf"
bench_pack_initramfs "$initrd"

# Per command: the run, four reports of up to --limit each; then the boot.
vm_limit=$((120 + ${#cmds[@]} * limit * 2))
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
cmdline="console=ttyS0 panic=-1 oops=panic loglevel=5 log_buf_len=4M"
# As run-bench.sh: the TSC, not the HPET, unless BENCH_KERNEL_ARGS says otherwise.
cmdline="$cmdline ${BENCH_KERNEL_ARGS-tsc=reliable}"
cmdline="$cmdline bench_mode=profile bench_reps=1 bench_nonce=$nonce bench_accel=$accel bench_kernel=$kernel"
[ "$kernel" = debug ] && cmdline="$cmdline panic_on_warn=1"

step "booting $KERNEL_RELEASE under QEMU ($accel, 2 CPUs, ${#cmds[@]} command(s), limit ${vm_limit}s)"
bench_boot_vm "$initrd" "$vm_limit" "$cmdline"

sed -n '/^### bench-dmesg-begin/,/^### bench-dmesg-end/{/^### bench-/!p}' \
	"$work/results.log" >"$out/dmesg.log"
cp "$work/console.log" "$out/console.log"

problems=0
problem() {
	printf 'profile: %s\n' "$*" >&2
	problems=$((problems + 1))
}

# A file name from a command: its words, joined by '-', without the path.
slug() {
	local s
	s=$(sed -e 's/^timerx-bench //' -e 's/--[a-z-]* //g' -e 's/-c //' <<<"$1")
	s=$(tr -cs 'A-Za-z0-9_.' '-' <<<"$s")
	s=${s#-}
	s=${s%-}
	printf '%s' "${s:0:60}"
}

for i in "${!cmds[@]}"; do
	n=$((i + 1))
	base=$out/$(printf '%02d' "$n")-$(slug "${cmds[$i]}")
	# The command's output: between its begin and its rc line.
	sed -n "/^### profile-begin $n /,/^### profile-rc $n /p" "$work/results.log" >"$base.out"
	rc=$(sed -n "s/^### profile-rc $n //p" "$work/results.log")
	for section in flat cpu1 children callgraph comm; do
		{
			printf '# %s\n# %s view, %s Hz cpu-clock, %s, %s\n' "${cmds[$i]}" \
				"$section" "$freq" "$KERNEL_RELEASE" "$accel"
			sed -n "/^### profile-section $n $section\$/,/^### profile-\(section\|end\) $n/{s/^| //p}" \
				"$work/results.log"
		} >"$base.$section.txt"
	done
	if [ -z "$rc" ]; then
		problem "command $n did not finish: ${cmds[$i]}"
	elif [ "$rc" != 0 ]; then
		problem "command $n exited with status $rc: ${cmds[$i]} (see $base.out)"
	fi
	grep -q '%' "$base.flat.txt" || problem "no profile for command $n: ${cmds[$i]}"
	echo "profile: $base.{flat,cpu1,children,callgraph,comm}.txt"
done

end=$(grep -m1 "^### bench end $nonce " "$work/results.log" || true)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	problem "the VM timed out after ${vm_limit}s (console: $work/console.log)"
fi
if [ -z "$end" ]; then
	problem "no end marker from the guest (qemu rc=$qrc); end of console.log:"
	tail -n 20 "$work/console.log" | tr -d '\r' >&2
elif [ "${end##* }" != ok ]; then
	problem "the guest ended with '$end'"
fi
splats=$(splat_lines "$out/dmesg.log" "$work/console.log")
if [ -n "$splats" ]; then
	problem "kernel splat:"
	head -n 20 <<<"$splats" >&2
fi
echo "profile: VM ${vm_seconds}s; output in $out"
[ "$problems" = 0 ] || exit 1
