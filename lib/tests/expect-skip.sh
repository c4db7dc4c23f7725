#!/bin/sh
# Run an integration test binary where the device is absent and check that
# it skips the way the VM harness expects: TAP plan 1..1, one "ok 1 - NAME
# # SKIP reason" line, exit status 4 (KSFT_SKIP).
#
#   expect-skip.sh BINARY
set -u
bin=$1
name=${bin##*/}
out=$("$bin" 2>&1)
rc=$?
# As diagnostics: the binary's own SKIP line is not this check's result.
printf '%s\n' "$out" | sed 's/^/# /'
if [ "$rc" != 4 ]; then
	echo "FAIL: $name exited $rc, expected 4 (skip)"
	exit 1
fi
first=$(printf '%s\n' "$out" | sed -n 1p)
second=$(printf '%s\n' "$out" | sed -n 2p)
lines=$(printf '%s\n' "$out" | wc -l)
if [ "$first" != "1..1" ] || [ "$lines" != 2 ]; then
	echo "FAIL: $name: expected exactly a 1..1 plan and one result"
	exit 1
fi
case $second in
"ok 1 - $name # SKIP "?*) ;;
*)
	echo "FAIL: $name: expected 'ok 1 - $name # SKIP <reason>'"
	exit 1
	;;
esac
echo "PASS: $name skips cleanly without the device"
