"""Assignment 04 (the "hello" example): references, step functions and known mistakes.

The contracts (the same as in solutions/04_hello):
  * the vocabulary has the end token at index 0, then the distinct characters
    of the text in sorted order; idx_to_char is a list;
  * a step function is step_fn(x, h) -> (probs, h_new): x a one-hot vector (V,),
    h the state it returned last time (None at the first call), probs (V,);
  * greedy generation feeds every character of the prompt, then each
    prediction, back in; it stops when the end token (index 0) is predicted,
    which is not part of the text, or after max_len new characters;
  * sample_next draws once with rng.choice(len(probs), p=probs ** (1/T) renormalised).

Generation mistakes are reproduced by running the same step function the
wrong way, so a test can name the mistake that produced a student's output.
Written with plain loops, independently of the solution notebook.
"""

import numpy as np

from answer_key.oracles import recurrence as ref

END = "<end>"


# ---- vocabulary and encodings ----------------------------------------------------------

def build_vocab(text, end_token=END):
    tokens = [end_token]
    for ch in sorted(set(text)):
        if ch != end_token:
            tokens.append(ch)
    return {tok: i for i, tok in enumerate(tokens)}, tokens


def build_vocab_mistakes(text, end_token=END):
    """{description: (char_to_idx, idx_to_char)} for orders that are deterministic but not the documented one."""
    def pair(tokens):
        return {tok: i for i, tok in enumerate(tokens)}, list(tokens)

    first_seen = list(dict.fromkeys(text))
    chars = sorted(set(text))
    return {
        "the characters are in order of first appearance: sort them (sorted(set(text)))":
            pair([end_token] + first_seen),
        "the end token is last: it must be at index 0": pair(chars + [end_token]),
        "the end token is missing: put it at index 0, before the characters": pair(chars),
    }


def build_vocab_token_mistakes(text, end_token=END):
    """{description: sorted(idx_to_char)} for the vocabulary mistakes, as the tokens-in-any-order check sees them."""
    return {d: sorted(m[1]) for d, m in build_vocab_mistakes(text, end_token).items()}


def build_vocab_order_mistakes(text, end_token=END):
    """{description: idx_to_char} for the vocabulary mistakes."""
    return {d: m[1] for d, m in build_vocab_mistakes(text, end_token).items()}


VOCAB_ORDER_HINT = ("the tokens are right but their order is not the documented one: the end token at index 0, then "
                    "the characters sorted. A set's iteration order changes from run to run, so a vocabulary "
                    "indexed in set order is not reproducible: use sorted(set(text)).")


def one_hot(indices, vocab_size):
    indices = list(indices)
    out = np.zeros((len(indices), vocab_size))
    for row, i in enumerate(indices):
        if not 0 <= i < vocab_size:
            raise ValueError(f"index {i} is out of range for a vocabulary of {vocab_size}")
        out[row, i] = 1.0
    return out


def one_hot_mistakes(indices, vocab_size):
    right = one_hot(indices, vocab_size)
    return {"the one-hot matrix is transposed: one row per index, one column per vocabulary entry": right.T}


def one_hot_shape_mistakes(n, vocab_size):
    return {"the one-hot matrix is transposed: one row per index, one column per vocabulary entry": (vocab_size, n)}


def encode(text, char_to_idx):
    return [char_to_idx[ch] for ch in text]


def decode(indices, idx_to_char):
    return "".join(idx_to_char[int(i)] for i in indices)


# ---- the loss --------------------------------------------------------------------------

def sequence_loss(probs, targets):
    total = 0.0
    for t, k in enumerate(targets):
        total -= float(np.log(probs[t, k]))
    return total / len(targets)


