"""Assignment 06: plausible wrong implementations and correct alternatives."""

from tests.grading.harness import Variant

ASSIGNMENT = "06_long_memory"

_NORMS = '''
def input_gradient_norms(X, h0, U, W, b, g):
    N, T, _ = X.shape
    states = [h0]
    for t in range(T):
        states.append(np.tanh(X[:, t] @ U.T + states[-1] @ W.T + b))
    norms = np.zeros(T)
    dh = g
    for t in reversed(range(T)):
        dz = SLOPE
        grad = dz @ U
        norms[t] = NORM
        dh = dz @ RECURRENT
    return RESULT
'''


def _norms(slope="dh * (1 - states[t + 1] ** 2)", norm="np.linalg.norm(grad)", recurrent="W", result="norms"):
    return {"input_gradient_norms": _NORMS.replace("SLOPE", slope).replace("NORM", norm)
            .replace("RECURRENT", recurrent).replace("RESULT", result)}


_FORWARD = '''
def gru_step_forward(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h_prev.shape[1]
    gi = x @ weight_ih.T + bias_ih
    gh = h_prev @ weight_hh.T + bias_hh
    r = sigmoid(gi[:, R] + gh[:, R])
    z = sigmoid(gi[:, Z] + gh[:, Z])
    n = np.tanh(gi[:, 2 * H:] + INNER)
    h_new = MIX
    return h_new, (x, h_prev, weight_ih, weight_hh, r, z, n, gh[:, 2 * H:])
'''


def _forward(r=":H", z="H:2 * H", inner="r * gh[:, 2 * H:]", mix="(1 - z) * n + z * h_prev"):
    return {"gru_step_forward": _FORWARD.replace("R]", r + "]").replace("Z]", z + "]").replace("INNER", inner)
            .replace("MIX", mix)}


_BACKWARD = '''
def gru_step_backward(dh_new, cache):
    x, h_prev, weight_ih, weight_hh, r, z, n, hn = cache
    dn = dh_new * (1 - z)
    dz = DZ
    dn_pre = dn * (1 - n ** 2)
    dr_pre = dn_pre * hn * r * (1 - r)
    dz_pre = dz * z * (1 - z)
    d_gi = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
    d_gh = np.concatenate([dr_pre, dz_pre, HN_ROWS], axis=1)
    dx = d_gi @ weight_ih
    dh_prev = d_gh @ weight_hh + DIRECT
    return dx, dh_prev, d_gi.T @ x, d_gh.T @ h_prev, d_gi.sum(axis=0), d_gh.sum(axis=0)
'''


def _backward(dz="dh_new * (h_prev - n)", hn_rows="dn_pre * r", direct="dh_new * z"):
    return {"gru_step_backward": _BACKWARD.replace("DZ", dz).replace("HN_ROWS", hn_rows).replace("DIRECT", direct)}


_TRUNCATED = '''
def truncated_bptt(rnn, head, X, Y, window, lr, h0=None):
    optimiser = torch.optim.SGD(list(rnn.parameters()) + list(head.parameters()), lr=lr)
    N, T = Y.shape
    h = ZEROS if h0 is None else h0
    start_state = h
    losses = []
    for s in STARTS:
        out, h = rnn(X[:, s:s + window], CARRY)
        logits = head(out)
        targets = Y[:, s:s + window].reshape(-1)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targetsREDUCTION)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
        DETACH
    return losses
'''


def _truncated(zeros="torch.zeros(1, N, rnn.hidden_size, dtype=X.dtype, device=X.device)", starts="range(0, T, window)",
               carry="h", reduction="", detach="h = h.detach()"):
    return {"truncated_bptt": _TRUNCATED.replace("ZEROS", zeros).replace("STARTS", starts).replace("CARRY", carry)
            .replace("REDUCTION", reduction).replace("DETACH", detach)}


