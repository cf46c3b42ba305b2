"""A progress bar for training loops.

tqdm writes to stderr by default, and nbgrader scores any test cell that
writes to stderr as failed, so the course's bars go to stdout.
"""

import sys

from tqdm import tqdm


def progress(iterable=None, **kwargs):
    """tqdm on stdout, with a compact default layout."""
    kwargs.setdefault("file", sys.stdout)
    kwargs.setdefault("dynamic_ncols", True)
    kwargs.setdefault("mininterval", 0.5)
    return tqdm(iterable, **kwargs)
