#!/usr/bin/env python3
"""Write README.md from nbs/index.ipynb (Quarto, which `nbdev_readme` needs, is not available here).

    python .ci/readme.py          # regenerate README.md
    python .ci/readme.py --check  # exit 1 if README.md is out of step with the notebook

Markdown cells are copied; code cells become ```python blocks followed by their stored text
output; cells marked `#| hide` are left out and `#|` directive lines are dropped."""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
NOTE = '<!-- Generated from nbs/index.ipynb by `python .ci/readme.py`: edit the notebook, not this file. -->\n'

def cell_text(cell):
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown': return src.strip() + '\n'
    lines = src.split('\n')
    if any(l.strip().replace(' ', '') in ('#|hide', '#|export', '#|exporti') for l in lines): return ''
    code = '\n'.join(l for l in lines if not l.lstrip().startswith('#|')).strip()
    out = ''.join(''.join(o['text']) if o['output_type'] == 'stream' else ''.join(o.get('data', {}).get('text/plain', ''))
                  for o in cell.get('outputs', []) if o['output_type'] in ('stream', 'execute_result'))
    text = f'```python\n{code}\n```\n' if code else ''
    return text + (f'\n```\n{out.rstrip()}\n```\n' if out.strip() else '')

def readme():
    nb = json.loads((root / 'nbs' / 'index.ipynb').read_text(encoding='utf-8'))
    parts = [t for t in map(cell_text, nb['cells']) if t]
    return NOTE + '\n' + '\n'.join(parts)

if __name__ == '__main__':
    path, text = root / 'README.md', readme()
    if '--check' in sys.argv[1:]:
        if not path.exists() or path.read_text(encoding='utf-8') != text:
            sys.exit('README.md is out of step with nbs/index.ipynb: run `python .ci/readme.py` and commit it')
        print('README.md is in step with nbs/index.ipynb')
    else:
        path.write_text(text, encoding='utf-8'); print(f'wrote {path.relative_to(root)}')
