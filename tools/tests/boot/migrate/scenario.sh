#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs in the test dom0: starts the toolstack's daemons, then for each
# guest in MIGRATE_GUESTS (default pvh,pv), in that order, creates it
# and live-migrates it to localhost: the PVH guest, on two vCPUs,
# MIGRATIONS times (default 1) and then saves and restores it (unless
# SAVE_RESTORE=0); the PV guest PV_MIGRATIONS times (default 2).  Then it
# shuts the guest down.
# After each step the guest must run under a new domain id, have come back
# from exactly one more suspend, have advanced its counter, and have
# verified a whole sweep of its memory on every vCPU with no mismatch (see
# guest/mig-guest.c).
#
# Negative control: with MIGRATE_CORRUPT_PAGE=N (e.g. on the dom0 kernel
# command line), the receiving side of each live migration flips bits in
# page N of the guest's pattern area (shim.c), and the check of each
# guest's first migration must fail; a guest whose check failed is
# destroyed and the next one runs.  Prints `CHECK migrate.<step>: PASS`
# or `FAIL` per step (the PV guest's steps are pv-<step>) and ends with
# `RESULT: PASS` or `RESULT: FAIL`.
set -euo pipefail

lib=/usr/lib/migrate-test
guests=${MIGRATE_GUESTS:-pvh,pv}
migrations=${MIGRATIONS:-1}
pv_migrations=${PV_MIGRATIONS:-2}
save_restore=${SAVE_RESTORE:-1}
console_dir=/var/log/xen/console
sweep_timeout=${SWEEP_TIMEOUT:-180}
heartbeat_every=30
work=/tmp/migrate-test

log() { echo "migrate: $*"; }

step=toolstack

# Ends the step, and the guest's subshell if there is one (see the end).
fail() {
    log "FAIL: $*"
    echo "CHECK migrate.$step: FAIL"
    [ "$BASH_SUBSHELL" != 0 ] || echo "RESULT: FAIL"
    exit 1
}
trap 'fail "command failed at line $LINENO"' ERR

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# What the guest under test has printed: a PVH guest's debug console is
# in Xen's console ring, a PV guest's console in xenconsoled's files (one
# per name the domain had: a migration's receiving end is first named
# NAME--incoming).  Its lines carry their domain's id either way.
guest_lines() {
    if [ "$guest_type" = pv ]; then
        cat "$console_dir"/guest-*.log 2>/dev/null || true
    else
        xl dmesg
    fi | tr -d '\r'
}

# The guest's latest line of a kind.
guest_line() {
    guest_lines | grep -a "(d$1) mig-guest: $2" | tail -n 1 || true
}

field() {
    sed -n "s/.* $2=\\([0-9a-f]*\\).*/\\1/p" <<<"$1"
}

guest_domid() {
    xl domid "$name" 2>/dev/null || true
}

# Waits until every vCPU of domain $1 has finished 2 sweeps since the
# guest started or last resumed (the sweep under way, then a whole one):
# the status line's settled >= 2.  Sets $status to that line.
wait_settled() {
    local domid=$1 deadline
    deadline=$((SECONDS + sweep_timeout))
    status=
    while [ $SECONDS -lt $deadline ]; do
        status=$(guest_line "$domid" pass=)
        if [ -n "$status" ] && [ "$(field "$status" settled)" -ge 2 ]; then
            return 0
        fi
        sleep 1
    done
    fail "domain $domid's vCPUs did not all finish 2 sweeps within" \
         "${sweep_timeout}s (last: ${status:-nothing})"
}

