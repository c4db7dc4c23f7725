#!/bin/sh
# The timerctl binary itself on the host: help, version, usage errors, and
# the exit status and message when the module is not loaded (skipped where
# it is). Prints TAP.
#
#   cli-smoke.sh PATH/TO/timerctl
set -u
tc=${1:?usage: cli-smoke.sh TIMERCTL}
n=0
failed=0
out=${TMPDIR:-/tmp}/timerctl-smoke.$$
trap 'rm -f "$out".*' EXIT

# check DESC WANT_RC STDERR_PATTERN ARGS...: runs timerctl ARGS, checks
# the exit status and that stderr matches the pattern (grep -E; "" = empty).
check() {
	desc=$1 want=$2 pat=$3
	shift 3
	n=$((n + 1))
	"$tc" "$@" >"$out.o" 2>"$out.e"
	rc=$?
	ok=1
	[ "$rc" = "$want" ] || ok=0
	if [ -z "$pat" ]; then
		[ -s "$out.e" ] && ok=0
	else
		grep -qE "$pat" "$out.e" || ok=0
	fi
	if [ "$ok" = 1 ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc (rc=$rc, want $want)"
		sed 's/^/# stdout: /' "$out.o" | head -n 5
		sed 's/^/# stderr: /' "$out.e" | head -n 5
		failed=1
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

echo "1..18"
check "--help exits 0" 0 "" --help
grep -q '^usage: timerctl' "$out.o" || { echo "# no usage line"; failed=1; }
check "--version exits 0" 0 "" --version
check "help status exits 0" 0 "" help status
check "an unknown command is a usage error" 2 "^timerctl: unknown command: frobnicate" frobnicate
check "no command is a usage error" 2 "^timerctl: no command given"
check "an unknown config key is a usage error" 2 "^timerctl: unknown setting: bogus" config bogus=1
check "a bad config value is a usage error" 2 "^timerctl: invalid value for histograms" \
	config histograms=maybe
check "show without an id is a usage error" 2 "^timerctl: show needs one context id" show
check "an ambiguous command prefix names the candidates" 2 \
	'^timerctl: ambiguous command "l": list, latency, load' l
check "-j before the command reaches it" 2 "exclude each other" -j status --prometheus
check "load --path of a missing file fails" 1 "^timerctl: cannot use /nonexistent/timerx.ko" \
	load --path /nonexistent/timerx.ko
if [ -d /sys/module/timerx ]; then
	for c in status list show hist config "status --prometheus" "st prefix"; do
		skip "$c without the module exits 3" "timerx is loaded here"
	done
else
	check "status without the module exits 3" 3 "^timerctl: timerx module is not loaded" status
	check "list -j without the module exits 3" 3 "not loaded" list -j
	check "show without the module exits 3" 3 "not loaded" show 1
	check "monitor without the module exits 3" 3 "not loaded" monitor --count 1 --timeout 1
	check "unload without the module exits 3" 3 "^timerctl: timerx module is not loaded" unload
	check "status --prometheus without the module exits 3" 3 "not loaded" status --prometheus
	# A textfile collector shows "down" instead of the last metrics.
	grep -qx 'timerx_up 0' "$out.o" || { echo "# no timerx_up 0 on stdout"; failed=1; }
	check "st (status) without the module exits 3" 3 "not loaded" st
fi
exit "$failed"
