#!/usr/bin/env bash
# The kernel's netlink-spec tooling, unpacked once from Debian's
# linux-source-6.12: Documentation/netlink (the schemas) and tools/net/ynl
# (ynl's Python library and cli.py). Prints the directory that holds both
# (its tools/net/ynl is what netlink_spec_test.py --ynl and the VM test use).
#
#   linux-ynl.sh [CACHE_DIR]     (default ${TIMERX_CACHE:-~/.cache/timerx})
set -euo pipefail

tarball=${TIMERX_LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
cache=${1:-${TIMERX_CACHE:-$HOME/.cache/timerx}}
name=$(basename "$tarball" .tar.xz)
dest=$cache/$name-ynl

if [ ! -f "$dest/.complete" ]; then
	[ -f "$tarball" ] || { echo "linux-ynl: no $tarball (linux-source-6.12)" >&2; exit 1; }
	rm -rf "$dest" "$dest.tmp"
	mkdir -p "$dest.tmp"
	tar -C "$dest.tmp" --strip-components=1 -xJf "$tarball" \
		"$name/Documentation/netlink" "$name/tools/net/ynl"
	touch "$dest.tmp/.complete"
	mv "$dest.tmp" "$dest"
fi
echo "$dest"
