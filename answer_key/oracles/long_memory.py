"""Assignment 06 (long-range memory): references and known mistakes, computed on the test's inputs.

Written apart from the solution notebook (per-example loops where the solution vectorises); the project's
tests (tests/test_solutions_06.py) check that both agree with each other, with finite differences and with torch.
"""

import numpy as np


def _differing(found, right):
    """Only the mistakes whose output differs from the right one on this input (no dead diagnosis)."""
    def same(a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and bool(np.allclose(a, b, atol=1e-9, rtol=1e-7, equal_nan=True))
    return {d: v for d, v in found.items() if not same(v, right)}


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


# ---------------------------------------------------------------- 1. measuring vanishing gradients

def _elman_states(X, h0, U, W, b):
    """[h_0, h_1, .., h_T] for one example at a time (X (N, T, D))."""
    N, T, _ = X.shape
    states = np.zeros((N, T + 1, W.shape[0]))
    for n in range(N):
        h = h0[n].copy()
        states[n, 0] = h
        for t in range(T):
            h = np.tanh(U @ X[n, t] + W @ h + b)
            states[n, t + 1] = h
    return states


def input_gradient_variant(X, h0, U, W, b, g, slope_at="h_t", recurrent="W", tanh_grad=True, upstream_every_step=False,
                           through_U=True, start="h0"):
    """dL/dX[:, k] for L = sum(g * h_T), with one of the classic mistakes switched on: (N, T, D)."""
    states = _elman_states(X, np.zeros_like(h0) if start == "zeros" else h0, U, W, b)
    N, T, D = X.shape
    grads = np.zeros((N, T, D if through_U is True else W.shape[0]))
    for n in range(N):
        dh = g[n].copy()
        for t in reversed(range(T)):
            h_t = states[n, t + 1] if slope_at == "h_t" else states[n, t]
            dz = dh * (1 - h_t ** 2) if tanh_grad else dh
            grads[n, t] = U.T @ dz if through_U is True else (dz if through_U == "dz" else dh)
            dh = (W.T if recurrent == "W" else W) @ dz
            if upstream_every_step:
                dh = dh + g[n]
    return grads


def input_gradients(X, h0, U, W, b, g):
    return input_gradient_variant(X, h0, U, W, b, g)


def input_gradient_norms(X, h0, U, W, b, g):
    """norms[k] = ||dL/dX[:, k]|| (Frobenius over the (N, D) slice), L = sum(g * h_T)."""
    grads = input_gradients(X, h0, U, W, b, g)
    return np.array([np.sqrt(np.sum(grads[:, k] ** 2)) for k in range(X.shape[1])])


def _norms(grads):
    return np.sqrt(np.sum(grads ** 2, axis=(0, 2)))


def input_gradient_norms_mistakes(X, h0, U, W, b, g):
    right = input_gradient_norms(X, h0, U, W, b, g)
    grads = input_gradients(X, h0, U, W, b, g)
    found = {
        "the tanh derivative (1 - h_t**2) is missing from the backward walk":
            _norms(input_gradient_variant(X, h0, U, W, b, g, tanh_grad=False)),
        "the tanh derivative is taken at the previous state h_{t-1}: step t's slope is 1 - h_t**2":
            _norms(input_gradient_variant(X, h0, U, W, b, g, slope_at="h_prev")),
        "the gradient to the previous state uses W.T: since z_t = x_t @ U.T + h_prev @ W.T + b, it is dz @ W":
            _norms(input_gradient_variant(X, h0, U, W, b, g, recurrent="W.T")),
        "g is added at every step: the loss reads h_T only, so only the last state receives g":
            _norms(input_gradient_variant(X, h0, U, W, b, g, upstream_every_step=True)),
        "the norms of dL/dh_k (the states) were returned: the input gradient is dL/dx_k = dz_k @ U":
            _norms(input_gradient_variant(X, h0, U, W, b, g, through_U=False)),
        "the norms of dz_k = dL/dh_k * (1 - h_k**2) were returned: the input gradient is dL/dx_k = dz_k @ U":
            _norms(input_gradient_variant(X, h0, U, W, b, g, through_U="dz")),
        "h0 is ignored: the forward pass must start from the given h0, not from zeros":
            _norms(input_gradient_variant(X, h0, U, W, b, g, start="zeros")),
        "the norms are ordered by distance T-1-k: norms[k] belongs to the input X[:, k]": right[::-1],
        "the squared norm was returned: take the square root of the sum of squares": right ** 2,
        "the norm was taken per example and summed: it is one norm over the whole (N, D) slice":
            np.sqrt(np.sum(grads ** 2, axis=2)).sum(axis=0),
        "the matrix 2-norm (largest singular value, np.linalg.norm(dx, 2)) was taken: the Frobenius norm is the "
        "square root of the sum of all N x D squares (np.linalg.norm(dx))":
            np.array([np.linalg.norm(grads[:, k], 2) for k in range(X.shape[1])]),
        "the norm of the gradient averaged over the examples was taken: it is the norm of the whole (N, D) slice, "
        "every example's gradient included": np.sqrt(np.sum(grads.mean(axis=0) ** 2, axis=1)),
    }
    return _differing(found, right)


# ---------------------------------------------------------------- 2. a GRU cell in torch.nn.GRU's layout

def gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """torch.nn.GRU's step, one example at a time: returns h_new (N, H)."""
    H = h.shape[1]
    out = np.zeros_like(h)
    for n in range(x.shape[0]):
        gi = weight_ih @ x[n] + bias_ih
        gh = weight_hh @ h[n] + bias_hh
        r = _sigmoid(gi[:H] + gh[:H])
        z = _sigmoid(gi[H:2 * H] + gh[H:2 * H])
        cand = np.tanh(gi[2 * H:] + r * gh[2 * H:])
        out[n] = (1 - z) * cand + z * h[n]
    return out


def gru_step_variant(x, h, weight_ih, weight_hh, bias_ih, bias_hh, order="rzn", mix="torch", reset="torch",
                     candidate=np.tanh, gate=_sigmoid):
    H = h.shape[1]
    gi, gh = x @ weight_ih.T + bias_ih, h @ weight_hh.T + bias_hh
    first, second = (slice(0, H), slice(H, 2 * H)) if order == "rzn" else (slice(H, 2 * H), slice(0, H))
    r, z = gate(gi[:, first] + gh[:, first]), gate(gi[:, second] + gh[:, second])
    W_hn, b_hn = weight_hh[2 * H:], bias_hh[2 * H:]
    if reset == "torch":
        inner = r * gh[:, 2 * H:]
    elif reset == "bias outside":
        inner = r * (h @ W_hn.T) + b_hn
    elif reset == "before W":
        inner = (r * h) @ W_hn.T + b_hn
    else:  # no reset gate
        inner = gh[:, 2 * H:]
    cand = candidate(gi[:, 2 * H:] + inner)
    return (1 - z) * cand + z * h if mix == "torch" else z * cand + (1 - z) * h


def gru_step_forward_mistakes(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    args = (x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    return _differing({
        "the gates are read in the order z, r, n: torch.nn.GRU's rows are r, z, n (reset, update, new)":
            gru_step_variant(*args, order="zrn"),
        "the update gate is mixed the other way round: torch's GRU keeps the old state with z, "
        "h' = (1 - z) * n + z * h": gru_step_variant(*args, mix="paper"),
        "b_hn is left outside the reset gate: n = tanh(W_in x + b_in + r * (W_hn h + b_hn))":
            gru_step_variant(*args, reset="bias outside"),
        "the reset gate multiplies h before W_hn ((r * h) @ W_hn.T, the 2014 paper's variant): torch applies r "
        "to (W_hn h + b_hn)": gru_step_variant(*args, reset="before W"),
        "the reset gate is not used: n = tanh(W_in x + b_in + r * (W_hn h + b_hn))":
            gru_step_variant(*args, reset="none"),
        "the candidate n uses a sigmoid: it is tanh": gru_step_variant(*args, candidate=_sigmoid),
        "the gates r and z use tanh: they are sigmoids": gru_step_variant(*args, gate=np.tanh),
        "bias_hh is left out: every gate adds both biases, b_i* + b_h* (in n, b_hn sits inside r * (...))":
            gru_step_variant(x, h, weight_ih, weight_hh, bias_ih, np.zeros_like(bias_hh)),
        "bias_ih is left out: every gate adds both biases, b_i* + b_h*":
            gru_step_variant(x, h, weight_ih, weight_hh, np.zeros_like(bias_ih), bias_hh),
    }, gru_step(*args))


def gru_step_backward_variant(dh_new, x, h, weight_ih, weight_hh, bias_ih, bias_hh, direct=True, dz_sign=1.0,
                              tanh_grad=True, sigmoid_grad=True, reset_path=True, r_in_hn=True, dr_bias=True,
                              bias_mean=False):
    """(dx, dh, dweight_ih, dweight_hh, dbias_ih, dbias_hh) of torch's GRU step, one example at a time."""
    H = h.shape[1]
    dx, dh = np.zeros_like(x), np.zeros_like(h)
    dWi, dWh = np.zeros_like(weight_ih), np.zeros_like(weight_hh)
    dbi, dbh = np.zeros_like(bias_ih), np.zeros_like(bias_hh)
    for n in range(x.shape[0]):
        gi = weight_ih @ x[n] + bias_ih
        gh = weight_hh @ h[n] + bias_hh
        r = _sigmoid(gi[:H] + gh[:H])
        z = _sigmoid(gi[H:2 * H] + gh[H:2 * H])
        hn = gh[2 * H:] if dr_bias else weight_hh[2 * H:] @ h[n]
        cand = np.tanh(gi[2 * H:] + r * gh[2 * H:])
        d = dh_new[n]
        d_cand = d * (1 - z)
        d_z = dz_sign * d * (h[n] - cand)
        d_npre = d_cand * (1 - cand ** 2) if tanh_grad else d_cand
        d_r = d_npre * hn
        d_rpre = d_r * r * (1 - r) if sigmoid_grad else d_r
        d_zpre = d_z * z * (1 - z) if sigmoid_grad else d_z
        d_gi = np.concatenate([d_rpre, d_zpre, d_npre])
        d_gh = np.concatenate([d_rpre, d_zpre, d_npre * r if r_in_hn else d_npre])
        dx[n] = weight_ih.T @ d_gi
        d_gh_state = d_gh if reset_path else np.concatenate([d_rpre, d_zpre, np.zeros(H)])
        dh[n] = weight_hh.T @ d_gh_state + (d * z if direct else 0)
        dWi += np.outer(d_gi, x[n])
        dWh += np.outer(d_gh, h[n])
        dbi += d_gi
        dbh += d_gh
    if bias_mean:
        dbi, dbh = dbi / x.shape[0], dbh / x.shape[0]
    return dx, dh, dWi, dWh, dbi, dbh


GRU_GRAD_NAMES = ("dx", "dh_prev", "dweight_ih", "dweight_hh", "dbias_ih", "dbias_hh")


def gru_step_backward(dh_new, x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return gru_step_backward_variant(dh_new, x, h, weight_ih, weight_hh, bias_ih, bias_hh)


def gru_step_backward_mistakes_at(index, dh_new, x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """{description: that mistake's GRU_GRAD_NAMES[index]} on this input."""
    args = (dh_new, x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    found = {
        "dh_prev misses the direct path: h' = (1 - z) * n + z * h, so h receives z * dh' as well":
            gru_step_backward_variant(*args, direct=False),
        "dz has the wrong sign: dh'/dz = h - n": gru_step_backward_variant(*args, dz_sign=-1.0),
        "the tanh derivative (1 - n**2) of the candidate is missing": gru_step_backward_variant(*args, tanh_grad=False),
        "the sigmoid derivative s * (1 - s) of the gates is missing":
            gru_step_backward_variant(*args, sigmoid_grad=False),
        "dh_prev misses the path through the candidate: n depends on h through r * (W_hn h + b_hn)":
            gru_step_backward_variant(*args, reset_path=False),
        "the reset gate is left out of the n rows of the hidden-side gradient: d(W_hn h + b_hn) = r * dn_pre":
            gru_step_backward_variant(*args, r_in_hn=False),
        "dr leaves out b_hn: r multiplies (W_hn h + b_hn), so dr = dn_pre * (W_hn h + b_hn)":
            gru_step_backward_variant(*args, dr_bias=False),
        "the bias gradients are averaged over the batch: a bias is added to every example, so its gradient is the "
        "sum over the N examples": gru_step_backward_variant(*args, bias_mean=True),
    }
    right = gru_step_backward(*args)[index]
    return _differing({d: v[index] for d, v in found.items()}, right)


# ---------------------------------------------------------------- 3. truncated BPTT (torch)

def truncated_bptt_variant(rnn, head, X, Y, window, lr, h0=None, carry=True, keep_last=True, reduction="mean",
                           record="before", zero_grad=True, use_lr=True, use_h0=True, train_head=True, clip=None,
                           momentum=0.0):
    """The reference training loop, with one of the classic mistakes switched on. Trains rnn and head in place.

    reduction: "mean", "sum", "mean over N" (summed over the steps, divided by N) or "full window" (summed,
    divided by N * window even for the shorter last window)."""
    import torch

    params = list(rnn.parameters()) + (list(head.parameters()) if train_head else [])
    optimiser = torch.optim.SGD(params, lr=lr if use_lr else 0.1, momentum=momentum)
    N, T = Y.shape
    start_state = torch.zeros(1, N, rnn.hidden_size, dtype=X.dtype) if h0 is None or not use_h0 else h0
    h = start_state
    losses = []
    starts = list(range(0, T, window))
    if not keep_last:
        starts = [s for s in starts if s + window <= T]
    for s in starts:
        xs, ys = X[:, s:s + window], Y[:, s:s + window]
        out, h_new = rnn(xs, h if carry else start_state)
        logits = head(out)
        loss = _window_loss(logits, ys, reduction, window)
        if zero_grad:
            optimiser.zero_grad()
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(params, max_norm=clip)
        optimiser.step()
        if record == "before":
            losses.append(loss.item())
        else:
            with torch.no_grad():
                again = head(rnn(xs, h if carry else start_state)[0])
                losses.append(_window_loss(again, ys, reduction, window).item())
        h = h_new.detach()
    return losses


def _window_loss(logits, ys, reduction, window):
    """The cross-entropy of one window, reduced as the reference ("mean") or as one of the mistakes."""
    import torch

    flat = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), ys.reshape(-1), reduction="none")
    if reduction == "mean":
        return flat.mean()
    if reduction == "sum":
        return flat.sum()
    if reduction == "mean over N":
        return flat.sum() / ys.shape[0]
    if reduction == "full window":
        return flat.sum() / (ys.shape[0] * window)
    raise ValueError(reduction)


def _tiny_models(spec):
    """nn.GRU or nn.RNN (batch_first, one layer) and a Linear head, float64, with the spec's weights."""
    import torch

    kind, weights = spec["kind"], spec["weights"]
    D, H = np.asarray(weights["weight_ih_l0"]).shape[1], np.asarray(weights["weight_hh_l0"]).shape[1]
    rnn = (torch.nn.GRU if kind == "GRU" else torch.nn.RNN)(D, H, batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(H, np.asarray(weights["head.weight"]).shape[0], dtype=torch.float64)
    with torch.no_grad():
        for name, p in list(rnn.named_parameters()) + [("head." + n, p) for n, p in head.named_parameters()]:
            p.copy_(torch.from_numpy(np.asarray(weights[name], dtype=np.float64)))
    return rnn, head


def truncated_bptt_outcome(spec, X, Y, window, lr, h0=None, what="losses", **mistake):
    """The losses, or a trained weight, of the reference (or of one mistake) from the spec's weights."""
    import torch

    rnn, head = _tiny_models(spec)
    X, Y = torch.from_numpy(np.asarray(X, dtype=np.float64)), torch.from_numpy(np.asarray(Y, dtype=np.int64))
    h0 = None if h0 is None else torch.from_numpy(np.asarray(h0, dtype=np.float64))
    losses = truncated_bptt_variant(rnn, head, X, Y, window, lr, h0, **mistake)
    if what == "losses":
        return np.array(losses)
    named = dict(rnn.named_parameters()) | {"head." + n: p for n, p in head.named_parameters()}
    return named[what].detach().numpy().copy()


TRUNCATED_MISTAKES = {
    "the state is not carried: every window starts again from h0 (or zeros)": {"carry": False},
    "the last, shorter window is dropped: a sequence of T steps has ceil(T / window) windows":
        {"keep_last": False},
    "the loss is summed over the window: it is the mean cross-entropy over the window's N * steps positions":
        {"reduction": "sum"},
    "the loss is recorded after the update: record loss.item() of the loss you backpropagated":
        {"record": "after"},
    "optimiser.zero_grad() is missing: gradients pile up from one window to the next": {"zero_grad": False},
    "lr is not used: give the optimiser the lr argument": {"use_lr": False},
    "h0 is ignored: the first window must start from the given h0": {"use_h0": False},
    "the loss is divided by N only (summed over the steps): it is the mean over all N * steps positions":
        {"reduction": "mean over N"},
    "the last, shorter window's loss is divided by N * window: it is the mean over its own N * steps positions":
        {"reduction": "full window"},
    "head is not trained: the optimiser takes the parameters of rnn and of head": {"train_head": False},
    "the gradients are clipped (clip_grad_norm_): the contract is a plain SGD step": {"clip": 1.0},
    "the optimiser uses momentum: the contract is plain torch.optim.SGD(params, lr=lr)": {"momentum": 0.9},
}


def truncated_bptt_mistakes(spec, X, Y, window, lr, h0=None, what="losses"):
    right = truncated_bptt_outcome(spec, X, Y, window, lr, h0, what)
    found = {}
    for description, switch in TRUNCATED_MISTAKES.items():
        if switch == {"use_h0": False} and h0 is None:
            continue
        found[description] = truncated_bptt_outcome(spec, X, Y, window, lr, h0, what, **switch)
    return _differing(found, right)
