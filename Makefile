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
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNELS ?= stock rt debug
BUILD ?= $(CURDIR)/build

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all module lib install selftests test checkpatch sparse deps clean

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

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean 2>/dev/null
	$(MAKE) -C selftests OUT=$(BUILD)/selftests clean
	$(MAKE) -C lib clean BUILD=$(BUILD)/lib
	rm -rf $(BUILD)
