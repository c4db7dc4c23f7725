#!/usr/bin/env bash
# Resolve a kernel name (stock, rt, stock612, rt612, debug) to the tree to
# build the module
# against and the image to boot. Sourced by run-tests.sh; run directly
# (`kernels.sh stock`) it prints the resolution, which helps debugging.
#
# resolve_kernel NAME sets KERNEL_KDIR, KERNEL_IMAGE and KERNEL_RELEASE.
# The Debian kernels follow whatever linux-headers-{,rt-}amd64 is installed,
# and the matching image is fetched with apt-get download (never installed),
# because vermagic makes a module load only into the exact same build.

TIMERX_CACHE=${TIMERX_CACHE:-$HOME/.cache/timerx}
kernels_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Prints "ABI VERSION" (e.g. "6.1.0-56-amd64 6.1.192-2") of the headers
# that the metapackage currently depends on.
debian_headers_abi() {
	local meta=$1 dep
	dep=$(dpkg-query -W -f='${db:Status-Abbrev} ${Depends}\n' "$meta" 2>/dev/null) || {
		echo "kernels: $meta is not installed (run tools/install-deps.sh)" >&2
		return 1
	}
	# "ii  linux-headers-6.1.0-56-amd64 (= 6.1.192-2)"
	if [[ $dep =~ ^ii\ +linux-headers-([^ ,]+)\ \(=\ ([^\)]+)\) ]]; then
		echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	else
		echo "kernels: cannot parse $meta dependency: $dep" >&2
		return 1
	fi
}

# Download one image package of exactly VERSION into DIR; the unsigned
# package is preferred (no shim/signature layer), the signed one is the
# same kernel and works too.
download_image_deb() {
	local abi=$1 version=$2 dir=$3 pkg
	for pkg in "linux-image-$abi-unsigned" "linux-image-$abi"; do
		# apt-get download as root warns that _apt cannot write here; harmless.
		if (cd "$dir" && apt-get download -q "$pkg=$version") >"$dir/download.log" 2>&1; then
			return 0
		fi
	done
	return 1
}

# Extract vmlinuz for ABI/VERSION into the cache once; prints its path.
debian_image() {
	local abi=$1 version=$2
	local dir=$TIMERX_CACHE/debian-$abi-$version
	local image=$dir/boot/vmlinuz-$abi
	if [ -f "$dir/.timerx-complete" ] && [ -f "$image" ]; then
		echo "$image"
		return 0
	fi
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	echo "kernels: fetching linux-image-$abi $version into $dir" >&2
	if ! download_image_deb "$abi" "$version" "$dir.tmp"; then
		# A stale package list is the usual cause; one refresh is cheap.
		echo "kernels: apt-get download failed, refreshing package lists" >&2
		apt-get update -q >&2 || true
		download_image_deb "$abi" "$version" "$dir.tmp" || {
			cat "$dir.tmp/download.log" >&2
			echo "kernels: linux-image-$abi $version is not downloadable; if the archive moved" \
				"to a newer ABI, upgrade the headers: apt-get install linux-headers-amd64" \
				"linux-headers-rt-amd64" >&2
			return 1
		}
	fi
	dpkg -x "$dir.tmp"/linux-image-*.deb "$dir.tmp/x"
	mkdir -p "$dir.tmp/boot"
	mv "$dir.tmp/x/boot/vmlinuz-$abi" "$dir.tmp/boot/"
	# Keep only the image: the modules of the package are not needed by a
	# busybox initramfs, and they are most of its 400 MB.
	rm -rf "$dir.tmp/x" "$dir.tmp"/*.deb
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	touch "$dir/.timerx-complete"
	echo "$image"
}

resolve_debian() {
	local meta=$1 abi version
	read -r abi version < <(debian_headers_abi "$meta") || return 1
	KERNEL_KDIR=/usr/src/linux-headers-$abi
	[ -d "$KERNEL_KDIR" ] || {
		echo "kernels: $KERNEL_KDIR is missing (reinstall linux-headers-$abi)" >&2
		return 1
	}
	KERNEL_IMAGE=$(debian_image "$abi" "$version") || return 1
	KERNEL_RELEASE=$abi
}

# TIMERX_DEBUG_TREE points at another built tree (a trial config, a newer
# kernel) instead of the cached build of debug.config.
resolve_debug() {
	local tree=${TIMERX_DEBUG_TREE:-}
	[ -n "$tree" ] || tree=$("$kernels_here/build-debug-kernel.sh") || return 1
	KERNEL_KDIR=$tree
	KERNEL_IMAGE=$tree/arch/x86/boot/bzImage
	KERNEL_RELEASE=$(cat "$tree/include/config/kernel.release")
}

resolve_kernel() {
	KERNEL_KDIR='' KERNEL_IMAGE='' KERNEL_RELEASE=''
	case $1 in
	stock) resolve_debian linux-headers-amd64 ;;
	rt) resolve_debian linux-headers-rt-amd64 ;;
	# Debian's packaged 6.12 (bookworm's security archive; Debian 13's default).
	stock612) resolve_debian linux-headers-6.12-amd64 ;;
	rt612) resolve_debian linux-headers-6.12-rt-amd64 ;;
	debug) resolve_debug ;;
	# The debug kernel again, running the suite under failslab.
	failslab) resolve_debug ;;
	*)
		echo "kernels: unknown kernel '$1' (stock, rt, stock612, rt612, debug, failslab)" >&2
		return 1
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	names=("$@")
	[ "$#" -gt 0 ] || names=(stock rt stock612 rt612 debug)
	for name in "${names[@]}"; do
		resolve_kernel "$name"
		printf '%s: KDIR=%s IMAGE=%s RELEASE=%s\n' "$name" "$KERNEL_KDIR" "$KERNEL_IMAGE" "$KERNEL_RELEASE"
	done
fi
