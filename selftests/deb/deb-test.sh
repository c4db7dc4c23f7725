#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of timerx's Debian packages. Prints TAP ("ok N - ..." /
# "not ok N - ...", the plan at the end) and exits non-zero if any check
# failed.
#
#   selftests/deb/deb-test.sh [--no-build] [BUILD]
#
# BUILD is the build directory for "make deb" (default <repo>/build); the
# packages are built into BUILD/deb. --no-build tests the packages a
# "make deb BUILD=..." left there instead of building them. Needs root,
# dpkg-dev, debhelper, dh-dkms, lintian and dkms (tools/install-deps.sh).
#
#  1. make deb builds timerx-dkms, libtimerx1, libtimerx-dev,
#     libtimerx-control1, libtimerx-control-dev and timerctl,
#     with the expected files in each;
#  2. lintian reports no error (E:) for any of them (warnings are printed
#     as TAP comments);
#  3. the packages are installed for real with dpkg: timerx-dkms's postinst
#     creates the timerx group and DKMS builds and installs the module for
#     every installed kernel with headers (an explicit "dkms install -k" for
#     any the postinst leaves out, as an administrator would); vermagic,
#     version, modules.dep, the signature (Debian's dkms signs with
#     /var/lib/dkms/mok.key, or what framework.conf configures), the udev
#     rule, the modprobe example against the module's real parameters; then
#     libtimerx1, libtimerx-dev, libtimerx-control1, libtimerx-control-dev
#     and timerctl, and consumers built against the installed libraries
#     with pkg-config and with CMake (the data path without libmnl);
#  4. dpkg --purge removes all of them and leaves nothing behind (packages,
#     modules, depmod entries, DKMS tree and source, udev rule, files).
#
# The host is left as it was found, also on failure or interruption: an
# EXIT trap purges whatever is still installed, removes DKMS leftovers, and
# deletes the timerx group and the dkms MOK key pair if this run created
# them. Part 3 and 4 are skipped (not failed) when the host already has
# timerx installed in any form (the packages, /usr/src/timerx-*, a DKMS
# entry or a timerx.ko), since then it is not ours to remove; a concurrent
# selftests/dkms run (it installs its own timerx.ko) is waited for, up to
# 10 minutes. Runs of this test are serialised with a lock.

# The check functions are called indirectly, through check().
# shellcheck disable=SC2317
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
no_build=
if [ "${1:-}" = --no-build ]; then
	no_build=1
	shift
fi
build=${1:-$repo/build}
mkdir -p "$build" && build=$(cd "$build" && pwd)
debdir=$build/deb

packages=(timerx-dkms libtimerx1 libtimerx-dev libtimerx-control1 libtimerx-control-dev timerctl)
# Held while this test may install timerx into the real /lib/modules; other
# tests that do (selftests/dkms) can take it too.
lockfile=/run/lock/timerx-modules.lock

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

if [ "$(id -u)" != 0 ]; then
	skip "Debian packages" "needs root"
	finish
fi
missing=
for t in dpkg-buildpackage dh dh_dkms lintian dkms git; do
	command -v "$t" >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
	fail "tools present:$missing missing (tools/install-deps.sh installs them)"
	finish
fi

version=$(tr -d '[:space:]' <"$repo/kmod/VERSION")
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

tmp=$(mktemp -d /tmp/timerx-deb-test.XXXXXX)
log=$tmp/log

# Kernels with headers: DKMS must build for each.
kernels=()
for b in /lib/modules/*/build; do
	[ -f "$b/Makefile" ] || continue
	b=${b%/build}
	kernels+=("${b##*/}")
done

say "# timerx $version, $arch, kernels with headers: ${kernels[*]:-none}"

# ---------------------------------------------------------------------------
# 1. make deb
# ---------------------------------------------------------------------------
deb_of() { echo "$debdir/${1}_${version}_$2.deb"; }
declare -A deb=(
	[timerx-dkms]=$(deb_of timerx-dkms all)
	[libtimerx1]=$(deb_of libtimerx1 "$arch")
	[libtimerx-dev]=$(deb_of libtimerx-dev "$arch")
	[libtimerx-control1]=$(deb_of libtimerx-control1 "$arch")
	[libtimerx-control-dev]=$(deb_of libtimerx-control-dev "$arch")
	[timerctl]=$(deb_of timerctl "$arch")
)

