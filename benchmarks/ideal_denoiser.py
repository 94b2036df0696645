"""Benchmark `IdealDenoiser` (nbs/08_ideal.ipynb, with the dispatch of nbs/09_ideal_fast.ipynb).

Part 1, the spec's example: 20 steps of samples(gam=2) on a 100-point Swiss roll with a batch of 1000,
the library's IdealDenoiser against a model that is the spec's formula, interleaved repeats, one process.
Part 2, dataset scale:

Times one forward call of three ways to compute the ideal denoiser's output on N random images of
3×32×32 (float32, uniform in [-1, 1]) for a batch of B noisy queries:

* bare:  the two matrix products any exact method needs, x @ dᵀ (B, N) then w @ d (B, D): a lower bound;
* spec:  the spec's formula (model-py.zh.md §4.15), written out below;
* ours:  `smalldiffusion.IdealDenoiser` (08's class with 09's dispatch).

It reports the median time of a few repeats, the extra peak memory of one call (peak resident memory
during the call minus resident memory before it), the ratios to the targets (time ≤ 1.3× bare,
extra peak ≤ 10% of the data size; and ≤ 64 MB for 20,000 queries against 8,192 2-d points), and the accuracy of x̂0 against a float64 direct-difference
reference on a subset of queries, σ from 0.002 to 80, including a query between two data points whose
posterior weights are 0.4/0.6. For the timed batch and for each σ it also prints how many rows each path answered
(small / float32 / float64 / exact, `IdealDenoiser.last_paths`).

Memory: peak RSS is read from VmHWM in /proc/self/status after resetting it by writing "5" to
/proc/self/clear_refs (Linux); for that phase glibc malloc is told (mallopt) to serve every block of 64 KiB
or more by mmap and return it on free, so the resident memory before a call holds no cached free blocks.
Where clear_refs is not writable, a thread samples /proc/self/statm every millisecond instead (the script
says which it used). The timing phase then sets glibc's thresholds to where its dynamic adjustment settles
after a warm-up (mmap above 32 MiB, trim above 64 MiB), so that timings are not dominated by page faults
of freshly mmapped temporaries; every method is warmed up once before it is timed.

Usage (from the repository root):  .venv/bin/python benchmarks/ideal_denoiser.py [--n 50000] [--batch 256]
    [--threads T] [--repeats 3] [--sigma 1.0] [--chunk C] [--no-accuracy]
"""
import argparse, ctypes, gc, math, os, statistics, threading, time
import torch
import torch.nn.functional as F
import math, numpy as np
from torch import nn
from smalldiffusion import IdealDenoiser, Swissroll, ScheduleLogLinear, samples, ModelMixin


# ---- the three methods -------------------------------------------------------------------------------

def spec_sq_norm(M, k):
    "The spec's sq_norm (§4.14)."
    return (torch.norm(M, dim=1)**2).unsqueeze(1).repeat(1, k)

def spec_forward(data, x, sigma):
    "The spec's IdealDenoiser.forward (§4.15), unchanged."
    data = data.to(x)
    x_flat = x.flatten(start_dim=1)
    d_flat = data.flatten(start_dim=1)
    xb, xr = x_flat.shape
    db, dr = d_flat.shape
    sq_diffs = spec_sq_norm(x_flat, db).T + spec_sq_norm(d_flat, xb) - 2 * d_flat @ x_flat.T
    weights = F.softmax(-sq_diffs / 2 / sigma.squeeze()**2, dim=0)
    eps = torch.einsum('ij,i...->j...', weights, data)
    return (x - eps) / sigma

def bare_two_matmuls(data, x):
    "The lower bound: x @ dᵀ then (those numbers as weights) @ d, with nothing else."
    d_flat = data.flatten(1)
    w = x.flatten(1) @ d_flat.T                                  # (B, N)
    return w @ d_flat                                            # (B, D)


# ---- memory ------------------------------------------------------------------------------------------

def _mallopt(mmap_threshold, trim_threshold):
    "glibc's M_MMAP_THRESHOLD (-3) and M_TRIM_THRESHOLD (-1); False where there is no glibc."
    try:
        libc = ctypes.CDLL('libc.so.6')
        return libc.mallopt(-3, mmap_threshold) == 1 and libc.mallopt(-1, trim_threshold) == 1
    except OSError: return False

