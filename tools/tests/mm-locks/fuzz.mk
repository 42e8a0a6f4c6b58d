# SPDX-License-Identifier: GPL-2.0-only
# Differential fuzzing of the mm lock-order checker against an independent
# reference model (libFuzzer), and who gets the control-domain bias.
#   make check-fuzz  our header against the model for MMF_CHECK_TIME s from
#                    the committed seed corpus, with a fixed seed; then the
#                    negative controls: from an empty corpus, the fuzzer
#                    must find a mismatch within MMF_NEG_TIME s against Xen
#                    4.17's header, ours without the bias, and ours with a
#                    planted bug (MMF_MUTANTS)
#   make fuzz        our header for MMF_FUZZ_TIME s, growing a corpus in
#                    build/ from one run to the next
#   make check-bias  test-bias against our header; against the nobias and
#                    current (bias for the calling domain) builds it must
#                    fail, each where it should
# Knobs: MMF_CHECK_TIME (30), MMF_FUZZ_TIME (600), MMF_NEG_TIME (10),
# MMF_SEED (1; check-fuzz and the controls), MMF_FUZZ_SEED (0: libFuzzer
# picks one and prints it).

MMF_SRC    := $(TOP)/tools/tests/mm-locks
MMF_OUT    := $(BUILD)/tests/mm-locks-fuzz
MMF_CORPUS := $(MMF_SRC)/fuzz-corpus
MMF_HDR    := $(TOP)/xen/arch/x86/mm/mm-locks.h
MMF_C      := $(TOP)/xen/arch/x86/mm/mm-locks.c
MMB_OUT    := $(BUILD)/tests/mm-locks-bias

MMF_CC         ?= clang
MMF_CFLAGS     ?= -O1 -g -fsanitize=address,undefined \
                  -fno-sanitize-recover=undefined
MMF_CHECK_TIME ?= 30
MMF_FUZZ_TIME  ?= 600
MMF_NEG_TIME   ?= 10
MMF_SEED       ?= 1
MMF_FUZZ_SEED  ?= 0

# Two header bytes and 64 two-byte steps (fuzz-mm-locks.c's MAX_STEPS).
MMF_FLAGS = -max_len=130 -timeout=10 -print_final_stats=1

DEPS_PKGS     += clang libclang-rt-14-dev gcc libc6-dev make
CHECK_TARGETS += check-fuzz check-bias

.PHONY: check-fuzz fuzz fuzz-build check-bias

# Planted bugs, one per mutant: a sed script and the file it edits in a
# copy of our checker.  Each must change the file, or the build stops.
MMF_MUTANTS := no-tiebreak release-pops-top
mmf_file_no-tiebreak      := mm-locks.h
mmf_sed_no-tiebreak       := s/MM_LOCK_KEY(level, d->domain_id)/MM_LOCK_KEY(level, 0)/
mmf_file_release-pops-top := mm-locks.c
mmf_sed_release-pops-top  := s/^    i = h - c->held;$$/    i = MM_LOCK_DEPTH_OF(c);/

mmf_about_xen                     := the header of Xen 4.17
mmf_about_nobias                  := ours built with MM_LOCK_TEST_NO_BIAS
mmf_about_mutant-no-tiebreak      := ours, domain id left out of the key
mmf_about_mutant-release-pops-top := ours, a release drops the top record

MMF_NEGATIVE := xen nobias $(addprefix mutant-,$(MMF_MUTANTS))

mmf_need_clang = command -v '$(MMF_CC)' >/dev/null && \
    rt="$$('$(MMF_CC)' -print-runtime-dir)" && \
    test -f "$$rt/libclang_rt.fuzzer-$$(uname -m).a" || \
    { echo 'fuzz.mk: $(MMF_CC) with libFuzzer (packages clang,' \
           'libclang-rt-14-dev) not found: run `make deps` (as root)' >&2; \
      exit 1; }

# $(call mmf_variant,NAME,HARNESS-VARIANT,HARNESS-MAKE-ARGS,PREREQS,CFLAGS)
# Each library gets its own O: the harness Makefile shares its copy of our
# header between the variants of one O.  The harness Makefile decides for
# itself whether anything changed; CFLAGS go through the environment so
# that its own `CFLAGS +=` still applies.
define mmf_variant
$(MMF_OUT)/lib-$(1)/$(2)/libharness.a: $(4) FORCE
	@$$(mmf_need_clang)
	@CFLAGS='$(MMF_CFLAGS) -fsanitize=fuzzer-no-link' \
	    $$(MAKE) --no-print-directory -s -C $(MMF_SRC) lib-$(2) \
	    CC='$(MMF_CC)' O='$(MMF_OUT)/lib-$(1)' $(3)

