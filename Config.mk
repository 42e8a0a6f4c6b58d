# Pinned inputs and knobs of the build. Any of them can be set on the make
# command line, e.g. `make JOBS=4` or `make XEN_SRC=$HOME/xen`.

# The Xen source: Debian's `xen` source package, unpacked with Debian's
# patches. Empty XEN_DEB_VERSION: the newest version that bookworm,
# bookworm-updates and bookworm-security list and whose files download
# (the choice is kept for DEBIAN_INDEX_MAX_AGE seconds). Set it to pin
# one version; `make` stops and names the versions offered when it is gone.
XEN_DEB_SOURCE  ?= xen
XEN_DEB_VERSION ?=
DEBIAN_INDEX_MAX_AGE ?= 21600
DEBIAN_SUITE    ?= bookworm
DEBIAN_SUITES   ?= $(DEBIAN_SUITE) $(DEBIAN_SUITE)-updates
DEBIAN_KEYRING  ?= /usr/share/keyrings/debian-archive-keyring.gpg

# Empty: take the archive URI from this machine's own apt sources (the
# entry serving $(DEBIAN_SUITE)/main from Debian). Set it to use another
# Debian mirror. No host name is written down here on purpose.
DEBIAN_MIRROR ?=
# Empty: the machine's apt entry for $(DEBIAN_SUITE)-security, if any.
DEBIAN_SECURITY_MIRROR ?=

# Your own Xen 4.17 tree, used as the pristine input instead of Debian's.
XEN_SRC ?=

# Upstream Xen from git instead of Debian's source:
#   make XEN_GIT=<URL or path of a xen.git> XEN_REF=<branch or tag>
# The fetched commit must be XEN_GIT_COMMIT, by default the pin below of the
# ref being fetched; a ref without a pin takes whatever commit it is at, and
# so does XEN_GIT_COMMIT= on the command line. docs/lines.md has the rest.
XEN_GIT ?=
XEN_REF ?=
XEN_GIT_PIN_staging     := c447b7308b1330ec6dcfef37220736c28f41daa0
XEN_GIT_PIN_stable-4.20 := 9611e26eff425be128d4b9c7b48f2bc6b5d3498e
XEN_GIT_COMMIT ?= $(XEN_GIT_PIN_$(XEN_REF))
# Upstream's public repository, for the lines' checks when the snapshot
# ../shared/xen.git beside the project is not there.
XEN_GIT_UPSTREAM ?= https://xenbits.xen.org/git-http/xen.git

# The directory of patches to apply; empty: the one for the tree's Xen
# version (scripts/patch-dir.sh).
XEN_PATCHES ?=

# Parallel jobs of one hypervisor build.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

# Seconds: network timeout of one archive request, limit of the whole
# fetch, and limit of one hypervisor build (about 65 s on 2 cores).
FETCH_TIMEOUT    ?= 30
FETCH_TIME_LIMIT ?= 600
BUILD_TIMEOUT    ?= 1800

# ccache for the hypervisor builds: the variants of one tree (debug,
# nobias-debug, notier-debug) differ in the few objects that include
# mm-locks.h and take the rest from the cache; the other builds have
# nothing to share and go without it. Empty: use ccache when it is
# installed; yes: require it; no: never. The cache is build output, in
# XEN_CCACHE_DIR.
XEN_CCACHE     ?=
XEN_CCACHE_DIR ?= $(TOP)/build/ccache
export XEN_CCACHE XEN_CCACHE_DIR
DEPS_PKGS += ccache

# Seconds between progress lines of long steps.
PROGRESS_EVERY ?= 10

# Debian packages the fetch, apply and hypervisor build need.
DEPS_PKGS += build-essential binutils make flex bison python3 \
             dpkg-dev git xz-utils gzip ca-certificates gnupg gpgv \
             debian-archive-keyring util-linux coreutils diffutils shellcheck
