"""Relative error and centred-difference numerical gradients (float64).

Conventions (CONTRIBUTING.md, Conventions): checks run in float64 with a centred difference
and rel_error = max(|a - b| / max(1e-8, |a| + |b|)).
"""

import numpy as np


def rel_error(a, b):
    """Largest elementwise relative error between two arrays (0 for equal arrays)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_gradient(f, x, upstream=None, eps=1e-5):
    """Centred-difference gradient of f at x, where x is modified in place and restored.

    f: a function of no arguments that reads x and returns a scalar or an array.
    upstream: for array-valued f, the gradient of the loss with respect to f's
        output; the result is then d(sum(upstream * f)) / dx.
    x must be a float64 array: float32 steps are too coarse for 1e-7 agreement.
    eps=1e-5 balances truncation (~eps**2) against rounding (~1e-16 / eps).
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("numerical_gradient needs x as a float64 numpy array (it is perturbed in place)")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + eps
        plus = np.array(f(), dtype=np.float64, copy=True)
        x[idx] = old - eps
        minus = np.array(f(), dtype=np.float64, copy=True)
        x[idx] = old
        diff = plus - minus
        if upstream is not None:
            diff = diff * upstream
        grad[idx] = np.sum(diff) / (2 * eps)
        it.iternext()
    return grad
