"""The shared library: checks, gradient checking, device choice, seeding, text, progress."""

import io
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rnncourse import (
    CheckFailure,
    check_close,
    check_equal,
    check_shape,
    check_type,
    numerical_gradient,
    pick_device,
    progress,
    rel_error,
    seed_everything,
)
from rnncourse.checks import Unreadable, plain
from rnncourse.text import make_corpus

REPO = Path(__file__).resolve().parents[1]

# ---- checks ----------------------------------------------------------------


def test_check_equal_passes_on_equal_values_and_treats_tuples_as_lists():
    check_equal(np.arange(3), np.arange(3), "x")
    check_equal((["a"], ["b"]), (["a"], ["b"]), "pair")
    check_equal(("a", "b"), ["a", "b"], "tuple vs list")


def test_check_equal_reports_expected_got_and_first_difference():
    with pytest.raises(CheckFailure) as info:
        check_equal(np.array([1, 2, 4]), np.array([1, 2, 3]), "values")
    message = str(info.value)
    assert "values is wrong" in message
    assert "expected: [1 2 3]" in message and "got:      [1 2 4]" in message
    assert "1 of 3 entries differ; first at index (2,): expected 3, got 4" in message


def test_check_equal_names_a_recognised_mistake_and_only_that_one():
    mistakes = {"forgot to reverse": [1, 2, 3], "reversed twice": [9, 9]}
    with pytest.raises(CheckFailure) as info:
        check_equal([1, 2, 3], [3, 2, 1], "reversed list", mistakes=mistakes)
    assert "Likely mistake: forgot to reverse" in str(info.value)
    assert "reversed twice" not in str(info.value)


def test_a_mistake_is_named_only_when_it_is_the_only_one_that_fits():
    mistakes = {"forgot to reverse": [1, 2, 3], "sorted instead": [1, 2, 3], "reversed twice": [9, 9]}
    with pytest.raises(CheckFailure) as info:
        check_equal([1, 2, 3], [3, 2, 1], "reversed list", mistakes=mistakes)
    message = str(info.value)
    assert "Likely mistake" not in message
    assert "fits more than one known mistake:\n    - forgot to reverse\n    - sorted instead" in message
    assert "reversed twice" not in message
    with pytest.raises(CheckFailure) as info:
        check_shape(np.zeros((3, 1)), (1, 3), "s", mistakes={"a": (3, 1), "b": (3, 1)})
    assert "Likely mistake" not in str(info.value) and "- a\n    - b" in str(info.value)


def test_two_different_numbers_never_look_the_same_in_a_message():
    with pytest.raises(CheckFailure) as info:
        check_close(np.array([2 / 3]), np.array([2 / 3 + 1e-9]), "accuracy", atol=1e-12, rtol=0)
    lines = str(info.value).splitlines()
    expected, got = lines[1].split(":", 1)[1], lines[2].split(":", 1)[1]
    assert expected != got, lines
    assert "expected 0.6666666677, got 0.6666666667" in lines[3] and "atol=1e-12, rtol=0" in lines[3]
    with pytest.raises(CheckFailure) as info:
        check_equal(np.array([2 / 3, 1.0]), np.array([2 / 3 + 1e-9, 1.0]), "accuracies")
    lines = str(info.value).splitlines()
    assert lines[1].split(":", 1)[1] != lines[2].split(":", 1)[1], lines


def test_check_equal_gives_the_hint_only_without_a_diagnosis():
    with pytest.raises(CheckFailure, match="Hint: think"):
        check_equal(1, 2, "n", hint="think")


def test_check_equal_reports_shape_mismatch():
    with pytest.raises(CheckFailure, match=r"shape: expected \(2, 3\), got \(3, 2\)"):
        check_equal(np.zeros((3, 2)), np.zeros((2, 3)), "m")


