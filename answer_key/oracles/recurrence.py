"""The Elman recurrence in numpy: forward, backward through time, softmax.

Notation (CONTRIBUTING.md, Conventions), batch-first like torch.nn.RNN(batch_first=True):
    U (H, D) input-to-hidden, W (H, H) hidden-to-hidden, b (H,),
    V (K, H) hidden-to-output, c (K,);
    h_t = tanh(x_t @ U.T + h_{t-1} @ W.T + b),  y_t = softmax(h_t @ V.T + c).

This is the course's shared implementation: lectures after topic 02 use it,
and assignment 02's hidden tests use it as the reference.
"""

import numpy as np


def rnn_step(x_t, h_prev, U, W, b):
    """One step: x_t (N, D), h_prev (N, H) -> h_t (N, H)."""
    return np.tanh(x_t @ U.T + h_prev @ W.T + b)


def rnn_forward(X, h0, U, W, b):
    """All states for X (N, T, D) from h0 (N, H): returns (Hs (N, T, H), cache)."""
    N, T, _ = X.shape
    Hs = np.zeros((N, T, h0.shape[1]), dtype=np.result_type(X, h0, U))
    h = h0
    for t in range(T):
        h = rnn_step(X[:, t], h, U, W, b)
        Hs[:, t] = h
    return Hs, (X, h0, U, W, b, Hs)


def rnn_backward(dHs, cache):
    """Backpropagation through time.

    dHs (N, T, H) is the loss gradient with respect to every state (from the
    outputs at each step). Returns (dX, dh0, dU, dW, db).
    """
    X, h0, U, W, b, Hs = cache
    N, T, _ = X.shape
    dX = np.zeros_like(X)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros_like(b)
    dh_next = np.zeros_like(h0)           # gradient reaching h_t from step t+1
    for t in reversed(range(T)):
        h_prev = Hs[:, t - 1] if t > 0 else h0
        dz = (dHs[:, t] + dh_next) * (1 - Hs[:, t] ** 2)
        dX[:, t] = dz @ U
        dU += dz.T @ X[:, t]
        dW += dz.T @ h_prev
        db += dz.sum(axis=0)
        dh_next = dz @ W
    return dX, dh_next, dU, dW, db


def softmax(Z):
    """Softmax over the last axis, shifted by the max so large logits do not overflow."""
    Z = Z - Z.max(axis=-1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=-1, keepdims=True)


def rnn_output(Hs, V, c):
    """Per-step probabilities (N, T, K) from states (N, T, H)."""
    return softmax(Hs @ V.T + c)


def global_norm(grads):
    """The L2 norm of a list of arrays taken together, as if flattened into one vector."""
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))


def clip_gradients(grads, max_norm):
    """Scale a list of arrays so their global norm is at most max_norm; direction is kept."""
    norm = global_norm(grads)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [g * scale for g in grads]


def init_params(D, H, K, rng, scale=None):
    """Small random parameters (U, W, b, V, c) in float64, seeded by rng."""
    s = scale if scale is not None else 1.0 / np.sqrt(H)
    return (rng.normal(0, s, (H, D)), rng.normal(0, s, (H, H)), np.zeros(H),
            rng.normal(0, s, (K, H)), np.zeros(K))
