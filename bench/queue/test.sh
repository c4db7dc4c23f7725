#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The queues' correctness run, as TAP (make -C bench/queue test):
# qbench-san (ASan/UBSan) must agree with the reference for every queue,
# and qbench-canary (each queue with one deliberate bug, QBENCH_CANARY)
# must fail for every queue: the test can fail.
#
#   test.sh OUT [SEEDS] [OPS]
set -uo pipefail

out=${1:?usage: test.sh OUT [SEEDS] [OPS]}
seeds=${2:-6}
ops=${3:-20000}
queues=$("$out/qbench-san" list | awk '$1 == "queue" { sub(":", "", $2); print $2 }')
n=0
failed=0

echo "TAP version 13"
echo "1..$(($(wc -w <<<"$queues") * 2))"
for q in $queues; do
	log=$("$out/qbench-san" test --q "$q" --seeds "$seeds" --ops "$ops" 2>&1)
	rc=$?
	n=$((n + 1))
	line=$(grep -m1 -E '^(not )?ok ' <<<"$log" | sed -E 's/^(not )?ok [0-9]+ - //')
	if [ "$rc" = 0 ] && grep -q '^ok ' <<<"$log"; then
		echo "ok $n - $line"
	else
		echo "not ok $n - $q agrees with the reference (rc=$rc)"
		grep -v '^TAP\|^1\.\.' <<<"$log" | sed 's/^/# /' | head -n 20
		failed=1
	fi
done
for q in $queues; do
	log=$("$out/qbench-canary" test --q "$q" --seeds "$seeds" --ops "$ops" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ "$rc" != 0 ]; then
		why=$(grep -m1 -E '^# |WARNING|runtime error|ERROR' <<<"$log" | sed 's/^# //')
		echo "ok $n - the test catches a broken $q (canary: ${why:-rc=$rc})"
	else
		echo "not ok $n - the test catches a broken $q (the canary passed)"
		failed=1
	fi
done
exit "$failed"
