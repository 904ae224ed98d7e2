# SPDX-License-Identifier: GPL-2.0
#
# oomsnap: out-of-tree kernel module that snapshots OOM events.
#
# `make help` lists every target, one line each: the `## ` comment on the
# target's own line (help fails on a target without one, so the list cannot
# fall behind).  The longer story of a target is in the comments above it
# and in README.md.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
KERNEL ?= bookworm
VMFLAGS ?=

HOST_DEPS := qemu-system-x86 busybox-static debootstrap sparse libjson-c-dev \
	cpio xz-utils zstd gcc make prometheus python3 e2fsprogs

# Warnings are not errors (OOMSNAP_WERROR=1: they are, as in the test lanes).
all: cli modules ## the CLI (static) and module/oomsnap.ko for the running kernel (KDIR/KVER)

# Generated from the `## ` comment on each target's line; a target without
# one makes help fail (and says which), so the list cannot fall behind.
help: ## this list: every target, one line each
	@awk 'BEGIN { rc = 0 } \
	/^[a-zA-Z0-9_-]+:([^=]|$$)/ { \
		t = $$1; sub(/:.*/, "", t); \
		if (match($$0, / ## /)) printf "  %-16s %s\n", t, substr($$0, RSTART + 4); \
		else { printf "  %-16s (no ## comment: add one)\n", t; rc = 1 } \
	} END { exit rc }' $(firstword $(MAKEFILE_LIST))

cli: ## only the CLI, tools/oomsnap/oomsnap (static)
	$(MAKE) -C tools/oomsnap

check-cli: ## the CLI's host unit tests (no VM; also run by make check)
	$(MAKE) -C tools/oomsnap WERROR=1 check

check-rules: ## the alert rules (contrib/prometheus/): promtool check + test rules (no VM)
	scripts/check-rules.sh

# KERNEL=debug: the debug kernel's own ramoops, and vm.sh's longer debug
# timeout instead of 20 minutes.
check-panic: ## OOMs that panic, read back after the reboot (pstore, four boots; KERNEL=<tag> or debug)
	scripts/vm.sh --kernel $(KERNEL) --pstore --mem 256 $(if $(filter debug,$(KERNEL)),,--timeout 1200) $(VMFLAGS) \
		--file scripts/guest/panic-check.sh:/oomsnap/panic-check.sh \
		shell-cmd "sh /oomsnap/panic-check.sh"

modules: ## module/oomsnap.ko for KDIR (default: the running kernel's headers)
	@if [ ! -d "$(KDIR)" ]; then \
		echo "error: no kernel build tree at KDIR=$(KDIR)"; \
		echo "  install the headers (apt-get install linux-headers-$(KVER)), or pass"; \
		echo "  KDIR=/path/to/linux/build or KVER=<kernel version> to build elsewhere."; \
		echo "  'make check' builds and tests inside the VM harness without local headers."; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

