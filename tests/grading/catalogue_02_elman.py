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

MISTAKES += [
    Variant("rnn_step: sigmoid instead of tanh", {"rnn_step": '''
def rnn_step(x_t, h_prev, U, W, b):
    return 1 / (1 + np.exp(-(x_t @ U.T + h_prev @ W.T + b)))
'''}, expect="a sigmoid is used"),
    Variant("rnn_forward: writes the state into h0 in place", {"rnn_forward": '''
def rnn_forward(X, h0, U, W, b):
    N, T, _ = X.shape
    H = np.zeros((N, T, h0.shape[1]))
    h = h0
    for t in range(T):
        h[:] = rnn_step(X[:, t], h, U, W, b)
        H[:, t] = h
    return H, (X, h0.copy(), U, W, H)
'''}, expect="h0 was changed by the call"),
    Variant("softmax: shifted by the max of the whole array", {"softmax": '''
def softmax(Z):
    E = np.exp(Z - np.max(Z))
    return E / E.sum(axis=-1, keepdims=True)
'''}, expect="shifted by the max of the whole array"),
    Variant("softmax: shifts its input in place", {"softmax": '''
def softmax(Z):
    Z -= Z.max(axis=-1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=-1, keepdims=True)
'''}, expect="Z was changed by the call"),
    Variant("rnn_output: returns the logits", {"rnn_output": '''
def rnn_output(H, V, c):
    return H @ V.T + c
'''}, expect="softmax is not applied"),
    Variant("rnn_backward: dh0 without the final @ W", {"rnn_backward": '''
def rnn_backward(dH, cache):
    X, h0, U, W, H = cache
    dX = np.zeros_like(X)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    dz = np.zeros_like(h0)
    for t in reversed(range(X.shape[1])):
        h_prev = H[:, t - 1] if t > 0 else h0
        dz = (dH[:, t] + dh_next) * (1 - H[:, t] ** 2)
        dX[:, t] = dz @ U
        dU += dz.T @ X[:, t]
        dW += dz.T @ h_prev
        db += dz.sum(axis=0)
        dh_next = dz @ W
    return dX, dz, dU, dW, db
'''}, expect="dh0 is the gradient at the pre-activation of step 0"),
    Variant("rnn_backward: adds into dH in place", {"rnn_backward": '''
def rnn_backward(dH, cache):
    X, h0, U, W, H = cache
    dX = np.zeros_like(X)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in reversed(range(X.shape[1])):
        h_prev = H[:, t - 1] if t > 0 else h0
        dh = dH[:, t]
        dh += dh_next
        dz = dh * (1 - H[:, t] ** 2)
        dX[:, t] = dz @ U
        dU += dz.T @ X[:, t]
        dW += dz.T @ h_prev
        db += dz.sum(axis=0)
        dh_next = dz @ W
    return dX, dh_next, dU, dW, db
'''}, expect="was changed by the call"),
    Variant("clip_gradients: the squared norm", {"clip_gradients": '''
def clip_gradients(grads, max_norm):
    norm = sum(np.sum(g ** 2) for g in grads)
    if norm <= max_norm:
        return [g.copy() for g in grads]
    return [g * (max_norm / norm) for g in grads]
'''}, expect="the squared norm (no sqrt)"),
    Variant("clip_gradients: scales the inputs in place", {"clip_gradients": '''
def clip_gradients(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return list(grads)
'''}, expect="the input grads[0] was changed by the call"),
    Variant("stacked_rnn_forward: initial states in reverse order", {"stacked_rnn_forward": '''
def stacked_rnn_forward(X, h0s, layers):
    inputs = X
    for h0, (U, W, b) in zip(reversed(h0s), layers):
        inputs, _ = rnn_forward(inputs, h0, U, W, b)
    return inputs
'''}, expect="the initial states are used in reverse order"),
    Variant("ElmanRNN: weights drawn from [0, 1/sqrt(H)]", {"ElmanRNN": '''
class ElmanRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        k = 1.0 / math.sqrt(hidden_size)
        self.U = nn.Parameter(torch.rand(hidden_size, input_size) * k)
        self.W = nn.Parameter(torch.rand(hidden_size, hidden_size) * k)
        self.b = nn.Parameter(torch.rand(hidden_size) * k)

    def forward(self, X, h0=None):
        h = torch.zeros(X.shape[0], self.W.shape[0], device=X.device) if h0 is None else h0
        states = []
        for t in range(X.shape[1]):
            h = torch.tanh(X[:, t] @ self.U.T + h @ self.W.T + self.b)
            states.append(h)
        return torch.stack(states, 1), h
'''}, expect="should be drawn uniformly from [-1/sqrt(H), 1/sqrt(H)]"),
    Variant("ElmanRNN: the state is detached at every step", {"ElmanRNN": '''
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
            h = torch.tanh(X[:, t] @ self.U.T + h.detach() @ self.W.T + self.b)
            states.append(h)
        return torch.stack(states, 1), h
'''}, expect=".grad vs torch.nn.RNN"),
    Variant("ManyToOne: classifies from the first state", {"ManyToOne": '''
class ManyToOne(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.rnn = ElmanRNN(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, X):
        states, _ = self.rnn(X)
        return self.head(states[:, 0])
'''}, expect="the head reads the FIRST state"),
] + [Variant(f"train_many_to_one: {name}", {"train_many_to_one": '''
def train_many_to_one(model, X, y, steps, device, lr=0.02, batch_size=64, seed=0):
    MOVE_MODEL
    X, y = X.to(device), y.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=LR)
    generator = GENERATOR
    losses = []
    for _ in progress(range(steps), desc="training"):
        idx = DRAW
        loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
        ZERO_GRAD
        loss.backward()
        CLIP
        optimiser.step()
        RECORD
    return losses
'''.replace("MOVE_MODEL", changes.get("move", "model.to(device)"))
   .replace("LR", changes.get("lr", "lr"))
   .replace("GENERATOR", changes.get("generator", "torch.Generator().manual_seed(seed)"))
   .replace("DRAW", changes.get("draw", "torch.randint(0, X.shape[0], (batch_size,), generator=generator).to(device)"))
   .replace("ZERO_GRAD", changes.get("zero_grad", "optimiser.zero_grad()"))
   .replace("CLIP", changes.get("clip", "nn.utils.clip_grad_norm_(model.parameters(), 1.0)"))
   .replace("RECORD", changes.get("record", "losses.append(loss.item())"))}, expect=expect)
    for name, changes, expect in [
        ("no zero_grad", {"zero_grad": "pass"}, "optimiser.zero_grad() is missing"),
        ("no gradient clipping", {"clip": "pass"}, "the gradients are not clipped"),
        ("lr ignored", {"lr": "0.02"}, "lr is not used"),
        ("loss recorded after the update", {"record": "losses.append(nn.functional.cross_entropy(model(X[idx]), "
                                                      "y[idx]).item())"}, "the loss is recorded after the update"),
        ("the global generator, reseeded", {"generator": "torch.manual_seed(seed)",
                                            "draw": "torch.randint(0, X.shape[0], (batch_size,)).to(device)"},
         "torch's global generator"),
        ("seed ignored", {"generator": "torch.Generator().manual_seed(0)"}, "seed=0 and seed=1 gave the same batches"),
        ("model not moved to the device", {"move": "pass"}, "move the model with model.to(device)"),
        ("never draws example 0", {"draw": "torch.randint(1, X.shape[0], (batch_size,), generator=generator)"
                                           ".to(device)"}, "random_ expects 'from' to be less than 'to'"),
    ]]

