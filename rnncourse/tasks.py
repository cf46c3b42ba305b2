"""Synthetic sequence tasks, generated on the spot (nothing is downloaded)."""

import numpy as np


def first_symbol_task(n, length, n_symbols, rng):
    """Sequences of random one-hot symbols; the label is the FIRST symbol.

    A model that only sees the last few inputs is at chance (1 / n_symbols):
    the answer has to be carried in the state across all `length` steps,
    which is what makes this a test of memory.

    Returns X (n, length, n_symbols) float32 one-hot, y (n,) int64.
    """
    symbols = rng.integers(0, n_symbols, size=(n, length))
    X = np.eye(n_symbols, dtype=np.float32)[symbols]
    return X, symbols[:, 0].astype(np.int64)