clean: ## remove what the build made
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -f module/*.o module/*.ko module/*.mod module/*.mod.c module/.*.cmd \
		module/modules.order module/Module.symvers modules.order Module.symvers .*.cmd
	rm -rf selftests/build
	$(MAKE) -C tools/oomsnap clean

deps: ## apt-get install what the host needs
	@scripts/deps.sh $(HOST_DEPS)

lint: deps ## checkpatch.pl --strict and sparse
	scripts/lint.sh

# lint runs inside vm.sh (--lint) so that its verdict is part of the final
# "N passed, N failed, N skipped" line and the VM tests still run.
check: deps check-cli check-rules ## lint + build + selftests in a QEMU VM (KERNEL=bookworm, or another tag)
	scripts/vm.sh --lint --kernel $(KERNEL) $(VMFLAGS) tests

# Every kernel of the harness in turn (scripts/matrix.sh), then a table of
# kernel, version, build, passed/failed/skipped, seconds: each tag on x86_64,
# then the arm64 builds of bookworm, trixie and trixie-backports (issue 20;
# 10 min of the whole with MATRIXFLAGS=--jobs 2).  KERNELS="tag ..." limits the set, ARCH=x86_64 or
# arm64 (on the command line, as for check-dkms) to one architecture.
ARCH_ARG := $(if $(filter command line,$(origin ARCH)),$(ARCH))
check-matrix: deps $(if $(filter x86_64,$(ARCH_ARG)),,deps-arm64) ## the selftests on every kernel tag, x86_64 and arm64, then a summary table (KERNELS="tag ...", ARCH=...)
	scripts/matrix.sh $(if $(ARCH_ARG),--arch $(ARCH_ARG)) $(if $(KERNELS),--kernels "$(KERNELS)") $(MATRIXFLAGS) $(VMFLAGS)

# The debug lane: scripts/debug-kernel.sh builds (once; cached under
# /var/cache/oomsnap/debug-kernel, keyed by the linux-source-6.1 version and
# scripts/debug-kernel.config) a kernel with KASAN, lockdep, kmemleak, KUnit
# and fault injection; vm.sh builds the module against it and runs the
# KUnit suites, every selftest with OOMSNAP_STRESS=full, and a kmemleak
# scan, with panic_on_warn.  Any sanitizer report fails the run.
DEBUG_DEPS := gcc-12 make flex bison bc perl libelf-dev libssl-dev xz-utils

deps-debug: deps ## what the host needs to build the debug kernel
	@scripts/deps.sh $(DEBUG_DEPS)

check-debug: deps-debug ## selftests (full stress) + KUnit on a KASAN/lockdep/kmemleak 6.1 (first run 15-40 min)
	scripts/vm.sh --kernel debug $(VMFLAGS) tests

# scripts/peer.sh: the kernel's own test_memcontrol (from linux-source-6.1)
# and Debian's stress-ng, without and with the module, every kill checked
# against the kernel's log.  PEER=quick (CI) or full.
PEER ?= $(or $(OOMSNAP_PEER),quick)
check-peer: deps ## test_memcontrol and stress-ng with oomsnap loaded, kills vs the kernel's log (PEER=full)
	scripts/peer.sh --mode $(PEER)

# arm64 (issue 20): the whole suite on Debian's arm64 build of a kernel tag
# (the same package version as on x86; KERNEL=bookworm, trixie or
# trixie-backports), module, selftests and CLI cross-built in the tag's
# chroot, booted in qemu-system-aarch64 (TCG, one thread): scripts/vm.sh
# --arch arm64, README "Compatibility".  Also in check-matrix (all three);
# CI runs a reduced set on bookworm (.ci/run).
ARM64_DEPS := qemu-system-arm

deps-arm64: deps ## what the host needs for arm64 guests (qemu-system-arm)
	@scripts/deps.sh $(ARM64_DEPS)

check-arm64: deps-arm64 ## the selftests on an arm64 kernel (KERNEL=bookworm, trixie, trixie-backports) in qemu-system-aarch64 (cross-built)
	scripts/vm.sh --arch arm64 --kernel $(KERNEL) $(VMFLAGS) tests

demo: deps $(if $(filter arm64,$(ARCH_ARG)),deps-arm64) ## boot the VM and show a memcg and a global OOM (ARCH=arm64 for the arm64 build of KERNEL)
	scripts/vm.sh $(if $(ARCH_ARG),--arch $(ARCH_ARG)) --kernel $(KERNEL) $(VMFLAGS) demo

# Not part of make check or CI: ~15 minutes, and TCG timings are noisy.
BENCHFLAGS ?=
bench: deps ## benchmarks in the VM (~15 min), tables into bench/RESULTS.md (BENCHFLAGS=...)
	OOMSNAP_BENCH_CMD='make bench KERNEL=$(KERNEL)$(if $(BENCHFLAGS), BENCHFLAGS="$(BENCHFLAGS)")' \
		scripts/bench.sh --kernel $(KERNEL) $(BENCHFLAGS)

.PHONY: help all cli check-cli check-rules check-panic modules clean deps deps-debug lint check check-debug check-matrix check-peer demo bench \
	deps-arm64 deps-arm64-dkms check-arm64 \
	dkms-src dkms-install dkms-uninstall deb check-dkms check-systemd

# ---------------------------------------------------------------------------
# DKMS and the Debian package (README: installing).    dkms.conf holds the
# version; dkms-src installs exactly what DKMS builds from (Kbuild, module/,
# dkms.conf) into DESTDIR/usr/src/oomsnap-VERSION, for dkms-install and for
# debian/rules alike.
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="*\([^"]*\)"*$$/\1/p' $(CURDIR)/dkms.conf)
DKMS_SRC = $(DESTDIR)/usr/src/oomsnap-$(DKMS_VERSION)
DEB_OUT ?= $(CURDIR)/dist

dkms-src: ## the DKMS source tree into DESTDIR/usr/src/oomsnap-VERSION (dkms-install, debian/rules)
	install -d $(DKMS_SRC)/module
	install -m 644 Kbuild dkms.conf $(DKMS_SRC)/
	install -m 644 module/Kbuild $(filter-out %.mod.c,$(wildcard module/*.c)) \
		$(wildcard module/*.h) $(DKMS_SRC)/module/

# Build for every kernel whose headers are installed (/lib/modules/*/build);
# DKMS rebuilds on kernel upgrades (AUTOINSTALL).  A kernel that lacks a
# BUILD_EXCLUSIVE_CONFIG option is skipped (exit status 77 from dkms).
dkms-install: ## register the source with DKMS, build + install it for every kernel with headers
	@command -v dkms >/dev/null || { echo "error: dkms is missing (apt-get install dkms)"; exit 1; }
	@if dkms status -m oomsnap -v $(DKMS_VERSION) | grep -q .; then \
		echo "oomsnap/$(DKMS_VERSION) already added: removing it first"; \
		dkms remove -m oomsnap -v $(DKMS_VERSION) --all; \
	fi
	rm -rf /usr/src/oomsnap-$(DKMS_VERSION)
	$(MAKE) --no-print-directory dkms-src DESTDIR=
	dkms add -m oomsnap -v $(DKMS_VERSION)
	@rc=0; for b in /lib/modules/*/build; do \
		[ -d "$$b" ] || continue; \
		k=$${b%/build}; k=$${k##*/}; \
		dkms install -m oomsnap -v $(DKMS_VERSION) -k "$$k" || \
			{ r=$$?; [ $$r -eq 77 ] && echo "oomsnap: $$k skipped (kernel config)" || rc=1; }; \
	done; dkms status -m oomsnap; exit $$rc

