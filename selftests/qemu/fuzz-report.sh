# shellcheck shell=bash
# After a VM run: figures of the fuzzer and the soak, and what the fuzzer's test (selftests/fuzz/timerx-fuzz.sh)
# printed beyond its TAP. Its figures become notes, its findings files in
# $BUILD/<kernel>/fuzz-crashes/ (to replay with the fuzzer, and to keep in
# selftests/fuzz/regressions/ once fixed), and its covered PCs a coverage
# report of the KCOV build of the module in $BUILD/<kernel>/fuzz-coverage.txt.

# The figures the fuzzer and the soak print ("# fuzz: ...", "# soak: ...")
# become notes of the run, passed or not.
report_figures() {
	local name=$1 line
	while IFS= read -r line; do
		tap_note "$name: ${line#\# }"
	done < <(grep -a -E '^# (fuzz|soak): ' "$2/results.log" 2>/dev/null || true)
}

report_fuzz() {
	local name=$1 dir=$2 log=$2/results.log repro b64 summary rc=0
	grep -q '^# fuzz: ' "$log" 2>/dev/null || return 0

	rm -rf "$dir/fuzz-crashes"
	while read -r _ _ repro b64; do
		mkdir -p "$dir/fuzz-crashes"
		base64 -d <<<"$b64" >"$dir/fuzz-crashes/${repro//\//_}" 2>/dev/null || true
	done < <(grep -a '^# fuzz-repro ' "$log")
	[ ! -d "$dir/fuzz-crashes" ] ||
		tap_note "$name: fuzzer findings saved in $dir/fuzz-crashes/ (replay: timerx_fuzz FILE in the VM)"

	[ -f "$dir/kmod-kcov/timerx.ko" ] || return 0
	{ grep -a '^# fuzz-pcs ' "$log" || true; } | awk '{ for (i = 4; i <= NF; i++) print $3, $i }' \
		>"$dir/fuzz-pcs.txt"
	summary=$(python3 "$here/fuzz-coverage.py" "$dir/kmod-kcov/timerx.ko" \
		"$dir/fuzz-pcs.txt" "$dir/fuzz-coverage.txt" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		tap_result pass "fuzzer's KCOV coverage of timerx.ko on $name"
		tap_note "$name: fuzz coverage: $summary (report: $dir/fuzz-coverage.txt)"
	else
		tap_result fail "fuzzer's KCOV coverage of timerx.ko on $name"
		echo "$summary" | tap_diag
	fi
}
