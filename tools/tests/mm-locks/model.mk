# SPDX-License-Identifier: GPL-2.0-only
# Order model of the mm lock-order checker: does the control-domain bias
# leave a caller/callee deadlock that the checker cannot see?  One model
# binary per header variant, each linked with that variant's harness
# library, so every policy is judged by the real checker code.
#   make check-model   build, run the model on every variant, check the
#                      negative control, print the table and assert
# Knobs: MODEL_K (acquisitions per template, 1..4, default 3), MODEL_DOMS
# (domains, the control domain included, 3 or 4, default 4), MODEL_XEN
# (yes: also judge Xen 4.17's own header, from the fetched pristine tree).

MODEL_SRC      := $(TOP)/tools/tests/mm-locks
MODEL_OUT      := $(BUILD)/tests/mm-locks
MODEL_MAKEFILE := $(firstword $(MAKEFILE_LIST))
MODEL_K        ?= 3
MODEL_DOMS     ?= 4
MODEL_XEN      ?= yes
MODEL_VARIANTS := ours nobias current $(if $(filter yes,$(MODEL_XEN)),xen)
MODEL_BINS     := $(foreach v,$(MODEL_VARIANTS),$(MODEL_OUT)/$(v)/model)
MODEL_FIGURES  := $(foreach v,$(MODEL_VARIANTS),$(MODEL_OUT)/$(v)/model.fig)
MODEL_NEG_LOG  := $(LOGS)/check-model-negative.log
MODEL_CFLAGS   := -O2 -g -std=gnu11 -Wall -Werror \
                  -iquote $(TOP)/xen/arch/x86/mm -iquote $(MODEL_SRC)

DEPS_PKGS     += gcc libc6-dev make
CHECK_TARGETS += check-model

.PHONY: check-model model-bins

# The libraries come from the harness's own Makefile; the binaries are
# built by a second make, once the libraries are there to depend on.
model-bins:
	@$(MAKE) --no-print-directory -C '$(MODEL_SRC)' O='$(MODEL_OUT)' \
	    UPSTREAM_XEN='$(XEN_PRISTINE)' $(addprefix lib-,$(MODEL_VARIANTS))
	@$(MAKE) --no-print-directory -f '$(MODEL_MAKEFILE)' $(MODEL_BINS)

$(MODEL_BINS): $(MODEL_OUT)/%/model: $(MODEL_SRC)/model.c \
               $(MODEL_SRC)/harness.h $(MODEL_SRC)/emul.h \
               $(TOP)/xen/arch/x86/mm/mm-locks.h $(MODEL_OUT)/%/libharness.a
	$(CC) $(MODEL_CFLAGS) -DMODEL_VARIANT='"$*"' $< \
	    $(MODEL_OUT)/$*/libharness.a -o $@

# The negative control runs first: our assertions, fed the current-bias
# figures in place of ours, must fail on the deadlock.  The report of the
# real figures comes last and ends with `N passed, M failed`.
check-model: $(if $(filter xen,$(MODEL_VARIANTS)),$(XEN_PRISTINE_STAMP))
	@mkdir -p '$(LOGS)'
	@echo '==> model: building $(MODEL_VARIANTS)'
	@$(MAKE) --no-print-directory -f '$(MODEL_MAKEFILE)' model-bins \
	    >'$(LOGS)/check-model-build.log' 2>&1 || { \
	    echo '---- last 40 lines of $(LOGS)/check-model-build.log ----'; \
	    tail -n 40 '$(LOGS)/check-model-build.log'; exit 1; }
	@for v in $(MODEL_VARIANTS); do \
	    '$(MODEL_OUT)'/$$v/model -k '$(MODEL_K)' -d '$(MODEL_DOMS)' \
	        --save '$(MODEL_OUT)'/$$v/model.fig || exit 1; \
	done
	@echo '==> negative control: our assertions on the current-bias figures'
	@if '$(MODEL_OUT)/ours/model' --report \
	        --as ours '$(MODEL_OUT)/current/model.fig' \
	        --as current '$(MODEL_OUT)/ours/model.fig' \
	        '$(MODEL_OUT)/nobias/model.fig' >'$(MODEL_NEG_LOG)' 2>&1; then \
	    echo 'negative control passed: the assertions cannot fail'; \
	    echo 'log: $(MODEL_NEG_LOG)'; exit 1; \
	fi; \
	if ! grep -q '^FAIL ours: no undetected deadlock among distinct' \
	        '$(MODEL_NEG_LOG)'; then \
	    tail -n 40 '$(MODEL_NEG_LOG)'; \
	    echo 'negative control failed for another reason;' \
	         'log: $(MODEL_NEG_LOG)'; exit 1; \
	fi; \
	echo "    fails as it must: $$(grep '^FAIL ours: no undetected' \
	    '$(MODEL_NEG_LOG)' | head -n 1)"
	@'$(MODEL_OUT)/ours/model' --report $(MODEL_FIGURES)
