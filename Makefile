# timerx top-level Makefile.
#
#   make                 build timerx.ko for the running kernel (or KDIR=...)
#   make test            build everything and run the selftests on three real
#                        kernels under QEMU (KERNELS="stock rt debug" to pick)
#   make selftests       build the selftest binaries (static, for the VM)
#   make checkpatch      checkpatch.pl --strict over the kernel sources
#   make sparse          sparse over the module (C=2)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNELS ?= stock rt debug
BUILD ?= $(CURDIR)/build

.PHONY: all module selftests test checkpatch sparse deps clean

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod W=1 modules

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
	rm -rf $(BUILD)
