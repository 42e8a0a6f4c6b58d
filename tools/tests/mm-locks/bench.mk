# SPDX-License-Identifier: GPL-2.0-only
# Benchmarks of the mm lock-order checker, side by side with Xen 4.17's.
#   make bench-micro      instructions per lock operation (callgrind), for
#                         the bare locks, Xen's header and ours, release and
#                         debug, with the ratios ours/xen and ours/floor
#   make bench-logdirty   log-dirty PEEK/CLEAN round times in dom0 under
#                         QEMU, patched against pristine hypervisor, A/B/A/B
#   make check-bench-smoke
#                         both, shortened: the code paths run and the tables
#                         print; never a timed assertion
# Knobs: BENCH_MICRO_CFLAGS (default -O2 -g for every variant),
# BENCH_MICRO_ITERATIONS; BENCH_LOGDIRTY_A and _B (hypervisor variants,
# default debug against pristine-debug), BENCH_LOGDIRTY_ARGS (boots, guest
# size, rounds: see tools/tests/boot/bench-logdirty.sh);
# BENCH_SMOKE_BOOT=n leaves the two short boots out of the smoke.

BENCH_MICRO_SRC  := $(TOP)/tools/tests/mm-locks
BENCH_MICRO_OUT  := $(BUILD)/bench/micro
BENCH_MICRO_LIB  := $(BENCH_MICRO_OUT)/lib

BENCH_MICRO_CFLAGS     ?= -O2 -g
BENCH_MICRO_ITERATIONS ?= 1000

# impl-config: the lock implementation and whether ASSERTs are compiled.
BENCH_MICRO_VARIANTS := floor-release xen-release ours-release \
                        floor-debug xen-debug ours-debug

bench_cflags_floor := -DBENCH_FLOOR
bench_cflags_xen   := -DBENCH_XEN -I$(BENCH_MICRO_LIB)/src/xen
bench_cflags_ours  := -I$(BENCH_MICRO_LIB)/src/ours
bench_cflags_release := -DEMUL_NDEBUG
bench_cflags_debug   :=
bench_obj_ours-release := $(BENCH_MICRO_LIB)/ours-ndebug/mm-locks.o
bench_obj_ours-debug   := $(BENCH_MICRO_LIB)/ours/mm-locks.o

BENCH_MICRO_LIB_OUT := $(BENCH_MICRO_LIB)/src/ours/mm-locks.h \
                       $(BENCH_MICRO_LIB)/src/xen/mm-locks.h \
                       $(bench_obj_ours-release) $(bench_obj_ours-debug)
BENCH_MICRO_BINS := $(foreach v,$(BENCH_MICRO_VARIANTS), \
                        $(BENCH_MICRO_OUT)/$(v)/bench-micro)
BENCH_MICRO_TABLE := $(BENCH_MICRO_OUT)/bench-micro-table

DEPS_PKGS     += valgrind gcc libc6-dev
BENCH_TARGETS += bench-micro bench-logdirty
CHECK_TARGETS += check-bench-smoke

.PHONY: bench-micro bench-micro-build bench-logdirty bench-logdirty-smoke \
        check-bench-smoke

# The lead's harness Makefile copies the headers and compiles our
# mm-locks.c; it decides for itself whether anything changed. The flags go
# through the environment so that its own `CFLAGS +=` still applies.
$(BENCH_MICRO_LIB_OUT) &: $(XEN_PRISTINE_STAMP) FORCE
	@CFLAGS='$(BENCH_MICRO_CFLAGS)' $(MAKE) --no-print-directory -s \
	    -C $(BENCH_MICRO_SRC) lib-ours lib-ours-ndebug lib-xen \
	    O='$(BENCH_MICRO_LIB)' UPSTREAM_XEN='$(XEN_PRISTINE)'

# $(call bench_micro_rule,IMPL,CONFIG)
define bench_micro_rule
$(BENCH_MICRO_OUT)/$(1)-$(2)/bench-micro: $(BENCH_MICRO_SRC)/bench-micro.c \
        $(BENCH_MICRO_SRC)/emul.h $(BENCH_MICRO_LIB_OUT)
	@mkdir -p $$(@D)
	$$(CC) $(BENCH_MICRO_CFLAGS) -std=gnu11 -Wall -Werror \
	    -I$(BENCH_MICRO_SRC) $(bench_cflags_$(1)) $(bench_cflags_$(2)) \
	    $$< $(bench_obj_$(1)-$(2)) -o $$@
endef
$(foreach i,floor xen ours,$(foreach c,release debug, \
    $(eval $(call bench_micro_rule,$(i),$(c)))))

$(BENCH_MICRO_TABLE): $(BENCH_MICRO_SRC)/bench-micro-table.c
	@mkdir -p $(@D)
	$(CC) -O2 -std=gnu11 -Wall -Werror $< -o $@

bench-micro-build: $(BENCH_MICRO_BINS) $(BENCH_MICRO_TABLE)

