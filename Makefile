# SPDX-License-Identifier: GPL-2.0
#
# oomsnap: out-of-tree kernel module that snapshots OOM events.
#
#   make                 build the CLI (tools/oomsnap/oomsnap, static) and
#                        module/oomsnap.ko for the running kernel (KDIR/KVER);
#                        warnings are not errors (OOMSNAP_WERROR=1: they are,
#                        as in the test lanes)
#   make cli             only the CLI
#   make check-cli       the CLI's host unit tests (no VM; also run by make check)
#   make check-rules     the Prometheus alert rules (contrib/prometheus/):
#                        promtool check rules + test rules (no VM; also run by
#                        make check)
#   make check           lint + build + selftests in a QEMU VM (KERNEL=bookworm;
#                        KERNEL=<tag> for another kernel, see scripts/vm.sh --help)
#   make check-matrix    the selftests on every kernel tag, then a summary table
#   make check-panic     OOMs that panic, read back after the reboot: one QEMU
#                        run with pstore/ramoops and four boots (vm.sh --pstore,
#                        scripts/guest/panic-check.sh; KERNEL=<tag>, not debug)
#   make check-debug     the selftests (full-size stress) and the KUnit suites on
#                        a KASAN/lockdep/kmemleak kernel built from linux-source-6.1
#                        (first run builds it: ~15-40 min; cached afterwards)
#   make check-peer      other people's tests with oomsnap loaded, on bookworm's
#                        6.1: the kernel's test_memcontrol and stress-ng, every
#                        kill compared with the kernel's log (PEER=full: more)
#   make demo            boot the VM and show a memcg and a global OOM
#   make bench           benchmarks in the VM (scripts/bench.sh, ~15 min): OOM
#                        path cost, exec throughput, memory, readers; the tables
#                        are printed and written to bench/RESULTS.md
#                        (BENCHFLAGS="--procs 1000 --ooms 20 ..." to narrow)
#   make lint            checkpatch.pl --strict and sparse
#   make dkms-install    register the source with DKMS (/usr/src/oomsnap-VERSION)
#                        and build + install it for every kernel with headers
#   make dkms-uninstall  remove it from DKMS and every kernel, and the source
#   make deb             the Debian packages oomsnap-dkms and oomsnap (the CLI),
#                        built and checked with lintian in the bookworm chroot
#                        (into DEB_OUT, default dist/)
#   make check-dkms      install/upgrade/purge the package in a copy of each
#                        suite's chroot, load the DKMS-built module in the VM
#                        of every kernel tag (scripts/dkms-test.sh;
#                        KERNELS="tag ..." limits the set)
#   make check-systemd   the oomsnap package on a bookworm system booted with
#                        systemd in QEMU (scripts/systemd-test.sh): the journal
#                        service and the metrics timer against journald,
#                        node_exporter and the module
#   make deps            apt-get install what the host needs
#   make clean

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
KERNEL ?= bookworm
VMFLAGS ?=

HOST_DEPS := qemu-system-x86 busybox-static debootstrap sparse libjson-c-dev \
	cpio xz-utils zstd gcc make prometheus python3 e2fsprogs

all: cli modules

cli:
	$(MAKE) -C tools/oomsnap

check-cli:
	$(MAKE) -C tools/oomsnap WERROR=1 check

check-rules:
	scripts/check-rules.sh

check-panic:
	scripts/vm.sh --kernel $(KERNEL) --pstore --mem 256 --timeout 1200 $(VMFLAGS) \
		--file scripts/guest/panic-check.sh:/oomsnap/panic-check.sh \
		shell-cmd "sh /oomsnap/panic-check.sh"