make_deb() {
	make -C "$repo" deb BUILD="$build" >"$tmp/make-deb.log" 2>&1
	local rc=$?
	tail -n 40 "$tmp/make-deb.log"
	return "$rc"
}
if [ -n "$no_build" ]; then
	skip "make deb (dpkg-buildpackage -us -uc -b) succeeds" "--no-build: testing $debdir"
else
	check "make deb (dpkg-buildpackage -us -uc -b) succeeds" make_deb
	cp "$tmp/make-deb.log" "$build/deb-build.log" 2>/dev/null
fi

# has_files DEB PATH...: the package contains every PATH (globs allowed).
has_files() {
	local f=$1 p list
	shift
	[ -f "$f" ] || { echo "no $f"; return 1; }
	list=$(dpkg-deb -c "$f" | awk '{ print substr($6, 2) }')
	for p in "$@"; do
		# shellcheck disable=SC2053 # glob match intended
		grep -qx -- "$p" <<<"$list" || { echo "$f lacks $p"; echo "$list"; return 1; }
	done
}
src=/usr/src/timerx-$version
check "timerx-dkms_${version}_all.deb: module source, dkms.conf, udev rule, modprobe example" \
	has_files "${deb[timerx-dkms]}" "$src/dkms.conf" "$src/kmod/Kbuild" "$src/kmod/VERSION" \
	"$src/kmod/timer.c" "$src/kmod/compat/compat.h" "$src/include/uapi/linux/timerx.h" \
	/lib/udev/rules.d/60-timerx.rules \
	/usr/share/doc/timerx-dkms/examples/timerx.conf.example \
	/usr/share/doc/timerx-dkms/operations.md.gz
dkms_conf_ok() {
	local conf
	conf=$(dpkg-deb --fsys-tarfile "${deb[timerx-dkms]}" | tar -xOf - ".$src/dkms.conf") || return 1
	grep -qx "PACKAGE_VERSION=\"$version\"" <<<"$conf" && ! grep -q '@VERSION@' <<<"$conf" &&
		! dpkg-deb -c "${deb[timerx-dkms]}" | grep -E '\.(o|ko|cmd)$'
}
check "timerx-dkms: dkms.conf has PACKAGE_VERSION=\"$version\", no build artefacts" dkms_conf_ok
dkms_depends() {
	dpkg-deb -f "${deb[timerx-dkms]}" Depends | tee /dev/stderr | grep -q 'dkms'
}
check "timerx-dkms: Depends on dkms (dh_dkms)" dkms_depends
check "libtimerx1_${version}_$arch.deb: libtimerx.so.1" \
	has_files "${deb[libtimerx1]}" "/usr/lib/$multiarch/libtimerx.so.1" \
	"/usr/lib/$multiarch/libtimerx.so.1.*"
check "libtimerx-dev_${version}_$arch.deb: headers, linux/timerx.h, .a, .so, .pc, CMake, man 3" \
	has_files "${deb[libtimerx-dev]}" /usr/include/timerx/timerx.hpp /usr/include/linux/timerx.h \
	"/usr/lib/$multiarch/libtimerx.a" "/usr/lib/$multiarch/libtimerx.so" \
	"/usr/lib/$multiarch/pkgconfig/libtimerx.pc" \
	"/usr/lib/$multiarch/cmake/timerx/timerxConfig.cmake" \
	"/usr/lib/$multiarch/cmake/timerx/timerxTargets.cmake" \
	/usr/share/man/man3/libtimerx.3.gz
# The control plane is the other packages' alone: nothing of it, and no
# libmnl-dev, in the data path's.
datapath_dev_apart() {
	! dpkg-deb -c "${deb[libtimerx-dev]}" | grep -E 'control\.hpp|libtimerx-control|ControlTargets' &&
		! dpkg-deb -f "${deb[libtimerx-dev]}" Depends | grep -q libmnl
}
check "libtimerx-dev: no control.hpp, libtimerx-control or libmnl-dev" datapath_dev_apart
check "libtimerx-control1_${version}_$arch.deb: libtimerx-control.so.1" \
	has_files "${deb[libtimerx-control1]}" "/usr/lib/$multiarch/libtimerx-control.so.1" \
	"/usr/lib/$multiarch/libtimerx-control.so.1.*"
