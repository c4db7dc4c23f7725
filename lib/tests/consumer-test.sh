#!/bin/sh
# Install libtimerx and libtimerx-control into a temporary DESTDIR +
# prefix, then build and run the out-of-tree consumers (tests/consumer: the
# data path, which must need no libmnl, and the control plane) both ways:
# with CMake's find_package(timerx COMPONENTS control) and with a Makefile
# using pkg-config; each shared and static. Prints TAP; exit status 1 if
# any check failed.
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
		"$root/include/timerx/control.hpp" \
		"$libdir/libtimerx.so" "$libdir/libtimerx.so.1" "$libdir/libtimerx.a" \
		"$libdir/libtimerx-control.so" "$libdir/libtimerx-control.so.1" \
		"$libdir/libtimerx-control.a" "$libdir/pkgconfig/libtimerx-control.pc" \
		"$libdir/pkgconfig/libtimerx.pc" "$libdir/cmake/timerx/timerxConfig.cmake" \
		"$libdir/cmake/timerx/timerxConfigVersion.cmake" \
		"$libdir/cmake/timerx/timerxTargets.cmake" \
		"$libdir/cmake/timerx/timerxControlTargets.cmake" "$root/share/man/man3/libtimerx.3"; do
		[ -e "$f" ] || { echo "missing: $f"; return 1; }
	done
	# Nothing outside DESTDIR, nothing but the prefix inside it.
	[ "$(ls "$destdir")" = opt ] || { echo "DESTDIR holds: $(ls "$destdir")"; return 1; }
	! find "$root" -name .clang-format | grep -q .
}
check "installed files under DESTDIR$prefix" installed_files

