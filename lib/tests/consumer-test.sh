#!/bin/sh
# Install libtimerx into a temporary DESTDIR + prefix, then build and run
# the out-of-tree consumer (tests/consumer) both ways: with CMake's
# find_package(timerx) and with a Makefile using pkg-config; each shared
# and static. Prints TAP; exit status 1 if any check failed.
#
#   consumer-test.sh LIB_SOURCE_DIR [WORK_DIR]
#
# The consumer needs no /dev/timerx (it uses a ring in plain memory and
# expects ENOENT for a missing device).
set -u

src=$(cd "${1:?usage: consumer-test.sh LIB_SOURCE_DIR [WORK_DIR]}" && pwd)
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/timerx-consumer.XXXXXX")}
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

prefix=/opt/timerx
destdir=$work/destdir
root=$destdir$prefix
consumer=$src/tests/consumer
jobs=$(nproc 2>/dev/null || echo 2)
n=0
failed=0

echo "TAP version 13"

# check DESCRIPTION COMMAND...: one TAP line; the command's output under a failure.
check() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/check.$n.log" 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		tail -n 40 "$work/check.$n.log" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}

finish() {
	echo "1..$n"
	[ "$failed" = 0 ] && exit 0
	exit 1
}

# Configured for the default prefix; lib/Makefile's install passes the real
# one to cmake --install --prefix, as the top-level Makefile will.
check "configure and build libtimerx (make -C lib build)" \
	make -C "$src" build BUILD="$work/build" JOBS="$jobs" \
	CMAKE_FLAGS="-DTIMERX_BUILD_TESTS=OFF -DTIMERX_BUILD_EXAMPLES=OFF"
check "install (make -C lib install PREFIX=$prefix DESTDIR=...)" \
	make -C "$src" install BUILD="$work/build" PREFIX="$prefix" DESTDIR="$destdir"
[ "$failed" = 0 ] || finish

libdir=$(dirname "$(find "$root" -name 'libtimerx.so.1' | head -n 1)")
[ -d "$libdir" ] || libdir=$root/lib

installed_files() {
	for f in "$root/include/timerx/timerx.hpp" "$root/include/timerx/uring_prep.hpp" \
		"$root/include/timerx/detail/atomic.hpp" "$root/include/linux/timerx.h" \
		"$libdir/libtimerx.so" "$libdir/libtimerx.so.1" "$libdir/libtimerx.a" \
		"$libdir/pkgconfig/libtimerx.pc" "$libdir/cmake/timerx/timerxConfig.cmake" \
		"$libdir/cmake/timerx/timerxConfigVersion.cmake" \
		"$libdir/cmake/timerx/timerxTargets.cmake" "$root/share/man/man3/libtimerx.3"; do
		[ -e "$f" ] || { echo "missing: $f"; return 1; }
	done
	# Nothing outside DESTDIR, nothing but the prefix inside it.
	[ "$(ls "$destdir")" = opt ] || { echo "DESTDIR holds: $(ls "$destdir")"; return 1; }
	! find "$root" -name .clang-format | grep -q .
}
check "installed files under DESTDIR$prefix" installed_files

abi() {
	so=$libdir/libtimerx.so.1
	readelf -d "$so" | grep -q 'SONAME.*\[libtimerx\.so\.1\]' || { echo "SONAME"; return 1; }
	readelf -d "$so" | grep -q 'NEEDED.*liburing' || { echo "liburing not NEEDED"; return 1; }
	readelf -d "$so" | grep -q 'NEEDED.*libmnl' || { echo "libmnl not NEEDED"; return 1; }
	objdump -T "$so" | grep -q 'TIMERX_1\.0' || { echo "no TIMERX_1.0 version"; return 1; }
	# Every exported symbol is versioned TIMERX_1.0 and in namespace timerx.
	bad=$(objdump -T "$so" | awk '$2 ~ /g/ && $4 != "*UND*" && $1 ~ /^[0-9a-f]+$/' |
		grep -v 'TIMERX_1\.0' || true)
	[ -z "$bad" ] || { echo "unversioned exports:"; echo "$bad"; return 1; }
	others=$(nm -D --defined-only "$so" | c++filt | awk '{ $1 = ""; $2 = ""; print }' |
		grep -v '^ *timerx::' | grep -v '^ *TIMERX_1\.0' | grep -v '^ *$' || true)
	[ -z "$others" ] || { echo "exports outside timerx::"; echo "$others"; return 1; }
}
check "SONAME libtimerx.so.1, exports only timerx::* at TIMERX_1.0" abi

# ---------------------------------------------------------------- CMake
check "CMake consumer: configure (find_package(timerx))" \
	cmake -S "$consumer" -B "$work/cmake-shared" -DCMAKE_PREFIX_PATH="$root"
check "CMake consumer: build" cmake --build "$work/cmake-shared"
check "CMake consumer: run (shared)" env LD_LIBRARY_PATH="$libdir" "$work/cmake-shared/consumer"
uses_installed() {
	env LD_LIBRARY_PATH="$libdir" ldd "$1" | grep "libtimerx.so.1 => $libdir/"
}
check "CMake consumer: loads the installed libtimerx.so.1" uses_installed "$work/cmake-shared/consumer"
check "CMake consumer: configure static (timerx::timerx_static)" \
	cmake -S "$consumer" -B "$work/cmake-static" -DCMAKE_PREFIX_PATH="$root" -DCONSUMER_STATIC=ON
check "CMake consumer: build static" cmake --build "$work/cmake-static"
not_linked_to_so() { ! ldd "$1" | grep -q libtimerx; }
check "CMake consumer: static binary needs no libtimerx.so" not_linked_to_so "$work/cmake-static/consumer"
check "CMake consumer: run (static)" "$work/cmake-static/consumer"

# ---------------------------------------------------------------- pkg-config
pc="pkg-config --define-variable=prefix=$root"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
check "pkg-config: libtimerx >= 1.0 found" $pc --exists --print-errors 'libtimerx >= 1.0'
pc_prefix() { grep -qx "prefix=$prefix" "$libdir/pkgconfig/libtimerx.pc"; }
check "libtimerx.pc: prefix=$prefix (the install-time prefix)" pc_prefix
pc_flags() {
	$pc --cflags libtimerx | grep -q -- "-I$root/include" &&
		$pc --libs libtimerx | grep -q -- "-L$libdir .*-ltimerx" &&
		$pc --static --libs libtimerx | grep -q -- '-luring' &&
		$pc --static --libs libtimerx | grep -q -- '-lmnl' &&
		! $pc --libs libtimerx | grep -q -- '-luring' &&
		! $pc --libs libtimerx | grep -q -- '-lmnl'
}
check "pkg-config: flags; liburing and libmnl only for static linking (Requires.private)" pc_flags
mkdir -p "$work/make"
check "Makefile consumer: build (shared)" make -C "$consumer" OUT="$work/make" PKG_CONFIG="$pc"
check "Makefile consumer: run (shared)" env LD_LIBRARY_PATH="$libdir" "$work/make/consumer"
check "Makefile consumer: loads the installed libtimerx.so.1" uses_installed "$work/make/consumer"
check "Makefile consumer: build static (pkg-config --static; libmnl stays shared)" \
	make -C "$consumer" OUT="$work/make" PKG_CONFIG="$pc" static
check "Makefile consumer: run (static)" "$work/make/consumer-static"
check "Makefile consumer: static binary needs no libtimerx.so" not_linked_to_so "$work/make/consumer-static"

finish
