#!/bin/sh
# shellcheck shell=dash
# The fuzzer as a test of the VM run (busybox sh). TAP:
#   1 the corpus (seeds and saved reproducers) replays without a finding
#   2 TIMERX_FUZZ_SECONDS of coverage-guided fuzzing find nothing
#   3 the module that was loaded before is loaded again
# Where the initramfs has /timerx-kcov.ko (the debug kernel, which has
# KCOV) the fuzzing runs on that build of the module, so that its PCs
# guide libFuzzer; elsewhere libFuzzer is guided by the results only.
#
# A finding is printed as "# fuzz-repro NAME BASE64" lines, which the host
# saves to $BUILD/<kernel>/fuzz-crashes/; the covered PCs go out as
# "# fuzz-pcs SECTION OFFSET..." lines for the host's coverage report.

secs=${TIMERX_FUZZ_SECONDS:-20}
here=$(cd "$(dirname "$0")" && pwd)
fuzz=$here/timerx_fuzz
corpus=/tmp/fuzz-corpus
art=/tmp/fuzz-artifacts
ko=${TIMERX_KO:-/timerx.ko}
kcov_ko=/timerx-kcov.ko

echo "TAP version 13"
echo "1..3"

swap_module() {
	rmmod timerx && insmod "$1"
}

dump_artifacts() {
	for f in "$art"/*; do
		[ -f "$f" ] || continue
		echo "# fuzz-repro ${f##*/} $(base64 -w0 "$f")"
	done
}

# The fuzzer reads splats itself and must live through them to save the
# input: no panic on WARN or oops while it runs (the harness still fails
# the run on any splat in dmesg).
pow=$(cat /proc/sys/kernel/panic_on_warn)
poo=$(cat /proc/sys/kernel/panic_on_oops)
echo 0 >/proc/sys/kernel/panic_on_warn
echo 0 >/proc/sys/kernel/panic_on_oops

mode=results
if [ -f "$kcov_ko" ] && [ -e /sys/kernel/debug/kcov ]; then
	if swap_module "$kcov_ko"; then
		mode=kcov
	else
		echo "# could not load $kcov_ko; fuzzing the plain module"
		grep -q '^timerx ' /proc/modules || insmod "$ko"
	fi
fi
echo "# fuzz: guided by $mode, $secs s"

rm -rf "$corpus" "$art"
mkdir -p "$corpus" "$art"
cp "$here"/fuzz-corpus/* "$corpus"/ 2>/dev/null
n=$(ls "$corpus" | wc -l)

# shellcheck disable=SC2046 # one argument per corpus file
"$fuzz" -artifact_prefix="$art/" -timeout=30 $(ls -d "$corpus"/*) >/tmp/fuzz-replay.log 2>&1
rc=$?
grep '^# fuzz:' /tmp/fuzz-replay.log
if [ "$rc" = 0 ]; then
	echo "ok 1 - fuzz: $n corpus programs replay"
else
	echo "not ok 1 - fuzz: $n corpus programs replay (rc=$rc)"
	grep -v '^# fuzz:' /tmp/fuzz-replay.log | tail -n 40 | sed 's/^/# /'
	dump_artifacts
	rm -f "$art"/*
fi

if [ "$secs" = 0 ]; then
	echo "ok 2 - fuzz: no fuzzing asked for # SKIP TIMERX_FUZZ_SECONDS=0"
	secs=''
fi
[ -z "$secs" ] || TIMERX_FUZZ_PROFILE=1 TIMERX_FUZZ_PCS=/tmp/fuzz-pcs.txt "$fuzz" -artifact_prefix="$art/" \
	-max_total_time="$secs" -timeout=30 -rss_limit_mb=512 -max_len=2048 \
	-print_final_stats=1 "$corpus" >/tmp/fuzz.log 2>&1
rc=$?
[ -n "$secs" ] || rc=skip
[ "$rc" = skip ] || grep -E "^# fuzz(:|-profile:)" /tmp/fuzz.log
[ "$rc" = skip ] || grep -E '^(stat::|#[0-9]+ +DONE)' /tmp/fuzz.log | sed 's/^/# /'
[ "$rc" = skip ] || echo "# fuzz: corpus $(ls "$corpus" | wc -l) programs after the run (from $n)"
if [ "$rc" = skip ]; then
	:
elif [ "$rc" = 0 ]; then
	echo "ok 2 - fuzz: $secs s of fuzzing ($mode)"
else
	echo "not ok 2 - fuzz: $secs s of fuzzing ($mode) (rc=$rc)"
	grep -v '^# fuzz:' /tmp/fuzz.log | grep -v -E '^#[0-9]+ ' | tail -n 60 | sed 's/^/# /'
	dump_artifacts
fi
if [ -s /tmp/fuzz-pcs.txt ]; then
	# Sixteen offsets a line, the section first.
	sort /tmp/fuzz-pcs.txt | awk '
		$1 != sec || n == 16 { if (n) print line; sec = $1; line = "# fuzz-pcs " sec; n = 0 }
		{ line = line " " $2; n++ }
		END { if (n) print line }'
fi

echo "$pow" >/proc/sys/kernel/panic_on_warn
echo "$poo" >/proc/sys/kernel/panic_on_oops
if [ "$mode" = kcov ]; then
	swap_module "$ko"
fi
if grep -q '^timerx ' /proc/modules || insmod "$ko"; then
	echo "ok 3 - fuzz: the module under test is loaded again"
else
	echo "not ok 3 - fuzz: the module under test is loaded again"
fi