check "libtimerx-control-dev_${version}_$arch.deb: control.hpp, .a, .so, .pc, CMake targets" \
	has_files "${deb[libtimerx-control-dev]}" /usr/include/timerx/control.hpp \
	"/usr/lib/$multiarch/libtimerx-control.a" "/usr/lib/$multiarch/libtimerx-control.so" \
	"/usr/lib/$multiarch/pkgconfig/libtimerx-control.pc" \
	"/usr/lib/$multiarch/cmake/timerx/timerxControlTargets.cmake"
check "timerctl_${version}_$arch.deb: timerctl, man 8, bash completion" \
	has_files "${deb[timerctl]}" /usr/bin/timerctl /usr/share/man/man8/timerctl.8.gz \
	/usr/share/bash-completion/completions/timerctl

# make install's own parts (the library's and timerctl's installs have their
# own tests): the same files, under DESTDIR, PREFIX and UDEVDIR.
make_install_parts() {
	local d=$tmp/destdir s
	make -C "$repo" -s install-udev install-modprobe install-dkms DESTDIR="$d" \
		PREFIX=/opt/tx UDEVDIR=/lib/udev/rules.d || return 1
	s=$d/usr/src/timerx-$version
	find "$d" | sort
	cmp "$d/lib/udev/rules.d/60-timerx.rules" "$repo/tools/udev/60-timerx.rules" &&
		cmp "$d/opt/tx/share/doc/timerx/timerx.conf.example" \
			"$repo/tools/modprobe.d/timerx.conf.example" &&
		grep -qx "PACKAGE_VERSION=\"$version\"" "$s/dkms.conf" &&
		[ -f "$s/kmod/Kbuild" ] && [ -f "$s/include/uapi/linux/timerx.h" ] &&
		[ "$(ls "$d")" = "$(printf 'lib\nopt\nusr')" ]
}
check "make install: udev rule (UDEVDIR), modprobe example, DKMS source under DESTDIR" \
	make_install_parts

# ---------------------------------------------------------------------------
# 2. lintian
# ---------------------------------------------------------------------------
lintian_clean() {
	local out
	out=$(lintian --no-cfg --display-level '>=pedantic' --show-overrides "$1" 2>&1)
	printf '%s\n' "$out" >"$tmp/lintian.$2.log"
	printf '%s\n' "$out"
	! grep -q '^E: ' <<<"$out" && ! grep -q '^internal error' <<<"$out"
}
for p in "${packages[@]}"; do
	if [ ! -f "${deb[$p]}" ]; then
		skip "lintian $p: no error" "not built"
		continue
	fi
	check "lintian $p: no error (E:)" lintian_clean "${deb[$p]}" "$p"
	# Warnings and overrides, for the log and the reader.
	grep -E '^[WIPNO]: ' "$tmp/lintian.$p.log" | sed 's/^/# lintian: /'
done

# ---------------------------------------------------------------------------
# 3. install for real
# ---------------------------------------------------------------------------
built=1
for p in "${packages[@]}"; do
	[ -f "${deb[$p]}" ] || built=
done

# dpkg's view: "ii", "rc", ... or nothing.
pkg_state() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' '; }
foreign_timerx() {
	local p s
	for p in "${packages[@]}"; do
		s=$(pkg_state "$p")
		[ -z "$s" ] || [ "$s" = un ] || { echo "package $p is $s"; return 0; }
	done
	compgen -G '/usr/src/timerx-*' >/dev/null && { echo "/usr/src/timerx-* exists"; return 0; }
	[ -e /var/lib/dkms/timerx ] && { echo "/var/lib/dkms/timerx exists"; return 0; }
	find /lib/modules -name 'timerx.ko*' 2>/dev/null | grep . && return 0
	return 1
}

