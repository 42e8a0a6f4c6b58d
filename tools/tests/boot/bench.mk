# SPDX-License-Identifier: GPL-2.0-only
# The log-dirty benchmark (bench/): PEEK/CLEAN round times in dom0 under
# QEMU, one hypervisor against another, booted A/B/A/B.
#   make bench-logdirty   the benchmark; prints the table, never judges it
#   make check-bench-logdirty-smoke
#                         the table's self-test on logs of known medians,
#                         then one short boot of each: the code paths run
#                         and the table prints; no timed assertion
# Knobs: BENCH_LOGDIRTY_A and _B (hypervisor variants, default debug
# against pristine-debug), BENCH_LOGDIRTY_ARGS (boots, guest size, rounds:
# see bench/bench-logdirty.sh).

# The kernel, the packer and the client library are boot.mk's, which
# sorts after this file.
include $(dir $(lastword $(MAKEFILE_LIST)))boot.mk

BOOT_BENCH_DIR    := $(BOOT_DIR)/bench
BOOT_BENCH_OUT    := $(BUILD)/bench/logdirty
BOOT_BENCH_CLIENT := $(BOOT_BENCH_OUT)/bench-logdirty
BOOT_BENCH_INITRD := $(BOOT_BENCH_OUT)/initramfs.cpio.gz

BENCH_LOGDIRTY_A    ?= debug
BENCH_LOGDIRTY_B    ?= pristine-debug
BENCH_LOGDIRTY_ARGS ?= --boots 2 --size 1024 --rounds 20

BENCH_TARGETS += bench-logdirty
CHECK_TARGETS += check-bench-logdirty-smoke

.PHONY: bench-logdirty check-bench-logdirty-smoke

$(BOOT_BENCH_CLIENT): $(BOOT_BENCH_DIR)/bench-logdirty.c $(BOOT_CLIENT_LIB)
	$(boot_client_build)

$(BOOT_BENCH_INITRD): $(BOOT_BENCH_CLIENT) $(BOOT_PACK_DEPS)
	@$(call boot_pack_busybox,$(BOOT_BENCH_CLIENT),/bin/bench-logdirty)

# $(call boot_bench_run,LOG-DIR,ARGS)
boot_bench_run = $(BOOT_BENCH_DIR)/bench-logdirty.sh \
    --a '$(OUT)/$(BENCH_LOGDIRTY_A)/xen' \
    --b '$(OUT)/$(BENCH_LOGDIRTY_B)/xen' \
    --initrd '$(BOOT_BENCH_INITRD)' \
    --kernel '$(BOOT_KERNEL)' --log-dir '$(strip $(1))' $(2)

bench-logdirty: $(OUT)/$(BENCH_LOGDIRTY_A)/xen \
        $(OUT)/$(BENCH_LOGDIRTY_B)/xen $(BOOT_BENCH_INITRD)
	@$(call boot_bench_run,$(LOGS)/bench-logdirty,$(BENCH_LOGDIRTY_ARGS))

check-bench-logdirty-smoke: $(OUT)/$(BENCH_LOGDIRTY_A)/xen \
        $(OUT)/$(BENCH_LOGDIRTY_B)/xen $(BOOT_BENCH_INITRD)
	@$(BOOT_BENCH_DIR)/table.sh --self-test
	@$(call boot_bench_run,$(LOGS)/check-bench-logdirty-smoke, \
	    --boots 1 --size 128 --rounds 2)
