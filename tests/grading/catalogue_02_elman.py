"""Assignment 02: plausible wrong implementations and correct alternatives."""

from tests.grading.harness import Variant

ASSIGNMENT = "02_elman"

MISTAKES = [
    Variant("rnn_step: tanh forgotten", {"rnn_step": '''
def rnn_step(x_t, h_prev, U, W, b):
    return x_t @ U.T + h_prev @ W.T + b
'''}, expect="tanh is missing"),
    Variant("rnn_step: U and W swapped", {"rnn_step": '''
def rnn_step(x_t, h_prev, U, W, b):
    return np.tanh(x_t @ W.T + h_prev @ U.T + b)
'''}, expect="U and W are swapped"),
    Variant("rnn_step: weights not transposed", {"rnn_step": '''
def rnn_step(x_t, h_prev, U, W, b):
    return np.tanh(x_t @ U + h_prev @ W + b)
'''}, expect="U and W are not transposed"),
    Variant("rnn_step: bias dropped", {"rnn_step": '''
def rnn_step(x_t, h_prev, U, W, b):
    return np.tanh(x_t @ U.T + h_prev @ W.T)
'''}, expect="the bias b is missing"),
    Variant("rnn_forward: state not carried", {"rnn_forward": '''
def rnn_forward(X, h0, U, W, b):
    H = np.stack([rnn_step(X[:, t], h0, U, W, b) for t in range(X.shape[1])], axis=1)
    return H, (X, h0, U, W, H)
'''}, expect="the state is not carried"),
    Variant("rnn_forward: off by one in time (h_0 .. h_{T-1})", {"rnn_forward": '''
def rnn_forward(X, h0, U, W, b):
    N, T, _ = X.shape
    H = np.zeros((N, T, h0.shape[1]))
    h = h0
    for t in range(T):
        H[:, t] = h
        h = rnn_step(X[:, t], h, U, W, b)
    return H, (X, h0, U, W, H)
'''}, expect="off by one in time"),
    Variant("rnn_output: output bias dropped", {"rnn_output": '''
def rnn_output(H, V, c):
    return softmax(H @ V.T)
'''}, expect="the output bias c is missing"),
    Variant("rnn_backward: dW not accumulated over time", {"rnn_backward": '''
def rnn_backward(dH, cache):
    X, h0, U, W, H = cache
    dX = np.zeros_like(X)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(X.shape[1])):
        h_prev = H[:, t - 1] if t > 0 else h0
        dz = (dH[:, t] + dh_next) * (1 - H[:, t] ** 2)
        dX[:, t] = dz @ U
        dU = dz.T @ X[:, t]
        dW = dz.T @ h_prev
        db = dz.sum(axis=0)
        dh_next = dz @ W
    return dX, dh_next, dU, dW, db
'''}, expect="overwritten at each step instead of summed"),
    Variant("rnn_backward: (1 - h^2) factor missing", {"rnn_backward": '''
def rnn_backward(dH, cache):
    X, h0, U, W, H = cache
    dX = np.zeros_like(X)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in reversed(range(X.shape[1])):
        h_prev = H[:, t - 1] if t > 0 else h0
        dz = dH[:, t] + dh_next
        dX[:, t] = dz @ U
        dU += dz.T @ X[:, t]
        dW += dz.T @ h_prev
        db += dz.sum(axis=0)
        dh_next = dz @ W
    return dX, dh_next, dU, dW, db
'''}, expect="the tanh derivative (1 - h_t**2) is missing"),
    Variant("rnn_backward: gradient into h_{t-1} dropped", {"rnn_backward": '''
def rnn_backward(dH, cache):
    X, h0, U, W, H = cache
    dX = np.zeros_like(X)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_prev = np.zeros_like(h0)
    for t in reversed(range(X.shape[1])):
        h_prev = H[:, t - 1] if t > 0 else h0
        dz = dH[:, t] * (1 - H[:, t] ** 2)
        dX[:, t] = dz @ U
        dU += dz.T @ X[:, t]
        dW += dz.T @ h_prev
        db += dz.sum(axis=0)
        dh_prev = dz @ W
    return dX, dh_prev, dU, dW, db
'''}, expect="the gradient does not flow back through the state"),
    Variant("softmax: over the wrong axis", {"softmax": '''
def softmax(Z):
    shifted = Z - np.max(Z, axis=0, keepdims=True)
    return np.exp(shifted) / np.sum(np.exp(shifted), axis=0, keepdims=True)
'''}, expect="over the wrong axis"),
    Variant("softmax: overflows", {"softmax": '''
def softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=-1, keepdims=True)
'''}, expect="the softmax overflows"),
    Variant("clip_gradients: per element", {"clip_gradients": '''
def clip_gradients(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads]
'''}, expect="each element was clipped"),
    Variant("clip_gradients: per array norm", {"clip_gradients": '''
def clip_gradients(grads, max_norm):
    out = []
    for g in grads:
        norm = np.linalg.norm(g)
        out.append(g * max_norm / norm if norm > max_norm else g.copy())
    return out
'''}, expect="clipped by its own norm"),
    Variant("stacked_rnn_forward: every layer reads X", {"stacked_rnn_forward": '''
def stacked_rnn_forward(X, h0s, layers):
    out = X
    for h0, (U, W, b) in zip(h0s, layers):
        out, _ = rnn_forward(X if U.shape[1] == X.shape[2] else out, h0, U, W, b)
    return out
'''}, expect="every layer reads X"),
    Variant("ElmanRNN: returns the first state as h_T", {"ElmanRNN": '''
class ElmanRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        k = 1.0 / math.sqrt(hidden_size)
        self.U = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-k, k))
        self.W = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-k, k))
        self.b = nn.Parameter(torch.empty(hidden_size).uniform_(-k, k))

    def forward(self, X, h0=None):
        h = torch.zeros(X.shape[0], self.W.shape[0], device=X.device) if h0 is None else h0
        states = []
        for t in range(X.shape[1]):
            h = torch.tanh(X[:, t] @ self.U.T + h @ self.W.T + self.b)
            states.append(h)
        return torch.stack(states, 1), states[0]
'''}, expect="h_T is the first state"),
    Variant("ManyToOne: runs the RNN on the last input only", {"ManyToOne": '''
class ManyToOne(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.rnn = ElmanRNN(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, X):
        _, h_last = self.rnn(X[:, -1:])
        return self.head(h_last)
'''}, expect="below 0.95"),
]