# Serialise with other runs of this test (dpkg has its own lock, but two
# runs would purge each other's packages) and with anything else that takes
# the lock.
exec 9>"$lockfile"
if ! flock -w 1800 9; then
	fail "lock $lockfile taken within 30 minutes"
	finish
fi

busy_reason=
if [ -z "$built" ]; then
	busy_reason="packages not built"
else
	# A selftests/dkms run (of a concurrent make test) installs its own
	# timerx.ko into the same /lib/modules/*/updates/dkms: wait for it to
	# end, up to 10 minutes.
	for _ in $(seq 120); do
		if pgrep -f 'selftests/dkms/dkms-test\.sh' >/dev/null; then
			busy_reason="a selftests/dkms/dkms-test.sh run did not end"
			sleep 5
			continue
		fi
		busy_reason=$(foreign_timerx) || { busy_reason=; break; }
		busy_reason="timerx already on this host: ${busy_reason%%$'\n'*}"
		# Only a module file can be a concurrent dkms test's; the rest is
		# a real installation.
		[[ $busy_reason == *': /lib/modules/'* ]] || break
		sleep 5
	done
fi

# What this run changes outside its build directory, for cleanup.
group_existed=
getent group timerx >/dev/null && group_existed=1
# The certificate dkms signs with: framework.conf's, else Debian's default
# (generated on the first build when missing).
signing_conf() {
	(
		set +u
		for f in /etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf; do
			# shellcheck source=/dev/null
			[ -r "$f" ] && . "$f" >/dev/null 2>&1
		done
		echo "${mok_signing_key:-/var/lib/dkms/mok.key}"
		echo "${mok_certificate:-/var/lib/dkms/mok.pub}"
	)
}
mapfile -t signing < <(signing_conf)
mok_key=${signing[0]}
mok_cert=${signing[1]}
key_existed=
[ -e "$mok_key" ] || [ -e "$mok_cert" ] && key_existed=1
installed_any=

cleanup() {
	local p
	if [ -n "$installed_any" ]; then
		for p in timerctl libtimerx-control-dev libtimerx-control1 libtimerx-dev libtimerx1 \
			timerx-dkms; do
			case $(pkg_state "$p") in '' | un) ;; *) dpkg --purge "$p" >/dev/null 2>&1 ;; esac
		done
		if [ -d "/var/lib/dkms/timerx/$version" ]; then
			dkms remove "timerx/$version" --all >/dev/null 2>&1
		fi
		rm -rf "/var/lib/dkms/timerx" "/usr/src/timerx-$version"
		[ -n "$group_existed" ] || groupdel timerx 2>/dev/null
		[ -n "$key_existed" ] || rm -f "$mok_key" "$mok_cert"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$busy_reason" ]; then
	skip "install, use and purge the packages" "$busy_reason"
	finish
fi

installed_any=1
dpkg_install() {
	DEBIAN_FRONTEND=noninteractive dpkg -i "$@"
}
check "dpkg -i timerx-dkms (postinst: group, dkms add/build/install)" \
	dpkg_install "${deb[timerx-dkms]}"
check "timerx-dkms is installed (ii)" test "$(pkg_state timerx-dkms)" = ii

system_group() {
	local gid max
	gid=$(getent group timerx | cut -d: -f3) || { echo "no group timerx"; return 1; }
	max=$(awk '$1 == "SYS_GID_MAX" { print $2 }' /etc/login.defs)
	echo "timerx gid $gid, SYS_GID_MAX ${max:-999}"
	[ "$gid" -le "${max:-999}" ]
}
check "group timerx exists and is a system group" system_group
check "/lib/udev/rules.d/60-timerx.rules is the tree's tools/udev/60-timerx.rules" \
	cmp /lib/udev/rules.d/60-timerx.rules "$repo/tools/udev/60-timerx.rules"
udev_rule_ok() {
	grep -v '^#' /lib/udev/rules.d/60-timerx.rules | grep -q \
		'KERNEL=="timerx".*GROUP="timerx".*MODE="0660"'
}
check "udev rule: KERNEL==\"timerx\", GROUP=\"timerx\", MODE=\"0660\"" udev_rule_ok
check "/usr/src/timerx-$version/dkms.conf installed" test -f "$src/dkms.conf"

