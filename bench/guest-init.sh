#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the benchmark VM (bench/run-bench.sh): load timerx, describe the
# machine (a "meta" record), run the workloads and write one JSON record per
# run to ttyS1 between "### bench begin <nonce>" and
# "### bench end <nonce> ok|failed". Progress goes to ttyS1 as "# ..."
# comment lines, which the host shows; the kernel console (ttyS0) carries
# only the kernel's messages, for the splat check. busybox sh: POSIX only
# and no `set -e` (if PID 1 exits the kernel panics; a missing end marker is
# what tells the host that something went wrong).
#
# Kernel command line: bench_mode=smoke|full|profile bench_reps=N bench_nonce=HEX
# bench_accel=tcg|kvm bench_kernel=stock|rt|debug [bench_only=W,W...] (some
# workloads only: w1 w2 w3 w4 go).
#
# Alternation: for each repetition, every contestant of a workload runs
# once, in an order rotated by the repetition, so that a drift of the
# machine (a host neighbour, a cache) spreads over all contestants alike.
# Pinning is the same for all: the measured thread on CPU 1, SCHED_FIFO 80
# where the contestant takes a priority, memory locked.

/bin/busybox mkdir -p /proc /sys /dev /tmp /root /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bench:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm
# The meta record reads the preemption mode from /sys/kernel/debug/sched/preempt.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# No RT throttling: a SCHED_FIFO thread that busy-polls (timerx-poll) would
# otherwise be stopped for 50 ms of every second (sched_rt_runtime_us), which
# measures the throttle, not the mechanism. Runs are seconds long, too short
# for starved per-CPU kernel threads to matter.
echo -1 >/proc/sys/kernel/sched_rt_runtime_us
# No tmpfs on /tmp: the shared libraries copied from the build tree may
# live under /tmp on the host, and so at the same path here.
# shellcheck disable=SC3045 # busybox ash has ulimit -n / -c
ulimit -c 0
# W3 keeps 100 000 timerfds open.
# shellcheck disable=SC3045
ulimit -n 1048576 2>/dev/null || ulimit -n 524288 2>/dev/null

