# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The runner and this file set and read each other's variables:
# shellcheck disable=SC2034,SC2154
#
# What the boot runners (run-qemu.sh, run-bochs.sh) share, sourced by
# both: their common options, the hypervisor's and dom0's command lines,
# the watch over the serial log (verdict, fatal line, exit, timeout), the
# verdict against --expect, and the report of a failure (reason, the log's
# tail, its path).
#
# The runner sets, before sourcing:
#   runner              its name, the prefix of its messages
#   runner_log_prefix   the default log's name: <prefix>-<variant>-<dom0>.log
#   runner_usage_more   usage lines of its own options (may be empty)
# and defines:
#   runner_option NAME VALUE   0 if it took the option, 1 if not
#   runner_alive               0 while the emulator runs
#   runner_stop                stop the emulator; sets runner_status
#   runner_exited_detail       what to show when the emulator exited early

boot_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)

boot_usage() {
    [ $# -gt 0 ] && echo "$runner: $*" >&2
    cat >&2 <<EOF
usage: $0 --xen XEN_ELF --initrd INITRAMFS [--dom0 pvh|pv] [--mem MIB]
          [--dom0-mem MIB] [--timeout SEC] [--log PATH] [--xen-args 'extra']
          [--dom0-args 'extra'] [--kernel VMLINUZ]
          [--expect pass|violation[:ERE]|fail:CHECK-PREFIX|crash:TEXT]
$runner_usage_more
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
time) and, at the end, 'RESULT: PASS' or 'RESULT: FAIL'.
EOF
    exit 2
}

# Sets xen initrd dom0 mem dom0_mem timeout log xen_args dom0_args kernel
# expect from the arguments; exits 2 with a message on bad usage.
boot_parse_args() {
    xen="" initrd="" dom0=pvh mem=2048 dom0_mem=1024 log=""
    timeout=${runner_default_timeout:-240}
    xen_args='' dom0_args='' kernel=$boot_top/build/kernel/vmlinuz
    expect=pass
    while [ $# -gt 0 ]; do
        [ $# -ge 2 ] || boot_usage "option $1 needs a value"
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
            *) runner_option "$1" "$2" || boot_usage "unknown option $1" ;;
        esac
        shift 2
    done
    [ -n "$xen" ] || boot_usage "--xen is required"
    [ -n "$initrd" ] || boot_usage "--initrd is required"
    case $dom0 in pvh|pv) ;; *) boot_usage "--dom0 must be pvh or pv" ;; esac
    case $expect in
        pass|violation|violation:?*|fail:?*|crash:?*) ;;
        *) boot_usage "bad --expect '$expect'" ;;
    esac
    local n
    for n in "$mem" "$dom0_mem" "$timeout"; do
        [[ $n =~ ^[0-9]+$ ]] || boot_usage "not a number: '$n'"
    done
    if [ -z "$log" ]; then
        log=$boot_top/build/logs/$runner_log_prefix-$(basename \
            "$(dirname "$xen")")-$dom0.log
    fi
    mkdir -p "$(dirname "$log")"
    : > "$log"
}

# Report a failure: reason, tail of the log, its path; exit non-zero.
die() {
    echo "$runner: FAIL: $*" >&2
    if [ -s "$log" ]; then
        echo "---- last 40 lines of $log ----" >&2
        tail -n 40 "$log" | tr -d '\r' >&2
        echo "----" >&2
    fi
    echo "$runner: log: $log" >&2
    exit 1
}

# The hypervisor's command line (xen_cmdline) and dom0's (dom0_cmdline).
boot_cmdlines() {
    xen_cmdline="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all"
    # Room for the 'K' key's coverage tables in the console ring and on
    # their way out of the serial line (each is 16 KiB by default).
    xen_cmdline+=" conring_size=1M serial_tx_buffer=1M"
    xen_cmdline+=" dom0_mem=${dom0_mem}M"
    [ "$dom0" = pvh ] && xen_cmdline+=" dom0=pvh"
    xen_cmdline+=${xen_args:+ $xen_args}
    dom0_cmdline="console=hvc0 earlyprintk=xen${dom0_args:+ $dom0_args}"
}

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

# Watches the log from boot_start (ms) until a verdict, a fatal line, the
# emulator's exit or the timeout; sets outcome, boot_ms, run_ms and
# stops the emulator. With boot_times=PATH, each new CHECK line is
# written there with the wall time it appeared at.
boot_watch() {
    local elapsed next_progress=30 seen=0 n
    outcome='' boot_ms='' run_ms=''
    [ -z "${boot_times:-}" ] || : > "$boot_times"
    while :; do
        elapsed=$(( $(now_ms) - boot_start ))
        if [ -z "$boot_ms" ] && grep -q 'INIT: dom0 userspace up' "$log"
        then
            boot_ms=$elapsed
        fi
        if [ -n "${boot_times:-}" ]; then
            # Complete lines only: the last one may be half written.
            n=$(head -n "$(wc -l < "$log")" "$log" | grep -ac '^CHECK ' ||
                true)
            if [ "$n" -gt "$seen" ]; then
                head -n "$(wc -l < "$log")" "$log" | grep -a '^CHECK ' |
                    tr -d '\r' | sed -n "$((seen + 1)),${n}p" |
                    cut -d' ' -f2-3 |
                    sed "s/^/$(seconds "$elapsed") /" >> "$boot_times"
                seen=$n
            fi
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
        if ! runner_alive; then
            outcome=exited
            break
        fi
        if [ "$elapsed" -ge $(( timeout * 1000 )) ]; then
            outcome=timeout
            break
        fi
        if [ "$elapsed" -ge $(( next_progress * 1000 )) ]; then
            echo "$runner: ${next_progress}s, $(wc -l < "$log") log lines"
            next_progress=$(( next_progress + 30 ))
        fi
        sleep 0.2
    done
    wall_ms=$(( $(now_ms) - boot_start ))
    runner_stop
}

