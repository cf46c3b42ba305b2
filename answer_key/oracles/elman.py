"""Assignment 02 (the Elman recurrence): known mistakes, computed on the test's inputs.

The reference answers are the course's shared recurrence, answer_key.oracles.recurrence.
"""

import numpy as np

from answer_key.oracles import recurrence as ref


def _differing(found, right):
    """Only the mistakes whose output differs from the right one on this input (no dead diagnosis)."""
    def same(a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and bool(np.allclose(a, b, atol=1e-9, rtol=1e-9, equal_nan=True))
    return {d: v for d, v in found.items() if not same(v, right)}


def rnn_step_mistakes(x_t, h_prev, U, W, b):
    z = x_t @ U.T + h_prev @ W.T + b
    found = {
        "tanh is missing: h_t = tanh(x_t @ U.T + h_prev @ W.T + b)": z,
        "the bias b is missing": np.tanh(x_t @ U.T + h_prev @ W.T),
        "the previous state is ignored (h_prev @ W.T is missing)": np.tanh(x_t @ U.T + b),
        "a sigmoid is used where the Elman step uses tanh": 1 / (1 + np.exp(-z)),
        "the bias is added after tanh: it belongs inside, tanh(... + b)": np.tanh(x_t @ U.T + h_prev @ W.T) + b,
        "W is not transposed: with rows as examples, the recurrent term is h_prev @ W.T":
            np.tanh(x_t @ U.T + h_prev @ W + b),
    }
    if U.shape[0] == U.shape[1] and U.shape == W.shape:
        found["U and W are swapped: U multiplies the input, W the previous state"] = \
            np.tanh(x_t @ W.T + h_prev @ U.T + b)
        found["U and W are not transposed: with rows as examples, use x_t @ U.T and h_prev @ W.T"] = \
            np.tanh(x_t @ U + h_prev @ W + b)
    return _differing(found, np.tanh(z))


def rnn_forward_mistakes(X, h0, U, W, b):
    T = X.shape[1]
    Hs, _ = ref.rnn_forward(X, h0, U, W, b)
    if T == 0:
        return {"h0 is included: return h_1 .. h_T only (none when T = 0)": h0[:, None]}
    fresh = np.stack([ref.rnn_step(X[:, t], h0, U, W, b) for t in range(T)], axis=1)
    shifted = np.concatenate([h0[:, None], Hs[:, :-1]], axis=1)
    backwards = ref.rnn_forward(X[:, ::-1], h0, U, W, b)[0][:, ::-1]
    return _differing({
        "the state is not carried: every step starts from h0 instead of the previous state": fresh,
        "off by one in time: the states returned are h_0 .. h_{T-1} instead of h_1 .. h_T": shifted,
        "h0 is ignored: the first step must start from the given h0, not from zeros":
            ref.rnn_forward(X, np.zeros_like(h0), U, W, b)[0],
        "the sequence is read backwards: step t reads X[:, t] for t = 0 .. T-1": backwards,
        "the states are stored in reverse order: H[:, t] is the state after X[:, t]": Hs[:, ::-1],
    }, Hs)


def softmax_mistakes(Z):
    with np.errstate(over="ignore", invalid="ignore"):
        E = np.exp(Z)
        naive = E / E.sum(axis=-1, keepdims=True)
        by_global = np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=-1, keepdims=True)
        low = Z - Z.min(axis=-1, keepdims=True)
        by_min = np.exp(low) / np.exp(low).sum(axis=-1, keepdims=True)
    found = {"the softmax overflows for large logits: subtract the max of each row before exp": naive,
             "the logits are shifted by the max of the whole array, not of each row: a row whose max is far "
             "below it underflows to 0/0": by_global,
             "the logits are shifted by each row's min instead of its max: exp then overflows": by_min}
    if Z.ndim >= 2:
        shifted = Z - Z.max(axis=0, keepdims=True)
        found["the softmax is taken over the wrong axis: normalise over the last axis (classes)"] = \
            np.exp(shifted) / np.exp(shifted).sum(axis=0, keepdims=True)
    if Z.ndim >= 3:
        shifted = Z - Z.max(axis=1, keepdims=True)
        found["the softmax is taken over axis 1 (fine for 2-D input only): normalise over the last axis, -1"] = \
            np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return _differing(found, ref.softmax(Z))


