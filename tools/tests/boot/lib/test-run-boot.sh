#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-run-boot: run-boot.sh's retry rule against a stand-in runner
# that plays one scripted outcome per run (no emulator). A run lost to a
# dom0 triple fault with no hypervisor error is retried, at most
# BOOT_FLAKE_RETRIES times; a triple fault after a hypervisor error, or any
# other failure, or a guest's triple fault at its own RIP, stands on its
# first run. The cases that must not be retried are the rule's negative
# controls.
#
# usage: test-run-boot.sh WORK-DIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# = 1 ] || { echo "usage: $0 WORK-DIR" >&2; exit 2; }
work=$1
rm -rf "$work"
mkdir -p "$work"

# The stand-in: run N plays word N of $FAKE_RUNS into --log.
cat > "$work/fake-runner.sh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
log=''
while [ $# -ge 2 ]; do
    [ "$1" != --log ] || log=$2
    shift 2
done
n=$(( $(cat "$FAKE_COUNT" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$FAKE_COUNT"
read -r -a runs <<< "$FAKE_RUNS"
case ${runs[$((n - 1))]:-missing} in
    pass) echo 'CHECK basic: PASS' > "$log"; exit 0 ;;
    triple) printf '%s\n' 'CHECK basic: PASS' \
        '(XEN) d0v0 Triple fault - invoking HVM shutdown action 1' > "$log" ;;
    bug-then-triple) printf '%s\n' \
        '(XEN) mm locking order violation on CPU0: p2m of d0 (16)' \
        '(XEN) d0v1 Triple fault - invoking HVM shutdown action 1' > "$log" ;;
    guest-host-state) printf '%s\n' 'CHECK migrate.live-1: PASS' \
        '(XEN) d2v0 Triple fault - invoking HVM shutdown action 1' \
        '(XEN) *** Dumping Dom2 vcpu#0 state: ***' \
        '(XEN) CPU:    0' \
        '(XEN) RIP:    e008:[<ffff82d0402043fb>]' \
        'CHECK migrate.live-2: FAIL' > "$log" ;;
    guest-own-state) printf '%s\n' 'CHECK migrate.live-1: PASS' \
        '(XEN) d2v0 Triple fault - invoking HVM shutdown action 1' \
        '(XEN) *** Dumping Dom2 vcpu#0 state: ***' \
        '(XEN) CPU:    0' \
        '(XEN) RIP:    0008:[<00000000001031a4>]' \
        'CHECK migrate.live-2: FAIL' > "$log" ;;
    fail) echo 'CHECK basic: FAIL' > "$log" ;;
    *) echo "fake runner: no outcome for run $n" > "$log" ;;
esac
exit 1
EOF
chmod +x "$work/fake-runner.sh"

failures=0
# case NAME "OUTCOMES" WANT-STATUS WANT-RUNS
case_() {
    local name=$1 dir=$work/$1 status=0 runs
    mkdir -p "$dir"
    BOOT_RUNNER=$work/fake-runner.sh FAKE_RUNS=$2 FAKE_COUNT=$dir/count \
        BOOT_FLAKE_RETRIES=2 "$here/run-boot.sh" --xen x --log "$dir/log" \
        > "$dir/out" 2>&1 || status=$?
    runs=$(cat "$dir/count")
    if [ "$status" = "$3" ] && [ "$runs" = "$4" ] &&
       [ "$(find "$dir" -name 'log.flake*' | wc -l)" = $(($4 - 1)) ]; then
        echo "    PASS $name: exit $status after $runs run(s)"
    else
        echo "    FAIL $name: exit $status after $runs run(s)," \
             "want exit $3 after $4 (output: $dir/out)"
        failures=$((failures + 1))
    fi
}

echo '==> run-boot.sh: the retry rule, on a stand-in runner'
case_ flake-then-pass "triple pass" 0 2
case_ flake-every-run "triple triple triple" 1 3
case_ pass "pass" 0 1
case_ guest-with-xen-state "guest-host-state pass" 0 2
# Negative controls: what must stand on its first run.
case_ hypervisor-error "bug-then-triple pass" 1 1
case_ check-failure "fail pass" 1 1
case_ guest-own-triple-fault "guest-own-state pass" 1 1
grep -q 'retry 1 of 2' "$work/flake-then-pass/out" || {
    echo "    FAIL flake-then-pass: the retry is not said"
    failures=$((failures + 1))
}
[ "$failures" = 0 ] || { echo "run-boot.sh: $failures case(s) failed" >&2; exit 1; }
echo '==> run-boot.sh: PASS, 7 cases'
