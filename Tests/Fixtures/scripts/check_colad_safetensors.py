#!/usr/bin/env python3
"""Loads Tests/Fixtures/engine/colad_written.safetensors (written by colad's encoder, kept
byte-identical by SafeTensorsTests.testWritesTheFileThatPythonLoads) with Python's
`safetensors` package and checks every value. Exit 0 on success. Needs: pip install safetensors numpy."""
import os, sys
import numpy as np
from safetensors.numpy import load_file
from safetensors import safe_open

path = os.path.join(os.path.dirname(__file__), "..", "engine", "colad_written.safetensors")
t = load_file(path)
assert sorted(t) == ["a.bias", "b.weight"], sorted(t)
assert t["b.weight"].dtype == np.float32 and t["b.weight"].shape == (2, 3)
assert np.array_equal(t["b.weight"], np.array([[1, 2, 3], [4, 5, -6.5]], dtype=np.float32))
assert np.array_equal(t["a.bias"], np.array([0.25, -0.0, 3e-20], dtype=np.float32))
with safe_open(path, framework="numpy") as f:
    assert f.metadata() == {"writer": "colad"}, f.metadata()
print("check_colad_safetensors: python safetensors loaded colad's file: ok")
