# timerx top-level Makefile.
#
#   make                 build timerx.ko for the running kernel (or KDIR=...)
#   make demo            boot Debian's stock kernel under QEMU, load the
#                        module, run the 10k-timer example engine and show
#                        it with timerctl (status, list, show, hist, monitor)
#   make test            build everything, run libtimerx's host suite, and run
#                        the selftests and libtimerx's integration tests on
#                        five real kernels under QEMU: Debian 6.1 and 6.12,
#                        stock and PREEMPT_RT, and a 6.12 debug kernel
#                        (KERNELS="stock rt stock612 rt612 debug" to pick)
#   make bench           the benchmark suite (bench/README.md): boot a kernel
#                        under QEMU with timerx-bench, timerctl latency and
#                        cyclictest, run every workload (W1 latency, W2 CPU,
#                        W3 arm/cancel rate, W4 memory) alternating the
#                        contestants, and write $(BUILD)/bench/results.md,
#                        results.json and SVG plots (about 15 minutes under
#                        TCG). KERNEL=stock|rt|debug (stock), REPS=3,
#                        BENCH_OUT=DIR; PUBLISH=1 also copies results.md,
#                        results.json and the plots into docs/performance/
#   make soak            the soak (selftests/soak/): boot one kernel under
#                        QEMU and run soak_test for SOAK_SECONDS (300):
#                        root and nobody workers, stalled consumers,
#                        overflowing rings, REALTIME steps, contexts closed
#                        while firing, netlink dumps; checks that no
#                        expiration is lost and memory returns to its
#                        baseline. KERNEL=debug|stock|rt|stock612|rt612
#                        (debug); SOAK_SEED= repeats a run's choices
#   make fuzz            the fuzzer (selftests/fuzz/): boot one kernel
#                        (KERNEL=debug, whose KCOV guides it) and fuzz the
#                        module for FUZZ_SECONDS (600) after replaying the
#                        corpus; findings in $(BUILD)/fuzz/KERNEL/fuzz-crashes/,
#                        coverage in $(BUILD)/fuzz/KERNEL/fuzz-coverage.txt
#   make lib             build libtimerx and libtimerx-control (shared,
#                        static, tests, examples)
#   make timerctl        build timerctl, the admin tool (tools/timerctl/),
#                        and its host tests
#   make install         install libtimerx (library, headers, pkg-config,
#                        CMake files, man page), timerctl (binary, man page,
#                        bash completion), the udev rule, the modprobe.d
#                        example and the DKMS module source in
#                        /usr/src/timerx-VERSION (PREFIX=/usr/local,
#                        DESTDIR=, UDEVDIR=$(PREFIX)/lib/udev/rules.d)
#   make deb             Debian packages timerx-dkms, libtimerx1,
#                        libtimerx-dev, libtimerx-control1,
#                        libtimerx-control-dev, timerctl in $(BUILD)/deb/
#                        (tools/debian/ is their debian/ directory)
#   make selftests       build the selftest binaries (static, for the VM)
#   make docs-test       compile every code snippet of README.md and
#                        docs/*.md, test the snippet checker, and check
#                        docs/netlink/timerx.yaml against the UAPI header
#                        and the kernel's schema (TAP; docs/CONTRIBUTING.md)
#   make checkpatch      checkpatch.pl --strict over the kernel sources
#   make sparse          sparse over the module (C=2)
#   make dkms-install    stage the module into /usr/src/timerx-VERSION and
#                        dkms add/build/install it for the running kernel
#                        (or KERNELVER=...); re-running rebuilds from the
#                        current sources
#   make dkms-remove     dkms remove timerx/VERSION --all, remove the source
#   make dkms-stage      only stage the source into
#                        $(DKMS_SOURCETREE)/timerx-VERSION (used by
#                        dkms-install, install and the Debian package)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNELS ?= stock rt stock612 rt612 debug failslab
BUILD ?= $(CURDIR)/build

PREFIX ?= /usr/local
DESTDIR ?=
# systemd-udevd reads /usr/local/lib/udev/rules.d too (udev(7), Debian 12);
# packagers and installs into /usr use UDEVDIR=/lib/udev/rules.d.
UDEVDIR ?= $(PREFIX)/lib/udev/rules.d
DOCDIR ?= $(PREFIX)/share/doc/timerx

.PHONY: all module lib timerctl install selftests demo bench soak fuzz test checkpatch sparse deps clean
.PHONY: docs-test
.PHONY: dkms-install dkms-remove dkms-stage deb
.PHONY: install-lib install-timerctl install-udev install-modprobe install-dkms

