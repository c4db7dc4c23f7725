#!/bin/sh
# timerctl(8): renders without warnings (man -l, groff -man -ww -z) and
# documents every command, every exit status and the output formats.
# Prints TAP.
#
#   check-man.sh docs/timerctl.8 PATH/TO/timerctl
set -u
page=${1:?usage: check-man.sh PAGE TIMERCTL}
tc=${2:?usage: check-man.sh PAGE TIMERCTL}
n=0
failed=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

echo "1..5"
if command -v groff >/dev/null; then
	warn=$(groff -man -ww -z "$page" 2>&1)
	[ -z "$warn" ]
	result $? "groff -man -ww -z: no warnings"
	[ -n "$warn" ] && printf '%s\n' "$warn" | sed 's/^/# /'
else
	n=$((n + 1))
	echo "ok $n - groff -man -ww -z: no warnings # SKIP no groff"
fi
if command -v man >/dev/null; then
	warn=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)
	[ -z "$warn" ]
	result $? "man -l renders it without messages"
	[ -n "$warn" ] && printf '%s\n' "$warn" | sed 's/^/# /'
else
	n=$((n + 1))
	echo "ok $n - man -l renders it # SKIP no man"
fi
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS OUTPUT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	grep -q "^\.SH \"\?$s\"\?\$" "$page" || { echo "# missing section $s"; miss=1; }
done
[ -z "${miss:-}" ]
result $? "has every section"
miss=
for c in $("$tc" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }'); do
	grep -Eq "^\.BR? $c( |\$)" "$page" || { echo "# command $c not documented"; miss=1; }
done
[ -z "$miss" ]
result $? "documents every command of --help"
miss=
for code in 0 1 2 3 4 5; do
	grep -Eq "^\.B $code\$" "$page" || { echo "# exit status $code not documented"; miss=1; }
	"$tc" --help | grep -q "^  $code  " || { echo "# --help lacks exit status $code"; miss=1; }
done
grep -q 'timerx_lateness_seconds' "$page" || { echo "# no Prometheus metric names"; miss=1; }
[ -z "$miss" ]
result $? "documents exit statuses 0-5 and the Prometheus metrics"
exit "$failed"