def rnn_backward_variant(dHs, cache, accumulate=True, tanh_grad=True, through_state=True, order="backward",
                         tanh_at="h", first_prev="h0", dh0_through_W=True, recurrent="W"):
    """BPTT with one of the classic mistakes switched on, for diagnosis."""
    X, h0, U, W, b, Hs = cache
    T = X.shape[1]
    dX = np.zeros_like(X)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    dz = np.zeros_like(h0)
    for t in (reversed(range(T)) if order == "backward" else range(T)):
        h_prev = Hs[:, t - 1] if t > 0 else (h0 if first_prev == "h0" else np.zeros_like(h0))
        dh = dHs[:, t] + (dh_next if through_state else 0)
        slope = 1 - Hs[:, t] ** 2 if tanh_at == "h" else 1 - np.tanh(Hs[:, t]) ** 2
        dz = dh * slope if tanh_grad else dh
        dX[:, t] = dz @ U
        if accumulate:
            dU, dW, db = dU + dz.T @ X[:, t], dW + dz.T @ h_prev, db + dz.sum(axis=0)
        else:
            dU, dW, db = dz.T @ X[:, t], dz.T @ h_prev, dz.sum(axis=0)
        dh_next = dz @ (W if recurrent == "W" else W.T)
    return dX, (dh_next if dh0_through_W else dz), dU, dW, db


GRAD_NAMES = ("dX", "dh0", "dU", "dW", "db")


def rnn_backward_mistakes(dHs, cache):
    """{description: (dX, dh0, dU, dW, db)} for each classic BPTT mistake."""
    return {
        "dU, dW and db are overwritten at each step instead of summed over time (use +=)":
            rnn_backward_variant(dHs, cache, accumulate=False),
        "the tanh derivative (1 - h_t**2) is missing":
            rnn_backward_variant(dHs, cache, tanh_grad=False),
        "the gradient does not flow back through the state: add dh_next (from step t+1) to dH[:, t]":
            rnn_backward_variant(dHs, cache, through_state=False),
        "the loop runs forwards in time: backpropagation through time starts at t = T-1 and walks back to 0":
            rnn_backward_variant(dHs, cache, order="forward"),
        "the tanh derivative is taken as 1 - tanh(h_t)**2: h_t is already tanh(z_t), so it is 1 - h_t**2":
            rnn_backward_variant(dHs, cache, tanh_at="tanh(h)"),
        "the previous state at t = 0 is taken as zeros: it is h0 (dW gets dz_0.T @ h0)":
            rnn_backward_variant(dHs, cache, first_prev="zeros"),
        "dh0 is the gradient at the pre-activation of step 0: multiply it by W (dh0 = dz_0 @ W)":
            rnn_backward_variant(dHs, cache, dh0_through_W=False),
        "the gradient to the previous state uses W.T: since z_t = ... + h_prev @ W.T, it is dz @ W":
            rnn_backward_variant(dHs, cache, recurrent="W.T"),
    }


