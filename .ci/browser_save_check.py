#!/usr/bin/env python3
"""Optional manual check (not part of .ci/test; needs Chromium, e.g. `apt-get install chromium`): a real
JupyterLab in headless Chromium opens a notebook (its kernel starts), presses Ctrl+S, and the file must be
unchanged. .ci/save_roundtrip.py is the automated version through the contents API.

    .venv/bin/python .ci/browser_save_check.py nbs/06_attention.ipynb

The selectors are JupyterLab 4's; the check reports what it saw rather than guessing."""
import json, os, secrets, socket, subprocess, sys, time, urllib.request, signal
from pathlib import Path
import websocket   # websocket-client, a dependency of jupyter_server
repo = str(Path(__file__).resolve().parent.parent); nbpath = sys.argv[1]
def free():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p
port, dbg, tok = free(), free(), secrets.token_hex(8)
env = dict(os.environ)
if Path(sys.prefix).resolve() != Path(repo, '.venv').resolve(): env['JUPYTER_CONFIG_PATH'] = repo   # as save_roundtrip.py
logf = os.path.join(os.environ.get('TMPDIR', '/tmp'), f'browser_save_check_{port}.log')
before = open(os.path.join(repo, nbpath), 'rb').read()
lab = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', '--allow-root', '--ServerApp.ip=127.0.0.1',
                        f'--ServerApp.port={port}', f'--IdentityProvider.token={tok}', f'--ServerApp.root_dir={repo}'],
                       cwd=repo, env=env, stdout=open(logf, 'w'), stderr=subprocess.STDOUT, start_new_session=True)
chrome = None
try:
    for _ in range(100):
        try: urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={tok}'); break
        except Exception: time.sleep(0.3)
    url = f'http://127.0.0.1:{port}/lab/tree/{nbpath}?token={tok}'
    chrome = subprocess.Popen(['chromium', '--headless=new', '--no-sandbox', '--disable-gpu', f'--remote-debugging-port={dbg}',
                               '--window-size=1400,1000', 'about:blank'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(100):
        try: tabs = json.loads(urllib.request.urlopen(f'http://127.0.0.1:{dbg}/json').read()); break
        except Exception: time.sleep(0.3)
    tab = [t for t in tabs if t['type'] == 'page'][0]
    ws = websocket.create_connection(tab['webSocketDebuggerUrl'], suppress_origin=True)
    n = [0]
    def cdp(method, **params):
        n[0] += 1; ws.send(json.dumps({'id': n[0], 'method': method, 'params': params}))
        while True:
            m = json.loads(ws.recv())
            if m.get('id') == n[0]: return m
    cdp('Page.navigate', url=url)
    def js(expr): return cdp('Runtime.evaluate', expression=expr, returnByValue=True)['result'].get('result', {}).get('value')
    for _ in range(120):   # wait for the notebook and its kernel to be idle
        time.sleep(1)
        st = js("(() => {const s = document.querySelector('.jp-Notebook'); const k = document.querySelector('.jp-Notebook-ExecutionIndicator, [data-status]'); return !!s && document.title })()")
        idle = js("(() => { const el = document.querySelector('.jp-Toolbar-kernelStatus, .jp-KernelStatus, .jp-Notebook-ExecutionIndicator'); return el ? (el.getAttribute('data-status') || el.title || el.textContent) : null })()")
        if st and idle and 'idle' in str(idle).lower(): break
    print('page:', st, '| kernel status:', idle)
    time.sleep(2)
    js("document.querySelector('.jp-Notebook').focus()")
    cdp('Runtime.evaluate', expression="document.querySelector('.jp-Cell .jp-InputArea-prompt') && document.querySelector('.jp-Cell').click()")
    time.sleep(0.5)
    for t in ('rawKeyDown', 'keyUp'):
        cdp('Input.dispatchKeyEvent', type=t, modifiers=2, key='s', code='KeyS', windowsVirtualKeyCode=83, nativeVirtualKeyCode=83)
    time.sleep(4)
    log = open(logf).read()
    saved = 'Saving file at' in log
    if not saved: sys.exit('the server saw no save: Ctrl+S did not reach the notebook')
    after = open(os.path.join(repo, nbpath), 'rb').read()
    print('server log mentions a save:', saved, '| file unchanged:', after == before)
    if after != before:
        import difflib
        print('\n'.join(list(difflib.unified_diff(before.decode().splitlines(), after.decode().splitlines(), lineterm='', n=0))[:30]))
    if after != before: sys.exit(1)
finally:
    for p in (chrome, lab):
        if p:
            try: os.killpg(p.pid, signal.SIGTERM); p.wait(10)
            except Exception: pass
