#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build timerx.ko for each requested kernel, boot that kernel under QEMU with
# a busybox initramfs holding the module and the selftests, and report TAP.
#
#   run-tests.sh [stock] [rt] [stock612] [rt612] [debug] [failslab]
#                (default: all; failslab is the debug kernel running the
#                suite with every TIMERX_FAILSLAB_INTERVAL-th (1000) slab
#                allocation of the tests failing: only splats, leaks, the guest's
#                completion and the module's load and unload count there)
#
# The last line is "N passed, M failed[, K skipped]"; the exit status is
# non-zero when anything failed. Logs stay in $BUILD/<kernel>/.
#
# Environment (all optional):
#   BUILD                    output directory (default: <repo>/build)
#   TIMERX_CACHE             kernel images / debug kernel (~/.cache/timerx)
#   TIMERX_VM_TIMEOUT        seconds per VM (default 600, failslab 900, debug 1200)
#   TIMERX_TEST_TIMEOUT      seconds per test binary in the guest
#   TIMERX_QEMU_ACCEL=kvm    opt in to KVM where it works (not here)
#   TIMERX_QEMU_MEM          guest memory in MB (1024)
#   TIMERX_DEBUG_TREE        a built kernel tree to use as "debug"
#   TIMERX_FUZZ_SECONDS      how long the fuzzer runs in each VM (default:
#                            150 on debug, 20 elsewhere; make fuzz sets it)
#   TIMERX_SOAK_SECONDS      how long soak_test runs (default: 60 on debug;
#                            elsewhere it is left out unless this is set;
#                            make soak sets it). SOAK_SEED, SOAK_WORKERS,
#                            SOAK_NOBODY, SOAK_CTXS, SOAK_TIMERS and
#                            SOAK_MIN_PERIOD_US reach it too
#   TIMERX_TESTS_ONLY        run only these tests of TESTS (space-separated;
#                            make fuzz, make soak)
#   TIMERX_SKIP_HOST=1       leave out the host suites (libtimerx, timerctl, Go,
#                            bench/queue, dkms, deb, the bench smoke run) and libtimerx's
#                            and timerctl's VM tests
#   TIMERX_KMOD_DIR, TIMERX_INCLUDE_DIR, TIMERX_SELFTESTS_DIR, TIMERX_LIB_DIR
#                            source directories, to test the harness itself
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=kernels.sh
. "$here/kernels.sh"
# shellcheck source=initramfs.sh
. "$here/initramfs.sh"
# shellcheck source=tap.sh
. "$here/tap.sh"
# shellcheck source=splat.sh
. "$here/splat.sh"
# shellcheck source=vm.sh
. "$here/vm.sh"
# shellcheck source=host.sh
. "$here/host.sh"
# shellcheck source=fuzz-report.sh
. "$here/fuzz-report.sh"

KMOD_SRC=${TIMERX_KMOD_DIR:-$root/kmod}
INCLUDE_SRC=${TIMERX_INCLUDE_DIR:-$root/include}
SELFTESTS_SRC=${TIMERX_SELFTESTS_DIR:-$root/selftests}
BUILD=${BUILD:-$root/build}
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
TESTS_DIR=$BUILD/selftests
SEP=$'\037'

# failslab: the debug kernel once more, the whole suite with a low
# probability of failed slab allocations. The tests may fail (ENOMEM);
# the kernel may not: only the module's load and unload, the guest's
# completion and the absence of any splat or leak count there.
FAILSLAB_INTERVAL=${TIMERX_FAILSLAB_INTERVAL:-1000}

fuzz_seconds() {
	local default=20
	[ "$1" = debug ] && default=150
	[ "$1" = failslab ] && default=0
	echo "${TIMERX_FUZZ_SECONDS:-$default}"
}

# 0: soak_test is left out of the kernel's run.
soak_seconds() {
	local default=0
	[ "$1" = debug ] && default=60
	echo "${TIMERX_SOAK_SECONDS:-$default}"
}

# The VM's budget grows with the fuzzing and the soaking asked for.
vm_timeout() {
	local default=600
	[ "$1" = failslab ] && default=900
	# API 3's tests and the Go suite outgrew 900 s on debug (the VM went
	# down during the last binary, timerx_go_test, at 1110 s).
	[ "$1" = debug ] && default=1200
	echo "${TIMERX_VM_TIMEOUT:-$((default + $(fuzz_seconds "$1") + $(soak_seconds "$1")))}"
}