def sequence_loss_mistakes(probs, targets):
    probs = np.asarray(probs, dtype=float)
    targets = np.asarray(targets)
    T = len(targets)
    found = {
        "the loss is summed over the steps, not averaged: divide by the number of steps":
            float(sequence_loss(probs, targets) * T),
        "the loss is read at the wrong index: probs[:, targets] takes every step's probability of every target; "
        "use probs[np.arange(T), targets]": float(-np.log(probs[:, targets]).mean()),
        "the loss uses the most likely character, not the target: read probs[t, targets[t]]":
            float(-np.log(probs.max(axis=1)).mean()),
        "the log is missing: the loss is minus the mean log-probability of the targets":
            float(-probs[np.arange(T), targets].mean()),
    }
    if targets.max() < probs.shape[0]:
        found["the loss is read at the wrong index: probs[targets] picks whole rows, not one entry per step"] = \
            float(-np.log(probs[targets]).mean())
    if T > 1:
        found["the loss is read at the wrong index: off by one in time (probs[t] against targets[t + 1])"] = \
            float(-np.log(probs[np.arange(T - 1), targets[1:]]).mean())
    return found


# ---- bigrams ---------------------------------------------------------------------------

def bigram_counts(text, end_token=END):
    counts = {}
    tokens = list(text) + [end_token] if text else []
    for a, b in zip(tokens[:-1], tokens[1:], strict=True):
        counts.setdefault(a, {})
        counts[a][b] = counts[a].get(b, 0) + 1
    return counts


def _most_frequent(followers):
    best = None
    for tok, n in followers.items():
        if best is None or n > followers[best] or (n == followers[best] and tok < best):
            best = tok
    return best


def bigram_generate(counts, start, max_len, end_token=END):
    text = start
    for _ in range(max_len):
        followers = counts.get(text[-1])
        if not followers:
            break
        nxt = _most_frequent(followers)
        if nxt == end_token:
            break
        text += nxt
    return text


def bigram_generate_mistakes(counts, start, max_len, end_token=END):
    def run(choose, stop_at_end=True, keep_end=False):
        text, last = start, start[-1]
        for _ in range(max_len):
            followers = counts.get(last)
            if not followers:
                break
            nxt = choose(followers)
            if nxt == end_token and stop_at_end and not keep_end:
                break
            text += nxt
            last = nxt
            if nxt == end_token:
                break
        return text

    def first_seen(followers):
        return max(followers, key=followers.get)  # max keeps the first of equal counts, in insertion order

    return {
        "ties are not broken by the smallest token in string order (min of the tied tokens)":
            run(first_seen),
        "the end token is part of the text: stop before adding it": run(_most_frequent, keep_end=True),
    }


# ---- step functions ----------------------------------------------------------------------

def rnn_step_fn(params):
    """step_fn for a numpy Elman RNN with params (U, W, b, V, c); the state starts at zeros."""
    U, W, b, V, c = params

    def step(x, h):
        h = np.zeros((1, W.shape[0])) if h is None else np.reshape(h, (1, -1))
        h = ref.rnn_step(np.reshape(np.asarray(x, dtype=float), (1, -1)), h, U, W, b)
        return ref.softmax(h @ V.T + c)[0], h[0]

    return step


def word_step_fn(word, char_to_idx):
    """A step function that has memorised word: its state is the tuple of indices read so far.

    While the inputs spell a prefix of word, it predicts the next character of
    word (the end token after the whole word). Off that script it predicts the
    next vocabulary entry after the last input, never the end token, so a
    generator that does not feed back its predictions runs on to max_len.
    An all-zero input counts as index -1.
    """
    script = [char_to_idx[ch] for ch in word]
    V = len(char_to_idx)

    def step(x, h):
        x = np.asarray(x, dtype=float).ravel()
        k = int(np.argmax(x)) if x.any() else -1
        seen = (h or ()) + (k,)
        n = len(seen)
        if list(seen) == script[:n] and n <= len(script):
            nxt = script[n] if n < len(script) else 0
        else:
            nxt = k % (V - 1) + 1 if k >= 0 else 1
        probs = np.full(V, 0.4 / (V - 1))
        probs[nxt] = 0.6
        return probs, seen

    return step


