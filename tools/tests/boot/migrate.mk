# SPDX-License-Identifier: GPL-2.0-only
# Live migration with xl from a PVH dom0 (migrate/).
#   make check-migrate          the debug, corrupt and nobias runs below,
#                               one after the other
#   make check-migrate-debug    on $(OUT)/debug/xen, must pass: a PVH guest
#                               on two vCPUs, a live migration to localhost
#                               and a save and restore; then a 64-bit PV
#                               guest (log-dirty in shadow mode), 2 live
#                               migrations; each guest verifies its memory
#   make check-migrate-corrupt  negative control of the memory check, on
#                               $(OUT)/release/xen (so the release build
#                               runs each guest's first migration): the
#                               receiver corrupts one page of each guest's
#                               pattern (for the PVH guest, in vCPU 1's
#                               part); each guest's first migration check
#                               must fail, and nothing else
#   make check-migrate-pristine on $(OUT)/pristine-debug/xen, one live
#                               migration of each guest: must pass too
#                               (opt-in: its 5 minutes would take .ci/run
#                               past its budget)
#   make check-migrate-nobias   the same on $(OUT)/nobias-debug/xen, the PV
#                               guest first: must stop on the mm lock-order
#                               violation
#   make migrate-initrd         the dom0 initramfs only
# The dom0 is a debootstrapped $(DEBIAN_SUITE) (from DEBIAN_MIRROR, empty:
# this machine's apt sources) with Debian's Xen 4.17 toolstack; the guests
# are our own (guest/mig-guest.c, guest/pv.c).  See migrate/scenario.sh
# for the checks.

MIGRATE_SRC     := $(BOOT_DIR)/migrate
MIGRATE_DIR     := $(BUILD)/migrate
MIGRATE_GUEST   := $(GUEST_DIR)/mig-guest
MIGRATE_GUEST_PV := $(GUEST_DIR)/mig-guest-pv
MIGRATE_SHIM    := $(MIGRATE_DIR)/migrate-shim.so
# One base (and its debootstrap) per suite, so that another DEBIAN_SUITE
# is a new file to build rather than a stale one to reuse.
MIGRATE_BASE    := $(MIGRATE_DIR)/base-$(DEBIAN_SUITE).cpio.gz
MIGRATE_OVERLAY := $(MIGRATE_DIR)/overlay.cpio.gz
MIGRATE_INITRD  := $(MIGRATE_DIR)/dom0-$(DEBIAN_SUITE).cpio.gz

# Seconds one QEMU run may take before run-qemu.sh calls it a hang.
MIGRATE_TIMEOUT ?= 1800
MIGRATE_QEMU    := --kernel $(BOOT_KERNEL) --mem 3072 \
                   --dom0-mem 1536 --timeout $(MIGRATE_TIMEOUT)

DEPS_PKGS += debootstrap cpio gzip kmod gcc binutils libc6-dev \
             qemu-system-x86

CHECK_TARGETS += check-migrate

migrate-guest: $(MIGRATE_GUEST) $(MIGRATE_GUEST_PV)

$(MIGRATE_SHIM): $(MIGRATE_SRC)/shim.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# The debootstrap (about 45 s, network) is kept in
# $(MIGRATE_DIR)/bootstrap-$(DEBIAN_SUITE) and redone only when the package
# list in the script changes (or the directory is removed); the packing (a
# few seconds) is redone whenever the script changes.
$(MIGRATE_BASE): $(MIGRATE_SRC)/rootfs.sh $(LIB)
	@echo '==> migrate: dom0 root file system (log: $(LOGS)/migrate-rootfs.log)'
	@DEBIAN_SUITE='$(DEBIAN_SUITE)' DEBIAN_MIRROR='$(DEBIAN_MIRROR)' \
	    DEBIAN_KEYRING='$(DEBIAN_KEYRING)' \
	    bash -c '. "$$1"; shift; run_logged "$$@"' _ '$(LIB)' migrate-rootfs \
	    '$(LOGS)/migrate-rootfs.log' \
	    $(MIGRATE_SRC)/rootfs.sh \
	    '$(MIGRATE_DIR)/bootstrap-$(DEBIAN_SUITE)' '$@'
	@tail -n 1 '$(LOGS)/migrate-rootfs.log'

# The small archive on top of the base: /init, the scenario, the guest,
# the shim and the kernel's Xen modules (the base has its own busybox).
MIGRATE_LIBDIR := /usr/lib/migrate-test
$(MIGRATE_OVERLAY): $(MIGRATE_SRC)/scenario.sh $(MIGRATE_GUEST) \
                    $(MIGRATE_GUEST_PV) $(MIGRATE_SHIM) $(BOOT_PACK_DEPS)
	@$(BOOT_PACK) --kernel '$(KERNEL_DIR)' \
	    --program $(MIGRATE_SRC)/scenario.sh:$(MIGRATE_LIBDIR)/scenario.sh \
	    --file $(MIGRATE_GUEST):$(MIGRATE_LIBDIR)/mig-guest \
	    --file $(MIGRATE_GUEST_PV):$(MIGRATE_LIBDIR)/mig-guest-pv \
	    --file $(MIGRATE_SHIM):$(MIGRATE_LIBDIR)/migrate-shim.so '$@'

# The kernel unpacks concatenated cpio archives one after the other.
$(MIGRATE_INITRD): $(MIGRATE_BASE) $(MIGRATE_OVERLAY)
	cat $^ >$@.tmp
	@mv $@.tmp $@

migrate-initrd: $(MIGRATE_INITRD)

check-migrate-debug: $(OUT)/debug/xen $(MIGRATE_INITRD)
	@$(MIGRATE_SRC)/check.sh pass $(OUT)/debug/xen \
	    $(MIGRATE_INITRD) $(LOGS)/$@.log $(MIGRATE_QEMU)

check-migrate-corrupt: $(OUT)/release/xen $(MIGRATE_INITRD)
	@$(MIGRATE_SRC)/check.sh 'fail:migrate.live-1|migrate.pv-live-1' \
	    $(OUT)/release/xen \
	    $(MIGRATE_INITRD) $(LOGS)/$@.log $(MIGRATE_QEMU) \
	    --dom0-args MIGRATE_CORRUPT_PAGE=1124

# Pristine 4.17 must give the same verdicts, on fewer steps: one live
# migration of each guest.
check-migrate-pristine: $(OUT)/pristine-debug/xen $(MIGRATE_INITRD)
	@$(MIGRATE_SRC)/check.sh pass $(OUT)/pristine-debug/xen \
	    $(MIGRATE_INITRD) $(LOGS)/$@.log $(MIGRATE_QEMU) \
	    --dom0-args 'MIGRATIONS=1 SAVE_RESTORE=0 PV_MIGRATIONS=1'

check-migrate-nobias: $(OUT)/nobias-debug/xen $(MIGRATE_INITRD)
	@$(MIGRATE_SRC)/check.sh violation $(OUT)/nobias-debug/xen \
	    $(MIGRATE_INITRD) $(LOGS)/$@.log $(MIGRATE_QEMU) \
	    --dom0-args MIGRATE_GUESTS=pv,pvh

# One QEMU at a time: the runs share two CPUs with everything else.
check-migrate:
	@$(MAKE) --no-print-directory check-migrate-debug
	@$(MAKE) --no-print-directory check-migrate-corrupt
	@$(MAKE) --no-print-directory check-migrate-nobias