modules:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "error: no kernel build tree at KDIR=$(KDIR)"; \
		echo "  install the headers (apt-get install linux-headers-$(KVER)), or pass"; \
		echo "  KDIR=/path/to/linux/build or KVER=<kernel version> to build elsewhere."; \
		echo "  'make check' builds and tests inside the VM harness without local headers."; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -f module/*.o module/*.ko module/*.mod module/*.mod.c module/.*.cmd \
		module/modules.order module/Module.symvers modules.order Module.symvers .*.cmd
	rm -rf selftests/build
	$(MAKE) -C tools/oomsnap clean

deps:
	@scripts/deps.sh $(HOST_DEPS)

lint: deps
	scripts/lint.sh

# lint runs inside vm.sh (--lint) so that its verdict is part of the final
# "N passed, N failed, N skipped" line and the VM tests still run.
check: deps check-cli check-rules
	scripts/vm.sh --lint --kernel $(KERNEL) $(VMFLAGS) tests

# Every kernel of the harness in turn (scripts/matrix.sh), then a table of
# kernel, version, build, passed/failed/skipped, seconds.  KERNELS="tag ..."
# limits the set.
check-matrix: deps
	scripts/matrix.sh $(if $(KERNELS),--kernels "$(KERNELS)") $(MATRIXFLAGS) $(VMFLAGS)

# The debug lane: scripts/debug-kernel.sh builds (once; cached under
# /var/cache/oomsnap/debug-kernel, keyed by the linux-source-6.1 version and
# scripts/debug-kernel.config) a kernel with KASAN, lockdep, kmemleak, KUnit
# and fault injection; vm.sh builds the module against it and runs the
# KUnit suites, every selftest with OOMSNAP_STRESS=full, and a kmemleak
# scan, with panic_on_warn.  Any sanitizer report fails the run.
DEBUG_DEPS := gcc-12 make flex bison bc perl libelf-dev libssl-dev xz-utils

deps-debug: deps
	@scripts/deps.sh $(DEBUG_DEPS)

check-debug: deps-debug
	scripts/vm.sh --kernel debug $(VMFLAGS) tests

# scripts/peer.sh: the kernel's own test_memcontrol (from linux-source-6.1)
# and Debian's stress-ng, without and with the module, every kill checked
# against the kernel's log.  PEER=quick (CI) or full.
PEER ?= $(or $(OOMSNAP_PEER),quick)
check-peer: deps
	scripts/peer.sh --mode $(PEER)

demo: deps
	scripts/vm.sh --kernel $(KERNEL) $(VMFLAGS) demo

# Not part of make check or CI: ~15 minutes, and TCG timings are noisy.
BENCHFLAGS ?=
bench: deps
	OOMSNAP_BENCH_CMD='make bench KERNEL=$(KERNEL)$(if $(BENCHFLAGS), BENCHFLAGS="$(BENCHFLAGS)")' \
		scripts/bench.sh --kernel $(KERNEL) $(BENCHFLAGS)

.PHONY: all cli check-cli check-rules check-panic modules clean deps deps-debug lint check check-debug check-matrix check-peer demo bench \
	dkms-src dkms-install dkms-uninstall deb check-dkms check-systemd

# ---------------------------------------------------------------------------
# DKMS and the Debian package (README: installing).    dkms.conf holds the
# version; dkms-src installs exactly what DKMS builds from (Kbuild, module/,
# dkms.conf) into DESTDIR/usr/src/oomsnap-VERSION, for dkms-install and for
# debian/rules alike.
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="*\([^"]*\)"*$$/\1/p' $(CURDIR)/dkms.conf)
DKMS_SRC = $(DESTDIR)/usr/src/oomsnap-$(DKMS_VERSION)
DEB_OUT ?= $(CURDIR)/dist

dkms-src:
	install -d $(DKMS_SRC)/module
	install -m 644 Kbuild dkms.conf $(DKMS_SRC)/
	install -m 644 module/Kbuild $(filter-out %.mod.c,$(wildcard module/*.c)) \
		$(wildcard module/*.h) $(DKMS_SRC)/module/

# Build for every kernel whose headers are installed (/lib/modules/*/build);
# DKMS rebuilds on kernel upgrades (AUTOINSTALL).  A kernel that lacks a
# BUILD_EXCLUSIVE_CONFIG option is skipped (exit status 77 from dkms).
dkms-install:
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

dkms-uninstall:
	@command -v dkms >/dev/null || { echo "error: dkms is missing"; exit 1; }
	@if dkms status -m oomsnap -v $(DKMS_VERSION) | grep -q .; then \
		dkms remove -m oomsnap -v $(DKMS_VERSION) --all; \
	fi
	rm -rf /usr/src/oomsnap-$(DKMS_VERSION)

deb: deps
	scripts/deb.sh --out $(DEB_OUT)

check-dkms: deps
	scripts/dkms-test.sh $(if $(KERNELS),--kernels "$(KERNELS)")

check-systemd: deps
	scripts/systemd-test.sh
