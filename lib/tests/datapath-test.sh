#!/bin/sh
# datapath-test.sh CXX INCLUDE_DIRS SOURCE LIBTIMERX_SO LIBTIMERX_CONTROL_SO WORK
#
# The data path needs nothing of the control plane, so that an engine
# that only reads its ring links liburing and not libmnl:
#   - libtimerx.so has no libmnl (and no libtimerx-control) NEEDED, and
#     libtimerx-control.so has libmnl (libtimerx it needs only where it
#     calls into it: its users link both, pkg-config's Requires says so);
#   - SOURCE, which includes <timerx/timerx.hpp>, reads no netlink or
#     libmnl header nor <timerx/control.hpp> (the compiler's -M list), and
#     compiles with libmnl's and netlink's headers poisoned (an #error copy
#     of each first on the include path: as good as not installed);
#   - it links against libtimerx.so alone (no -lmnl, --no-undefined,
#     --as-needed) and runs.
# Prints TAP; exits 1 if any check failed.
set -u
cxx=$1 incs=$2 src=$3 so=$4 control_so=$5 work=$6
rm -rf "$work"
mkdir -p "$work/poison/libmnl" "$work/poison/linux"
flags="-std=c++20 -Wall -Wextra -Werror"
for d in $(echo "$incs" | tr ':' ' '); do flags="$flags -I$d"; done
n=0
failed=0
check() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/check.$n.log" 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/# /' "$work/check.$n.log" | tail -n 30
		failed=$((failed + 1))
	fi
}

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
so_needs() {
	needed "$so"
	! needed "$so" | grep -q -e libmnl -e libtimerx-control
}
check "libtimerx.so NEEDs neither libmnl nor libtimerx-control" so_needs
control_needs() {
	needed "$control_so"
	needed "$control_so" | grep -q libmnl
}
check "libtimerx-control.so NEEDs libmnl" control_needs

headers() {
	# shellcheck disable=SC2086
	"$cxx" $flags -M "$src" >"$work/deps" || return 1
	! grep -E 'libmnl|linux/netlink\.h|linux/genetlink\.h|timerx/control\.hpp' "$work/deps"
}
check "<timerx/timerx.hpp> reads no libmnl, netlink or control header" headers

for h in libmnl/libmnl.h linux/netlink.h linux/genetlink.h; do
	echo "#error \"$h: the data path must not need it\"" >"$work/poison/$h"
done
poisoned() {
	# shellcheck disable=SC2086
	"$cxx" -I"$work/poison" $flags -c -o "$work/datapath.o" "$src"
}
check "<timerx/timerx.hpp> compiles with libmnl's and netlink's headers poisoned" poisoned

links() {
	"$cxx" -o "$work/datapath" "$work/datapath.o" -Wl,--no-undefined -Wl,--as-needed \
		"$so" -Wl,-rpath,"$(dirname "$so")" &&
		! needed "$work/datapath" | grep -q -e libmnl -e libtimerx-control &&
		"$work/datapath"
}
check "a data-path program links with libtimerx.so alone and runs" links

echo "1..$n"
[ "$failed" = 0 ]
