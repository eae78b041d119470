#!/usr/bin/env python3
"""Reference values for colad's torchvision-layout ResNet (Sources/Models/ResNet.swift), computed
by torchvision's own BasicBlock / Bottleneck / ResNet._make_layer at a narrow width so the
fixtures stay small. Needs torch, torchvision, safetensors, numpy (PyPI).

    make_resnet_fixtures.py [--out Tests/Fixtures/torch]

Writes resnet_basic.safetensors (BasicBlock, blocks [2,1,1,1], base width 4, BatchNorm in eval
mode with random statistics and affine = colad's frozen BN) and resnet_bottleneck.safetensors
(Bottleneck, blocks [1,2,1,1], base width 4, GroupNorm min(32, C) groups). Each holds
  the state dict under torchvision's names (conv weights OIHW, float32; no num_batches_tracked),
  input (NCHW; [2,3,32,64] basic, [1,3,64,96] bottleneck), c3 c4 c5 (NCHW), g3 g4 g5 (the upstream gradients, NCHW),
  grad.<name> for every trainable tensor of L = Σ_l Σ c_l·g_l with nothing frozen
  (frozen BN: its tensors have no gradient), and metadata: block, blocks, base_width, norm.
"""
import argparse, json, os

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import save_file
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet


class NarrowResNet(ResNet):
    """torchvision's ResNet with stage planes w, 2w, 4w, 8w instead of 64…512 (its __init__
    hard-codes 64); blocks, _make_layer and the layer order are torchvision's."""

    def __init__(self, block, layers, width, norm_layer):
        nn.Module.__init__(self)
        self._norm_layer = norm_layer
        self.inplanes, self.dilation, self.groups, self.base_width = width, 1, 1, 64
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def features(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        c2 = self.layer1(x)
        c3 = self.layer2(c2)
        c4 = self.layer3(c3)
        return [c3, c4, self.layer4(c4)]


def gn(c):
    return nn.GroupNorm(min(32, c), c)


def make(kind, out, gen):
    if kind == "basic":
        net, norm = NarrowResNet(BasicBlock, [2, 1, 1, 1], 4, nn.BatchNorm2d), "frozen_bn"
        blocks = [2, 1, 1, 1]
        with torch.no_grad():
            for m in net.modules():
                if isinstance(m, nn.BatchNorm2d):
                    c = m.num_features
                    m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                    m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
                    m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                    m.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
                    m.weight.requires_grad_(False); m.bias.requires_grad_(False)
        net.eval()   # frozen statistics
    else:
        net, norm = NarrowResNet(Bottleneck, [1, 2, 1, 1], 4, gn), "gn"
        blocks = [1, 2, 1, 1]
        with torch.no_grad():
            for m in net.modules():
                if isinstance(m, nn.GroupNorm):
                    m.weight.copy_(torch.rand(m.num_channels, generator=gen) + 0.5)
                    m.bias.copy_(torch.randn(m.num_channels, generator=gen) * 0.1)
        net.train()
    # GroupNorm normalises each channel over C5's positions here: 2x3 of them keeps that well
    # conditioned in float32 (1x2 would not).
    x = torch.randn(*((2, 3, 32, 64) if kind == "basic" else (1, 3, 64, 96)), generator=gen)
    feats = net.features(x)
    gs = [torch.randn(f.shape, generator=gen) for f in feats]
    loss = sum((f * g).sum() for f, g in zip(feats, gs))
    loss.backward()
    tensors = {k: v.detach().float().contiguous() for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    tensors["input"] = x
    for i, (f, g) in enumerate(zip(feats, gs)):
        tensors[f"c{i + 3}"] = f.detach().contiguous()
        tensors[f"g{i + 3}"] = g
    for k, p in net.named_parameters():
        if p.requires_grad:
            tensors["grad." + k] = p.grad.detach().contiguous()
    meta = {"block": "basic" if kind == "basic" else "bottleneck", "blocks": json.dumps(blocks), "base_width": "4", "norm": norm,
            "torch": torch.__version__}
    path = os.path.join(out, f"resnet_{kind}.safetensors")
    save_file(tensors, path, metadata=meta)
    print(path, len(tensors), "tensors", os.path.getsize(path), "bytes")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "torch"))
    a = ap.parse_args()
    gen = torch.Generator().manual_seed(20261201)
    torch.manual_seed(20261201)
    for kind in ("basic", "bottleneck"):
        make(kind, a.out, gen)


if __name__ == "__main__":
    main()
