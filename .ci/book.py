#!/usr/bin/env python3
"""Render the whole book to static HTML that reads offline: `bash .ci/book` (which calls this).

    python .ci/book.py [OUT]     # default OUT: _book/ (ignored by git); open _book/index.html

Each notebook goes through nbdev 2's own doc processing (`nbdev.processors.FilterDefaults`, the step
`nbdev_docs` runs before handing the result to Quarto: `show_doc` tables of every exported name, `#| hide`
cells dropped, front matter from the title and summary, links to the API), then through nbconvert's HTML
exporter with the stored outputs (figures embedded as data URIs). Math is typeset by a local MathJax 2
copied into OUT/mathjax, so the folder is self-contained: nothing is fetched from a network. Pages are
named as nbdev names them (`03_diffusion.ipynb` -> `diffusion.html`), so nbdev's API links resolve within
the folder; `index.html` is nbs/index.ipynb, and every page links to the previous and next chapter.
Nothing is executed except what nbdev's processing runs to build the `show_doc` tables.

MathJax: MATHJAX_DIR if set, else Debian's libjs-mathjax (/usr/share/javascript/mathjax, `apt-get install
libjs-mathjax`), else npm's mathjax 2 in ./node_modules/mathjax (`npm install mathjax@2`)."""
import html, json, os, re, shutil, sys, warnings
from pathlib import Path

root = Path(__file__).resolve().parent.parent
MATHJAX_DIRS = [os.environ.get('MATHJAX_DIR'), '/usr/share/javascript/mathjax', root / 'node_modules' / 'mathjax']
# The parts of MathJax 2 that `TeX-AMS_CHTML-full,Safe` loads (CommonHTML output, TeX web fonts).
MATHJAX_PARTS = ['MathJax.js', 'config/TeX-AMS_CHTML-full.js', 'config/local', 'extensions', 'localization/en', 'jax/element', 'jax/input/TeX',
                 'jax/output/CommonHTML', 'fonts/HTML-CSS/TeX/woff']
CELL_KEYS = {'cell_type', 'id', 'source', 'outputs', 'execution_count', 'attachments'}
MATHJAX_URL = 'mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe'

def find_mathjax():
    for d in filter(None, MATHJAX_DIRS):
        if (Path(d) / 'MathJax.js').is_file(): return Path(d)
    sys.exit('no local MathJax 2 found: `apt-get install libjs-mathjax` (Debian) or `npm install mathjax@2`, '
             f'or set MATHJAX_DIR; looked in {[str(d) for d in MATHJAX_DIRS if d]}')

def copy_mathjax(src, out):
    for part in MATHJAX_PARTS:
        s, d = src / part, out / 'mathjax' / part
        if s.is_dir(): shutil.copytree(s, d, symlinks=False, dirs_exist_ok=True)
        elif s.is_file(): d.parent.mkdir(parents=True, exist_ok=True); shutil.copy(s, d)
        else: sys.exit(f'MathJax at {src} lacks {part}: a MathJax 2 layout (MathJax.js, config/, jax/...) is needed')

