#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of timerx's DKMS packaging. Prints TAP ("ok N - ..." /
# "not ok N - ...", a plan at the end) and exits non-zero if any check failed.
#
#   selftests/dkms/dkms-test.sh [KERNELVER...]
#
# Without arguments it tests every kernel whose headers are installed
# (/lib/modules/VER/build/Makefile exists). Needs root and dkms.
#
# Isolation: dkms runs with a scratch --dkmstree and --sourcetree, the MOK
# signing key dkms would otherwise create in /var/lib/dkms is put in the
# scratch directory too, and nothing of an existing timerx install is
# touched. The only shared state written is the real install tree, as in
# production: /lib/modules/VER/updates/dkms/timerx.ko and depmod's files,
# removed again (and depmod re-run by dkms) before the test ends, also on
# failure or interruption. A kernel that already has a timerx.ko installed
# has its install steps skipped.
#
# Part A exercises "make dkms-install" / "make dkms-remove" (staging,
# idempotency, clean removal) on the first kernel; part B drives dkms
# directly for every kernel: add, build, vermagic, install, remove, and
# checks that a kernel outside BUILD_EXCLUSIVE_KERNEL is refused.

# The check functions are called indirectly, through check(), and shellcheck
# takes them for unreachable after finish()'s exit.
# shellcheck disable=SC2317
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

n=0
failed=0
tmp=
log=/dev/null

say() { printf '%s\n' "$*"; }

pass() {
	n=$((n + 1))
	say "ok $n - $1"
}

fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	say "not ok $n - $1"
	# The tail of dkms' and make's output, as TAP diagnostics.
	if [ -s "$log" ]; then
		tail -n 25 "$log" | sed 's/^/#   /'
	fi
}

skip() {
	n=$((n + 1))
	say "ok $n - $1 # SKIP $2"
}

# check DESCRIPTION COMMAND...: run COMMAND with its output in the log.
check() {
	local desc=$1
	shift
	: >"$log"
	if "$@" >>"$log" 2>&1; then
		pass "$desc"
	else
		fail "$desc"
	fi
}

finish() {
	say "1..$n"
	[ "$failed" = 0 ]
	exit
}

# Every timerx module file under /lib/modules/VER (any compression suffix).
installed_kos() {
	find "/lib/modules/$1" -name 'timerx.ko*' 2>/dev/null
}

# No timerx.ko under /lib/modules/VER and none in its modules.dep.
nothing_installed() {
	local k=$1 kos
	kos=$(installed_kos "$k")
	if [ -n "$kos" ]; then
		echo "left behind: $kos"
		return 1
	fi
	if grep -q 'timerx\.ko' "/lib/modules/$k/modules.dep" 2>/dev/null; then
		echo "timerx still in /lib/modules/$k/modules.dep"
		return 1
	fi
}

if [ "$(id -u)" != 0 ]; then
	skip "dkms packaging" "needs root"
	finish
fi
if ! command -v dkms >/dev/null; then
	fail "dkms is installed (tools/install-deps.sh installs it)"
	finish
fi

version=$(tr -d '[:space:]' <"$repo/kmod/VERSION")
if [ -z "$version" ]; then
	fail "kmod/VERSION holds the version"
	finish
fi

kernels=("$@")
if [ "${#kernels[@]}" = 0 ]; then
	for build in /lib/modules/*/build; do
		[ -f "$build/Makefile" ] || continue
		build=${build%/build}
		kernels+=("${build##*/}")
	done
fi
if [ "${#kernels[@]}" = 0 ]; then
	fail "kernel headers are installed"
	finish
fi

tmp=$(mktemp -d /tmp/timerx-dkms-test.XXXXXX)
log=$tmp/log
export TMPDIR=$tmp
# dkms reads these from the environment unless framework.conf sets them.
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub

