#!/usr/bin/env python3
"""Check our hypervisor C against what a tool can judge of Xen's CODING_STYLE.

  style-check.py --top TOP --pristine XEN_PRISTINE --work DIR
      the .c/.h files in TOP/xen/MANIFEST (every line, and the SPDX line
      and emacs footer of a new file), then the C lines that each of
      TOP/patches/*.patch adds, applied in order onto the pristine tree
      plus our files (only added lines are judged: the context is
      upstream's)
  style-check.py --self-test --work DIR
      negative control: a scratch file with one violation of each rule
      must report exactly those, and a clean one nothing

Rules: no tabs, no trailing white space, lines under 80 characters, only
/* */ comments, multi-line comments with their markers on lines of their
own and '*' leaders, `if ( x )` spacing for if/while/for/switch, braces on
lines of their own (bar `do {`), statements indented in multiples of 4
(continuation lines are free), and for new files an SPDX first line and
the emacs footer.  Prints `path:line: rule: message` and exits 1 on any.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

MAX_LEN = 79
KEYWORDS = re.compile(r"\b(if|while|for|switch)\b(\s*)\(")
SPDX = re.compile(r"^/\* SPDX-License-Identifier: \S[^*]* \*/$")
FOOTER = """/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
"""
LABEL = re.compile(r"^[A-Za-z_]\w*:$")
LABEL_OR_CASE = re.compile(r"^(case\b.*|default|[A-Za-z_]\w*)\s*:$")
CONTROL_BRACE = re.compile(r"^(\}\s*)?(if|else|for|while|switch)\b.*\{$")
OPEN_AFTER_PAREN = re.compile(r"\)\s*\{$")   # a function's or a statement's
STATEMENT_ENDS = (";", "{", "}", ":", ")", "else", "do")
# A line that starts with one of these continues an expression.
CONTINUES = re.compile(r"^(\?|:(?!:)|&&|\|\||\||\^|==|!=|=|<|>|,)")


def lex(text):
    """Blank comments and literal contents, keeping columns and newlines.

    Returns the blanked text and the comments as (start, end) offsets
    (end just past the closing marker), and the offsets of // comments.
    """
    out = list(text)
    comments, cxx = [], []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        two = text[i:i + 2]
        if two == "/*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            comments.append((i, end))
            for j in range(i, end):
                if out[j] != "\n":
                    out[j] = " "
            i = end
        elif two == "//":
            end = text.find("\n", i)
            end = n if end < 0 else end
            cxx.append(i)
            for j in range(i, end):
                out[j] = " "
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                if text[j] == "\\":
                    out[j] = " "
                    j += 1
                if j < n and text[j] != "\n":
                    out[j] = " "
                j += 1
            i = j + 1
        else:
            i += 1
    return "".join(out), comments, cxx


def string_crosses(line, column):
    """CODING_STYLE: user-visible strings are not split, so a line may run
    long inside a string literal that starts before the limit."""
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"', line):
        if m.start() < column < m.end():
            return True
    return False


def line_of(starts, offset):
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def check_text(text, new_file):
    """Yield (line number from 1, rule, message) for text."""
    lines = text.split("\n")
    code, comments, cxx = lex(text)
    code_lines = code.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    for no, line in enumerate(lines, 1):
        if "\t" in line:
            yield no, "tab", "tab character (indent with spaces)"
        if line != line.rstrip():
            yield no, "trailing-space", "trailing white space"
        if len(line) > MAX_LEN and not string_crosses(line, MAX_LEN):
            yield no, "line-length", "%d characters (at most %d)" % (
                len(line), MAX_LEN)

    for off in cxx:
        yield line_of(starts, off) + 1, "c++-comment", "// comment"

    yield from check_comments(text, starts, comments)
    yield from check_keywords(code, starts)
    yield from check_lines(lines, code_lines, comments, starts)

    if new_file:
        if not SPDX.match(lines[0]):
            yield 1, "spdx", "a new file starts with /* SPDX-License-Identifier: ... */"
        if not text.endswith("\n" + FOOTER) or text.endswith("\n\n"):
            yield len(lines), "emacs-footer", \
                "a file ends with the emacs local-variables block"


def check_comments(text, starts, comments):
    for begin, end in comments:
        first = line_of(starts, begin)
        last = line_of(starts, max(begin, end - 1))
        if first == last:
            continue
        body = text[begin:end].split("\n")
        before = text[starts[first]:begin]
        if before.strip() or body[0][2:].strip("*").strip():
            yield first + 1, "comment-block", \
                "a multi-line comment opens with /* on a line of its own"
        for k, middle in enumerate(body[1:-1], first + 2):
            if middle.strip() and not middle.lstrip().startswith("*"):
                yield k, "comment-block", \
                    "each line of a multi-line comment begins with '*'"
        if body[-1].strip() != "*/":
            yield last + 1, "comment-block", \
                "a multi-line comment closes with */ on a line of its own"


def matching_paren(code, open_at):
    depth = 0
    for j in range(open_at, len(code)):
        if code[j] == "(":
            depth += 1
        elif code[j] == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def check_keywords(code, starts):
    for m in KEYWORDS.finditer(code):
        no = line_of(starts, m.start()) + 1
        word, space = m.group(1), m.group(2)
        paren = m.end() - 1
        close = matching_paren(code, paren)
        inner_ok = (close is not None and code[paren + 1] in " \n"
                    and code[close - 1] in " \n")
        if space != " " or not inner_ok:
            yield no, "keyword-space", \
                "write `%s ( condition )`: one space after %s and inside " \
                "the parentheses" % (word, word)


def last_significant(code_line):
    stripped = code_line.rstrip()
    if stripped.endswith("\\"):
        stripped = stripped[:-1].rstrip()
    for word in ("else", "do"):
        if re.search(r"\b%s$" % word, stripped):
            return word
    return stripped[-1:] if stripped else ""


def check_lines(lines, code_lines, comments, starts):
    """Braces, and indentation of the lines that start a statement."""
    inside_comment = set()
    for begin, end in comments:
        first = line_of(starts, begin)
        last = line_of(starts, max(begin, end - 1))
        inside_comment.update(range(first + 1, last + 1))
    depth, saved_depth = 0, 0
    prev_end = ";"
    in_directive = False
    for i, (raw, code) in enumerate(zip(lines, code_lines)):
        stripped = code.strip()
        head = not in_directive and stripped.startswith("#")
        if head:
            saved_depth = depth
        indent = len(raw) - len(raw.lstrip(" "))
        if (raw.strip() and i not in inside_comment and not head
                and depth == 0 and prev_end in STATEMENT_ENDS
                and indent % 4 and not LABEL.match(stripped)
                and not CONTINUES.match(stripped)):
            yield i + 1, "indent", \
                "indented by %d spaces, not a multiple of 4" % indent
        body = stripped[:-1].rstrip() if stripped.endswith("\\") else stripped
        if not head and (CONTROL_BRACE.match(body) or OPEN_AFTER_PAREN.search(body)) \
                and not re.match(r"^(\}\s*)?do\b", body):
            yield i + 1, "brace", "the opening brace goes on a line of its own"
        elif re.match(r"^\}\s*else\b", body):
            yield i + 1, "brace", "else goes on the line after the closing brace"

        for ch in code:
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth = max(0, depth - 1)
        if stripped:
            prev_end = ";" if head else last_significant(code)
            if prev_end == ":" and not LABEL_OR_CASE.match(body):
                prev_end = "?:"     # a conditional expression goes on
        if head or in_directive:
            in_directive = code.rstrip().endswith("\\")
            if not in_directive:
                depth, prev_end = saved_depth, ";"


def report(label, text, new_file, only_lines=None):
    found = []
    for no, rule, message in check_text(text, new_file):
        if only_lines is not None and no not in only_lines:
            continue
        found.append((no, rule, message))
    lines = text.split("\n")
    for no, rule, message in sorted(set(found)):
        print("%s:%d: %s: %s" % (label, no, rule, message))
        print("    %s" % lines[no - 1] if no <= len(lines) else "")
    return len(set(found))


def git(work, *args, **kwargs):
    return subprocess.run(["git", "-C", work, *args], check=True,
                          capture_output=True, text=True, **kwargs).stdout


def manifest(top):
    with open(os.path.join(top, "xen", "MANIFEST")) as f:
        return [l.strip() for l in f
                if l.strip() and not l.strip().startswith("#")]


def is_c(path):
    return path.endswith((".c", ".h"))


def added_lines(diff):
    """{path: (set of added line numbers, new file?)} of a -U0 diff."""
    files, path = {}, None
    for line in diff.split("\n"):
        if line.startswith("diff --git "):
            path = line.split(" b/", 1)[1]
            files[path] = (set(), False)
        elif line.startswith("new file mode") and path:
            files[path] = (files[path][0], True)
        elif line.startswith("@@") and path:
            m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
            first, count = int(m.group(1)), int(m.group(2) or 1)
            files[path][0].update(range(first, first + count))
    return files


def check_patches(top, pristine, work):
    """Apply our files and patches onto the pristine tree in a scratch
    index, and judge the C lines each patch adds."""
    repo = os.path.join(work, "repo")
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout",
                    pristine, repo], check=True)
    git(repo, "read-tree", "pristine")
    for path in manifest(top):
        blob = git(repo, "hash-object", "-w",
                   os.path.join(top, path)).strip()
        git(repo, "update-index", "--add", "--cacheinfo",
            "100644,%s,%s" % (blob, path))
    patches_dir = os.path.join(top, "patches")
    names = sorted(p for p in os.listdir(patches_dir) if p.endswith(".patch")) \
        if os.path.isdir(patches_dir) else []
    violations, judged = 0, 0
    for name in names:
        before = git(repo, "write-tree").strip()
        try:
            git(repo, "apply", "--cached", os.path.join(patches_dir, name))
        except subprocess.CalledProcessError as e:
            print("patches/%s: does not apply: %s" % (name, e.stderr.strip()))
            return violations + 1, judged
        after = git(repo, "write-tree").strip()
        diff = git(repo, "diff", "-U0", "--no-renames", before, after)
        count = 0
        for path, (lines, new) in added_lines(diff).items():
            if not is_c(path) or not lines:
                continue
            text = git(repo, "show", "%s:%s" % (after, path))
            count += len(lines)
            violations += report("patches/%s: %s" % (name, path), text,
                                 new, lines)
        judged += count
        print("style: patches/%s: %d added C lines judged" % (name, count))
    return violations, judged


def check_owned(top):
    violations = 0
    for path in manifest(top):
        if not is_c(path):
            continue
        with open(os.path.join(top, path)) as f:
            text = f.read()
        found = report(path, text, True)
        violations += found
        print("style: %s: %d lines, %s" % (
            path, text.count("\n"), "%d violations" % found if found else "ok"))
    return violations


BAD = {
    # (line, rule) -> line text; line 1 has no SPDX, the end no footer.
    (1, "spdx"): "/* no licence here */",
    (3, "tab"): "\tint tabbed;",
    (4, "trailing-space"): "int trailing; ",
    (5, "line-length"): "int long_line; /* " + "x" * 60 + " */",
    (6, "c++-comment"): "int cxx; // a C++ comment",
    (8, "brace"): "void f(int x) {",
    (9, "keyword-space"): "    if (x)",
    (10, "indent"): "      x++;",
    (11, "keyword-space"): "    while ( x)",
    (12, "indent"): "       x--;",
    (13, "brace"): "    for ( ;; ) {",
    (14, "indent"): "         break;",
    (16, "comment-block"): "    /* a comment that",
    (17, "comment-block"): "       has no leader",
    (18, "comment-block"): "     * and ends on a line of text */",
    (19, "keyword-space"): "    switch( x )",
}


def bad_sample():
    lines = ["" for _ in range(22)]
    for (no, _), text in BAD.items():
        lines[no - 1] = text
    lines[14] = "    }"
    lines[19] = "    {"
    lines[20] = "    }"
    lines[21] = "}"
    return "\n".join(lines) + "\n"


GOOD = """/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A clean sample: the self-test's positive control.
 */