def test_check_close_tolerances_and_message():
    check_close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), "close")
    with pytest.raises(CheckFailure) as info:
        check_close(np.array([1.0, 2.5]), np.array([1.0, 2.0]), "far", atol=1e-6,
                    mistakes={"used tanh twice": np.array([1.0, 2.5])})
    message = str(info.value)
    assert "largest difference 0.5 at index (1,)" in message
    assert "Likely mistake: used tanh twice" in message


def test_check_close_accepts_tensors_and_flags_nan():
    check_close(torch.tensor([1.0, 2.0]), np.array([1.0, 2.0]), "tensor vs array")
    with pytest.raises(CheckFailure, match="contains NaN"):
        check_close(np.array([np.nan]), np.array([0.0]), "nan")


def test_check_shape_and_type_messages():
    with pytest.raises(CheckFailure, match=r"expected shape: \(2, 3\)") as info:
        check_shape(np.zeros((3, 2)), (2, 3), "h", mistakes={"transposed": (3, 2)})
    assert "Likely mistake: transposed" in str(info.value)
    with pytest.raises(CheckFailure, match="missing `return`"):
        check_type(None, tuple, "result")
    with pytest.raises(CheckFailure, match="should be an array"):
        check_shape([1, 2], (2,), "a list")


def test_a_failing_diagnosis_never_hides_the_real_failure():
    class Weird:
        def __eq__(self, other):
            raise RuntimeError("boom")

    with pytest.raises(CheckFailure, match="x is wrong"):
        check_equal(1, 2, "x", mistakes={"weird": Weird()})


def test_check_failure_is_an_assertion_error_so_nbgrader_scores_it_as_failed():
    assert issubclass(CheckFailure, AssertionError)


# ---- gradient checking -------------------------------------------------------


# ---------------------------------------------------------------- objects that answer comparisons as they like

class _AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class _LyingFloat(float):
    def __eq__(self, other):
        return True

    def __lt__(self, other):
        return True

    __hash__ = float.__hash__


class _ArrayFunctionLiar(np.ndarray):
    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_ufunc__(self, *args, **kwargs):
        return np.ones(self.shape, dtype=bool)


class _TorchFunctionLiar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return torch.tensor([1.0, 2.0])


class _PretendsToBeATuple:
    __class__ = property(lambda self: tuple)


@pytest.mark.parametrize("crafted, expected", [
    (_AlwaysEqual(), 3), ([_AlwaysEqual()], [1]), ({"a": _AlwaysEqual()}, {"a": 1}), (_LyingFloat(0.1), 0.5),
    (np.zeros(2).view(_ArrayFunctionLiar), np.ones(2)), (torch.zeros(2).as_subclass(_TorchFunctionLiar),
                                                          torch.tensor([1.0, 2.0]))],
    ids=["eq", "list", "dict", "float", "array_function", "torch_function"])
def test_a_crafted_object_cannot_answer_a_check_as_it_likes(crafted, expected):
    for check in (check_equal, check_close):
        with pytest.raises(CheckFailure):
            check(crafted, expected, "the value")
    with pytest.raises(CheckFailure):
        check_type(_PretendsToBeATuple(), tuple, "the result")


def test_subclasses_of_library_types_are_read_as_their_base_type():
    import collections

    pair = collections.namedtuple("Pair", "first second")
    check_equal(pair([1], 2), ([1], 2), "a namedtuple where a tuple is expected")
    check_close(torch.nn.Parameter(torch.ones(2)), np.ones(2), "a Parameter")
    check_close(_LyingFloat(0.5), 0.5, "a float subclass with the right value")
    check_shape(torch.zeros(2, 3, device="meta"), (2, 3), "a meta tensor (a shape, no data)")
    assert type(plain(_LyingFloat(0.5))) is float and type(plain(torch.Size([2, 3]))) is tuple
    assert type(plain(torch.zeros(2).as_subclass(_TorchFunctionLiar))) is torch.Tensor
    assert isinstance(plain(_AlwaysEqual()), Unreadable) and "_AlwaysEqual" in repr(plain(_AlwaysEqual()))