def clip_gradients_mistakes(grads, max_norm):
    norm = ref.global_norm(grads)
    squared = norm ** 2
    l1 = float(sum(np.abs(g).sum() for g in grads))
    found = {
        "each element was clipped (np.clip) instead of scaling by the global norm":
            [np.clip(g, -max_norm, max_norm) for g in grads],
        "each array was clipped by its own norm instead of the norm of all arrays together":
            [g * min(1.0, max_norm / max(np.linalg.norm(g), 1e-300)) for g in grads],
        "the arrays were scaled even though their norm was already below max_norm":
            [g * max_norm / norm for g in grads] if norm > 0 else grads,
        "the squared norm (no sqrt) was compared and divided by: norm = sqrt(sum of squares)":
            [g * (max_norm / squared if squared > max_norm else 1.0) for g in grads],
        "the L1 norm (sum of absolute values) was used: the global norm is the L2 norm":
            [g * (max_norm / l1 if l1 > max_norm else 1.0) for g in grads],
        "the scale is upside down: multiply by max_norm / norm, not norm / max_norm":
            [g * (norm / max_norm if norm > max_norm else 1.0) for g in grads],
    }
    right = ref.clip_gradients(grads, max_norm)
    return {d: v for d, v in found.items()
            if any(not np.allclose(w, r, rtol=1e-9, atol=1e-12) for w, r in zip(v, right, strict=True))}


def stacked_rnn_forward(X, h0s, layers):
    inputs = X
    for h0, (U, W, b) in zip(h0s, layers, strict=True):
        inputs, _ = ref.rnn_forward(inputs, h0, U, W, b)
    return inputs


def stacked_rnn_forward_mistakes(X, h0s, layers):
    found = {}
    U, W, b = layers[-1]
    if len(layers) > 1 and U.shape[1] == X.shape[2]:
        found["every layer reads X: each layer after the first must read the states of the layer below"] = \
            ref.rnn_forward(X, h0s[-1], U, W, b)[0]
    if len(layers) > 1:
        first, _ = ref.rnn_forward(X, h0s[0], *layers[0])
        found["only the first layer's states were returned: return the top layer's"] = first
    if len(layers) > 1 and all(h.shape == h0s[0].shape for h in h0s):
        found["the initial states are used in reverse order: h0s[l] belongs to layer l, bottom first"] = \
            stacked_rnn_forward(X, h0s[::-1], layers)
        found["every layer starts from h0s[0]: layer l starts from h0s[l]"] = \
            stacked_rnn_forward(X, [h0s[0]] * len(layers), layers)
    if len(layers) > 1 and all(layer[0].shape == layers[0][0].shape for layer in layers):
        found["the layers are applied top first: layers[0] is the bottom layer, it reads X"] = \
            stacked_rnn_forward(X, h0s[::-1], layers[::-1])
    return _differing(found, stacked_rnn_forward(X, h0s, layers))


# ---------------------------------------------------------------- for frozen checks, one part at a time

def _part(found, index):
    return {description: value[index] for description, value in found.items()}


def rnn_output_mistakes(Hs, V, c):
    logits = Hs @ V.T + c
    return _differing({
        "the output bias c is missing": ref.softmax(Hs @ V.T),
        "softmax is not applied: rnn_output returns probabilities, not the logits H @ V.T + c": logits,
        "the bias c is added after the softmax: it belongs to the logits, softmax(H @ V.T + c)":
            ref.softmax(Hs @ V.T) + c,
    }, ref.softmax(logits))


def rnn_backward_mistakes_at(index, dHs, X, h0, U, W, b):
    """{description: that mistake's GRAD_NAMES[index]} for BPTT on rnn_forward(X, h0, U, W, b)."""
    return _part(rnn_backward_mistakes(dHs, ref.rnn_forward(X, h0, U, W, b)[1]), index)


def clip_gradients_mistakes_at(index, grads, max_norm):
    """{description: that mistake's output[index]} for clip_gradients(grads, max_norm)."""
    return _part(clip_gradients_mistakes(grads, max_norm), index)


# ---------------------------------------------------------------- the torch track