def torch_step_fn(model, device=None):
    """step_fn for a CharRNN-like torch module: model(x (1, 1) int64, h) -> (logits (1, 1, V), h)."""
    import torch

    device = device or next(model.parameters()).device

    def step(x, h):
        k = int(np.argmax(np.asarray(x)))
        with torch.no_grad():
            logits, h = model(torch.tensor([[k]], device=device), h)
            probs = torch.softmax(logits[0, -1].double(), dim=-1)
        return probs.cpu().numpy(), h

    return step


# ---- generation ------------------------------------------------------------------------

def _feed_prompt(step_fn, start, char_to_idx, V):
    probs, h = None, None
    for ch in start:
        probs, h = step_fn(one_hot([char_to_idx[ch]], V)[0], h)
    return probs, h


def greedy_generate(step_fn, start, char_to_idx, idx_to_char, max_len):
    V = len(idx_to_char)
    probs, h = _feed_prompt(step_fn, start, char_to_idx, V)
    text = start
    for _ in range(max_len):
        k = int(np.argmax(probs))
        if k == 0:
            break
        text += idx_to_char[k]
        probs, h = step_fn(one_hot([k], V)[0], h)
    return text


def _greedy_variant(step_fn, start, char_to_idx, idx_to_char, max_len, feed="prediction", at_end="stop"):
    V = len(idx_to_char)
    probs, h = _feed_prompt(step_fn, start, char_to_idx, V)
    text = start
    for _ in range(max_len):
        k = int(np.argmax(probs))
        if k == 0 and at_end == "stop":
            break
        if k == 0 and at_end == "include":
            return text + idx_to_char[0]
        if not (k == 0 and at_end == "skip"):
            text += idx_to_char[k]
        x = {"prediction": one_hot([k], V)[0], "prompt": one_hot([char_to_idx[start[-1]]], V)[0],
             "zeros": np.zeros(V)}[feed]
        probs, h = step_fn(x, h)
    return text


def greedy_generate_mistakes(step_fn, start, char_to_idx, idx_to_char, max_len):
    args = (step_fn, start, char_to_idx, idx_to_char, max_len)
    return {
        "the prediction is not fed back: the next input must be the one-hot of the character just predicted "
        "(this fed the last prompt character again)": _greedy_variant(*args, feed="prompt"),
        "the prediction is not fed back: the next input must be the one-hot of the character just predicted "
        "(this fed zeros)": _greedy_variant(*args, feed="zeros"),
        "generation does not stop at the end token: stop as soon as it is predicted (this ran on to max_len)":
            _greedy_variant(*args, at_end="continue"),
        "generation does not stop at the end token: it was skipped, but generation ran on to max_len":
            _greedy_variant(*args, at_end="skip"),
        "the end token is part of the text: stop before adding it": _greedy_variant(*args, at_end="include"),
        "the prompt is missing from the result: return start followed by the generated characters":
            greedy_generate(*args)[len(start):],
    }


def teacher_forced(step_fn, text, char_to_idx, idx_to_char):
    """The most likely next token after each character of text, reading text itself (teacher forcing)."""
    V = len(idx_to_char)
    predicted, h = [], None
    for ch in text:
        probs, h = step_fn(one_hot([char_to_idx[ch]], V)[0], h)
        predicted.append(idx_to_char[int(np.argmax(probs))])
    return predicted


def teacher_forced_mistakes(word, predicted, end_token=END):
    """Known training mistakes, recognised from what a trained model predicts under teacher forcing."""
    found = {"the targets are not shifted: the model learned to repeat its input. targets[t] must be the character "
             "after inputs[t] (the targets are the inputs moved one step left, then the end token)": list(word)}
    right = list(word[1:]) + [end_token]
    if list(predicted[:-1]) == right[:-1] and predicted[-1] != end_token:
        found["the model does not predict the end token after the last character: the targets must end with it "
              "(targets = encode(word[1:]) + [end index])"] = list(predicted)
    return found


def generation_mistakes(word, got, start, end_token=END):
    """Known training mistakes, recognised from a trained model's greedy generation."""
    found = {}
    if isinstance(got, str) and got.startswith(word) and len(got) > len(word):
        found["the model does not stop after the word: train it to predict the end token after the last "
              "character"] = got
    if isinstance(got, str) and len(got) > 1 and set(got) == {start[-1]}:
        found["the targets are not shifted: the model repeats its input"] = got
    return found


