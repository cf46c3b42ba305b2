"""Assignment 06: the reference solution agrees with the answer key's oracles (written apart from it) on many random
inputs, with finite differences and with torch; the visible gradient check's limit holds with margin; lecture 06
writes none of the graded answers."""

import json
import re
from functools import partial

import numpy as np
import pytest
import torch

from answer_key.oracles import long_memory as oracle
from rnncourse.gradcheck import numerical_gradient, rel_error
from tests.notebooks import REPO, namespace

SOLUTION = REPO / "solutions" / "06_long_memory" / "06_long_memory.ipynb"
LECTURE = REPO / "lectures" / "06_long_range_memory.ipynb"


@pytest.fixture(scope="module")
def sol():
    return namespace(SOLUTION)


def _elman(rng, N, T, D, H, scale):
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(H, D)) * scale,
            rng.normal(size=(H, H)) * scale, rng.normal(size=H) * 0.3, rng.normal(size=(N, H)))


def _gru(rng, N, D, H):
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(3 * H, D)) * 0.7,
            rng.normal(size=(3 * H, H)) * 0.7, rng.normal(size=3 * H) * 0.5, rng.normal(size=3 * H) * 0.5)


def _sizes(rng, low, high):
    return [int(v) for v in rng.integers(low, np.add(high, 1))]


