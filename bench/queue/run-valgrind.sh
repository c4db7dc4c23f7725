#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The queue benchmark's matrix under valgrind (make -C bench/queue bench).
#
#   run-valgrind.sh OUT [QUEUES] [WORKLOADS] [SIZES]
#
# For every queue, workload and size:
#   - callgrind, counting only the measured function (--toggle-collect=
#     '*_qd_measure'): instructions per operation;
#   - for 100 000 timers, cachegrind twice, with M and 2M operations from
#     the same set-up (0 and 1 for the burst): the difference divided by
#     the difference in operations is the cost per operation in steady
#     state, set-up excluded: instructions, D1 and LL misses;
#   - the same with a 2 MiB LL (a server core's share of its L3), for the
#     LL misses when the queue does not fit;
#   - for the burst, callgrind with a dump after every pass: the
#     instructions of the costliest pass (the work of one interrupt);
#   - then, natively and one at a time, the wall-clock ns per operation
#     (qbench time, the best of 5 runs): a secondary figure, the machine
#     being shared.
# The caches are fixed, not the host's: I1 and D1 32 KiB 8-way, LL 8 MiB
# (or 2 MiB) 16-way, 64-byte lines (QBENCH_CACHE, QBENCH_CACHE_SMALL to
# change). Results: OUT/results/ (one file per run) and OUT/results.tsv,
# then report.py prints the Markdown tables (OUT/results.md). QBENCH_JOBS
# valgrind runs in parallel (2).
set -euo pipefail

out=$(cd "${1:?usage: run-valgrind.sh OUT [QUEUES] [WORKLOADS] [SIZES]}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
qb=$out/qbench
queues=${2:-rb heap4 heap4k wheel sset}
workloads=${3:-arm_cancel_far arm_cancel postpone expire peek burst step_back}
sizes=${4:-1000 100000}
ops=${QBENCH_OPS:-200000}
jobs=${QBENCH_JOBS:-2}
cache=${QBENCH_CACHE:---I1=32768,8,64 --D1=32768,8,64 --LL=8388608,16,64}
cache_small=${QBENCH_CACHE_SMALL:---I1=32768,8,64 --D1=32768,8,64 --LL=2097152,16,64}
res=$out/results
mkdir -p "$res"

# one_run KIND Q W N: one valgrind run into $res/KIND.Q.W.N.*
one_run() {
	local kind=$1 q=$2 w=$3 n=$4 m=$ops base
	case $w in burst | step_back) m=1 ;; esac
	base=$res/$kind.$q.$w.$n
	case $kind in
	cg)
		valgrind --tool=callgrind --toggle-collect='*_qd_measure' \
			--callgrind-out-file="$base.out" \
			"$qb" run --q "$q" --w "$w" --n "$n" --ops "$m" >"$base.txt" 2>"$base.log"
		;;
	cache1 | cache2 | small1 | small2)
		local opts=$cache
		case $kind in small*) opts=$cache_small ;; esac
		case $w in
		burst | step_back)
			# 0 and 1: the difference is the burst or the pass
			case $kind in *1) m=0 ;; *) m=1 ;; esac
			;;
		*) case $kind in *2) m=$((m * 2)) ;; esac ;;
		esac
		# shellcheck disable=SC2086 # $opts is a list of options
		valgrind --tool=cachegrind $opts --cachegrind-out-file="$base.out" \
			"$qb" run --q "$q" --w "$w" --n "$n" --ops "$m" >"$base.txt" 2>"$base.log"
		;;
	passes)
		rm -rf "$base.d"
		mkdir -p "$base.d"
		valgrind --tool=callgrind --toggle-collect='*_qd_measure' \
			--callgrind-out-file="$base.d/out" \
			"$qb" run --q "$q" --w "$w" --n "$n" --ops 1 --dump-passes \
			>"$base.txt" 2>"$base.log"
		;;
	esac
}
export -f one_run
export res qb ops cache cache_small

{
	for q in $queues; do
		for w in $workloads; do
			for n in $sizes; do
				echo "cg $q $w $n"
				if [ "$n" = 100000 ]; then
					echo "cache1 $q $w $n"
					echo "cache2 $q $w $n"
					echo "small1 $q $w $n"
					echo "small2 $q $w $n"
				fi
				if [ "$w" = burst ] && [ "$n" = 100000 ]; then
					echo "passes $q $w $n"
				fi
			done
		done
	done
} | xargs -P "$jobs" -L 1 bash -c 'one_run "$@" || echo "FAILED: $*" >&2' _

for q in $queues; do
	for w in $workloads; do
		for n in $sizes; do
			m=$ops
			case $w in burst | step_back) m=1 ;; esac
			"$qb" time --q "$q" --w "$w" --n "$n" --ops "$m" --reps 5 \
				>"$res/wall.$q.$w.$n.txt" || echo "FAILED: wall $q $w $n" >&2
		done
	done
done

"$here/report.py" "$res" "$out/results.tsv" >"$out/results.md"
echo "results: $out/results.tsv, $out/results.md"
