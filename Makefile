# SPDX-License-Identifier: GPL-2.0
# The rig: build the patched Linux 7.3 (or, KVER=6.12, 6.12 LTS), boot it in QEMU
# and test it.
# Everything it builds goes to build/ (ignored by git). See README.md.

# ARCH=arm64 (make run ARCH=arm64, make bench ARCH=arm64) means the arm64
# variant; the scripts pass each kernel build its own ARCH.
ifeq ($(ARCH),arm64)
VARIANT ?= arm64
BENCH_VARIANT ?= arm64
else ifneq ($(ARCH),)
ifneq ($(ARCH),x86)
$(error ARCH=$(ARCH): the rig builds x86 (the default) and arm64 (ARCH=arm64 or VARIANT=arm64))
endif
endif
VARIANT ?= default
MAKEOVERRIDES :=
export KSRC KVER SUITES JOBS BUILD BENCH_VARIANT

.PHONY: help run check check-all bench soak mutants patches deps tree kernel clean distclean

help:
	@echo "make run       build, boot and test VARIANT=$(VARIANT) (variants: default nomarker conly debug noinline arm64; ARCH=arm64 = VARIANT=arm64)"
	@echo "make check     the whole test suite (what CI runs)"
	@echo "make check-all every variant of every kernel line (longer than CI allows)"
	@echo "make bench     C vs Rust zap path: instructions and wall time per page (ARCH=arm64 or BENCH_VARIANT=V: on another kernel)"
	@echo "make soak      DURATION=1800: stress the debug kernel for that many seconds"
	@echo "make mutants   break the Rust path one line at a time (scripts/mutants.txt): the tests must notice"
	@echo "make patches   write the patch series to build/patches, build each step"
	@echo "make clean     drop kernel builds and logs; keep the extracted source and tools"
	@echo "Options: KVER=7.3|6.12 (the kernel line, 7.3 by default)  KSRC=/path/to/linux-KVER.y  SUITES=upstream,persist  JOBS=3"

run:
	@scripts/run.sh $(VARIANT)

check:
	@scripts/check.sh

check-all:
	@scripts/check.sh all

bench:
	@scripts/bench.sh

soak:
	@scripts/soak.sh $(DURATION)

mutants:
	@scripts/mutants.sh $(MUTANTS)

patches:
	@scripts/patches.sh --build

deps:
	@scripts/deps.sh

tree: deps
	@scripts/overlay.sh

kernel: tree
	@scripts/kbuild.sh $(VARIANT)

clean:
	rm -rf build/kbuild build/tree build/guest build/logs build/patches \
	       build/7.3/kbuild build/7.3/tree build/7.3/guest build/7.3/logs build/7.3/patches

distclean:
	rm -rf build
