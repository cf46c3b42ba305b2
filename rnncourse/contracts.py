"""Checks of a function's contract beyond its return value, for the assignments' test cells.

    check_unchanged(original, now, what)      an input the function was given is as it was
    untouched_global_rng(what)                the function drew no number from random's, numpy's or torch's
                                              global generator (it must use the generator or seed it is given)
    probe_devices(model)                      what a torch model receives on its first forward call: the
                                              device of its inputs and of its parameters, then training stops

Each raises rnncourse.checks.CheckFailure with a message that names the broken clause.
"""

import contextlib
import random

import numpy as np

from rnncourse.checks import CONTRACT, CheckFailure, _equal, _short, plain


def check_unchanged(original, now, what):
    """Fail unless now (an input after the call) equals original (a copy taken before the call)."""
    if not _equal(plain(now), original):
        raise CheckFailure(
            f"{what} was changed by the call: the function must leave its inputs as they were "
            f"(work on a copy).\n  before the call: {_short(original)}\n  after the call:  {_short(plain(now))}",
            check=what, diagnoses=[CONTRACT["input_modified"]])


def _torch():
    import sys

    return sys.modules.get("torch")


def _global_states():
    states = {"Python's random module (random.*)": random.getstate(),
              "numpy's global generator (np.random.*)": np.random.get_state()}
    torch = _torch()
    if torch is not None:
        states["torch's global generator (torch.rand*, torch.manual_seed, ...)"] = torch.get_rng_state()
    return states


def _same_state(a, b):
    torch = _torch()
    if torch is not None and isinstance(a, torch.Tensor):
        return bool(torch.equal(a, b))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same_state(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return bool(np.array_equal(a, b))
    return a == b


@contextlib.contextmanager
def untouched_global_rng(what, allow=()):
    """Fail if the code inside used (or reseeded) a global random generator.

    allow: names of generators the contract lets the function use (keys of the message, e.g. "torch").
    """
    before = _global_states()
    yield
    after = _global_states()
    used = [name for name in before
            if not any(a in name for a in allow) and not _same_state(before[name], after[name])]
    if used:
        raise CheckFailure(
            f"{what} used {' and '.join(used)}: draw random numbers only from the generator or seed the "
            "function is given, so that the same seed gives the same result and nothing else is disturbed",
            check=what, diagnoses=[CONTRACT["global_rng"]])


class _Stop(Exception):
    """Raised by the probe on the model's first forward call: the test has seen what it needed."""


class DevicesSeen:
    def __init__(self):
        self.inputs = None       # device types of the tensors the model was called with
        self.parameters = None   # device types of the model's parameters at that moment
        self.called = False


@contextlib.contextmanager
def probe_devices(model):
    """with probe_devices(model) as seen: train(model, ..., device=torch.device("meta"))

    On the model's first forward call, records the devices of its tensor inputs and of its parameters, then
    stops the training (the exception is caught here). A "meta" device has no data, so nothing is computed;
    a function that moves its inputs and model where it is told shows "meta" for both.
    """
    torch = _torch()
    seen = DevicesSeen()

    def hook(module, args, kwargs):
        tensors = [a for a in list(args) + list(kwargs.values()) if isinstance(a, torch.Tensor)]
        seen.called = True
        seen.inputs = sorted({plain(t).device.type for t in tensors})   # plain: a subclass cannot lie
        seen.parameters = sorted({p.device.type for p in module.parameters()})
        raise _Stop

    handle = model.register_forward_pre_hook(hook, with_kwargs=True)
    try:
        yield seen
    except _Stop:
        pass
    finally:
        handle.remove()


def check_devices(seen, device, what):
    """Fail unless the probed model was called on device with its parameters on device."""
    if not seen.called:
        raise CheckFailure(f"{what}: the model was never called, so the device contract could not be checked",
                           check=what)
    if seen.parameters != [device]:
        raise CheckFailure(f"{what}: the model's parameters were on {seen.parameters} when it was called, "
                           f"not on the device it was given ({device!r}): move the model with model.to(device)",
                           check=what, diagnoses=[CONTRACT["device"]])
    if seen.inputs != [device]:
        raise CheckFailure(f"{what}: the model was called with inputs on {seen.inputs}, not on the device it was "
                           f"given ({device!r}): move each batch with .to(device) before the forward pass",
                           check=what, diagnoses=[CONTRACT["device"]])