# On any exit, uninstall whatever the scratch dkms trees still hold (this
# removes the modules from /lib/modules and re-runs depmod) and drop them.
cleanup() {
	local t
	for t in "$tmp"/*/dkms; do
		[ -d "$t/timerx/$version" ] || continue
		dkms --dkmstree "$t" --sourcetree "${t%/dkms}/src" \
			remove "timerx/$version" --all >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Kernels this run may install into: those without a timerx of their own.
declare -A busy=()
for k in "${kernels[@]}"; do
	[ -z "$(installed_kos "$k")" ] || busy[$k]=1
done

say "# timerx $version, kernels: ${kernels[*]}"

# ---------------------------------------------------------------------------
# Part A: the Makefile targets, on the first kernel that is free.
# ---------------------------------------------------------------------------
a=$tmp/a
mkdir -p "$a"
make_dkms() {
	make -C "$repo" -s "$@" DKMS_SOURCETREE="$a/src" DKMS_TREE="$a/dkms"
}
a_status() {
	dkms --dkmstree "$a/dkms" --sourcetree "$a/src" status -m timerx
}
a_installed() {
	a_status | grep -qF "timerx/$version, $1, " &&
		a_status | grep -F "timerx/$version, $1, " | grep -q ': installed' &&
		[ -n "$(installed_kos "$1")" ]
}
# The staged tree: the generated dkms.conf, the module and the UAPI header,
# and no build artefacts.
staged_ok() {
	local s=$a/src/timerx-$version
	grep -qx "PACKAGE_VERSION=\"$version\"" "$s/dkms.conf" &&
		! grep -q '@VERSION@' "$s/dkms.conf" &&
		[ -f "$s/kmod/Kbuild" ] && [ -f "$s/kmod/VERSION" ] &&
		[ -f "$s/include/uapi/linux/timerx.h" ] &&
		[ -z "$(find "$s" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' \
			-o -name '*.mod.c' \) -print -quit)" ]
}
a_removed() {
	[ -z "$(a_status)" ] && nothing_installed "$1" &&
		[ ! -e "$a/src/timerx-$version" ]
}

ka=
for k in "${kernels[@]}"; do
	[ -n "${busy[$k]:-}" ] || { ka=$k; break; }
done
if [ -z "$ka" ]; then
	skip "make dkms-install/dkms-remove" "timerx already installed for every kernel"
else
	check "make dkms-install KERNELVER=$ka" make_dkms dkms-install KERNELVER="$ka"
	check "make dkms-install: staged tree has dkms.conf $version, kmod/, include/uapi/, no artefacts" staged_ok
	# Keep the staged tree for part B, so both test the same source.
	cp -a "$a/src/timerx-$version" "$tmp/staged"
	check "make dkms-install: timerx/$version installed for $ka" a_installed "$ka"
	check "make dkms-install again (idempotent)" make_dkms dkms-install KERNELVER="$ka"
	check "make dkms-install again: still installed for $ka" a_installed "$ka"
	check "make dkms-remove" make_dkms dkms-remove
	check "make dkms-remove: no dkms status, no timerx.ko, no source tree" a_removed "$ka"
	check "make dkms-remove again (idempotent)" make_dkms dkms-remove
fi

# ---------------------------------------------------------------------------
# Part B: dkms directly, for every kernel.
# ---------------------------------------------------------------------------
b=$tmp/b
mkdir -p "$b/src" "$b/dkms"
bdkms() {
	dkms --dkmstree "$b/dkms" --sourcetree "$b/src" "$@"
}
b_status() {
	bdkms status -m timerx
}

if [ ! -d "$tmp/staged" ]; then
	# Part A did not run: stage the tree the way "make dkms-install" does.
	make -C "$repo" -s dkms-install DKMS_SOURCETREE="$b/stage" \
		DKMS_TREE="$b/stage-dkms" KERNELVER=none >/dev/null 2>&1
	cp -a "$b/stage/timerx-$version" "$tmp/staged"
fi
cp -a "$tmp/staged" "$b/src/timerx-$version"
check "dkms add timerx/$version" bdkms add -m timerx -v "$version"

# The BUILD_EXCLUSIVE_KERNEL regex, as dkms applies it ([[ =~ ]]).
exclusive_ok() {
	(
		# dkms.conf refers to variables dkms defines, such as
		# ${kernel_source_dir}.
		set +u
		# shellcheck source=/dev/null
		. "$b/src/timerx-$version/dkms.conf" || exit 1
		[ -n "$BUILD_EXCLUSIVE_KERNEL" ] || { echo "no BUILD_EXCLUSIVE_KERNEL"; exit 1; }
		for v in 6.1.0-56-amd64 6.1.0-56-rt-amd64 6.1.158 6.9.1 6.12.57+deb13-amd64 \
			6.18.44-fc-v657 7.0.0 9.3.1 10.1.0 12.4.0-1-amd64; do
			[[ $v =~ $BUILD_EXCLUSIVE_KERNEL ]] || { echo "refuses $v"; exit 1; }
		done
		for v in 6.0.19-amd64 5.10.0-32-amd64 5.19.0 4.19.0-27-amd64 3.16.0 \
			2.6.32 6.0-rc1 1.6.0; do
			[[ $v =~ $BUILD_EXCLUSIVE_KERNEL ]] && { echo "accepts $v"; exit 1; }
		done
		exit 0
	)
}
check "BUILD_EXCLUSIVE_KERNEL accepts 6.1+ and refuses older releases" exclusive_ok

# dkms itself refuses an excluded kernel, with its "excluded" status 77. The
# headers given are a supported kernel's, so only the release is at fault.
excluded_refused() {
	local rc
	bdkms build -m timerx -v "$version" -k 5.10.0-32-amd64 \
		--kernelsourcedir "/lib/modules/${kernels[0]}/build"
	rc=$?
	echo "dkms build rc=$rc"
	[ "$rc" = 77 ] && [ -z "$(find "$b/dkms/timerx/$version" -path '*5.10.0-32-amd64*' -print -quit)" ]
}
check "dkms build -k 5.10.0-32-amd64 is refused (BUILD_EXCLUSIVE, rc 77)" excluded_refused

b_built_ko() {
	find "$b/dkms/timerx/$version/$1" -name 'timerx.ko*' 2>/dev/null | head -n 1
}
vermagic_ok() {
	local ko vm
	ko=$(b_built_ko "$1")
	[ -n "$ko" ] || { echo "no timerx.ko built for $1"; return 1; }
	vm=$(modinfo -F vermagic "$ko")
	echo "$ko: vermagic '$vm'"
	[[ $vm == "$1 "* ]]
}
modversion_ok() {
	local ko v
	ko=$(b_built_ko "$1")
	v=$(modinfo -F version "$ko")
	echo "$ko: version '$v'"
	[ "$v" = "$version" ]
}
b_installed() {
	local k=$1 f ko=''
	# Kernels built with CONFIG_MODULE_COMPRESS_* (Debian's 6.12) get the
	# module compressed the same way: timerx.ko.xz or .ko.zst.
	for f in "/lib/modules/$k/updates/dkms/timerx.ko"{,.xz,.zst,.gz}; do
		[ -f "$f" ] && ko=$f
	done
	b_status | grep -F "timerx/$version, $k, " | grep -q ': installed' &&
		[ -n "$ko" ] &&
		grep -q '^updates/dkms/timerx\.ko' "/lib/modules/$k/modules.dep"
}

for k in "${kernels[@]}"; do
	check "$k: dkms build" bdkms build -m timerx -v "$version" -k "$k"
	check "$k: built timerx.ko's vermagic starts with $k" vermagic_ok "$k"
	check "$k: built timerx.ko's version is $version" modversion_ok "$k"
	if [ -n "${busy[$k]:-}" ]; then
		skip "$k: dkms install" "timerx already installed in /lib/modules/$k"
		continue
	fi
	check "$k: dkms install" bdkms install -m timerx -v "$version" -k "$k"
	check "$k: installed to /lib/modules/$k/updates/dkms, in modules.dep" b_installed "$k"
done

check "dkms remove timerx/$version --all" bdkms remove "timerx/$version" --all
check "dkms status has no timerx" test -z "$(b_status)"
for k in "${kernels[@]}"; do
	[ -n "${busy[$k]:-}" ] && continue
	check "$k: no timerx.ko left under /lib/modules/$k" nothing_installed "$k"
done

finish
