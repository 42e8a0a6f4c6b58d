#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs in the test dom0: starts the toolstack's daemons, creates the test
# guest, live-migrates it to localhost MIGRATIONS times, then saves and
# restores it, then shuts it down.  After each step the guest must run
# under a new domain id, have come back from exactly one more suspend, have
# advanced its counter, and have verified a whole sweep of its memory with
# no mismatch (see guest/mig-guest.c).
#
# Negative control: with MIGRATE_CORRUPT_PAGE=N (e.g. on the dom0 kernel
# command line), the receiving side of each live migration flips bits in
# page N of the guest's pattern area (shim.c), and the check of
# the first migration must fail.  Prints `CHECK migrate.<step>: PASS`
# or `FAIL` per step and ends with `RESULT: PASS` or `RESULT: FAIL`.
set -euo pipefail

lib=/usr/lib/migrate-test
name=mig-guest
migrations=${MIGRATIONS:-3}
sweep_timeout=${SWEEP_TIMEOUT:-180}
heartbeat_every=30
work=/tmp/migrate-test

log() { echo "migrate: $*"; }

step=toolstack

fail() {
    log "FAIL: $*"
    echo "CHECK migrate.$step: FAIL"
    echo "RESULT: FAIL"
    exit 1
}
trap 'fail "command failed at line $LINENO"' ERR

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The guest's latest line of a kind, from Xen's console ring.
guest_line() {
    xl dmesg | tr -d '\r' | grep -a "(d$1) mig-guest: $2" | tail -n 1 || true
}

field() {
    sed -n "s/.* $2=\\([0-9a-f]*\\).*/\\1/p" <<<"$1"
}

guest_domid() {
    xl domid "$name" 2>/dev/null || true
}

# Waits until domain $1 reports a pass >= $2; sets $status to that line.
wait_pass() {
    local domid=$1 want=$2 deadline
    deadline=$((SECONDS + sweep_timeout))
    status=
    while [ $SECONDS -lt $deadline ]; do
        status=$(guest_line "$domid" pass=)
        if [ -n "$status" ] && [ "$(field "$status" pass)" -ge "$want" ]; then
            return 0
        fi
        sleep 1
    done
    fail "domain $domid did not report pass $want within ${sweep_timeout}s" \
         "(last: ${status:-nothing})"
}

# The guest is up under a new domain id, has come back from suspend
# $2 times, has finished the sweep under way when it resumed and then a
# whole sweep after it, and has found no mismatch.  Sets $domid, $counter,
# $pass and $down_ms.
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
    wait_pass "$domid" 1
    wait_pass "$domid" $(($(field "$status" pass) + 1))
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
        log "$label: $((SECONDS - start))s, libxl-save MiB:$(save_process_io)," \
            "last log-dirty op: $(tail -n 1 "$trace" 2>/dev/null |
                                  cut -d' ' -f4,6,7 || true)," \
            "guest: $(xl dmesg | grep -a 'mig-guest: pass=' | tail -n 1 |
                      tr -d '\r' | cut -d' ' -f3-4)"
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

# 16 MiB hold the guest's 8 MiB pattern area and its image. Under QEMU
# a migration of it took 96-141 s and a save 71-85 s, of a 32 MiB guest
# 115-142 s and 82-97 s: most of the time is the toolstack's.
mkdir -p "$work"
cat >"$work/$name.cfg" <<EOF
name = "$name"
type = "pvh"
kernel = "$lib/mig-guest"
memory = ${GUEST_MEMORY_MIB:-16}
vcpus = 1
on_crash = "preserve"
EOF

t_total=$(now)
t=$(now)
log "starting xenstored and xenconsoled"
/etc/init.d/xen start >"$work/xen-start.log" 2>&1 ||
    fail "/etc/init.d/xen start failed: $(tail -n 5 "$work/xen-start.log")"
xl list >/dev/null || fail "xl list does not work"
log "toolstack up in $(since "$t")s"
echo "CHECK migrate.$step: PASS"

