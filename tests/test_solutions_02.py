"""Assignment 02: the shared recurrence and the reference solution agree with
finite differences (with margin, over many seeds) and with torch."""

from functools import partial

import numpy as np
import pytest
import torch

from answer_key.oracles import recurrence as ref
from rnncourse.gradcheck import numerical_gradient, rel_error
from answer_key.oracles import elman as oracle
from tests.notebooks import REPO, namespace


@pytest.fixture(scope="module")
def sol():
    return namespace(REPO / "solutions" / "02_elman" / "02_elman.ipynb", skip=("train_memory_model",))


def _problem(rng, N, T, D, H):
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(H, D)) * 0.5,
            rng.normal(size=(H, H)) * 0.5, rng.normal(size=H) * 0.5)


@pytest.mark.parametrize("T,limit", [(1, 1e-7), (5, 1e-6)])
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


def test_solution_matches_the_shared_recurrence(sol):
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


def test_shared_recurrence_matches_torch_autograd_in_float64():
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
    for description, wrong in oracle.rnn_backward_mistakes(dH, cache).items():
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
