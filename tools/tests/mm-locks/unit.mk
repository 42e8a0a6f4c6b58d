# Unit tests of the mm lock-order checker (make check), and the proof that
# the hypervisor needs our header, not Xen 4.17's.

MM_LOCKS_TESTS := $(TOP)/tools/tests/mm-locks

DEPS_PKGS     += gcc make
CHECK_TARGETS += check-unit check-header-required

.PHONY: check-unit check-header-required

check-unit: $(XEN_PRISTINE_STAMP)
	@echo '== mm-locks unit tests (ours, then Xen 4.17 header for comparison)'
	@$(MAKE) -s --no-print-directory -C $(MM_LOCKS_TESTS) run \
	    UPSTREAM_XEN='$(XEN_PRISTINE)' O='$(BUILD)/tests/mm-locks'

check-header-required: $(OUT)/debug/xen
	@$(MM_LOCKS_TESTS)/check-header-required.sh '$(BUILD)/obj/debug' \
	    '$(XEN_PATCHED)' '$(XEN_PRISTINE)'
