# Upstream Xen lines (docs/lines.md): the checker and our fixes built and
# booted on current upstream Xen, each line in its own build/lines/<line>,
# beside the Debian 4.17 line in build/.
#   make check-line-staging   upstream staging at its pinned commit
#   make check-line-4.20      stable-4.20 (RELEASE-4.20.4)
#   make line-<line> LINE_TARGETS='debug check-boot-debug-pvh'
#                             any targets of this Makefile, on that line
# A line target runs this Makefile again with BUILD=build/lines/<line>,
# XEN_GIT and XEN_REF (the pin is Config.mk's XEN_GIT_PIN_<ref>); the
# dom0 client is then built against that line's own toolstack libraries
# (scripts/build-toollibs.sh) and public headers. Knob: XEN_LINE_GIT, the
# repository to clone, by default the snapshot ../shared/xen.git beside
# the project when there is one, else upstream's public URL.

XEN_LINES := staging 4.20
xen_line_ref_staging := staging
xen_line_ref_4.20    := stable-4.20

XEN_LINE_SNAPSHOT := $(abspath $(TOP)/../shared/xen.git)
XEN_LINE_GIT ?= $(if $(wildcard $(XEN_LINE_SNAPSHOT)/HEAD),$(XEN_LINE_SNAPSHOT),$(XEN_GIT_UPSTREAM))

# What a line's check runs, in order: the builds, the proof that Xen's own
# header does not build beside our mm-locks.c, one boot of the patched
# debug build (log-dirty rounds, preempted CLEAN and the 'k' key; the
# highest gfn and the wrapping page count; freeing dirty pages, which since
# 4.22 takes the paging lock under the gfn lock), the no-bias negative
# control, and, on staging (the series' base), the pristine build's
# reproductions of the three bugs our patches fix. On 4.20 those are
# opt-in, as they add three minutes to `make check` and show what staging
# shows: make line-4.20 LINE_TARGETS='$(LINE_PRISTINE_CHECKS)'.
LINE_CHECKS_COMMON := debug nobias-debug line-toollibs \
    check-header-required line-boot-debug-pvh check-boot-nobias-debug-pvh
LINE_PRISTINE_CHECKS := pristine-debug \
    check-boot-lastgfn-wrap-pristine-debug-pvh \
    line-boot-destroy-pristine-debug-pvh
LINE_CHECKS_staging := $(LINE_CHECKS_COMMON) $(LINE_PRISTINE_CHECKS)
LINE_CHECKS_4.20    := $(LINE_CHECKS_COMMON)

DEPS_PKGS += git acpica-tools uuid-dev libyajl-dev zlib1g-dev libncurses-dev \
             pkg-config python3-dev gcc make

CHECK_TARGETS += $(addprefix check-line-,$(XEN_LINES))
.PHONY: $(addprefix check-line-,$(XEN_LINES)) $(addprefix line-,$(XEN_LINES)) \
        line-toollibs line-boot-debug-pvh line-boot-destroy-pristine-debug-pvh

LINE_BUILD = $(TOP)/build/lines/$(1)
# Every input of the Debian line that the command line could have set is
# reset, so that the line's own tree and patches are used.
line_make_args = --no-print-directory -C '$(TOP)' \
    BUILD='$(call LINE_BUILD,$(1))' XEN_LINE='$(1)' \
    XEN_GIT='$(XEN_LINE_GIT)' XEN_REF='$(xen_line_ref_$(1))' XEN_SRC= \
    XEN_PATCHES= KERNEL_DIR='$(KERNEL_DIR)' \
    BOOT_CLIENT_LIBS='$(call line_client_libs,$(call LINE_BUILD,$(1)))'

LINE_LIBS := ctrl devicemodel foreignmemory call evtchn gnttab toollog toolcore
line_client_libs = -I$(1)/toollibs/src/tools/include \
    $(foreach l,$(LINE_LIBS),-L$(1)/toollibs/src/tools/libs/$(l)) \
    $(foreach l,$(LINE_LIBS),-lxen$(l)) -lpthread