# ---- sampling --------------------------------------------------------------------------

def tempered(probs, temperature):
    p = np.asarray(probs, dtype=float) ** (1.0 / temperature)
    return p / p.sum()


def sample_next(probs, temperature, rng):
    return int(rng.choice(len(probs), p=tempered(probs, temperature)))


def sample_next_mistakes(probs, temperature):
    """{description: the distribution that mistake samples from}."""
    return {
        "the temperature is inverted: use probs ** (1 / T); a low T must sharpen the distribution, "
        "a high T flatten it": tempered(probs, 1.0 / temperature),
        "the temperature is ignored: reweight the probabilities as probs ** (1 / T), then renormalise":
            tempered(probs, 1.0),
    }


def sample_next_draw_mistakes(probs, temperature, seed, n):
    """{description: the n draws that mistake makes from a Generator seeded by seed}."""
    return {d: sample_draws(q, seed, n) for d, q in sample_next_mistakes(probs, temperature).items()}


def sample_draws(q, seed, n):
    """n draws rng.choice(len(q), p=q) from a Generator seeded by seed: sample_next's draws for the distribution q."""
    rng = np.random.default_rng(seed)
    return [int(rng.choice(len(q), p=q)) for _ in range(n)]


def sample_frequencies(sampler, probs, temperature, seed, n):
    """How often each index comes out of n calls sampler(probs, temperature, rng), rng seeded."""
    rng = np.random.default_rng(seed)
    counts = np.zeros(len(probs))
    for _ in range(n):
        counts[int(sampler(probs, temperature, rng))] += 1
    return counts / n



# ---- more known mistakes (issue 14) ------------------------------------------------------

def sequence_loss_more_mistakes(probs, targets):
    """Mistakes of sequence_loss beyond sequence_loss_mistakes: other logarithms and other means."""
    probs = np.asarray(probs, dtype=float)
    targets = np.asarray(targets)
    T = len(targets)
    picked = probs[np.arange(T), targets]
    return {
        "the loss uses log10 (or log2): cross-entropy in nats uses the natural logarithm, np.log":
            float(-np.log10(picked).mean()),
        "the loss averages log-probabilities over every entry of probs, not only the targets': "
        "read probs[t, targets[t]] at each step": float(-np.log(probs).mean()),
    }


def sequence_loss_all_mistakes(probs, targets):
    return {**sequence_loss_mistakes(probs, targets), **sequence_loss_more_mistakes(probs, targets)}


def bigram_counts_mistakes(text, end_token=END):
    """{description: counts} for bigram_counts mistakes."""
    found = {}
    if text:
        pairs = list(zip(text[:-1], text[1:], strict=True))

        def table(pairs):
            counts = {}
            for a, b in pairs:
                counts.setdefault(a, {})
                counts[a][b] = counts[a].get(b, 0) + 1
            return counts

        found["the end token is missing: the last character is followed by the end token"] = table(pairs)
        found["the text wraps round: the last character is followed by the end token, not by the first "
              "character"] = table(pairs + [(text[-1], text[0])])
        found["the end token gets a row of its own: only characters of the text are keys"] = \
            table(pairs + [(text[-1], end_token), (end_token, text[0])])
    return found


def bigram_generate_all_mistakes(counts, start, max_len, end_token=END):
    found = bigram_generate_mistakes(counts, start, max_len, end_token)
    budget = max(0, max_len - len(start))
    found["max_len counts the prompt too: it is the most characters to add after start"] = \
        bigram_generate(counts, start, budget, end_token)
    return found


