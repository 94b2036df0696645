#!/usr/bin/env python3
"""Rewrite notebooks into the one form that both `nbdev_clean` and a JupyterLab save leave unchanged.

    python .ci/normalize_nbs.py                 # every notebook under nbs/
    python .ci/normalize_nbs.py nbs/03_*.ipynb  # some of them
    python .ci/normalize_nbs.py --check         # exit 1 if a notebook is not in that form (writes nothing)

The form: nbdev's clean (settings.ini's keys: no execution counts, no cell metadata, notebook metadata
reduced to the kernelspec) written the way Jupyter's server writes a notebook (`nbformat.writes`: sorted
keys, one-space indent, every multi-line string of source, stream text and text/* or SVG data split into
a list of lines). `nbdev_clean` keeps that layout (it re-splits only `source`, the same way), and a
JupyterLab save runs nbdev's pre-save clean and then `nbformat.writes`, so such a file is a fixpoint of
both. Nothing is executed. The script checks that it changed the layout only: each notebook, with its
split lines joined back, must equal the cleaned original, or the file is left alone and the script fails.
It also lists progress bars stored unfinished (a bar whose last state is below 100%)."""
import copy, json, re, sys
from pathlib import Path

import nbformat
from nbdev.clean import clean_nb
from nbdev.config import get_config

root = Path(__file__).resolve().parent.parent
BAR = re.compile(r'(\d+)%\|[^|\n]*\| *(\d+)/(\d+) ')   # tqdm's `[desc: ]NN%|bar| n/total [...]`

def clean(nb):
    "nbdev_clean's transformation, with this project's settings (the same call nbdev's pre-save hook makes)."
    cfg = get_config(path=root)
    clean_nb(nb, cfg.clear_all, cfg.get('allowed_metadata_keys').split(),
             cfg.get('allowed_cell_metadata_keys').split(), cfg.clean_ids)
    return nb

def joined(x):
    "The notebook with every list of lines joined into one string: its content, whatever the layout."
    if isinstance(x, dict): return {k: joined(v) for k, v in x.items()}
    if isinstance(x, list) and x and all(isinstance(s, str) for s in x): return ''.join(x)
    if isinstance(x, list): return [joined(v) for v in x]
    return x

def normal_form(text):
    "The normal form of a notebook's file text."
    # Read as Jupyter's server does (every list of lines joined into one string, so a list element that
    # holds several lines, as a text merge can leave, is re-split too), clean, write as the server does.
    nb = clean(nbformat.reads(text, as_version=nbformat.NO_CONVERT))
    return nbformat.writes(nb, version=nbformat.NO_CONVERT) + '\n'

def unfinished_bars(nb):
    "(cell index, bar line) for each progress bar stored below 100%."
    for i, c in enumerate(nb['cells']):
        for o in c.get('outputs', []):
            if o.get('output_type') != 'stream': continue
            for line in ''.join(o['text']).split('\n'):
                m = BAR.search(line)
                if m and int(m[2]) < int(m[3]): yield i, line.strip()

def main(args):
    check = '--check' in args
    paths = [Path(a) for a in args if a != '--check'] or sorted((root / 'nbs').rglob('*.ipynb'))
    paths = [p for p in paths if '.ipynb_checkpoints' not in p.parts]
    bad = []
    for p in paths:
        old = p.read_text(encoding='utf-8')
        new = normal_form(old)
        if joined(json.loads(new)) != joined(clean(json.loads(old))):
            sys.exit(f'{p}: normalising would change content, not only layout; left alone')
        if normal_form(new) != new: sys.exit(f'{p}: the normal form is not a fixpoint (a bug in this script)')
        for i, line in unfinished_bars(json.loads(new)):
            print(f'warning: {p} cell {i} stores an unfinished progress bar: {line}')
        if new == old: continue
        bad.append(p)
        content = 'layout only' if joined(json.loads(old)) == joined(json.loads(new)) else 'layout and nbdev_clean'
        if not check:
            p.write_text(new, encoding='utf-8')
            print(f'normalised {p.relative_to(root) if p.is_absolute() else p} ({content})')
    if check and bad:
        sys.exit('not in the normal form (run `python .ci/normalize_nbs.py`): ' + ' '.join(map(str, bad)))
    print(f'{len(paths)} notebooks in the normal form' + ('' if check else f' ({len(bad)} rewritten)'))

if __name__ == '__main__': main(sys.argv[1:])