for _i, _v in enumerate(MISTAKES):
    if _v.name == "ManyToOne: runs the RNN on the last input only":
        MISTAKES[_i] = Variant(_v.name, _v.cells, expect="the rnn reads only the last input")

ALTERNATIVES += [
    Variant("epochs of shuffled batches, a loss module, clipping by hand", {
        "train_many_to_one": '''
def train_many_to_one(model, X, y, steps, device, lr=0.02, batch_size=64, seed=0):
    model = model.to(device)
    X = X.to(device)
    y = y.to(device)
    gen = torch.Generator()
    gen.manual_seed(seed)
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(list(model.parameters()), lr)
    order, pos, history = torch.randperm(len(X), generator=gen), 0, []
    for step in progress(range(steps)):
        if pos >= len(order):
            order, pos = torch.randperm(len(X), generator=gen), 0
        batch = order[pos:pos + batch_size].to(device)
        pos += batch_size
        opt.zero_grad(set_to_none=True)
        loss = criterion(model(X[batch]), y[batch])
        loss.backward()
        params = [p for p in model.parameters() if p.grad is not None]
        total = torch.sqrt(sum((p.grad.detach() ** 2).sum() for p in params))
        if total > 1.0:
            for p in params:
                p.grad.mul_(1.0 / (total + 1e-12))
        opt.step()
        history.append(float(loss.detach().cpu()))
    return history
''',
        "ManyToOne": '''
class ManyToOne(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.rnn = ElmanRNN(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, X):
        states, _ = self.rnn(X)
        return self.head(states[:, -1, :])
''',
    }),
    Variant("inline softmax in rnn_output, rnn_step in the stack, clipping without copies", {
        "rnn_output": '''
def rnn_output(H, V, c):
    logits = np.einsum("nth,kh->ntk", H, V) + c
    logits = logits - logits.max(axis=-1, keepdims=True)
    return np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
''',
        "stacked_rnn_forward": '''
def stacked_rnn_forward(X, h0s, layers):
    current = X
    for (U, W, b), h in zip(layers, h0s):
        states = []
        for t in range(current.shape[1]):
            h = rnn_step(current[:, t], h, U, W, b)
            states.append(h)
        current = np.stack(states, axis=1)
    return current
''',
        "clip_gradients": '''
def clip_gradients(grads, max_norm):
    norm = np.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if norm > max_norm:
        return [g * (max_norm / norm) for g in grads]
    return list(grads)
''',
        "softmax": '''
def softmax(Z):
    Z = np.asarray(Z, dtype=np.float64)
    out = np.exp(Z - np.amax(Z, axis=Z.ndim - 1, keepdims=True))
    out /= out.sum(axis=Z.ndim - 1, keepdims=True)
    return out
''',
    }),
]

