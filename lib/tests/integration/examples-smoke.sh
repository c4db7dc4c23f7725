#!/bin/sh
# libtimerx_examples_test: run the examples, bounded, against the real
# module (VM integration run; installed next to the static examples).
# Prints TAP; exit 4 (skip) without the device.
cd "$(dirname "$0")" || exit 1
name=libtimerx_examples_test
dev=${TIMERX_DEVICE:-/dev/timerx}
if [ ! -e "$dev" ]; then
	echo "1..1"
	echo "ok 1 - $name # SKIP $dev not present (timerx.ko not loaded)"
	exit 4
fi

echo "1..5"
n=0
failed=0
run() {
	desc=$1
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=1
	fi
	printf '%s\n' "$out" | tail -n 12 | sed 's/^/# /'
}

run "periodic_1khz: 2 s, io_uring wait" ./periodic_1khz -d 2 -m uring
run "periodic_1khz: 1 s, busy-poll" ./periodic_1khz -d 1 -m spin
run "periodic_1khz: 1 s, poll(2)" ./periodic_1khz -d 1 -m poll
run "engine_10k: 2 s, spin then io_uring wait" ./engine_10k -d 2
run "engine_10k: 2 s, io_uring wait, transport forced to ioctl" ./engine_10k -d 2 -m uring -t ioctl
exit "$failed"
