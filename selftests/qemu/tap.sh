# shellcheck shell=bash
# TAP output of run-tests.sh: one numbering across all kernels, and the
# totals for the closing "N passed, M failed[, K skipped]" line.

TAP_N=0 TAP_PASSED=0 TAP_FAILED=0 TAP_SKIPPED=0

# tap_result pass|fail|skip DESCRIPTION
# DESCRIPTION may carry its own TAP directive ("name # SKIP why"); a skip
# without one gets "# SKIP" added so that TAP readers see it too.
tap_result() {
	local status=$1 desc=$2
	TAP_N=$((TAP_N + 1))
	case $status in
	pass)
		TAP_PASSED=$((TAP_PASSED + 1))
		echo "ok $TAP_N $desc"
		;;
	skip)
		TAP_SKIPPED=$((TAP_SKIPPED + 1))
		[[ $desc == *"# "[Ss][Kk][Ii][Pp]* ]] || desc="$desc # SKIP"
		echo "ok $TAP_N $desc"
		;;
	*)
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N $desc"
		;;
	esac
}

# Indent stdin as TAP diagnostics, at most $1 lines (default 60).
tap_diag() {
	local max=${1:-60}
	sed -e 's/\r$//' -e 's/^/#   /' | head -n "$max"
}

tap_note() { echo "# $*"; }

# The plan goes last because the count is only known at the end; the very
# last line is the plain summary that CI reads.
tap_finish() {
	echo "1..$TAP_N"
	local line="$TAP_PASSED passed, $TAP_FAILED failed"
	[ "$TAP_SKIPPED" = 0 ] || line="$line, $TAP_SKIPPED skipped"
	echo "$line"
	[ "$TAP_FAILED" = 0 ]
}
