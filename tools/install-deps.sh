#!/usr/bin/env bash
# Install the Debian 12 packages that building and testing timerx needs.
# Idempotent and quick when everything is present: dpkg is asked first and
# apt is touched only for what is missing.
set -euo pipefail

packages=(
	# QEMU guest: emulator and the busybox userland of the initramfs
	qemu-system-x86 busybox-static cpio kmod xz-utils
	# kernels to build against: Debian 6.1 stock and PREEMPT_RT, Debian's
	# packaged 6.12 stock and PREEMPT_RT (bookworm's security archive; the
	# headers bring the images along), and the 6.12 source
	linux-headers-amd64 linux-headers-rt-amd64
	linux-headers-6.12-amd64 linux-headers-6.12-rt-amd64 linux-source-6.12
	# building the module and the debug kernel
	build-essential bc flex bison libelf-dev libssl-dev dwarves sparse dkms
	# selftest and tool dependencies
	libmnl-dev libnl-genl-3-dev liburing-dev libkmod-dev googletest libgtest-dev
	# the fuzzer (selftests/fuzz/): clang's libFuzzer
	clang libclang-rt-dev
	# timerctl's VM test parses its JSON with jq (promtool: see below)
	jq
	# libtimerx: build system, pkg-config for the consumer test, style check
	cmake pkg-config clang-format
	# make deb and its test: Debian packaging and its checks
	debhelper dh-dkms lintian fakeroot dpkg-dev openssl
	# make bench (bench/): cyclictest as a contestant, the report (python3,
	# standard library only) and its plots
	rt-tests python3 gnuplot-nox
	# docs: the netlink spec's check (the kernel's ynl reads YAML and
	# validates against its JSON schema), and ynl in the VM (PyYAML)
	python3-yaml python3-jsonschema
	# lib/go (package timerx, its tests, the Go benchmark): Go 1.19
	golang-go
)

missing_packages() {
	local installed
	# One dpkg-query for all: it prints the known ones and complains (ignored)
	# about unknown ones. "ii" means installed; half-installed or removed-but-
	# configured states need apt too.
	installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${packages[@]}" 2>/dev/null |
		awk '$1 == "ii" { print $2 }' || true)
	local pkg
	for pkg in "${packages[@]}"; do
		grep -qxF "$pkg" <<<"$installed" || printf '%s\n' "$pkg"
	done
}

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "install-deps: need root to run: $*" >&2
		return 1
	fi
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages)
	if [ "${#missing[@]}" = 0 ]; then
		echo "install-deps: all ${#packages[@]} packages present"
		return 0
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q
	as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# promtool (for timerctl's VM test) without the prometheus daemon: the
# package is downloaded and unpacked into the cache, not installed. Not
# fatal: the test skips that check without it.
fetch_promtool() {
	local here
	here=$(cd "$(dirname "$0")" && pwd)
	[ -x "$here/timerctl/fetch-promtool.sh" ] || return 0
	"$here/timerctl/fetch-promtool.sh" ||
		echo "install-deps: no promtool (timerctl's VM test will skip its check)" >&2
}

main() {
	install_packages
	fetch_promtool
}

main "$@"
