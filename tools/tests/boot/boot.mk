# SPDX-License-Identifier: GPL-2.0-only
# What the boot tests (logdirty.mk, migrate.mk, bench.mk) share: Debian's
# kernel as the dom0 kernel; the QEMU runner, the initramfs packer and the
# one /init (lib/); the build of the static log-dirty clients and their
# library (logdirty/logdirty-lib.c).
#   make kernel      the dom0 kernel, unpacked (not installed) in build/kernel
# bench.mk sorts before this file and includes it first, hence the guard.

ifndef BOOT_MK_INCLUDED
BOOT_MK_INCLUDED := y

BOOT_DIR      := $(TOP)/tools/tests/boot
BOOT_LIB      := $(BOOT_DIR)/lib
BOOT_BUILD    := $(BUILD)/boot
KERNEL_DIR    := $(BUILD)/kernel
BOOT_KERNEL   := $(KERNEL_DIR)/vmlinuz
# run-qemu.sh, retried only when dom0 triple-faulted with no hypervisor
# error before it (QEMU's nested-SVM emulation); check-run-boot tests that
# rule on a stand-in runner, with its negative controls.
BOOT_RUN_QEMU := $(BOOT_LIB)/run-boot.sh
CHECK_TARGETS += check-run-boot
.PHONY: check-run-boot
check-run-boot:
	@$(BOOT_LIB)/test-run-boot.sh '$(BUILD)/run-boot-test'
BOOT_PACK     := $(BOOT_LIB)/pack-initramfs.sh
# What every initramfs is made with, besides its own program.
BOOT_PACK_DEPS := $(BOOT_PACK) $(BOOT_LIB)/init $(BOOT_KERNEL)

# The log-dirty clients (test-logdirty, bench-logdirty): static, so that
# a busybox initramfs runs them. A client's rule lists its C files and
# BOOT_CLIENT_LIB as prerequisites and uses boot_client_build.
BOOT_LOGDIRTY_DIR := $(BOOT_DIR)/logdirty
BOOT_CLIENT_LIB   := $(BOOT_LOGDIRTY_DIR)/logdirty-lib.c \
                     $(BOOT_LOGDIRTY_DIR)/logdirty.h
# What the clients that load one of the guests below (test-dm,
# test-flows) link besides.
BOOT_GUEST_LOAD   := $(BOOT_LOGDIRTY_DIR)/guest-load.c
BOOT_CLIENT_LIBS  := -lxenctrl -lxendevicemodel -lxenforeignmemory \
                     -lxengnttab -lxencall -lxentoollog -lxentoolcore -lpthread
boot_client_build = mkdir -p $(@D) && \
    $(CC) -O2 -g -Wall -Wextra -Werror -static -I$(BOOT_LOGDIRTY_DIR) \
    -o $@ $(filter %.c,$^) $(BOOT_CLIENT_LIBS)

# The freestanding PVH test guests (guest/): mig-guest, the migration
# test's guest, dm-guest, the device-model test's device model, and
# dirty-guest, whose vCPUs dirty memory for the flows test's smp case. They
# run in 32-bit protected mode with paging off; gcc -m32 needs no multilib
# for freestanding code that calls no libgcc routines.  pvh.c is their
# platform, runtime.c what they share with the PV guest below.
GUEST_SRC    := $(BOOT_DIR)/guest
GUEST_DIR    := $(BUILD)/guest
GUEST_IMAGES := $(GUEST_DIR)/mig-guest $(GUEST_DIR)/dm-guest \
                $(GUEST_DIR)/dirty-guest
GUEST_CFLAGS := -m32 -march=i686 -O2 -std=gnu11 -ffreestanding \
    -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
    -fcf-protection=none -mgeneral-regs-only -Wall -Wextra -Werror
GUEST_HEADERS := $(GUEST_SRC)/pvh-abi.h $(GUEST_SRC)/runtime.h

$(GUEST_DIR)/%.o: $(GUEST_SRC)/%.c $(GUEST_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_DIR)/%.o: $(GUEST_SRC)/%.S $(GUEST_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_IMAGES): $(GUEST_DIR)/%: $(GUEST_DIR)/%.o $(GUEST_DIR)/head.o \
                 $(GUEST_DIR)/runtime.o $(GUEST_DIR)/pvh.o \
                 $(GUEST_SRC)/guest.lds
	$(LD) -m elf_i386 -nostdlib --no-warn-rwx-segments \
	    -T $(GUEST_SRC)/guest.lds -o $@ $(filter %.o,$^)

# mig-guest as a PV guest (pv.c, pv-head.S): 64-bit, as Xen's .config
# leaves out 32-bit PV (CONFIG_PV32), and on one vCPU.
GUEST_PV_DIR    := $(GUEST_DIR)/pv
GUEST_PV_CFLAGS := $(filter-out -m32 -march=i686,$(GUEST_CFLAGS)) -m64 \
                   -mno-red-zone -DNR_VCPUS=1
GUEST_PV_HEADERS := $(GUEST_HEADERS) $(GUEST_SRC)/pv-abi.h

$(GUEST_PV_DIR)/%.o: $(GUEST_SRC)/%.c $(GUEST_PV_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_PV_CFLAGS) -c $< -o $@

$(GUEST_PV_DIR)/%.o: $(GUEST_SRC)/%.S $(GUEST_PV_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_PV_CFLAGS) -c $< -o $@

$(GUEST_DIR)/mig-guest-pv: $(GUEST_PV_DIR)/mig-guest.o \
                           $(GUEST_PV_DIR)/pv-head.o \
                           $(GUEST_PV_DIR)/runtime.o $(GUEST_PV_DIR)/pv.o \
                           $(GUEST_SRC)/pv.lds
	$(LD) -m elf_x86_64 -nostdlib --no-warn-rwx-segments \
	    -T $(GUEST_SRC)/pv.lds -o $@ $(filter %.o,$^)

DEPS_PKGS += qemu-system-x86 busybox-static libxen-dev cpio gzip kmod \
             gcc libc6-dev apt dpkg

.PHONY: kernel
kernel: $(BOOT_KERNEL)

$(BOOT_KERNEL):
	@DEBIAN_SUITE='$(DEBIAN_SUITE)' \
	    DEBIAN_MIRROR='$(DEBIAN_MIRROR)' DEBIAN_KEYRING='$(DEBIAN_KEYRING)' \
	    FETCH_TIMEOUT='$(FETCH_TIMEOUT)' \
	    $(BOOT_LIB)/fetch-kernel.sh '$(DL)' '$(KERNEL_DIR)'

# $(call boot_pack_busybox,PROGRAM,DEST): a busybox initramfs at $@ whose
# /init runs PROGRAM, installed at DEST.
boot_pack_busybox = $(BOOT_PACK) --busybox --kernel '$(KERNEL_DIR)' \
    --program '$(strip $(1)):$(strip $(2))' '$@'

endif