MISTAKES = [
    Variant("input_gradient_norms: tanh derivative missing", _norms(slope="dh"),
            expect="the tanh derivative (1 - h_t**2) is missing"),
    Variant("input_gradient_norms: W.T in the recurrence", _norms(recurrent="W.T"), expect="uses W.T"),
    Variant("input_gradient_norms: ordered by distance", _norms(result="norms[::-1]"), expect="ordered by distance"),
    Variant("input_gradient_norms: squared norm", _norms(norm="np.sum(grad ** 2)"),
            expect="the squared norm was returned"),
    Variant("input_gradient_norms: per-example norms summed", _norms(norm="np.linalg.norm(grad, axis=1).sum()"),
            expect="per example and summed"),
    Variant("gru_step_forward: gates read as z, r, n", _forward(r="H:2 * H", z=":H"), expect="in the order z, r, n"),
    Variant("gru_step_forward: update gate mixed the paper's way", _forward(mix="z * n + (1 - z) * h_prev"),
            expect="mixed the other way round"),
    Variant("gru_step_forward: b_hn outside the reset gate",
            _forward(inner="r * (h_prev @ weight_hh[2 * H:].T) + bias_hh[2 * H:]"), expect="b_hn is left outside"),
    Variant("gru_step_forward: reset applied before W_hn",
            _forward(inner="(r * h_prev) @ weight_hh[2 * H:].T + bias_hh[2 * H:]"), expect="the 2014 paper's variant"),
    Variant("gru_step_backward: direct path to h_prev missing", _backward(direct="0"), expect="misses the direct path"),
    Variant("gru_step_backward: dz with the wrong sign", _backward(dz="dh_new * (n - h_prev)"),
            expect="dz has the wrong sign"),
    Variant("gru_step_backward: r left out of the n rows", _backward(hn_rows="dn_pre"),
            expect="the reset gate is left out"),
    Variant("truncated_bptt: state not detached", _truncated(detach="pass"), expect="the state is not detached"),
    Variant("truncated_bptt: state not carried", _truncated(carry="start_state"), expect="the state is not carried"),
    Variant("truncated_bptt: last window dropped", _truncated(starts="range(0, T - window + 1, window)"),
            expect="the last, shorter window is dropped"),
    Variant("truncated_bptt: summed loss", _truncated(reduction=', reduction="sum"'), expect="the loss is summed"),
    Variant("truncated_bptt: zeros in the default dtype", _truncated(zeros="torch.zeros(1, N, rnn.hidden_size)"),
            expect="X's dtype"),
    # audit 06 (held-out kinds): norms, dtypes, biases, the cache, the optimiser, the device and the state's shape
    Variant("input_gradient_norms: matrix 2-norm", _norms(norm="np.linalg.norm(grad, 2)"), expect="the matrix 2-norm"),
    Variant("input_gradient_norms: norm of the batch mean", _norms(norm="np.linalg.norm(grad.mean(axis=0))"),
            expect="averaged over the examples"),
    Variant("input_gradient_norms: norms in the inputs' dtype",
            {"input_gradient_norms": _norms()["input_gradient_norms"].replace("np.zeros(T)",
                                                                              "np.zeros(T, dtype=X.dtype)")},
            expect="take the inputs' dtype"),
    Variant("gru_step_forward: bias_hh left out",
            {"gru_step_forward": _forward()["gru_step_forward"].replace("h_prev @ weight_hh.T + bias_hh",
                                                                        "h_prev @ weight_hh.T")},
            expect="bias_hh is left out"),
    Variant("gru_step_forward: (cache, h_new) returned",
            {"gru_step_forward": _forward()["gru_step_forward"].replace(
                "return h_new, (x, h_prev, weight_ih, weight_hh, r, z, n, gh[:, 2 * H:])",
                "return (x, h_prev, weight_ih, weight_hh, r, z, n, gh[:, 2 * H:]), h_new")},
            expect="the order is (h_new, cache)"),
    Variant("gru_step_backward: bias gradients averaged",
            {"gru_step_backward": _backward()["gru_step_backward"].replace(
                "d_gi.sum(axis=0), d_gh.sum(axis=0)", "d_gi.mean(axis=0), d_gh.mean(axis=0)")},
            expect="averaged over the batch"),
    Variant("gru_step_backward: the cache changed in place",
            {"gru_step_backward": _backward()["gru_step_backward"].replace(
                "    dx = d_gi @ weight_ih\n", "    hn *= r\n    dx = d_gi @ weight_ih\n")},
            expect="changed the cache"),
    Variant("truncated_bptt: head not trained",
            {"truncated_bptt": _truncated()["truncated_bptt"].replace(
                "list(rnn.parameters()) + list(head.parameters())", "list(rnn.parameters())")},
            expect="head is not trained"),
    Variant("truncated_bptt: loss divided by N only", _truncated(reduction=', reduction="sum") / (N'),
            expect="divided by N only"),
    Variant("truncated_bptt: last window divided by the full window",
            _truncated(reduction=', reduction="sum") / (N * window'),
            expect="divided by N * window"),
    Variant("truncated_bptt: gradients clipped at 1",
            {"truncated_bptt": _truncated()["truncated_bptt"].replace(
                "        optimiser.step()",
                "        nn.utils.clip_grad_norm_(list(rnn.parameters()) + list(head.parameters()), 1.0)"
                "\n        optimiser.step()")},
            expect="the gradients are clipped"),
    Variant("truncated_bptt: gradients clipped at 5",
            {"truncated_bptt": _truncated()["truncated_bptt"].replace(
                "        optimiser.step()",
                "        nn.utils.clip_grad_norm_(list(rnn.parameters()) + list(head.parameters()), 5.0)"
                "\n        optimiser.step()")},
            expect="large head weights"),
    Variant("truncated_bptt: momentum",
            {"truncated_bptt": _truncated()["truncated_bptt"].replace("lr=lr)", "lr=lr, momentum=0.9)")},
            expect="uses momentum"),
    Variant("truncated_bptt: zeros on the CPU", _truncated(zeros="torch.zeros(1, N, rnn.hidden_size, dtype=X.dtype)"),
            expect="the zero initial state is not made like X"),
    Variant("input_gradient_norms: norms of dz", _norms(norm="np.linalg.norm(dz)"), expect="the norms of dz_k"),
    Variant("truncated_bptt: a window at every step", _truncated(starts="range(0, T - window + 1)"),
            expect="a window starts at every step"),
    Variant("truncated_bptt: T // window windows", _truncated(starts="range(0, (T // window) * window, window)"),
            expect="the last, shorter window is dropped"),
    Variant("truncated_bptt: hidden size read from weight_hh_l0's rows",
            _truncated(zeros="torch.zeros(1, N, rnn.weight_hh_l0.shape[0], dtype=X.dtype, device=X.device)"),
            expect="the initial state has the wrong shape"),
]

