# SPDX-License-Identifier: GPL-2.0-only
# Boot tests: a hypervisor variant under QEMU (TCG) with Debian's kernel as
# a PVH or PV dom0, whose initramfs runs test-logdirty.
#   make kernel      the dom0 kernel, unpacked (not installed) in build/kernel
#   make boot-demo   patched debug build, PVH dom0, with a summary
#   make boot-check-...
#                    one boot of `make check` (BOOT_CHECKS below)
# Knobs: BOOT_TIMEOUT (seconds per boot), BOOT_CLIENT_ARGS (test-logdirty
# options for the demo, e.g. '--size 512 --rounds 4'), BOOT_SOAK_SECONDS
# and BOOT_RELIABILITY_ARGS (the reliability run). Two of its hostile
# cases find upstream 4.17 bugs in paging.c (fixed by patches 0003 and
# 0004) that stop or hang a pristine host; the pristine-debug checks below
# show them.

BOOT_DIR      := $(TOP)/tools/tests/boot
BOOT_BUILD    := $(BUILD)/boot
KERNEL_DIR    := $(BUILD)/kernel
BOOT_CLIENT   := $(BOOT_BUILD)/test-logdirty
BOOT_INITRD   := $(BOOT_BUILD)/initramfs.cpio.gz
BOOT_RUN_QEMU := $(BOOT_DIR)/run-qemu.sh

BOOT_TIMEOUT     ?= 180
BOOT_CLIENT_ARGS ?=
BOOT_SOAK_SECONDS ?= 20
BOOT_RELIABILITY_ARGS ?= --last-gfn --soak $(BOOT_SOAK_SECONDS) --hostile
BOOT_RELIABILITY_TIMEOUT ?= 480

BOOT_CLIENT_LIBS := -lxenctrl -lxendevicemodel -lxenforeignmemory \
                    -lxencall -lxentoollog -lxentoolcore -lpthread

DEPS_PKGS += qemu-system-x86 busybox-static libxen-dev cpio gzip kmod \
             gcc libc6-dev apt dpkg

.PHONY: kernel boot-client boot-initramfs boot-demo
kernel: $(KERNEL_DIR)/vmlinuz
boot-client: $(BOOT_CLIENT)
boot-initramfs: $(BOOT_INITRD)

$(KERNEL_DIR)/vmlinuz:
	@$(BOOT_DIR)/fetch-kernel.sh '$(DL)' '$(KERNEL_DIR)'

BOOT_CLIENT_SRCS := $(BOOT_DIR)/test-logdirty.c \
                    $(addprefix $(BOOT_DIR)/logdirty-,lib.c hostile.c \
                                lastgfn.c soak.c)

$(BOOT_CLIENT): $(BOOT_CLIENT_SRCS) $(BOOT_DIR)/logdirty.h
	@mkdir -p $(@D)
	$(CC) -O2 -g -Wall -Wextra -Werror -static -o $@ $(BOOT_CLIENT_SRCS) \
	    $(BOOT_CLIENT_LIBS)

$(BOOT_INITRD): $(BOOT_CLIENT) $(BOOT_DIR)/init $(BOOT_DIR)/mkinitramfs.sh \
                $(KERNEL_DIR)/vmlinuz
	@$(BOOT_DIR)/mkinitramfs.sh '$(KERNEL_DIR)' '$(BOOT_CLIENT)' \
	    '$(BOOT_DIR)/init' '$@'

# $(call boot_run,VARIANT,DOM0,EXPECT,LOG-NAME[,MORE-RUNNER-ARGS])
# (a later runner option overrides an earlier one, e.g. --timeout)
boot_run = $(BOOT_RUN_QEMU) --xen '$(OUT)/$(strip $(1))/xen' \
    --initrd '$(BOOT_INITRD)' --kernel '$(KERNEL_DIR)/vmlinuz' \
    --dom0 $(strip $(2)) --expect '$(strip $(3))' --timeout $(BOOT_TIMEOUT) \
    --log '$(LOGS)/$(strip $(4)).log' $(5)

