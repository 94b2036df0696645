"""pytest hooks so that nbval can compare notebooks cleaned by `nbdev_clean`.

`nbdev_clean` sets every `execution_count` to null, and nbval reads a null count as "never run": it
skips the comparison and fails cells that have stored outputs. Giving those cells a count of 1 makes
nbval run and compare them. SVG output embeds a date, so it is never compared.
"""

def pytest_collection_modifyitems(session, config, items):
    for item in items:
        cell = getattr(item, 'cell', None)
        if cell is not None and cell.get('cell_type') == 'code' and cell.get('execution_count') is None:
            cell['execution_count'] = 1


def pytest_collectstart(collector):
    if hasattr(collector, 'skip_compare') and 'image/svg+xml' not in collector.skip_compare:
        collector.skip_compare = tuple(collector.skip_compare) + ('image/svg+xml',)


# Per-notebook nbval time (every phase, kernel start included; with pytest-xdist, summed on the controller), for the timing table `.ci/test` prints:
# written as JSON to the file named by SMALLDIFFUSION_NBVAL_TIMES when that variable is set.
_nbval_times = {}

def pytest_runtest_logreport(report):
    path = report.nodeid.split('::')[0]
    if path.endswith('.ipynb'):
        seconds, cells = _nbval_times.get(path, (0.0, 0))
        _nbval_times[path] = (seconds + report.duration, cells + (report.when == 'call'))


def pytest_sessionfinish(session, exitstatus):
    import json, os
    out = os.environ.get('SMALLDIFFUSION_NBVAL_TIMES')
    if out and not hasattr(session.config, 'workerinput'):   # under xdist the controller, which sees every report, writes
        with open(out, 'w', encoding='utf-8') as f: json.dump(_nbval_times, f)