# Audit of 02_elman: every input a docstring says is left unchanged is checked (not only the first one or two),
# "a new list" is checked, the default h0 of ElmanRNN goes on X's device, and T = 0 says which case raised.
MISTAKES += [
    Variant("rnn_step: clips the caller's W in place", {"rnn_step": '''
def rnn_step(x_t, h_prev, U, W, b):
    np.clip(W, -0.45, 0.45, out=W)     # "keep the recurrence stable", in the caller's array
    return np.tanh(x_t @ U.T + h_prev @ W.T + b)
'''}, expect="W was changed by the call"),
    Variant("rnn_forward: decays U in place", {"rnn_forward": '''
def rnn_forward(X, h0, U, W, b):
    N, T, _ = X.shape
    H = np.zeros((N, T, h0.shape[1]))
    h = h0
    for t in range(T):
        h = rnn_step(X[:, t], h, U, W, b)
        H[:, t] = h
    cache = (X, h0, U.copy(), W, H)
    U *= 0.999               # weight decay in the wrong place
    return H, cache
'''}, expect="U was changed by the call"),
    Variant("rnn_forward: stacks a list of states (fails at T = 0)", {"rnn_forward": '''
def rnn_forward(X, h0, U, W, b):
    states, h = [], h0
    for t in range(X.shape[1]):
        h = rnn_step(X[:, t], h, U, W, b)
        states.append(h)
    H = np.stack(states, axis=1)
    return H, (X, h0, U, W, H)
'''}, expect="on sequences of length T = 0"),
    Variant("softmax: a 1-D input reshaped to a view and shifted in place", {"softmax": '''
def softmax(Z):
    Z2 = Z[None, :] if Z.ndim == 1 else Z.copy()
    Z2 -= Z2.max(axis=-1, keepdims=True)
    E = np.exp(Z2)
    return (E / E.sum(axis=-1, keepdims=True)).reshape(Z.shape)
'''}, expect="Z (1-D) was changed by the call"),
    Variant("rnn_output: shifts c in place", {"rnn_output": '''
def rnn_output(H, V, c):
    logits = H @ V.T + c
    c -= c.max()             # "stabilise" the bias, in the caller's array
    return softmax(logits)
'''}, expect="c was changed by the call"),
    Variant("rnn_backward: writes dz into the cache's states", {"rnn_backward": '''
def rnn_backward(dH, cache):
    X, h0, U, W, H = cache
    dX, dU, dW, db = np.zeros_like(X), np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in reversed(range(X.shape[1])):
        h_prev = H[:, t - 1] if t > 0 else h0
        dz = (dH[:, t] + dh_next) * (1 - H[:, t] ** 2)
        H[:, t] = dz             # reuse the buffer: changes the cache
        dX[:, t] = dz @ U
        dU += dz.T @ X[:, t]
        dW += dz.T @ h_prev
        db += dz.sum(axis=0)
        dh_next = dz @ W
    return dX, dh_next, dU, dW, db
'''}, expect="the cache from rnn_forward (T=1) was changed by the call"),
    Variant("clip_gradients: returns the given list when nothing is clipped", {"clip_gradients": '''
def clip_gradients(grads, max_norm):
    norm = np.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    if norm <= max_norm:
        return grads
    return [g * (max_norm / norm) for g in grads]
'''}, expect="returned the list it was given"),
    Variant("stacked_rnn_forward: damps each layer's W in place", {"stacked_rnn_forward": '''
def stacked_rnn_forward(X, h0s, layers):
    out = X
    for h0, (U, W, b) in zip(h0s, layers):
        W *= 0.9                  # "damp the recurrence", in the caller's array
        out, _ = rnn_forward(out, h0, U, W, b)
    return out
'''}, expect="layers[0]'s W was changed by the call"),
    Variant("ElmanRNN: the default h0 made on the CPU", {"ElmanRNN": '''
class ElmanRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        k = 1 / math.sqrt(hidden_size)
        self.U = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-k, k))
        self.W = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-k, k))
        self.b = nn.Parameter(torch.empty(hidden_size).uniform_(-k, k))

    def forward(self, X, h0=None):
        h = torch.zeros(X.shape[0], self.W.shape[0]) if h0 is None else h0
        states = []
        for t in range(X.shape[1]):
            h = torch.tanh(X[:, t] @ self.U.T + h @ self.W.T + self.b)
            states.append(h)
        return torch.stack(states, dim=1), h
'''}, expect="The default h0 must be made on X's device"),
]

