# Debian's own build as the reference for ours.
#   make pristine-release     Debian's patched tree, release .config,
#                             built the way debian/rules does
#   make check-debian-binary  Debian's binary xen-hypervisor-4.17-amd64 (and
#                             -dbg) of the version we build against our
#                             release and pristine-release: .config and
#                             symbols, with negative controls

DEPS_PKGS     += apt dpkg dpkg-dev binutils coreutils lsb-release
CHECK_TARGETS += check-debian-binary

xen_tree_pristine-release  := pristine
xen_debug_pristine-release := n
$(eval $(call xen_variant_rules,pristine-release))

.PHONY: pristine-release check-debian-binary

check-debian-binary: $(OUT)/pristine-release/xen $(OUT)/release/xen
	@TOP='$(TOP)' BUILD='$(BUILD)' FETCH_TIMEOUT='$(FETCH_TIMEOUT)' \
	    FETCH_TIME_LIMIT='$(FETCH_TIME_LIMIT)' \
	    $(SCRIPTS)/debian-binary/check.sh
