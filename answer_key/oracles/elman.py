"""Assignment 02 (the Elman recurrence): known mistakes, computed on the test's inputs.

The reference answers are the course's shared recurrence, answer_key.oracles.recurrence.
"""

import numpy as np

from answer_key.oracles import recurrence as ref


def rnn_step_mistakes(x_t, h_prev, U, W, b):
    found = {
        "tanh is missing: h_t = tanh(x_t @ U.T + h_prev @ W.T + b)": x_t @ U.T + h_prev @ W.T + b,
        "the bias b is missing": np.tanh(x_t @ U.T + h_prev @ W.T),
        "the previous state is ignored (h_prev @ W.T is missing)": np.tanh(x_t @ U.T + b),
    }
    if U.shape[0] == U.shape[1] and U.shape == W.shape:
        found["U and W are swapped: U multiplies the input, W the previous state"] = \
            np.tanh(x_t @ W.T + h_prev @ U.T + b)
        found["U and W are not transposed: with rows as examples, use x_t @ U.T and h_prev @ W.T"] = \
            np.tanh(x_t @ U + h_prev @ W + b)
    return found


def rnn_forward_mistakes(X, h0, U, W, b):
    T = X.shape[1]
    Hs, _ = ref.rnn_forward(X, h0, U, W, b)
    fresh = np.stack([ref.rnn_step(X[:, t], h0, U, W, b) for t in range(T)], axis=1)
    shifted = np.concatenate([h0[:, None], Hs[:, :-1]], axis=1)
    return {
        "the state is not carried: every step starts from h0 instead of the previous state": fresh,
        "off by one in time: the states returned are h_0 .. h_{T-1} instead of h_1 .. h_T": shifted,
    }


def softmax_mistakes(Z):
    with np.errstate(over="ignore", invalid="ignore"):
        E = np.exp(Z)
        naive = E / E.sum(axis=-1, keepdims=True)
    found = {"the softmax overflows for large logits: subtract the max of each row before exp": naive}
    if Z.ndim >= 2:
        shifted = Z - Z.max(axis=0, keepdims=True)
        found["the softmax is taken over the wrong axis: normalise over the last axis (classes)"] = \
            np.exp(shifted) / np.exp(shifted).sum(axis=0, keepdims=True)
    return found


def rnn_backward_variant(dHs, cache, accumulate=True, tanh_grad=True, through_state=True):
    """BPTT with one of the classic mistakes switched on, for diagnosis."""
    X, h0, U, W, b, Hs = cache
    T = X.shape[1]
    dX = np.zeros_like(X)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        h_prev = Hs[:, t - 1] if t > 0 else h0
        dh = dHs[:, t] + (dh_next if through_state else 0)
        dz = dh * (1 - Hs[:, t] ** 2) if tanh_grad else dh
        dX[:, t] = dz @ U
        if accumulate:
            dU, dW, db = dU + dz.T @ X[:, t], dW + dz.T @ h_prev, db + dz.sum(axis=0)
        else:
            dU, dW, db = dz.T @ X[:, t], dz.T @ h_prev, dz.sum(axis=0)
        dh_next = dz @ W
    return dX, dh_next, dU, dW, db


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
    }


def clip_gradients_mistakes(grads, max_norm):
    norm = ref.global_norm(grads)
    return {
        "each element was clipped (np.clip) instead of scaling by the global norm":
            [np.clip(g, -max_norm, max_norm) for g in grads],
        "each array was clipped by its own norm instead of the norm of all arrays together":
            [g * min(1.0, max_norm / max(np.linalg.norm(g), 1e-300)) for g in grads],
        "the arrays were scaled even though their norm was already below max_norm":
            [g * max_norm / norm for g in grads] if norm > 0 else grads,
    }


def stacked_rnn_forward(X, h0s, layers):
    inputs = X
    for h0, (U, W, b) in zip(h0s, layers, strict=True):
        inputs, _ = ref.rnn_forward(inputs, h0, U, W, b)
    return inputs


def stacked_rnn_forward_mistakes(X, h0s, layers):
    found = {}
    U, W, b = layers[-1]
    if U.shape[1] == X.shape[2]:
        found["every layer reads X: each layer after the first must read the states of the layer below"] = \
            ref.rnn_forward(X, h0s[-1], U, W, b)[0]
    first, _ = ref.rnn_forward(X, h0s[0], *layers[0])
    found["only the first layer's states were returned: return the top layer's"] = first
    return found


# ---------------------------------------------------------------- for frozen checks, one part at a time

def _part(found, index):
    return {description: value[index] for description, value in found.items()}


def rnn_output_mistakes(Hs, V, c):
    return {"the output bias c is missing": ref.softmax(Hs @ V.T)}


def rnn_backward_mistakes_at(index, dHs, X, h0, U, W, b):
    """{description: that mistake's GRAD_NAMES[index]} for BPTT on rnn_forward(X, h0, U, W, b)."""
    return _part(rnn_backward_mistakes(dHs, ref.rnn_forward(X, h0, U, W, b)[1]), index)


def clip_gradients_mistakes_at(index, grads, max_norm):
    """{description: that mistake's output[index]} for clip_gradients(grads, max_norm)."""
    return _part(clip_gradients_mistakes(grads, max_norm), index)