# The guest is up under a new domain id, has come back from suspend
# $2 times, each of its vCPUs has finished the sweep under way when it
# resumed and then a whole sweep after it, and it has found no mismatch.
# Sets $domid, $counter, $pass and $down_ms.
check_guest() {
    local old_domid=$1 want_suspends=$2 state resumed
    domid=$(guest_domid)
    [ -n "$domid" ] || fail "guest $name no longer exists"
    [ "$domid" != "$old_domid" ] ||
        fail "guest kept domain id $domid: it was not moved"
    state=$(xl list "$name" | awk 'NR == 2 { print $5 }')
    case $state in
        *c*|*s*|*p*|*d*) fail "guest domain $domid is in state '$state'" ;;
    esac
    wait_settled "$domid"
    if [ "$(field "$status" bad)" != 0 ] && [ "$guest_type" = pv ]; then
        # Xen's log has a PVH guest's console, not a PV guest's.
        guest_lines | grep -a "(d$domid) mig-guest: MISMATCH" | head -n 4
    fi
    [ "$(field "$status" bad)" = 0 ] ||
        fail "guest found corrupted memory: $status" \
             "($(cat "$work"/*.trace 2>/dev/null | grep -c '^corrupt ' ||
                 true) copies of the page corrupted on purpose)"
    [ "$(field "$status" suspends)" = "$want_suspends" ] ||
        fail "guest reports $(field "$status" suspends) suspends," \
             "expected $want_suspends: $status"
    counter=$(field "$status" counter)
    pass=$(field "$status" pass)
    down_ms=-
    if [ "$want_suspends" != 0 ]; then
        resumed=$(guest_line "$domid" resumed)
        down_ms=$(field "$resumed" down_ms)
    fi
}

# Figures from the trace shim: every interval between two log-dirty
# operations in which the saver sent pages is a round; the first round
# sends all of the guest's memory, each later one what a CLEAN found dirty.
trace_figures() {
    awk '
        $1 != "logdirty" { next }
        {
            for (i = 2; i <= NF; i++) {
                split($i, kv, "=")
                f[kv[1]] = kv[2]
            }
        }
        f["op"] == "clean" { cleans++ }
        f["sent"] > 0 {
            rounds++
            total += f["sent"]
            list = list (list == "" ? "" : "+") f["sent"]
        }
        END {
            printf "rounds=%d pages-sent=%d (%s) log-dirty-cleans=%d",
                   rounds, total, list == "" ? "-" : list, cleans
        }' "$1" 2>/dev/null || echo "rounds=? (no trace)"
}

# What the toolstack's save/restore processes (libxl-save-helper) have
# read and written so far, in MiB.
save_process_io() {
    local pid io=
    for pid in $(pgrep -f libxl-save-helper || true); do
        io+=" $(awk '$1 == "rchar:" { r = $2 } $1 == "wchar:" { w = $2 }
                     END { printf "r%.1f/w%.1f", r / 1048576, w / 1048576 }' \
                    "/proc/$pid/io" 2>/dev/null || true)"
    done
    echo "${io:- none}"
}

heartbeat() {
    local label=$1 trace=$2 start=$SECONDS
    while sleep "$heartbeat_every"; do
        log "$label: $((SECONDS - start))s," \
            "libxl-save MiB:$(save_process_io)," \
            "last log-dirty op: $(tail -n 1 "$trace" 2>/dev/null |
                                  cut -d' ' -f4,6,7 || true)," \
            "guest: $(guest_lines | grep -a 'mig-guest: pass=' | tail -n 1 |
                      cut -d' ' -f3-4)"
    done
}

# Runs an xl command with the log-dirty trace, showing its output as it
# comes and keeping it in $work/$label.log, with a heartbeat meanwhile.
run_xl() {
    local label=$1 hb ok=1
    shift
    heartbeat "$label" "$work/$label.trace" &
    hb=$!
    if ! LD_PRELOAD=$lib/migrate-shim.so \
         MIGRATE_TRACE=$work/$label.trace \
         MIGRATE_CORRUPT_PFN=${corrupt_pfn:-} "$@" 2>&1 |
         tee "$work/$label.log" | sed -u 's/^/    | /'; then
        ok=0
    fi
    kill "$hb" 2>/dev/null || true
    wait "$hb" 2>/dev/null || true
    [ $ok = 1 ] || fail "'$*' failed (log: $work/$label.log)"
}