ALTERNATIVES += [
    Variant("a dict cache of pre-activations, backward through 1/cosh^2, einsum step, torch-style clipping", {
        "rnn_step": '''
def rnn_step(x_t, h_prev, U, W, b):
    z = np.einsum("nd,hd->nh", x_t, U) + np.dot(W, h_prev.T).T
    return np.tanh(z + b[np.newaxis, :])
''',
        "rnn_forward": '''
def rnn_forward(X, h0, U, W, b):
    N, T, _ = X.shape
    states = np.empty((N, T, U.shape[0]), dtype=np.result_type(X, h0, U, W, b))
    pre = np.empty_like(states)
    prev = h0
    for t in range(T):
        pre[:, t] = X[:, t] @ U.T + prev @ W.T + b
        states[:, t] = np.tanh(pre[:, t])
        prev = states[:, t]
    return states, {"X": X.copy(), "h0": h0.copy(), "U": U, "W": W, "pre": pre, "H": states}
''',
        "rnn_backward": '''
def rnn_backward(dH, cache):
    X, h0, U, W, pre, Hs = cache["X"], cache["h0"], cache["U"], cache["W"], cache["pre"], cache["H"]
    T = X.shape[1]
    dZ = np.zeros_like(Hs)
    carry = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        dZ[:, t] = (dH[:, t] + carry) / np.cosh(pre[:, t]) ** 2
        carry = dZ[:, t] @ W
    prev = np.concatenate([h0[:, None], Hs[:, :-1]], axis=1)
    return (dZ @ U, carry, np.einsum("nth,ntd->hd", dZ, X), np.einsum("nth,ntk->hk", dZ, prev),
            dZ.sum(axis=(0, 1)))
''',
        "clip_gradients": '''
def clip_gradients(grads, max_norm):
    total = math.sqrt(sum(float((np.asarray(g, dtype=np.float64) ** 2).sum()) for g in grads))
    coef = max_norm / (total + 1e-6)          # torch's clip_grad_norm_ formula
    if coef < 1:
        return [g * coef for g in grads]
    return [np.array(g, copy=True) for g in grads]
import math
''',
    }),
    Variant("parameters initialised in a loop, states written into a preallocated tensor, multinomial batches", {
        "ElmanRNN": '''
class ElmanRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.b = nn.Parameter(torch.empty(hidden_size))
        self.W = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.U = nn.Parameter(torch.empty(hidden_size, input_size))
        bound = hidden_size ** -0.5
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, X, h0=None):
        N, T, _ = X.shape
        h = torch.zeros(N, self.hidden_size, device=self.W.device, dtype=self.W.dtype) if h0 is None else h0
        out = X.new_empty(N, T, self.hidden_size)
        xu = X @ self.U.T + self.b
        for t in range(T):
            h = torch.tanh(xu[:, t] + torch.mm(h, self.W.t()))
            out[:, t] = h
        return out, h
''',
        "train_many_to_one": '''
def train_many_to_one(model, X, y, steps, device, lr=0.02, batch_size=64, seed=0):
    model = model.to(device)
    X_dev, y_dev = X.to(device), y.to(device)
    g = torch.Generator(device="cpu")
    g.manual_seed(seed)
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr)
    weights = torch.ones(X.shape[0])
    out = []
    for _ in progress(range(steps)):
        picks = torch.multinomial(weights, batch_size, replacement=True, generator=g).to(device)
        loss = criterion(model(X_dev[picks]), y_dev[picks])
        out.append(float(loss.detach().cpu()))
        opt.zero_grad(set_to_none=False)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
    return out
''',
    }),
]
