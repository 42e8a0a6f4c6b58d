# Live migration with xl from a PVH dom0 (issue 8).
#   make check-migrate          the three runs below, one after the other
#   make check-migrate-debug    3 live migrations to localhost, then save and
#                               restore, of a guest that verifies its memory,
#                               on $(OUT)/debug/xen: must pass
#   make check-migrate-nobias   the same on $(OUT)/nobias-debug/xen: must stop
#                               on the mm lock-order violation
#   make check-migrate-corrupt  negative control of the memory check: the
#                               receiver corrupts one page of the guest's
#                               pattern; migration 1's check must fail
#   make migrate-initrd         the dom0 initramfs only
# The dom0 is a debootstrapped bookworm with Debian's Xen 4.17 toolstack;
# the guest is our own (guest/).  See migrate-scenario.sh for the checks.

MIGRATE_SRC     := $(TOP)/tools/tests/boot
MIGRATE_DIR     := $(BUILD)/migrate
MIGRATE_GUEST   := $(MIGRATE_DIR)/mig-guest
MIGRATE_SHIM    := $(MIGRATE_DIR)/migrate-shim.so
MIGRATE_BASE    := $(MIGRATE_DIR)/base.cpio.gz
MIGRATE_OVERLAY := $(MIGRATE_DIR)/overlay.cpio.gz
MIGRATE_INITRD  := $(MIGRATE_DIR)/dom0.cpio.gz
MIGRATE_KERNEL  := $(BUILD)/kernel

# Seconds one QEMU run may take before run-qemu.sh calls it a hang.
MIGRATE_TIMEOUT ?= 1800
MIGRATE_QEMU    := --kernel $(MIGRATE_KERNEL)/vmlinuz --mem 3072 \
                   --dom0-mem 1536 --timeout $(MIGRATE_TIMEOUT)

DEPS_PKGS += debootstrap cpio gzip kmod gcc binutils libc6-dev \
             qemu-system-x86

# All three runs take about 7 minutes on an otherwise idle 2-core machine.
CHECK_TARGETS += check-migrate

# The guest runs in 32-bit protected mode with paging off; gcc -m32 needs
# no multilib for freestanding code that uses no libgcc helpers.
MIGRATE_GUEST_CFLAGS := -m32 -march=i686 -O2 -std=gnu11 -ffreestanding \
    -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
    -fcf-protection=none -mgeneral-regs-only -Wall -Wextra -Werror
MIGRATE_GUEST_OBJS := $(MIGRATE_DIR)/guest/head.o $(MIGRATE_DIR)/guest/guest.o

.PHONY: check-migrate check-migrate-debug check-migrate-corrupt \
        check-migrate-nobias \
        migrate-initrd migrate-guest

$(MIGRATE_DIR)/guest/%.o: $(MIGRATE_SRC)/guest/%.c \
                          $(MIGRATE_SRC)/guest/pvh-abi.h
	@mkdir -p $(@D)
	$(CC) $(MIGRATE_GUEST_CFLAGS) -c $< -o $@

$(MIGRATE_DIR)/guest/%.o: $(MIGRATE_SRC)/guest/%.S \
                          $(MIGRATE_SRC)/guest/pvh-abi.h
	@mkdir -p $(@D)
	$(CC) $(MIGRATE_GUEST_CFLAGS) -c $< -o $@

$(MIGRATE_GUEST): $(MIGRATE_GUEST_OBJS) $(MIGRATE_SRC)/guest/guest.lds
	$(LD) -m elf_i386 -nostdlib --no-warn-rwx-segments \
	    -T $(MIGRATE_SRC)/guest/guest.lds -o $@ $(MIGRATE_GUEST_OBJS)

migrate-guest: $(MIGRATE_GUEST)

$(MIGRATE_SHIM): $(MIGRATE_SRC)/migrate-shim.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# The debootstrap (about 45 s, network) is kept in $(MIGRATE_DIR)/bootstrap
# and redone only when the suite or package list in the script changes (or
# the directory is removed); the packing (a few seconds) is redone whenever
# the script changes.
$(MIGRATE_BASE): $(MIGRATE_SRC)/migrate-rootfs.sh
	@echo '==> migrate: dom0 root file system (log: $(LOGS)/migrate-rootfs.log)'
	@bash -c '. "$$1"; shift; run_logged "$$@"' _ '$(LIB)' migrate-rootfs \
	    '$(LOGS)/migrate-rootfs.log' \
	    $(MIGRATE_SRC)/migrate-rootfs.sh '$(MIGRATE_DIR)/bootstrap' '$@'
	@tail -n 1 '$(LOGS)/migrate-rootfs.log'

# The kernel and its modules come from boot.mk's `kernel`.
$(MIGRATE_OVERLAY): $(MIGRATE_SRC)/migrate-overlay.sh \
                    $(MIGRATE_SRC)/migrate-init \
                    $(MIGRATE_SRC)/migrate-scenario.sh \
                    $(MIGRATE_GUEST) $(MIGRATE_SHIM) $(MIGRATE_KERNEL)/vmlinuz
	@$(MIGRATE_SRC)/migrate-overlay.sh '$(MIGRATE_KERNEL)' \
	    $(MIGRATE_SRC)/migrate-init $(MIGRATE_SRC)/migrate-scenario.sh \
	    $(MIGRATE_GUEST) $(MIGRATE_SHIM) '$@'

# The kernel unpacks concatenated cpio archives one after the other.
$(MIGRATE_INITRD): $(MIGRATE_BASE) $(MIGRATE_OVERLAY)
	cat $^ >$@.tmp
	@mv $@.tmp $@

migrate-initrd: $(MIGRATE_INITRD)

check-migrate-debug: $(OUT)/debug/xen $(MIGRATE_INITRD)
	@$(MIGRATE_SRC)/migrate-check.sh pass $(OUT)/debug/xen \
	    $(MIGRATE_INITRD) $(LOGS)/migrate-debug.log $(MIGRATE_QEMU)

check-migrate-corrupt: $(OUT)/debug/xen $(MIGRATE_INITRD)
	@$(MIGRATE_SRC)/migrate-check.sh fail:migrate.live-1 $(OUT)/debug/xen \
	    $(MIGRATE_INITRD) $(LOGS)/migrate-corrupt-debug.log $(MIGRATE_QEMU) \
	    --dom0-args MIGRATE_CORRUPT_PAGE=100

check-migrate-nobias: $(OUT)/nobias-debug/xen $(MIGRATE_INITRD)
	@$(MIGRATE_SRC)/migrate-check.sh violation $(OUT)/nobias-debug/xen \
	    $(MIGRATE_INITRD) $(LOGS)/migrate-nobias-debug.log $(MIGRATE_QEMU)

# One QEMU at a time: the runs share two CPUs with everything else.
check-migrate:
	@$(MAKE) --no-print-directory check-migrate-debug
	@$(MAKE) --no-print-directory check-migrate-corrupt
	@$(MAKE) --no-print-directory check-migrate-nobias