ALTERNATIVES = [
    Variant("loops over the batch and time", {
        "rnn_step": '''
def rnn_step(x_t, h_prev, U, W, b):
    out = np.empty((x_t.shape[0], U.shape[0]))
    for n in range(x_t.shape[0]):
        out[n] = np.tanh(U @ x_t[n] + W @ h_prev[n] + b)
    return out
''',
        "rnn_forward": '''
def rnn_forward(X, h0, U, W, b):
    states = []
    h = h0
    for t in range(X.shape[1]):
        h = rnn_step(X[:, t, :], h, U, W, b)
        states.append(h)
    H = np.stack(states, axis=1) if states else np.zeros((X.shape[0], 0, h0.shape[1]))
    return H, {"X": X, "h0": h0, "U": U, "W": W, "H": H}
''',
        "rnn_backward": '''
def rnn_backward(dH, cache):
    X, h0, U, W, H = cache["X"], cache["h0"], cache["U"], cache["W"], cache["H"]
    N, T, _ = X.shape
    dX = np.zeros_like(X)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(U.shape[0])
    carry = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        total = dH[:, t] + carry
        dz = total * (1.0 - np.square(H[:, t]))
        prev = h0 if t == 0 else H[:, t - 1]
        for n in range(N):
            dU += np.outer(dz[n], X[n, t])
            dW += np.outer(dz[n], prev[n])
        db += dz.sum(0)
        dX[:, t] = dz @ U
        carry = dz @ W
    return dX, carry, dU, dW, db
''',
        "softmax": '''
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=-1, keepdims=True)
    log_norm = m + np.log(np.exp(Z - m).sum(axis=-1, keepdims=True))
    return np.exp(Z - log_norm)
''',
    }),
    Variant("einsum everywhere, backward in two passes", {
        "rnn_step": '''
def rnn_step(x_t, h_prev, U, W, b):
    return np.tanh(np.einsum("nd,hd->nh", x_t, U) + np.einsum("nk,hk->nh", h_prev, W) + b)
''',
        "rnn_backward": '''
def rnn_backward(dH, cache):
    X, h0, U, W, H = cache
    T = X.shape[1]
    dZ = np.zeros_like(H)
    dh = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):          # first pass: the gradient at each pre-activation
        dZ[:, t] = (dH[:, t] + dh) * (1 - H[:, t] ** 2)
        dh = dZ[:, t] @ W
    H_prev = np.concatenate([h0[:, None], H[:, :-1]], axis=1)
    dU = np.einsum("nth,ntd->hd", dZ, X)    # second pass: sums over time and batch at once
    dW = np.einsum("nth,ntk->hk", dZ, H_prev)
    db = dZ.sum(axis=(0, 1))
    dX = np.einsum("nth,hd->ntd", dZ, U)
    return dX, dh, dU, dW, db
''',
        "clip_gradients": '''
def clip_gradients(grads, max_norm):
    flat = np.concatenate([g.ravel() for g in grads])
    scale = min(1.0, max_norm / np.linalg.norm(flat)) if np.linalg.norm(flat) > 0 else 1.0
    return [g * scale for g in grads]
''',
    }),
    Variant("torch module written with nn.functional and a functional stack", {
        "ElmanRNN": '''
class ElmanRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        scale = hidden_size ** -0.5
        self.U = nn.Parameter((torch.rand(hidden_size, input_size) * 2 - 1) * scale)
        self.W = nn.Parameter((torch.rand(hidden_size, hidden_size) * 2 - 1) * scale)
        self.b = nn.Parameter((torch.rand(hidden_size) * 2 - 1) * scale)

    def forward(self, X, h0=None):
        if h0 is None:
            h0 = torch.zeros(X.size(0), self.W.size(0), dtype=X.dtype, device=X.device)
        states, h = [], h0
        for x_t in X.unbind(dim=1):
            h = torch.tanh(nn.functional.linear(x_t, self.U, self.b) + nn.functional.linear(h, self.W))
            states.append(h)
        return torch.stack(states, dim=1), h
''',
        "stacked_rnn_forward": '''
def stacked_rnn_forward(X, h0s, layers):
    H = X
    for layer, h0 in enumerate(h0s):
        U, W, b = layers[layer]
        H = rnn_forward(H, h0, U, W, b)[0]
    return H
''',
    }),
]