def _greedy_state_variant(step_fn, start, char_to_idx, idx_to_char, max_len, how):
    V = len(idx_to_char)
    if how == "last_only":
        probs, h = step_fn(one_hot([char_to_idx[start[-1]]], V)[0], None)
    else:
        probs, h = None, None
        for ch in start:
            probs, h = step_fn(one_hot([char_to_idx[ch]], V)[0], None if how == "reset" else h)
    text = start
    for _ in range(max_len):
        k = int(np.argmax(probs))
        if k == 0:
            break
        text += idx_to_char[k]
        probs, h = step_fn(one_hot([k], V)[0], None if how == "reset" else h)
    return text


def greedy_generate_all_mistakes(step_fn, start, char_to_idx, idx_to_char, max_len):
    args = (step_fn, start, char_to_idx, idx_to_char, max_len)
    found = greedy_generate_mistakes(*args)
    found["the state is not passed on: give each call the h that the previous call returned (this started "
          "every call from h = None)"] = _greedy_state_variant(*args, "reset")
    found["only the prompt's last character was read: feed every character of start, in order, before "
          "generating"] = _greedy_state_variant(*args, "last_only")
    return found


def sample_next_all_mistakes(probs, temperature):
    found = dict(sample_next_mistakes(probs, temperature))
    greedy = np.zeros(len(probs))
    greedy[int(np.argmax(probs))] = 1.0
    found["this always returns the most likely index (np.argmax): sample_next must draw at random, "
          "with rng.choice(len(probs), p=q)"] = greedy
    return found


# ---- train_hello: the exact losses of a few plain gradient-descent steps ----------------

def train_hello_losses(word, hidden_size, steps, lr, seed, how="right"):
    """The losses train_hello records (and the parameters it returns), computed with plain numpy BPTT."""
    char_to_idx, idx_to_char = build_vocab(word)
    V = len(idx_to_char)
    ids = encode(word, char_to_idx)
    inputs = ids[:-1] if how == "drop_last" else ids
    targets = {"right": ids[1:] + [0], "not_shifted": ids, "wrap": ids[1:] + ids[:1],
               "drop_last": ids[1:]}.get(how, ids[1:] + [0])
    X = one_hot(inputs, V)[None]
    T = len(inputs)
    params = list(ref.init_params(V, hidden_size, V, np.random.default_rng(seed)))

    def forward(params):
        U, W, b, Vw, c = params
        Hs, cache = ref.rnn_forward(X, np.zeros((1, hidden_size)), U, W, b)
        return Hs[0], cache, ref.softmax(Hs[0] @ Vw.T + c)

    def loss_of(probs):
        return float(-np.mean(np.log(probs[np.arange(T), targets])))

    losses = []
    for _ in range(steps):
        Hs, cache, probs = forward(params)
        if how != "after":
            losses.append(loss_of(probs))
        dlogits = probs.copy()
        dlogits[np.arange(T), targets] -= 1.0
        if how != "sum":
            dlogits /= T
        Vw = params[3]
        _, _, dU, dW, db = ref.rnn_backward((dlogits @ Vw)[None], cache)
        grads = [dU, dW, db, dlogits.T @ Hs, dlogits.sum(axis=0)]
        rate = 0.5 if how == "lr_ignored" else lr
        sign = -1.0 if how == "sign" else 1.0
        params = [p - sign * rate * g for p, g in zip(params, grads, strict=True)]
        if how == "after":
            losses.append(loss_of(forward(params)[2]))
    return losses, tuple(params)


TRAIN_HELLO_MISTAKES = {
    "sum": "the gradient is that of the summed loss: divide probs - one_hot(targets) by T (the loss is a mean)",
    "not_shifted": "the targets are not shifted: targets[t] must be the character after inputs[t] (the inputs "
                   "moved one step left, then the end token)",
    "wrap": "the targets wrap round: after the last character comes the end token, not the first character",
    "drop_last": "the last character was dropped from the inputs: read every character of the word; the last "
                 "one's target is the end token",
    "sign": "the update goes up the gradient: p - lr * g",
    "after": "each loss was recorded after its update: record sequence_loss(probs, targets) of the parameters "
             "the step starts from",
    "lr_ignored": "the learning rate argument is ignored (this used 0.5): the step is p - lr * g with the lr given",
}