$(MMF_OUT)/fuzz-mm-locks-$(1): $(MMF_SRC)/fuzz-mm-locks.c \
        $(MMF_SRC)/ref-order.c $(MMF_SRC)/ref-order.h $(MMF_SRC)/harness.h \
        $(MMF_OUT)/lib-$(1)/$(2)/libharness.a
	@mkdir -p $$(@D)
	$(MMF_CC) $(MMF_CFLAGS) -fsanitize=fuzzer -std=gnu11 -Wall -Wextra \
	    -Werror -I$(MMF_SRC) -DFUZZ_VARIANT='"$(1)"' $(5) \
	    $(MMF_SRC)/fuzz-mm-locks.c $(MMF_SRC)/ref-order.c \
	    $(MMF_OUT)/lib-$(1)/$(2)/libharness.a -o $$@
endef

$(eval $(call mmf_variant,ours,ours,,,))
$(eval $(call mmf_variant,nobias,nobias,,,))
# Xen 4.17's bias is 64: the model uses it too, to get past it to the rest.
$(eval $(call mmf_variant,xen,xen,UPSTREAM_XEN='$(XEN_PRISTINE)', \
    $(XEN_PRISTINE_STAMP),-DFUZZ_REF_BIAS=64))
$(foreach m,$(MMF_MUTANTS),$(eval $(call mmf_variant,mutant-$(m),ours, \
    XEN_ROOT='$(MMF_OUT)/mutant-$(m)', \
    $(MMF_OUT)/mutant-$(m)/xen/arch/x86/mm/mm-locks.h,)))

$(MMF_OUT)/mutant-%/xen/arch/x86/mm/mm-locks.h: $(MMF_HDR) $(MMF_C) \
        $(MMF_SRC)/fuzz.mk
	@mkdir -p $(@D)
	@cp $(MMF_HDR) $(MMF_C) $(@D)/
	@sed -i -e '$(mmf_sed_$*)' $(@D)/$(mmf_file_$*)
	@if cmp -s $(@D)/$(mmf_file_$*) $(TOP)/xen/arch/x86/mm/$(mmf_file_$*); \
	then \
	    echo "fuzz.mk: mutant $* no longer changes $(mmf_file_$*):" \
	         "update its sed script" >&2; \
	    rm -f $@; exit 1; \
	fi

fuzz-build: $(foreach v,ours $(MMF_NEGATIVE),$(MMF_OUT)/fuzz-mm-locks-$(v))

# $(call mmf_positive,LABEL,SECONDS,SEED,WORK-CORPUS,LOG)
define mmf_positive
@mkdir -p '$(strip $(4))' '$(MMF_OUT)/artifacts-ours' '$(LOGS)'
@echo '$(1): our header against the reference model for $(2) s' \
      '(seed $(3), corpus $(strip $(4)) + the seed corpus; log $(strip $(5)))'
@bash -c '. "$$1"; shift; run_logged "$$@"' run-fuzz '$(LIB)' '$(1)' \
    '$(strip $(5))' $(MMF_OUT)/fuzz-mm-locks-ours -seed=$(3) -max_total_time=$(2) \
    $(MMF_FLAGS) -artifact_prefix='$(MMF_OUT)/artifacts-ours/' \
    '$(strip $(4))' '$(MMF_CORPUS)' || \
{ echo '---- the mismatch ----'; \
  sed -n '/^fuzz-mm-locks: MISMATCH/,/^==[0-9]*== ERROR/p' '$(strip $(5))'; \
  crash=$$(sed -n 's/.*Test unit written to //p' '$(strip $(5))'); \
  echo "Replay: FUZZ_MM_LOCKS_TRACE=1 $(MMF_OUT)/fuzz-mm-locks-ours $$crash"; \
  exit 1; }
@sed -n -e 's/^INFO: Seed: /libFuzzer seed: /p' \
    -e 's/^stat::average_exec_per_sec: */libFuzzer executions per second: /p' \
    -e 's/^stat::new_units_added: */libFuzzer new corpus units: /p' '$(strip $(5))'
@grep '^fuzz-mm-locks:' '$(strip $(5))'
endef