#define TWICE(x) \\
    ((x) * 2)

static int f(int x, int y,
             int z)
{
    int i;

    for ( i = 0; i < x; i++ )
    {
        if ( (x & 1) == 0 &&
             y > z )
            y = TWICE(y);
        else
            z = y ? x
                  : y;
    }
    do {
        x--;
    } while ( x > 0 );

    switch ( y )
    {
    case 1:
        return 1;
    default:
        break;
    }
 out:
    printk("%d: a message that is not split, although it runs past the limit\n",
           x);
    return "for (x) // not code"[0] + z;
}
""" + FOOTER


def self_test(work):
    os.makedirs(work, exist_ok=True)
    bad_path = os.path.join(work, "negative-control.c")
    with open(bad_path, "w") as f:
        f.write(bad_sample())
    with open(bad_path) as f:
        bad = f.read()
    print("style: negative control: %s must fail with %d violations:"
          % (bad_path, len(BAD) + 1))
    report(bad_path, bad, True)
    found = {(no, rule) for no, rule, _ in check_text(bad, True)}
    expected = set(BAD) | {(len(bad.split("\n")), "emacs-footer")}
    ok = True
    if found != expected:
        ok = False
        for no, rule in sorted(expected - found):
            print("self-test: MISSED %s at line %d" % (rule, no))
        for no, rule in sorted(found - expected):
            print("self-test: UNEXPECTED %s at line %d" % (rule, no))
    good = list(check_text(GOOD, True))
    if good:
        ok = False
        for no, rule, message in good:
            print("self-test: clean sample line %d: %s: %s" % (no, rule,
                                                                message))
    if ok:
        print("style: negative control failed as it must (%d violations, "
              "every rule), and the clean sample passes" % len(found))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top")
    ap.add_argument("--pristine")
    ap.add_argument("--work", required=True)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return 0 if self_test(args.work) else 1
    if not args.top or not args.pristine:
        ap.error("--top and --pristine are needed")
    if not os.path.isdir(os.path.join(args.pristine, ".git")):
        sys.exit("error: no pristine tree in %s; run `make fetch`"
                 % args.pristine)
    violations = check_owned(args.top)
    more, judged = check_patches(args.top, args.pristine, args.work)
    violations += more
    if violations:
        print("style: FAIL: %d violations (above)" % violations)
        return 1
    print("style: PASS: our files and %d lines added by patches/" % judged)
    return 0


if __name__ == "__main__":
    sys.exit(main())