# One hung binary must not eat the whole VM budget; the fuzzer's test
# needs its seconds and the replay on top, the soak its final checks.
test_timeout() {
	local t=$(($(vm_timeout "$1") * 2 / 5)) f=$(($(fuzz_seconds "$1") + 180))
	local s=$(($(soak_seconds "$1") + 300))
	[ "$t" -ge "$f" ] || t=$f
	[ "$t" -ge "$s" ] || t=$s
	echo "${TIMERX_TEST_TIMEOUT:-$t}"
}

# The kernel's own list of tests: TESTS, or only TIMERX_TESTS_ONLY of it;
# without the soak where it is off, ynl only on stock and stock612; under
# failslab only the selftests
# (not the fuzzer, nor the library's, timerctl's, ynl's and Go's tests).
kernel_tests() {
	local name=$1 out=$2 t
	while read -r t; do
		case $t in '' | '#'*) continue ;; esac
		if [ -n "${TIMERX_TESTS_ONLY:-}" ] && ! grep -qxF -- "$t" <(printf '%s\n' $TIMERX_TESTS_ONLY); then
			continue
		fi
		[ "$t" != soak_test ] || [ "$(soak_seconds "$name")" != 0 ] || continue
		# ynl (python3 in the guest, 47 s a boot) checks the spec against
		# the module's replies: one 6.1 and one 6.12 kernel show it all.
		[ "$t" != ynl-test.sh ] || [ "$name" = stock ] || [ "$name" = stock612 ] ||
			[ -n "${TIMERX_TESTS_ONLY:-}" ] || continue
		if [ "$name" = failslab ]; then
			case $t in *_test | unload_test) ;; *) continue ;; esac
			case $t in libtimerx_* | timerx_go_test) continue ;; esac
		fi
		echo "$t"
	done <"$TESTS_DIR/TESTS" >"$out"
}

strip_ansi() { sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' -e 's/\r$//'; }

build_selftests() {
	local log=$BUILD/selftests-build.log
	# Incremental (the Makefile caches the kselftest headers there); only
	# TESTS goes, so that a failed build cannot leave a stale list behind.
	mkdir -p "$TESTS_DIR"
	rm -f "$TESTS_DIR/TESTS"
	if make -C "$SELFTESTS_SRC" OUT="$TESTS_DIR" >"$log" 2>&1 && [ -f "$TESTS_DIR/TESTS" ]; then
		tap_result pass "selftests build"
		return
	fi
	tap_result fail "selftests build"
	[ -f "$TESTS_DIR/TESTS" ] || echo "no $TESTS_DIR/TESTS was written" >>"$log"
	tail -n 30 "$log" | tap_diag
	tap_note "log: $log"
	# The VMs still run, to check that the module loads and unloads.
	rm -f "$TESTS_DIR/TESTS"
}

# Kbuild's output in a copied source tree: a stale object must not hide a
# warning.
clean_objects() {
	find "$1" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name modules.order -o -name Module.symvers \) -delete
}

# Copies the sources so that each kernel's objects stay apart and a stale
# object in kmod/ cannot hide a warning.
build_module() {
	local name=$1 kdir=$2 dir=$BUILD/$1 log=$BUILD/$1/module-build.log rc=0
	rm -rf "$dir/kmod" "$dir/include"
	cp -a "$KMOD_SRC" "$dir/kmod"
	[ -d "$INCLUDE_SRC" ] && cp -a "$INCLUDE_SRC" "$dir/include"
	clean_objects "$dir/kmod"
	make -C "$kdir" M="$dir/kmod" W=1 modules >"$log" 2>&1 || rc=$?
	if [ "$rc" = 0 ] && ! grep -qiE '(warning|error):' "$log" && [ -f "$dir/kmod/timerx.ko" ]; then
		tap_result pass "module builds W=1 warning-free on $name"
	else
		tap_result fail "module builds W=1 warning-free on $name"
		{ grep -iE '(warning|error):' "$log" || tail -n 20 "$log"; } | tap_diag 40
		tap_note "log: $log"
	fi
	[ -f "$dir/kmod/timerx.ko" ] || return 1
	build_kcov_module "$name" "$kdir"
	return 0
}

# Where the kernel has KCOV, a second build of the module for the fuzzer:
# instrumented (KCOV_INSTRUMENT) and with line information for the
# coverage report. Only the fuzzer's test loads it.
build_kcov_module() {
	local name=$1 kdir=$2 dir=$BUILD/$1/kmod-kcov
	rm -rf "$dir"
	grep -qx 'CONFIG_KCOV=y' "$kdir/.config" 2>/dev/null || return 0
	[ "$(fuzz_seconds "$name")" != 0 ] || return 0
	cp -a "$BUILD/$name/kmod" "$dir"
	clean_objects "$dir"
	if make -C "$kdir" M="$dir" KCOV_INSTRUMENT=y KCFLAGS=-g modules \
		>"$BUILD/$name/module-kcov-build.log" 2>&1 && [ -f "$dir/timerx.ko" ]; then
		tap_result pass "KCOV build of the module for the fuzzer on $name"
	else
		tap_result fail "KCOV build of the module for the fuzzer on $name"
		tail -n 20 "$BUILD/$name/module-kcov-build.log" | tap_diag
		rm -rf "$dir"
	fi
}