def many_to_one_mistakes(X, weight_ih, weight_hh, bias, head_weight, head_bias):
    """Logits of a ManyToOne whose rnn is torch.nn.RNN with these weights (bias = bias_ih + bias_hh), h0 = 0."""
    X = np.asarray(X, dtype=np.float64)
    h0 = np.zeros((X.shape[0], weight_hh.shape[0]))
    Hs = ref.rnn_forward(X, h0, weight_ih, weight_hh, bias)[0]

    def head(h):
        return h @ head_weight.T + head_bias

    last_input_only = ref.rnn_forward(X[:, -1:], h0, weight_ih, weight_hh, bias)[0][:, -1]
    return _differing({
        "the head reads the FIRST state: ManyToOne classifies from the last state h_T":
            head(Hs[:, 0]),
        "the head reads the mean of the states over time: it reads the last state h_T only":
            head(Hs.mean(axis=1)),
        "the rnn reads only the last input X[:, -1:]: it must read the whole sequence":
            head(last_input_only),
        "softmax is applied: forward returns the logits (cross_entropy takes logits)":
            ref.softmax(head(Hs[:, -1])),
        "the head's bias is missing: head is an nn.Linear with its bias": Hs[:, -1] @ head_weight.T,
    }, head(Hs[:, -1]))


def _train_variant(weight, bias, X, y, steps, lr, batch_size=64, zero_grad=True, clip="norm", reduction="mean",
                   optimiser="adam", record="before"):
    """train_many_to_one with one mistake switched on, on a linear classifier of X.flatten(1) (N = 1 example,
    so that every way of drawing the batches gives the same batches)."""
    import torch

    with torch.random.fork_rng():
        linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(np.asarray(weight, dtype=np.float32)))
        linear.bias.copy_(torch.from_numpy(np.asarray(bias, dtype=np.float32)))
    X, y = torch.from_numpy(np.asarray(X, dtype=np.float32)), torch.from_numpy(np.asarray(y, dtype=np.int64))
    make = torch.optim.Adam if optimiser == "adam" else torch.optim.SGD
    opt = make(linear.parameters(), lr=lr)
    losses = []
    idx = torch.zeros(batch_size, dtype=torch.int64)
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(linear(X[idx].flatten(1)), y[idx], reduction=reduction)
        if zero_grad:
            opt.zero_grad()
        loss.backward()
        if clip == "norm":
            torch.nn.utils.clip_grad_norm_(linear.parameters(), 1.0)
        elif clip == "value":
            torch.nn.utils.clip_grad_value_(linear.parameters(), 1.0)
        opt.step()
        if record == "after":
            with torch.no_grad():
                loss = torch.nn.functional.cross_entropy(linear(X[idx].flatten(1)), y[idx], reduction=reduction)
        losses.append(loss.item())
    return {"losses": losses, "weight": linear.weight.detach().numpy().copy(),
            "bias": linear.bias.detach().numpy().copy()}


def train_many_to_one_mistakes(part, weight, bias, X, y, steps, lr):
    """{description: that mistake's losses, weight or bias (part)} when training a linear classifier on one example."""
    assert X.shape[0] == 1, "the variants assume a single example (every batch is that example repeated)"
    right = _train_variant(weight, bias, X, y, steps, lr)[part]
    variants = {
        "optimiser.zero_grad() is missing: gradients pile up from step to step":
            dict(zero_grad=False),
        "the gradients are not clipped: call nn.utils.clip_grad_norm_(model.parameters(), 1.0) before the step":
            dict(clip="none"),
        "each gradient entry is clipped (clip_grad_value_): clip the global norm with clip_grad_norm_":
            dict(clip="value"),
        "the loss is summed over the batch: cross_entropy's mean over the examples is the loss":
            dict(reduction="sum"),
        "SGD is used: the optimiser is Adam": dict(optimiser="sgd"),
        "the loss is recorded after the update: record the batch's loss computed before optimiser.step()":
            dict(record="after"),
        "lr is not used (the default 0.02 is): pass lr to the optimiser": dict(lr_ignored=True),
    }
    found = {}
    for description, options in variants.items():
        rate = 0.02 if options.pop("lr_ignored", False) else lr
        found[description] = _train_variant(weight, bias, X, y, steps, rate, **options)[part]
    return _differing(found, right)