# $(call mmf_negative,VARIANT): from an empty corpus, so the fuzzing finds
# the mismatch, not a seed.
define mmf_negative
@rm -rf '$(MMF_OUT)/work-negative-$(1)'; \
mkdir -p '$(MMF_OUT)/work-negative-$(1)' '$(MMF_OUT)/artifacts-$(1)'; \
log='$(LOGS)/check-fuzz-negative-$(1).log'; \
if $(MMF_OUT)/fuzz-mm-locks-$(1) -seed=$(MMF_SEED) \
       -max_total_time=$(MMF_NEG_TIME) $(MMF_FLAGS) \
       -artifact_prefix='$(MMF_OUT)/artifacts-$(1)/' \
       '$(MMF_OUT)/work-negative-$(1)' >"$$log" 2>&1; then \
    echo 'negative control $(1): FAIL: no mismatch within $(MMF_NEG_TIME) s' \
         "against $(mmf_about_$(1)); log: $$log" >&2; \
    exit 1; \
fi; \
if ! grep -q '^fuzz-mm-locks: MISMATCH' "$$log"; then \
    echo 'negative control $(1): FAIL: the fuzzer stopped without a' \
         "mismatch; last 40 lines of $$log:" >&2; \
    tail -n 40 "$$log" >&2; \
    exit 1; \
fi; \
echo 'negative control $(1) ($(mmf_about_$(1))): mismatch found, as it' \
     "must be (log: $$log):"; \
sed -n '/^fuzz-mm-locks: MISMATCH/,/^header.s log/p' "$$log" | \
    sed -e '$$d' -e 's/^/    /' | head -n 24

endef

check-fuzz: fuzz-build
	@rm -rf '$(MMF_OUT)/work-check'
	$(call mmf_positive,check-fuzz,$(MMF_CHECK_TIME),$(MMF_SEED), \
	    $(MMF_OUT)/work-check,$(LOGS)/check-fuzz.log)
	$(foreach v,$(MMF_NEGATIVE),$(call mmf_negative,$(v)))
	@echo 'check-fuzz: 0 mismatches against our header;' \
	      '$(words $(MMF_NEGATIVE)) of $(words $(MMF_NEGATIVE)) negative' \
	      'controls found a mismatch'

fuzz: $(MMF_OUT)/fuzz-mm-locks-ours
	$(call mmf_positive,fuzz,$(MMF_FUZZ_TIME),$(MMF_FUZZ_SEED), \
	    $(MMF_OUT)/corpus,$(LOGS)/fuzz.log)

# Who gets the bias: test-bias against three builds of our header.
MMB_VARIANTS := ours nobias current
mmb_expect_nobias  := ^FAIL control.*ranks above the domU
mmb_expect_current := ^FAIL A .*called by A
mmb_about_nobias   := ours built with MM_LOCK_TEST_NO_BIAS
mmb_about_current  := ours with the bias given to the calling domain

define mmb_variant
$(MMB_OUT)/lib-$(1)/$(1)/libharness.a: FORCE
	@CFLAGS='-O2 -g' $$(MAKE) --no-print-directory -s -C $(MMF_SRC) \
	    lib-$(1) O='$(MMB_OUT)/lib-$(1)'

$(MMB_OUT)/test-bias-$(1): $(MMF_SRC)/test-bias.c $(MMF_SRC)/harness.h \
        $(MMB_OUT)/lib-$(1)/$(1)/libharness.a
	@mkdir -p $$(@D)
	$(CC) -O2 -g -std=gnu11 -Wall -Wextra -Werror -I$(MMF_SRC) \
	    -DBIAS_VARIANT='"$(1)"' $$< $(MMB_OUT)/lib-$(1)/$(1)/libharness.a \
	    -o $$@
endef
$(foreach v,$(MMB_VARIANTS),$(eval $(call mmb_variant,$(v))))

# $(call mmb_negative,VARIANT): test-bias must fail, and where expected.
define mmb_negative
@if out=$$($(MMB_OUT)/test-bias-$(1)); then \
    echo 'negative control $(1): FAIL: test-bias passes against' \
         '$(mmb_about_$(1))' >&2; \
    exit 1; \
fi; \
if ! printf '%s\n' "$$out" | grep -q '$(mmb_expect_$(1))'; then \
    printf '%s\n' "$$out" | grep '^FAIL' >&2; \
    echo 'negative control $(1): FAIL: test-bias fails, but not on' \
         '/$(mmb_expect_$(1))/' >&2; \
    exit 1; \
fi; \
echo 'negative control $(1) ($(mmb_about_$(1))): test-bias fails, as it' \
     "must: $$(printf '%s\n' "$$out" | tail -n 1); first failures:"; \
printf '%s\n' "$$out" | grep '$(mmb_expect_$(1))' | head -n 2 | \
    cut -c 1-150 | sed 's/^/    /'

endef

check-bias: $(foreach v,$(MMB_VARIANTS),$(MMB_OUT)/test-bias-$(v))
	$(foreach v,nobias current,$(call mmb_negative,$(v)))
	@$(MMB_OUT)/test-bias-ours
