# SPDX-License-Identifier: GPL-2.0-only
# mm-lock flows on an emulated Intel CPU (vmx/test-vmx.c): Bochs with VMX,
# EPT and PML boots the hypervisor from a GRUB ISO (lib/run-bochs.sh) with
# a PVH dom0 whose client runs, in one boot, log-dirty rounds on EPT
# guests (exact bitmaps, PML in use), altp2m in external mode and
# mem_access with a vm_event ring. Each boot takes about 2 minutes; the
# five checks of check-vmx are in `make check` (about 6 minutes).
#   make check-vmx      every check below but the two-CPU one, one Bochs
#                       at a time, then a PASS/FAIL table
#   make check-vmx-ept-debug-pvh
#           the patched debug build: every check must pass, and its 'K'
#           table must show the log-dirty guests' EPT/PML hooks
#   make check-vmx-ept-pristine-debug-pvh
#           Xen 4.17 as Debian builds it, the same client (no 'K' key)
#   make check-vmx-same-pristine-debug-pvh
#           the two logs above give the same verdict to every altp2m and
#           mem_access check (run them first)
#   make check-vmx-logdirty-nobias-debug-pvh
#           negative control: without the control-domain bias, dom0's
#           first log-dirty copy must stop the host with our report
#   make check-vmx-preempt-debug-pvh
#           two emulated CPUs: a CLEAN of a 512 GiB sparse guest is
#           preempted under a concurrent PEEK. Not in check-vmx: with two
#           CPUs a PVH dom0 stalls early in its boot (docs/vmx.md)
#   make check-vmx-coverage
#           scripts/coverage/report.py on the debug boot's log, which must
#           reach EPT, altp2m and mem_access sites
#   make vmx-initramfs  the dom0 initramfs only
# Knobs: VMX_TIMEOUT (seconds per boot), VMX_IPS (Bochs's emulated
# instructions per second).

VMX_SRC       := $(BOOT_DIR)/vmx
VMX_CLIENT    := $(BOOT_BUILD)/test-vmx
VMX_INITRD    := $(BOOT_BUILD)/vmx-initramfs.cpio.gz
# Debian's vmlinux, lz4 (lib/kernel-elf-lz4.sh): Xen's own decoder of
# Debian's xz payload took over 100 s of each Bochs boot, of lz4 about
# 1 s. The QEMU boots keep the bzImage, as a host's GRUB entry has it:
# there the decoder takes 5.7 s, and the one QEMU boot tried with the ELF
# locked up in dom0's text patching (a soft lockup in exc_int3), which no
# bzImage boot has shown. Beside the kernel's directory, as the kernel is.
VMX_KERNEL    := $(KERNEL_DIR)-elf.lz4
BOOT_RUN_BOCHS := $(BOOT_LIB)/run-bochs.sh
VMX_TIMEOUT   ?= 600
VMX_IPS       ?= 400000000
# altp2m is off unless Xen's command line asks for it.
VMX_XEN_ARGS  := altp2m=1
VMX_CASES     := cpu logdirty altp2m memaccess
VMX_DEBUG_LOG := $(LOGS)/check-vmx-ept-debug-pvh.log
VMX_PRISTINE_LOG := $(LOGS)/check-vmx-ept-pristine-debug-pvh.log
VMX_VIOLATION := p2m of d0 .* after paging of d[1-9][0-9]* .* \
                 paging_log_dirty_op
# Of the VMX-only sites (EPT, altp2m, mem_access), the share the debug
# boot must reach.
VMX_COVERAGE_MIN_PERCENT ?= 50

DEPS_PKGS += bochs bochs-x bochsbios vgabios xvfb xauth grub-pc-bin \
             grub-common xorriso mtools lz4 xz-utils

VMX_CHECKS := check-vmx-ept-debug-pvh check-vmx-ept-pristine-debug-pvh \
              check-vmx-same-pristine-debug-pvh \
              check-vmx-logdirty-nobias-debug-pvh check-vmx-coverage
.PHONY: check-vmx vmx-initramfs check-vmx-preempt-debug-pvh $(VMX_CHECKS)
CHECK_TARGETS += $(VMX_CHECKS)

$(VMX_CLIENT): $(VMX_SRC)/test-vmx.c $(BOOT_CLIENT_LIB)
	$(boot_client_build)

$(VMX_INITRD): $(VMX_CLIENT) $(BOOT_PACK_DEPS)
	@$(call boot_pack_busybox,$(VMX_CLIENT),/bin/test-vmx)

vmx-initramfs: $(VMX_INITRD)

$(VMX_KERNEL): $(BOOT_KERNEL) $(BOOT_LIB)/kernel-elf-lz4.sh
	@$(BOOT_LIB)/kernel-elf-lz4.sh '$(BOOT_KERNEL)' '$@'

# $(call vmx_run,VARIANT,EXPECT,LOG-NAME,CLIENT-ARGS[,MORE-RUNNER-ARGS])
vmx_run = $(BOOT_RUN_BOCHS) --xen '$(OUT)/$(strip $(1))/xen' \
    --initrd '$(VMX_INITRD)' --kernel '$(VMX_KERNEL)' --dom0 pvh \
    --expect '$(strip $(2))' --timeout $(VMX_TIMEOUT) --ips $(VMX_IPS) \
    --xen-args '$(VMX_XEN_ARGS)' --log '$(LOGS)/$(strip $(3)).log' \
    $(call boot_client_args,$(4)) $(5)

check-vmx-ept-debug-pvh: $(OUT)/debug/xen $(VMX_INITRD) $(VMX_KERNEL)
	@$(call vmx_run,debug,pass,$@,--pml $(VMX_CASES))

check-vmx-ept-pristine-debug-pvh: $(OUT)/pristine-debug/xen $(VMX_INITRD) \
                                  $(VMX_KERNEL)
	@$(call vmx_run,pristine-debug,pass,$@,$(VMX_CASES))

check-vmx-same-pristine-debug-pvh:
	@$(VMX_SRC)/same-verdicts.sh 'altp2m.|memaccess.' \
	    '$(VMX_DEBUG_LOG)' '$(VMX_PRISTINE_LOG)'

check-vmx-logdirty-nobias-debug-pvh: $(OUT)/nobias-debug/xen $(VMX_INITRD) \
                                     $(VMX_KERNEL)
	@$(call vmx_run,nobias-debug,violation:$(strip $(VMX_VIOLATION)),$@,\
	    logdirty)

check-vmx-preempt-debug-pvh: $(OUT)/debug/xen $(VMX_INITRD) $(VMX_KERNEL)
	@$(call vmx_run,debug,pass,$@,--preempt logdirty,--cpus 2)

check-vmx-coverage: $(XEN_PATCHED_STAMP) $(OUT)/debug/xen
	@[ -s '$(VMX_DEBUG_LOG)' ] || { echo '$@: no $(VMX_DEBUG_LOG):' \
	    'run check-vmx-ept-debug-pvh first' >&2; exit 1; }
	@$(COVERAGE_REPORT) --tree '$(XEN_PATCHED)/xen' \
	    --config '$(OUT)/debug/.config' --vmx-log '$(VMX_DEBUG_LOG)' \
	    --vmx-min-percent $(VMX_COVERAGE_MIN_PERCENT) '$(VMX_DEBUG_LOG)'

# One Bochs at a time; the comparison after both of its boots.
check-vmx:
	@MAKE='$(MAKE)' $(SCRIPTS)/run-checks.sh $(VMX_CHECKS)
