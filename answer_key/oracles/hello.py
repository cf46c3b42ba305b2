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

