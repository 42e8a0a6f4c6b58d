#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Which mm-lock sites and nestings the boot tests reached.

The inventory: every use of an mm-lock wrapper or order constraint
(p2m_lock, gfn_lock, p2m_read_lock, pod_lock, paging_lock, ...) in
xen/arch/x86/mm of a Xen tree, with the function it is in, found over the
source; code that the build's .config compiles out is marked so, and so
is code that QEMU's AMD emulation cannot run (VMX and EPT, altp2m and
mem_access, which are VMX-only in Xen 4.17).

The coverage: the 'K' key's tables ("mm-cover: site|edge|end" lines, from
mm-locks.c in a debug build) in the serial logs given.  A site is reached
when a log counts an acquisition of one of its classes in its function.

With --vmx-log, the logs of boots on an Intel CPU with VMX and EPT (the
Bochs boots of tools/tests/boot/vmx.mk) are read too, and the sites that
QEMU's AMD CPU cannot run count as reachable: those such a log reached
are counted as reached instead of being called unreachable, and the
others are listed as not reached.

usage: report.py --tree XEN_DIR --config DOT_CONFIG [--min-percent P]
                 [--vmx-log LOG]... [--vmx-min-percent P] LOG...
Exits 1 when a log holds no complete dump, a dump dropped entries, fewer
than P% of the reachable sites were reached, or (with --vmx-log) fewer
than the --vmx-min-percent of the VMX-only sites; 2 on bad usage.
"""

import argparse
import collections
import os
import re
import sys

# Each wrapper, and the classes its acquisition is recorded as.
WRAPPERS = {
    'p2m_lock': {'p2m', 'altp2m'},
    'gfn_lock': {'p2m', 'altp2m'},
    'gfn_lock_if': {'p2m', 'altp2m'},
    'p2m_read_lock': {'p2m'},
    'pod_lock': {'pod'},
    'paging_lock': {'paging'},
    'paging_lock_recursive': {'paging'},
    'nestedp2m_lock': {'nestedp2m'},
    'altp2m_list_lock': {'altp2mlist'},
    'page_alloc_mm_post_lock': {'page_alloc'},
    'page_sharing_mm_post_lock': {'per_page_sharing'},
}
WRAPPER_RE = re.compile(r'\b(%s)\s*\(' % '|'.join(
    sorted(WRAPPERS, key=len, reverse=True)))
# Xen style: a function's body opens with '{' alone in column 0.
FUNC_NAME_RE = re.compile(r'\b([A-Za-z_]\w*)\s*\(')

# Why a site cannot run under QEMU's TCG, which emulates AMD SVM only.
UNREACHABLE_FILES = {
    'p2m-ept.c': 'VMX/EPT only (QEMU emulates AMD SVM)',
    'altp2m.c': 'altp2m is VMX-only in Xen 4.17',
    'mem_access.c': 'mem_access is VMX-only in Xen 4.17',
}
UNREACHABLE_FUNCS = [
    (re.compile(r'altp2m'), 'altp2m is VMX-only in Xen 4.17'),
    (re.compile(r'mem_access|access_required'),
     'mem_access is VMX-only in Xen 4.17'),
    (re.compile(r'(^|_)ept_|suppress_ve'),
     'VMX/EPT only (QEMU emulates AMD SVM)'),
]
# Why a reachable site may stay unreached: what no workload does yet.
UNREACHED_WHY = [
    (re.compile(r'nested|np2m'),
     'nested HVM: no workload runs a guest hypervisor'),
    (re.compile(r'pod|populate_on_demand|decrease_reservation'),
     'populate-on-demand: off the PoD workload\'s path (sweeps, broken '
     'pages)'),
    (re.compile(r'audit'), 'the p2m audit domctl: no workload runs it'),
]
# Files whose whole content a Kconfig symbol builds.
CONFIG_FILES = {
    'mem_sharing.c': 'CONFIG_MEM_SHARING',
    'mem_paging.c': 'CONFIG_MEM_PAGING',
}

Site = collections.namedtuple('Site', 'file line func wrapper state reason')


def strip_comments(text):
    """Blanks comments and strings, keeping line numbers."""
    def blank(m):
        return re.sub(r'[^\n]', ' ', m.group(0))
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"', blank, text,
                  flags=re.S)


def config_symbols(path):
    enabled = set()
    with open(path) as f:
        for line in f:
            m = re.match(r'(CONFIG_\w+)=[ym]', line)
            if m:
                enabled.add(m.group(1))
    return enabled


def condition_on(cond, enabled):
    """The value of a simple #if condition on CONFIG_ symbols; None if it
    is not one (then the region is taken as built)."""
    cond = cond.strip()
    m = re.fullmatch(r'(!)?\s*(?:defined\s*\(?\s*|IS_ENABLED\s*\(\s*)?'
                     r'(CONFIG_\w+)\s*\)?', cond)
    if not m:
        return None
    value = m.group(2) in enabled
    return not value if m.group(1) else value


def built_lines(lines, enabled):
    """For each line, whether the preprocessor keeps it."""
    stack = []                      # (this branch on, some branch taken)
    kept = []
    for raw in lines:
        line = raw.strip()
        on = all(s[0] for s in stack)
        m = re.match(r'#\s*(ifdef|ifndef|if|elif|else|endif)\b(.*)', line)
        if m:
            kind, rest = m.group(1), m.group(2)
            if kind in ('ifdef', 'ifndef'):
                sym = rest.strip()
                value = (sym in enabled) if sym.startswith('CONFIG_') \
                    else True
                if kind == 'ifndef' and sym.startswith('CONFIG_'):
                    value = not value
                stack.append((value, value))
            elif kind == 'if':
                value = condition_on(rest, enabled)
                value = True if value is None else value
                stack.append((value, value))
            elif kind == 'elif' and stack:
                value = condition_on(rest, enabled)
                value = True if value is None else value
                taken = stack[-1][1]
                stack[-1] = (value and not taken, taken or value)
            elif kind == 'else' and stack:
                taken = stack[-1][1]
                stack[-1] = (not taken, True)
            elif kind == 'endif' and stack:
                stack.pop()
        kept.append(on)
    return kept


def inventory(tree, enabled):
    mm = os.path.join(tree, 'arch', 'x86', 'mm')
    if not os.path.isdir(mm):
        sys.exit(f'report.py: {mm} is not a directory (a Xen tree\'s xen/?)')
    sites = []
    for root, _, files in os.walk(mm):
        for name in sorted(files):
            if not name.endswith(('.c', '.h')) or name.startswith('mm-locks'):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, tree)
            with open(path, errors='replace') as f:
                raw = f.read().split('\n')
            lines = strip_comments('\n'.join(raw)).split('\n')
            kept = built_lines(raw, enabled)
            header, func = [], None
            for no, line in enumerate(lines, 1):
                if line.startswith('{'):
                    m = FUNC_NAME_RE.search(' '.join(header))
                    func = m.group(1) if m else None
                    header = []
                elif line.startswith('}'):
                    func, header = None, []
                elif line.startswith('#'):
                    header = []
                elif line and not line[0].isspace() and func is None:
                    header = [] if line.rstrip().endswith(';') else \
                        header + [line]
                if func is None or line.lstrip().startswith('#'):
                    continue
                for m in WRAPPER_RE.finditer(line):
                    wrapper = m.group(1)
                    state, reason = 'reachable', ''
                    if name in CONFIG_FILES and \
                            CONFIG_FILES[name] not in enabled:
                        state = 'compiled-out'
                        reason = f'{CONFIG_FILES[name]} is not set'
                    elif not kept[no - 1]:
                        state, reason = 'compiled-out', 'under an #if the ' \
                            '.config leaves out'
                    elif name in UNREACHABLE_FILES:
                        state = 'unreachable'
                        reason = UNREACHABLE_FILES[name]
                    else:
                        for pattern, why in UNREACHABLE_FUNCS:
                            if pattern.search(func):
                                state, reason = 'unreachable', why
                                break
                    sites.append(Site(rel, no, func, wrapper, state, reason))
    return sites


def read_logs(paths):
    """Sites {(func, class): count} and edges {fields: count} of the logs."""
    sites = collections.Counter()
    edges = collections.Counter()
    problems = []
    for path in paths:
        try:
            with open(path, errors='replace') as f:
                text = f.read()
        except OSError as e:
            problems.append(f'{path}: {e.strerror}')
            continue
        ends = re.findall(r'mm-cover: end sites=(\d+) edges=(\d+) '
                          r'dropped=(\d+)', text)
        if not ends:
            problems.append(f'{path}: no coverage dump (the \'K\' key of a '
                            'debug build)')
            continue
        if int(ends[-1][2]):
            problems.append(f'{path}: the dump dropped {ends[-1][2]} entries')
        # A later dump of the same boot includes the earlier ones.
        last = text.rfind("'K' pressed -> mm lock coverage")
        for line in text[last:].splitlines():
            line = line.replace('\r', '')
            m = re.search(r'mm-cover: site (\S+) (\S+) (\S+) (\d+)$', line)
            if m:
                sites[(m.group(1), m.group(2).split('+')[0])] += \
                    int(m.group(4))
                continue
            m = re.search(r'mm-cover: edge (\S+) (\S+) (\S+) > (\S+) (\S+) '
                          r'(\S+) cross=(\d) tiebreak=(\d) tier=(\d) '
                          r'xen417=(\w+) (\d+)$', line)
            if m:
                edges[m.groups()[:10]] += int(m.group(11))
    return sites, edges, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--tree', required=True)
    ap.add_argument('--config', required=True)
    ap.add_argument('--min-percent', type=float, default=0.0)
    ap.add_argument('--vmx-log', action='append', default=[])
    ap.add_argument('--vmx-min-percent', type=float, default=0.0)
    ap.add_argument('logs', nargs='+')
    args = ap.parse_args()
    logs = args.logs + [v for v in args.vmx_log if v not in args.logs]

    enabled = config_symbols(args.config)
    sites = inventory(args.tree, enabled)
    seen, edges, problems = read_logs(logs)
    if not sites:
        problems.append(f'no mm-lock sites found in {args.tree}')
    # On an Intel CPU the VMX-only sites are reachable.
    vmx_sites = set()
    if args.vmx_log:
        sites = [s._replace(state='vmx') if s.state == 'unreachable'
                 else s for s in sites]
        vmx_sites = {s for s in sites if s.state == 'vmx'}
        sites = [s._replace(state='reachable', reason='') if
                 s.state == 'vmx' else s for s in sites]
        vmx_sites = {s._replace(state='reachable', reason='')
                     for s in vmx_sites}

    reached = {s for s in sites
               if any((s.func, c) in seen for c in WRAPPERS[s.wrapper])}
    countable = [s for s in sites if s.state == 'reachable']
    n_reached = len([s for s in countable if s in reached])
    by_state = collections.Counter(s.state for s in sites)
    pct = 100.0 * n_reached / len(countable) if countable else 0.0

    print(f'mm-lock coverage from {len(logs)} boot log(s), '
          f'{len(sites)} sites in {args.tree}/arch/x86/mm')
    print(f'  sites reached: {n_reached} of {len(countable)} ({pct:.0f}%) '
          f'outside unreachable and compiled-out code; '
          f'{by_state["unreachable"]} unreachable here, '
          f'{by_state["compiled-out"]} compiled out, '
          f'{len([s for s in sites if s.state != "reachable" and s in reached])}'
          ' of those reached')
    if args.vmx_log:
        n_vmx = len([s for s in vmx_sites if s in reached])
        vmx_pct = 100.0 * n_vmx / len(vmx_sites) if vmx_sites else 0.0
        print(f'  VMX-only sites (EPT, altp2m, mem_access), counted above '
              f'as reachable on the Intel CPU of {len(args.vmx_log)} VMX '
              f'log(s): {n_vmx} of {len(vmx_sites)} reached '
              f'({vmx_pct:.0f}%)')
        if vmx_pct < args.vmx_min_percent:
            problems.append(f'{vmx_pct:.0f}% of the VMX-only sites '
                            f'reached, below the '
                            f'{args.vmx_min_percent:.0f}% required')
    print('  per file (reached/reachable):')
    per_file = collections.defaultdict(lambda: [0, 0])
    for s in countable:
        per_file[s.file][1] += 1
        per_file[s.file][0] += s in reached
    for f in sorted(per_file):
        print(f'    {f}: {per_file[f][0]}/{per_file[f][1]}')

    cross = [e for e in edges if e[6] == '1']
    tiebreak = [e for e in edges if e[7] == '1']
    tier = [e for e in edges if e[8] == '1']
    rejected = [e for e in edges if e[9] == 'rejects']
    print(f'  edges seen: {len(edges)}; across domains {len(cross)}, '
          f'ordered by the domain-id tie-break {len(tiebreak)}, '
          f'legal by a tier (control domain or device model) {len(tier)}, '
          f'rejected by Xen 4.17\'s rule {len(rejected)}')
    for title, group in (('legal by a tier', tier),
                         ('rejected by Xen 4.17\'s rule', rejected),
                         ('ordered by the tie-break', tiebreak)):
        if group:
            print(f'  edges {title}:')
            for e in sorted(group):
                print(f'    {e[0]} {e[1]} {e[2]} > {e[3]} {e[4]} {e[5]}'
                      f' ({edges[e]}x)')

    print('  sites not reached:')
    for s in sorted(sites, key=lambda s: (s.state != 'reachable', s.file,
                                           s.line)):
        if s in reached:
            continue
        if s in vmx_sites:
            print(f'    {s.file}:{s.line} {s.func} {s.wrapper}: VMX-only, '
                  'no workload of the VMX boot reaches it')
            continue
        why = s.reason or next((w for p, w in UNREACHED_WHY
                                if p.search(s.func) or p.search(s.file)),
                               'no workload reaches it')
        print(f'    {s.file}:{s.line} {s.func} {s.wrapper}: {why}')

    if pct < args.min_percent:
        problems.append(f'{pct:.0f}% of the reachable sites reached, below '
                        f'the {args.min_percent:.0f}% required')
    for p in problems:
        print(f'report.py: {p}', file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