kernel_cmdline() {
	local name=$1 nonce=$2
	# oops=panic: after an oops the guest is broken (held locks, dead
	# tasks) and would only hang until the VM timeout; stopping at once
	# keeps the first report and saves the time.
	local cmdline="console=ttyS0 panic=-1 oops=panic loglevel=5 log_buf_len=4M"
	# The boot-time check that the IO-APIC timer ticks fails when the host
	# is busy and TCG's vCPU falls behind ("IO-APIC + timer doesn't work",
	# a panic): it checks the emulator, not timerx. Cloud images skip it
	# the same way.
	cmdline="$cmdline no_timer_check"
	cmdline="$cmdline tx_kernel=$name tx_nonce=$nonce tx_timeout=$(test_timeout "$name")"
	cmdline="$cmdline tx_fuzz=$(fuzz_seconds "$name")"
	# The soak counts the objects of the module's own slab cache: unmerged.
	cmdline="$cmdline slab_nomerge SOAK_SECONDS=$(soak_seconds "$name")"
	local var
	for var in SOAK_SEED SOAK_WORKERS SOAK_NOBODY SOAK_CTXS SOAK_TIMERS SOAK_MIN_PERIOD_US; do
		[ -z "${!var:-}" ] || cmdline="$cmdline $var=${!var}"
	done
	# A CPU stuck in the module must end the run in seconds, not at the
	# VM timeout: soft lockups and RCU stalls panic on every kernel (the
	# debug kernel's config adds the buddy hard-lockup detector).
	cmdline="$cmdline softlockup_panic=1 sysctl.kernel.panic_on_rcu_stall=1"
	# Make any WARN fatal where the kernel is built to find bugs.
	[ "$name" = debug ] || [ "$name" = failslab ] && cmdline="$cmdline panic_on_warn=1"
	[ "$name" != failslab ] || cmdline="$cmdline tx_failslab=$FAILSLAB_INTERVAL"
	echo "$cmdline"
}

# Field N (1-based, after the kind) of the first record of KIND.
record_field() {
	awk -F "$SEP" -v k="$2" -v n="$3" '$1 == k { print $(n + 1); exit }' "$1"
}

# Output lines that the guest printed after the insmod (I) or rmmod (U) marker.
record_output() {
	awk -F "$SEP" -v k="$2" '$1 == "O" && $2 == k { print $3 }' "$1"
}

report_insmod() {
	local name=$1 records=$2 dir=$3 rc
	rc=$(record_field "$records" I 1)
	if [ "$rc" = 0 ]; then
		tap_result pass "module loads on $name"
		return
	fi
	tap_result fail "module loads on $name"
	if [ -z "$rc" ]; then
		if grep -q '^### timerx-insmod-start' "$dir/results.log"; then
			echo "insmod never returned; end of console.log:"
		else
			echo "the guest never reached insmod; end of console.log:"
		fi
		strip_ansi <"$dir/console.log" | tail -n 5
	else
		echo "insmod rc=$rc"
		record_output "$records" I
	fi | tap_diag
}

# A binary's end record: its TAP results are already counted; this adds a
# failure only when the binary itself misbehaved.
binary_end_problem() {
	local bin=$1 rc=$2 plan=$3 count=$4 fails=$5 limit=$6
	if [ "$rc" = 127 ] && [ "$count" = 0 ]; then
		echo "$bin: could not be run (rc=127)"
	elif [ "$rc" = 143 ] || [ "$rc" = 137 ] || [ "$rc" = 124 ]; then
		echo "$bin: finished within ${limit}s (killed, rc=$rc)"
	elif [ "$count" = 0 ]; then
		echo "$bin: reported TAP results (none, rc=$rc)"
	elif [ "$plan" -ge 0 ] && [ "$count" -lt "$plan" ]; then
		echo "$bin: reported all $plan planned results (got $count, rc=$rc)"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$fails" = 0 ]; then
		echo "$bin: exited 0 or 4 with no failed test (rc=$rc)"
	fi
}

