#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot a hypervisor under QEMU (TCG) with a Linux dom0 and an initramfs,
# watch the serial log and decide pass or fail. QEMU is stopped as soon as
# a verdict or a fatal line shows up, or when the timeout expires.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)

usage() {
    cat >&2 <<EOF
usage: $0 --xen XEN_ELF --initrd INITRAMFS [--dom0 pvh|pv] [--mem MIB]
          [--dom0-mem MIB] [--timeout SEC] [--log PATH] [--xen-args 'extra']
          [--dom0-args 'extra'] [--kernel VMLINUZ]
          [--expect pass|violation[:ERE]|fail:CHECK-PREFIX|crash:TEXT]
  pass       the payload prints 'RESULT: PASS'; no hypervisor or dom0 crash
  violation  the hypervisor stops on an mm lock-order violation whose
             report names both the p2m and the paging lock
  violation:ERE
             the same, with a report that matches the extended regular
             expression ERE instead
  fail:P     the payload prints 'RESULT: FAIL' and every failed check's name
             starts with P (a negative control for that check); P may be
             several prefixes P1|P2, each of which must fail
  crash:T    the hypervisor or dom0 crashes, and T is in the log
The payload's /init should print 'INIT: dom0 userspace up' (for the boot
time) and, at the end, 'RESULT: PASS' or 'RESULT: FAIL'. QEMU=PATH picks
another QEMU binary.
EOF
    exit 2
}

xen='' initrd='' dom0=pvh mem=2048 dom0_mem=1024 timeout=240 log=''
xen_args='' dom0_args='' kernel=$top/build/kernel/vmlinuz expect=pass
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
        --xen) xen=$2 ;;
        --initrd) initrd=$2 ;;
        --dom0) dom0=$2 ;;
        --mem) mem=$2 ;;
        --dom0-mem) dom0_mem=$2 ;;
        --timeout) timeout=$2 ;;
        --log) log=$2 ;;
        --xen-args) xen_args=$2 ;;
        --dom0-args) dom0_args=$2 ;;
        --kernel) kernel=$2 ;;
        --expect) expect=$2 ;;
        *) usage ;;
    esac
    shift 2
done
if [ -z "$xen" ] || [ -z "$initrd" ]; then
    usage
fi
case $dom0 in pvh|pv) ;; *) usage ;; esac
case $expect in pass|violation|violation:?*|fail:?*|crash:?*) ;; *) usage ;; esac
for n in "$mem" "$dom0_mem" "$timeout"; do
    [[ $n =~ ^[0-9]+$ ]] || usage
done

if [ -z "$log" ]; then
    variant=$(basename "$(dirname "$xen")")
    log=$top/build/logs/boot-$variant-$dom0.log
fi
mkdir -p "$(dirname "$log")"
: > "$log"

# Report a failure: reason, tail of the log, its path; exit non-zero.
die() {
    echo "run-qemu: FAIL: $*" >&2
    if [ -s "$log" ]; then
        echo "---- last 40 lines of $log ----" >&2
        tail -n 40 "$log" | tr -d '\r' >&2
        echo "----" >&2
    fi
    echo "run-qemu: log: $log" >&2
    exit 1
}

qemu=${QEMU:-qemu-system-x86_64}
if ! command -v "$qemu" >/dev/null; then
    echo "$qemu not found" >> "$log"
    die "$qemu not found: install qemu-system-x86 ('make deps')"
fi
for f in "$xen" "$initrd" "$kernel"; do
    [ -r "$f" ] || die "cannot read $f"
done

xen_cmdline="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all"
# Room for the 'K' key's coverage tables in the console ring and on their
# way out of the serial line (each is 16 KiB by default).
xen_cmdline+=" conring_size=1M serial_tx_buffer=1M"
xen_cmdline+=" dom0_mem=${dom0_mem}M"
[ "$dom0" = pvh ] && xen_cmdline+=" dom0=pvh"
xen_cmdline+=${xen_args:+ $xen_args}
dom0_cmdline="console=hvc0 earlyprintk=xen${dom0_args:+ $dom0_args}"
# QEMU splits multiboot modules at ',': a literal comma is written ',,'.
modules="$kernel ${dom0_cmdline//,/,,},$initrd"

fatal_re='Xen BUG at|mm locking order violation|Panic on CPU|FATAL TRAP'
fatal_re+="|Assertion '.*' failed|Dom0 crashed|Kernel panic|Oops: "
fatal_re+='|kernel BUG at|BUG: |general protection fault'

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
seconds() {
    if [ -n "$1" ]; then
        printf '%d.%d s' $(($1 / 1000)) $(($1 % 1000 / 100))
    else
        echo "unknown (no 'INIT: dom0 userspace up' line)"
    fi
}

echo "run-qemu: booting $xen with a $dom0 dom0 (timeout ${timeout}s," \
     "log $log)"
start=$(now_ms)
"$qemu" -machine q35 -accel tcg -cpu qemu64,+svm,+npt -smp 2 \
    -device amd-iommu -m "$mem" -display none -no-reboot \
    -serial "file:$log" -kernel "$xen" -append "$xen_cmdline" \
    -initrd "$modules" > "$log.qemu" 2>&1 &
qemu_pid=$!
trap 'kill "$qemu_pid" 2>/dev/null || true' EXIT

