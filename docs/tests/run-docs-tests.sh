#!/usr/bin/env bash
# The docs' host tests, as one TAP stream (make docs-test; make test's host
# part runs it through selftests/qemu/host.sh):
#   - libtimerx built and installed into a staging prefix, for linking;
#   - every code snippet of README.md and docs/*.md (docs/tests/snippets.py;
#     the convention is in docs/CONTRIBUTING.md);
#   - the snippet checker's own test on its fixture;
#   - every pkg-config command of the docs and man pages runs against the
#     staged .pc files (docs/tests/pkg_config_test.py);
#   - libtimerx(3)'s SYNOPSIS against the headers, declaration by
#     declaration (docs/tests/man_synopsis_test.py);
#   - docs/netlink/timerx.yaml against the kernel's schema and the UAPI
#     header (linux-source-6.12's ynl, unpacked once into TIMERX_CACHE).
#
# Environment: BUILD (output, default <repo>/build), TIMERX_DOCS_LIB_BUILD
# (a libtimerx CMake build tree to reuse, default $BUILD/docs/lib, built
# here without tests or examples), TIMERX_CACHE, JOBS (2).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
out=$BUILD/docs
lib_build=${TIMERX_DOCS_LIB_BUILD:-$out/lib}
stage=$out/stage
jobs=${JOBS:-2}
python=/usr/bin/python3
mkdir -p "$out"

n=0 failed=0
# The results of one producer on stdin, renumbered; its plan is dropped.
import_tap() {
	local line
	while IFS= read -r line; do
		case $line in
		'ok '* | 'not ok '*)
			n=$((n + 1))
			local status=${line%% [0-9]*} rest=${line#* ok }
			[ "$status" = ok ] || { status='not ok'; failed=$((failed + 1)); }
			rest=${line#"$status" }
			rest=${rest#* }
			echo "$status $n $rest"
			;;
		'#'*) echo "$line" ;;
		esac
	done
}
result() { # pass|fail DESCRIPTION [LOG]
	if [ "$1" = pass ]; then
		import_tap <<<"ok 1 $2"
	else
		import_tap < <(echo "not ok 1 $2"
			[ -n "${3:-}" ] && tail -n 25 "$3" | sed 's/^/#   /')
	fi
}

echo "TAP version 13"

# libtimerx, installed as a user would link it.
log=$out/lib-build.log
if { [ -f "$lib_build/CMakeCache.txt" ] ||
	cmake -S "$root/lib" -B "$lib_build" -DTIMERX_BUILD_TESTS=OFF \
		-DTIMERX_BUILD_EXAMPLES=OFF; } >"$log" 2>&1 &&
	cmake --build "$lib_build" -j "$jobs" >>"$log" 2>&1 &&
	rm -rf "$stage" && cmake --install "$lib_build" --prefix "$stage" >>"$log" 2>&1; then
	result pass "docs: libtimerx builds and installs for linking the snippets"
else
	result fail "docs: libtimerx builds and installs for linking the snippets" "$log"
fi
link=
mapfile -t pcs < <(find "$stage" -name '*.pc' 2>/dev/null | sort)
if [ "${#pcs[@]}" -gt 0 ]; then
	pcdirs=$(printf '%s\n' "${pcs[@]}" | xargs -n1 dirname | sort -u | paste -sd:)
	names=$(printf '%s\n' "${pcs[@]}" | xargs -n1 basename | sed 's/\.pc$//')
	# shellcheck disable=SC2086 # one word per package
	link="$(PKG_CONFIG_PATH=$pcdirs pkg-config --libs $names)"
	for d in $(printf '%s\n' "${pcs[@]}" | xargs -n1 dirname | xargs -n1 dirname | sort -u); do
		link="$link -Wl,-rpath,$d"
	done
fi
# uring_prep.hpp's snippets use liburing themselves, as its users do.
link="$link $(pkg-config --libs liburing)"

# The snippets of the docs.
docs=("$root/README.md")
for f in "$root"/docs/*.md; do docs+=("$f"); done
import_tap < <("$python" "$here/snippets.py" --root "$root" --work "$out/snippets" --jobs "$jobs" \
	--link "$link" "${docs[@]}" 2>&1)

# The checker's own test.
import_tap < <(SNIPPETS_TEST_WORK=$out/snippets-test "$python" "$here/snippets_test.py" 2>&1)

# Every pkg-config command the docs and man pages show runs against the
# staged .pc files (package names, variables and options that exist).
import_tap < <(PKG_CONFIG_PATH=${pcdirs:-$stage/nonexistent} "$python" "$here/pkg_config_test.py" \
	--root "$root" --self-test "${docs[@]}" "$root/lib/man/libtimerx.3" "$root/docs/timerctl.8" 2>&1)

# libtimerx(3)'s SYNOPSIS: every declaration as the headers have it.
import_tap < <("$python" "$here/man_synopsis_test.py" --root "$root" --work "$out/man-synopsis" \
	--self-test "$root/lib/man/libtimerx.3" 2>&1)

# The netlink spec.
if ynl_root=$("$here/linux-ynl.sh" 2>"$out/linux-ynl.log"); then
	import_tap < <("$python" "$here/netlink_spec_test.py" --ynl "$ynl_root/tools/net/ynl" 2>&1)
else
	result fail "docs: the kernel's ynl and netlink schemas unpack from linux-source-6.12" \
		"$out/linux-ynl.log"
fi

echo "1..$n"
[ "$failed" = 0 ]
