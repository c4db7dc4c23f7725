# shellcheck shell=bash
# The host part of make test: libtimerx's own suite (unit tests under
# ASan/UBSan, header compile, install + consumer builds, clang-format),
# reported through the same TAP numbering as the kernels.

LIB_SRC=${TIMERX_LIB_DIR:-$root/lib}

# ctest -V prefixes each test's output with "N: ". Every TAP result line a
# test prints becomes one result; a test that prints none counts once, by
# its ctest status. Records: R<SEP>pass|fail|skip<SEP>description.
ctest_records() {
	awk -v sep="$SEP" '
	function emit(s, d) { print "R" sep s sep d }
	/^[0-9]+: Test command:/ { next }
	match($0, /^ *[0-9]+\/[0-9]+ Test +#[0-9]+: [^ ]+/) {
		split(substr($0, RSTART, RLENGTH), f, /#|: /)
		n = f[2] + 0; name[n] = f[3]
		status[n] = $0 ~ /Passed/ ? "pass" : ($0 ~ /Skipped|Not Run.*Disabled/ ? "skip" : "fail")
		next
	}
	match($0, /^[0-9]+: (not )?ok [0-9]+/) {
		n = substr($0, 1, index($0, ":") - 1) + 0
		line = substr($0, index($0, ":") + 2)
		s = line ~ /^not ok/ ? "fail" : "pass"
		if (s == "pass" && line ~ /# *[Ss][Kk][Ii][Pp]/) s = "skip"
		if (s == "fail") tapfail[n] = 1
		sub(/^(not )?ok [0-9]+ *(- *)?/, "", line)
		tap[n] = tap[n] s sep line "\n"
		next
	}
	END {
		for (n = 1; n in name; n++) {
			if (n in tap) {
				k = split(tap[n], rows, "\n")
				for (i = 1; i < k; i++) {
					split(rows[i], r, sep)
					emit(r[1], name[n] ": " r[2])
				}
				if (status[n] == "fail" && !(n in tapfail))
					emit("fail", name[n] ": exits 0")
			} else {
				emit(status[n], name[n])
			}
		}
	}'
}

# run_ctest_suite NAME SRC: build SRC's CMake project through its Makefile
# wrapper into $BUILD/NAME and import its ctest results as TAP.
run_ctest_suite() {
	local name=$1 src=$2 dir=$BUILD/$1 log=$BUILD/$1-build.log kind status desc
	tap_note "host: $name"
	if ! make -C "$src" build BUILD="$dir" >"$log" 2>&1; then
		tap_result fail "$name builds on the host"
		tail -n 30 "$log" | tap_diag
		return
	fi
	tap_result pass "$name builds on the host"
	ctest --test-dir "$dir" -V -j "$(nproc)" >"$BUILD/$name-test.log" 2>&1 || true
	while IFS=$SEP read -r kind status desc; do
		[ "$kind" = R ] && tap_result "$status" "$name $desc"
	done < <(ctest_records <"$BUILD/$name-test.log")
	grep -q 'tests passed' "$BUILD/$name-test.log" ||
		tap_result fail "$name ctest ran (see $BUILD/$name-test.log)"
}

run_host_tests() {
	run_ctest_suite libtimerx "$LIB_SRC"
}

# The library's static integration tests and examples join the guest's
# TESTS, before unload_test (which the guest runs last anyway).
build_lib_vm_tests() {
	local log=$BUILD/lib-vm-build.log
	if make -C "$LIB_SRC" integration OUT="$TESTS_DIR" BUILD="$BUILD/lib" >"$log" 2>&1 &&
		[ -s "$TESTS_DIR/TESTS.libtimerx" ]; then
		tap_result pass "libtimerx VM tests build (static)"
		[ -f "$TESTS_DIR/TESTS" ] && cat "$TESTS_DIR/TESTS.libtimerx" >>"$TESTS_DIR/TESTS"
		return
	fi
	tap_result fail "libtimerx VM tests build (static)"
	tail -n 30 "$log" | tap_diag
}

# tap_import PREFIX: the TAP results on stdin, renumbered into this run;
# the "#" lines after a failed result are shown with it.
tap_import() {
	local prefix=$1 line status desc last=
	while IFS= read -r line; do
		case $line in
		'ok '* | 'not ok '*)
			status=pass
			[[ $line == 'not ok '* ]] && status=fail
			desc=${line#*ok }
			desc=${desc#* }
			desc=${desc#- }
			[[ $status == pass && $desc == *'# '[Ss][Kk][Ii][Pp]* ]] && status=skip
			tap_result "$status" "$prefix: $desc"
			last=$status
			;;
		'#'*) [ "$last" = fail ] && printf '%s\n' "${line#\#}" | tap_diag ;;
		esac
	done
}

# DKMS add/build/install/remove against the installed Debian headers (the
# host cannot load the module, but dkms builds and installs it).
run_dkms_tests() {
	local rc=0
	tap_note "host: dkms"
	"$root/selftests/dkms/dkms-test.sh" >"$BUILD/dkms-test.log" 2>&1 || rc=$?
	tap_import dkms <"$BUILD/dkms-test.log"
	if [ "$rc" != 0 ] || ! grep -qE '^1\.\.[0-9]+' "$BUILD/dkms-test.log"; then
		tap_result fail "dkms: dkms-test.sh completed (rc=$rc, see $BUILD/dkms-test.log)"
	fi
}

# The Debian packages: make deb, lintian, then dpkg -i / use / dpkg --purge
# on the host for real (the packages' DKMS builds the module for the
# installed Debian headers); see selftests/deb/deb-test.sh.
run_deb_tests() {
	local rc=0
	tap_note "host: Debian packages"
	"$root/selftests/deb/deb-test.sh" "$BUILD" >"$BUILD/deb-test.log" 2>&1 || rc=$?
	tap_import deb <"$BUILD/deb-test.log"
	if [ "$rc" != 0 ] || ! grep -qE '^1\.\.[0-9]+' "$BUILD/deb-test.log"; then
		tap_result fail "deb: deb-test.sh completed (rc=$rc, see $BUILD/deb-test.log)"
	fi
}

# timerctl (tools/timerctl): its host suite like libtimerx's, and its VM
# end-to-end test (selftests/timerctl/timerctl-e2e.sh) with what that needs
# in the guest's /tests: timerctl, runas, engine_10k, jq and promtool
# (fetched into $TIMERX_CACHE/promtool; without it that one check skips).
TIMERCTL_SRC=${TIMERX_TIMERCTL_DIR:-$root/tools/timerctl}

run_timerctl_host_tests() {
	run_ctest_suite timerctl "$TIMERCTL_SRC"
}

build_timerctl_vm_tests() {
	local log=$BUILD/timerctl-vm-build.log cache=${TIMERX_CACHE:-$HOME/.cache/timerx}
	TIMERX_CACHE=$cache "$TIMERCTL_SRC/fetch-promtool.sh" >"$log" 2>&1 ||
		echo "no promtool: the e2e test skips its check" >>"$log"
	if make -C "$TIMERCTL_SRC" vm OUT="$TESTS_DIR" BUILD="$BUILD/timerctl" \
		TIMERX_CACHE="$cache" >>"$log" 2>&1; then
		tap_result pass "timerctl VM test builds"
		# Before unload_test (which the guest runs last anyway).
		if [ -f "$TESTS_DIR/TESTS" ] && ! grep -qx timerctl-e2e.sh "$TESTS_DIR/TESTS"; then
			if grep -qx unload_test "$TESTS_DIR/TESTS"; then
				sed -i '/^unload_test$/i timerctl-e2e.sh' "$TESTS_DIR/TESTS"
			else
				echo timerctl-e2e.sh >>"$TESTS_DIR/TESTS"
			fi
		fi
		return
	fi
	tap_result fail "timerctl VM test builds"
	tail -n 30 "$log" | tap_diag
}

# The benchmark suite's smoke run (bench/run-bench.sh --smoke): every
# contestant of every workload once, tiny, on the stock kernel. It checks
# that the suite works (records, report, plots; bench/report.py --check
# prints the TAP), never how fast anything is.
run_bench_smoke() {
	local log=$BUILD/bench-smoke.log out=$BUILD/bench-smoke rc=0
	tap_note "host: bench smoke run (stock kernel under QEMU)"
	BUILD=$BUILD "$root/bench/run-bench.sh" --smoke --kernel stock --out "$out" >"$log" 2>&1 ||
		rc=$?
	tap_import bench <"$log"
	if [ "$rc" = 0 ]; then
		tap_result pass "bench: smoke run completed (end marker, no kernel splat)"
	else
		tap_result fail "bench: smoke run completed (rc=$rc, see $log)"
		grep -v '^\(not \)\{0,1\}ok \|^#   \|^1\.\.' "$log" | tail -n 25 | tap_diag
	fi
}

# The docs (docs/tests/run-docs-tests.sh): every snippet of README.md and
# docs/*.md compiled and linked against the libtimerx just built, the
# snippet checker's own test, the netlink spec against the UAPI header.
run_docs_tests() {
	local rc=0 log=$BUILD/docs-test.log
	tap_note "host: docs"
	env BUILD="$BUILD" TIMERX_DOCS_LIB_BUILD="$BUILD/libtimerx" \
		"$root/docs/tests/run-docs-tests.sh" >"$log" 2>&1 || rc=$?
	tap_import docs <"$log"
	if ! grep -qE '^1\.\.[0-9]+' "$log"; then
		tap_result fail "docs: run-docs-tests.sh completed (rc=$rc, see $log)"
	fi
}

# The ynl VM test (selftests/docs/ynl-test.sh): the kernel's ynl client
# with docs/netlink/timerx.yaml against the module, with python3 and the
# part of its library it needs staged into the guest's /tests.
build_docs_vm_tests() {
	local log=$BUILD/docs-vm-build.log
	[ -f "$TESTS_DIR/TESTS" ] || return 0
	if "$root/selftests/docs/stage-ynl.sh" "$TESTS_DIR" >"$log" 2>&1; then
		tap_result pass "ynl VM test stages (python3, ynl, the spec)"
		tap_note "$(tail -n 1 "$log")"
		return
	fi
	tap_result fail "ynl VM test stages (python3, ynl, the spec)"
	tail -n 30 "$log" | tap_diag
}

# The Go package (lib/go): its host suite (gofmt, go vet, go test -race
# against an in-memory ring, the UAPI layout against the C header) as TAP,
# and its VM tests, one static binary (CGO_ENABLED=0) joining the guest's
# TESTS, before unload_test (which the guest runs last anyway).
GO_SRC=${TIMERX_GO_DIR:-$root/lib/go}

run_go_host_tests() {
	local log=$BUILD/go-host-test.log rc=0
	tap_note "host: Go package (lib/go)"
	make -s -C "$GO_SRC" tap BUILD="$BUILD/go" >"$log" 2>&1 || rc=$?
	tap_import go <"$log"
	[ "$rc" = 0 ] || tap_result fail "go: host suite ran to completion (rc=$rc, see $log)"
}

# The timer-queue candidates (bench/queue): each queue against a
# sorted-array reference under ASan/UBSan, and the check that the test
# fails for a broken copy of each (a few seconds; the first build extracts
# the kernel's rbtree from the linux-source tarball).
QUEUE_SRC=${TIMERX_QUEUE_DIR:-$root/bench/queue}

run_queue_host_tests() {
	local log=$BUILD/queue-test.log rc=0
	tap_note "host: timer queue candidates (bench/queue)"
	make -s -C "$QUEUE_SRC" tap OUT="$BUILD/bench-queue" >"$log" 2>&1 || rc=$?
	tap_import queue <"$log"
	[ "$rc" = 0 ] || tap_result fail "queue: bench/queue test ran to completion (rc=$rc, see $log)"
}

build_go_vm_tests() {
	local log=$BUILD/go-vm-build.log
	if make -C "$GO_SRC" vm OUT="$TESTS_DIR" >"$log" 2>&1 && [ -s "$TESTS_DIR/TESTS.go" ]; then
		tap_result pass "Go VM tests build (static, CGO_ENABLED=0)"
		[ -f "$TESTS_DIR/TESTS" ] && cat "$TESTS_DIR/TESTS.go" >>"$TESTS_DIR/TESTS"
		return
	fi
	tap_result fail "Go VM tests build (static, CGO_ENABLED=0)"
	tail -n 30 "$log" | tap_diag
}
