#!/bin/sh
# compile-fail.sh CXX INCLUDE_DIRS FILE CASE PATTERN
#
# FILE must compile as it is (the control: nothing else in it is broken)
# and must fail to compile with -DTIMERX_COMPILE_FAIL=CASE, with a
# diagnostic matching PATTERN (so that it fails for the reason the test is
# about). INCLUDE_DIRS: colon-separated. Prints one TAP line.
set -u
cxx=$1 incs=$2 file=$3 case=$4 pattern=$5
flags="-std=c++20 -fsyntax-only -Wall -Wextra -Werror"
for d in $(echo "$incs" | tr ':' ' '); do flags="$flags -I$d"; done
name="$(basename "$file" .cc) case $case"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
if ! "$cxx" $flags "$file" >"$log" 2>&1; then
	echo "not ok - $name: the control build (without the broken line) fails:"
	sed 's/^/# /' "$log"
	exit 1
fi
# shellcheck disable=SC2086
if "$cxx" $flags -DTIMERX_COMPILE_FAIL="$case" "$file" >"$log" 2>&1; then
	echo "not ok - $name: compiled, but must not"
	exit 1
fi
if ! grep -Eq "$pattern" "$log"; then
	echo "not ok - $name: failed, but not with /$pattern/:"
	sed 's/^/# /' "$log"
	exit 1
fi
echo "ok - $name does not compile: $(grep -Em1 "$pattern" "$log" | cut -c1-160)"
