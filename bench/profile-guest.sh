# shellcheck shell=dash
# Sourced by bench/guest-init.sh (busybox sh, PID 1) in bench_mode=profile,
# after timerx.ko is loaded as for the benchmark: runs every line of
# /bench/profile.cmds (bench/profile.sh) under
#   perf record -a -g -e cpu-clock -F FREQ
# and writes, to ttyS1 (fd 3, say), for command I:
#   ### profile-begin I <command>
#   the command's stdout, then its stderr as "#   " lines
#   ### profile-rc I <exit status>
#   ### profile-section I flat|cpu1|children|callgraph|comm
#   | ...perf report --stdio..., every line after "| "
#   ### profile-end I
# perf report runs here, where /proc/kallsyms names the module's symbols
# and the programs' ELF files are at their paths. No set -e (PID 1).

# Settings from the host: freq, limit (seconds per command).
freq=1000 limit=600
# shellcheck source=/dev/null # written by bench/profile.sh
[ -f /bench/profile.conf ] && . /bench/profile.conf

echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid
# perf keeps a build-id cache under $HOME; -N and this keep it out of the way.
export PERF_BUILDID_DIR=/tmp/perf-buildid PERF_PAGER=cat

# profile_report I SECTION ARGS...: one perf report view of command I.
profile_report() {
	i=$1 section=$2
	shift 2
	say "### profile-section $i $section"
	timeout "$limit" perf report -i "/tmp/perf.$i.data" --stdio --stdio-color never "$@" \
		>/tmp/report.out 2>/tmp/report.err ||
		say "# error: perf report $section: $(tail -n 2 /tmp/report.err | tr '\n' ' ')"
	# "| ": the report's own "# " lines are not the host's progress lines.
	grep -v 'tips.txt' /tmp/report.out | sed 's/^/| /' >&3
}

i=0
while IFS= read -r cmd; do
	[ -n "$cmd" ] || continue
	i=$((i + 1))
	note "profile $i: $cmd"
	say "### profile-begin $i $cmd"
	rc=0
	timeout "$limit" perf record -a -g -e cpu-clock -F "$freq" -N -q \
		-o "/tmp/perf.$i.data" -- sh -c "$cmd" >/tmp/cmd.out 2>/tmp/cmd.err </dev/null || rc=$?
	cat /tmp/cmd.out >&3
	sed 's/^/#   /' /tmp/cmd.err | tail -n 20 >&3
	say "### profile-rc $i $rc"
	if [ -s "/tmp/perf.$i.data" ]; then
		profile_report "$i" flat --no-children --sort sym -g none --percent-limit 0.2
		# Every contestant's measured thread runs on CPU 1.
		profile_report "$i" cpu1 --no-children --sort sym -g none --percent-limit 0.2 --cpu 1
		profile_report "$i" children --children --sort sym -g none --percent-limit 1
		profile_report "$i" callgraph --no-children --sort sym \
			-g graph,1,callee,function,percent --percent-limit 2
		profile_report "$i" comm --no-children --sort comm,dso -g none --percent-limit 0.5
	else
		say "# error: no perf data for command $i"
	fi
	rm -f "/tmp/perf.$i.data"
	say "### profile-end $i"
done </bench/profile.cmds