# DKMS. kmod/VERSION is the single source of the version; the staged
# dkms.conf gets it substituted for @VERSION@. DKMS_SOURCETREE and
# DKMS_TREE exist so that selftests/dkms/dkms-test.sh can run these targets
# against scratch trees.
TIMERX_VERSION = $(strip $(shell cat $(CURDIR)/kmod/VERSION))
KERNELVER ?= $(shell uname -r)
DKMS_SOURCETREE ?= /usr/src
DKMS_TREE ?= /var/lib/dkms
DKMS_SRC = $(DKMS_SOURCETREE)/timerx-$(TIMERX_VERSION)
DKMS = dkms --sourcetree $(DKMS_SOURCETREE) --dkmstree $(DKMS_TREE)
DKMS_MOD = -m timerx -v $(TIMERX_VERSION)
# Build artefacts never copied into the DKMS source tree.
DKMS_EXCLUDES = $(addprefix --exclude=,'*.o' '*.ko' '*.mod' '*.mod.c' \
	'.*.cmd' '*.order' '*.symvers' '*.d' '*.a' .tmp_versions .cache.mk)

# $(call dkms_stage,DIR): DIR (.../timerx-VERSION) becomes kmod/,
# include/uapi/ and the filled-in dkms.conf, owned by root (when extracted
# by root) and not group- or world-writable, replaced atomically. The one
# staging recipe for dkms-stage, dkms-install, install and the Debian
# package.
define dkms_stage
	@test -n "$(TIMERX_VERSION)" || { echo "cannot read kmod/VERSION" >&2; exit 1; }
	rm -rf $(1).new
	mkdir -p $(1).new
	tar -C $(CURDIR) -cf - $(DKMS_EXCLUDES) --owner=0 --group=0 --numeric-owner \
		--mode=go-w kmod include/uapi | tar -C $(1).new -xf -
	sed 's/@VERSION@/$(TIMERX_VERSION)/g' $(CURDIR)/dkms.conf >$(1).new/dkms.conf
	chmod 0644 $(1).new/dkms.conf
	rm -rf $(1)
	mv $(1).new $(1)
endef

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod W=1 modules

lib:
	$(MAKE) -C lib build BUILD=$(BUILD)/lib

timerctl:
	$(MAKE) -C tools/timerctl build BUILD=$(BUILD)/timerctl

install: install-lib install-timerctl install-udev install-modprobe install-dkms
	@echo "install: done. /dev/timerx is for the timerx group: groupadd --system timerx"
	@echo "install: build the module with: dkms install timerx/$(TIMERX_VERSION)"

install-lib:
	$(MAKE) -C lib install BUILD=$(BUILD)/lib PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

install-timerctl:
	@if [ ! -d tools/timerctl ]; then \
		echo "install: tools/timerctl/ does not exist: timerctl not installed"; \
	else \
		$(MAKE) -C tools/timerctl install BUILD=$(BUILD)/timerctl \
			PREFIX=$(PREFIX) DESTDIR=$(DESTDIR); \
	fi

install-udev:
	install -D -m 0644 tools/udev/60-timerx.rules $(DESTDIR)$(UDEVDIR)/60-timerx.rules

install-modprobe:
	install -D -m 0644 tools/modprobe.d/timerx.conf.example \
		$(DESTDIR)$(DOCDIR)/timerx.conf.example

# The module source for DKMS; dkms looks in /usr/src whatever the PREFIX.
install-dkms:
	$(call dkms_stage,$(DESTDIR)$(DKMS_SOURCETREE)/timerx-$(TIMERX_VERSION))

selftests:
	$(MAKE) -C selftests OUT=$(BUILD)/selftests

deps:
	tools/install-deps.sh

docs-test:
	BUILD=$(BUILD) docs/tests/run-docs-tests.sh

demo: deps
	BUILD=$(BUILD) tools/demo/run-demo.sh

test: deps
	selftests/qemu/run-tests.sh $(KERNELS)

KERNEL ?= stock
REPS ?= 3
BENCH_OUT ?= $(BUILD)/bench
PUBLISH ?=
BENCH_FLAGS = --kernel $(KERNEL) --reps $(REPS) --out $(BENCH_OUT) \
	$(if $(filter 1 yes,$(PUBLISH)),--publish $(CURDIR)/docs/performance)
bench: deps
	BUILD=$(BUILD) bench/run-bench.sh $(BENCH_FLAGS)

# KERNEL's default above is bench's; the soak's is the debug kernel.
SOAK_SECONDS ?= 300
SOAK_KERNEL = $(if $(filter file,$(origin KERNEL)),debug,$(KERNEL))
soak: deps
	TIMERX_SKIP_HOST=1 TIMERX_TESTS_ONLY=soak_test TIMERX_SOAK_SECONDS=$(SOAK_SECONDS) \
		TIMERX_FUZZ_SECONDS=0 BUILD=$(BUILD)/soak selftests/qemu/run-tests.sh $(SOAK_KERNEL)

