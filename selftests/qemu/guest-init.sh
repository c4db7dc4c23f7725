#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the test VM (busybox sh, so POSIX only and no `set -e`: if PID 1
# exits the kernel panics, and a missing final marker is what tells the host
# that something went wrong).
#
# Channels: stdout/stderr of this script go to the kernel console (ttyS0,
# the host's console.log); results go to ttyS1 (the host's results log) as
# "### timerx-*" marker lines with the test binaries' output in between.
# Parameters come on the kernel command line: tx_kernel=NAME tx_nonce=HEX
# tx_timeout=SECONDS (per test binary) tx_fuzz=SECONDS (the fuzzer's run).

/bin/busybox mkdir -p /proc /sys /dev /tmp /root /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up 2>/dev/null
# Report a task stuck in D state while the VM still has time left, so that
# a hang comes with the stack that hangs.
[ -w /proc/sys/kernel/hung_task_timeout_secs ] && echo 60 >/proc/sys/kernel/hung_task_timeout_secs
# shellcheck disable=SC3045 # busybox ash has ulimit -c
ulimit -c 0

kernel=unknown nonce='' per_test_timeout=300 failslab=''
# shellcheck disable=SC2013 # the command line is words, not lines
for word in $(cat /proc/cmdline); do
	case $word in
	tx_kernel=*) kernel=${word#*=} ;;
	tx_nonce=*) nonce=${word#*=} ;;
	tx_timeout=*) per_test_timeout=${word#*=} ;;
	tx_fuzz=*) export TIMERX_FUZZ_SECONDS="${word#*=}" ;;
	tx_failslab=*) failslab=${word#*=} ;;
	esac
done
# The kernel hands unknown cmdline words to init as environment; keep the
# nonce out of the tests' environment so that they cannot print the marker.
unset tx_kernel tx_nonce tx_timeout tx_fuzz tx_failslab

KO=/timerx.ko
KMEMLEAK=/sys/kernel/debug/kmemleak

# Raw mode: no \n -> \r\n translation, no echo of anything the host sends.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1

say() { echo "$*" >&3; }
# Progress on the console and in dmesg, so that a splat or a hang in the
# console log can be matched to the test that was running.
note() {
	echo "timerx-init: $*"
	echo "<6>timerx-init: $*" >/dev/kmsg
}

module_loaded() { grep -q '^timerx ' /proc/modules; }

# kmemleak_report LABEL SLEEP
kmemleak_report() {
	[ -w "$KMEMLEAK" ] || return 0
	note "kmemleak scan ($1)"
	# An object is reported only when two scans see it unreferenced and
	# unchanged, and only once it is 5 s old: the sleep lets the objects of
	# the last test age. After rmmod everything is old already.
	echo scan >"$KMEMLEAK"
	sleep "$2"
	echo scan >"$KMEMLEAK"
	say "### timerx-kmemleak-begin $1"
	cat "$KMEMLEAK" >&3
	say "### timerx-kmemleak-end $1"
}

load_module() {
	note "insmod $KO"
	say "### timerx-insmod-start"
	out=$(insmod "$KO" 2>&1)
	rc=$?
	say "### timerx-insmod rc=$rc"
	[ -n "$out" ] && say "$out"
}

# tx_failslab=N: every Nth slab allocation of the test processes fails
# (only theirs: task-filter, make-it-fail in run_test), sleeping ones
# included. verbose=0: an injected failure is not a report.
setup_failslab() {
	fs=/sys/kernel/debug/failslab
	[ -n "$failslab" ] || return 0
	if [ ! -d "$fs" ]; then
		say "# failslab: $fs is missing"
		return 0
	fi
	echo 100 >"$fs/probability"
	echo "$failslab" >"$fs/interval"
	echo -1 >"$fs/times"
	echo 0 >"$fs/verbose"
	echo N >"$fs/ignore-gfp-wait"
	echo Y >"$fs/task-filter"
	note "failslab: every ${failslab}th slab allocation of the tests fails"
}

run_test() {
	t=$1
	if [ ! -x "/tests/$t" ]; then
		say "### timerx-begin $t"
		say "# /tests/$t: missing or not executable"
		say "### timerx-end $t rc=127"
		return
	fi
	note "running $t"
	say "### timerx-begin $t"
	# busybox timeout execs the test in its own process: marked once it
	# runs, the test and its children fail allocations, not its exec.
	(cd /tests && exec timeout -s TERM -k 10 "$per_test_timeout" "./$t" </dev/null >&3 2>&3) &
	pid=$!
	[ -z "$failslab" ] || { usleep 50000; echo 1 >"/proc/$pid/make-it-fail"; } 2>/dev/null
	wait "$pid"
	rc=$?
	say "### timerx-end $t rc=$rc"
	note "$t exited rc=$rc"
}

run_tests() {
	[ -f /tests/TESTS ] || { say "# no /tests/TESTS"; return; }
	export TIMERX_KO=$KO TIMERX_KERNEL="$kernel" TIMERX_VM=1
	destructive=
	while read -r t <&4; do
		case $t in '' | '#'*) continue ;; esac
		# unload_test rmmods/insmods the module: always last, whatever
		# the order in TESTS.
		if [ "$t" = unload_test ]; then destructive=$t; continue; fi
		run_test "$t"
	done 4</tests/TESTS
	[ -n "$destructive" ] && run_test "$destructive"
}

unload_module() {
	how='' rc=0 out=''
	if ! module_loaded; then
		# A test unloaded it and did not reload it: load it again so that
		# the unload path is still checked after all the tests.
		how=' reloaded'
		out=$(insmod "$KO" 2>&1) || rc=$?
	fi
	if [ "$rc" = 0 ]; then
		note "rmmod timerx"
		out=$(rmmod timerx 2>&1) || rc=$?
		if [ "$rc" = 0 ] && module_loaded; then
			rc=1
			out="$out (timerx still in /proc/modules)"
		fi
	fi
	say "### timerx-rmmod rc=$rc$how"
	[ -n "$out" ] && say "$out"
}

finish() {
	say "### timerx-dmesg-begin"
	dmesg >&3
	say "### timerx-dmesg-end"
	# Closing the last open file of the port waits until its output has
	# been sent, so the marker is complete before the VM goes down.
	exec 3>&-
	echo "### timerx-done $nonce" >/dev/ttyS1
	note "done, rebooting"
	# A process a test left behind may still hold the port open, and then
	# the close above did not wait: give the UART a moment to drain.
	sleep 1
	sync
	reboot -f
	echo b >/proc/sysrq-trigger
	sleep 1000
}

say "### timerx-boot $(uname -r) kernel=$kernel"
if [ -w "$KMEMLEAK" ]; then
	# Forget what boot itself leaves behind (false positives of a tiny
	# kernel): only leaks that appear from here on count.
	echo scan >"$KMEMLEAK"
	echo clear >"$KMEMLEAK"
fi
load_module
if module_loaded; then
	setup_failslab
	run_tests
	kmemleak_report loaded 5
	unload_module
	# Catches what only the module's own data still pointed to.
	kmemleak_report unloaded 0
else
	say "### timerx-rmmod rc=notloaded"
fi
finish
