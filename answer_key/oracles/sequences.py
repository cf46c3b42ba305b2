"""Assignment 01 (sequence learning): references and known mistakes.

Each *_mistakes function returns {description: the value that mistake gives on the same input}. Mistakes whose
value equals the right answer are left out (they could never be the reason for a failure), and mistakes that
give the same value as each other are merged into one entry, so that a failure names one description.
"""

import numpy as np

from rnncourse.checks import _equal

VARIANT_NAMES = ("one-to-one", "one-to-many", "many-to-one", "many-to-many", "synced many-to-many")

VARIANTS = {
    "image classification": "one-to-one",
    "image captioning": "one-to-many",
    "action recognition": "many-to-one",
    "sentiment of a review": "many-to-one",
    "video captioning": "many-to-many",
    "machine translation": "many-to-many",
    "frame-level video classification": "synced many-to-many",
    "next-character prediction at every position of a text, while training": "synced many-to-many",
}


def distinct(expected, mistakes):
    """mistakes without those equal to expected, the ones equal to each other merged into one description."""
    merged = []   # [description, value]
    for description, value in mistakes.items():
        if _equal(value, expected):
            continue
        for entry in merged:
            if _equal(value, entry[1]) and _same_kind(value, entry[1]):
                entry[0] = f"{entry[0]}; or: {description}"
                break
        else:
            merged.append([description, value])
    return dict(merged)


def _same_kind(a, b):
    return isinstance(a, np.ndarray) == isinstance(b, np.ndarray) and \
        (not isinstance(a, np.ndarray) or a.dtype == b.dtype)


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
    contexts, targets = next_char_pairs(text, context)
    return distinct((contexts, targets), {
        "off by one: each target is the last character of its context instead of the character after it":
            ([text[i:i + context] for i in range(n)], [text[i + context - 1] for i in range(n)]),
        "the last (context, target) pair is missing: the loop stops one step early":
            ([text[i:i + context] for i in range(n - 1)], [text[i + context] for i in range(n - 1)]),
        "the first (context, target) pair is missing: the first window starts at text[0]":
            (contexts[1:], targets[1:]),
        "contexts are one character too long (they include the target)":
            ([text[i:i + context + 1] for i in range(n)], [text[i + context] for i in range(n)]),
        "one pair too many: the window that ends the text has no next character (its target came out empty)":
            ([text[i:i + context] for i in range(len(text) - context + 1)],
             [text[i + context:i + context + 1] for i in range(len(text) - context + 1)]) if text else ([], []),
        "a list of (context, target) pairs was returned; return two lists, (contexts, targets)":
            [(c, t) for c, t in zip(contexts, targets, strict=True)],
        "contexts and targets are swapped: return (contexts, targets)": (targets, contexts),
    })


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


def _counts_jumping(corpus, ctx, jump):
    """Counts of the next character when, after each match, the scan jumps `jump` characters ahead."""
    counts, i = {}, 0
    while i < len(corpus) - len(ctx):
        if corpus[i:i + len(ctx)] == ctx:
            counts[corpus[i + len(ctx)]] = counts.get(corpus[i + len(ctx)], 0) + 1
            i += max(jump, 1)
        else:
            i += 1
    return counts


def ngram_autocomplete_mistakes(corpus, prefix, n, k):
    ctx = window(prefix, n)
    counts = next_char_counts(corpus, ctx)
    # next_char_counts fills its dict in scan order, as collections.Counter would:
    # a stable sort by count alone keeps ties in the order they were first seen.
    by_first_seen = [c for c, _ in sorted(counts.items(), key=lambda it: -it[1])][:k]
    counted_with_str_count = {c: corpus.count(ctx + c) for c in counts}
    wrapped = prefix[len(prefix) - (n - 1):] if n > 1 else ""
    return distinct(ngram_autocomplete(corpus, prefix, n, k), {
        "the window ignores n: it uses the whole prefix as the context":
            _top_k(next_char_counts(corpus, prefix), k),
        "with n == 1 the window is empty, but prefix[-(n-1):] is prefix[-0:], the whole prefix":
            _top_k(next_char_counts(corpus, prefix if n == 1 else ctx), k),
        "the window ignores n: it uses only the last character of the prefix":
            _top_k(next_char_counts(corpus, prefix[-1:]), k),
        "off by one in the window: it uses the last n characters instead of the last n-1":
            _top_k(next_char_counts(corpus, prefix[max(len(prefix) - n, 0):]), k),
        "a prefix shorter than n-1 characters should be used whole, but a negative start index wrapped around "
        "(prefix[len(prefix) - (n-1):])":
            _top_k(next_char_counts(corpus, wrapped), k),
        "ties are not broken alphabetically (they keep the order in which characters first appear)":
            by_first_seen,
        "ties are broken in reverse alphabetical order (sorting by (count, character) with reverse=True)":
            [c for c, _ in sorted(counts.items(), key=lambda it: (it[1], it[0]), reverse=True)][:k],
        "the order is reversed: least likely first":
            [c for c, _ in sorted(counts.items(), key=lambda it: (it[1], it[0]))][:k],
        "occurrences of the window were counted without overlap (after a match the search jumped past it, as "
        "str.find/str.split do): count the next character at every position":
            _top_k(_counts_jumping(corpus, ctx, len(ctx)), k),
        "each match of window + next character was counted without overlap (re.finditer/re.findall skip past "
        "the character they matched): count at every position":
            _top_k(_counts_jumping(corpus, ctx, len(ctx) + 1), k),
        "str.count(window + c) counts without overlap: count the next character at every position":
            _top_k({c: m for c, m in counted_with_str_count.items() if m}, k),
        "the last position of the corpus is not counted (the scan stops one step early)":
            _top_k(next_char_counts(corpus[:-1], ctx) if corpus else {}, k),
        "(character, count) pairs were returned; return the characters only":
            [(c, counts[c]) for c in ngram_autocomplete(corpus, prefix, n, k)],
    })