# The PVH guest's vCPUs dirty memory at once, each in its own part of the
# area; the guest itself brings up all but vCPU 0.  The PV guest is the
# same program on one vCPU (guest/pv.c).  16 MiB hold the 8 MiB pattern
# area and the image.  Under QEMU a migration of the PVH guest took
# 96-141 s and a save 71-85 s, of a 32 MiB one 115-142 s and 82-97 s: most
# of the time is the toolstack's.
# A line of the summary: said now and again at the end.
summarise() {
    log "$*"
    echo "$*" >>"$work/summary"
}

write_config() {
    local type=$1 vcpus=$2 kernel=$3
    cat >"$work/$name.cfg" <<EOF
name = "$name"
type = "$type"
kernel = "$kernel"
memory = ${GUEST_MEMORY_MIB:-16}
vcpus = $vcpus
on_crash = "preserve"
EOF
}

# Creates the guest and checks that it runs on $guest_vcpus vCPUs; sets
# up the negative control.
create_guest() {
    local t start_line area_pfn
    step=${prefix}create
    t=$(now)
    run_xl "${prefix}create" xl create "$work/$name.cfg"
    check_guest none 0
    log "created $name: domain $domid, counter $counter after pass $pass" \
        "in $(since "$t")s"
    start_line=$(guest_line "$domid" start)
    log "$start_line"
    if [ "$(field "$start_line" vcpus)" != "$guest_vcpus" ] ||
       [ "$(xl vcpu-list "$name" | awk '$5 ~ /[rb]/' | wc -l)" != \
         "$guest_vcpus" ]; then
        fail "the guest does not run on $guest_vcpus vCPUs: $start_line;" \
             "$(xl vcpu-list "$name" | tr '\n' ';')"
    fi
    echo "CHECK migrate.$step: PASS"

    corrupt_target=
    [ -n "${MIGRATE_CORRUPT_PAGE:-}" ] || return 0
    area_pfn=$(field "$start_line" area_pfn)
    [[ $MIGRATE_CORRUPT_PAGE =~ ^[0-9]+$ && -n $area_pfn ]] ||
        fail "bad MIGRATE_CORRUPT_PAGE '$MIGRATE_CORRUPT_PAGE' or no area"
    corrupt_target=$((area_pfn + MIGRATE_CORRUPT_PAGE))
    log "negative control: each migration's receiver corrupts page" \
        "$MIGRATE_CORRUPT_PAGE of the $guest_type guest's area" \
        "(pfn $corrupt_target)"
}

live_migrations() {
    local i t took before old line
    for i in $(seq 1 "$1"); do
        step=${prefix}live-$i
        before=$counter
        old=$domid
        log "migration $i of $1 of $name: domain $domid, counter $counter"
        t=$(now)
        corrupt_pfn=$corrupt_target
        run_xl "${prefix}migrate-$i" \
            xl -v migrate -s '' "$name" 'xl migrate-receive'
        corrupt_pfn=
        took=$(since "$t")
        suspends=$((suspends + 1))
        check_guest "$old" "$suspends"
        [ "$counter" -gt "$before" ] || fail "counter did not advance"
        line="$guest_type migration $i: ${took}s,"
        line+=" $(trace_figures "$work/${prefix}migrate-$i.trace")"
        line+=", downtime ${down_ms}ms, domain $old -> $domid"
            summarise "$line, counter $before -> $counter"
        echo "CHECK migrate.$step: PASS"
    done
}

save_restore() {
    local t save_took restore_took image_kib before=$counter old=$domid line
    step=${prefix}save-restore
    t=$(now)
    run_xl "${prefix}save" xl -v save "$name" "$work/$name.save"
    save_took=$(since "$t")
    [ -z "$(guest_domid)" ] || fail "guest still exists after xl save"
    image_kib=$(du -k "$work/$name.save" | cut -f1)
    t=$(now)
    run_xl "${prefix}restore" xl -v restore "$work/$name.save"
    restore_took=$(since "$t")
    suspends=$((suspends + 1))
    check_guest "$old" "$suspends"
    [ "$counter" -gt "$before" ] || fail "counter did not advance"
    line="$guest_type save ${save_took}s,"
    line+=" $(trace_figures "$work/${prefix}save.trace")"
    line+=", image ${image_kib} KiB; restore ${restore_took}s"
    line+="; downtime ${down_ms}ms, domain $old -> $domid"
    summarise "$line, counter $before -> $counter"
    echo "CHECK migrate.$step: PASS"
}

