# Release side: the upstream patch series, the Xen style check,
# and the Debian package for people who boot the hypervisor on hardware.
#   make series        build/series/: git format-patch series + cover letter
#   make check-series  git am onto a fresh pristine tree, build, compare
#   make check-style   our C against Xen's CODING_STYLE, with a negative control
#   make deb           build/deb/xen-hypervisor-4.17-mmlocks-amd64_*.deb
#   make check-deb     dpkg-deb contents and fields, lintian, install into a
#                      throw-away root, with a negative control

DEPS_PKGS     += git python3 binutils diffutils dpkg lintian apt \
                 gzip coreutils util-linux shellcheck
CHECK_TARGETS += check-style check-series check-deb

DEB_OUT := $(BUILD)/deb

RELEASE_ENV = TOP='$(TOP)' BUILD='$(BUILD)' XEN_PRISTINE='$(XEN_PRISTINE)' \
    XEN_PATCHED='$(XEN_PATCHED)' XEN_DEB_VERSION='$(XEN_DEB_VERSION)' \
    JOBS='$(JOBS)' BUILD_TIMEOUT='$(BUILD_TIMEOUT)' \
    PROGRESS_EVERY='$(PROGRESS_EVERY)' DEB_OUT='$(DEB_OUT)'

.PHONY: series check-series check-style deb check-deb

# The series is against upstream staging (scripts/lines.mk), in that
# line's build; SERIES_LINE= makes it against the Debian 4.17 tree.
SERIES_LINE ?= staging
ifeq ($(if $(XEN_LINE),,$(SERIES_LINE)),)
series: $(XEN_PATCHED_STAMP)
	@$(RELEASE_ENV) $(SCRIPTS)/series.sh

check-series: series $(OUT)/debug/xen
	@$(RELEASE_ENV) $(SCRIPTS)/series/check.sh
else
series check-series:
	@$(MAKE) --no-print-directory line-$(SERIES_LINE) LINE_TARGETS=$@
endif

check-style: $(XEN_PRISTINE_STAMP)
	@echo '== style: the negative control, then our C (xen/MANIFEST, patches/)'
	@$(SCRIPTS)/style-check.py --self-test --work '$(BUILD)/style-check'
	@$(SCRIPTS)/style-check.py --top '$(TOP)' --pristine '$(XEN_PRISTINE)' \
	    --work '$(BUILD)/style-check'

deb: $(OUT)/release/xen
	@$(RELEASE_ENV) $(SCRIPTS)/deb.sh

check-deb: deb
	@$(RELEASE_ENV) $(SCRIPTS)/deb/check.sh
