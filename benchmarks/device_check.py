"""Run every piece of the library on an accelerator and compare with the CPU.

    python benchmarks/device_check.py            # uses CUDA if available, else says so and uses the CPU

Not a test (CI has no GPU): a check that nothing in the library is tied to the CPU. Each line prints
the largest difference between the device result and the same computation on the CPU.
"""
import time, torch
from torch.utils.data import DataLoader
from smalldiffusion import (TimeInputMLP, ConditionalMLP, Scaled, PredV, PredX0, Attention, SigmaEmbedderSinCos,
                            IdealDenoiser, Swissroll, ClassMixture, ScheduleLogLinear, training_loop, samples)

dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
print(f'device: {dev}' + (f' ({torch.cuda.get_device_name()})' if dev.type == 'cuda' else ' (no CUDA here)'))
torch.backends.cuda.matmul.allow_tf32 = False; torch.backends.cudnn.allow_tf32 = False
start = time.time()

def same(name, a, b, tol):
    err = (a.detach().cpu().double() - b.detach().cpu().double()).abs().max().item()
    print(f'{name:55s} max |device - cpu| = {err:.2e}  (tol {tol:g})')
    if not err <= tol: raise SystemExit(f'FAIL: {name}')

def on_both(make, run, tol, name):
    torch.manual_seed(0); m_cpu = make()
    torch.manual_seed(0); m_dev = make().to(dev)
    same(name, run(m_dev, dev), run(m_cpu, torch.device('cpu')), tol)

x, sig = torch.randn(64, 2), torch.rand(64, 1) + 0.05
on_both(lambda: TimeInputMLP(), lambda m, d: m(x.to(d), sig.to(d)), 1e-5, 'TimeInputMLP forward, per-sample sigma')
on_both(lambda: Scaled(PredV(TimeInputMLP))(), lambda m, d: m.predict_eps(x.to(d), sig.to(d)), 1e-5,
        'Scaled(PredV(TimeInputMLP)).predict_eps')
on_both(lambda: PredX0(TimeInputMLP)(), lambda m, d: m.get_loss(x.to(d), sig.to(d), x.flip(0).to(d)), 1e-5,
        'PredX0(TimeInputMLP).get_loss')
on_both(lambda: SigmaEmbedderSinCos(64), lambda m, d: m(64, sig.squeeze(1).to(d)), 1e-5, 'SigmaEmbedderSinCos')
tok = torch.randn(4, 50, 64)
on_both(lambda: Attention(16, 4, qkv_bias=True), lambda m, d: m(tok.to(d)), 1e-4, 'Attention (scaled_dot_product_attention)')
lab = torch.randint(0, 4, (64,))
on_both(lambda: ConditionalMLP(num_classes=4).eval(), lambda m, d: m.predict_eps_cfg(x.to(d), sig.to(d), lab.to(d), 2.0),
        1e-5, 'ConditionalMLP.predict_eps_cfg, per-sample sigma')
img = torch.randn(500, 3, 8, 8)
xi = torch.randn(16, 3, 8, 8)
for s in (0.002, 0.01, 1.0, 10.0, 50.0):     # x̂0 within 1e-4 on each side: ε̂ = (x − x̂0)/σ within 2e-4/σ
    on_both(lambda: IdealDenoiser(img), lambda m, d: m(xi.to(d), torch.tensor(s).to(d)), 2e-4 / s,
            f'IdealDenoiser on 500 x 3x8x8 images, sigma = {s:g}')
if dev.type == 'cuda':   # the denoiser turns TF32 off for its own products, whatever the caller set
    torch.backends.cuda.matmul.allow_tf32 = True
    on_both(lambda: IdealDenoiser(img), lambda m, d: m(xi.to(d), torch.tensor(10.).to(d)), 2e-5,
            'IdealDenoiser, sigma = 10, caller enabled TF32')
    torch.backends.cuda.matmul.allow_tf32 = False

# training and sampling end to end on the device: everything the loop and sampler make stays there
torch.manual_seed(0)
model = TimeInputMLP(hidden_dims=(16, 128, 128, 16)).to(dev)
loader = DataLoader(Swissroll(torch.pi / 2, 3 * torch.pi, 500), batch_size=500)
losses = [ns.loss.item() for ns in training_loop(loader, model, ScheduleLogLinear(200), epochs=300, lr=1e-2)]
*_, x0 = samples(model, ScheduleLogLinear(200).sample_sigmas(20), gam=2, batchsize=256)
print(f'TimeInputMLP trained on {dev}: loss {sum(losses[:30])/30:.3f} -> {sum(losses[-30:])/30:.3f}; samples on {x0.device}')
if x0.device.type != dev.type: raise SystemExit('FAIL: samples left the device')
cmodel = ConditionalMLP(num_classes=4).to(dev)
cl = DataLoader(ClassMixture(4), batch_size=256, shuffle=True)
for ns in training_loop(cl, cmodel, ScheduleLogLinear(200), epochs=20, conditional=True): pass
*_, xc = samples(cmodel, ScheduleLogLinear(200).sample_sigmas(20), cfg_scale=1.0, batchsize=8,
                 cond=torch.arange(8).remainder(4).to(dev))
print(f'ConditionalMLP with CFG sampled on {xc.device}')
ideal = IdealDenoiser(Swissroll(torch.pi / 2, 5 * torch.pi, 100)).to(dev)
*_, xs = samples(ideal, ScheduleLogLinear(200, sigma_min=0.005, sigma_max=10).sample_sigmas(20), gam=2, batchsize=64)
dist = torch.cdist(xs, ideal.data.reshape(len(ideal.data), -1).to(xs)).min(dim=1).values
print(f'IdealDenoiser spec example on {xs.device}: median distance to nearest data point {dist.median():.4f}')
try:
    from accelerate import Accelerator
except ImportError: Accelerator = None
if Accelerator is None: print('accelerate is not installed: training_loop(accelerator=...) not checked')
else:
    acc, amodel = Accelerator(), TimeInputMLP(hidden_dims=(16, 128, 128, 16))
    al = [ns.loss.item() for ns in training_loop(loader, amodel, ScheduleLogLinear(200), epochs=100, lr=1e-2, accelerator=acc)]
    p = next(amodel.parameters())
    print(f'training_loop with a real accelerate.Accelerator on {acc.device}: loss {al[0]:.3f} -> {al[-1]:.3f}, model on {p.device}')
    if not al[-1] < al[0]: raise SystemExit('FAIL: accelerate training did not lower the loss')
print(f'all device checks passed in {time.time() - start:.1f} s')
