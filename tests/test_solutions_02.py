"""Assignment 02: the reference recurrence (answer_key) and the reference solution agree with
finite differences (with margin, over many seeds) and with torch; lecture 02 writes its own
recurrence, which agrees with the reference but shares no code with the solution."""

import ast
import json
import re
from functools import partial

import numpy as np
import pytest
import torch

from answer_key.oracles import elman as oracle
from answer_key.oracles import recurrence as ref
from rnncourse.gradcheck import numerical_gradient, rel_error
from tests.notebook_cells import code_cells
from tests.notebooks import REPO, namespace

LECTURE = REPO / "lectures" / "02_elman_rnn.ipynb"
NOTEBOOKS = [LECTURE, REPO / "solutions" / "02_elman" / "02_elman.ipynb",
             REPO / "assignments" / "02_elman" / "02_elman.ipynb"]


@pytest.fixture(scope="module")
def sol():
    return namespace(REPO / "solutions" / "02_elman" / "02_elman.ipynb", skip=("train_memory_model",))


def _gradcheck_limits():
    """[(T, limit)] of the visible gradient check, as its test cell states them (`for T, limit, seed in [...]`),
    read from the solution notebook with ast."""
    source = next(src for where, src, _ in code_cells(REPO / "solutions" / "02_elman" / "02_elman.ipynb")
                  if where == "test_rnn_backward_gradcheck")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Tuple) \
                and [getattr(e, "id", None) for e in node.target.elts][:2] == ["T", "limit"]:
            return [tuple(case[:2]) for case in ast.literal_eval(node.iter)]
    raise LookupError("test_rnn_backward_gradcheck has no `for T, limit, ... in [...]` loop")


def _problem(rng, N, T, D, H):
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(H, D)) * 0.5,
            rng.normal(size=(H, H)) * 0.5, rng.normal(size=H) * 0.5)


@pytest.mark.parametrize("T,limit", _gradcheck_limits())
def test_gradcheck_limits_hold_with_margin_over_many_seeds(sol, T, limit):
    """The visible test's thresholds: the reference must pass them by 3x on every seed tried."""
    worst = 0.0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        X, h0, U, W, b = _problem(rng, 3, T, 4, 5)
        Hs, cache = sol["rnn_forward"](X, h0, U, W, b)
        dH = rng.normal(size=Hs.shape)
        grads = sol["rnn_backward"](dH, cache)
        states = partial(lambda *args: ref.rnn_forward(*args)[0], X, h0, U, W, b)
        for param, grad in zip([X, h0, U, W, b], grads, strict=True):
            numeric = numerical_gradient(states, param, upstream=dH)
            worst = max(worst, rel_error(grad, numeric))
    assert worst < limit / 3, f"worst rel_error {worst:.2e} leaves too little margin under {limit:.0e}"


def test_solution_matches_the_reference_recurrence(sol):
    rng = np.random.default_rng(0)
    X, h0, U, W, b = _problem(rng, 4, 9, 3, 6)
    Hs, cache = sol["rnn_forward"](X, h0, U, W, b)
    ref_Hs, ref_cache = ref.rnn_forward(X, h0, U, W, b)
    np.testing.assert_allclose(Hs, ref_Hs, atol=1e-14)
    dH = rng.normal(size=Hs.shape)
    for got, want in zip(sol["rnn_backward"](dH, cache), ref.rnn_backward(dH, ref_cache), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-12)
    Z = rng.normal(size=(3, 4, 5)) * 500
    np.testing.assert_allclose(sol["softmax"](Z), ref.softmax(Z), atol=1e-15)
    grads = [rng.normal(size=(3, 3)), rng.normal(size=4)]
    for got, want in zip(sol["clip_gradients"](grads, 0.5), ref.clip_gradients(grads, 0.5), strict=True):
        np.testing.assert_allclose(got, want)
    assert abs(ref.global_norm(ref.clip_gradients(grads, 0.5)) - 0.5) < 1e-12