mode=full reps=3 nonce='' accel=tcg kernel=unknown only=
# shellcheck disable=SC2013 # the command line is words, not lines
for word in $(cat /proc/cmdline); do
	case $word in
	bench_mode=*) mode=${word#*=} ;;
	bench_reps=*) reps=${word#*=} ;;
	bench_nonce=*) nonce=${word#*=} ;;
	bench_accel=*) accel=${word#*=} ;;
	bench_kernel=*) kernel=${word#*=} ;;
	bench_only=*) only=${word#*=} ;;
	esac
done
# The kernel hands unknown command line words to init as environment; keep
# them (the nonce above all) away from the programs.
unset bench_mode bench_reps bench_nonce bench_accel bench_kernel bench_only

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1

say() { echo "$*" >&3; }
# Progress, also in dmesg, so that a splat can be matched to its run.
note() {
	say "# $*"
	echo "<6>timerx-bench: $*" >/dev/kmsg
}

finish() {
	say "### bench end $nonce $1"
	say "### bench-dmesg-begin"
	dmesg >&3 2>&1
	say "### bench-dmesg-end"
	sync
	reboot -f
	sleep 60
}

# Sizes and durations. Full: the whole `make bench` (3 repetitions) in
# about 15 minutes under TCG; smoke: every contestant once, tiny, in about
# a minute of guest time. W1 runs `seconds` per contestant and rate.
if [ "$mode" = smoke ]; then
	reps=1
	w1_rates="1000" w1_seconds=0.2
	w2_loads="100:100" w2_seconds=0.5
	w3_sizes="100" w3_ops=1000
	w4_timers=1000 w4_seconds=1 w4_period_ms=100
	limit_slack=60
else
	w1_rates="1000 10000" w1_seconds=5
	# TIMERS:HZ[:aligned]. The issue's two loads (10M and 1M expirations/s),
	# which TCG cannot sustain, and two it can (20k/s), where CPU per event
	# is a cost rather than "one CPU, saturated": first expiries spread over
	# the period (one interrupt per expiration), and aligned (a control
	# cycle: one interrupt expires all 1000).
	w2_loads="10000:1000 1000:1000 1000:20 10000:2 1000:20:aligned" w2_seconds=5
	w3_sizes="1000 100000" w3_ops=${BENCH_W3_OPS:-100000}
	w4_timers=100000 w4_seconds=3 w4_period_ms=1000
	limit_slack=120
fi

W1_CONTESTANTS="timerx-poll timerx-poll-split timerx-uring timerx-epoll clock_nanosleep timerfd-epoll io_uring-timeout cyclictest"
W2_CONTESTANTS="timerx-poll timerx-uring timerfd-epoll io_uring-timeout posix-timer"
W3_CONTESTANTS="timerx-uring-batch timerx-batch-ioctl timerx-ioctl timerfd_settime"
W4_CONTESTANTS="histograms=0 histograms=1"

# rotate R WORD...: the words, the first R (mod count) moved to the end.
rotate() {
	r=$1
	shift
	n=$#
	[ "$n" -gt 0 ] || return 0
	r=$((r % n))
	i=0
	for w in "$@"; do
		[ "$i" -ge "$r" ] && printf '%s ' "$w"
		i=$((i + 1))
	done
	i=0
	for w in "$@"; do
		[ "$i" -lt "$r" ] && printf '%s ' "$w"
		i=$((i + 1))
	done
}

# set_histograms 0|1: the module's setting for timers created from now on.
set_histograms() {
	v=off
	[ "$1" = 1 ] && v=on
	timerctl config "histograms=$v" >/dev/null 2>/tmp/config.err ||
		echo "$1" >/sys/module/timerx/parameters/histograms
	[ "$(cat /sys/module/timerx/parameters/histograms)" = "$([ "$1" = 1 ] && echo Y || echo N)" ]
}

# error_record WORKLOAD CONTESTANT PARAMS MESSAGE
error_record() {
	jq -Mnc --arg w "$1" --arg c "$2" --argjson p "$3" --arg e "$4" \
		'{workload: $w, contestant: $c, params: $p, error: $e}' >&3 ||
		say "{\"workload\":\"$1\",\"contestant\":\"$2\",\"error\":\"error record failed\"}"
}

# run_one WORKLOAD CONTESTANT PARAMS REP WRAP LIMIT CMD...
# Runs CMD (under `timeout LIMIT`) and writes its record: the last line of
# its stdout that starts with "{", wrapped into the record shape when WRAP
# is 1 (timerctl's output is the bare result); the harness's PARAMS are
# the defaults of the record's own params, and params.rep is added. A
# failure (exit status, timeout, no or bad JSON) becomes a record with
# "error"; its stderr goes to ttyS1 as comments.
run_one() {
	w=$1 c=$2 params=$3 rep=$4 wrap=$5 limit=$6
	shift 6
	rc=0
	timeout "$limit" "$@" >/tmp/run.out 2>/tmp/run.err </dev/null || rc=$?
	line=$(grep '^{' /tmp/run.out | tail -n 1)
	# shellcheck disable=SC2016 # jq variables, not the shell's
	if [ "$wrap" = 1 ]; then
		filter='{workload: $w, contestant: $c, params: ($p + {rep: $r}), result: .}'
	else
		filter='.params = ($p + (.params // {}) + {rep: $r})'
	fi
	msg=''
	if [ "$rc" = 124 ] || [ "$rc" = 143 ] || [ "$rc" = 137 ]; then
		msg="timed out after ${limit}s"
	elif [ "$rc" != 0 ]; then
		msg="exit status $rc"
	elif [ -z "$line" ]; then
		msg="no JSON record on stdout"
	fi
	if [ -z "$msg" ] &&
		rec=$(printf '%s\n' "$line" | jq -Mc --arg w "$w" --arg c "$c" --argjson p "$params" \
			--argjson r "$rep" "$filter" 2>/tmp/jq.err); then
		say "$rec"
		return 0
	fi
	[ -n "$msg" ] || msg="bad JSON record: $(head -c 200 /tmp/jq.err)"
	err=$(tail -n 3 /tmp/run.err | tr '\n\t' '  ' | head -c 400)
	[ -z "$err" ] || msg="$msg: $err"
	say "# error: $w $c: $msg"
	sed 's/^/#   /' /tmp/run.err | tail -n 20 >&3
	error_record "$w" "$c" "$(echo "$params" | jq -Mc --argjson r "$rep" '. + {rep: $r}')" "$msg"
	return 1
}

# Floating-point helpers (busybox awk).
mul() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", a * b + 0.5 }'; }

w1() {
	for hz in $w1_rates; do
		interval_us=$((1000000 / hz))
		loops=$(mul "$hz" "$w1_seconds")
		limit=$(($(mul "$w1_seconds" 3) + limit_slack))
		params="{\"hz\":$hz,\"seconds\":$w1_seconds}"
		r=0
		while [ "$r" -lt "$reps" ]; do
			# shellcheck disable=SC2086 # a list of words
			for c in $(rotate "$r" $W1_CONTESTANTS); do
				note "run w1 $c hz=$hz rep $((r + 1))/$reps"
				case $c in
				timerx-poll-split)
					# The timer interrupts CPU 0, not the poller on CPU 1.
					run_one w1 "$c" "$params" "$r" 1 "$limit" \
						timerctl latency -q --json -i "$interval_us" -l "$loops" \
						-a 1 --timer-cpu 0 -p 80 -m --mode poll
					;;
				timerx-*)
					run_one w1 "$c" "$params" "$r" 1 "$limit" \
						timerctl latency -q --json -i "$interval_us" -l "$loops" \
						-a 1 -p 80 -m --mode "${c#timerx-}"
					;;
				*)
					run_one w1 "$c" "$params" "$r" 0 "$limit" \
						timerx-bench w1 -c "$c" --hz "$hz" --seconds "$w1_seconds" \
						--cpu 1 --priority 80
					;;
				esac
			done
			r=$((r + 1))
		done
	done
}