def test_input_gradient_norms_agree_with_the_oracle_and_torch(sol):
    rng = np.random.default_rng(0)
    for _ in range(60):
        N, T, D, H = _sizes(rng, [1, 1, 1, 1], [5, 25, 4, 6])
        X, h0, U, W, b, g = _elman(rng, N, T, D, H, float(rng.choice([0.3, 0.8, 1.5])))
        got = sol["input_gradient_norms"](X, h0, U, W, b, g)
        assert got.shape == (T,) and got.dtype == np.float64
        np.testing.assert_allclose(got, oracle.input_gradient_norms(X, h0, U, W, b, g), rtol=1e-10, atol=1e-300)
    rnn = torch.nn.RNN(3, 4, batch_first=True, dtype=torch.float64)
    X, h0, U, W, b, g = _elman(rng, 2, 9, 3, 4, 0.8)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(U))
        rnn.weight_hh_l0.copy_(torch.from_numpy(W))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b))
        rnn.bias_hh_l0.zero_()
    Xt = torch.from_numpy(X).requires_grad_()
    _, h_n = rnn(Xt, torch.from_numpy(h0)[None])
    (h_n[0] * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(sol["input_gradient_norms"](X, h0, U, W, b, g), Xt.grad.norm(dim=(0, 2)).numpy(),
                               rtol=1e-10)


def test_gru_step_agrees_with_the_oracle_and_torch(sol):
    rng = np.random.default_rng(1)
    for _ in range(60):
        N, D, H = _sizes(rng, [1, 1, 1], [6, 6, 6])
        x, h, Wi, Wh, bi, bh = _gru(rng, N, D, H)
        dh_new = rng.normal(size=(N, H))
        h_new, cache = sol["gru_step_forward"](x, h, Wi, Wh, bi, bh)
        np.testing.assert_allclose(h_new, oracle.gru_step(x, h, Wi, Wh, bi, bh), atol=1e-14)
        for got, want in zip(sol["gru_step_backward"](dh_new, cache),
                             oracle.gru_step_backward(dh_new, x, h, Wi, Wh, bi, bh), strict=True):
            np.testing.assert_allclose(got, want, atol=1e-12)
    cell = torch.nn.GRUCell(3, 4, dtype=torch.float64)
    x, h, Wi, Wh, bi, bh = _gru(rng, 5, 3, 4)
    with torch.no_grad():
        for name, value in [("weight_ih", Wi), ("weight_hh", Wh), ("bias_ih", bi), ("bias_hh", bh)]:
            getattr(cell, name).copy_(torch.from_numpy(value))
    xt, ht = torch.from_numpy(x).requires_grad_(), torch.from_numpy(h).requires_grad_()
    out = cell(xt, ht)
    dh_new = rng.normal(size=(5, 4))
    (out * torch.from_numpy(dh_new)).sum().backward()
    np.testing.assert_allclose(oracle.gru_step(x, h, Wi, Wh, bi, bh), out.detach().numpy(), atol=1e-14)
    theirs = [xt.grad, ht.grad, cell.weight_ih.grad, cell.weight_hh.grad, cell.bias_ih.grad, cell.bias_hh.grad]
    for got, want in zip(oracle.gru_step_backward(dh_new, x, h, Wi, Wh, bi, bh), theirs, strict=True):
        assert rel_error(got, want.numpy()) < 1e-10


def test_gru_gradcheck_limit_holds_with_margin_over_many_seeds(sol):
    """The visible test checks every gradient against finite differences at 1e-6: the reference passes by 3x on the
    test's own input (seed 301) and on 20 others drawn the same way (the notebook's gru_problem)."""
    worst = 0.0
    for seed in [301, *range(20)]:
        rng = np.random.default_rng(seed)
        x, h, Wi, Wh, bi, bh = sol["gru_problem"](rng, N=3, D=4, H=5)
        dh_new = rng.normal(size=(3, 5))
        grads = sol["gru_step_backward"](dh_new, sol["gru_step_forward"](x, h, Wi, Wh, bi, bh)[1])
        step = partial(lambda *args: oracle.gru_step(*args), x, h, Wi, Wh, bi, bh)
        for param, grad in zip([x, h, Wi, Wh, bi, bh], grads, strict=True):
            worst = max(worst, rel_error(grad, numerical_gradient(step, param, upstream=dh_new)))
    assert worst < 1e-6 / 3, f"worst rel_error {worst:.2e} leaves too little margin under 1e-6"


def test_each_catalogued_mistake_really_differs():
    rng = np.random.default_rng(2)
    X, h0, U, W, b, g = _elman(rng, 2, 6, 3, 4, 0.8)
    assert len(oracle.input_gradient_norms_mistakes(X, h0, U, W, b, g)) == 12
    x, h, Wi, Wh, bi, bh = _gru(rng, 3, 4, 5)
    assert len(oracle.gru_step_forward_mistakes(x, h, Wi, Wh, bi, bh)) == 9
    dh_new = rng.normal(size=(3, 5))
    described = set()
    for i in range(6):
        described |= set(oracle.gru_step_backward_mistakes_at(i, dh_new, x, h, Wi, Wh, bi, bh))
    assert len(described) == 8


def _spec(kind, D, H, K, seed):
    pick = np.random.default_rng(seed)
    gates = 3 if kind == "GRU" else 1
    return {"kind": kind, "weights": {
        "weight_ih_l0": pick.normal(size=(gates * H, D)) * 0.7, "weight_hh_l0": pick.normal(size=(gates * H, H)) * 0.7,
        "bias_ih_l0": pick.normal(size=gates * H) * 0.3, "bias_hh_l0": pick.normal(size=gates * H) * 0.3,
        "head.weight": pick.normal(size=(K, H)) * 0.7, "head.bias": pick.normal(size=K) * 0.3}}


def test_truncated_bptt_agrees_with_the_oracle_on_many_set_ups(sol):
    rng = np.random.default_rng(3)
    for case in range(16):
        kind = "GRU" if case % 2 else "RNN"
        N, T, D, H, K, window = _sizes(rng, [1, 1, 1, 1, 2, 1], [3, 11, 3, 4, 4, 6])
        spec = _spec(kind, D, H, K, seed=case)
        X, Y = rng.normal(size=(N, T, D)), rng.integers(0, K, size=(N, T))
        h0 = rng.normal(size=(1, N, H)) if case % 3 == 0 else None
        lr = float(rng.choice([0.05, 0.3, 1.0]))
        rnn, head = oracle._tiny_models(spec)
        losses = sol["truncated_bptt"](rnn, head, torch.from_numpy(X), torch.from_numpy(Y), window, lr,
                                       None if h0 is None else torch.from_numpy(h0))
        assert len(losses) == -(-T // window) and all(type(v) is float for v in losses)
        np.testing.assert_allclose(losses, oracle.truncated_bptt_outcome(spec, X, Y, window, lr, h0), rtol=1e-10)
        np.testing.assert_allclose(rnn.weight_hh_l0.detach().numpy(),
                                   oracle.truncated_bptt_outcome(spec, X, Y, window, lr, h0, what="weight_hh_l0"),
                                   rtol=1e-9, atol=1e-12)


def test_truncated_bptt_with_one_window_is_plain_bptt(sol):
    """window >= T: one update on the whole sequence, the same as an update by hand with full backpropagation."""
    spec = _spec("GRU", 2, 3, 2, seed=7)
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(2, 6, 2)), rng.integers(0, 2, size=(2, 6))
    rnn, head = oracle._tiny_models(spec)
    out, _ = rnn(torch.from_numpy(X))
    want = torch.nn.functional.cross_entropy(head(out).reshape(-1, 2), torch.from_numpy(Y).reshape(-1)).item()
    rnn, head = oracle._tiny_models(spec)
    assert sol["truncated_bptt"](rnn, head, torch.from_numpy(X), torch.from_numpy(Y), 10, 0.1) == pytest.approx([want])


def _cells(path):
    return json.loads(path.read_text())["cells"]


def test_lecture_imports_no_answer_and_shares_no_line_with_a_solution_cell():
    pattern = re.compile(r"^\s*(from|import)\s+(answer_key|autograder)\b")
    lecture = "\n".join("".join(cell["source"]) for cell in _cells(LECTURE) if cell["cell_type"] == "code")
    assert not pattern.search(lecture)
    solution_lines = {line.strip() for cell in _cells(SOLUTION) if cell["metadata"].get("nbgrader", {}).get("solution")
                      for line in "".join(cell["source"]).splitlines() if len(line.strip()) > 12}
    shared = sorted(line for line in solution_lines if line in lecture and not line.startswith(('"""', "def ")))
    assert not shared, f"solution lines in {LECTURE.name}: {shared}"
