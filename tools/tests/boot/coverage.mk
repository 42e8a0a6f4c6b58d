# SPDX-License-Identifier: GPL-2.0-only
# Lock-order coverage of the boot tests (scripts/coverage/report.py): the
# mm-lock sites of the patched tree that the debug boots reached, and the
# nestings they saw, from the 'K' key's tables that each debug boot's
# client prints at its end.
#   make check-coverage   the report over the logs the debug boots left in
#                         $(LOGS); `make check` runs it after them. On its
#                         own it needs those boots to have run.

COVERAGE_REPORT := $(TOP)/scripts/coverage/report.py
COVERAGE_EXPECT_FAIL := $(SCRIPTS)/expect-fail.sh
COVERAGE_BOOTS  := check-boot-debug-pvh check-boot-debug-pv \
                   check-boot-reliability-debug-pvh check-boot-dm-debug-pvh \
                   check-boot-flows-debug-pvh check-boot-flows-debug-pv \
                   check-migrate-debug
COVERAGE_LOGS   := $(COVERAGE_BOOTS:%=$(LOGS)/%.log)
# A boot of a hypervisor without coverage (pristine 4.17 has no 'K' key).
COVERAGE_CONTROL_LOG := $(LOGS)/check-boot-key-pristine-debug-pvh.log
# The Intel (Bochs) debug boot's log, used when it holds a complete 'K'
# dump (make check-vmx-ept-debug-pvh left one): the EPT, altp2m and
# mem_access sites then count as reachable, and those it reached as
# reached.
COVERAGE_VMX_LOG := $(LOGS)/check-vmx-ept-debug-pvh.log
# Of the sites outside unreachable and compiled-out code, the share the
# boots must reach.
COVERAGE_MIN_PERCENT ?= 60

.PHONY: check-coverage
CHECK_LAST_TARGETS += check-coverage

check-coverage: $(XEN_PATCHED_STAMP) $(OUT)/debug/xen
	@for log in $(COVERAGE_LOGS) $(COVERAGE_CONTROL_LOG); do \
	    [ -s "$$log" ] || { echo "check-coverage: $$log is missing:" \
	        "run the boot checks first ('make check' runs them before" \
	        "this)" >&2; exit 1; }; \
	done
	@$(COVERAGE_EXPECT_FAIL) --log '$(LOGS)/check-coverage-negative.log' \
	    --match 'no coverage dump' \
	    --about 'the report on a boot without coverage' -- \
	    $(COVERAGE_REPORT) --tree '$(XEN_PATCHED)/xen' \
	    --config '$(OUT)/debug/.config' $(COVERAGE_CONTROL_LOG)
	@$(COVERAGE_EXPECT_FAIL) --log '$(LOGS)/check-coverage-negative-min.log' \
	    --match 'below the 100% required' \
	    --about 'the report asked for every reachable site' -- \
	    $(COVERAGE_REPORT) --tree '$(XEN_PATCHED)/xen' \
	    --config '$(OUT)/debug/.config' --min-percent 100 $(COVERAGE_LOGS)
	@vmx=; if grep -qas 'mm-cover: end ' '$(COVERAGE_VMX_LOG)'; then \
	    vmx='--vmx-log $(COVERAGE_VMX_LOG)'; \
	    echo 'check-coverage: with the VMX boot $(COVERAGE_VMX_LOG)'; \
	fi; \
	status=0; $(COVERAGE_REPORT) --tree '$(XEN_PATCHED)/xen' \
	    --config '$(OUT)/debug/.config' \
	    --min-percent $(COVERAGE_MIN_PERCENT) $$vmx $(COVERAGE_LOGS) \
	    >'$(LOGS)/check-coverage.log' || status=$$?; \
	cat '$(LOGS)/check-coverage.log'; exit $$status