# ---- pad_batch ------------------------------------------------------------

def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    t_max = int(lengths.max()) if len(sequences) else 0
    values = [np.asarray(s) for s in sequences if len(s)]   # an empty sequence adds no values
    dtype = np.result_type(*values, np.asarray(pad_value))
    padded = np.full((len(sequences), t_max), pad_value, dtype=dtype)
    mask = np.zeros((len(sequences), t_max), dtype=bool)
    for row, seq in enumerate(sequences):
        for t in range(len(seq)):
            padded[row, t] = seq[t]
            mask[row, t] = True
    return padded, lengths, mask


def pad_batch_mistakes(sequences, pad_value=0, part="padded"):
    """What known mistakes give for one part of the result: "padded" or "mask"."""
    padded, lengths, mask = pad_batch(sequences, pad_value)
    left = np.full_like(padded, pad_value)
    left_mask = np.zeros_like(mask)
    for row, seq in enumerate(sequences):
        if len(seq):
            left[row, padded.shape[1] - len(seq):] = np.asarray(seq)
            left_mask[row, padded.shape[1] - len(seq):] = True
    if part == "mask":
        return distinct(mask, {
            "the mask is inverted: it should be True at real steps and False at padding": ~mask,
            "the mask marks the padding on the left side": left_mask,
            "the mask compares the values with pad_value, so a real value equal to pad_value is marked as "
            "padding: build the mask from the lengths": padded != pad_value,
        })
    zero_padded, _, _ = pad_batch(sequences, 0)
    truncated = np.full(padded.shape, pad_value)
    for row, seq in enumerate(sequences):
        if len(seq):
            truncated[row, :len(seq)] = np.asarray(seq)
    return distinct(padded, {
        "padding is put on the left; pad at the end so step t is the t-th element": left,
        "pad_value is ignored: padding is always 0": zero_padded,
        "padded took pad_value's dtype (np.full(shape, pad_value)), so float values were cut to ints: use the "
        "dtype numpy gives the values and pad_value together": truncated,
    })


def pad_batch_dtype_mistakes(sequences, pad_value=0):
    """The wrong dtypes of padded, as strings."""
    padded, _, _ = pad_batch(sequences, pad_value)
    return distinct(str(padded.dtype), {
        "padded is float although the values and pad_value are ints (np.zeros and np.empty make floats): use "
        "the dtype numpy gives the values and pad_value together": "float64",
        "padded took pad_value's dtype (np.full(shape, pad_value)): use the dtype numpy gives the values and "
        "pad_value together": str(np.asarray(pad_value).dtype),
    })


# ---- unroll ---------------------------------------------------------------

def unroll(step, xs, h0):
    h = h0
    states = []
    for t in range(xs.shape[1]):
        h = step(xs[:, t], h)
        states.append(h)
    if not states:
        return np.zeros((xs.shape[0], 0, h0.shape[1]))
    return np.stack(states, axis=1)


def unroll_mistakes(step, xs, h0):
    t_steps = xs.shape[1]
    if t_steps == 0:
        return {}
    full = unroll(step, xs, h0)
    fresh = np.stack([step(xs[:, t], h0) for t in range(t_steps)], axis=1)
    with_h0 = np.concatenate([h0[:, None], full[:, :-1]], axis=1)
    return distinct(full, {
        "the state is not carried: every step starts again from h0 instead of the previous state": fresh,
        "off by one in time: the states returned are h_0 .. h_{T-1} instead of h_1 .. h_T": with_h0,
        "the states were stored in an array of h0's dtype, so step's float results were cut to ints: keep "
        "the dtype step returns": full.astype(h0.dtype) if full.dtype != h0.dtype else full,
        "the steps run backwards in time (from x_T to x_1)":
            unroll(step, xs[:, ::-1], h0)[:, ::-1],
    })
