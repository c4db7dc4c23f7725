#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the demo VM: load timerx, run the 10k-timer example engine and
# show it with timerctl. Everything meant for the user goes to ttyS1, which
# the host streams to the terminal; the kernel console stays in a log.

/bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/demo:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# No tmpfs on /tmp: the shared libraries copied from the build tree may
# live under /tmp on the host, and so at the same path here.
exec </dev/console >/dev/console 2>&1

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1

# The engine's parameters come on the kernel command line.
timers=10000 period_ms=100 seconds=10
# shellcheck disable=SC2013 # the command line is words, not lines
for word in $(cat /proc/cmdline); do
	case $word in
	demo_timers=*) timers=${word#*=} ;;
	demo_period_ms=*) period_ms=${word#*=} ;;
	demo_seconds=*) seconds=${word#*=} ;;
	esac
done

say() { echo "$*" >&3; }
# Show a command as typed, then its output.
run() {
	say ""
	say "\$ $*"
	"$@" >&3 2>&3
}
finish() {
	say ""
	say "### timerx-demo $1"
	sync
	poweroff -f
}

say "timerx demo on $(uname -r), $(nproc) CPUs (QEMU)"
run insmod /timerx.ko || finish failed
run timerctl status || finish failed

# The monitor sees the engine's context come and go (stopped with SIGTERM,
# as by a service manager, once the engine is done).
timerctl monitor --timeout $((seconds + 60)) >/tmp/monitor.log 2>&1 &
monitor=$!
sleep 1

say ""
say "\$ engine_10k -n $timers -p $period_ms -d $seconds &"
engine_10k -n "$timers" -p "$period_ms" -d "$seconds" >/tmp/engine.log 2>&1 &
engine=$!
sleep $((seconds / 2))

run timerctl list
ctx=$(timerctl list -j | sed -n 's/.*"ctx_id": *\([0-9]*\).*/\1/p' | head -n 1)
if [ -n "$ctx" ]; then
	say ""
	say "\$ timerctl show $ctx | head -n 16"
	timerctl show "$ctx" 2>&3 | head -n 16 >&3
	run timerctl hist "$ctx"
fi

wait "$engine"
status=$?
say ""
say "engine_10k exited with $status; its last lines:"
tail -n 4 /tmp/engine.log >&3
sleep 1
kill -TERM "$monitor"
wait "$monitor"
run cat /tmp/monitor.log
run timerctl hist
[ "$status" = 0 ] && finish ok
finish failed