report_binaries() {
	local name=$1 records=$2 limit=$3
	local kind a b c d e problem results=0 failed=0
	local -a diag=() killed=()
	local -A seen=()
	while IFS=$SEP read -r kind a b c d e; do
		case $kind in
		D) diag+=("$a") ;;
		R)
			seen[$a]=1
			if [ "$name" = failslab ]; then
				# ENOMEM is these tests' right under failslab.
				results=$((results + 1))
				[ "$b" != fail ] || failed=$((failed + 1))
				diag=()
				continue
			fi
			tap_result "$b" "$a: $c"
			[ "$b" = fail ] && [ "${#diag[@]}" -gt 0 ] && printf '%s\n' "${diag[@]}" | tap_diag
			diag=()
			;;
		E)
			seen[$a]=1
			if [ "$name" = failslab ]; then
				[ "$b" != 124 ] && [ "$b" != 137 ] && [ "$b" != 143 ] || killed+=("$a")
				diag=()
				continue
			fi
			problem=$(binary_end_problem "$a" "$b" "$c" "$d" "$e" "$limit")
			if [ -n "$problem" ]; then
				tap_result fail "$problem"
				[ "${#diag[@]}" -gt 0 ] && printf '%s\n' "${diag[@]}" | tap_diag
			fi
			diag=()
			;;
		X)
			seen[$a]=1
			tap_result fail "$a: finished (the VM went down while it ran)"
			[ "${#diag[@]}" -gt 0 ] && printf '%s\n' "${diag[@]}" | tap_diag
			diag=()
			;;
		esac
	done <"$records"
	if [ "$name" = failslab ]; then
		tap_note "failslab: $failed of $results test results failed with every ${FAILSLAB_INTERVAL}th slab allocation of the tests failing${killed[*]:+; killed at the time limit: ${killed[*]}}"
		return 0
	fi
	# A binary of the kernel's TESTS that never started is a failure too.
	[ -f "$BUILD/$name/TESTS" ] || return 0
	local t
	while read -r t; do
		case $t in '' | '#'*) continue ;; esac
		[ -n "${seen[$t]:-}" ] || tap_result fail "$t: ran on $name (never started)"
	done <"$BUILD/$name/TESTS"
}

report_completed() {
	local name=$1 records=$2 dir=$3 nonce=$4 qrc=$5 limit=$6
	if [ "$(record_field "$records" M 1)" = "$nonce" ] && [ "$qrc" = 0 ]; then
		tap_result pass "guest completed on $name"
		return
	fi
	tap_result fail "guest completed on $name"
	{
		if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
			echo "QEMU killed after ${limit}s: hang (no final marker)"
		else
			echo "QEMU exited rc=$qrc without the final marker (panic, crash or reboot)"
		fi
		echo "end of console.log:"
		strip_ansi <"$dir/console.log" | tail -n 25
		if grep -qv 'warning: TCG doesn.t support' "$dir/qemu.log"; then
			echo "qemu.log:"
			grep -v 'warning: TCG doesn.t support' "$dir/qemu.log"
		fi
	} | tap_diag 80
}

report_splats() {
	local name=$1 dir=$2 lines src
	# The dmesg dump is complete and in order; the console log is what is
	# left when the guest died before dumping it.
	for src in "$dir/dmesg.log" "$dir/kmemleak.log" "$dir/console.log"; do
		lines=$(splat_lines "$src")
		[ -z "$lines" ] || break
	done
	if [ -z "$lines" ]; then
		tap_result pass "no kernel splat on $name"
		return
	fi
	tap_result fail "no kernel splat on $name"
	{
		echo "matching lines:"
		head -n 30 <<<"$lines"
		echo "first report, from ${src##*/}:"
		splat_context "$src" | strip_ansi
	} | tap_diag 90
}

report_unload() {
	local name=$1 records=$2 rc how
	rc=$(record_field "$records" U 1)
	how=$(record_field "$records" U 2)
	case $rc in
	0) tap_result pass "module unloads cleanly on $name${how:+ ($how by the harness)}" ;;
	notloaded) tap_result skip "module unloads cleanly on $name # SKIP it never loaded" ;;
	*)
		tap_result fail "module unloads cleanly on $name"
		if [ -z "$rc" ]; then
			echo "the guest never reached rmmod"
		else
			echo "rmmod rc=$rc${how:+ ($how)}"
			record_output "$records" U
		fi | tap_diag
		;;
	esac
}

# Splits the result channel: the dmesg dump and kmemleak reports get
# their own files for the splat grep and for people.
split_results() {
	local dir=$1
	sed -n '/^### timerx-dmesg-begin/,/^### timerx-dmesg-end/{/^### timerx-/!p}' \
		"$dir/results.log" >"$dir/dmesg.log"
	sed -n '/^### timerx-kmemleak-begin/,/^### timerx-kmemleak-end/p' \
		"$dir/results.log" >"$dir/kmemleak.log"
	awk -f "$here/parse-results.awk" "$dir/results.log" >"$dir/records"
}

