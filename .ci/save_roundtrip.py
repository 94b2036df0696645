#!/usr/bin/env python3
"""Open and save every notebook through a real Jupyter server, as JupyterLab's Ctrl+S does; fail if a file changes.

    python .ci/save_roundtrip.py [notebooks...]     # default: every notebook under nbs/

Starts `jupyter server` on 127.0.0.1 (a free port, a random token, its own runtime and data folders) in
the repository root, the way the README opens JupyterLab. For each notebook it GETs the model from the
contents API, changes it the way a browser session does before saving (execution counts, the running
kernel's display name and language_info, view metadata on cells), PUTs it back (the request JupyterLab's
save sends; the server runs its pre-save hook, then writes with nbformat) and compares the file with its
bytes before the save. A difference means the committed form is not the saved form or the pre-save hook is
not active: the script prints the start of the diff, restores the file and exits 1. The server is killed
in every case, and the whole run is bounded.

Which config the server reads: a Jupyter server reads `jupyter_server_config*` from its environment's
etc/jupyter (and ~/.jupyter, JUPYTER_CONFIG_PATH), not from the folder it starts in. `.ci/install` links
the repository's jupyter_server_config.json (nbdev's pre-save clean) into .venv/etc/jupyter, so when this
runs from the repository's .venv it tests exactly that set-up. From any other environment it adds the
repository root to JUPYTER_CONFIG_PATH and says so."""
import copy, difflib, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.request
from pathlib import Path

root = Path(__file__).resolve().parent.parent
LIMIT = 240                                               # seconds for the whole run

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def browser_edits(nb):
    "What a JupyterLab session adds to a notebook before its save, for the pre-save hook to remove."
    nb = copy.deepcopy(nb)
    nb['metadata']['kernelspec'] = {'display_name': 'Python 3 (ipykernel)', 'language': 'python', 'name': 'python3'}
    nb['metadata']['language_info'] = {'name': 'python', 'version': sys.version.split()[0], 'mimetype': 'text/x-python',
                                       'file_extension': '.py', 'pygments_lexer': 'ipython3',
                                       'codemirror_mode': {'name': 'ipython', 'version': 3}, 'nbconvert_exporter': 'python'}
    for i, c in enumerate(nb['cells'], 1):
        c['metadata'].update(scrolled=True, tags=[], jupyter={'source_hidden': False})
        if c['cell_type'] == 'code':
            c['execution_count'] = i
            for o in c['outputs']:
                if o['output_type'] == 'execute_result': o['execution_count'] = i
    return nb

def main(paths):
    paths = [Path(p).resolve() for p in paths] or sorted(p for p in (root / 'nbs').rglob('*.ipynb')
                                                         if '.ipynb_checkpoints' not in p.parts)
    port, token = free_port(), secrets.token_hex(16)
    env, tmp = dict(os.environ), Path(tempfile.mkdtemp(prefix='sd-save-roundtrip-'))
    env.update(JUPYTER_RUNTIME_DIR=str(tmp / 'runtime'), JUPYTER_DATA_DIR=str(tmp / 'data'))
    env.pop('IN_TEST', None)
    if Path(sys.prefix).resolve() != (root / '.venv').resolve():
        env['JUPYTER_CONFIG_PATH'] = os.pathsep.join(filter(None, [str(root), env.get('JUPYTER_CONFIG_PATH')]))
        print(f'(not the repository\'s .venv: the server reads {root.name}/jupyter_server_config.json via JUPYTER_CONFIG_PATH)')
    cmd = [sys.executable, '-m', 'jupyter_server', '--no-browser', '--ServerApp.ip=127.0.0.1',
           f'--ServerApp.port={port}', '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}',
           f'--ServerApp.root_dir={root}'] + (['--allow-root'] if os.geteuid() == 0 else [])
    log = open(tmp / 'server.log', 'w+')
    server = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + LIMIT
    base, headers = f'http://127.0.0.1:{port}', {'Authorization': f'token {token}', 'Content-Type': 'application/json'}

    def api(method, path, body=None):
        req = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=max(1, deadline - time.monotonic())) as r: return json.loads(r.read() or 'null')

    failures = []
    try:
        while True:                                       # wait for the server to answer
            if server.poll() is not None: raise RuntimeError(f'jupyter server exited with {server.returncode}')
            if time.monotonic() > deadline: raise TimeoutError(f'jupyter server did not answer within {LIMIT} s')
            try: api('GET', '/api/status'); break
            except (urllib.error.URLError, ConnectionError): time.sleep(0.3)
        for p in paths:
            if time.monotonic() > deadline: raise TimeoutError(f'the round trip took over {LIMIT} s')
            rel = p.relative_to(root).as_posix()
            before = p.read_bytes()
            model = api('GET', f'/api/contents/{rel}?type=notebook&content=1')
            api('PUT', f'/api/contents/{rel}', {'type': 'notebook', 'format': 'json', 'content': browser_edits(model['content'])})
            after = p.read_bytes()
            if after == before: print(f'  saved unchanged: {rel}'); continue
            diff = list(difflib.unified_diff(before.decode().splitlines(), after.decode().splitlines(),
                                             f'{rel} (before)', f'{rel} (after the save)', lineterm='', n=1))
            print(f'  CHANGED by the save: {rel} (+{sum(l.startswith("+") for l in diff) - 1}/-{sum(l.startswith("-") for l in diff) - 1} lines)')
            print('\n'.join('    ' + l for l in diff[:16]))
            p.write_bytes(before); failures.append(rel)
    except BaseException:
        log.seek(0); print('server log (last lines):\n' + ''.join(log.readlines()[-20:]), file=sys.stderr); raise
    finally:
        try: os.killpg(server.pid, signal.SIGTERM)
        except ProcessLookupError: pass
        try: server.wait(10)
        except subprocess.TimeoutExpired: os.killpg(server.pid, signal.SIGKILL); server.wait()
        log.close(); shutil.rmtree(tmp, ignore_errors=True)
    status = subprocess.run(['git', 'status', '--porcelain', '--', *map(str, paths)], cwd=root,
                            capture_output=True, text=True).stdout
    if failures:
        sys.exit(f'FAIL: a JupyterLab save changes {len(failures)} notebook(s): {" ".join(failures)} (restored). Run '
                 '`python .ci/normalize_nbs.py`, and check that the pre-save hook is active (see .ci/install).')
    print(f'{len(paths)} notebooks saved through the contents API, none changed' + (f'; git status:\n{status}' if status else ''))

if __name__ == '__main__':
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError(f'over {LIMIT + 30} s')))
    signal.alarm(LIMIT + 30)
    main(sys.argv[1:])
