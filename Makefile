# Builds a patched Xen 4.17 hypervisor from Debian's `xen` source package.
#   make deps    install the Debian packages everything needs (root)
#   make         fetch, apply, build the hypervisors, main jobs, summary
#   make check   every check, then a PASS/FAIL table
#   make help    all targets
# Pinned versions and knobs: Config.mk. Parts of the project add fragments
# (scripts/*.mk, tools/tests/*/*.mk) that extend DEPS_PKGS, CHECK_TARGETS,
# BENCH_TARGETS and MAIN_TARGETS.
#
# What fragments can use:
#   TOP BUILD OUT LOGS DL SCRIPTS LIB   paths (LIB: scripts/lib.sh functions)
#   XEN_PRISTINE, XEN_PATCHED           the two Xen trees (git repositories;
#                                       tag `pristine` in both)
#   XEN_PRISTINE_STAMP, XEN_PATCHED_STAMP
#                                       file targets: depend on one to have
#                                       that tree ready; each changes only
#                                       when its tree's content does
#   $(OUT)/<variant>/xen                file target per variant in
#                                       XEN_VARIANTS (xen.gz, xen-syms and
#                                       .config beside it); phony aliases
#                                       debug, release, pristine-debug,
#                                       nobias-debug, notier-debug;
#                                       `hypervisors` = the
#                                       first three
#   JOBS                                parallel jobs of one build

TOP     := $(patsubst %/,%,$(dir $(realpath $(lastword $(MAKEFILE_LIST)))))
# BUILD can be set on the command line only (a line of scripts/lines.mk
# builds in build/lines/<line>); an environment variable of that common
# name must not move the build.
ifneq ($(origin BUILD),command line)
BUILD   := $(TOP)/build
endif
OUT     := $(BUILD)/out
LOGS    := $(BUILD)/logs
DL      := $(BUILD)/dl
SCRIPTS := $(TOP)/scripts
LIB     := $(SCRIPTS)/lib.sh

# The Xen trees, and the stamps that say each one is ready. A rule that
# needs a tree depends on its stamp; a stamp changes only when its tree's
# content does.
XEN_PRISTINE       := $(BUILD)/src/pristine
XEN_PATCHED        := $(BUILD)/src/patched
XEN_PRISTINE_STAMP := $(BUILD)/src/pristine.stamp
XEN_PATCHED_STAMP  := $(BUILD)/src/patched.stamp

DEPS_PKGS     :=
CHECK_TARGETS := check-manifest check-build
BENCH_TARGETS :=
MAIN_TARGETS  :=

include $(TOP)/Config.mk

# Hypervisor variants: source tree, CONFIG_DEBUG, EXTRA_CFLAGS_XEN_CORE.
XEN_VARIANTS := debug release pristine-debug nobias-debug notier-debug
XEN_MAIN_VARIANTS := debug release pristine-debug

xen_tree_debug          := patched
xen_tree_release        := patched
xen_tree_pristine-debug := pristine
xen_tree_nobias-debug   := patched
xen_debug_debug          := y
xen_debug_release        := n
xen_debug_pristine-debug := y
xen_debug_nobias-debug   := y
xen_cflags_nobias-debug  := -DMM_LOCK_TEST_NO_BIAS
xen_tree_notier-debug    := patched
xen_debug_notier-debug   := y
xen_cflags_notier-debug  := -DMM_LOCK_TEST_NO_TIERS
# A variant that differs from another of its tree in one -D only starts
# from a copy of that one's objects: with ccache (Config.mk) the objects
# come from the cache, and the generated headers need no second run.
xen_seed_nobias-debug    := debug
xen_seed_notier-debug    := debug
# Only they and their seeds go through ccache: the others have nothing to
# share, and a cache miss costs a second preprocessing.
xen_ccache_share := $(sort $(foreach v,$(XEN_VARIANTS),\
    $(if $(xen_seed_$(v)),$(v) $(xen_seed_$(v)))))

XEN_TREE_patched        := $(XEN_PATCHED)
XEN_TREE_pristine       := $(XEN_PRISTINE)
XEN_TREE_STAMP_patched  := $(XEN_PATCHED_STAMP)
XEN_TREE_STAMP_pristine := $(XEN_PRISTINE_STAMP)

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.PHONY: all hypervisors fetch apply summary deps deps-check check \
        check-manifest check-build bench clean distclean help FORCE \
        $(XEN_VARIANTS)

FETCH_ENV = BUILD='$(BUILD)' XEN_PRISTINE='$(XEN_PRISTINE)' \
    XEN_PRISTINE_STAMP='$(XEN_PRISTINE_STAMP)' \
    XEN_DEB_SOURCE='$(XEN_DEB_SOURCE)' XEN_DEB_VERSION='$(XEN_DEB_VERSION)' \
    DEBIAN_SUITE='$(DEBIAN_SUITE)' DEBIAN_SUITES='$(DEBIAN_SUITES)' \
    DEBIAN_MIRROR='$(DEBIAN_MIRROR)' DEBIAN_KEYRING='$(DEBIAN_KEYRING)' \
    DEBIAN_SECURITY_MIRROR='$(DEBIAN_SECURITY_MIRROR)' \
    DEBIAN_INDEX_MAX_AGE='$(DEBIAN_INDEX_MAX_AGE)' \
    XEN_SRC='$(XEN_SRC)' XEN_GIT='$(XEN_GIT)' XEN_REF='$(XEN_REF)' \
    XEN_GIT_COMMIT='$(XEN_GIT_COMMIT)' FETCH_TIMEOUT='$(FETCH_TIMEOUT)' \
    FETCH_TIME_LIMIT='$(FETCH_TIME_LIMIT)' PROGRESS_EVERY='$(PROGRESS_EVERY)'