def test_reference_recurrence_matches_torch_autograd_in_float64():
    rng = np.random.default_rng(1)
    X, h0, U, W, b = _problem(rng, 3, 7, 4, 5)
    rnn = torch.nn.RNN(4, 5, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(U))
        rnn.weight_hh_l0.copy_(torch.from_numpy(W))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b))
        rnn.bias_hh_l0.zero_()
    Xt = torch.from_numpy(X).requires_grad_()
    h0t = torch.from_numpy(h0)[None].requires_grad_()
    out, _ = rnn(Xt, h0t)
    dH = rng.normal(size=out.shape)
    (out * torch.from_numpy(dH)).sum().backward()
    Hs, cache = ref.rnn_forward(X, h0, U, W, b)
    np.testing.assert_allclose(Hs, out.detach().numpy(), atol=1e-13)
    dX, dh0, dU, dW, db = ref.rnn_backward(dH, cache)
    for got, want in [(dX, Xt.grad), (dh0, h0t.grad[0]), (dU, rnn.weight_ih_l0.grad),
                      (dW, rnn.weight_hh_l0.grad), (db, rnn.bias_ih_l0.grad)]:
        assert rel_error(got, want.numpy()) < 1e-10


def test_each_catalogued_backward_mistake_really_differs():
    rng = np.random.default_rng(2)
    X, h0, U, W, b = _problem(rng, 2, 4, 3, 3)
    Hs, cache = ref.rnn_forward(X, h0, U, W, b)
    dH = rng.normal(size=Hs.shape)
    right = ref.rnn_backward(dH, cache)
    mistakes = oracle.rnn_backward_mistakes(dH, cache)
    assert mistakes, "no catalogued backward mistakes to check"
    for description, wrong in mistakes.items():
        assert any(rel_error(w, r) > 1e-3 for w, r in zip(wrong, right, strict=True)), description


def test_elman_module_equals_torch_rnn_in_float64(sol):
    torch.manual_seed(0)
    model = sol["ElmanRNN"](3, 7).double()
    reference = torch.nn.RNN(3, 7, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        model.U.copy_(reference.weight_ih_l0)
        model.W.copy_(reference.weight_hh_l0)
        model.b.copy_(reference.bias_ih_l0 + reference.bias_hh_l0)
    X = torch.randn(5, 11, 3, dtype=torch.float64)
    Hs, h_T = model(X)
    want, want_last = reference(X)
    torch.testing.assert_close(Hs, want, atol=1e-12, rtol=0)
    torch.testing.assert_close(h_T, want_last[0], atol=1e-12, rtol=0)


def _cells(path):
    return json.loads(path.read_text())["cells"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(REPO)))
def test_no_reference_answer_is_imported(path):
    """Nothing a student runs may reach the answer key or the old library recurrence."""
    pattern = re.compile(r"^\s*(from|import)\s+(answer_key|rnncourse\.oracles|rnncourse\.recurrence)\b"
                         r"|^\s*from\s+rnncourse\s+import\s+.*\b(oracles|recurrence)\b")
    for cell in _cells(path):
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).splitlines():
            assert not pattern.search(line), f"{path.name}: {line.strip()}"


def test_lecture_shares_no_line_with_any_solution_cell():
    """The lecture writes its recurrence differently: no solution line longer than 12 characters appears in it."""
    solution_lines = set()
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        for cell in _cells(path):
            if cell["metadata"].get("nbgrader", {}).get("solution"):
                solution_lines |= {line.strip() for line in "".join(cell["source"]).splitlines()
                                   if len(line.strip()) > 12}
    lecture = "\n".join("".join(cell["source"]) for cell in _cells(LECTURE))
    shared = sorted(line for line in solution_lines if line in lecture)
    assert not shared, f"solution lines in {LECTURE.name}: {shared}"


@pytest.fixture(scope="module")
def lecture_functions():
    """The numpy Elman network lecture 02 writes (only the def statements of its cells, nothing else is run)."""
    found = {"np": np}
    for cell in _cells(LECTURE):
        if cell.get("id") in ("step-helpers", "shared-demo", "training-helpers"):
            tree = ast.parse("".join(cell["source"]))
            defs = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
            exec(compile(ast.Module(body=defs, type_ignores=[]), LECTURE.name, "exec"), found)
    return found


