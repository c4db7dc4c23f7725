# shellcheck shell=dash disable=SC2154 # mode, reps, limit_slack: bench/guest-init.sh's
# The Go workload in the benchmark VM: sourced by bench/guest-init.sh (as
# /bench/go-guest.sh), which then calls wgo. Go's timers (time.Ticker,
# time.Timer, time.AfterFunc) against timerx from Go (busy-poll on a
# locked thread, and blocking), one timer at 1 kHz and 10 000 timers,
# alone and beside CPU-bound or allocating goroutines; one record per run
# from timerx-gobench (bench/go), alternated like the other workloads.

GO_CONTESTANTS="go-ticker go-timer go-afterfunc timerx-poll timerx-block"

if [ "$mode" = smoke ]; then
	# TIMERS:HZ:LOAD
	go_loads="1:1000:none 100:20:gc" go_seconds=0.5
else
	# 10 000 timers at 2 Hz (20 000 expirations/s, spread over the period):
	# what TCG sustains, as in W2.
	go_loads="1:1000:none 1:1000:cpu 1:1000:gc 10000:2:none 10000:2:cpu 10000:2:gc"
	go_seconds=3
fi

wgo() {
	for load in $go_loads; do
		n=${load%%:*} rest=${load#*:}
		hz=${rest%%:*} kind=${rest#*:}
		limit=$(($(mul "$go_seconds" 4) + limit_slack))
		params="{\"timers\":$n,\"hz\":$hz,\"load\":\"$kind\",\"seconds\":$go_seconds}"
		r=0
		while [ "$r" -lt "$reps" ]; do
			# shellcheck disable=SC2086 # a list of words
			for c in $(rotate "$r" $GO_CONTESTANTS); do
				note "run go $c timers=$n hz=$hz load=$kind rep $((r + 1))/$reps"
				run_one go "$c" "$params" "$r" 0 "$limit" \
					timerx-gobench -c "$c" -timers "$n" -hz "$hz" -load "$kind" \
					-seconds "$go_seconds" -cpu 1
			done
			r=$((r + 1))
		done
	done
}