APPLY_ENV = TOP='$(TOP)' BUILD='$(BUILD)' XEN_PRISTINE='$(XEN_PRISTINE)' \
    XEN_PATCHED='$(XEN_PATCHED)' XEN_PATCHED_STAMP='$(XEN_PATCHED_STAMP)' \
    XEN_PATCHES='$(XEN_PATCHES)' PROGRESS_EVERY='$(PROGRESS_EVERY)'

BUILD_ENV = BUILD='$(BUILD)' JOBS='$(JOBS)' BUILD_TIMEOUT='$(BUILD_TIMEOUT)' \
    PROGRESS_EVERY='$(PROGRESS_EVERY)'

# The scripts run every time and decide for themselves, cheaply, whether
# anything changed; the stamps keep their mtime when nothing did.
$(XEN_PRISTINE_STAMP): FORCE
	@$(FETCH_ENV) $(SCRIPTS)/fetch-xen.sh

$(XEN_PATCHED_STAMP): $(XEN_PRISTINE_STAMP) FORCE
	@$(APPLY_ENV) $(SCRIPTS)/apply.sh

fetch: $(XEN_PRISTINE_STAMP)
apply: $(XEN_PATCHED_STAMP)

define xen_variant_rules
$(OUT)/$(1)/xen: $(XEN_TREE_STAMP_$(xen_tree_$(1))) \
                 $(if $(xen_seed_$(1)),| $(OUT)/$(xen_seed_$(1))/xen)
	@$(BUILD_ENV) XEN_SEED_VARIANT='$(xen_seed_$(1))' \
	    XEN_CCACHE_SHARE=$(if $(filter $(1),$(xen_ccache_share)),y,n) \
	    $(SCRIPTS)/build-xen.sh $(1) \
	    '$(XEN_TREE_$(xen_tree_$(1)))' $(xen_debug_$(1)) '$(xen_cflags_$(1))'
$(OUT)/$(1)/xen.gz $(OUT)/$(1)/xen-syms $(OUT)/$(1)/.config: $(OUT)/$(1)/xen ;
$(1): $(OUT)/$(1)/xen
endef
$(foreach v,$(XEN_VARIANTS),$(eval $(call xen_variant_rules,$(v))))

hypervisors: $(XEN_MAIN_VARIANTS)
	@echo '==> hypervisors up to date: $(XEN_MAIN_VARIANTS) in $(OUT)'

summary:
	@$(SCRIPTS)/summary.sh '$(OUT)' '$(LOGS)' $(XEN_VARIANTS)

check-manifest: $(XEN_PRISTINE_STAMP)
	@XEN_PRISTINE='$(XEN_PRISTINE)' $(SCRIPTS)/check-manifest.sh '$(TOP)'

check-build: $(XEN_VARIANTS)
	@$(SCRIPTS)/check-build.sh '$(OUT)' $(XEN_VARIANTS)

clean:
	rm -rf '$(BUILD)/obj' '$(OUT)'

distclean:
	rm -rf '$(BUILD)'

help:
	@echo 'make deps           install the Debian packages below (root)'
	@echo 'make                deps check, fetch, apply, build $(XEN_MAIN_VARIANTS),'
	@echo '                    then $(or $(MAIN_TARGETS),(no main targets yet)), then summary'
	@echo 'make check          run $(CHECK_TARGETS)'
	@echo 'make bench          run $(or $(BENCH_TARGETS),(none yet))'
	@echo 'make fetch|apply    pristine tree in $(XEN_PRISTINE) | patched tree in $(XEN_PATCHED)'
	@echo 'make <variant>      $(OUT)/<variant>/xen for one of: $(XEN_VARIANTS)'
	@echo 'make summary        what was built; make clean | distclean'
	@echo 'DEPS_PKGS: $(sort $(DEPS_PKGS))'

FORCE:

# Fragments of the other parts of the project.
include $(sort $(wildcard $(TOP)/scripts/*.mk $(TOP)/tools/tests/*/*.mk))

# After the fragments, so that the lists are complete; the checks that
# read what other checks left in $(LOGS) run last.
DEPS_PKGS := $(sort $(DEPS_PKGS))
CHECK_TARGETS += $(CHECK_LAST_TARGETS)

deps:
	@$(SCRIPTS)/deps.sh install '$(LOGS)' $(DEPS_PKGS)

deps-check:
	@$(SCRIPTS)/deps.sh check '$(LOGS)' $(DEPS_PKGS)

# The main job, in order even under -j.
all:
	@$(MAKE) --no-print-directory deps-check
	@$(MAKE) --no-print-directory hypervisors
	$(if $(strip $(MAIN_TARGETS)),@$(MAKE) --no-print-directory $(MAIN_TARGETS))
	@$(MAKE) --no-print-directory summary

check:
	@MAKE='$(MAKE)' $(SCRIPTS)/run-checks.sh $(CHECK_TARGETS)

bench:
	$(if $(strip $(BENCH_TARGETS)),@MAKE='$(MAKE)' $(SCRIPTS)/run-checks.sh $(BENCH_TARGETS),@echo 'no benchmarks yet')
