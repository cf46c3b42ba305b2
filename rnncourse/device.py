"""Device choice and seeding for the torch track.

The torch track is GPU-optional: the same code runs on the CPU (always) and on
CUDA when a GPU is present. Nothing here imports torch until it is asked for,
so the numpy track never pays for it.
"""

import os
import random

import numpy as np


def pick_device(prefer=None):
    """Return the torch.device to run on.

    prefer: None picks CUDA when available, else CPU. "cpu" or "cuda" forces one;
    asking for "cuda" on a machine without a GPU raises a clear error. The
    environment variable RNN_COURSE_DEVICE overrides the automatic choice
    (the GPU check script uses it to run the same notebook on both).
    """
    import torch

    choice = prefer or os.environ.get("RNN_COURSE_DEVICE") or None
    if choice is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(choice)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            "CUDA was requested but this machine has no usable GPU; "
            "use pick_device() to fall back to the CPU automatically."
        )
    return device


def seed_everything(seed=0):
    """Seed Python, numpy and (if installed) torch; return a numpy Generator.

    The returned Generator is what course code should draw from, so a
    notebook gives the same numbers every run.
    """
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # the numpy track does not need torch
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)


def strict_float32():
    """Turn TF32 off on CUDA so float32 parity checks compare like with like.

    cuDNN and cuBLAS may use TF32 by default, which changes float32 results by
    up to about 1e-3 against the CPU; with it off the difference is about 1e-5.
    Harmless on a machine without a GPU.
    """
    import torch

    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
