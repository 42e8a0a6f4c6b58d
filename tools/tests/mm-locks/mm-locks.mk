# SPDX-License-Identifier: GPL-2.0-only
# The user-space tests of the mm lock-order checker: everything is built
# and run by tools/tests/mm-locks/Makefile (`make -C tools/tests/mm-locks
# run-unit`, ...; see its header for the knobs, e.g. MODEL_K, FUZZ_TIME);
# this fragment only hands it the paths and declares the checks.
#   check-unit             unit tests, ours and Xen 4.17's header
#   check-header-required  mm-locks.c does not build with Xen 4.17's header
#   check-model            the order model and its negative control
#   check-fuzz             differential fuzzing and its negative controls
#   check-bias             who gets the bias, and its negative controls
#   check-bench-smoke      the micro benchmark, shortened
#   bench-micro            instructions per lock operation (callgrind)
#   fuzz                   fuzzing for FUZZ_TIME s, growing a corpus

MM_LOCKS_TESTS := $(TOP)/tools/tests/mm-locks
MM_LOCKS_MAKE   = $(MAKE) --no-print-directory -s -C '$(MM_LOCKS_TESTS)' \
                  PROJECT_ROOT='$(TOP)' XEN_PRISTINE='$(XEN_PRISTINE)' \
                  XEN_PATCHED='$(XEN_PATCHED)' DEBUG_OBJ='$(BUILD)/obj/debug' \
                  O='$(BUILD)/tests/mm-locks' LOGS='$(LOGS)'

DEPS_PKGS     += gcc libc6-dev make clang libclang-rt-14-dev valgrind
CHECK_TARGETS += check-unit check-header-required check-model check-fuzz \
                 check-bias check-bench-smoke
BENCH_TARGETS += bench-micro

.PHONY: check-unit check-header-required check-model check-fuzz check-bias \
        check-bench-smoke bench-micro fuzz

check-unit: $(XEN_PRISTINE_STAMP)
	@echo '== mm-locks unit tests (ours, then Xen 4.17 header for comparison)'
	@$(MM_LOCKS_MAKE) run-unit

check-header-required: $(OUT)/debug/xen
	@$(MM_LOCKS_MAKE) run-header-required

check-model check-fuzz check-bias check-bench-smoke: $(XEN_PRISTINE_STAMP)
	@$(MM_LOCKS_MAKE) run-$(patsubst check-%,%,$@)

bench-micro: $(XEN_PRISTINE_STAMP)
	@$(MM_LOCKS_MAKE) run-bench-micro

fuzz: $(XEN_PRISTINE_STAMP)
	@$(MM_LOCKS_MAKE) fuzz
