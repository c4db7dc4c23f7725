# shellcheck shell=bash disable=SC2154 # root, work, BUILD, fail: bench/lib.sh's
# The Go workload's part of bench/lib.sh (sourced by it): build
# timerx-gobench (bench/go, static, CGO_ENABLED=0, Debian's golang-go) and
# put it with its guest part (bench/go/guest.sh) into the initramfs.

# Sets gobench_bin: TIMERX_GOBENCH_BIN (prebuilt) or built here.
bench_build_go() {
	if [ -n "${TIMERX_GOBENCH_BIN:-}" ]; then
		gobench_bin=$TIMERX_GOBENCH_BIN
		return 0
	fi
	local log=$work/gobench-build.log
	command -v go >/dev/null || fail "go is not installed (golang-go; tools/install-deps.sh)"
	gobench_bin=$BUILD/bench-go/timerx-gobench
	mkdir -p "$BUILD/bench-go"
	(cd "$root/bench/go" && CGO_ENABLED=0 GOPROXY=off GOFLAGS=-trimpath \
		go build -ldflags='-s -w' -o "$gobench_bin" .) >"$log" 2>&1 ||
		fail "timerx-gobench build failed (log: $log)" "$log"
}

# bench_stage_go ROOTFS
bench_stage_go() {
	install -m 0755 "$gobench_bin" "$1/bench/timerx-gobench"
	install -m 0644 "$root/bench/go/guest.sh" "$1/bench/go-guest.sh"
}
