#!/usr/bin/env bash
# The bash completion: parses, and completes commands, options, config keys
# and values. Prints TAP.
#
#   check-completion.sh timerctl.bash-completion PATH/TO/timerctl
set -u
file=${1:?usage: check-completion.sh FILE TIMERCTL}
tc=${2:?usage: check-completion.sh FILE TIMERCTL}
PATH=$(dirname "$tc"):$PATH
n=0
failed=0

# expect "WORDS..." "WANT..." : completes the last word, checks that every
# WANT is offered (and nothing when WANT is "-").
expect() {
	local line=$1 want=$2 w
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=('')
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_timerctl
	n=$((n + 1))
	local got=" ${COMPREPLY[*]} " ok=1
	if [[ $want == - ]]; then
		[[ ${#COMPREPLY[@]} == 0 ]] || ok=0
	else
		for w in $want; do
			[[ $got == *" $w "* ]] || ok=0
		done
	fi
	if [[ $ok == 1 ]]; then
		echo "ok $n - completes '$line'"
	else
		echo "not ok $n - completes '$line'"
		echo "# want: $want"
		echo "# got: ${COMPREPLY[*]}"
		failed=1
	fi
}

echo "1..26"
n=1
if bash -n "$file"; then echo "ok 1 - bash -n"; else echo "not ok 1 - bash -n"; failed=1; fi
# shellcheck source=/dev/null
. "$file"
expect "timerctl " "status list show hist config monitor latency load unload help --help --version"
expect "timerctl st" "status"
expect "timerctl list -" "-j --json --prometheus -t --timers --help"
expect "timerctl monitor --" "--json --count --timeout --help"
expect "timerctl config max_r" "max_ring_entries="
expect "timerctl config max_t" "max_timers_per_ctx= max_timers_per_user="
expect "timerctl config max_" "max_contexts_per_user= max_user_rate="
expect "timerctl load max_u" "max_user_rate="
expect "timerctl config histograms=o" "histograms=on histograms=off"
# bash splits at '=' (COMP_WORDBREAKS): "histograms" "=" "o"
expect "timerctl config histograms = o" "on off"
expect "timerctl config min_period_ns = " "-"
expect "timerctl help " "status unload"
expect "timerctl load --path /nonexistent-dir/x" "-"
expect "timerctl monitor --count " "-"
expect "timerctl lat" "latency"
expect "timerctl latency -" "-i -d -l -D -t -a -p -m -h -q -j --help --histogram --timer-cpu --mode --clock --soft"
expect "timerctl latency -q --mode " "poll uring epoll"
expect "timerctl latency --clock t" "tai"
expect "timerctl latency -h " "-"
expect "timerctl latency -i 100 --mode u" "uring"
expect "timerctl -" "-j --json -p --pretty --version"
expect "timerctl -j st" "status"
expect "timerctl -p li -" "-t --timers --json"
expect "timerctl lat --hi" "--histogram --histfile"
expect "timerctl latency -t -a --l" "--laptop --loops"
exit "$failed"