# The fuzzer alone, on the debug kernel (KCOV) unless KERNEL= says otherwise.
FUZZ_SECONDS ?= 600
FUZZ_KERNEL = $(if $(filter file,$(origin KERNEL)),debug,$(KERNEL))
fuzz: deps
	TIMERX_SKIP_HOST=1 TIMERX_TESTS_ONLY=timerx-fuzz.sh TIMERX_FUZZ_SECONDS=$(FUZZ_SECONDS) \
		BUILD=$(BUILD)/fuzz selftests/qemu/run-tests.sh $(FUZZ_KERNEL)

checkpatch:
	selftests/qemu/checkpatch.sh

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod C=2 modules

dkms-stage:
	$(call dkms_stage,$(DKMS_SRC))

dkms-install: dkms-stage
	mkdir -p $(DKMS_TREE)
	@# Idempotent: add once; drop an earlier build for this kernel so that
	@# the sources just staged are the ones built and installed.
	if [ -z "$$($(DKMS) status $(DKMS_MOD))" ]; then \
		$(DKMS) add $(DKMS_MOD); \
	elif $(DKMS) status $(DKMS_MOD) -k $(KERNELVER) | \
			grep -qF ', $(KERNELVER),'; then \
		$(DKMS) unbuild $(DKMS_MOD) -k $(KERNELVER); \
	fi
	$(DKMS) build $(DKMS_MOD) -k $(KERNELVER)
	$(DKMS) install $(DKMS_MOD) -k $(KERNELVER)

dkms-remove:
	@test -n "$(TIMERX_VERSION)" || { echo "cannot read kmod/VERSION" >&2; exit 1; }
	if [ -n "$$($(DKMS) status $(DKMS_MOD))" ]; then \
		$(DKMS) remove timerx/$(TIMERX_VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC) $(DKMS_SRC).new

# Debian packages. The source tree as git sees it (tracked files plus
# untracked ones that .gitignore does not exclude, as they are in the
# working tree) is copied to $(DEB_SRC), tools/debian/ becomes its debian/,
# debian/changelog is written for kmod/VERSION (the one version), and
# dpkg-buildpackage builds the binary packages, unsigned, into $(DEB_BUILD).
DEB_BUILD = $(BUILD)/deb
DEB_SRC = $(DEB_BUILD)/timerx-$(TIMERX_VERSION)
DEB_MAINTAINER = timerx developers <timerx@example.org>
DEB_BUILDPACKAGE_FLAGS ?= -us -uc -b -Jauto

deb:
	@test -n "$(TIMERX_VERSION)" || { echo "cannot read kmod/VERSION" >&2; exit 1; }
	@command -v dpkg-buildpackage >/dev/null && command -v dh_dkms >/dev/null || { \
		echo "deb: needs dpkg-dev, debhelper and dh-dkms (tools/install-deps.sh)" >&2; \
		exit 1; }
	@git -C $(CURDIR) rev-parse --git-dir >/dev/null 2>&1 || { \
		echo "deb: $(CURDIR) is not a git checkout" >&2; exit 1; }
	rm -rf $(DEB_BUILD)
	mkdir -p $(DEB_SRC)
	@# Files deleted in the working tree are still listed: ignore them.
	git -C $(CURDIR) ls-files -z --cached --others --exclude-standard | \
		tar -C $(CURDIR) --null -T - --ignore-failed-read --warning=no-failed-read \
			-cf - | tar -C $(DEB_SRC) -xf -
	rm -rf $(DEB_SRC)/debian
	cp -a tools/debian $(DEB_SRC)/debian
	@if [ ! -d $(DEB_SRC)/tools/timerctl ]; then \
		echo "deb: tools/timerctl/ does not exist: no timerctl package"; \
		sed -i '/^Package: timerctl$$/,/^$$/d' $(DEB_SRC)/debian/control; \
		rm -f $(DEB_SRC)/debian/timerctl.*; \
	fi
	{ printf 'timerx (%s) unstable; urgency=medium\n\n' '$(TIMERX_VERSION)'; \
	  printf '  * Built from git %s.\n\n' \
		"$$(git -C $(CURDIR) describe --always --dirty 2>/dev/null || echo unknown)"; \
	  printf ' -- %s  %s\n' '$(DEB_MAINTAINER)' \
		"$$(git -C $(CURDIR) log -1 --format=%cD 2>/dev/null || date -R)"; \
	} >$(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && dpkg-buildpackage $(DEB_BUILDPACKAGE_FLAGS)
	@ls -1 $(DEB_BUILD)/*.deb

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean 2>/dev/null
	$(MAKE) -C selftests OUT=$(BUILD)/selftests clean
	$(MAKE) -C lib clean BUILD=$(BUILD)/lib
	rm -rf $(BUILD)
