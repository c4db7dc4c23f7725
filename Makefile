# timerx top-level Makefile.
#
#   make                 build timerx.ko for the running kernel (or KDIR=...)
#   make test            build everything, run libtimerx's host suite, and run
#                        the selftests and libtimerx's integration tests on
#                        three real kernels under QEMU
#                        (KERNELS="stock rt debug" to pick)
#   make lib             build libtimerx (shared, static, tests, examples)
#   make install         install libtimerx, headers, pkg-config and CMake
#                        files (PREFIX=/usr/local, DESTDIR=)
#   make selftests       build the selftest binaries (static, for the VM)
#   make checkpatch      checkpatch.pl --strict over the kernel sources
#   make sparse          sparse over the module (C=2)
#   make dkms-install    stage the module into /usr/src/timerx-VERSION and
#                        dkms add/build/install it for the running kernel
#                        (or KERNELVER=...); re-running rebuilds from the
#                        current sources
#   make dkms-remove     dkms remove timerx/VERSION --all, remove the source
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNELS ?= stock rt debug
BUILD ?= $(CURDIR)/build

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all module lib install selftests test checkpatch sparse deps clean
.PHONY: dkms-install dkms-remove

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

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod W=1 modules

lib:
	$(MAKE) -C lib build BUILD=$(BUILD)/lib

install:
	$(MAKE) -C lib install BUILD=$(BUILD)/lib PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

selftests:
	$(MAKE) -C selftests OUT=$(BUILD)/selftests

deps:
	tools/install-deps.sh

test: deps
	selftests/qemu/run-tests.sh $(KERNELS)

checkpatch:
	selftests/qemu/checkpatch.sh

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod C=2 modules

dkms-install:
	@test -n "$(TIMERX_VERSION)" || { echo "cannot read kmod/VERSION" >&2; exit 1; }
	rm -rf $(DKMS_SRC).new
	mkdir -p $(DKMS_SRC).new $(DKMS_TREE)
	tar -C $(CURDIR) -cf - $(DKMS_EXCLUDES) kmod include/uapi | \
		tar -C $(DKMS_SRC).new -xf -
	sed 's/@VERSION@/$(TIMERX_VERSION)/g' dkms.conf >$(DKMS_SRC).new/dkms.conf
	rm -rf $(DKMS_SRC)
	mv $(DKMS_SRC).new $(DKMS_SRC)
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

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean 2>/dev/null
	$(MAKE) -C selftests OUT=$(BUILD)/selftests clean
	$(MAKE) -C lib clean BUILD=$(BUILD)/lib
	rm -rf $(BUILD)