class _LyingList(list):
    def __len__(self):
        return 99

    def __iter__(self):
        return iter([_LyingFloat(0.0)])


class _ClaimsEverything(type):
    def __subclasscheck__(cls, subclass):
        return True


class _Node(metaclass=_ClaimsEverything):
    pass


def test_plain_keeps_the_objects_a_test_reads_itself():
    """keep=Node: the containers around the nodes are read through their base classes, the nodes handed back."""
    node = _Node()
    got = plain((_LyingList([node, _LyingFloat(2.0)]), [node]), keep=_Node)
    assert type(got) is tuple and type(got[0]) is list and len(got[0]) == 2
    assert got[0][0] is node and got[1][0] is node and type(got[0][1]) is float
    # a metaclass that claims every class as its subclass does not make plain keep anything else
    assert type(plain(_LyingFloat(1.0), keep=_Node)) is float
    assert isinstance(plain(_AlwaysEqual(), keep=_Node), Unreadable)


def test_rel_error_definition():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error([1.0], [3.0]) == pytest.approx(0.5)
    assert rel_error([0.0], [0.0]) == 0.0
    with pytest.raises(ValueError):
        rel_error(np.ones(2), np.ones(3))


def test_numerical_gradient_matches_analytic_to_1e_7():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    x_before = x.copy()
    W = rng.normal(size=(4, 2))
    upstream = rng.normal(size=(3, 2))
    num = numerical_gradient(lambda: np.tanh(x @ W), x, upstream=upstream)
    analytic = (upstream * (1 - np.tanh(x @ W) ** 2)) @ W.T
    assert rel_error(num, analytic) < 1e-7
    scalar = numerical_gradient(lambda: np.sum(x ** 3), x)
    assert rel_error(scalar, 3 * x ** 2) < 1e-7
    # every entry it nudged is put back, bit for bit (a copy taken before, not after)
    assert np.array_equal(x, x_before), "numerical_gradient left x changed"


def test_numerical_gradient_refuses_float32():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))


# ---- device, seeding, text, progress ------------------------------------------


def test_pick_device_falls_back_to_cpu_and_honours_the_override(monkeypatch):
    monkeypatch.delenv("RNN_COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device().type == expected
    assert pick_device("cpu").type == "cpu"
    monkeypatch.setenv("RNN_COURSE_DEVICE", "cpu")
    assert pick_device().type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without a GPU")
def test_asking_for_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(RuntimeError, match="no usable GPU"):
        pick_device("cuda")


def test_seed_everything_makes_numpy_and_torch_repeat():
    a = seed_everything(3).normal(size=3), np.random.rand(), torch.rand(2)
    b = seed_everything(3).normal(size=3), np.random.rand(), torch.rand(2)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1] and torch.equal(a[2], b[2])


def test_make_corpus_is_deterministic_and_sized():
    assert make_corpus(50, seed=1) == make_corpus(50, seed=1)
    assert make_corpus(50, seed=1) != make_corpus(50, seed=2)
    assert make_corpus(50).count(". ") == 50
    assert make_corpus(0) == ""
    with pytest.raises(ValueError):
        make_corpus(-1)