def mmap_everything():
    "For the memory phase: blocks >= 64 KiB are mmapped and given back on free, so RSS is what is in use."
    return _mallopt(64 << 10, 64 << 10)

def steady_state_malloc():
    "For the timing phase: what glibc's dynamic thresholds settle at after a warm-up (32 MiB mmap, 64 MiB trim)."
    return _mallopt(32 << 20, 64 << 20)

def _status_kb(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'): return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')

def _can_reset_hwm():
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')
        return True
    except OSError: return False

PAGE = os.sysconf('SC_PAGE_SIZE')
def _rss_bytes_statm():
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * PAGE

def extra_peak_bytes(fn, use_hwm):
    "Peak resident memory during fn() minus resident memory just before it; returns (bytes, fn's result)."
    gc.collect()
    if use_hwm:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')    # VmHWM := current RSS
        before = _status_kb('VmRSS') * 1024
        out = fn()
        return _status_kb('VmHWM') * 1024 - before, out
    before, peak, done = _rss_bytes_statm(), [0], threading.Event()
    def sample():
        while not done.is_set(): peak[0] = max(peak[0], _rss_bytes_statm()); time.sleep(0.001)
    t = threading.Thread(target=sample); t.start()
    try: out = fn()
    finally: done.set(); t.join()
    return max(peak[0], _rss_bytes_statm()) - before, out


def cuda_extra_peak_bytes(fn, dev):
    "The same on a CUDA device, from the caching allocator's statistics."
    gc.collect(); torch.cuda.synchronize(dev); torch.cuda.reset_peak_memory_stats(dev)
    before = torch.cuda.memory_allocated(dev)
    out = fn(); torch.cuda.synchronize(dev)
    return torch.cuda.max_memory_allocated(dev) - before, out


# ---- accuracy ----------------------------------------------------------------------------------------

def ref_x0_hat(data, x, sigma, chunk=1024):
    "Eq. (2)-(3) with direct differences in float64 (torch.cdist without the expansion), chunked: x (q, D)."
    d, x64 = data.flatten(1), x.flatten(1).double()
    sq = torch.cat([torch.cdist(x64, d[a:a + chunk].double(), compute_mode='donot_use_mm_for_euclid_dist')**2
                    for a in range(0, len(d), chunk)], 1)                                     # (q, N)
    w = torch.softmax(-sq / (2 * sigma**2), dim=1)
    return sum(w[:, a:a + chunk] @ d[a:a + chunk].double() for a in range(0, len(d), chunk)), w

def midpoint_query(d0, d1, sigma):
    "A float32 query between d0 and d1 whose float64 posterior weights on them (alone) are 0.4 / 0.6."
    d0, d1 = d0.double(), d1.double()
    x = ((d0 + d1) / 2).float().double()
    gap = (((x - d0)**2).sum() - ((x - d1)**2).sum()) / (2 * sigma**2)
    j = torch.where((d1 - d0).abs() > 0.5, x.abs(), math.inf).argmin()
    x[j] += (math.log(1.5) - gap) * sigma**2 / (d1[j] - d0[j])
    return x.float()

def paths(model, x, sigma):
    "Rows answered by each path (small / float32 / float64 / exact) for one batch at one σ."
    model.x0_hat(x, sigma)
    return '/'.join(str(v) for v in model.last_paths.values())

class SpecIdeal(nn.Module, ModelMixin):
    "The spec's IdealDenoiser (§4.15), as a model."
    def __init__(self, dataset):
        super().__init__()
        self.data = torch.stack([dataset[i] for i in range(len(dataset))]); self.input_dims = self.data.shape[1:]
    def forward(self, x, sigma, cond=None): return spec_forward(self.data, x, sigma)

