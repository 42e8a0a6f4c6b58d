# shellcheck shell=bash disable=SC2034 # the RECIPE_* are for the sourcing script
# How debian/rules builds the hypervisor, for build-xen.sh; source it.
#   debian_recipe TREE TOP  sets, for a tree with debian/ (Debian's unpacked
#                           source package), Debian's recipe, else nothing:
#     RECIPE_NAME           debian | upstream
#     RECIPE_KCONFIG        the .config to start from (debian/xen-kconfig)
#     RECIPE_ARGS           make arguments (make_args_xen of debian/rules)
#     RECIPE_CFLAGS         EXTRA_CFLAGS_XEN_CORE (its prefix maps)
#     RECIPE_ENV            env(1) arguments: the variables debian/rules
#                           exports to the build and the ones it undefines
#     RECIPE_DEB_VERSION    the DEB_VERSION the banner shows (Debian patch
#                           0003): the package's own for the pristine tree,
#                           with +mmlocks appended for any other commit
# debian/rules passes the same make arguments to the config step, since
# Kconfig probes the compiler.

RECIPE_NAME=upstream
RECIPE_KCONFIG=
RECIPE_ARGS=()
RECIPE_CFLAGS=
RECIPE_ENV=()
RECIPE_DEB_VERSION=

debian_recipe()
{
    local tree=$1 top=$2 epoch maintainer name email head pristine

    [[ -f $tree/debian/changelog && -f $tree/debian/rules ]] || return 0
    command -v dpkg-parsechangelog >/dev/null ||
        die "missing tool dpkg-parsechangelog (dpkg-dev); run \`make deps\`"
    RECIPE_NAME=debian
    [[ ! -f $tree/debian/xen-kconfig ]] || RECIPE_KCONFIG=$tree/debian/xen-kconfig
    RECIPE_ARGS=(CC=x86_64-linux-gnu-gcc LD=x86_64-linux-gnu-ld
                 XEN_COMPILE_ARCH=x86_64 XEN_TARGET_ARCH=x86_64 V=1)
    # debian/rules maps its top directory to "." in an in-tree build, where
    # the compiler sees xen/'s files by relative paths (arch/x86/mm/p2m.c):
    # out of tree it sees $tree/xen/..., so map that to the same relative
    # names. x86's usercopy.c does `#include __FILE__`, which the quote
    # path $tree/xen then finds.
    RECIPE_CFLAGS="-ffile-prefix-map=$tree/xen/= -fdebug-prefix-map=$tree/xen/="
    RECIPE_CFLAGS+=" -iquote $tree/xen"

    RECIPE_DEB_VERSION=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version)
    epoch=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Timestamp)
    maintainer=$(sed -n 's/^Maintainer: //p' "$tree/debian/control")
    head=$(git -C "$tree" --git-dir=.git rev-parse -q --verify HEAD 2>/dev/null || true)
    pristine=$(git -C "$tree" --git-dir=.git rev-parse -q --verify \
        'pristine^{commit}' 2>/dev/null || true)
    if [[ -z $head || $head != "$pristine" ]]; then
        # Not Debian's build: its banner must not name Debian's team.
        RECIPE_DEB_VERSION+=+mmlocks
        name=$(git -C "$top" config user.name || true)
        email=$(git -C "$top" config user.email || true)
        [[ -z $name || -z $email ]] || maintainer="$name <$email>"
    fi
    RECIPE_ENV=(-u CFLAGS -u CXXFLAGS -u FFLAGS -u CPPFLAGS -u LDFLAGS
        "DEB_VERSION=$RECIPE_DEB_VERSION" "DEB_MAINTAINER=$maintainer"
        "SOURCE_DATE_EPOCH=$epoch"
        "XEN_BUILD_DATE=$(LC_ALL=C date -u -d "@$epoch")"
        "XEN_BUILD_TIME=$(LC_ALL=C date -u -d "@$epoch" +%T)"
        WGET=/bin/false GIT=/bin/false)
}
