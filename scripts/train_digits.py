"""Train the class-conditional DiT of nbs/10_dit.ipynb on scikit-learn's 8×8 digits and write its checkpoint.

    python scripts/train_digits.py            # writes scripts/digits_dit.pt (about 1.4 MiB)

Seeded and single-threaded, so a rerun on the same machine writes the same weights. Run time: 3,000 Adam
steps of batch 128 took 5 min 49 s of CPU time (about 0.12 s a step) on one core of a 2-core x86-64 machine with
torch 2.13.0; the wall time was 10.5 min there, because the machine was shared. Two runs side by side wrote
bit-identical weights and losses. A change to the library's model, schedule or data code can change the bits. Needs scikit-learn (the `dev` extra)
for the data.

Recipe: ε-prediction DiT (patch 2, depth 4, 3 heads of 32, width 96, 0.71 M parameters) with a label
embedding (10 classes + the null label, label dropout 0.1), σ from `ScheduleDDPM(N=1000)`, Adam at lr 1e-3,
and an exponential moving average of the weights (decay 0.999) through `torch.optim.swa_utils.AveragedModel`;
the averaged weights are stored in float16 (the notebook loads them into a float32 model).
"""
import argparse, time
from pathlib import Path
import torch
from torch.utils.data import DataLoader
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from smalldiffusion import DiT, CondEmbedderLabel, ScheduleDDPM
from smalldiffusion.data import Digits

CONFIG = dict(in_dim=8, channels=1, patch_size=2, depth=4, head_dim=32, num_heads=3)
NUM_CLASSES, DROPOUT = 10, 0.1

def make_model(config=CONFIG) -> DiT:
    "The digits DiT: `config` plus a label embedding of its width."
    width = config['head_dim'] * config['num_heads']
    return DiT(**config, cond_embed=CondEmbedderLabel(width, NUM_CLASSES, DROPOUT))

def train(steps:int, batch_size:int=128, lr:float=1e-3, ema_decay:float=0.999, seed:int=0):
    "Adam on the ε loss with one σ per image; returns the averaged model and the loss of each step."
    torch.manual_seed(seed); torch.set_num_threads(1)
    data = Digits('train')
    loader = DataLoader(data, batch_size=batch_size, shuffle=True, drop_last=True)
    model, schedule = make_model(), ScheduleDDPM(N=1000)
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(ema_decay))
    opt, losses = torch.optim.Adam(model.parameters(), lr=lr), []
    while len(losses) < steps:
        for x0, labels in loader:
            sigma, eps = schedule.sample_batch(x0), torch.randn_like(x0)      # (B, 1, 1, 1), (B, 1, 8, 8)
            loss = model.get_loss(x0, sigma, eps, cond=labels)
            opt.zero_grad(); loss.backward(); opt.step(); ema.update_parameters(model)
            losses.append(loss.item())
            if len(losses) == steps: break
    return ema.module, losses

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--out', default=str(Path(__file__).with_name('digits_dit.pt')))
    args = p.parse_args()
    t0 = time.time()
    model, losses = train(args.steps)
    state = {k: v.half() for k, v in model.state_dict().items()}
    torch.save(dict(config=CONFIG, num_classes=NUM_CLASSES, dropout_prob=DROPOUT, steps=args.steps,
                    losses=torch.tensor(losses), state_dict=state), args.out)
    last = sum(losses[-100:]) / len(losses[-100:])
    print(f'{args.steps} steps in {time.time() - t0:.0f} s; mean loss of the last 100 steps {last:.4f}; wrote {args.out}')

if __name__ == '__main__': main()