def chapters():
    "Notebooks in reading order: the index, then the chapters by number."
    nbs = sorted(p for p in (root / 'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
    return sorted(nbs, key=lambda p: (p.stem != 'index', p.name))

def split_title_cell(nb):
    """nbdev's FrontmatterProc turns the whole first markdown cell with a `# Title` into front matter, so any
    prose after the `> summary` in that cell would vanish from the docs; keep it as a cell of its own."""
    from execnb.nbio import NbCell
    for i, c in enumerate(nb.cells):
        if c.cell_type != 'markdown': continue
        lines = c.source.split('\n')
        heads = [j for j, l in enumerate(lines) if re.match(r'#\s+\S', l) or re.match(r'>\s+\S', l)]
        if not heads or not re.match(r'#\s+\S', lines[heads[0]]): return
        end = heads[1] if len(heads) > 1 and re.match(r'>\s+\S', lines[heads[1]]) else heads[0]
        head, rest = '\n'.join(lines[:end + 1]), '\n'.join(lines[end + 1:]).strip('\n')
        if rest:
            c.set_source(head)
            nb.cells.insert(i + 1, NbCell(i + 1, {'cell_type': 'markdown', 'id': f'{c.get("id", "c")}-rest',
                                                  'metadata': {}, 'source': rest}))
        return

def processed(path):
    "The notebook as nbdev's doc processing leaves it, with its front matter as a visible title."
    from execnb.nbio import read_nb
    from nbdev.processors import FilterDefaults
    import nbformat, yaml
    from nbdev.processors import exec_show_docs

    class tolerant_exec_show_docs(exec_show_docs):
        """nbdev's step that runs the cells `show_doc` needs (exports, and every cell with an import), going on
        past a cell that fails there: `nbdev_docs` would stop the whole build; the book names the cell."""
        def __call__(self, cell):
            try: super().__call__(cell)
            except Exception as e:
                err = e.__cause__ or e
                first = next((l for l in cell.source.splitlines() if l.strip() and not l.startswith('#|')), '')
                print(f'  warning: {path.name}, the cell starting `{first.strip()[:60]}`: nbdev runs it to build the docs (it has an import '
                      f'or an export) and it fails alone: {type(err).__name__}: {err}. Put the import in a cell of '
                      'its own; nbdev_docs stops here.')
                self.k.exc = None

    class Procs(FilterDefaults):
        def base_procs(self): return [tolerant_exec_show_docs if p is exec_show_docs else p for p in super().base_procs()]

    nb = read_nb(path)
    split_title_cell(nb)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')                    # nbdev's "imports and other code" advice
        Procs()(nb)
    meta, cells = {}, []
    for c in nb.cells:
        src = c.source
        if c.cell_type == 'raw' and src.lstrip().startswith('---'):   # Quarto front matter
            meta = yaml.safe_load(src.strip().strip('-')) or {}
            head = f"# {meta['title']}" if meta.get('title') else ''
            if meta.get('description'): head += f"\n\n> {meta['description']}"
            if head: cells.append({'cell_type': 'markdown', 'id': 'title', 'metadata': {}, 'source': head})
            continue
        if c.cell_type == 'markdown' and 'AUTOGENERATED! DO NOT EDIT' in src: continue
        opts = {k: ' '.join(v).strip().lower() for k, v in (c.get('directives_') or {}).items()}
        opts.update(re.findall(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$', src, re.M))
        if opts.get('include') == 'false': continue                   # Quarto's cell options, honoured
        d = {k: v for k, v in c.items() if k in CELL_KEYS}
        d['metadata'] = {}
        if opts.get('echo') == 'false': d['metadata']['transient'] = {'remove_source': True}
        if opts.get('output') == 'false': d['outputs'] = []
        d['source'] = '\n'.join(l for l in src.split('\n') if not l.startswith('#|'))
        cells.append(d)
    out = {'cells': cells, 'nbformat': 4, 'nbformat_minor': 5,
           'metadata': {'kernelspec': nb.get('metadata', {}).get('kernelspec', {}), 'language_info': {'name': 'python'}}}
    out = nbformat.reads(json.dumps(out), as_version=4)                     # joins lists of lines, validates
    name = 'index.html' if path.stem == 'index' else meta.get('output-file') or re.sub(r'^\d+_', '', path.stem) + '.html'
    return out, name, meta.get('title') or path.stem

def main(out):
    from nbconvert import HTMLExporter
    from nbdev.config import get_config
    cfg = get_config(path=root)
    mathjax = find_mathjax()
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_mathjax(mathjax, out)
    pages = [(p, *processed(p)) for p in chapters()]
    names = {p.stem: name for p, _, name, _ in pages}
    exporter = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True, mathjax_url=MATHJAX_URL, require_js_url='',
                            jupyter_widgets_base_url='', widget_renderer_url='')
    doc_site = re.escape(cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/')) + '/'
    for i, (path, nb, name, title) in enumerate(pages):
        body, _ = exporter.from_notebook_node(nb, resources={'metadata': {'name': title}})
        body = re.sub(r'<a href="([^"]*)">source</a>\{target="_blank" style="([^"]*)"\}',  # show_doc's Quarto link
                      r'<a href="\1" style="\2">source</a>', body)
        body = re.sub(r'<script src="">\s*</script>\n?', '', body)          # the require.js tag, without a URL
        body = re.sub(r'href="' + doc_site, 'href="', body)                  # nbdev's API links, local
        body = body.replace(f'href="{cfg.git_url.rstrip("/")}/blob/{cfg.branch}/', 'href="../')   # [source] links
        body = re.sub(r'href="(?:\.\./)?(?:nbs/)?(\w+)\.ipynb(#[^"]*)?"',     # links between notebooks
                      lambda m: f'href="{names.get(m[1], m[1] + ".html")}{m[2] or ""}"', body)
        nav = ' · '.join(filter(None, [
            f'<a href="{pages[i-1][2]}">← {html.escape(pages[i-1][3])}</a>' if i > 0 else '',
            '<a href="index.html">contents</a>' if i > 0 else '',
            f'<a href="{pages[i+1][2]}">{html.escape(pages[i+1][3])} →</a>' if i + 1 < len(pages) else '']))
        bar = f'<nav style="font-family:sans-serif;margin:1em 2em;font-size:90%">{nav}</nav>'
        body = body.replace('<main>', '<main>' + bar, 1).replace('</main>', bar + '</main>', 1)
        (out / name).write_text(body, encoding='utf-8')
        print(f'  {path.relative_to(root)} -> {(out / name).relative_to(root) if out.is_relative_to(root) else out / name}')
    remote = sorted({u for f in out.glob('*.html') for u in re.findall(r'<script[^>]+src="(https?://[^"]+)"', f.read_text())})
    if remote: sys.exit(f'pages load scripts from the network: {remote}')
    print(f'{len(pages)} pages and MathJax (from {mathjax}) in {out}: open {out / "index.html"} in a browser')

if __name__ == '__main__':
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else root / '_book')
