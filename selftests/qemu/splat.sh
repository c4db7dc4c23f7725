# shellcheck shell=bash
# What counts as a kernel splat in a console log or a dmesg dump. Any match
# fails the kernel's "no kernel splat" test: a debug feature that reports
# but does not panic (lockdep, kmemleak, ODEBUG, ...) must still fail a run.

SPLAT_PATTERNS=(
	'BUG:' 'kernel BUG at' 'WARNING:' 'cut here' 'Oops' 'KASAN' 'UBSAN'
	'general protection fault' 'Kernel panic'
	'possible recursive locking' 'possible circular locking'
	'inconsistent lock state' 'Invalid wait context'
	'sleeping function called from invalid context' 'scheduling while atomic'
	'INFO: ' 'ODEBUG' 'list_add corruption' 'list_del corruption'
	'unreferenced object' 'detected stall' 'blocked for more than'
	'Call Trace:'
)

splat_regex() {
	local IFS='|'
	echo "${SPLAT_PATTERNS[*]}"
}

# splat_lines FILE...: the matching lines, each prefixed by its file name.
splat_lines() {
	local f
	for f in "$@"; do
		[ -s "$f" ] || continue
		grep -a -E -- "$(splat_regex)" "$f" | sed "s|^|${f##*/}: |" || true
	done
}

# splat_context FILE: 40 lines from the first match on, the report itself.
splat_context() {
	local first
	first=$(grep -a -n -m1 -E -- "$(splat_regex)" "$1" | cut -d: -f1 || true)
	[ -z "$first" ] || sed -n "${first},$((first + 39))p" "$1"
}