# $(call boot_client_args,CLIENT-ARGS[,MORE-DOM0-KERNEL-ARGS])
# Client arguments go on the dom0 command line, commas for spaces.
boot_empty :=
boot_space := $(boot_empty) $(boot_empty)
boot_comma := ,
boot_client_args = $(if $(strip $(1)),--dom0-args '$(strip $(2)) \
    logdirty_args=$(subst $(boot_space),$(boot_comma),$(strip $(1)))')

BOOT_CHECKS := boot-check-debug-pvh boot-check-release-pvh \
               boot-check-debug-pv boot-check-nobias-debug-pvh \
               boot-check-reliability-debug-pvh \
               boot-check-lastgfn-wrap-pristine-debug-pvh \
               boot-check-destroy-pristine-debug-pvh \
               boot-check-key-pristine-debug-pvh
.PHONY: $(BOOT_CHECKS)
CHECK_TARGETS += $(BOOT_CHECKS)
MAIN_TARGETS  += boot-demo

boot-check-debug-pvh: $(OUT)/debug/xen $(BOOT_INITRD)
	@$(call boot_run,debug,pvh,pass,boot-debug-pvh)

boot-check-release-pvh: $(OUT)/release/xen $(BOOT_INITRD)
	@$(call boot_run,release,pvh,pass,boot-release-pvh)

boot-check-debug-pv: $(OUT)/debug/xen $(BOOT_INITRD)
	@$(call boot_run,debug,pv,pass,boot-debug-pv)

# Negative control: without the control-domain bias, dom0's CLEAN must
# stop the host with a lock-order report naming the p2m and paging locks.
boot-check-nobias-debug-pvh: $(OUT)/nobias-debug/xen $(BOOT_INITRD)
	@$(call boot_run,nobias-debug,pvh,violation,boot-nobias-debug-pvh)

boot-demo: $(OUT)/debug/xen $(BOOT_INITRD)
	@$(call boot_run,debug,pvh,pass,boot-demo,\
	    $(call boot_client_args,$(BOOT_CLIENT_ARGS)))

# Reliability (issue 7): marking the highest gfn, a soak of marking while
# cleaning, and hostile inputs, each followed by a normal round.
boot-check-reliability-debug-pvh: $(OUT)/debug/xen $(BOOT_INITRD)
	@$(call boot_run,debug,pvh,pass,boot-reliability-debug-pvh,\
	    --timeout $(BOOT_RELIABILITY_TIMEOUT) \
	    $(call boot_client_args,$(BOOT_RELIABILITY_ARGS)))

# Negative controls of two reliability checks on pristine 4.17: it
# refuses to mark the highest gfn (patches/0002 fixes it), and a CLEAN of
# 2^64 - 1 pages loses every dirty bit. That CLEAN keeps a dom0 vCPU busy
# for half a minute under QEMU, hence no soft-lockup watchdog there.
boot-check-lastgfn-wrap-pristine-debug-pvh: $(OUT)/pristine-debug/xen \
                                            $(BOOT_INITRD)
	@$(call boot_run,pristine-debug,pvh,\
	    fail:lastgfn.highest|hostile.page-count-wrap.nothing-lost,\
	    boot-lastgfn-wrap-pristine-debug-pvh,--timeout 360 \
	    $(call boot_client_args,--last-gfn --case page-count-wrap,\
	                            nowatchdog))

# Negative control: in pristine 4.17, destroying a guest while a CLEAN of
# it is preempted leaks the guest's log-dirty bitmap, which a debug build
# catches in hap_final_teardown().
boot-check-destroy-pristine-debug-pvh: $(OUT)/pristine-debug/xen \
                                       $(BOOT_INITRD)
	@$(call boot_run,pristine-debug,pvh,crash:hap.p2m_pages == 0,\
	    boot-destroy-pristine-debug-pvh,\
	    $(call boot_client_args,--case destroy-during-clean))

# Negative control of the debug-key check: pristine 4.17 has no 'k' key,
# so the basic run must fail that check and only that one.
boot-check-key-pristine-debug-pvh: $(OUT)/pristine-debug/xen $(BOOT_INITRD)
	@$(call boot_run,pristine-debug,pvh,fail:debug-key,boot-key-pristine-debug-pvh)