shutdown_guest() {
    local t deadline
    step=${prefix}shutdown
    t=$(now)
    timeout 120 xl shutdown -w "$name" >"$work/${prefix}shutdown.log" 2>&1 ||
        fail "xl shutdown -w failed:" \
             "$(tail -n 5 "$work/${prefix}shutdown.log")"
    # -w returns once the guest has shut down; xl's watcher then destroys it.
    deadline=$((SECONDS + 60))
    while [ -n "$(guest_domid)" ] && [ $SECONDS -lt $deadline ]; do
        sleep 1
    done
    [ -z "$(guest_domid)" ] ||
        fail "guest still exists 60s after xl shutdown"
    summarise "$guest_type shutdown: $(since "$t")s, the guest powered" \
              "itself off"
    echo "CHECK migrate.$step: PASS"
}

mkdir -p "$work" "$console_dir"
t_total=$(now)
t=$(now)
log "starting xenstored and xenconsoled"
# xenconsoled keeps each guest's console in a file: the PV guest's output.
echo "XENCONSOLED_ARGS=\"--log=guest --log-dir=$console_dir\"" \
    >>/etc/default/xen
/etc/init.d/xen start >"$work/xen-start.log" 2>&1 ||
    fail "/etc/init.d/xen start failed: $(tail -n 5 "$work/xen-start.log")"
xl list >/dev/null || fail "xl list does not work"
log "toolstack up in $(since "$t")s"
echo "CHECK migrate.$step: PASS"

# One guest's steps, run in a subshell so that a failed check ends the
# guest's steps and not, in the negative control, the next guest's.
run_guest() {
    set -e
    trap 'fail "command failed at line $LINENO"' ERR
    suspends=0
    case $guest_type in
        pvh)
            name=mig-guest prefix='' guest_vcpus=2
            write_config pvh "$guest_vcpus" "$lib/mig-guest"
            create_guest
            live_migrations "$migrations"
            [ "$save_restore" = 0 ] || save_restore
            ;;
        pv)
            name=mig-guest-pv prefix=pv- guest_vcpus=1
            write_config pv "$guest_vcpus" "$lib/mig-guest-pv"
            create_guest
            live_migrations "$pv_migrations"
            ;;
        *)
            fail "MIGRATE_GUESTS: no guest type '$guest_type' (pvh, pv)"
            ;;
    esac
    shutdown_guest
}

: >"$work/summary"
failed=0
for guest_type in ${guests//,/ }; do
    # Neither -e nor the ERR trap may end this shell when the guest's ends.
    trap - ERR
    set +e
    (run_guest)
    status=$?
    set -e
    trap 'fail "command failed at line $LINENO"' ERR
    [ "$status" = 0 ] && continue
    failed=1
    [ -n "${MIGRATE_CORRUPT_PAGE:-}" ] || break
    for name in mig-guest mig-guest-pv; do
        xl destroy "$name" >/dev/null 2>&1 || true
    done
done
if [ "$failed" = 1 ]; then
    echo "RESULT: FAIL"
    exit 1
fi

log "summary: guests $guests, the steps below, in $(since "$t_total")s;" \
    "guest memory verified after each, 0 mismatches"
while read -r line; do
    log "  $line"
done <"$work/summary"
# The checker's coverage tables (debug builds), for scripts/coverage: the
# key's handler runs within the hypercall; the pause lets the serial line
# drain before dom0 powers off.
if xl debug-keys K 2>/dev/null && xl dmesg | grep -q 'mm-cover: end '; then
    sleep 2
fi
echo "RESULT: PASS"