dkms_installed() {
	dkms status -m timerx -v "$version" -k "$1" | tee /dev/stderr |
		grep -q "^timerx/$version, $1, [^:]*: installed"
}
# A module file's bytes as the kernel loads them: decompressed.
ko_plain() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -dcq "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}
for k in "${kernels[@]}"; do
	if ! dkms_installed "$k" >/dev/null 2>&1; then
		# The postinst builds for the running and the newest kernel (or,
		# when the running kernel has no /lib/modules, as in a container,
		# for all): any other is the administrator's "dkms install -k".
		say "# $k: not built by the postinst; dkms install -k $k"
		check "$k: dkms install timerx/$version -k $k" dkms install "timerx/$version" -k "$k"
	fi
	check "$k: dkms status says timerx/$version installed" dkms_installed "$k"
	# Compressed like the kernel's own modules where it compresses them
	# (CONFIG_MODULE_COMPRESS_*: Debian's 6.12 uses xz).
	ko=/lib/modules/$k/updates/dkms/timerx.ko
	for f in "$ko".xz "$ko".zst "$ko".gz; do
		[ -f "$f" ] && ko=$f
	done
	check "$k: $ko exists" test -f "$ko"
	vermagic_ok() {
		local vm
		vm=$(modinfo -F vermagic "$2") || return 1
		echo "vermagic '$vm'"
		[[ $vm == "$1 "* ]]
	}
	check "$k: timerx.ko's vermagic starts with $k" vermagic_ok "$k" "$ko"
	check "$k: timerx.ko's version is $version" test "$(modinfo -F version "$ko" 2>/dev/null)" = "$version"
	check "$k: timerx.ko in modules.dep" grep -q '^updates/dkms/timerx\.ko' "/lib/modules/$k/modules.dep"

	sign_file=/usr/lib/linux-kbuild-${k%.*}/scripts/sign-file
	[ -x "$sign_file" ] || sign_file=/lib/modules/$k/build/scripts/sign-file
	if [ ! -x "$sign_file" ]; then
		skip "$k: timerx.ko is signed" "no sign-file for $k: dkms does not sign"
		continue
	fi
	signed_ok() {
		local ko=$1 signer serial cn
		# The signature is on the module before compression.
		ko_plain "$ko" | tail -c 28 | grep -q 'Module signature appended' ||
			{ echo "no signature"; return 1; }
		signer=$(modinfo -F signer "$ko")
		serial=$(modinfo -F sig_key "$ko" | tr -d ':\n' | tr '[:lower:]' '[:upper:]')
		cn=$(openssl x509 -inform DER -in "$mok_cert" -noout -subject -nameopt multiline |
			sed -n 's/^ *commonName *= *//p')
		local want
		want=$(openssl x509 -inform DER -in "$mok_cert" -noout -serial | sed 's/^serial=//')
		echo "signer '$signer' key $serial; $mok_cert: CN '$cn' serial $want"
		[ "$signer" = "$cn" ] && [ "${serial##0}" = "${want##0}" ]
	}
	check "$k: timerx.ko is signed with $mok_cert (dkms MOK signing)" signed_ok "$ko"
done

# The shipped modprobe example lists every parameter of the module that was
# built, each with the default the module documents (modinfo parm).
# (ko_plain is defined above, with the signature check.)
example=/usr/share/doc/timerx-dkms/examples/timerx.conf.example
example_ok() {
	local ko=$1 line name desc def shown bad=0
	while IFS= read -r line; do
		name=${line%%:*}
		desc=${line#*:}
		def=$(sed -n 's/.*(default \([0-9A-Za-z]*\).*/\1/p' <<<"$desc")
		case $def in on) def=1 ;; off) def=0 ;; esac
		shown=$(sed -n "s/^#options timerx $name=\\(.*\\)\$/\\1/p" "$example")
		echo "$name: module default '$def', example '$shown'"
		if [ -z "$shown" ] || [ "$shown" != "$def" ]; then
			bad=1
		fi
	done < <(modinfo -F parm "$ko")
	[ "$bad" = 0 ] && [ -n "$(modinfo -F parm "$ko")" ]
}
if [ "${#kernels[@]}" -gt 0 ]; then
	check "modprobe example lists every module parameter with its default" \
		example_ok "$(find "/lib/modules/${kernels[0]}/updates/dkms" -name 'timerx.ko*' | head -n 1)"