def train_hello_mistakes(word, hidden_size, steps, lr, seed):
    """{description: the losses that mistake records} for train_hello."""
    found = {}
    for how, description in TRAIN_HELLO_MISTAKES.items():
        if how == "lr_ignored" and lr == 0.5:
            continue
        found[description] = train_hello_losses(word, hidden_size, steps, lr, seed, how)[0]
    return found


# ---- train_char_model on a model without memory: exact losses of a few Adam steps ------

def fixed_bigram_model(table, scale):
    """The test's model: logits = scale * table[x] (float64), a zero state; the same module as the test cell's."""
    import torch
    from torch import nn

    class FixedBigram(nn.Module):
        def __init__(self):
            super().__init__()
            self.table = nn.Embedding(table.shape[0], table.shape[1], dtype=torch.float64)
            with torch.no_grad():
                self.table.weight.copy_(torch.as_tensor(table))

        def forward(self, x, h0=None):
            return scale * self.table(x), torch.zeros(1, x.shape[0], 1, dtype=torch.float64, device=x.device)

    return FixedBigram()


def train_char_model_run(table, scale, text, steps, seq_len, batch_size, lr, seed, how="right"):
    """(losses, final table) of train_char_model on the fixed bigram model, or of one of its known mistakes."""
    import torch
    from torch import nn

    model = fixed_bigram_model(np.asarray(table, dtype=np.float64), scale)
    char_to_idx, _ = build_vocab(text)
    if how == "no_end":
        ids = encode(text, char_to_idx)
    elif how == "end_once":
        ids = encode(text, char_to_idx) + [char_to_idx[END]]
    else:                                   # every line ends with the end token
        ids = [i for line in text.splitlines() for i in encode(line, char_to_idx) + [char_to_idx[END]]]
    stream = torch.tensor(ids, dtype=torch.int64)
    length = min(seq_len, len(stream) - 1)
    offsets = torch.arange(length + 1)
    generator = torch.Generator().manual_seed(seed)
    if how == "sgd":
        optimiser = torch.optim.SGD(model.parameters(), lr=lr)
    else:
        optimiser = torch.optim.Adam(model.parameters(), lr=0.01 if how == "lr_ignored" else lr)
    losses = []
    for _ in range(steps):
        if how == "reseeded":
            generator = torch.Generator().manual_seed(seed)
        starts = torch.randint(0, len(stream) - length, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + offsets]
        logits, _ = model(windows[:, :-1])
        targets = windows[:, :-1] if how == "not_shifted" else windows[:, 1:]
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                           reduction="sum" if how == "sum" else "mean")
        if how != "no_zero_grad":
            optimiser.zero_grad()
        loss.backward()
        if how != "no_clip":
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
    return losses, model.table.weight.detach().numpy().copy()


TRAIN_CHAR_MODEL_MISTAKES = {
    "not_shifted": "the targets are not shifted: a window's first L tokens are the inputs and its last L "
                   "(one step later) the targets",
    "no_end": "the end token is missing from the token stream: it is encode(text) followed by the end token",
    "sum": "the loss is summed over the batch, not averaged: cross_entropy's default reduction is the mean",
    "no_clip": "the gradients are not clipped: call nn.utils.clip_grad_norm_(model.parameters(), 1.0) after "
               "backward() and before step()",
    "no_zero_grad": "the gradients are never zeroed: call optimiser.zero_grad() at every step, or they add up",
    "lr_ignored": "the learning rate argument is ignored (this used 0.01): torch.optim.Adam(..., lr=lr)",
    "sgd": "the optimiser is plain SGD: the contract says Adam",
    "reseeded": "the generator is seeded again at every step, so every step reads the same windows: create and "
                "seed it once, before the loop",
}


def train_char_model_mistakes(table, scale, text, steps, seq_len, batch_size, lr, seed):
    """{description: the losses that mistake records} for train_char_model on the fixed bigram model."""
    found = {}
    for how, description in TRAIN_CHAR_MODEL_MISTAKES.items():
        if how == "lr_ignored" and lr == 0.01:
            continue
        found[description] = train_char_model_run(table, scale, text, steps, seq_len, batch_size, lr, seed, how)[0]
    return found