# abi LIB NODE: LIB's soname is LIB.so.1 and it exports only timerx::*, all at NODE.
abi() {
	so=$libdir/$1.so.1
	readelf -d "$so" | grep -q "SONAME.*\[$1\.so\.1\]" || { echo "SONAME"; return 1; }
	objdump -T "$so" | grep -q "$2" || { echo "no $2 version"; return 1; }
	bad=$(objdump -T "$so" | awk '$2 ~ /g/ && $4 != "*UND*" && $1 ~ /^[0-9a-f]+$/' |
		grep -v "$2" || true)
	[ -z "$bad" ] || { echo "exports not at $2:"; echo "$bad"; return 1; }
	others=$(nm -D --defined-only "$so" | c++filt | awk '{ $1 = ""; $2 = ""; print }' |
		grep -v '^ *timerx::' | grep -v "^ *$2" | grep -v '^ *$' || true)
	[ -z "$others" ] || { echo "exports outside timerx::"; echo "$others"; return 1; }
}
needed() { readelf -d "$libdir/$1.so.1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
datapath_needs() {
	needed libtimerx | grep -q liburing || { echo "liburing not NEEDED"; return 1; }
	! needed libtimerx | grep -q -e libmnl -e libtimerx-control ||
		{ echo "libtimerx.so needs: $(needed libtimerx)"; return 1; }
}
control_needs() { needed libtimerx-control | grep -q libmnl; }
check "libtimerx.so.1: exports only timerx::* at TIMERX_1.0" abi libtimerx 'TIMERX_1\.0'
check "libtimerx.so.1 NEEDs liburing, not libmnl" datapath_needs
check "libtimerx-control.so.1: exports only timerx::* at TIMERX_CONTROL_1.0" \
	abi libtimerx-control 'TIMERX_CONTROL_1\.0'
check "libtimerx-control.so.1 NEEDs libmnl" control_needs
# The control plane lives in one library: neither exports the other's.
apart() {
	! nm -D --defined-only "$libdir/libtimerx.so.1" | c++filt | grep -E 'timerx::(Control|Monitor)::' &&
		! nm -D --defined-only "$libdir/libtimerx-control.so.1" | c++filt |
		grep -E 'timerx::(Context|Uring|Histogram|Batch)::'
}
check "Control and Monitor only in libtimerx-control, the data path only in libtimerx" apart

# ---------------------------------------------------------------- CMake
check "CMake consumers: configure (find_package(timerx COMPONENTS control))" \
	cmake -S "$consumer" -B "$work/cmake-shared" -DCMAKE_PREFIX_PATH="$root"
check "CMake consumers: build" cmake --build "$work/cmake-shared"
check "CMake consumer: run (shared)" env LD_LIBRARY_PATH="$libdir" "$work/cmake-shared/consumer"
check "CMake consumer-control: run (shared)" \
	env LD_LIBRARY_PATH="$libdir" "$work/cmake-shared/consumer-control"
uses_installed() {
	env LD_LIBRARY_PATH="$libdir" ldd "$1" | grep "$2 => $libdir/"
}
datapath_only() {
	env LD_LIBRARY_PATH="$libdir" ldd "$1" | grep "libtimerx.so.1 => $libdir/" &&
		! env LD_LIBRARY_PATH="$libdir" ldd "$1" | grep -e libmnl -e libtimerx-control
}
check "CMake consumer: loads the installed libtimerx.so.1, and not libmnl" \
	datapath_only "$work/cmake-shared/consumer"
check "CMake consumer-control: loads the installed libtimerx-control.so.1" \
	uses_installed "$work/cmake-shared/consumer-control" libtimerx-control.so.1
check "CMake consumers: configure static (timerx::timerx_static, timerx::control_static)" \
	cmake -S "$consumer" -B "$work/cmake-static" -DCMAKE_PREFIX_PATH="$root" -DCONSUMER_STATIC=ON
check "CMake consumers: build static" cmake --build "$work/cmake-static"
not_linked_to_so() { ! ldd "$1" | grep -q libtimerx; }
check "CMake consumer: static binary needs no libtimerx.so" \
	not_linked_to_so "$work/cmake-static/consumer"
check "CMake consumer-control: static binary needs no libtimerx*.so" \
	not_linked_to_so "$work/cmake-static/consumer-control"
check "CMake consumer: run (static)" "$work/cmake-static/consumer"
check "CMake consumer-control: run (static)" "$work/cmake-static/consumer-control"
# A data-path project asks for no component and needs no libmnl.
datapath_package() {
	mkdir -p "$work/cmake-datapath"
	cat >"$work/cmake-datapath/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(datapath LANGUAGES CXX)
find_package(timerx 1.0 REQUIRED)
add_executable(consumer $consumer/main.cc)
target_link_libraries(consumer PRIVATE timerx::timerx)
EOF
	cmake -S "$work/cmake-datapath" -B "$work/cmake-datapath/build" -DCMAKE_PREFIX_PATH="$root" &&
		cmake --build "$work/cmake-datapath/build" &&
		env LD_LIBRARY_PATH="$libdir" "$work/cmake-datapath/build/consumer"
}
check "CMake: find_package(timerx) without components: the data path" datapath_package

# ---------------------------------------------------------------- pkg-config
pc="pkg-config --define-variable=prefix=$root"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
check "pkg-config: libtimerx >= 1.0 and libtimerx-control >= 1.0 found" \
	$pc --exists --print-errors 'libtimerx >= 1.0' 'libtimerx-control >= 1.0'
pc_prefix() {
	grep -qx "prefix=$prefix" "$libdir/pkgconfig/libtimerx.pc" &&
		grep -qx "prefix=$prefix" "$libdir/pkgconfig/libtimerx-control.pc"
}
check "libtimerx.pc, libtimerx-control.pc: prefix=$prefix (the install-time prefix)" pc_prefix
pc_flags() {
	$pc --cflags libtimerx | grep -q -- "-I$root/include" &&
		$pc --libs libtimerx | grep -q -- "-L$libdir .*-ltimerx" &&
		$pc --static --libs libtimerx | grep -q -- '-luring' &&
		! $pc --static --libs libtimerx | grep -q -- '-lmnl' &&
		! $pc --libs libtimerx | grep -q -- '-luring'
}
check "pkg-config libtimerx: liburing only for static linking, libmnl never" pc_flags
pc_control_flags() {
	$pc --libs libtimerx-control | grep -q -- '-ltimerx-control .*-ltimerx' &&
		$pc --static --libs libtimerx-control | grep -q -- '-lmnl' &&
		$pc --static --libs libtimerx-control | grep -q -- '-luring' &&
		! $pc --libs libtimerx-control | grep -q -- '-lmnl' &&
		$pc --print-requires libtimerx-control | grep -q '^libtimerx' &&
		$pc --print-requires-private libtimerx-control | grep -q '^libmnl'
}
check "pkg-config libtimerx-control: Requires libtimerx, libmnl private" pc_control_flags
mkdir -p "$work/make"
check "Makefile consumers: build (shared)" make -C "$consumer" OUT="$work/make" PKG_CONFIG="$pc"
check "Makefile consumer: run (shared)" env LD_LIBRARY_PATH="$libdir" "$work/make/consumer"
check "Makefile consumer-control: run (shared)" \
	env LD_LIBRARY_PATH="$libdir" "$work/make/consumer-control"
check "Makefile consumer: loads the installed libtimerx.so.1, and not libmnl" \
	datapath_only "$work/make/consumer"
check "Makefile consumer-control: loads the installed libtimerx-control.so.1" \
	uses_installed "$work/make/consumer-control" libtimerx-control.so.1
check "Makefile consumers: build static (the data path fully static; libmnl stays shared)" \
	make -C "$consumer" OUT="$work/make" PKG_CONFIG="$pc" static
check "Makefile consumer: run (static)" "$work/make/consumer-static"
fully_static() { ! readelf -d "$1" | grep -q NEEDED; }
check "Makefile consumer: the static data path needs no shared library at all" \
	fully_static "$work/make/consumer-static"
check "Makefile consumer-control: run (static)" "$work/make/consumer-control-static"
check "Makefile consumer-control: static binary needs no libtimerx*.so" \
	not_linked_to_so "$work/make/consumer-control-static"

finish