fi

check "dpkg -i libtimerx1 libtimerx-dev libtimerx-control1 libtimerx-control-dev timerctl" \
	dpkg_install "${deb[libtimerx1]}" "${deb[libtimerx-dev]}" "${deb[libtimerx-control1]}" \
	"${deb[libtimerx-control-dev]}" "${deb[timerctl]}"

# Consumers of the installed packages, with pkg-config: C++ through
# libtimerx (the data path) and libtimerx-control, C through the UAPI
# header alone.
mkdir -p "$tmp/consumer"
cat >"$tmp/consumer/main.cc" <<'EOF'
#include <timerx/timerx.hpp>
#include <cstdio>
int main()
{
	auto v = timerx::version();
	std::printf("libtimerx %u.%u.%u api %u\n", v.major, v.minor, v.patch, timerx::api_version());
	return v.major == timerx::header_version.major ? 0 : 1;
}
EOF
cat >"$tmp/consumer/control.cc" <<'EOF'
#include <timerx/control.hpp>
#include <cerrno>
int main()
{
	auto ctl = timerx::Control::open();
	return ctl || ctl.error().code() == ENOENT ? 0 : 1;
}
EOF
cat >"$tmp/consumer/uapi.c" <<'EOF'
#include <linux/timerx.h>
#include <stdio.h>
int main(void)
{
	struct timerx_create c = { .clockid = 1 };
	printf("TIMERX_API_VERSION %u\n", (unsigned)TIMERX_API_VERSION);
	return (int)c.timer_id;
}
EOF
check "pkg-config finds libtimerx" pkg-config --exists --print-errors libtimerx
build_consumer() {
	# shellcheck disable=SC2046 # pkg-config output is a word list
	c++ -std=c++20 -Wall -Wextra -Werror -o "$tmp/consumer/consumer" "$tmp/consumer/main.cc" \
		$(pkg-config --cflags --libs libtimerx)
}
check "consumer builds with pkg-config --cflags --libs libtimerx" build_consumer
uses_package_lib() {
	local so
	# /lib is /usr/lib on a merged-/usr system: compare real paths.
	so=$(ldd "$tmp/consumer/consumer" | awk '$1 == "libtimerx.so.1" { print $3 }')
	echo "libtimerx.so.1 => $so"
	[ -n "$so" ] && [ "$(readlink -f "$so")" = "$(readlink -f "/usr/lib/$multiarch/libtimerx.so.1")" ] &&
		"$tmp/consumer/consumer"
}
check "consumer runs on /usr/lib/$multiarch/libtimerx.so.1" uses_package_lib
build_static() {
	# shellcheck disable=SC2046
	c++ -std=c++20 -Wall -Wextra -Werror -o "$tmp/consumer/consumer-static" \
		"$tmp/consumer/main.cc" $(pkg-config --cflags libtimerx) \
		"/usr/lib/$multiarch/libtimerx.a" $(pkg-config --libs-only-l liburing) &&
		! ldd "$tmp/consumer/consumer-static" | grep -q libmnl &&
		! ldd "$tmp/consumer/consumer-static" | grep -q libtimerx &&
		"$tmp/consumer/consumer-static"
}
check "consumer links libtimerx.a statically (no libmnl) and runs" build_static
build_control() {
	# shellcheck disable=SC2046
	c++ -std=c++20 -Wall -Wextra -Werror -o "$tmp/consumer/control" "$tmp/consumer/control.cc" \
		$(pkg-config --cflags --libs libtimerx-control) &&
		ldd "$tmp/consumer/control" | grep -q libtimerx-control.so.1 && "$tmp/consumer/control"
}
check "control consumer builds with pkg-config libtimerx-control and runs" build_control
check "C program builds against <linux/timerx.h> from libtimerx-dev" \
	cc -std=c11 -Wall -Werror -o "$tmp/consumer/uapi" "$tmp/consumer/uapi.c"
