#!/bin/sh
# VM test (busybox sh): the kernel's own ynl client (linux-source-6.12's
# tools/net/ynl/cli.py) reads the timerx family with docs/netlink/timerx.yaml.
# /tests/python3 and /tests/lib/python3.11 (the interpreter and the part of
# its standard library that ynl needs, with PyYAML) are staged by
# selftests/docs/stage-ynl.sh; ynl_check.py does the checking and prints TAP.
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/python3" ] || [ ! -f "$here/ynl/cli.py" ]; then
	echo "not ok 1 ynl: python3 and ynl are staged in $here"
	echo "1..1"
	exit 1
fi
PYTHONHOME=$here PYTHONDONTWRITEBYTECODE=1 exec "$here/python3" -S "$here/ynl_check.py"
