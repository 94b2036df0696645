"""Two processes train one model through a real `accelerate.Accelerator` (the test command runs this):

    .venv/bin/python -m torch.distributed.run --nproc_per_node 2 --master_addr 127.0.0.1 \
        --master_port PORT tests/ddp_training.py

(two CPU processes talking over gloo on the loopback address; `Accelerator(cpu=True)` reads the launcher's
environment).
`accelerator.prepare` wraps the model in DistributedDataParallel, which has none of the model's methods;
`training_loop` takes `get_loss` from the model's class and calls it on the wrapper, so gradients are
averaged across the processes. Checked here: the wrapper really is DDP without `get_loss`, both ranks took
the same number of steps on different batches, and afterwards every parameter is identical on both ranks
and has moved from its initial value. Every rank raises on a failed check, so the launch exits non-zero."""
import math
import torch
from torch.utils.data import DataLoader
from accelerate import Accelerator
from smalldiffusion import Swissroll, TimeInputMLP, PredV, ScheduleLogLinear, training_loop, samples

def check(ok, what):
    if not ok: raise SystemExit(f'ddp_training: FAILED: {what}')

acc = Accelerator(cpu=True)
check(acc.num_processes == 2, f'expected 2 processes, got {acc.num_processes}')
torch.manual_seed(0)                                            # the same initial weights on every rank
model = PredV(TimeInputMLP)(hidden_dims=(16, 64, 16))           # a decorated class: its own get_loss
init = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
loader = DataLoader(Swissroll(math.pi / 2, 5 * math.pi, 256), batch_size=32, shuffle=True)
torch.manual_seed(1 + acc.process_index)                        # different σ and ε on each rank
steps, first_x0, wrapper = 0, None, None
for ns in training_loop(loader, model, ScheduleLogLinear(200), accelerator=acc, epochs=3, lr=1e-2):
    steps, wrapper = steps + 1, ns.model
    if first_x0 is None: first_x0 = ns.x0.sum().reshape(1)
check(type(wrapper).__name__ == 'DistributedDataParallel', f'prepared model is a {type(wrapper).__name__}')
check(not hasattr(wrapper, 'get_loss'), 'the DDP wrapper unexpectedly has get_loss')
final = torch.cat([p.detach().flatten() for p in model.parameters()])
all_final, all_steps, all_x0 = acc.gather(final[None]), acc.gather(torch.tensor([steps])), acc.gather(first_x0)
check(all_steps.tolist() == [12, 12], f'steps per rank {all_steps.tolist()}, expected [12, 12]')
check(not torch.equal(all_x0[0], all_x0[1]), 'both ranks saw the same first batch')
check(torch.equal(all_final[0], all_final[1]), f'parameters differ across ranks by {(all_final[0] - all_final[1]).abs().max():.2e}')
check(not torch.equal(final, init), 'parameters did not move')
*_, x = samples(model, ScheduleLogLinear(200).sample_sigmas(10), batchsize=4, accelerator=acc)
check(tuple(x.shape) == (4, 2) and bool(torch.isfinite(x).all()), 'sampling after training failed')
if acc.is_main_process:
    print(f'ddp_training: 2 ranks x {steps} steps on different batches; {final.numel()} parameters identical '
          f'on both ranks after training, moved by up to {(final - init).abs().max():.3f}: ok')