# $(call bench_micro_count,RESULTS-DIR,ITERATIONS): each variant under
# callgrind, then the table.
bench_micro_count = \
    command -v valgrind >/dev/null || \
        { echo 'valgrind not found: run `make deps` (as root)' >&2; \
          exit 1; }; \
    rm -rf '$(1)'; mkdir -p '$(1)'; \
    echo "bench-micro: every variant built by $(CC) $(BENCH_MICRO_CFLAGS);" \
         "a guest's locks (no bias); per-CPU data reached as in Xen"; \
    for v in $(BENCH_MICRO_VARIANTS); do \
        echo "bench-micro: counting $$v ($(2) iterations per loop)"; \
        valgrind --tool=callgrind -q --callgrind-out-file='$(1)'/$$v.cg \
            $(BENCH_MICRO_OUT)/$$v/bench-micro --iterations $(2) \
            --callgrind-out '$(1)'/$$v.cg > '$(1)'/$$v.txt \
            2> '$(1)'/$$v.log || \
            { echo "bench-micro: $$v failed; $(1)/$$v.log ends:" >&2; \
              tail -n 40 '$(1)'/$$v.log >&2; exit 1; }; \
        rm -f '$(1)'/$$v.cg*; \
    done; \
    echo; $(BENCH_MICRO_TABLE) '$(1)'

bench-micro: bench-micro-build
	@$(call bench_micro_count,$(BENCH_MICRO_OUT)/results,$(strip \
	    $(BENCH_MICRO_ITERATIONS)))

BENCH_BOOT_DIR        := $(TOP)/tools/tests/boot
BENCH_BOOT_OUT        := $(BUILD)/bench/logdirty
BENCH_KERNEL_DIR      := $(BUILD)/kernel
BENCH_LOGDIRTY_CLIENT := $(BENCH_BOOT_OUT)/bench-logdirty
BENCH_LOGDIRTY_INITRD := $(BENCH_BOOT_OUT)/bench-initramfs.cpio.gz
BENCH_LOGDIRTY_LIBS   := -lxenctrl -lxendevicemodel -lxenforeignmemory \
                         -lxencall -lxentoollog -lxentoolcore -lpthread

BENCH_LOGDIRTY_A    ?= debug
BENCH_LOGDIRTY_B    ?= pristine-debug
BENCH_LOGDIRTY_ARGS ?= --boots 2 --size 1024 --rounds 20
BENCH_SMOKE_BOOT    ?= y

DEPS_PKGS += qemu-system-x86 busybox-static libxen-dev cpio gzip kmod

$(BENCH_LOGDIRTY_CLIENT): $(BENCH_BOOT_DIR)/bench-logdirty.c \
                          $(BENCH_BOOT_DIR)/logdirty-lib.c \
                          $(BENCH_BOOT_DIR)/logdirty.h
	@mkdir -p $(@D)
	$(CC) -O2 -g -Wall -Wextra -Werror -static -o $@ \
	    $(BENCH_BOOT_DIR)/bench-logdirty.c $(BENCH_BOOT_DIR)/logdirty-lib.c \
	    $(BENCH_LOGDIRTY_LIBS)

# The boot tests' initramfs builder, with our client and /init.
$(BENCH_LOGDIRTY_INITRD): $(BENCH_LOGDIRTY_CLIENT) \
        $(BENCH_BOOT_DIR)/bench-init $(BENCH_BOOT_DIR)/mkinitramfs.sh \
        $(BENCH_KERNEL_DIR)/vmlinuz
	@$(BENCH_BOOT_DIR)/mkinitramfs.sh '$(BENCH_KERNEL_DIR)' \
	    '$(BENCH_LOGDIRTY_CLIENT)' '$(BENCH_BOOT_DIR)/bench-init' '$@'

# $(call bench_logdirty_run,LOG-DIR,ARGS)
bench_logdirty_run = $(BENCH_BOOT_DIR)/bench-logdirty.sh \
    --a '$(OUT)/$(BENCH_LOGDIRTY_A)/xen' \
    --b '$(OUT)/$(BENCH_LOGDIRTY_B)/xen' \
    --initrd '$(BENCH_LOGDIRTY_INITRD)' \
    --kernel '$(BENCH_KERNEL_DIR)/vmlinuz' --log-dir '$(strip $(1))' $(2)

bench-logdirty: $(OUT)/$(BENCH_LOGDIRTY_A)/xen \
        $(OUT)/$(BENCH_LOGDIRTY_B)/xen $(BENCH_LOGDIRTY_INITRD)
	@$(call bench_logdirty_run,$(LOGS)/bench-logdirty,$(BENCH_LOGDIRTY_ARGS))

# One short boot of each, and the table code on logs of known medians.
bench-logdirty-smoke: $(BENCH_LOGDIRTY_INITRD) \
        $(if $(filter y,$(BENCH_SMOKE_BOOT)), \
             $(OUT)/$(BENCH_LOGDIRTY_A)/xen $(OUT)/$(BENCH_LOGDIRTY_B)/xen)
	@$(BENCH_BOOT_DIR)/bench-logdirty-table.sh --self-test
	$(if $(filter y,$(BENCH_SMOKE_BOOT)),@$(call bench_logdirty_run, \
	    $(LOGS)/bench-logdirty-smoke,--boots 1 --size 128 --rounds 2))

# The smoke: every variant natively (each operation leaves no lock held),
# then the whole callgrind path with short loops. Counts are printed, not
# judged.
check-bench-smoke: bench-micro-build bench-logdirty-smoke
	@for v in $(BENCH_MICRO_VARIANTS); do \
	    out=$$($(BENCH_MICRO_OUT)/$$v/bench-micro --iterations 100) || \
	        { printf '%s\n' "$$out" | sed "s/^/$$v: /"; exit 1; }; \
	    printf '%s\n' "$$out" | sed "s/^/$$v: /"; \
	done
	@$(call bench_micro_count,$(BENCH_MICRO_OUT)/smoke,10)