dkms-uninstall: ## remove it from DKMS and every kernel, and the source
	@command -v dkms >/dev/null || { echo "error: dkms is missing"; exit 1; }
	@if dkms status -m oomsnap -v $(DKMS_VERSION) | grep -q .; then \
		dkms remove -m oomsnap -v $(DKMS_VERSION) --all; \
	fi
	rm -rf /usr/src/oomsnap-$(DKMS_VERSION)

# scripts/deb.sh: dpkg-buildpackage in the cached bookworm chroot (the
# host's apt is not touched), then lintian --pedantic on the .changes.
deb: deps ## the packages oomsnap-dkms and oomsnap + the source package, lintian-checked (DEB_OUT=dist/)
	scripts/deb.sh --out $(DEB_OUT)

# scripts/dkms-test.sh: in a throwaway copy of each suite's chroot, and the
# module in each kernel's VM (README: "The oomsnap-dkms and oomsnap packages").
# ARCH=arm64 (given on the command line: an ARCH in the environment, a
# kernel developer's, does not count): an arm64 chroot run under
# qemu-user-static, the arm64 kernels in qemu-system-aarch64 (KERNELS=
# bookworm by default, or trixie, trixie-backports).
check-dkms: deps $(if $(filter arm64,$(ARCH_ARG)),deps-arm64-dkms) ## install/upgrade/purge the packages per suite, load the DKMS module per kernel (KERNELS=..., ARCH=arm64)
	scripts/dkms-test.sh $(if $(ARCH_ARG),--arch $(ARCH_ARG)) $(if $(KERNELS),--kernels "$(KERNELS)")

deps-arm64-dkms: deps-arm64 ## what make check-dkms ARCH=arm64 needs besides (qemu-user-static)
	@scripts/deps.sh qemu-user-static

# scripts/systemd-test.sh: a bookworm rootfs booted with systemd in QEMU, the
# .deb installed with apt; journald, node_exporter and the module are real.
check-systemd: deps ## the oomsnap package on a booted bookworm systemd guest: journal, metrics, --exec
	scripts/systemd-test.sh
