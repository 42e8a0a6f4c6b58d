# SPDX-License-Identifier: GPL-2.0-only
# mm-lock flows beyond log-dirty (flows/test-flows.c): a shadow-paged HVM
# guest under log-dirty, XEN_DMOP_track_dirty_vram on shadow and HAP
# guests, populate-on-demand (mapping, target changes, decrease_reservation,
# log-dirty), foreign mapping concurrent with CLEAN, an ioreq server's
# set_mem_type, grant map and grant copy of a guest's page into dom0, and
# log-dirty rounds on a HAP guest whose two vCPUs (guest/dirty-guest.c)
# dirty memory meanwhile.
#   make check-boot-flows-<variant>-<dom0>
#           one boot of the client on that hypervisor variant and dom0
#           mode; each must pass. pristine-debug (Xen 4.17 as Debian
#           builds it) gives the verdicts our design must match: a flow
#           that passes there and stops ours would be a false positive.
#   make check-boot-flows-nobias-debug-pvh
#           negative control: without the control-domain bias the first
#           flow that copies into dom0 under a guest's lock must stop the
#           host with our report.

FLOWS_SRC    := $(BOOT_DIR)/flows
FLOWS_CLIENT := $(BOOT_BUILD)/test-flows
FLOWS_INITRD := $(BOOT_BUILD)/flows-initramfs.cpio.gz
FLOWS_CASES  := shadow vram pod foreign ioreq grant smp
FLOWS_GUEST  := $(GUEST_DIR)/dirty-guest

FLOWS_CHECKS := check-boot-flows-debug-pvh check-boot-flows-release-pvh \
                check-boot-flows-pristine-debug-pvh check-boot-flows-debug-pv \
                check-boot-flows-nobias-debug-pvh
.PHONY: flows-initramfs $(FLOWS_CHECKS)
CHECK_TARGETS += $(FLOWS_CHECKS)

$(FLOWS_CLIENT): $(FLOWS_SRC)/test-flows.c $(BOOT_GUEST_LOAD) \
                 $(BOOT_CLIENT_LIB)
	$(boot_client_build)

$(FLOWS_INITRD): $(FLOWS_CLIENT) $(FLOWS_GUEST) $(BOOT_PACK_DEPS)
	@$(BOOT_PACK) --busybox --kernel '$(KERNEL_DIR)' \
	    --program '$(FLOWS_CLIENT):/bin/test-flows' \
	    --file '$(FLOWS_GUEST):/usr/lib/boot-test/dirty-guest' '$@'

flows-initramfs: $(FLOWS_INITRD)

# $(call flows_run,VARIANT,DOM0,LOG-NAME[,EXPECT])
flows_run = $(BOOT_RUN_QEMU) --xen '$(OUT)/$(strip $(1))/xen' \
    --initrd '$(FLOWS_INITRD)' --kernel '$(BOOT_KERNEL)' --dom0 $(strip $(2)) \
    --expect $(or $(strip $(4)),pass) --timeout $(BOOT_TIMEOUT) \
    --log '$(LOGS)/$(strip $(3)).log' $(call boot_client_args,$(FLOWS_CASES))

check-boot-flows-debug-pvh: $(OUT)/debug/xen $(FLOWS_INITRD)
	@$(call flows_run,debug,pvh,$@)

check-boot-flows-release-pvh: $(OUT)/release/xen $(FLOWS_INITRD)
	@$(call flows_run,release,pvh,$@)

check-boot-flows-pristine-debug-pvh: $(OUT)/pristine-debug/xen $(FLOWS_INITRD)
	@$(call flows_run,pristine-debug,pvh,$@)

check-boot-flows-debug-pv: $(OUT)/debug/xen $(FLOWS_INITRD)
	@$(call flows_run,debug,pv,$@)

check-boot-flows-nobias-debug-pvh: $(OUT)/nobias-debug/xen $(FLOWS_INITRD)
	@$(call flows_run,nobias-debug,pvh,$@,violation)
