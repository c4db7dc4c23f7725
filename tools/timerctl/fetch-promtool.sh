#!/bin/sh
# Put promtool (Prometheus's checker, for timerctl's VM test) into
# $TIMERX_CACHE/promtool/usr/bin/promtool without installing the
# prometheus daemon: apt-get download + dpkg-deb -x. Idempotent; quick
# when it is there.
#
#   fetch-promtool.sh        (TIMERX_CACHE defaults to ~/.cache/timerx)
set -eu
cache=${TIMERX_CACHE:-$HOME/.cache/timerx}
dest=$cache/promtool
if [ -x "$dest/usr/bin/promtool" ]; then
	echo "fetch-promtool: $dest/usr/bin/promtool present"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/promtool.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# As root, apt would download as _apt, which cannot write to a private
# temporary directory: download as the caller.
(cd "$tmp" && apt-get -q -o APT::Sandbox::User="$(id -un)" download prometheus)
mkdir -p "$tmp/x"
dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
mkdir -p "$dest/usr/bin"
install -m 0755 "$tmp/x/usr/bin/promtool" "$dest/usr/bin/promtool.new"
mv "$dest/usr/bin/promtool.new" "$dest/usr/bin/promtool"
echo "fetch-promtool: $("$dest/usr/bin/promtool" --version 2>&1 | head -n 1)"
