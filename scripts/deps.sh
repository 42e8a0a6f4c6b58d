#!/usr/bin/env bash
# Debian packages the project needs.
#   deps.sh check LOGDIR PKG...    fail, naming the missing ones
#   deps.sh install LOGDIR PKG...  apt-get install the missing ones; runs
#                                  apt-get update only when apt does not
#                                  know a package or the install fails
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# >= 2 )) || die "usage: $0 check|install LOGDIR PKG..."
MODE=$1 LOG=$2/deps.log
shift 2

missing_packages()
{
    local installed p

    # dpkg-query fails when it does not know a package; that one is missing.
    installed=$({ dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' \
        "$@" 2>/dev/null || true; } | awk '$2 == "ii" { print $1 }')
    for p in "$@"; do
        grep -qxF -- "${p%%:*}" <<<"$installed" || printf '%s\n' "$p"
    done
}

# True when apt has an installation candidate for every package.
apt_knows_all()
{
    local known

    known=$(apt-cache policy -- "$@" 2>/dev/null | awk '
        /^[^ ].*:$/ { pkg = substr($0, 1, length($0) - 1) }
        /^  Candidate:/ && $2 != "(none)" { print pkg }' | sort -u | wc -l)
    (( known == $# ))
}

apt_install()
{
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends -o Dpkg::Options::=--force-confdef \
        -o Dpkg::Options::=--force-confold "$@"
}

install()
{
    local updated=n

    if ! apt_knows_all "$@"; then
        msg "deps: apt-get update (apt does not know some of: $*)"
        run_logged "apt-get update" "$LOG.update" apt-get update ||
            die "apt-get update failed; log: $LOG.update"
        updated=y
    fi
    msg "deps: apt-get install $* (log: $LOG)"
    if ! run_logged "apt-get install" "$LOG" apt_install "$@"; then
        [[ $updated == n ]] || die "apt-get install failed; log: $LOG"
        msg "deps: install failed; retrying after apt-get update"
        run_logged "apt-get update" "$LOG.update" apt-get update ||
            die "apt-get update failed; log: $LOG.update"
        run_logged "apt-get install" "$LOG" apt_install "$@" ||
            die "apt-get install failed; log: $LOG"
    fi
}

(( $# )) || { msg "deps: no packages declared"; exit 0; }
command -v dpkg-query >/dev/null || die "dpkg-query not found: this needs Debian 12"
mapfile -t missing < <(missing_packages "$@")

case $MODE in
check)
    (( ${#missing[@]} == 0 )) ||
        die "missing Debian packages: ${missing[*]}; run \`make deps\` (as root) first"
    msg "deps: all $# declared packages are installed"
    ;;
install)
    if (( ${#missing[@]} == 0 )); then
        msg "deps: all $# packages are installed"
        exit 0
    fi
    (( EUID == 0 )) ||
        die "installing ${missing[*]} needs root: run \`make deps\` as root"
    mkdir -p "$(dirname "$LOG")"
    install "${missing[@]}"
    mapfile -t missing < <(missing_packages "$@")
    (( ${#missing[@]} == 0 )) ||
        die "still missing after apt-get install: ${missing[*]}; log: $LOG"
    msg "deps: all $# packages are installed"
    ;;
*)
    die "usage: $0 check|install LOGDIR PKG..."
    ;;
esac