cmake_consumer() {
	mkdir -p "$tmp/cmake"
	cat >"$tmp/cmake/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(deb_consumer LANGUAGES CXX)
find_package(timerx 1.0 REQUIRED)
add_executable(consumer ../consumer/main.cc)
target_link_libraries(consumer PRIVATE timerx::timerx)
EOF
	cmake -S "$tmp/cmake" -B "$tmp/cmake/build" && cmake --build "$tmp/cmake/build" &&
		"$tmp/cmake/build/consumer" &&
		cat >"$tmp/cmake/CMakeLists.txt" <<'EOF' &&
cmake_minimum_required(VERSION 3.25)
project(deb_control_consumer LANGUAGES CXX)
find_package(timerx 1.0 REQUIRED COMPONENTS control)
add_executable(control ../consumer/control.cc)
target_link_libraries(control PRIVATE timerx::control)
EOF
		cmake -S "$tmp/cmake" -B "$tmp/cmake/build-control" &&
		cmake --build "$tmp/cmake/build-control" && "$tmp/cmake/build-control/control"
}
check "CMake consumers: find_package(timerx [COMPONENTS control]) from /usr, build and run" \
	cmake_consumer
timerctl_runs() {
	/usr/bin/timerctl --help && ldd /usr/bin/timerctl | grep -v libtimerx
}
check "timerctl --help runs" timerctl_runs
check "man page timerctl(8) and libtimerx(3) installed" \
	test -f /usr/share/man/man8/timerctl.8.gz -a -f /usr/share/man/man3/libtimerx.3.gz
check "bash completion for timerctl parses" bash -n /usr/share/bash-completion/completions/timerctl

# ---------------------------------------------------------------------------
# 4. purge
# ---------------------------------------------------------------------------
check "dpkg --purge timerctl libtimerx-control-dev libtimerx-control1 libtimerx-dev libtimerx1 timerx-dkms" \
	dpkg --purge timerctl libtimerx-control-dev libtimerx-control1 libtimerx-dev libtimerx1 \
	timerx-dkms
nothing_left() {
	local p s left=0 f
	for p in "${packages[@]}"; do
		s=$(pkg_state "$p")
		[ -z "$s" ] || [ "$s" = un ] || { echo "package $p: $s"; left=1; }
	done
	for f in /usr/src/timerx-* /var/lib/dkms/timerx /lib/udev/rules.d/60-timerx.rules \
		/usr/include/timerx /usr/include/linux/timerx.h /usr/lib/"$multiarch"/libtimerx.* \
		/usr/lib/"$multiarch"/pkgconfig/libtimerx.pc /usr/lib/"$multiarch"/cmake/timerx \
		/usr/lib/"$multiarch"/libtimerx-control.* \
		/usr/lib/"$multiarch"/pkgconfig/libtimerx-control.pc \
		/usr/share/doc/libtimerx-control1 /usr/share/doc/libtimerx-control-dev \
		/usr/bin/timerctl /usr/share/doc/timerx-dkms /usr/share/doc/libtimerx1 \
		/usr/share/doc/libtimerx-dev /usr/share/doc/timerctl; do
		[ -e "$f" ] && { echo "left: $f"; left=1; }
	done
	[ -z "$(dkms status -m timerx 2>/dev/null)" ] || { dkms status -m timerx; left=1; }
	for k in "${kernels[@]}"; do
		f=$(find "/lib/modules/$k" -name 'timerx.ko*')
		[ -z "$f" ] || { echo "left: $f"; left=1; }
		grep -q 'timerx\.ko' "/lib/modules/$k/modules.dep" &&
			{ echo "timerx in /lib/modules/$k/modules.dep"; left=1; }
	done
	return "$left"
}
check "purged: no package, module, depmod entry, DKMS tree or source, udev rule, file left" \
	nothing_left
# Debian practice: a system group stays after purge (its id must not be
# reused while anything may still refer to it). The trap removes it.
check "group timerx kept after purge (removed by this test's cleanup)" getent group timerx

finish