def test_progress_writes_to_stdout_not_stderr(monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert sum(progress(range(5), mininterval=0)) == 10
    assert "5/5" in out.getvalue() and err.getvalue() == ""


def test_a_mistake_that_produces_nan_is_still_named():
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp([1000.0, 0.0]) / np.exp([1000.0, 0.0]).sum()
    with pytest.raises(CheckFailure, match="Likely mistake: overflow"):
        check_close(naive, np.array([1.0, 0.0]), "softmax", mistakes={"overflow": naive.copy()})


# ---- contracts: inputs, random generators, devices -----------------------------


def test_check_unchanged_names_an_input_the_call_modified():
    from rnncourse.contracts import check_unchanged

    before = np.arange(3.0)
    check_unchanged(before, before.copy(), "xs")
    grads = [np.ones((2, 2)), np.zeros(3)]
    check_unchanged([g.copy() for g in grads], grads, "grads (a list of arrays)")
    with pytest.raises(CheckFailure, match="grads was changed"):
        check_unchanged([g.copy() for g in grads], [grads[0] * 2, grads[1]], "grads")
    with pytest.raises(CheckFailure, match=r"xs was changed by the call(.|\n)*after the call:  \[5\. 1\. 2\.\]"):
        check_unchanged(before, np.array([5.0, 1.0, 2.0]), "xs")


@pytest.mark.parametrize("draw_from, named", [
    (lambda: np.random.rand(), "numpy's global generator"),
    (lambda: np.random.seed(3), "numpy's global generator"),
    (lambda: torch.randn(2), "torch's global generator"),
    (lambda: __import__("random").random(), "Python's random module"),
])
def test_untouched_global_rng_names_the_global_generator_used(draw_from, named):
    from rnncourse.contracts import untouched_global_rng

    with untouched_global_rng("shuffle(...)"):
        np.random.default_rng(0).permutation(5)            # a generator of its own is the contract
        torch.randn(2, generator=torch.Generator().manual_seed(0))
    with pytest.raises(CheckFailure, match=f"shuffle\\(...\\) used {named}"):
        with untouched_global_rng("shuffle(...)"):
            draw_from()
    with untouched_global_rng("init", allow=("torch",)):
        torch.randn(2)


def _train(model, X, y, device, move_inputs=True, move_model=True):
    if move_model:
        model.to(device)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    for start in range(0, len(X), 2):
        xb = X[start:start + 2].to(device) if move_inputs else X[start:start + 2]
        loss = torch.nn.functional.mse_loss(model(xb), y[start:start + 2].to(device))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()


@pytest.mark.parametrize("move_inputs, move_model, error", [
    (True, True, None),
    (False, True, "inputs on \\['cpu'\\]"),
    (True, False, "parameters were on \\['cpu'\\]"),
])
def test_probe_devices_sees_where_a_training_function_puts_model_and_inputs(move_inputs, move_model, error):
    from rnncourse.contracts import check_devices, probe_devices

    model = torch.nn.Linear(3, 1)
    with probe_devices(model) as seen:
        _train(model, torch.randn(6, 3), torch.randn(6, 1), torch.device("meta"), move_inputs, move_model)
    if error is None:
        check_devices(seen, "meta", "train")
    else:
        with pytest.raises(CheckFailure, match=error):
            check_devices(seen, "meta", "train")
    assert not model._forward_pre_hooks, "the probe removes its hook"
    with pytest.raises(CheckFailure, match="never called"):
        with probe_devices(model) as unused:
            pass
        check_devices(unused, "meta", "train")


def test_draw_gives_the_same_inputs_every_time_and_leaves_no_folder(tmp_path, monkeypatch):
    import subprocess

    code = ("from hypothesis import strategies as st; from rnncourse.examples import draw; "
            "print(draw(st.lists(st.integers(-3, 3), max_size=6), 25, 7), draw(st.floats(-1e6, 1e6), 300, 1))")
    # the second run has the answer key's modules loaded, as `make release` has: hypothesis would draw their
    # constants too, unless draw() keeps them out
    loaded = "import answer_key.oracles.elman, answer_key.oracles.bias, answer_key.oracles.hello; "
    runs = [subprocess.run([sys.executable, "-c", prefix + code], cwd=tmp_path, capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONPATH": str(REPO)}) for prefix in ("", loaded)]
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout.count("[") == 27
    assert "[]" in runs[0].stdout, "hypothesis tries the edge cases first: the empty list among them"
    assert list(tmp_path.iterdir()) == [], "no .hypothesis folder in the student's working folder"
