#!/bin/sh
# shellcheck shell=dash disable=SC2016,SC2317 # jq programs; functions run from traps
# timerctl end to end, in the test VM (busybox sh: POSIX only, no bash).
#
# Runs next to: timerctl, engine_10k (libtimerx's example, the "engine"),
# runas (setresuid + exec), jq (JSON checked by a real parser) and, when
# the harness found it, promtool (Prometheus output checked by Prometheus).
# Needs root, the module loaded and TIMERX_KO (the module file, to load it
# again). Leaves the module loaded, with its default settings. Prints TAP.
here=$(cd "$(dirname "$0")" && pwd)
TC=$here/timerctl
JQ=$here/jq
PROMTOOL=$here/promtool
ENGINE=$here/engine_10k
RUNAS=$here/runas
KO=${TIMERX_KO:-/timerx.ko}
NOBODY=65534

if [ ! -e /dev/timerx ] || [ "$(id -u)" != 0 ]; then
	echo "1..1"
	echo "ok 1 - timerctl-e2e # SKIP needs root and timerx loaded (/dev/timerx)"
	exit 4
fi

tmp=$(mktemp -d /tmp/timerctl-e2e.XXXXXX)
n=0
failed=0
epid=
npid=

cleanup() {
	for p in $epid $npid; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${devmode:-}" ] && [ -e /dev/timerx ] && chmod "$devmode" /dev/timerx
	# Leave the module loaded, whatever happened.
	[ -d /sys/module/timerx ] || insmod "$KO" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---------------------------------------------------------------- helpers

pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}
fail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=1
}
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
# The files of the last run() as diagnostics (shown with a failure).
diag() {
	for f in "$@"; do
		[ -s "$f" ] && sed -n '1,25s/^/# /p' "$f"
	done
	return 0
}

# run CMD...: stdout to $tmp/out, stderr to $tmp/err, status in $rc.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect_rc WANT DESC CMD...: CMD exits WANT.
expect_rc() {
	want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$rc" = "$want" ]; then
		pass "$desc"
	else
		echo "# exit status $rc, expected $want"
		diag "$tmp/out" "$tmp/err"
		fail "$desc"
	fi
}

# jqtest DESC FILE EXPR [jq args...]: EXPR is true for FILE's JSON.
jqtest() {
	desc=$1 file=$2 expr=$3
	shift 3
	if "$JQ" -e "$@" "$expr" "$file" >"$tmp/jq" 2>&1; then
		pass "$desc"
	else
		echo "# jq '$expr' was false or failed: $(head -c 300 "$tmp/jq")"
		diag "$file"
		fail "$desc"
	fi
}

# grep_out DESC PATTERN FILE: FILE has a line matching PATTERN (grep -E).
grep_out() {
	if grep -qE "$2" "$3"; then
		pass "$1"
	else
		echo "# no line matches /$2/"
		diag "$3"
		fail "$1"
	fi
}

# promcheck DESC FILE: promtool check metrics accepts FILE.
promcheck() {
	if [ ! -x "$PROMTOOL" ]; then
		skip "$1" "no promtool (selftests/qemu: tools/timerctl/fetch-promtool.sh)"
		return
	fi
	if "$PROMTOOL" check metrics <"$2" >"$tmp/prom.out" 2>&1; then
		pass "$1"
	else
		diag "$tmp/prom.out"
		echo "# the input:"
		diag "$2"
		fail "$1"
	fi
}