# ---- no dead diagnosis: a mistake whose output equals the right one on this input is left out --------------

def _same(a, b):
    try:
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        if a_arr.dtype.kind in "fc" or b_arr.dtype.kind in "fc":
            return a_arr.shape == b_arr.shape and bool(np.allclose(a_arr, b_arr, rtol=1e-9, atol=1e-12))
    except (TypeError, ValueError):
        pass
    return a == b


def _differing(found, right):
    return {d: v for d, v in found.items() if not _same(v, right)}


_plain_one_hot_mistakes = one_hot_mistakes
_plain_build_vocab_token_mistakes = build_vocab_token_mistakes
_plain_sequence_loss_all_mistakes = sequence_loss_all_mistakes
_plain_bigram_counts_mistakes = bigram_counts_mistakes
_plain_bigram_generate_all_mistakes = bigram_generate_all_mistakes
_plain_greedy_generate_all_mistakes = greedy_generate_all_mistakes
_plain_sample_next_all_mistakes = sample_next_all_mistakes
_plain_sample_next_draw_mistakes = sample_next_draw_mistakes
_plain_train_hello_mistakes = train_hello_mistakes
_plain_train_char_model_mistakes = train_char_model_mistakes


def one_hot_mistakes(indices, vocab_size):  # noqa: F811 - the filtered version is the one test cells name
    return _differing(_plain_one_hot_mistakes(indices, vocab_size), one_hot(indices, vocab_size))


def build_vocab_token_mistakes(text, end_token=END):  # noqa: F811
    return _differing(_plain_build_vocab_token_mistakes(text, end_token), sorted(build_vocab(text, end_token)[1]))


def sequence_loss_all_mistakes(probs, targets):  # noqa: F811
    return _differing(_plain_sequence_loss_all_mistakes(probs, targets),
                      sequence_loss(np.asarray(probs, dtype=float), list(targets)))


def bigram_counts_mistakes(text, end_token=END):  # noqa: F811
    return _differing(_plain_bigram_counts_mistakes(text, end_token), bigram_counts(text, end_token))


def bigram_generate_all_mistakes(counts, start, max_len, end_token=END):  # noqa: F811
    return _differing(_plain_bigram_generate_all_mistakes(counts, start, max_len, end_token),
                      bigram_generate(counts, start, max_len, end_token))


def greedy_generate_all_mistakes(step_fn, start, char_to_idx, idx_to_char, max_len):  # noqa: F811
    return _differing(_plain_greedy_generate_all_mistakes(step_fn, start, char_to_idx, idx_to_char, max_len),
                      greedy_generate(step_fn, start, char_to_idx, idx_to_char, max_len))


def sample_next_all_mistakes(probs, temperature):  # noqa: F811
    return _differing(_plain_sample_next_all_mistakes(probs, temperature), tempered(probs, temperature))


def sample_next_draw_mistakes(probs, temperature, seed, n):  # noqa: F811
    return _differing(_plain_sample_next_draw_mistakes(probs, temperature, seed, n),
                      sample_draws(tempered(probs, temperature), seed, n))


def train_hello_mistakes(word, hidden_size, steps, lr, seed):  # noqa: F811
    return _differing(_plain_train_hello_mistakes(word, hidden_size, steps, lr, seed),
                      train_hello_losses(word, hidden_size, steps, lr, seed)[0])


def train_char_model_mistakes(table, scale, text, steps, seq_len, batch_size, lr, seed):  # noqa: F811
    return _differing(_plain_train_char_model_mistakes(table, scale, text, steps, seq_len, batch_size, lr, seed),
                      train_char_model_run(table, scale, text, steps, seq_len, batch_size, lr, seed)[0])


_plain_build_vocab_order_mistakes = build_vocab_order_mistakes


def build_vocab_order_mistakes(text, end_token=END):  # noqa: F811
    return _differing(_plain_build_vocab_order_mistakes(text, end_token), build_vocab(text, end_token)[1])