# Explicit rules, as make looks for no pattern rule of a phony target. The
# kernel is Debian's for every line: fetched once, in build/kernel.
LINE_TARGETS ?=
define line_rules
check-line-$(1): kernel
	@$$(SCRIPTS)/check-line.sh '$(1)' '$$(call LINE_BUILD,$(1))' \
	    "$$(MAKE)" $$(call line_make_args,$(1)) -- $$(LINE_CHECKS_$(1))
line-$(1):
	$$(if $$(strip $$(LINE_TARGETS)),,$$(error set LINE_TARGETS='<targets>'))
	@$$(MAKE) $$(call line_make_args,$(1)) $$(LINE_TARGETS)
endef
$(foreach l,$(XEN_LINES),$(eval $(call line_rules,$(l))))

ifneq ($(XEN_LINE),)
# Inside a line's make: the dom0 client (boot.mk's BOOT_CLIENT, path
# written out as this fragment is read first) links the line's libraries.
LINE_TOOLLIBS_STAMP := $(BUILD)/toollibs/stamp
line-toollibs: $(LINE_TOOLLIBS_STAMP)
$(LINE_TOOLLIBS_STAMP): $(XEN_PRISTINE_STAMP)
	@JOBS='$(JOBS)' BUILD_TIMEOUT='$(BUILD_TIMEOUT)' \
	    $(SCRIPTS)/build-toollibs.sh '$(XEN_PRISTINE)' '$(@D)'
$(BUILD)/boot/test-logdirty: $(LINE_TOOLLIBS_STAMP)

# The patched debug build passes the log-dirty rounds, marks the highest
# gfn, lets a guest under log-dirty free dirty pages (since 4.22 the paging
# lock (64) under the gfn lock (16)) and keeps every dirty bit of a CLEAN
# with a page count near 2^64 (patches 0002 and 0004). That CLEAN keeps a
# dom0 vCPU busy for half a minute under QEMU, hence no watchdog.
line-boot-debug-pvh: $(OUT)/debug/xen $(BUILD)/boot/initramfs.cpio.gz
	@$(call boot_run,debug,pvh,pass,boot-debug-pvh,\
	    --timeout 360 $(call boot_client_args,--basic --last-gfn \
	        --case decrease-reservation --case page-count-wrap,nowatchdog))
# Negative control: upstream leaks the log-dirty bitmap of a guest
# destroyed while a CLEAN of it is preempted, which a debug build catches
# in paging_final_teardown() (patch 0003 fixes it).
line-boot-destroy-pristine-debug-pvh: $(OUT)/pristine-debug/xen \
                                      $(BUILD)/boot/initramfs.cpio.gz
	@$(call boot_run,pristine-debug,pvh,crash:!d->arch.paging.p2m_pages,\
	    boot-destroy-pristine-debug-pvh,\
	    $(call boot_client_args,--case destroy-during-clean))
endif

# check-series is against staging, the base xen-devel reviews. The 4.17
# backport series keeps its own check, opt-in: its four minutes of
# builds would take `make check` too near the 75 minutes CI allows, and
# every build of the Debian line already applies those patches.
.PHONY: check-series-debian
check-series-debian:
	@$(MAKE) --no-print-directory SERIES_LINE= check-series

# The series against staging (scripts/release.mk's SERIES_LINE): the
# line's patches, its own cover letter, and upstream's commit as the base.
ifeq ($(XEN_LINE),staging)
export SERIES_PATCHES  := patches/staging
export SERIES_COVER    := cover-letter-staging.txt
export SERIES_BASE_GIT := $(XEN_GIT)
export SERIES_BASE_REF := $(XEN_REF)
export SERIES_BASE     := $(XEN_GIT_COMMIT)
endif

# The fetch from git refuses a moved ref, a missing ref or repository and a
# short pin, and takes the right pin (scripts/check-fetch-git.sh).
CHECK_TARGETS += check-fetch-git
.PHONY: check-fetch-git
check-fetch-git:
	@$(SCRIPTS)/check-fetch-git.sh '$(TOP)' '$(XEN_LINE_GIT)' staging \
	    '$(XEN_GIT_PIN_staging)'
