#!/usr/bin/env bash
# Stage the ynl VM test into the guest's tests directory OUT (the
# initramfs's /tests): ynl-test.sh and ynl_check.py, the spec, the kernel's
# ynl (cli.py and lib/ from linux-source-6.12), and Debian's python3 with
# only the part of its standard library (and PyYAML) that these import,
# found by running them on the host. initramfs.sh copies python3's shared
# libraries (it is an executable at the top of OUT). Appends ynl-test.sh to
# OUT/TESTS before unload_test and prints what the staging weighs.
#
#   stage-ynl.sh OUT
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$1
python=/usr/bin/python3.11
[ -x "$python" ] || { echo "stage-ynl: no $python (python3)" >&2; exit 1; }
ynl=$("$root/docs/tests/linux-ynl.sh")/tools/net/ynl
pyver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
stdlib=$out/lib/python$pyver

rm -rf "$out/ynl" "$out/lib/python$pyver" "$out/python3"
mkdir -p "$out/ynl/lib" "$stdlib"
cp "$ynl/cli.py" "$out/ynl/"
cp "$ynl"/lib/*.py "$out/ynl/lib/"
cp "$root/docs/netlink/timerx.yaml" "$here/ynl_check.py" "$out/"
install -m 0755 "$here/ynl-test.sh" "$out/ynl-test.sh"
cp "$python" "$out/python3"

# The modules python3 -S loads for ynl_check.py and cli.py: everything up
# to the point where cli.py asks the kernel for the family (the host has no
# timerx module, so it stops there, after its imports).
modules=$(cd "$out/ynl" && "$python" -S - "$ynl/cli.py" "$out/timerx.yaml" <<'PY'
import runpy, sys
sys.path.append("/usr/lib/python3/dist-packages")   # PyYAML, on the host only
import json, os, subprocess                          # ynl_check.py's own
cli, spec = sys.argv[1], sys.argv[2]
sys.argv = [cli, "--spec", spec, "--no-schema", "--output-json", "--dump", "ctx-get"]
sys.path.insert(0, os.path.dirname(cli))
try:
    runpy.run_path(cli, run_name="__main__")
except BaseException:
    pass
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f:
        print(f)
PY
)
copied=0
while read -r f; do
	case $f in
	# PyYAML falls back to its pure-Python parser without libyaml.
	*/yaml/_yaml*.so) continue ;;
	/usr/lib/python$pyver/*) rel=${f#/usr/lib/python"$pyver"/} ;;
	/usr/lib/python3/dist-packages/yaml/*) rel=yaml/${f#/usr/lib/python3/dist-packages/yaml/} ;;
	*) continue ;;
	esac
	# Sources only: no bytecode in the image (it is compiled on import).
	rel=${rel%c}
	rel=${rel/__pycache__\//}
	rel=$(sed -E 's/\.cpython-[0-9]+(\.opt-[0-9])?\.py$/.py/' <<<"$rel")
	src=${f%/*}/${rel##*/}
	[ -f "$src" ] || src=$f
	mkdir -p "$stdlib/$(dirname "$rel")"
	cp "$src" "$stdlib/$rel"
	copied=$((copied + 1))
done <<<"$modules"
# Codecs are looked up by name at run time: the whole package.
cp -r "/usr/lib/python$pyver/encodings" "$stdlib/"
find "$stdlib" -name __pycache__ -prune -exec rm -rf {} +
# getpath's landmark for the prefix (PYTHONHOME=/tests), and the
# extension modules' directory.
[ -f "$stdlib/os.py" ] || { echo "stage-ynl: os.py was not staged" >&2; exit 1; }
mkdir -p "$stdlib/lib-dynload"
# An extension module needing a library python3 itself does not (_bz2,
# _lzma: shutil imports them only if it can) is left out rather than
# broken in the guest; what ynl really needs fails the VM test.
pylibs=$(ldd "$python" | grep -o '/[^ ]*' | xargs -r -n1 basename | sort -u)
while read -r so; do
	[ -n "$so" ] || continue
	for dep in $(ldd "$so" | grep -o '/[^ ]*' | xargs -r -n1 basename); do
		if ! grep -qxF "$dep" <<<"$pylibs"; then
			echo "stage-ynl: left out ${so##*/} (needs $dep)"
			rm -f "$so"
			break
		fi
	done
done < <(find "$stdlib" -name '*.so')

if [ -f "$out/TESTS" ] && ! grep -qx ynl-test.sh "$out/TESTS"; then
	if grep -qx unload_test "$out/TESTS"; then
		sed -i '/^unload_test$/i ynl-test.sh' "$out/TESTS"
	else
		echo ynl-test.sh >>"$out/TESTS"
	fi
fi
echo "stage-ynl: $copied modules; python3 $(du -sh "$out/python3" | cut -f1)," \
	"lib/python$pyver $(du -sh "$stdlib" | cut -f1), ynl $(du -sh "$out/ynl" | cut -f1)"