first_line() { grep -m1 -aE "$1" "$log" | tr -d '\r' || true; }

# The verdict on the log against $expect; exits. Extra lines for the
# PASS summary come from runner_summary, if defined.
boot_verdict() {
    local violation fatal failed_checks checks_passed checks_failed
    local text prefixes unexpected prefix prefix_list version build_id
    violation=$(first_line 'mm locking order violation')
    fatal=$(first_line "$fatal_re")
    failed_checks=$(grep -a '^CHECK [^:]*: FAIL' "$log" | tr -d '\r' ||
                    true)

    case $outcome in
        timeout)
            if [ -z "$boot_ms" ]; then
                die "boot hang: dom0 userspace not up after ${timeout}s"
            fi
            die "client hang: no verdict ${timeout}s after start"
            ;;
        exited)
            runner_exited_detail
            die "$runner_name exited (status $runner_status) before any" \
                "verdict"
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
                die "the violation report does not name both the p2m and" \
                    "the paging lock: '$violation'"
        else
            [[ $violation =~ ${expect#violation:} ]] ||
                die "the violation report does not match" \
                    "'${expect#violation:}': '$violation'"
        fi
        echo "$runner: PASS: violation caught as expected: $violation"
        grep -a -A8 'mm locking order violation' "$log" | tr -d '\r' |
            sed 's/^/  /'
        boot_times_summary
        echo "$runner: log: $log"
        exit 0
    fi

    if [[ $expect == crash:* ]]; then
        text=${expect#crash:}
        [ "$outcome" = fatal ] ||
            die "expected a crash with '$text'; the payload finished" \
                "instead: $(first_line 'RESULT: ')"
        grep -qaF -- "$text" "$log" ||
            die "crashed, but without '$text': $fatal"
        echo "$runner: PASS: crashed as expected: $fatal"
        boot_times_summary
        echo "$runner: log: $log"
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
        echo "$runner: PASS: negative control failed as expected" \
             "($checks_failed failed, $checks_passed passed):"
        echo "${failed_checks//CHECK/  CHECK}"
        boot_times_summary
        echo "$runner: log: $log"
        exit 0
    fi

    if ! grep -qa 'RESULT: PASS' "$log"; then
        [ -n "$failed_checks" ] && echo "${failed_checks//CHECK/  CHECK}" >&2
        die "client failed: $checks_failed checks failed," \
            "$checks_passed passed"
    fi

    version=$(first_line '\(XEN\) Xen version ' | sed 's/.*Xen version //')
    build_id=$(first_line '\(XEN\) build-id: ' | sed 's/.*build-id: //')
    echo "$runner: PASS"
    echo "  hypervisor:    $xen"
    echo "  Xen version:   ${version:-unknown}"
    echo "  build-id:      ${build_id:-unknown}"
    echo "  dom0 mode:     $dom0"
    echo "  checks passed: $checks_passed (0 failed)"
    echo "  boot time:     $(seconds "$boot_ms") ($runner_name start to" \
         "dom0 /init)"
    echo "  run time:      $(seconds "$run_ms") (dom0 /init to verdict)"
    boot_times_summary
    echo "  log:           $log"
    exit 0
}

# With boot_times set: the whole run's wall time and each check's.
boot_times_summary() {
    [ -n "${boot_times:-}" ] || return 0
    [ "$expect" = pass ] ||
        echo "  boot time:     $(seconds "$boot_ms") ($runner_name start" \
             "to dom0 /init)"
    echo "  wall time:     $(seconds "$wall_ms") ($runner_name start to" \
         "verdict)"
    echo "  checks, by the wall time each appeared at ($boot_times):"
    sed 's/^/    /' "$boot_times"
    # Per group of checks (the name up to its first '.'): from the
    # previous group's last check, or from dom0's /init, to its last.
    echo "  wall time per group of checks (from the previous one's end):"
    awk -v start="${boot_ms:-0}" '
        {
            t = $1 * 1000; split($3, name, ".")
            if (!(name[1] in last)) order[n++] = name[1]
            last[name[1]] = t
        }
        END {
            prev = start
            for (i = 0; i < n; i++) {
                printf "    %-12s %6.1f s\n", order[i],
                       (last[order[i]] - prev) / 1000
                prev = last[order[i]]
            }
        }' "$boot_times"
}
