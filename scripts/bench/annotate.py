#!/usr/bin/env python3
"""Makes callgrind_annotate output readable: names the addresses callgrind could not
(symbols of hand-written assembly, e.g. libsodium's curve25519 ladder) from `nm`, folds
template arguments to <...>, drops the object file paths, keeps the top rows.

Usage: annotate.py BINARY ROWS < callgrind_annotate-output > short.txt
"""
import bisect
import re
import subprocess
import sys

binary, rows = sys.argv[1], int(sys.argv[2])

symbols = []
try:
    nm = subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True,
                        check=False).stdout
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].lower() in "tw" and not parts[2].startswith("."):
            symbols.append((int(parts[0], 16), parts[2]))
except OSError:
    pass
addresses = [a for a, _ in symbols]


def name_of(match):
    addr = int(match.group(1), 16)
    i = bisect.bisect_right(addresses, addr) - 1
    if i < 0:
        return match.group(0)
    base, name = symbols[i]
    return name if base == addr else f"{name}+{addr - base:#x}"


def fold_templates(s):
    while True:
        t = re.sub(r"<[^<>]*>", "\x00", s)
        if t == s:
            return s.replace("\x00", "<…>")
        s = t


out = []
in_table = False
for line in sys.stdin:
    line = line.rstrip("\n")
    if re.match(r"^\s*Ir\s+file:function", line):
        in_table = True
        out.append("Ir  function")
        continue
    if not in_table:
        continue
    m = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*)$", line)
    if not m:
        continue
    fn = m.group(3)
    fn = re.sub(r"\s+\[[^\]]*\]$", "", fn)  # the object file
    fn = re.sub(r"^\?\?\?:", "", fn)
    fn = re.sub(r"^0x([0-9a-fA-F]+)$", name_of, fn)
    fn = fold_templates(fn)
    out.append(f"{m.group(1):>15} ({m.group(2):>5}%)  {fn}")
    if len(out) > rows:
        break
print("\n".join(out))