step=create
t=$(now)
run_xl create xl create "$work/$name.cfg"
check_guest none 0
log "created: domain $domid, counter $counter after pass $pass" \
    "in $(since "$t")s"
start_line=$(guest_line "$domid" start)
log "$start_line"
echo "CHECK migrate.$step: PASS"

corrupt_target=
if [ -n "${MIGRATE_CORRUPT_PAGE:-}" ]; then
    area=$(sed -n 's/.* area=\(0x[0-9a-f]*\).*/\1/p' <<<"$start_line")
    [[ $MIGRATE_CORRUPT_PAGE =~ ^[0-9]+$ && -n $area ]] ||
        fail "bad MIGRATE_CORRUPT_PAGE '$MIGRATE_CORRUPT_PAGE' or no area"
    corrupt_target=$(((area >> 12) + MIGRATE_CORRUPT_PAGE))
    log "negative control: each migration's receiver corrupts page" \
        "$MIGRATE_CORRUPT_PAGE of the guest's area (pfn $corrupt_target)"
fi

summary=()
suspends=0
for i in $(seq 1 "$migrations"); do
    step=live-$i
    before=$counter
    old=$domid
    log "migration $i of $migrations: domain $domid, counter $counter"
    t=$(now)
    corrupt_pfn=$corrupt_target
    run_xl "migrate-$i" xl -v migrate -s '' "$name" 'xl migrate-receive'
    corrupt_pfn=
    took=$(since "$t")
    suspends=$((suspends + 1))
    check_guest "$old" "$suspends"
    [ "$counter" -gt "$before" ] || fail "counter did not advance"
    line="migration $i: ${took}s, $(trace_figures "$work/migrate-$i.trace")"
    line+=", downtime ${down_ms}ms, domain $old -> $domid"
    summary+=("$line, counter $before -> $counter")
    log "${summary[-1]}"
    echo "CHECK migrate.$step: PASS"
done

before=$counter
old=$domid
step=save-restore
t=$(now)
run_xl save xl -v save "$name" "$work/$name.save"
save_took=$(since "$t")
[ -z "$(guest_domid)" ] || fail "guest still exists after xl save"
image_kib=$(du -k "$work/$name.save" | cut -f1)
t=$(now)
run_xl restore xl -v restore "$work/$name.save"
restore_took=$(since "$t")
suspends=$((suspends + 1))
check_guest "$old" "$suspends"
[ "$counter" -gt "$before" ] || fail "counter did not advance"
line="save ${save_took}s, $(trace_figures "$work/save.trace")"
line+=", image ${image_kib} KiB; restore ${restore_took}s"
line+="; downtime ${down_ms}ms, domain $old -> $domid"
summary+=("$line, counter $before -> $counter")
log "${summary[-1]}"
echo "CHECK migrate.$step: PASS"

step=shutdown
t=$(now)
timeout 120 xl shutdown -w "$name" >"$work/shutdown.log" 2>&1 ||
    fail "xl shutdown -w failed: $(tail -n 5 "$work/shutdown.log")"
# -w returns once the guest has shut down; xl's watcher then destroys it.
deadline=$((SECONDS + 60))
while [ -n "$(guest_domid)" ] && [ $SECONDS -lt $deadline ]; do
    sleep 1
done
[ -z "$(guest_domid)" ] || fail "guest still exists 60s after xl shutdown"
summary+=("shutdown: $(since "$t")s, the guest powered itself off")
echo "CHECK migrate.$step: PASS"

log "summary: $migrations live migrations, save + restore, shutdown," \
    "in $(since "$t_total")s; guest memory verified after each, 0 mismatches"
for line in "${summary[@]}"; do
    log "  $line"
done
# The checker's coverage tables (debug builds), for scripts/coverage: the
# key's handler runs within the hypercall; the pause lets the serial line
# drain before dom0 powers off.
if xl debug-keys K 2>/dev/null && xl dmesg | grep -q 'mm-cover: end '; then
    sleep 2
fi
echo "RESULT: PASS"