outcome='' boot_ms='' run_ms='' next_progress=30
while :; do
    elapsed=$(( $(now_ms) - start ))
    if [ -z "$boot_ms" ] && grep -q 'INIT: dom0 userspace up' "$log"; then
        boot_ms=$elapsed
    fi
    if grep -qE "$fatal_re" "$log"; then
        # Let the backtrace and the held-locks list reach the log.
        sleep 2
        outcome=fatal
        break
    fi
    if grep -q 'RESULT: ' "$log"; then
        [ -n "$boot_ms" ] && run_ms=$(( elapsed - boot_ms ))
        outcome=verdict
        break
    fi
    if ! kill -0 "$qemu_pid" 2>/dev/null; then
        outcome=exited
        break
    fi
    if [ "$elapsed" -ge $(( timeout * 1000 )) ]; then
        outcome=timeout
        break
    fi
    if [ "$elapsed" -ge $(( next_progress * 1000 )) ]; then
        echo "run-qemu: ${next_progress}s, $(wc -l < "$log") log lines"
        next_progress=$(( next_progress + 30 ))
    fi
    sleep 0.2
done
qemu_status=0
if kill "$qemu_pid" 2>/dev/null; then
    wait "$qemu_pid" 2>/dev/null || true
else
    wait "$qemu_pid" 2>/dev/null || qemu_status=$?
fi
trap - EXIT

first_line() { grep -m1 -aE "$1" "$log" | tr -d '\r' || true; }
violation=$(first_line 'mm locking order violation')
fatal=$(first_line "$fatal_re")
failed_checks=$(grep -a '^CHECK [^:]*: FAIL' "$log" | tr -d '\r' || true)

case $outcome in
    timeout)
        if [ -z "$boot_ms" ]; then
            die "boot hang: dom0 userspace not up after ${timeout}s"
        fi
        die "client hang: no verdict ${timeout}s after start"
        ;;
    exited)
        [ -s "$log.qemu" ] && sed 's/^/qemu: /' "$log.qemu" >&2
        die "QEMU exited (status $qemu_status) before any verdict"
        ;;
esac

if [[ $expect == violation* ]]; then
    [ -n "$violation" ] ||
        die "expected an mm lock-order violation, none reported" \
            "(${fatal:-$(first_line 'RESULT: ')})"
    grep -qa 'Xen BUG at' "$log" ||
        die "lock-order violation reported without the Xen BUG"
    if [ "$expect" = violation ]; then
        [[ $violation == *p2m* && $violation == *paging* ]] ||
            die "the violation report does not name both the p2m and the" \
                "paging lock: '$violation'"
    else
        [[ $violation =~ ${expect#violation:} ]] ||
            die "the violation report does not match" \
                "'${expect#violation:}': '$violation'"
    fi
    echo "run-qemu: PASS: violation caught as expected: $violation"
    grep -a -A8 'mm locking order violation' "$log" | tr -d '\r' |
        sed 's/^/  /'
    echo "run-qemu: log: $log"
    exit 0
fi

if [[ $expect == crash:* ]]; then
    text=${expect#crash:}
    [ "$outcome" = fatal ] ||
        die "expected a crash with '$text'; the payload finished instead:" \
            "$(first_line 'RESULT: ')"
    grep -qaF -- "$text" "$log" ||
        die "crashed, but without '$text': $fatal"
    echo "run-qemu: PASS: crashed as expected: $fatal"
    echo "run-qemu: log: $log"
    exit 0
fi

if [ "$outcome" = fatal ]; then
    case $fatal in
        *"(XEN)"*|"Xen BUG"*|"mm locking"*|"Panic on"*|"FATAL TRAP"*)
            die "hypervisor crashed: $fatal" ;;
        *) die "dom0 crashed or locked up: $fatal" ;;
    esac
fi

checks_passed=$(grep -ac '^CHECK [^:]*: PASS' "$log" || true)
checks_failed=$(grep -ac '^CHECK [^:]*: FAIL' "$log" || true)
if [[ $expect == fail:* ]]; then
    prefixes=${expect#fail:}
    grep -qa 'RESULT: FAIL' "$log" ||
        die "negative control: the client passed, expected" \
            "'$prefixes' to fail"
    unexpected=$failed_checks
    IFS='|' read -ra prefix_list <<< "$prefixes"
    for prefix in "${prefix_list[@]}"; do
        grep -qF "CHECK $prefix" <<< "$failed_checks" ||
            die "negative control: no failed check named $prefix*"
        unexpected=$(grep -vF "CHECK $prefix" <<< "$unexpected" || true)
    done
    [ -z "$unexpected" ] ||
        die "negative control: other checks failed too: $unexpected"
    echo "run-qemu: PASS: negative control failed as expected" \
         "($checks_failed failed, $checks_passed passed):"
    echo "${failed_checks//CHECK/  CHECK}"
    echo "run-qemu: log: $log"
    exit 0
fi

if ! grep -qa 'RESULT: PASS' "$log"; then
    [ -n "$failed_checks" ] && echo "${failed_checks//CHECK/  CHECK}" >&2
    die "client failed: $checks_failed checks failed," \
        "$checks_passed passed"
fi

version=$(first_line '\(XEN\) Xen version ' | sed 's/.*Xen version //')
build_id=$(first_line '\(XEN\) build-id: ' | sed 's/.*build-id: //')
echo "run-qemu: PASS"
echo "  hypervisor:    $xen"
echo "  Xen version:   ${version:-unknown}"
echo "  build-id:      ${build_id:-unknown}"
echo "  dom0 mode:     $dom0"
echo "  checks passed: $checks_passed (0 failed)"
echo "  boot time:     $(seconds "$boot_ms") (QEMU start to dom0 /init)"
echo "  run time:      $(seconds "$run_ms") (dom0 /init to verdict)"
echo "  log:           $log"
