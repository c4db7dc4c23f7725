# shellcheck shell=bash
# Boot one test VM under QEMU and wait for it, bounded by `timeout`.
#
# TCG is the default because the KVM of these machines (nested "PVM") hangs
# guests at boot; TIMERX_QEMU_ACCEL=kvm opts in where KVM is real.

# boot_vm IMAGE INITRD LOGDIR TIMEOUT_SECONDS CMDLINE
# Writes LOGDIR/console.log (ttyS0: kernel console and init's progress),
# LOGDIR/results.log (ttyS1: the result channel, \r stripped) and
# LOGDIR/qemu.log. Returns QEMU's status (124 when the timeout hit).
boot_vm() {
	local image=$1 initrd=$2 dir=$3 limit=$4 cmdline=$5
	# la57=off: with 5-level paging a KASAN kernel can take an interrupt
	# while identify_cpu() has LA57 cleared from boot_cpu_data; KASAN then
	# computes a 4-level shadow and reports a bogus wild-memory-access (seen
	# on the 6.12 debug kernel at boot, about one boot in ten). Real machines
	# mostly run 4-level paging anyway.
	local accel=${TIMERX_QEMU_ACCEL:-tcg} cpu=max,la57=off rc=0
	[ "$accel" = kvm ] && cpu=host
	rm -f "$dir/results.raw"
	# Exist even if QEMU never starts, for the reports that read them.
	: >"$dir/console.log"
	: >"$dir/results.log"
	: >"$dir/qemu.log"
	# -monitor none: with -nographic and both serials in files, the monitor
	# would otherwise claim stdin/stdout.
	timeout -k 10 "$limit" qemu-system-x86_64 \
		-accel "$accel" -cpu "$cpu" -m "${TIMERX_QEMU_MEM:-1024}" -smp 2 \
		-nographic -no-reboot -monitor none \
		-serial "file:$dir/console.log" -serial "file:$dir/results.raw" \
		-kernel "$image" -initrd "$initrd" -append "$cmdline" \
		</dev/null >"$dir/qemu.log" 2>&1 || rc=$?
	if [ -f "$dir/results.raw" ]; then
		tr -d '\r' <"$dir/results.raw" >"$dir/results.log"
		rm -f "$dir/results.raw"
	fi
	return "$rc"
}
