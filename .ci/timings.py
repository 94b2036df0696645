#!/usr/bin/env python3
"""Print the timing table at the end of `.ci/test`: per notebook, nbdev_test's wall time (notebooks run
in parallel workers, so these overlap) and nbval's time (cells run one after another in a fresh kernel,
kernel start included), then each step of the test and the total.

    python .ci/timings.py TIMES_DIR TOTAL_SECONDS   # TIMES_DIR holds nbdev_test's output, nbval.json, steps"""
import json, os, re, sys
from pathlib import Path

d, total = Path(sys.argv[1]), int(sys.argv[2])
nbdev = {m[1]: int(m[2]) for m in re.finditer(r'^(\S+\.ipynb): (\d+) secs$', (d / 'nbdev_test').read_text(), re.M)}
nbval = {Path(k).name: v for k, v in json.loads((d / 'nbval.json').read_text()).items()}
rows = [(n, f'{nbdev[n]}' if n in nbdev else '-', f'{nbval[n][0]:.0f}' if n in nbval else '-',
         f'{nbval[n][1]}' if n in nbval else '-') for n in sorted(set(nbdev) | set(nbval))]
w = max(len('notebook'), *(len(r[0]) for r in rows))
print(f'\n== timings on this machine ({os.cpu_count()} CPUs)')
print(f'{"notebook":<{w}}  nbdev_test s  nbval s  nbval cells')
for r in rows: print(f'{r[0]:<{w}}  {r[1]:>12}  {r[2]:>7}  {r[3]:>11}')
steps = [line.rsplit('\t', 1) for line in (d / 'steps').read_text().splitlines()]
w = max(len(n) for n, _ in steps)
print(f'\n{"step":<{w}}  {"s":>4}')
for name, s in steps: print(f'{name:<{w}}  {int(s):>4}')
print(f'{"total":<{w}}  {total:>4}')
