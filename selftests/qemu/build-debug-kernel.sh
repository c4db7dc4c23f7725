#!/usr/bin/env bash
# Build (once) the 6.12 debug kernel from Debian's linux-source-6.12 and
# print the path of its cached build tree. The cache key is the hash of the
# config fragment and of the source tarball, so a changed fragment or a new
# Debian source release builds a new kernel and an unchanged one is reused.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug.config
tarball=${TIMERX_LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
cache=${TIMERX_CACHE:-$HOME/.cache/timerx}

[ -r "$tarball" ] || { echo "missing $tarball (apt-get install linux-source-6.12)" >&2; exit 1; }

key=$( { cat "$fragment"; stat -c '%s %Y' "$tarball"; } | sha256sum | cut -c1-16)
tree=$cache/linux-6.12-debug-$key
if [ -f "$tree/.timerx-complete" ]; then
	echo "$tree"
	exit 0
fi

# Two runs at once (two shells, make test while a build is going) would
# both write $tree.tmp: the second one waits for the first and reuses it.
mkdir -p "$cache"
exec 9>"$cache/.debug-build.lock"
flock 9
if [ -f "$tree/.timerx-complete" ]; then
	echo "$tree"
	exit 0
fi

rm -rf "$tree.tmp"
mkdir -p "$tree.tmp"
echo "building debug kernel in $tree (cached afterwards)" >&2
tar -C "$tree.tmp" --strip-components=1 -xf "$tarball"
cd "$tree.tmp"
jobs=$(( $(nproc) + 1 ))
{
	make tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$fragment"
	make olddefconfig
	# A fragment line that olddefconfig dropped means a missing dependency:
	# fail loudly instead of testing a kernel without the debug feature.
	missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=y) grep -qx "$line" .config || { echo "config lost: $line" >&2; missing=1; } ;;
		CONFIG_*=n) ! grep -q "^${line%=n}=" .config || { echo "config forced on: $line" >&2; missing=1; } ;;
		esac
	done < "$fragment"
	[ "$missing" = 0 ]
	make -j"$jobs" bzImage modules
} > build.log 2>&1 || { tail -40 build.log >&2; exit 1; }
cd /
mv "$tree.tmp" "$tree"
touch "$tree/.timerx-complete"
echo "$tree"