def spec_example(repeats=15):
    "Part 1: median seconds of the spec's example (batch 1000, 20 steps) for the spec's formula and ours."
    roll = Swissroll(np.pi / 2, 5 * np.pi, 100)
    sched = ScheduleLogLinear(N=200, sigma_min=0.005, sigma_max=10)
    models = dict(spec=SpecIdeal(roll), ours=IdealDenoiser(roll))
    def run(m):
        torch.manual_seed(0)
        with torch.no_grad(): *_, x0 = samples(m, sched.sample_sigmas(20), gam=2, batchsize=1000)
        return x0
    x0 = {k: run(m) for k, m in models.items()}
    times = {k: [] for k in models}
    for _ in range(repeats):
        for k, m in models.items():
            t = time.perf_counter(); run(m); times[k].append(time.perf_counter() - t)
    near = torch.cdist(x0['ours'], roll.vals).min(1).values
    return times, near

def accuracy(model, data, sigmas, per_sigma=4):
    "Rows: (σ, max |x̂0 − ref| ours, spec, the midpoint's reference weights, queries unsure)."
    flat, rows = data.flatten(1), []
    for sigma in sigmas:
        x = torch.cat([midpoint_query(flat[0], flat[1], sigma)[None],
                       flat[2:2 + per_sigma] + sigma * torch.randn(per_sigma, flat.shape[1], device=flat.device),
                       (1 + sigma) * torch.randn(2, flat.shape[1], device=flat.device)]).reshape(-1, *data.shape[1:])
        ref, w = ref_x0_hat(data, x, sigma)
        s = torch.tensor(sigma, device=flat.device)
        ours = model.x0_hat(x, s).flatten(1)
        spec = (x - spec_forward(data, x, s) * s).flatten(1)      # x̂0 = x − σ·ε̂
        rows.append((sigma, (ours.double() - ref).abs().max().item(), (spec.double() - ref).abs().max().item(),
                     w[0, 0].item(), w[0, 1].item(), paths(model, x, sigma)))
    return rows


