"""Time one training step (forward + backward of the ε loss) of the DiT and U-Net configurations of the
notebooks 10_dit and 11_unet, ours against upstream smalldiffusion's implementation of the same architecture.

    git -C /work/.mirror/yuanchenyang+smalldiffusion/repo archive HEAD src | tar -x -C /tmp/upstream
    python benchmarks/dit_unet_step.py --upstream /tmp/upstream/src [--repeats 15] [--threads 1]

Upstream's package is loaded from the given path under another name (`upstream_sd`), with a stand-in for
torchvision (its data module imports torchvision's transforms, which this benchmark never calls). Both models get
the same weights (ours are copied into upstream's: the parameter names agree), the same batch, σ and ε; the script
checks that both give the same output and loss, that our attention runs through `Attention` and
F.scaled_dot_product_attention, then times the steps interleaved (ours then upstream, upstream then ours, ...) and reports the median
and the fastest of each. Without --upstream it times ours alone.
"""
import argparse, importlib.util, sys, time, types
from statistics import median
import torch
import torch.nn.functional as F
from smalldiffusion import DiT, Unet, CondEmbedderLabel, Attention

def load_upstream(src:str):
    "Upstream's smalldiffusion from `src` as the package `upstream_sd`, torchvision stubbed if it is not importable."
    try: import torchvision  # noqa: F401
    except Exception:
        tv, tf = types.ModuleType('torchvision'), types.ModuleType('torchvision.transforms')
        class _Identity:
            def __init__(self, *a, **k): pass
            def __call__(self, x): return x
        for name in ('Compose', 'RandomHorizontalFlip', 'ToTensor', 'Lambda', 'Normalize'): setattr(tf, name, _Identity)
        tv.transforms = tf
        sys.modules.update({'torchvision': tv, 'torchvision.transforms': tf})
    spec = importlib.util.spec_from_file_location('upstream_sd', f'{src}/smalldiffusion/__init__.py',
                                                  submodule_search_locations=[f'{src}/smalldiffusion'])
    mod = importlib.util.module_from_spec(spec); sys.modules['upstream_sd'] = mod; spec.loader.exec_module(mod)
    return mod

# name: (class name, constructor kwargs, batch size, conditional); the configurations of the two notebooks
CONFIGS = {
    'DiT digits (8², D=96, depth 4, cond), B=128': ('DiT', dict(in_dim=8, channels=1, patch_size=2, depth=4, head_dim=32, num_heads=3), 128, True),
    'DiT spec example (16², D=384, depth 4), B=16': ('DiT', dict(in_dim=16, channels=3, patch_size=2, depth=4), 16, False),
    'U-Net digits (8², ch=32, (1,2)), B=128': ('Unet', dict(in_dim=8, in_ch=1, out_ch=1, ch=32, ch_mult=(1, 2), num_res_blocks=1, attn_resolutions=(4,)), 128, False),
    'U-Net spec example (28², ch=64, (1,1,2)), B=16': ('Unet', dict(in_dim=28, in_ch=1, out_ch=1, ch=64, ch_mult=(1, 1, 2)), 16, False),
}

def build(lib, cls:str, kwargs:dict, cond:bool, width:int):
    "A model of `lib` (ours or upstream's), with a label embedding of `width` when conditional."
    extra = dict(cond_embed=lib.CondEmbedderLabel(width, 10)) if cond else {}
    return getattr(lib, cls)(**kwargs, **extra)

def make_batch(model, B:int, cond:bool):
    "A fixed batch: x0, σ (B, 1, 1, 1), ε, labels."
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn((B,) + tuple(model.input_dims), generator=g)
    sigma = torch.rand(B, 1, 1, 1, generator=g) * 5 + 0.02
    return x0, sigma, torch.randn(x0.shape, generator=g), (torch.arange(B) % 10 if cond else None)

def step(model, batch) -> float:
    "One forward + backward of the ε loss; returns its wall time in seconds."
    x0, sigma, eps, labels = batch
    model.zero_grad(set_to_none=True)
    t0 = time.perf_counter()
    loss = F.mse_loss(model(x0 + sigma * eps, sigma, labels), eps)
    loss.backward()
    return time.perf_counter() - t0

def check_same(ours, theirs, batch):
    "Same output on the same weights (dropout off), and our attention through F.scaled_dot_product_attention."
    x0, sigma, eps, labels = batch
    ours.eval(); theirs.eval()
    calls, sdpa = [], F.scaled_dot_product_attention
    F.scaled_dot_product_attention = lambda *a, **k: calls.append(1) or sdpa(*a, **k)
    try:
        with torch.no_grad(): a, b = ours(x0 + sigma * eps, sigma, labels), theirs(x0 + sigma * eps, sigma, labels)
    finally: F.scaled_dot_product_attention = sdpa
    n_attn = sum(isinstance(m, Attention) for m in ours.modules())
    assert n_attn > 0 and len(calls) >= n_attn, (n_attn, len(calls))
    ours.train(); theirs.train()
    return (a - b).abs().max().item(), n_attn

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--upstream', help="path to upstream's src/ (holding smalldiffusion/)")
    p.add_argument('--repeats', type=int, default=15)
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    up = load_upstream(args.upstream) if args.upstream else None
    import smalldiffusion as ours_lib
    print(f'torch {torch.__version__}, {args.threads} thread(s), {args.repeats} interleaved repeats; times in ms')
    print(f"{'configuration':<48}{'ours median':>12}{'ours min':>10}{'upstream median':>17}{'upstream min':>14}{'ratio':>8}")
    for name, (cls, kwargs, B, cond) in CONFIGS.items():
        torch.manual_seed(0)
        width = kwargs.get('head_dim', 64) * kwargs.get('num_heads', 6)
        ours = build(ours_lib, cls, kwargs, cond, width)
        batch = make_batch(ours, B, cond)
        theirs = None
        if up is not None:
            theirs = build(up, cls, kwargs, cond, width)
            theirs.load_state_dict(ours.state_dict())
            diff, n_attn = check_same(ours, theirs, batch)
            assert diff < 1e-4, f'{name}: outputs differ by {diff}'
        models = [ours] + ([theirs] if theirs is not None else [])
        for m in models: step(m, batch); step(m, batch)                   # warm-up
        times = [[] for _ in models]
        for r in range(args.repeats):                                     # alternate who goes first
            order = list(range(len(models)))[::(-1) ** r]
            for i in order: times[i].append(step(models[i], batch) * 1e3)
        row = f'{name:<48}{median(times[0]):>12.1f}{min(times[0]):>10.1f}'
        if theirs is not None: row += f'{median(times[1]):>17.1f}{min(times[1]):>14.1f}{median(times[0]) / median(times[1]):>8.2f}'
        print(row, flush=True)
    if up is not None: print('ratio = ours / upstream (median); same weights, outputs equal to within 1e-4, attention through F.scaled_dot_product_attention')

if __name__ == '__main__': main()