w2() {
	for load in $w2_loads; do
		n=${load%%:*} rest=${load#*:}
		hz=${rest%%:*} phase=spread
		[ "$rest" = "$hz" ] || phase=${rest#*:}
		limit=$(($(mul "$w2_seconds" 4) + limit_slack))
		params="{\"timers\":$n,\"hz\":$hz,\"phase\":\"$phase\",\"seconds\":$w2_seconds}"
		r=0
		while [ "$r" -lt "$reps" ]; do
			# shellcheck disable=SC2086 # a list of words
			for c in $(rotate "$r" $W2_CONTESTANTS); do
				note "run w2 $c timers=$n hz=$hz $phase rep $((r + 1))/$reps"
				run_one w2 "$c" "$params" "$r" 0 "$limit" \
					timerx-bench w2 -c "$c" --timers "$n" --hz "$hz" \
					--seconds "$w2_seconds" --cpu 1 --phase "$phase"
			done
			r=$((r + 1))
		done
	done
}

w3() {
	for n in $w3_sizes; do
		params="{\"live\":$n,\"ops\":$w3_ops}"
		r=0
		while [ "$r" -lt "$reps" ]; do
			# shellcheck disable=SC2086 # a list of words
			for c in $(rotate "$r" $W3_CONTESTANTS); do
				note "run w3 $c live=$n rep $((r + 1))/$reps"
				run_one w3 "$c" "$params" "$r" 0 $((limit_slack * 3)) \
					timerx-bench w3 -c "$c" --live "$n" --ops "$w3_ops" --cpu 1
			done
			r=$((r + 1))
		done
	done
}

w4() {
	limit=$((w4_seconds * 3 + limit_slack * 2))
	r=0
	while [ "$r" -lt "$reps" ]; do
		# shellcheck disable=SC2086 # a list of words
		for c in $(rotate "$r" $W4_CONTESTANTS); do
			h=${c#histograms=}
			params="{\"timers\":$w4_timers,\"seconds\":$w4_seconds,\"period_ms\":$w4_period_ms,\"histograms\":$h}"
			note "run w4 timerx histograms=$h timers=$w4_timers rep $((r + 1))/$reps"
			if ! set_histograms "$h"; then
				say "# error: w4: cannot set histograms=$h: $(cat /tmp/config.err)"
				error_record w4 timerx "$params" "cannot set the module's histograms=$h"
				continue
			fi
			run_one w4 timerx "$params" "$r" 0 "$limit" \
				timerx-bench w4 --timers "$w4_timers" --seconds "$w4_seconds" \
				--period-ms "$w4_period_ms"
		done
		r=$((r + 1))
	done
	set_histograms 0
}

say ""
say "### bench begin $nonce"
note "timerx-bench on $(uname -r), $(nproc) CPUs, $accel, mode $mode, $reps repetition(s)"

# Limits high enough for W3's and W4's 100 000 timers in one context;
# histograms off except in W4's histograms=1 run.
if ! insmod /timerx.ko histograms=0 max_timers_per_ctx=1048576 \
	max_ring_entries=1048576 >/tmp/insmod.log 2>&1; then
	say "# error: insmod failed: $(cat /tmp/insmod.log)"
	finish failed
fi

meta_params=$(jq -Mnc --arg m "$mode" --argjson r "$reps" --arg a "$accel" --arg k "$kernel" \
	'{mode: $m, reps: $r, accel: $a, kernel_name: $k}')
if timerx-bench meta >/tmp/meta.out 2>/tmp/meta.err &&
	rec=$(grep '^{' /tmp/meta.out | tail -n 1 |
		jq -c --argjson p "$meta_params" '.params = ((.params // {}) + $p)'); then
	say "$rec"
else
	say "# error: timerx-bench meta: $(tail -n 3 /tmp/meta.err)"
	error_record meta timerx-bench "$meta_params" "timerx-bench meta failed"
fi

# bench/profile.sh: its commands under perf instead of the workloads.
if [ "$mode" = profile ]; then
	# shellcheck source=/dev/null # bench/profile-guest.sh
	. /bench/profile-guest.sh
	rmmod timerx || say "# error: rmmod timerx failed"
	finish ok
fi

t0=$(cut -d' ' -f1 /proc/uptime)
# wanted W: bench_only lists W, or is empty.
wanted() { case ,${only:-$1}, in *,$1,*) return 0 ;; esac; return 1; }
wanted w1 && w1
wanted w2 && w2
wanted w3 && w3
wanted w4 && w4
# The Go workload (bench/go/guest.sh).
# shellcheck source=/dev/null
wanted go && [ -f /bench/go-guest.sh ] && . /bench/go-guest.sh && wgo
note "done in $(awk -v t0="$t0" '{ printf "%d", $1 - t0 }' /proc/uptime) s of guest time"

rmmod timerx || say "# error: rmmod timerx failed"
finish ok
