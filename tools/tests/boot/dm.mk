# SPDX-License-Identifier: GPL-2.0-only
# A translated device model acting on its target (dm/): dom0's test-dm
# builds a PVH device model running guest/dm-guest.c and a shadow-paged
# HVM target, sets the target, and checks the device model's
# XEN_DMOP_track_dirty_vram, whose bitmap copy nests the device model's
# p2m lock inside the target's.
#   make check-boot-dm-debug-pvh
#           both cases (device model's id below its target's, then above)
#           on $(OUT)/debug/xen: must pass
#   make check-boot-dm-notier-debug-pvh
#           negative control, on $(OUT)/notier-debug/xen (the checker
#           without device-model tiers): the case with the higher id must
#           pass, then the lower one must stop the host on a violation
#           naming the p2m locks of both domains
#   make dm-initramfs
#           the dom0 initramfs only

DM_SRC     := $(BOOT_DIR)/dm
DM_CLIENT  := $(BOOT_BUILD)/test-dm
DM_INITRD  := $(BOOT_BUILD)/dm-initramfs.cpio.gz
DM_GUEST   := $(GUEST_DIR)/dm-guest
# Both p2m locks named, the device model's (below its target's id) last.
DM_VIOLATION := p2m of d[0-9]+ \([0-9]+\) after p2m of d[0-9]+ \([0-9]+\)

DM_CHECKS := check-boot-dm-debug-pvh check-boot-dm-notier-debug-pvh
.PHONY: dm-initramfs $(DM_CHECKS)
CHECK_TARGETS += $(DM_CHECKS)

$(DM_CLIENT): $(DM_SRC)/test-dm.c $(BOOT_GUEST_LOAD) $(BOOT_CLIENT_LIB)
	$(boot_client_build)

$(DM_INITRD): $(DM_CLIENT) $(DM_GUEST) $(BOOT_PACK_DEPS)
	@$(BOOT_PACK) --busybox --kernel '$(KERNEL_DIR)' \
	    --program '$(DM_CLIENT):/bin/test-dm' \
	    --file '$(DM_GUEST):/usr/lib/boot-test/dm-guest' '$@'

dm-initramfs: $(DM_INITRD)

# $(call dm_run,VARIANT,EXPECT,LOG-NAME,CASES)
dm_run = $(BOOT_RUN_QEMU) --xen '$(OUT)/$(strip $(1))/xen' \
    --initrd '$(DM_INITRD)' --kernel '$(BOOT_KERNEL)' --dom0 pvh \
    --expect '$(strip $(2))' --timeout $(BOOT_TIMEOUT) \
    --log '$(LOGS)/$(strip $(3)).log' $(call boot_client_args,$(4))

check-boot-dm-debug-pvh: $(OUT)/debug/xen $(DM_INITRD)
	@$(call dm_run,debug,pass,$@,lower higher)

check-boot-dm-notier-debug-pvh: $(OUT)/notier-debug/xen $(DM_INITRD)
	@$(call dm_run,notier-debug,violation:$(DM_VIOLATION),$@,higher lower)
	@grep -aq '^CHECK dm.higher.bitmap: PASS' '$(LOGS)/$@.log' || \
	    { echo '$@: the case with the higher id did not pass first' \
	          '(log: $(LOGS)/$@.log)' >&2; exit 1; }
	@echo '$@: the case with the higher id passed first'
