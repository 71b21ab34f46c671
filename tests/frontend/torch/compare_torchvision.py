#!/usr/bin/env python3
"""cnnc's zoo against torchvision: the same architecture with the same weights gives the same
logits. For each model, cnnc's seeded weights are exported by name (zoo weights are named as
torchvision's state_dict keys) and loaded into the torchvision model; every key must match in
name and shape both ways. Then `cnnc eval zoo:NAME?input=S` and the torchvision model (eval
mode, float64 so the reference carries no rounding of its own) run on one random input, and
the outputs must agree to TOLERANCE relative to the output's largest magnitude.

Exits 77 (ctest's SKIP_RETURN_CODE for this test) with a visible SKIP line when torch or
torchvision cannot be imported.
"""
import argparse
import os
import subprocess
import sys
import tempfile

TOLERANCE = 1e-4

# (zoo name, input size, torchvision constructor keyword arguments)
MODELS = [
    ("resnet18", 64, {}),
    ("resnet50", 64, {}),
    ("resnext50_32x4d", 64, {}),
    ("mobilenet_v2", 64, {}),
    ("densenet121", 64, {}),
    ("googlenet", 64, {"aux_logits": False, "init_weights": False}),
    ("inception_v3", 75, {"aux_logits": False, "init_weights": False}),
    ("shufflenet_v2_x1_0", 64, {}),
    ("shufflenet_v2_x0_5", 64, {}),
    ("squeezenet1_1", 64, {}),
    ("alexnet", 63, {}),  # 63 leaves 1x1 before the adaptive 6x6 pool: cnnc's resize path
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cnnc", required=True)
    parser.add_argument("--export", required=True, help="the zoo_export_weights helper")
    parser.add_argument("models", nargs="*", help="zoo names (default: all listed)")
    args = parser.parse_args()
    try:
        import numpy as np
        import torch
        import torchvision
    except Exception as e:  # ImportError, or a broken install raising something else
        print(f"SKIP: cannot import torch/torchvision/numpy ({e}); PyTorch comparison not run")
        return 77

    torch.set_grad_enabled(False)
    failures = []
    for name, size, kwargs in MODELS:
        if args.models and name not in args.models:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            reference = f"zoo:{name}?input={size}"
            weights = os.path.join(tmp, "weights")
            subprocess.run([args.export, reference, weights], check=True)
            model = getattr(torchvision.models, name)(**kwargs).eval()
            state = model.state_dict()
            exported = {f[:-4] for f in os.listdir(weights)}
            expected = {k for k in state if not k.endswith("num_batches_tracked")}
            if exported != expected:
                failures.append(f"{name}: weights differ; only in cnnc: "
                                f"{sorted(exported - expected)[:5]}, only in torchvision: "
                                f"{sorted(expected - exported)[:5]}")
                continue
            for key in expected:
                value = torch.from_numpy(np.load(os.path.join(weights, key + ".npy")))
                if tuple(value.shape) != tuple(state[key].shape):
                    failures.append(f"{name}: {key} is {tuple(value.shape)} in cnnc, "
                                    f"{tuple(state[key].shape)} in torchvision")
                    break
                state[key].copy_(value)
            else:
                x = np.random.RandomState(0).standard_normal((1, 3, size, size)).astype(np.float32)
                x_path, y_path = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
                np.save(x_path, x)
                subprocess.run([args.cnnc, "eval", reference, "--input", x_path, "-o", y_path],
                               check=True)
                ours = np.load(y_path).astype(np.float64)
                theirs = model.double()(torch.from_numpy(x).double()).numpy()
                scale = np.abs(theirs).max()
                error = np.abs(ours - theirs).max() / scale
                status = "ok" if ours.shape == theirs.shape and error <= TOLERANCE else "FAIL"
                print(f"{name:20s} input {size:3d}: max |cnnc - torch| / max |torch| = "
                      f"{error:.2e} (max |torch| {scale:.3g}) {status}")
                if status != "ok":
                    failures.append(f"{name}: relative error {error:.2e} > {TOLERANCE}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