def test_lecture_recurrence_agrees_with_the_reference(lecture_functions):
    lec = lecture_functions
    rng = np.random.default_rng(3)
    X, h0, U, W, b = _problem(rng, 4, 7, 3, 5)
    states = lec["run_elman"](X, h0, U, W, b)
    ref_states, cache = ref.rnn_forward(X, h0, U, W, b)
    np.testing.assert_allclose(states, ref_states, atol=1e-14)
    G = rng.normal(size=states.shape)
    for got, want in zip(lec["bptt"](G, X, h0, U, W, states), ref.rnn_backward(G, cache), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-12)
    Z = rng.normal(size=(3, 4, 6)) * 400
    np.testing.assert_allclose(lec["softmax_last"](Z), ref.softmax(Z), atol=1e-14)
    V, c = rng.normal(size=(2, 5)), rng.normal(size=2)
    np.testing.assert_allclose(lec["class_probs"](states, V, c), ref.rnn_output(states, V, c), atol=1e-14)
    grads = [rng.normal(size=(3, 3)) * 4, rng.normal(size=4)]
    assert abs(lec["grad_norm"](grads) - ref.global_norm(grads)) < 1e-12
    for tau in (0.5, 1e3):
        for got, want in zip(lec["clip_by_norm"](grads, tau), ref.clip_gradients(grads, tau), strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-13)
    for got, want in zip(lec["small_params"](3, 5, 2, np.random.default_rng(9)),
                         ref.init_params(3, 5, 2, np.random.default_rng(9)), strict=True):
        np.testing.assert_array_equal(got, want)


def test_the_training_oracle_is_the_solutions_training_on_one_example(sol):
    """The known mistakes of train_many_to_one are variants of answer_key's _train_variant: with no mistake switched
    on, it must give what the solution gives (losses and weights), on the test's one-example setup."""
    weight = np.array([[0.2, -0.1, 0.3, 0.0, 0.1, -0.2], [0.1, 0.1, -0.3, 0.2, 0.0, 0.1],
                       [-0.2, 0.3, 0.1, -0.1, 0.2, 0.0]])
    bias = np.array([0.1, -0.1, 0.0])
    X = np.array([[[3.0, -2.0], [1.0, 4.0], [-2.0, 2.0]]], dtype=np.float32)
    y = np.array([2])
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 3))
    with torch.no_grad():
        model[1].weight.copy_(torch.from_numpy(weight))
        model[1].bias.copy_(torch.from_numpy(bias))
    losses = sol["train_many_to_one"](model, torch.from_numpy(X), torch.from_numpy(y), 4, torch.device("cpu"), lr=0.1)
    want = oracle._train_variant(weight, bias, X, y, 4, 0.1)
    np.testing.assert_allclose(losses, want["losses"], rtol=1e-6)
    np.testing.assert_allclose(model[1].weight.detach().numpy(), want["weight"], atol=1e-6)
    mistakes = oracle.train_many_to_one_mistakes("losses", weight, bias, X, y, 4, 0.1)
    assert len(mistakes) == 7, sorted(mistakes)


def test_the_many_to_one_oracle_reads_the_last_state_of_torch_rnn():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3, 5, 3))
    rnn = torch.nn.RNN(3, 4, batch_first=True, dtype=torch.float64)
    head_w, head_b = rng.normal(size=(2, 4)), rng.normal(size=2)
    _, h_n = rnn(torch.from_numpy(X))
    want = h_n[0].detach().numpy() @ head_w.T + head_b
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy()
    mistakes = oracle.many_to_one_mistakes(X, rnn.weight_ih_l0.detach().numpy(), rnn.weight_hh_l0.detach().numpy(), b,
                                           head_w, head_b)
    assert len(mistakes) == 5
    for description, wrong in mistakes.items():
        assert not np.allclose(wrong, want, atol=1e-6), description
    first = mistakes["the head reads the FIRST state: ManyToOne classifies from the last state h_T"]
    out, _ = rnn(torch.from_numpy(X))
    np.testing.assert_allclose(first, out[:, 0].detach().numpy() @ head_w.T + head_b, atol=1e-12)
