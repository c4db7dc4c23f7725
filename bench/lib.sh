# shellcheck shell=bash disable=SC2154,SC2034 # globals shared with the caller
# Shared by bench/run-bench.sh and bench/profile.sh (sourced, not run): build
# timerx.ko and the programs for a kernel, pack the benchmark initramfs
# (bench/guest-init.sh as /init) and boot it under QEMU.
#
# The caller sets root (the repository), here (bench/), BUILD and work
# (the per-kernel work directory), resolves the kernel
# (selftests/qemu/kernels.sh: KERNEL_KDIR, KERNEL_IMAGE, KERNEL_RELEASE),
# sources selftests/qemu/initramfs.sh, and defines fail MESSAGE [LOG].

# shellcheck source=bench/go/lib.sh
. "$root/bench/go/lib.sh"

# Builds $work/src/kmod/timerx.ko for $KERNEL_KDIR from a copy of kmod/.
bench_build_module() {
	rm -rf "$work/src"
	mkdir -p "$work/src"
	cp -r "$root/kmod" "$root/include" "$work/src/"
	find "$work/src/kmod" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name modules.order -o -name Module.symvers \) -delete
	make -C "$KERNEL_KDIR" M="$work/src/kmod" modules >"$work/module-build.log" 2>&1 ||
		fail "module build failed (log: $work/module-build.log)" "$work/module-build.log"
}

# Sets bench_bin and timerctl_bin: TIMERX_BENCH_BIN + TIMERX_TIMERCTL_BIN
# (prebuilt, to test the harness itself) or built here: timerx-bench in
# bench/'s build tree, timerctl in tools/timerctl's (bench/ shares only
# tools/common with it; a bench tree that has a timerctl target is used).
bench_build_programs() {
	bench_build_go
	if [ -n "${TIMERX_BENCH_BIN:-}" ]; then
		bench_bin=$TIMERX_BENCH_BIN timerctl_bin=${TIMERX_TIMERCTL_BIN:?set with TIMERX_BENCH_BIN}
		return 0
	fi
	local bench_build=$BUILD/bench-build log=$work/bench-build.log
	[ -f "$root/bench/CMakeLists.txt" ] || fail "bench/CMakeLists.txt does not exist (yet)"
	{
		cmake -S "$root/bench" -B "$bench_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
			cmake --build "$bench_build" -j "$(nproc)"
	} >"$log" 2>&1 || fail "bench build failed (log: $log)" "$log"
	bench_bin=$(find "$bench_build" -maxdepth 2 -type f -name timerx-bench -perm -u+x | head -n 1)
	[ -n "$bench_bin" ] || fail "no timerx-bench binary in $bench_build"
	timerctl_bin=''
	if cmake --build "$bench_build" -j "$(nproc)" --target timerctl >>"$log" 2>&1; then
		timerctl_bin=$(find "$bench_build" -type f -name timerctl -perm -u+x | head -n 1)
	fi
	[ -z "$timerctl_bin" ] || return 0
	log=$work/timerctl-build.log
	make -C "$root/tools/timerctl" build BUILD="$BUILD/bench-timerctl" \
		CMAKE_FLAGS="-DTIMERCTL_BUILD_TESTS=OFF" >"$log" 2>&1 ||
		fail "timerctl build failed (log: $log)" "$log"
	timerctl_bin=$BUILD/bench-timerctl/timerctl
}

# bench_stage_initramfs INITRD: the staging tree $INITRD.d (in $rootfs) with
# busybox, the module, guest-init.sh as /init, the programs in /bench,
# cyclictest, jq and their libraries. The caller may add to it, then calls
# bench_pack_initramfs INITRD.
bench_stage_initramfs() {
	local initrd=$1 f cyclictest_bin jq_bin
	cyclictest_bin=$(command -v cyclictest || true)
	[ -x "$cyclictest_bin" ] || fail "cyclictest is not installed (rt-tests; tools/install-deps.sh)"
	jq_bin=$(command -v jq || true)
	[ -x "$jq_bin" ] || fail "jq is not installed (tools/install-deps.sh)"
	make_initramfs "$initrd" "$work/src/kmod/timerx.ko" /nonexistent
	rootfs=$initrd.d
	install -m 0755 "$here/guest-init.sh" "$rootfs/init"
	mkdir -p "$rootfs/bench" "$rootfs/usr/bin"
	install -m 0755 "$bench_bin" "$timerctl_bin" "$jq_bin" "$rootfs/bench/"
	install -m 0755 "$cyclictest_bin" "$rootfs/usr/bin/cyclictest"
	strip --strip-debug "$rootfs/bench/timerx-bench" "$rootfs/bench/timerctl" 2>/dev/null || true
	for f in "$rootfs"/bench/* "$rootfs/usr/bin/cyclictest"; do copy_libs "$f" "$rootfs"; done
	bench_stage_go "$rootfs"
	# The kernel's configuration, where the meta record looks for CONFIG_HZ.
	mkdir -p "$rootfs/boot"
	[ -f "$KERNEL_KDIR/.config" ] && cp "$KERNEL_KDIR/.config" "$rootfs/boot/config-$KERNEL_RELEASE"
	return 0
}

bench_pack_initramfs() {
	local initrd=$1
	(cd "$initrd.d" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$initrd"
}

# bench_boot_vm INITRD LIMIT CMDLINE: boots $KERNEL_IMAGE under QEMU (2 CPUs,
# $TIMERX_QEMU_ACCEL, ttyS0 -> $work/console.log, ttyS1 ->
# $work/results.raw), shows the guest's "# ..." lines as they come, and
# leaves ttyS1 without carriage returns in $work/results.log. Sets qrc
# (QEMU's exit status; 124/137: timed out) and vm_seconds.
bench_boot_vm() {
	local initrd=$1 limit=$2 cmdline=$3 cpu=max,la57=off qemu t_vm
	[ "$accel" = kvm ] && cpu=host
	rm -f "$work/results.raw"
	: >"$work/console.log"
	: >"$work/results.raw"
	: >"$work/qemu.log"
	t_vm=$SECONDS
	timeout -k 10 "$limit" qemu-system-x86_64 \
		-accel "$accel" -cpu "$cpu" -m "${BENCH_QEMU_MEM:-2048}" -smp 2 \
		-nographic -no-reboot -monitor none \
		-serial "file:$work/console.log" -serial "file:$work/results.raw" \
		-kernel "$KERNEL_IMAGE" -initrd "$initrd" -append "$cmdline" \
		</dev/null >"$work/qemu.log" 2>&1 &
	qemu=$!
	# Progress: the guest's "# ..." comment lines, as they come.
	tail -n +1 --pid="$qemu" -f "$work/results.raw" 2>/dev/null | tr -d '\r' |
		grep --line-buffered '^# ' || true
	qrc=0
	wait "$qemu" || qrc=$?
	vm_seconds=$((SECONDS - t_vm))
	tr -d '\r' <"$work/results.raw" >"$work/results.log"
}
