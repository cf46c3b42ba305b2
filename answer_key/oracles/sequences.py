"""Assignment 01 (sequence learning): references and known mistakes."""

import numpy as np

VARIANT_NAMES = ("one-to-one", "one-to-many", "many-to-one", "many-to-many", "synced many-to-many")

VARIANTS = {
    "image classification": "one-to-one",
    "image captioning": "one-to-many",
    "action recognition": "many-to-one",
    "sentiment of a review": "many-to-one",
    "video captioning": "many-to-many",
    "machine translation": "many-to-many",
    "frame-level video classification": "synced many-to-many",
    "next-character prediction": "synced many-to-many",
}


# ---- next_char_pairs ------------------------------------------------------

def next_char_pairs(text, context):
    if context < 1:
        raise ValueError("context must be >= 1")
    contexts, targets = [], []
    i = 0
    while i + context < len(text):
        contexts.append(text[i:i + context])
        targets.append(text[i + context])
        i += 1
    return contexts, targets


def next_char_pairs_mistakes(text, context):
    n = max(len(text) - context, 0)
    return {
        "off by one: each target is the last character of its context instead of the character after it":
            ([text[i:i + context] for i in range(n)], [text[i + context - 1] for i in range(n)]),
        "the last (context, target) pair is missing: the loop stops one step early":
            ([text[i:i + context] for i in range(n - 1)], [text[i + context] for i in range(n - 1)]),
        "contexts are one character too long (they include the target)":
            ([text[i:i + context + 1] for i in range(n)], [text[i + context] for i in range(n)]),
    }


# ---- ngram_autocomplete ---------------------------------------------------

def window(prefix, n):
    """The last n-1 characters of prefix (all of it when shorter; '' when n == 1)."""
    return prefix[max(len(prefix) - (n - 1), 0):] if n > 1 else ""


def next_char_counts(corpus, ctx):
    counts = {}
    for i in range(len(corpus) - len(ctx)):
        if corpus[i:i + len(ctx)] == ctx:
            nxt = corpus[i + len(ctx)]
            counts[nxt] = counts.get(nxt, 0) + 1
    return counts


def _top_k(counts, k):
    return [c for c, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:k]


def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("n must be >= 1 and k >= 0")
    return _top_k(next_char_counts(corpus, window(prefix, n)), k)


def ngram_autocomplete_mistakes(corpus, prefix, n, k):
    counts = next_char_counts(corpus, window(prefix, n))
    # next_char_counts fills its dict in scan order, as collections.Counter would:
    # a stable sort by count alone keeps ties in the order they were first seen.
    by_first_seen = [c for c, _ in sorted(counts.items(), key=lambda it: -it[1])][:k]
    return {
        "the window ignores n: it uses the whole prefix as the context":
            _top_k(next_char_counts(corpus, prefix), k),
        "the window ignores n: it uses only the last character of the prefix":
            _top_k(next_char_counts(corpus, prefix[-1:]), k),
        "off by one in the window: it uses the last n characters instead of the last n-1":
            _top_k(next_char_counts(corpus, prefix[max(len(prefix) - n, 0):]), k),
        "ties are not broken alphabetically (they keep the order in which characters first appear)":
            by_first_seen,
        "the order is reversed: least likely first":
            [c for c, _ in sorted(counts.items(), key=lambda it: (it[1], it[0]))][:k],
    }


# ---- pad_batch ------------------------------------------------------------

def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    t_max = int(lengths.max()) if len(sequences) else 0
    values = [np.asarray(s) for s in sequences]
    dtype = np.result_type(*values, np.asarray(pad_value)) if values else np.int64
    padded = np.full((len(sequences), t_max), pad_value, dtype=dtype)
    mask = np.zeros((len(sequences), t_max), dtype=bool)
    for row, seq in enumerate(values):
        for t in range(len(seq)):
            padded[row, t] = seq[t]
            mask[row, t] = True
    return padded, lengths, mask


def pad_batch_mistakes(sequences, pad_value=0):
    padded, lengths, mask = pad_batch(sequences, pad_value)
    left = np.full_like(padded, pad_value)
    left_mask = np.zeros_like(mask)
    for row, seq in enumerate(sequences):
        if len(seq):
            left[row, padded.shape[1] - len(seq):] = np.asarray(seq)
            left_mask[row, padded.shape[1] - len(seq):] = True
    zero_padded, _, _ = pad_batch(sequences, 0)
    return {
        "the mask is inverted: it should be True at real steps and False at padding": ~mask,
        "padding is put on the left; pad at the end so step t is the t-th element": left,
        "the mask marks the padding on the left side": left_mask,
        "pad_value is ignored: padding is always 0": zero_padded,
    }


# ---- unroll ---------------------------------------------------------------

def unroll(step, xs, h0):
    xs = np.asarray(xs)
    h = np.asarray(h0)
    states = []
    for t in range(xs.shape[1]):
        h = step(xs[:, t], h)
        states.append(h)
    if not states:
        return np.zeros((xs.shape[0], 0) + h.shape[1:], dtype=h.dtype)
    return np.stack(states, axis=1)


def unroll_mistakes(step, xs, h0):
    xs = np.asarray(xs)
    h0 = np.asarray(h0)
    t_steps = xs.shape[1]
    if t_steps == 0:
        return {}
    fresh = np.stack([step(xs[:, t], h0) for t in range(t_steps)], axis=1)
    full = unroll(step, xs, h0)
    with_h0 = np.concatenate([h0[:, None], full[:, :-1]], axis=1)
    return {
        "the state is not carried: every step starts again from h0 instead of the previous state": fresh,
        "off by one in time: the states returned are h_0 .. h_{T-1} instead of h_1 .. h_T": with_h0,
    }