run_vm() {
	local name=$1 dir=$BUILD/$1 nonce qrc=0 limit
	limit=$(vm_timeout "$name")
	[ ! -f "$TESTS_DIR/TESTS" ] || kernel_tests "$name" "$dir/TESTS"
	make_initramfs "$dir/initramfs.cpio.gz" "$dir/kmod/timerx.ko" "$TESTS_DIR" \
		"$dir/kmod-kcov/timerx.ko" "$dir/TESTS"
	nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	boot_vm "$KERNEL_IMAGE" "$dir/initramfs.cpio.gz" "$dir" "$limit" \
		"$(kernel_cmdline "$name" "$nonce")" || qrc=$?
	split_results "$dir"
	local failed_before=$TAP_FAILED
	report_insmod "$name" "$dir/records" "$dir"
	report_binaries "$name" "$dir/records" "$(test_timeout "$name")"
	report_completed "$name" "$dir/records" "$dir" "$nonce" "$qrc" "$limit"
	report_splats "$name" "$dir"
	report_unload "$name" "$dir/records"
	report_figures "$name" "$dir"
	report_fuzz "$name" "$dir"
	[ "$TAP_FAILED" = "$failed_before" ] ||
		tap_note "logs: $dir/console.log $dir/results.log $dir/dmesg.log $dir/qemu.log"
}

run_kernel() {
	local name=$1 dir=$BUILD/$1 t0=$SECONDS t1
	mkdir -p "$dir"
	[ "$name" = debug ] && tap_note "$name: resolving (first use builds the debug kernel, ~6 min, cached)"
	if ! resolve_kernel "$name" 2>"$dir/resolve.log"; then
		tap_note "kernel: $name (unavailable)"
		tap_result fail "kernel $name is available"
		tap_diag <"$dir/resolve.log"
		return
	fi
	tap_note "kernel: $name ($KERNEL_RELEASE)"
	if build_module "$name" "$KERNEL_KDIR"; then
		t1=$SECONDS
		run_vm "$name"
		tap_note "$name: wall time $((SECONDS - t0)) s (VM $((SECONDS - t1)) s)"
	else
		tap_note "$name: no timerx.ko, VM not booted; wall time $((SECONDS - t0)) s"
	fi
}

# An unexpected error (set -e) must still end in a failed summary line.
harness_done=0
# shellcheck disable=SC2317 # runs from the EXIT trap
on_exit() {
	local rc=$?
	[ "$harness_done" = 1 ] && return
	tap_result fail "run-tests.sh ran to completion (aborted, rc=$rc)"
	tap_finish || true
	exit 1
}

main() {
	local -a kernels=("$@")
	[ "$#" -gt 0 ] || kernels=(stock rt stock612 rt612 debug failslab)
	trap on_exit EXIT
	echo "TAP version 13"
	local k t0=$SECONDS rc=0
	if [ -d "$KMOD_SRC" ]; then
		[ -n "${TIMERX_SKIP_HOST:-}" ] || run_host_tests
		[ -n "${TIMERX_SKIP_HOST:-}" ] || run_timerctl_host_tests
		[ -n "${TIMERX_SKIP_HOST:-}" ] || run_docs_tests
		[ -n "${TIMERX_SKIP_HOST:-}" ] || run_dkms_tests
		[ -n "${TIMERX_SKIP_HOST:-}" ] || run_deb_tests
		[ -n "${TIMERX_SKIP_HOST:-}" ] || run_go_host_tests
		[ -n "${TIMERX_SKIP_HOST:-}" ] || run_queue_host_tests
		build_selftests
		[ -n "${TIMERX_SKIP_HOST:-}" ] || build_lib_vm_tests
		build_go_vm_tests
		[ -n "${TIMERX_SKIP_HOST:-}" ] || build_timerctl_vm_tests
		build_docs_vm_tests
		[ -n "${TIMERX_SKIP_HOST:-}" ] || run_bench_smoke
		for k in "${kernels[@]}"; do
			run_kernel "$k"
		done
	else
		tap_result fail "module sources exist in $KMOD_SRC"
	fi
	tap_note "total wall time $((SECONDS - t0)) s"
	harness_done=1
	tap_finish || rc=$?
	return "$rc"
}

# exit on the same line: bash reads scripts while running them, and an edit
# of this file during a long run must not run anything else afterwards.
main "$@"; exit
