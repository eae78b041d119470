#!/usr/bin/env python3
"""Times one forward + backward of colad's network in PyTorch (colad_torch.ColadDetector), as
`colad bench ops --profile-preset P` times colad's: a random batch, fixed output gradients
(1e-3 everywhere, as colad's bench), no optimizer step. Prints the median over --repeats after
--warmup untimed steps, in milliseconds, for one memory layout. Used by launch/bench-vs-torch.

    bench_torch_step.py --preset tiny --batch 8 --size 128 --threads 2 --layout nchw|channels_last
"""
import argparse, os, statistics, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch
from colad_torch import ColadDetector

p = argparse.ArgumentParser()
p.add_argument("--preset", default="tiny"); p.add_argument("--batch", type=int, default=8)
p.add_argument("--size", type=int, default=128); p.add_argument("--threads", type=int, default=2)
p.add_argument("--layout", choices=["nchw", "channels_last"], default="nchw")
p.add_argument("--repeats", type=int, default=9); p.add_argument("--warmup", type=int, default=3)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
net = ColadDetector(a.preset, num_classes=6)
x = torch.randn(a.batch, 3, a.size, a.size)
if a.layout == "channels_last":
    net = net.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)

def step():
    net.zero_grad(set_to_none=True)
    outs = net(x)
    tensors = [t for level in outs for t in level]
    torch.autograd.backward(tensors, [torch.full_like(t, 1e-3) for t in tensors])

for _ in range(a.warmup):
    step()
times = []
for _ in range(a.repeats):
    t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
print(f"{statistics.median(times) * 1e3:.2f}")