# inf_is_count FILE: every timerx_lateness_seconds series has its
# le="+Inf" bucket equal to its _count (labels compared without le).
inf_is_count() {
	awk '
	/^timerx_lateness_seconds_bucket\{.*le="\+Inf"\}/ {
		key = $1; sub(/,?le="\+Inf"/, "", key); sub(/_bucket/, "", key); sub(/\{\}$/, "", key)
		inf[key] = $2; next
	}
	/^timerx_lateness_seconds_count/ {
		key = $1; sub(/_count/, "", key); cnt[key] = $2; next
	}
	END {
		bad = 0; n = 0
		for (k in cnt) { n++; if (!(k in inf) || inf[k] != cnt[k]) { print "# " k ": +Inf " inf[k] " count " cnt[k]; bad = 1 } }
		for (k in inf) if (!(k in cnt)) { print "# " k ": no _count"; bad = 1 }
		exit (bad || n == 0)
	}' "$1"
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s.
wait_for() {
	tries=$(($1 * 5))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		tries=$((tries - 1))
	done
	return 1
}

# The context of process $1 in `timerctl list -j` (as the caller), or "".
ctx_of_pid() {
	"$TC" list -j 2>/dev/null | "$JQ" -r --argjson p "$1" \
		'.contexts[] | select(.pid == $p) | .ctx_id' 2>/dev/null | head -n 1
}

has_ctx() { [ -n "$(ctx_of_pid "$1")" ]; }

all_fired() {
	"$TC" show "$1" -j 2>/dev/null |
		"$JQ" -e '(.timer_list | length) == 8 and all(.timer_list[]; .fires > 0)' >/dev/null 2>&1
}

module_gone() { [ ! -d /sys/module/timerx ]; }

echo "1..87"

# ---------------------------------------------------------------- status
expect_rc 0 "status exits 0" "$TC" status
grep_out "status: module line says live" '^module +timerx .*live' "$tmp/out"
run "$TC" status -j
cp "$tmp/out" "$tmp/status.json"
jqtest "status -j: version, api_version >= 1, module loaded" "$tmp/status.json" \
	'(.version | type == "string" and length > 0) and .api_version >= 1 and .module.loaded == true and (.lateness.count | type == "number")'
jqtest "status -j: the clock from adjtimex, warnings" "$tmp/status.json" \
	'(.clock.synchronized | type == "boolean") and (.clock.tai_offset_s | type == "number") and (.clock.maxerror_ns | type == "number") and (.warnings | type == "array")'
run "$TC" st
grep_out "st (status): a clock line" '^clock +(not )?synchronized.*TAI offset -?[0-9]+ s$' "$tmp/out"
run "$TC" -p st
if [ "$rc" = 0 ] && [ "$(wc -l <"$tmp/out")" -gt 10 ] && "$JQ" -e '.module.loaded' "$tmp/out" >/dev/null; then
	pass "-p st: status (a prefix) as indented JSON"
else
	diag "$tmp/out" "$tmp/err"
	fail "-p st: status (a prefix) as indented JSON"
fi
run "$TC" status --prometheus
grep_out "status --prometheus: timerx_up 1" '^timerx_up 1$' "$tmp/out"

# ---------------------------------------------------------------- config, engine
run "$TC" config
cp "$tmp/out" "$tmp/config.saved"
grep_out "config prints KEY=VALUE lines" '^histograms=(on|off)$' "$tmp/config.saved"
expect_rc 0 "config histograms=on (per-timer histograms for the engine)" \
	"$TC" config histograms=on
grep_out "config set prints the resulting config" '^histograms=on$' "$tmp/out"

# Killed by the unload section below (or by cleanup): a duration shorter
# than the whole script lets the engine exit first on a slow (debug) kernel.
"$ENGINE" -d 3600 -n 8 -p 10 >"$tmp/engine.log" 2>&1 &
epid=$!
if wait_for 20 has_ctx "$epid"; then
	pass "the engine (8 timers at 100 Hz) has a context"
else
	diag "$tmp/engine.log"
	fail "the engine (8 timers at 100 Hz) has a context"
fi
ctx=$(ctx_of_pid "$epid")
ctx=${ctx:-999998}

# ---------------------------------------------------------------- list
run "$TC" list -j
cp "$tmp/out" "$tmp/list.json"
jqtest "list -j: the engine's context, its pid, comm and 8 timers" "$tmp/list.json" \
	'[.contexts[] | select(.ctx_id == $c)] | length == 1 and .[0].pid == $p and .[0].comm == "engine_10k" and .[0].timers == 8 and .[0].uid == 0' \
	--argjson c "$ctx" --argjson p "$epid"
run "$TC" list
cp "$tmp/out" "$tmp/list.txt"
echo "# timerctl list:"
sed 's/^/#   /' "$tmp/list.txt"
grep_out "list: a table with the engine" "^ *$ctx +$epid +engine_10k +0 +8 " "$tmp/list.txt"
run "$TC" list -t -j
jqtest "list -t -j: the timers under their context" "$tmp/out" \
	'[.contexts[] | select(.ctx_id == $c) | .timer_list[]] | length == 8' --argjson c "$ctx"

# ---------------------------------------------------------------- show
if wait_for 20 all_fired "$ctx"; then
	pass "show -j: every timer of the engine fired"
else
	"$TC" show "$ctx" -j >"$tmp/show.json" 2>&1
	diag "$tmp/show.json"
	fail "show -j: every timer of the engine fired"
fi
run "$TC" show "$ctx" -j
cp "$tmp/out" "$tmp/show.json"
jqtest "show -j: monotonic periodic 10 ms timers, armed, with histograms" "$tmp/show.json" \
	'all(.timer_list[]; .clock == "monotonic" and .period_ns == 10000000 and .state == "armed" and (.lateness.count > 0))'
tid=$("$JQ" -r '.timer_list[0].timer_id // 0' "$tmp/show.json" 2>/dev/null)
tid=${tid:-0}
run "$TC" show "$ctx"
cp "$tmp/out" "$tmp/show.txt"
grep_out "show: the context and a timers table" '^ *TIMER +CLOCK +FLAGS' "$tmp/show.txt"

# ---------------------------------------------------------------- hist
run "$TC" hist "$ctx"
cp "$tmp/out" "$tmp/hist.txt"
echo "# timerctl hist $ctx:"
sed 's/^/#   /' "$tmp/hist.txt"
grep_out "hist CTX: percentiles" '^p50 .* p90 .* p99 .* p99\.9 ' "$tmp/hist.txt"
grep_out "hist CTX: bars and counts" ' #+ +[0-9]+$' "$tmp/hist.txt"
run "$TC" hist "$ctx:$tid" -j
cp "$tmp/out" "$tmp/hist.json"
jqtest "hist CTX:TIMER -j: count > 0, p50 <= p99 <= max" "$tmp/hist.json" \
	'.scope == "timer" and .count > 0 and .p50_ns <= .p99_ns and .p99_ns <= .max_ns and .min_ns <= .p50_ns'
jqtest "hist CTX:TIMER -j: buckets add up" "$tmp/hist.json" \
	'([.buckets[].count] | add) >= .count - 64 and (.buckets | length) > 0'
run "$TC" hist -j
jqtest "hist -j: the global histogram has samples" "$tmp/out" '.scope == "global" and .count > 0'

# ---------------------------------------------------------------- Prometheus
run "$TC" status --prometheus
cp "$tmp/out" "$tmp/status.prom"
promcheck "status --prometheus passes promtool check metrics" "$tmp/status.prom"
run "$TC" list -t --prometheus
cp "$tmp/out" "$tmp/list.prom"
promcheck "list -t --prometheus passes promtool check metrics" "$tmp/list.prom"
run "$TC" show "$ctx" --prometheus
cp "$tmp/out" "$tmp/show.prom"
promcheck "show --prometheus passes promtool check metrics" "$tmp/show.prom"
run "$TC" hist "$ctx:$tid" --prometheus
cp "$tmp/out" "$tmp/hist.prom"
promcheck "hist CTX:TIMER --prometheus passes promtool check metrics" "$tmp/hist.prom"
cat "$tmp/status.prom" "$tmp/list.prom" "$tmp/hist.prom" >"$tmp/all.prom"
if inf_is_count "$tmp/list.prom" >"$tmp/inf" && inf_is_count "$tmp/status.prom" >>"$tmp/inf" &&
	inf_is_count "$tmp/hist.prom" >>"$tmp/inf"; then
	pass "Prometheus: the +Inf bucket equals _count in every histogram"
else
	cat "$tmp/inf"
	fail "Prometheus: the +Inf bucket equals _count in every histogram"
fi
grep_out "Prometheus: the engine's timer series" \
	"^timerx_lateness_seconds_count\\{context=\"$ctx\",comm=\"engine_10k\",timer=\"$tid\"\\} [1-9]" \
	"$tmp/list.prom"

# ---------------------------------------------------------------- config
expect_rc 0 "config set: two settings at once" \
	"$TC" config -j min_period_ns=50us alarm_interval_ms=2s
jqtest "config set -j: the result has them" "$tmp/out" \
	'.min_period_ns == 50000 and .alarm_interval_ms == 2000 and .histograms == true'
run "$TC" config -j
jqtest "config -j reads them back" "$tmp/out" '.min_period_ns == 50000 and .alarm_interval_ms == 2000'
# shellcheck disable=SC2046 # KEY=VALUE words
expect_rc 0 "config restores the saved settings" "$TC" config $(cat "$tmp/config.saved")
run "$TC" config
if cmp -s "$tmp/out" "$tmp/config.saved"; then
	pass "config round trip: as saved"
else
	diff "$tmp/config.saved" "$tmp/out" | sed 's/^/# /'
	fail "config round trip: as saved"
fi
expect_rc 2 "config bogus=1: usage error" "$TC" config bogus=1
grep_out "config bogus=1: says unknown setting" '^timerctl: unknown setting: bogus' "$tmp/err"
run "$TC" config
if cmp -s "$tmp/out" "$tmp/config.saved"; then
	pass "config with a bad key changed nothing"
else
	fail "config with a bad key changed nothing"
fi
expect_rc 5 "show 999999: no such context" "$TC" show 999999
expect_rc 5 "hist CTX:999999: no such timer" "$TC" hist "$ctx:999999"

# ---------------------------------------------------------------- monitor
"$TC" monitor -j --count 2 --timeout 30 >"$tmp/mon.out" 2>"$tmp/mon.err" &
mpid=$!
sleep 3 # subscribed by then
"$ENGINE" -d 1 -n 2 -p 10 >"$tmp/short.log" 2>&1 &
spid=$!
wait "$spid"
wait "$mpid"
mrc=$?
if [ "$mrc" = 0 ]; then
	pass "monitor -j --count 2 exits 0"
else
	echo "# monitor exited $mrc"
	diag "$tmp/mon.out" "$tmp/mon.err"
	fail "monitor -j --count 2 exits 0"
fi
jqtest "monitor: ctx_new then ctx_del of the short engine" "$tmp/mon.out" \
	'length == 2 and .[0].kind == "ctx_new" and .[0].pid == $p and .[0].comm == "engine_10k" and .[1].kind == "ctx_del" and .[1].ctx_id == .[0].ctx_id and .[1].expirations > 0' \
	-s --argjson p "$spid"

# ---------------------------------------------------------------- latency
# Shapes and counts only: under TCG absolute microseconds mean nothing.
for m in poll uring epoll; do
	run "$TC" latency -i 1000 -l 200 -q --json --mode "$m"
	cp "$tmp/out" "$tmp/lat-$m.json"
	if [ "$rc" = 0 ] && [ ! -s "$tmp/err" ] && [ "$(wc -l <"$tmp/out")" = 1 ]; then
		pass "latency --mode $m -l 200 -q --json: exit 0, one line, nothing on stderr"
	else
		echo "# exit status $rc"
		diag "$tmp/out" "$tmp/err"
		fail "latency --mode $m -l 200 -q --json: exit 0, one line, nothing on stderr"
	fi
	jqtest "latency --mode $m: >= 200 cycles, kernel samples, none early" "$tmp/lat-$m.json" \
		'.tool == "timerctl latency" and .mode == $m and .clock == "monotonic" and .expiry == "hard" and .interval_us == 1000 and .loops == 200 and .duration_s == null and .cycles >= 200 and .kernel.count > 0 and .total.count > 0 and .delivery.count == .total.count and .total.early == 0 and .kernel.early == 0 and .delivery.early == 0 and (.threads | length) == 1 and .threads[0].cycles >= 200 and .threads[0].cpu == null and .threads[0].timer_cpu == null and .threads[0].tid > 0 and (.total.quantiles | length) > 0 and .cpu_user_ns + .cpu_sys_ns > 0' \
		--arg m "$m"
done
[ -s "$tmp/lat-uring.json" ] && sed -n '1s/^\(.\{600\}\).*/# \1 .../p' "$tmp/lat-uring.json"

run "$TC" latency -l 50 -q --json -p 80 -m --clock tai --soft
cp "$tmp/out" "$tmp/lat-rt.json"
jqtest "latency -p 80 -m --clock tai --soft: as asked, none early" "$tmp/lat-rt.json" \
	'.priority == 80 and .mlockall == true and .clock == "tai" and .expiry == "soft" and .cycles >= 50 and .total.early == 0 and .kernel.early == 0 and .delivery.early == 0'

run "$TC" latency -l 50 -q --json --mode poll -a 1 --timer-cpu 0
cp "$tmp/out" "$tmp/lat-split.json"
jqtest "latency --mode poll -a 1 --timer-cpu 0: thread on 1, timer on 0" "$tmp/lat-split.json" \
	'.threads[0].cpu == 1 and .threads[0].timer_cpu == 0 and .cycles >= 50 and .delivery.early == 0'

# A CLOCK_TAI timer (latency's) while the kernel's TAI offset is 0 (nothing set it here).
"$TC" latency --clock tai -D 30 -q --json >/dev/null 2>"$tmp/lat-tai.err" &
tpid=$!
lat_tai_ctx() { has_ctx "$tpid"; }
wait_for 20 lat_tai_ctx
run "$TC" status -j
cp "$tmp/out" "$tmp/status-tai.json"
if "$JQ" -e '.clock.tai_offset_s == 0' "$tmp/status-tai.json" >/dev/null 2>&1; then
	jqtest "status -j: CLOCK_TAI timers while the TAI offset is 0: counted and warned of" \
		"$tmp/status-tai.json" \
		'.clock.tai_timers >= 1 and (.warnings | length) == 1 and (.warnings[0] | test("CLOCK_TAI"))'
	run "$TC" status
	grep_out "status: the TAI warning in the text" "^warning: [0-9]+ CLOCK_TAI timer.*TAI offset is 0" \
		"$tmp/out"
else
	skip "status -j: CLOCK_TAI timers while the TAI offset is 0" "the TAI offset is set here"
	skip "status: the TAI warning in the text" "the TAI offset is set here"
fi
kill -TERM "$tpid" 2>/dev/null
wait "$tpid" 2>/dev/null

run "$TC" latency -h 100 -l 100
cp "$tmp/out" "$tmp/lat-hist.txt"
sed -n '/^T:/p;/^ /p;/^overruns/p;/^# Total/,$p' "$tmp/lat-hist.txt" | sed 's/^/#   /'
if [ "$rc" = 0 ] && [ "$(grep -cE '^[0-9]{6} [0-9]{6}$' "$tmp/lat-hist.txt")" = 100 ] &&
	grep -qx '# Histogram' "$tmp/lat-hist.txt" &&
	grep -qE '^# Total: [0-9]{9}$' "$tmp/lat-hist.txt" &&
	grep -qE '^# Min Latencies: [0-9]{5}$' "$tmp/lat-hist.txt" &&
	grep -qE '^# Avg Latencies: [0-9]{5}$' "$tmp/lat-hist.txt" &&
	grep -qE '^# Max Latencies: [0-9]{5,}$' "$tmp/lat-hist.txt" &&
	grep -qE '^# Histogram Overflows: [0-9]{5,}$' "$tmp/lat-hist.txt" &&
	grep -qx '# Histogram Overflow at cycle number:' "$tmp/lat-hist.txt" &&
	grep -qE '^# Thread 0:( [0-9]{5,})*( # [0-9]{5,} others)?$' "$tmp/lat-hist.txt"; then
	pass "latency -h 100 -l 100: cyclictest histogram, 100 rows and its footer"
else
	diag "$tmp/lat-hist.txt" "$tmp/err"
	fail "latency -h 100 -l 100: cyclictest histogram, 100 rows and its footer"
fi
# Every sample is in a bucket or an overflow.
# (Leading zeros off first: busybox awk reads 00038 as octal.)
if awk '/^# Total:/ { t = $3 } /^# Histogram Overflows:/ { o = $4 }
	/^  0 +total / { n = $3 }
	END { sub(/^0+/, "", t); sub(/^0+/, "", o); exit !(n > 0 && t + o == n) }' "$tmp/lat-hist.txt"; then
	pass "latency -h: Total + Overflows = the samples of the table"
else
	diag "$tmp/lat-hist.txt"
	fail "latency -h: Total + Overflows = the samples of the table"
fi
if [ -e /dev/cpu_dma_latency ]; then
	grep_out "latency: /dev/cpu_dma_latency held at 0, as cyclictest says it" \
		'^# /dev/cpu_dma_latency set to 0us$' "$tmp/lat-hist.txt"
else
	skip "latency: /dev/cpu_dma_latency held at 0" "this kernel has no /dev/cpu_dma_latency"
fi

# cyclictest -q -h: the histogram block alone, for grep -v '^#' | plot.
run "$TC" latency -h 50 -l 100 -q
if [ "$rc" = 0 ] && [ "$(grep -v '^#' "$tmp/out" | grep -cvE '^([0-9]{6} [0-9]{6})?$')" = 0 ] &&
	[ "$(grep -v '^#' "$tmp/out" | grep -cE '^[0-9]{6} [0-9]{6}$')" = 50 ]; then
	pass "latency -q -h 50: only the histogram block (50 bucket rows, the rest '#')"
else
	diag "$tmp/out" "$tmp/err"
	fail "latency -q -h 50: only the histogram block (50 bucket rows, the rest '#')"
fi
run "$TC" latency -h 20 -d 300 -t 2 -l 50 -q --histfile "$tmp/hist-file.txt" --laptop
if [ "$rc" = 0 ] && [ ! -s "$tmp/out" ] && grep -qx '# Histogram' "$tmp/hist-file.txt" &&
	[ "$(grep -cE '^[0-9]{6} [0-9]{6}	[0-9]{6}$' "$tmp/hist-file.txt")" = 20 ] &&
	grep -q 'not setting /dev/cpu_dma_latency' "$tmp/err" &&
	grep -q -- '-d is ignored with -h' "$tmp/err"; then
	pass "latency -q -h --histfile --laptop -d: the block in the file, stdout empty, warned"
else
	diag "$tmp/out" "$tmp/err" "$tmp/hist-file.txt"
	fail "latency -q -h --histfile --laptop -d: the block in the file, stdout empty, warned"
fi
run "$TC" latency -l 20 -q --json
jqtest "latency -j: cpu_dma_latency says whether it was held" "$tmp/out" \
	'.cpu_dma_latency == $held' --argjson held "$([ -e /dev/cpu_dma_latency ] && echo true || echo false)"

"$TC" latency -t 2 -a 0-1 -D 30 -q --json >"$tmp/lat-pin.json" 2>"$tmp/lat-pin.err" &
lpid=$!
lat_two_ctx() {
	[ "$("$TC" list -j 2>/dev/null | "$JQ" --argjson p "$lpid" '[.contexts[] | select(.pid == $p)] | length' 2>/dev/null)" = 2 ]
}
wait_for 20 lat_two_ctx
run "$TC" list -t -j
cp "$tmp/out" "$tmp/lat-list.json"
jqtest "latency -t 2 -a 0-1: two contexts, timer k pinned to CPU k" "$tmp/lat-list.json" \
	'[.contexts[] | select(.pid == $p) | .timer_list[] | {u: .user_data, c: .cpu, p: .pinned, n: .period_ns}] | sort_by(.u) == [{u: 0, c: 0, p: true, n: 1000000}, {u: 1, c: 1, p: true, n: 1500000}]' \
	--argjson p "$lpid"
jqtest "list -t -j: user_data_str is user_data as a string" "$tmp/lat-list.json" \
	'[.contexts[].timer_list[] | .user_data_str == (.user_data | tostring)] | all and length >= 2'
allowed=$(for t in /proc/"$lpid"/task/*; do sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status"; done | sort | tr '\n' ' ')
echo "# Cpus_allowed_list of its threads: $allowed"
case " $allowed" in
*" 0 "*" 1 "*) pass "latency -a 0-1: the measuring threads are pinned to 0 and 1" ;;
*) fail "latency -a 0-1: the measuring threads are pinned to 0 and 1" ;;
esac
kill -TERM "$lpid"
wait "$lpid"
lrc=$?
if [ "$lrc" = 0 ]; then
	pass "latency: SIGTERM ends the run with exit 0"
else
	echo "# exit status $lrc"
	diag "$tmp/lat-pin.json" "$tmp/lat-pin.err"
	fail "latency: SIGTERM ends the run with exit 0"
fi
jqtest "latency -t 2 -a 0-1 after SIGTERM: both threads' results, pinned" "$tmp/lat-pin.json" \
	'(.threads | length) == 2 and .threads[0].cpu == 0 and .threads[1].cpu == 1 and .threads[1].timer_cpu == 1 and .threads[1].interval_us == 1500 and .duration_s == 30 and all(.threads[]; .cycles > 0 and .kernel.count > 0)'

"$TC" latency -i 1000 >"$tmp/lat-int.out" 2>"$tmp/lat-int.err" &
lpid=$!
sleep 3
kill -INT "$lpid"
wait "$lpid"
lrc=$?
sed -n '1,6s/^/#   /p' "$tmp/lat-int.out"
if [ "$lrc" = 0 ] && grep -q '^overruns: ' "$tmp/lat-int.out"; then
	pass "latency: SIGINT mid-run prints the results, exit 0"
else
	echo "# exit status $lrc"
	diag "$tmp/lat-int.out" "$tmp/lat-int.err"
	fail "latency: SIGINT mid-run prints the results, exit 0"
fi
# Not a terminal: plain progress lines (about one a second), then the result's line.
if [ "$(grep -cE '^T: 0 \( *[0-9]+\) P: 0 I:1000 C: +[0-9]+ Min: +[0-9]+ Act: +-?[0-9]+ Avg: +[0-9]+ Max: +[0-9]+$' "$tmp/lat-int.out")" -ge 2 ] &&
	! grep -q "$(printf '\033')" "$tmp/lat-int.out"; then
	pass "latency without -q: progress lines in cyclictest's format, no escapes"
else
	diag "$tmp/lat-int.out"
	fail "latency without -q: progress lines in cyclictest's format, no escapes"
fi

bad=
for args in "-i 0" "-i -5" "-t 0" "-t 100000" "-a 4096" "-a 1-0" "-a x" "-p 100" \
	"--mode spin" "--clock gps" "-l abc" "-D 0" "-D 5x" "-h 0" "--bogus" "extra" "-h"; do
	# shellcheck disable=SC2086 # the words of $args
	"$TC" latency $args -q >"$tmp/out" 2>"$tmp/err"
	r=$?
	if [ "$r" != 2 ] || ! grep -q '^timerctl: ' "$tmp/err"; then
		echo "# latency $args: exit $r"
		diag "$tmp/err"
		bad=1
	fi
done
if [ -z "$bad" ]; then
	pass "latency: bad options are usage errors (exit 2)"
else
	fail "latency: bad options are usage errors (exit 2)"
fi

# ---------------------------------------------------------------- as nobody
devmode=$(stat -c %a /dev/timerx)
expect_rc 4 "as nobody: latency without access to /dev/timerx: permission denied" \
	"$RUNAS" "$NOBODY" "$NOBODY" "$TC" latency -l 10 -q
chmod 0666 /dev/timerx
"$RUNAS" "$NOBODY" "$NOBODY" "$ENGINE" -d 60 -n 2 -p 10 >"$tmp/nobody-engine.log" 2>&1 &
npid=$!
if wait_for 20 has_ctx "$npid"; then
	pass "an engine of uid $NOBODY has a context"
else
	diag "$tmp/nobody-engine.log"
	fail "an engine of uid $NOBODY has a context"
fi
run "$RUNAS" "$NOBODY" "$NOBODY" "$TC" list -j
cp "$tmp/out" "$tmp/nobody-list.json"
jqtest "as nobody: list -j shows its own context, not root's" "$tmp/nobody-list.json" \
	'(.contexts | length) == 1 and .contexts[0].pid == $np and .contexts[0].uid == 65534 and all(.contexts[]; .ctx_id != $c)' \
	--argjson np "$npid" --argjson c "$ctx"
expect_rc 5 "as nobody: show of root's context: no such context" \
	"$RUNAS" "$NOBODY" "$NOBODY" "$TC" show "$ctx"
expect_rc 4 "as nobody: config histograms=on: permission denied" \
	"$RUNAS" "$NOBODY" "$NOBODY" "$TC" config histograms=on
expect_rc 4 "as nobody: monitor: permission denied" \
	"$RUNAS" "$NOBODY" "$NOBODY" "$TC" monitor --count 1 --timeout 2
kill "$npid" 2>/dev/null
wait "$npid" 2>/dev/null
npid=
chmod "$devmode" /dev/timerx
devmode=

# ---------------------------------------------------------------- unload, load
if ! kill -0 "$epid" 2>/dev/null; then
	diag "$tmp/engine.log"
fi
expect_rc 1 "unload while the engine's context is open: refused" "$TC" unload
grep_out "unload: says it is in use" 'timerctl: cannot unload timerx: .*in use' "$tmp/err"
kill "$epid" 2>/dev/null
wait "$epid" 2>/dev/null
epid=
expect_rc 0 "unload with nothing open" "$TC" unload
if wait_for 5 module_gone; then
	pass "the module is gone"
else
	fail "the module is gone"
fi
expect_rc 3 "status without the module: exit 3" "$TC" status
grep_out "status without the module: says not loaded" '^timerctl: .*not loaded' "$tmp/err"
expect_rc 3 "status --prometheus without the module: exit 3" "$TC" status --prometheus
grep_out "status --prometheus without the module: timerx_up 0" '^timerx_up 0$' "$tmp/out"
promcheck "promtool accepts the timerx_up 0 output" "$tmp/out"
expect_rc 3 "latency without the module: exit 3" "$TC" latency -l 10 -q --json
grep_out "latency without the module: says not loaded" '^timerctl: .*not loaded' "$tmp/err"
expect_rc 2 "load --path with an unknown parameter: usage error" \
	"$TC" load --path "$KO" no_such_param=1
expect_rc 0 "load --path \$TIMERX_KO max_ring_entries=4096" \
	"$TC" load --path "$KO" max_ring_entries=4096
run "$TC" config -j
jqtest "the module parameter took effect" "$tmp/out" '.max_ring_entries == 4096'
expect_rc 0 "load again: already loaded, exit 0" "$TC" load --path "$KO"
# Back to the defaults, and loaded.
"$TC" unload >/dev/null 2>&1
expect_rc 0 "load --path \$TIMERX_KO: loaded again" "$TC" load --path "$KO"
run "$TC" status -j
jqtest "status -j after load: loaded and live" "$tmp/out" '.module.loaded and .module.state == "live"'

exit "$failed"