# ---- main --------------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--n', type=int, default=50_000, help='data points')
    p.add_argument('--batch', type=int, default=256, help='queries per call')
    p.add_argument('--threads', type=int, default=len(os.sched_getaffinity(0)), help='torch threads (default: all CPUs this process may use)')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--sigma', type=float, default=1.0, help='noise level of the timed queries')
    p.add_argument('--methods', default='bare,spec,ours')
    p.add_argument('--no-accuracy', action='store_true')
    p.add_argument('--device', default='cpu', help="'cpu' (RSS memory) or e.g. 'cuda' (memory from torch.cuda peak stats)")
    a = p.parse_args()
    dev = torch.device(a.device)

    print('Part 1: the spec example (100-point Swiss roll, batch 1000, 20 steps of gam=2), one thread')
    torch.set_num_threads(1)
    times, near = spec_example()
    med1 = {k: statistics.median(v) for k, v in times.items()}
    for k, v in times.items(): print(f'  {k:5s} median {med1[k] * 1e3:6.1f} ms   runs (ms): {" ".join(f"{t * 1e3:.1f}" for t in v)}')
    r1 = med1['ours'] / med1['spec']
    print(f'  ours / spec = {r1:.2f} -> {"met" if r1 <= 1.0 else "NOT met"} (target <= 1.0); '
          f'largest distance from a sample to its nearest data point {near.max():.3f}')

    mmap_ok = mmap_everything()
    use_hwm = _can_reset_hwm()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    data = torch.rand(a.n, 3, 32, 32) * 2 - 1                                               # (N, 3, 32, 32)
    data_bytes = data.numel() * data.element_size()
    model = IdealDenoiser(data)
    del data; gc.collect(); model.to(dev); data = model.data                                # one copy, the model's
    x = data[torch.randperm(a.n)[:a.batch]] + a.sigma * torch.randn(a.batch, 3, 32, 32).to(dev)   # (B, 3, 32, 32)
    sigma = torch.tensor(a.sigma, device=dev)
    fns = dict(bare=lambda: bare_two_matmuls(data, x), spec=lambda: spec_forward(data, x, sigma),
               ours=lambda: model(x, sigma))
    fns = {k: fns[k] for k in a.methods.split(',')}

    print(f'\nPart 2: N = {a.n} x (3, 32, 32) float32 = {data_bytes / 1e9:.2f} GB, batch {a.batch}, σ = {a.sigma}')
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads (os.cpu_count() = {os.cpu_count()}, '
          f'usable CPUs = {len(os.sched_getaffinity(0))}), {a.repeats} repeats, median reported, device {dev}'
          + (f' ({torch.cuda.get_device_name(dev)})' if dev.type == 'cuda' else ''))
    if dev.type == 'cuda': print('memory: extra peak = torch.cuda.max_memory_allocated() during one call − memory_allocated() before it')
    else: print(f'memory: extra peak = peak RSS during one call − RSS before it, '
          + ('VmHWM after reset via /proc/self/clear_refs' if use_hwm else 'sampled from /proc/self/statm every 1 ms')
          + (', glibc mallopt: blocks >= 64 KiB mmapped and returned on free' if mmap_ok else ', mallopt unavailable')
          + '; timing phase: glibc mmap threshold 32 MiB, trim threshold 64 MiB, one warm-up call per method')

    mem, out = {}, {}
    for k, fn in fns.items():                                      # first call of each: memory (and warm-up)
        mem[k], out[k] = extra_peak_bytes(fn, use_hwm) if dev.type == 'cpu' else cuda_extra_peak_bytes(fn, dev)
        out[k] = None; gc.collect()
    d2 = torch.randn(8192, 2); m2 = IdealDenoiser(d2); q2 = torch.randn(20_000, 2)   # memory phase, 2-d case
    mem2, _ = extra_peak_bytes(lambda: m2(q2, torch.tensor(0.1)), use_hwm)
    paths2 = "/".join(str(v) for v in m2.last_paths.values()); del m2, q2
    steady_state_malloc()
    for fn in fns.values(): fn()                                   # warm-up under the timing allocator settings
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    times = {k: [] for k in fns}
    for _ in range(a.repeats):                                     # interleaved, so load changes hit all alike
        for k, fn in fns.items():
            sync(); t = time.perf_counter(); fn(); sync(); times[k].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}

    base = med.get('bare')
    print(f'\n{"method":10s} {"median s":>9s} {"all runs (s)":>22s} {"x bare":>7s} {"extra peak MB":>14s} {"/ data":>7s}')
    for k in fns:
        ratio = f'{med[k] / base:7.2f}' if base else '      -'
        print(f'{k:10s} {med[k]:9.3f} {" ".join(f"{t:.3f}" for t in times[k]):>22s} {ratio} '
              f'{mem[k] / 1e6:14.1f} {mem[k] / data_bytes:7.1%}')
    if base and 'ours' in med:
        t_ratio, m_ratio = med['ours'] / base, mem['ours'] / data_bytes
        print(f'\ntargets: time <= 1.30x bare: ours {t_ratio:.2f}x -> {"met" if t_ratio <= 1.3 else "NOT met"}; '
              f'extra peak <= 10% of data: ours {m_ratio:.1%} -> {"met" if m_ratio <= 0.10 else "NOT met"}')
    if 'spec' in med and base:
        print(f'spec formula: {med["spec"] / base:.2f}x bare, extra peak {mem["spec"] / data_bytes:.0%} of the data')
    if 'ours' in fns:
        print(f'rows per path of the {a.batch} timed queries (small/float32/float64/exact): {paths(model, x, a.sigma)}')
        print(f'20,000 queries against 8,192 2-d points: extra peak {mem2 / 1e6:.1f} MB -> {"met" if mem2 <= 64e6 else "NOT met"} (target <= 64 MB); '
              f'paths {paths2}')

    if not a.no_accuracy:
        print('\naccuracy of x̂0, max |x̂0 − float64 direct-difference reference| over 7 queries per σ '
              '(the midpoint query, 4 noised data points, 2 pure-noise queries); requirement: <= 1e-4')
        print(f'{"σ":>7s} {"ours":>9s} {"spec":>9s}   midpoint weights (reference)   paths (small/f32/f64/exact)')
        rows = accuracy(model, data, [0.002, 0.005, 0.01, 0.1, 1., 10., 80.])
        for s, e_ours, e_spec, w0, w1, pth in rows:
            print(f'{s:7g} {e_ours:9.1e} {e_spec:9.1e}   {w0:.2f} / {w1:.2f}                    {pth}')
        worst = max(r[1] for r in rows)
        print(f'worst error, ours: {worst:.1e} -> {"met" if worst <= 1e-4 else "NOT met"}')


if __name__ == '__main__':
    main()
