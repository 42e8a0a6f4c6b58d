# SPDX-License-Identifier: GPL-2.0-only
# Log-dirty boot tests: a hypervisor variant under QEMU (TCG) with Debian's
# kernel as a PVH or PV dom0, whose initramfs runs test-logdirty
# (logdirty/).
#   make boot-demo        patched debug build, PVH dom0, with a summary
#   make check-boot-...   one boot of `make check` (BOOT_CHECKS below);
#                         its log is $(LOGS)/check-boot-....log
#   make boot-client, boot-initramfs
#                         the client, its initramfs
# Knobs: BOOT_TIMEOUT (seconds per boot), BOOT_CLIENT_ARGS (test-logdirty
# options for the demo, e.g. '--size 512 --rounds 4'), BOOT_SOAK_SECONDS
# and BOOT_RELIABILITY_ARGS (the reliability run). Two of its hostile
# cases find upstream 4.17 bugs in paging.c (fixed by patches 0003 and
# 0004) that stop or hang a pristine host; the pristine-debug checks below
# show them.

BOOT_CLIENT   := $(BOOT_BUILD)/test-logdirty
BOOT_INITRD   := $(BOOT_BUILD)/initramfs.cpio.gz

BOOT_TIMEOUT     ?= 180
BOOT_CLIENT_ARGS ?=
BOOT_SOAK_SECONDS ?= 20
BOOT_RELIABILITY_ARGS ?= --last-gfn --soak $(BOOT_SOAK_SECONDS) --hostile
BOOT_RELIABILITY_TIMEOUT ?= 480

.PHONY: boot-client boot-initramfs boot-demo
boot-client: $(BOOT_CLIENT)
boot-initramfs: $(BOOT_INITRD)

$(BOOT_CLIENT): $(addprefix $(BOOT_LOGDIRTY_DIR)/,test-logdirty.c hostile.c \
                            last-gfn.c soak.c) $(BOOT_CLIENT_LIB)
	$(boot_client_build)

$(BOOT_INITRD): $(BOOT_CLIENT) $(BOOT_PACK_DEPS)
	@$(call boot_pack_busybox,$(BOOT_CLIENT),/bin/test-logdirty)

# $(call boot_run,VARIANT,DOM0,EXPECT,LOG-NAME[,MORE-RUNNER-ARGS])
# (a later runner option overrides an earlier one, e.g. --timeout)
boot_run = $(BOOT_RUN_QEMU) --xen '$(OUT)/$(strip $(1))/xen' \
    --initrd '$(BOOT_INITRD)' --kernel '$(BOOT_KERNEL)' \
    --dom0 $(strip $(2)) --expect '$(strip $(3))' --timeout $(BOOT_TIMEOUT) \
    --log '$(LOGS)/$(strip $(4)).log' $(5)

# $(call boot_client_args,CLIENT-ARGS[,MORE-DOM0-KERNEL-ARGS])
# Client arguments go on the dom0 command line, commas for spaces
# (lib/init).
boot_empty :=
boot_space := $(boot_empty) $(boot_empty)
boot_comma := ,
boot_client_args = $(if $(strip $(1)),--dom0-args '$(strip $(2)) \
    test_args=$(subst $(boot_space),$(boot_comma),$(strip $(1)))')

BOOT_CHECKS := check-boot-debug-pvh check-boot-release-pvh \
               check-boot-debug-pv check-boot-nobias-debug-pvh \
               check-boot-reliability-debug-pvh \
               check-boot-lastgfn-wrap-pristine-debug-pvh \
               check-boot-destroy-pristine-debug-pvh \
               check-boot-key-pristine-debug-pvh
.PHONY: $(BOOT_CHECKS)
CHECK_TARGETS += $(BOOT_CHECKS)
MAIN_TARGETS  += boot-demo

check-boot-debug-pvh: $(OUT)/debug/xen $(BOOT_INITRD)
	@$(call boot_run,debug,pvh,pass,$@)

check-boot-release-pvh: $(OUT)/release/xen $(BOOT_INITRD)
	@$(call boot_run,release,pvh,pass,$@)

check-boot-debug-pv: $(OUT)/debug/xen $(BOOT_INITRD)
	@$(call boot_run,debug,pv,pass,$@)

# Negative control: without the control-domain bias, dom0's CLEAN must
# stop the host with a lock-order report naming the p2m and paging locks.
check-boot-nobias-debug-pvh: $(OUT)/nobias-debug/xen $(BOOT_INITRD)
	@$(call boot_run,nobias-debug,pvh,violation,$@)

boot-demo: $(OUT)/debug/xen $(BOOT_INITRD)
	@$(call boot_run,debug,pvh,pass,$@,\
	    $(call boot_client_args,$(BOOT_CLIENT_ARGS)))

# Reliability: marking the highest gfn, a soak of marking while cleaning,
# and hostile inputs, each followed by a normal round.
check-boot-reliability-debug-pvh: $(OUT)/debug/xen $(BOOT_INITRD)
	@$(call boot_run,debug,pvh,pass,$@,\
	    --timeout $(BOOT_RELIABILITY_TIMEOUT) \
	    $(call boot_client_args,$(BOOT_RELIABILITY_ARGS)))

# Negative controls of two reliability checks on pristine 4.17: it
# refuses to mark the highest gfn (patches/0002 fixes it), and a CLEAN of
# 2^64 - 1 pages loses every dirty bit. That CLEAN keeps a dom0 vCPU busy
# for half a minute under QEMU, hence no soft-lockup watchdog there.
check-boot-lastgfn-wrap-pristine-debug-pvh: $(OUT)/pristine-debug/xen \
                                            $(BOOT_INITRD)
	@$(call boot_run,pristine-debug,pvh,\
	    fail:lastgfn.highest|hostile.page-count-wrap.nothing-lost,$@,\
	    --timeout 360 \
	    $(call boot_client_args,--last-gfn --case page-count-wrap,\
	                            nowatchdog))

# Negative control: in pristine 4.17, destroying a guest while a CLEAN of
# it is preempted leaks the guest's log-dirty bitmap, which a debug build
# catches in hap_final_teardown().
check-boot-destroy-pristine-debug-pvh: $(OUT)/pristine-debug/xen \
                                       $(BOOT_INITRD)
	@$(call boot_run,pristine-debug,pvh,crash:hap.p2m_pages == 0,$@,\
	    $(call boot_client_args,--case destroy-during-clean))

# Negative control of the debug-key check: pristine 4.17 has no 'k' key,
# so the basic run must fail that check and only that one.
check-boot-key-pristine-debug-pvh: $(OUT)/pristine-debug/xen $(BOOT_INITRD)
	@$(call boot_run,pristine-debug,pvh,fail:debug-key,$@)