ALTERNATIVES = [
    Variant("input_gradient_norms by explicit Jacobian products; truncated_bptt passing None as the first state", {
        "input_gradient_norms": '''
def input_gradient_norms(X, h0, U, W, b, g):
    N, T, D = X.shape
    H = W.shape[0]
    h = h0
    slopes = []
    for t in range(T):
        h = np.tanh(X[:, t] @ U.T + h @ W.T + b)
        slopes.append(1.0 - h ** 2)
    total = np.zeros(T)
    for i in range(N):
        J = np.eye(H)
        for t in range(T - 1, -1, -1):
            dxt = g[i] @ J @ np.diag(slopes[t][i]) @ U
            total[t] += dxt @ dxt
            J = J @ np.diag(slopes[t][i]) @ W
    return np.sqrt(total)
''',
        "truncated_bptt": '''
def truncated_bptt(rnn, head, X, Y, window, lr, h0=None):
    params = [*rnn.parameters(), *head.parameters()]
    state, losses, s = h0, [], 0
    while s < X.shape[1]:
        out, state = rnn(X[:, s:s + window], state)      # None: torch makes zeros like X
        loss = nn.functional.cross_entropy(head(out).transpose(1, 2), Y[:, s:s + window])
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        state = state.detach()
        losses.append(loss.item())
        s += window
    return losses
''',
    }),
    Variant("input_gradient_norms by torch autograd; a GRU cache of input copies in a SimpleNamespace; a new SGD "
            "per window", {
        "input_gradient_norms": '''
def input_gradient_norms(X, h0, U, W, b, g):
    import torch
    Xt = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    h = torch.tensor(h0, dtype=torch.float64)
    Ut, Wt, bt = (torch.tensor(a, dtype=torch.float64) for a in (U, W, b))
    for t in range(X.shape[1]):
        h = torch.tanh(Xt[:, t] @ Ut.T + h @ Wt.T + bt)
    (h * torch.tensor(g, dtype=torch.float64)).sum().backward()
    return torch.linalg.vector_norm(Xt.grad, dim=(0, 2)).numpy()
''',
        "gru_step_forward": '''
from types import SimpleNamespace


def expit(v):
    e = np.exp(-np.abs(v))
    return np.where(v >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def gru_step_forward(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    H = weight_hh.shape[1]
    a = np.einsum("nd,gd->ng", x, weight_ih) + bias_ih
    c = np.einsum("nk,gk->ng", h_prev, weight_hh) + bias_hh
    r = expit(a[:, :H] + c[:, :H])
    z = expit(a[:, H:2 * H] + c[:, H:2 * H])
    n = np.tanh(a[:, 2 * H:] + r * c[:, 2 * H:])
    return (1.0 - z) * n + z * h_prev, SimpleNamespace(args=tuple(v.copy() for v in (x, h_prev, weight_ih, weight_hh,
                                                                                     bias_ih, bias_hh)))
''',
        "gru_step_backward": '''
def gru_step_backward(dh_new, cache):
    x, h, Wi, Wh, bi, bh = cache.args
    H = Wh.shape[1]
    a = x @ Wi.T + bi
    c = h @ Wh.T + bh
    r = expit(a[:, :H] + c[:, :H])
    z = expit(a[:, H:2 * H] + c[:, H:2 * H])
    n = np.tanh(a[:, 2 * H:] + r * c[:, 2 * H:])
    da, dc = np.empty_like(a), np.empty_like(c)
    dn_pre = dh_new * (1.0 - z) * (1.0 - n * n)
    dz_pre = dh_new * (h - n) * z * (1.0 - z)
    dr_pre = dn_pre * c[:, 2 * H:] * r * (1.0 - r)
    da[:, :H], da[:, H:2 * H], da[:, 2 * H:] = dr_pre, dz_pre, dn_pre
    dc[:, :H], dc[:, H:2 * H], dc[:, 2 * H:] = dr_pre, dz_pre, dn_pre * r
    return (np.dot(da, Wi), dh_new * z + np.dot(dc, Wh), np.dot(da.T, x), np.dot(dc.T, h),
            np.add.reduce(da, axis=0), np.add.reduce(dc, axis=0))
''',
        "truncated_bptt": '''
def truncated_bptt(rnn, head, X, Y, window, lr, h0=None):
    h = X.new_zeros(1, X.shape[0], rnn.hidden_size) if h0 is None else h0
    losses = []
    for xw, yw in zip(torch.split(X, window, dim=1), torch.split(Y, window, dim=1)):
        opt = torch.optim.SGD([{"params": rnn.parameters()}, {"params": head.parameters()}], lr=lr)
        out, h_last = rnn(xw, h.detach())
        logp = torch.log_softmax(head(out), dim=-1)
        loss = -logp.gather(-1, yw.unsqueeze(-1)).mean()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        h = h_last
        losses.append(loss.detach().cpu().item())
    return losses
''',
    }),
    Variant("per-example loops, einsum, np.split for the gates", {
        "input_gradient_norms": '''
def input_gradient_norms(X, h0, U, W, b, g):
    N, T, D = X.shape
    total = np.zeros(T)
    for i in range(N):
        hs = [h0[i]]
        for t in range(T):
            hs.append(np.tanh(U @ X[i, t] + W @ hs[-1] + b))
        delta = g[i].copy()
        for t in range(T - 1, -1, -1):
            delta = delta * (1.0 - hs[t + 1] * hs[t + 1])
            total[t] += np.sum((U.T @ delta) ** 2)
            delta = W.T @ delta
    return np.sqrt(total)
''',
        "gru_step_forward": '''
def gru_step_forward(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    W_ir, W_iz, W_in = np.split(weight_ih, 3)
    W_hr, W_hz, W_hn = np.split(weight_hh, 3)
    b_ir, b_iz, b_in = np.split(bias_ih, 3)
    b_hr, b_hz, b_hn = np.split(bias_hh, 3)
    r = 1 / (1 + np.exp(-(np.einsum("nd,hd->nh", x, W_ir) + b_ir + np.einsum("nk,hk->nh", h_prev, W_hr) + b_hr)))
    z = 1 / (1 + np.exp(-(x @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)))
    a = h_prev @ W_hn.T + b_hn
    n = np.tanh(x @ W_in.T + b_in + r * a)
    return n + z * (h_prev - n), {"x": x, "h": h_prev, "Wi": weight_ih, "Wh": weight_hh, "r": r, "z": z, "n": n, "a": a}
''',
        "gru_step_backward": '''
def gru_step_backward(dh_new, cache):
    x, h, Wi, Wh = cache["x"], cache["h"], cache["Wi"], cache["Wh"]
    r, z, n, a = cache["r"], cache["z"], cache["n"], cache["a"]
    H = h.shape[1]
    g_n = dh_new * (1 - z) * (1 - n * n)
    g_z = dh_new * (h - n) * z * (1 - z)
    g_r = g_n * a * r * (1 - r)
    gi = np.hstack([g_r, g_z, g_n])
    gh = np.hstack([g_r, g_z, g_n * r])
    dh = dh_new * z
    for k in range(3):
        dh = dh + gh[:, k * H:(k + 1) * H] @ Wh[k * H:(k + 1) * H]
    return gi @ Wi, dh, np.einsum("ng,nd->gd", gi, x), np.einsum("ng,nk->gk", gh, h), gi.sum(0), gh.sum(0)
''',
    }),
    Variant("truncated_bptt with torch.split, a loss module and a hand-written SGD step", {
        "truncated_bptt": '''
def truncated_bptt(rnn, head, X, Y, window, lr, h0=None):
    params = [*rnn.parameters(), *head.parameters()]
    criterion = nn.CrossEntropyLoss()
    state = h0
    if state is None:
        state = X.new_zeros((1, X.shape[0], rnn.hidden_size))
    history = []
    for xs, ys in zip(torch.split(X, window, dim=1), torch.split(Y, window, dim=1)):
        out, new_state = rnn(xs, state.detach())
        loss = criterion(head(out).transpose(1, 2), ys)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        history.append(float(loss.detach()))
        state = new_state
    return history
''',
    }),
    Variant("GRU forward that keeps pre-activations; backward that recomputes the gates", {
        "gru_step_forward": '''
def gru_step_forward(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h_prev.shape[1]
    pre_i = x @ weight_ih.T + bias_ih
    pre_h = h_prev @ weight_hh.T + bias_hh
    gates = sigmoid(pre_i[:, :2 * H] + pre_h[:, :2 * H])
    r, z = gates[:, :H], gates[:, H:]
    n = np.tanh(pre_i[:, 2 * H:] + r * pre_h[:, 2 * H:])
    return (1.0 - z) * n + z * h_prev, [x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh]
''',
        "gru_step_backward": '''
def gru_step_backward(dh_new, cache):
    x, h, Wi, Wh, bi, bh = cache
    H = h.shape[1]
    pre_i, pre_h = x @ Wi.T + bi, h @ Wh.T + bh
    r = sigmoid(pre_i[:, :H] + pre_h[:, :H])
    z = sigmoid(pre_i[:, H:2 * H] + pre_h[:, H:2 * H])
    n = np.tanh(pre_i[:, 2 * H:] + r * pre_h[:, 2 * H:])
    d_npre = dh_new * (1.0 - z) * (1.0 - n ** 2)
    d_zpre = dh_new * (h - n) * z * (1.0 - z)
    d_rpre = d_npre * pre_h[:, 2 * H:] * r * (1.0 - r)
    d_i = np.concatenate([d_rpre, d_zpre, d_npre], axis=1)
    d_h = np.concatenate([d_rpre, d_zpre, r * d_npre], axis=1)
    return (d_i @ Wi, d_h @ Wh + z * dh_new, d_i.T @ x, d_h.T @ h, d_i.sum(axis=0), d_h.sum(axis=0))
''',
        "input_gradient_norms": '''
def input_gradient_norms(X, h0, U, W, b, g):
    T = X.shape[1]
    hs = np.empty((T + 1,) + h0.shape)
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(np.dot(X[:, t], U.T) + np.dot(hs[t], W.T) + b)
    out = []
    d = np.array(g, dtype=np.float64)
    for t in range(T, 0, -1):
        d = d * (1 - hs[t] ** 2)
        out.append(np.sqrt((np.dot(d, U) ** 2).sum()))
        d = np.dot(d, W)
    return np.array(out[::-1])
''',
    }),
]
