"""Assignment 01: plausible wrong implementations and correct alternatives."""

from tests.grading.harness import Variant

ASSIGNMENT = "01_sequences"

MISTAKES = [
    Variant("next_char_pairs: target is the last context character", {"next_char_pairs": '''
def next_char_pairs(text, context):
    if context < 1:
        raise ValueError("bad context")
    pairs = [(text[i:i + context], text[i + context - 1]) for i in range(len(text) - context)]
    return [p[0] for p in pairs], [p[1] for p in pairs]
'''}, expect="off by one"),
    Variant("next_char_pairs: loop stops one step early", {"next_char_pairs": '''
def next_char_pairs(text, context):
    if context < 1:
        raise ValueError("bad context")
    contexts, targets = [], []
    for i in range(len(text) - context - 1):
        contexts.append(text[i:i + context])
        targets.append(text[i + context])
    return contexts, targets
'''}, expect="the loop stops one step early"),
    Variant("next_char_pairs: a list of (context, target) pairs", {"next_char_pairs": '''
def next_char_pairs(text, context):
    if context < 1:
        raise ValueError("bad context")
    return [(text[i:i + context], text[i + context]) for i in range(len(text) - context)]
'''}, expect="a list of (context, target) pairs was returned"),
    Variant("next_char_pairs: only context == 0 is rejected", {"next_char_pairs": '''
def next_char_pairs(text, context):
    if context == 0:
        raise ValueError("bad context")
    starts = range(len(text) - context)
    return [text[i:i + context] for i in starts], [text[i + context] for i in starts]
'''}, expect="should raise ValueError"),
    Variant("ngram_autocomplete: re.finditer counts without overlap", {"ngram_autocomplete": '''
import re
from collections import Counter

def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("bad arguments")
    window = prefix[-(n - 1):] if n > 1 else ""
    counts = Counter(m.group(1) for m in re.finditer(re.escape(window) + "(.)", corpus, re.S))
    return sorted(counts, key=lambda c: (-counts[c], c))[:k]
'''}, expect="re.finditer"),
    Variant("ngram_autocomplete: str.count counts without overlap", {"ngram_autocomplete": '''
def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("bad arguments")
    window = prefix[-(n - 1):] if n > 1 else ""
    counts = {c: corpus.count(window + c) for c in set(corpus)}
    counts = {c: m for c, m in counts.items() if m}
    return sorted(counts, key=lambda c: (-counts[c], c))[:k]
'''}, expect="str.count"),
    Variant("ngram_autocomplete: k == 0 rejected", {"ngram_autocomplete": '''
def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k <= 0:
        raise ValueError("bad arguments")
    window = prefix[-(n - 1):] if n > 1 else ""
    counts = {}
    for i in range(len(corpus) - len(window)):
        if corpus[i:i + len(window)] == window:
            counts[corpus[i + len(window)]] = counts.get(corpus[i + len(window)], 0) + 1
    return sorted(counts, key=lambda c: (-counts[c], c))[:k]
'''}, expect="k == 0 is allowed"),
    Variant("ngram_autocomplete: a short prefix wraps around", {"ngram_autocomplete": '''
def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("bad arguments")
    window = prefix[len(prefix) - (n - 1):] if n > 1 else ""
    counts = {}
    for i in range(len(corpus) - len(window)):
        if corpus[i:i + len(window)] == window:
            counts[corpus[i + len(window)]] = counts.get(corpus[i + len(window)], 0) + 1
    return sorted(counts, key=lambda c: (-counts[c], c))[:k]
'''}, expect="negative start index wrapped around"),
    Variant("ngram_autocomplete: n == 1 keeps the whole prefix", {"ngram_autocomplete": '''
def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("bad arguments")
    window = prefix[-(n - 1):]
    counts = {}
    for i in range(len(corpus) - len(window)):
        if corpus[i:i + len(window)] == window:
            counts[corpus[i + len(window)]] = counts.get(corpus[i + len(window)], 0) + 1
    return sorted(counts, key=lambda c: (-counts[c], c))[:k]
'''}, expect="prefix[-0:]"),
    Variant("ngram_autocomplete: ties in reverse alphabetical order", {"ngram_autocomplete": '''
def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("bad arguments")
    window = prefix[-(n - 1):] if n > 1 else ""
    counts = {}
    for i in range(len(corpus) - len(window)):
        if corpus[i:i + len(window)] == window:
            counts[corpus[i + len(window)]] = counts.get(corpus[i + len(window)], 0) + 1
    return [c for c, _ in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)][:k]
'''}, expect="reverse alphabetical"),
    Variant("ngram_autocomplete: the scan stops one step early", {"ngram_autocomplete": '''
def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("bad arguments")
    window = prefix[-(n - 1):] if n > 1 else ""
    counts = {}
    for i in range(len(corpus) - len(window) - 1):
        if corpus[i:i + len(window)] == window:
            counts[corpus[i + len(window)]] = counts.get(corpus[i + len(window)], 0) + 1
    return sorted(counts, key=lambda c: (-counts[c], c))[:k]
'''}, expect="the last position of the corpus is not counted"),
    Variant("ngram_autocomplete: window ignores n (whole prefix)", {"ngram_autocomplete": '''
def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("bad arguments")
    counts = {}
    for i in range(len(corpus) - len(prefix)):
        if corpus[i:i + len(prefix)] == prefix:
            counts[corpus[i + len(prefix)]] = counts.get(corpus[i + len(prefix)], 0) + 1
    return sorted(counts, key=lambda c: (-counts[c], c))[:k]
'''}, expect="the window ignores n"),
    Variant("ngram_autocomplete: ties in first-seen order (Counter.most_common)", {"ngram_autocomplete": '''
from collections import Counter

def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("bad arguments")
    window = prefix[-(n - 1):] if n > 1 else ""
    counts = Counter(corpus[i + len(window)] for i in range(len(corpus) - len(window))
                     if corpus[i:i + len(window)] == window)
    return [c for c, _ in counts.most_common(k)]
'''}, expect="ties are not broken alphabetically"),
    Variant("ngram_autocomplete: window of n characters", {"ngram_autocomplete": '''
def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("bad arguments")
    window = prefix[-n:]
    counts = {}
    for i in range(len(corpus) - len(window)):
        if corpus[i:i + len(window)] == window:
            counts[corpus[i + len(window)]] = counts.get(corpus[i + len(window)], 0) + 1
    return sorted(counts, key=lambda c: (-counts[c], c))[:k]
'''}, expect="off by one in the window"),
    Variant("pad_batch: inverted mask", {"pad_batch": '''
def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences])
    t_max = max(lengths, default=0)
    dtype = np.result_type(*[np.asarray(s) for s in sequences], np.asarray(pad_value))
    padded = np.full((len(sequences), t_max), pad_value, dtype=dtype)
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s
    mask = np.arange(t_max)[None, :] >= lengths[:, None]
    return padded, lengths, mask
'''}, expect="the mask is inverted"),
    Variant("pad_batch: pads on the left", {"pad_batch": '''
def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences])
    t_max = max(lengths, default=0)
    dtype = np.result_type(*[np.asarray(s) for s in sequences], np.asarray(pad_value))
    padded = np.full((len(sequences), t_max), pad_value, dtype=dtype)
    mask = np.zeros((len(sequences), t_max), dtype=bool)
    for i, s in enumerate(sequences):
        if len(s):
            padded[i, t_max - len(s):] = s
        mask[i, :len(s)] = True
    return padded, lengths, mask
'''}, expect="padding is put on the left"),
    Variant("pad_batch: mask from the values", {"pad_batch": '''
def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences])
    t_max = max(lengths, default=0)
    values = [np.asarray(s) for s in sequences if len(s)]
    padded = np.full((len(sequences), t_max), pad_value, dtype=np.result_type(*values, np.asarray(pad_value)))
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s
    return padded, lengths, padded != pad_value
'''}, expect="build the mask from the lengths"),
    Variant("pad_batch: np.zeros makes floats", {"pad_batch": '''
def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences])
    t_max = max(lengths, default=0)
    padded = np.zeros((len(sequences), t_max)) + pad_value
    mask = np.zeros((len(sequences), t_max), dtype=bool)
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s
        mask[i, :len(s)] = True
    return padded, lengths, mask
'''}, expect="padded is float although"),
    Variant("pad_batch: np.full with pad_value's dtype", {"pad_batch": '''
def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences])
    t_max = max(lengths, default=0)
    padded = np.full((len(sequences), t_max), pad_value)
    mask = np.zeros((len(sequences), t_max), dtype=bool)
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s
        mask[i, :len(s)] = True
    return padded, lengths, mask
'''}, expect="float values were cut to ints"),
    Variant("pad_batch: pads the input lists in place", {"pad_batch": '''
def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences])
    t_max = max(lengths, default=0)
    for s in sequences:
        s.extend([pad_value] * (t_max - len(s)))
    padded = np.array(sequences) if sequences else np.zeros((0, 0), dtype=int)
    mask = np.arange(t_max)[None, :] < lengths[:, None]
    return padded, lengths, mask
'''}, expect="was changed by the call"),
    Variant("pad_batch: lengths as a list", {"pad_batch": '''
def pad_batch(sequences, pad_value=0):
    lengths = [len(s) for s in sequences]
    t_max = max(lengths, default=0)
    values = [np.asarray(s) for s in sequences if len(s)]
    padded = np.full((len(sequences), t_max), pad_value, dtype=np.result_type(*values, np.asarray(pad_value)))
    mask = np.zeros((len(sequences), t_max), dtype=bool)
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s
        mask[i, :len(s)] = True
    return padded, lengths, mask
'''}, expect="(a numpy array) should be a ndarray"),
    Variant("unroll: state not carried", {"unroll": '''
def unroll(step, xs, h0):
    return np.stack([step(xs[:, t], h0) for t in range(xs.shape[1])], axis=1)
'''}, expect="the state is not carried"),
    Variant("unroll: returns h_0 .. h_{T-1}", {"unroll": '''
def unroll(step, xs, h0):
    states, h = [], h0
    for t in range(xs.shape[1]):
        states.append(h)
        h = step(xs[:, t], h)
    return np.stack(states, axis=1) if states else np.zeros((xs.shape[0], 0, h0.shape[1]))
'''}, expect="off by one in time"),
    Variant("unroll: fails for T == 0", {"unroll": '''
def unroll(step, xs, h0):
    states, h = [], h0
    for t in range(xs.shape[1]):
        h = step(xs[:, t], h)
        states.append(h)
    return np.stack(states, axis=1)
'''}, expect="With no time steps"),
    Variant("unroll: states stored in h0's dtype", {"unroll": '''
def unroll(step, xs, h0):
    states = np.zeros((xs.shape[0], xs.shape[1], h0.shape[1]), dtype=h0.dtype)
    h = h0
    for t in range(xs.shape[1]):
        h = step(xs[:, t], h)
        states[:, t] = h
    return states
'''}, expect="cut to ints"),
    Variant("unroll: writes the state into h0", {"unroll": '''
def unroll(step, xs, h0):
    h = h0
    states = []
    for t in range(xs.shape[1]):
        h[...] = step(xs[:, t], h)
        states.append(h.copy())
    if not states:
        return np.zeros((xs.shape[0], 0, h0.shape[1]))
    return np.stack(states, axis=1)
'''}, expect="h0 was changed by the call"),
    Variant("VARIANTS: captioning and synced tasks confused", {"VARIANTS": '''
VARIANTS.update({
    "image classification": "one-to-one",
    "image captioning": "many-to-many",
    "action recognition": "many-to-one",
    "sentiment of a review": "many-to-one",
    "video captioning": "synced many-to-many",
    "machine translation": "many-to-many",
    "frame-level video classification": "many-to-many",
    "next-character prediction at every position of a text, while training": "synced many-to-many",
})
'''}, expect="wrong variant"),
    Variant("VARIANTS: next-character prediction framed as window to one character", {"VARIANTS": '''
VARIANTS.update({
    "image classification": "one-to-one",
    "image captioning": "one-to-many",
    "action recognition": "many-to-one",
    "sentiment of a review": "many-to-one",
    "video captioning": "many-to-many",
    "machine translation": "many-to-many",
    "frame-level video classification": "synced many-to-many",
    NEXT_CHARACTER: "many-to-one",
})
'''}, expect="this model predicts at every position as it reads"),
    Variant("collate_padded: forgets batch_first", {"collate_padded": '''
def collate_padded(batch, device):
    lengths = torch.tensor([len(s) for s in batch])
    return nn.utils.rnn.pad_sequence(batch).to(device), lengths
'''}, expect="batch_first=True is missing"),
    Variant("last_hidden_states: runs through the padding", {"last_hidden_states": '''
def last_hidden_states(rnn, padded, lengths):
    output, _ = rnn(padded)
    return output[:, -1]
'''}, expect="padding steps were run through the RNN"),
    Variant("last_hidden_states: bottom layer's state", {"last_hidden_states": '''
def last_hidden_states(rnn, padded, lengths):
    packed = nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    _, h_n = rnn(packed)
    return h_n[0]
'''}, expect="bottom layer"),
    Variant("collate_padded: lengths moved to the device", {"collate_padded": '''
def collate_padded(batch, device):
    lengths = torch.tensor([len(s) for s in batch])
    return nn.utils.rnn.pad_sequence(batch, batch_first=True).to(device), lengths.to(device)
'''}, expect="lengths stay on the CPU"),
    Variant("last_hidden_states: zero output after pad_packed_sequence", {"last_hidden_states": '''
def last_hidden_states(rnn, padded, lengths):
    packed = nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    output, _ = rnn(packed)
    output, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=padded.shape[1])
    return output[:, -1]
'''}, expect="pad_packed_sequence"),
    Variant("last_hidden_states: squeeze drops a batch of one", {"last_hidden_states": '''
def last_hidden_states(rnn, padded, lengths):
    packed = nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    _, h_n = rnn(packed)
    return h_n[-1:].squeeze()
'''}, expect="squeeze()"),
    Variant("last_hidden_states: sorted, never unsorted", {"last_hidden_states": '''
def last_hidden_states(rnn, padded, lengths):
    order = torch.argsort(lengths, descending=True, stable=True)
    packed = nn.utils.rnn.pack_padded_sequence(padded[order.to(padded.device)], lengths[order], batch_first=True)
    _, h_n = rnn(packed)
    return h_n[-1]
'''}, expect="order of the sorted lengths"),
    Variant("last_hidden_states: enforce_sorted left on", {"last_hidden_states": '''
def last_hidden_states(rnn, padded, lengths):
    packed = nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True)
    _, h_n = rnn(packed)
    return h_n[-1]
'''}, expect="need not be sorted"),
    Variant("last_hidden_states: lengths moved to the device", {"last_hidden_states": '''
def last_hidden_states(rnn, padded, lengths):
    packed = nn.utils.rnn.pack_padded_sequence(padded, lengths.to(padded.device), batch_first=True,
                                               enforce_sorted=False)
    _, h_n = rnn(packed)
    return h_n[-1]
'''}, expect="Leave the lengths on the CPU"),
]

ALTERNATIVES = [
    Variant("loops and explicit bookkeeping", {
        "next_char_pairs": '''
def next_char_pairs(text, context):
    if context < 1:
        raise ValueError("context must be positive")
    contexts, targets = [], []
    i = 0
    while i + context < len(text):
        contexts.append(text[i:i + context])
        targets.append(text[i + context])
        i += 1
    return contexts, targets
''',
        "ngram_autocomplete": '''
from collections import Counter

def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError("n must be >= 1 and k >= 0")
    size = min(n - 1, len(prefix))
    window = prefix[len(prefix) - size:]
    counts = Counter()
    for i in range(size, len(corpus)):
        if corpus[i - size:i] == window:
            counts[corpus[i]] += 1
    return [ch for ch, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:k]
''',
        "pad_batch": '''
def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences], dtype=int)
    t_max = int(lengths.max()) if len(lengths) else 0
    dtype = np.result_type(*[np.asarray(s) for s in sequences], np.asarray(pad_value)) if sequences else int
    padded = np.empty((len(sequences), t_max), dtype=dtype)
    mask = np.empty((len(sequences), t_max), dtype=bool)
    for i, s in enumerate(sequences):
        for t in range(t_max):
            mask[i, t] = t < len(s)
            padded[i, t] = s[t] if t < len(s) else pad_value
    return padded, lengths, mask
''',
        "unroll": '''
def unroll(step, xs, h0):
    h, states = h0, []
    for x_t in np.moveaxis(np.asarray(xs), 1, 0):
        h = step(x_t, h)
        states.append(h)
    if not states:
        return np.empty((np.shape(xs)[0], 0, np.shape(h0)[1]))
    return np.stack(states, axis=1)
''',
    }),
    Variant("torch without packing helpers for the gather", {
        "collate_padded": '''
def collate_padded(batch, device):
    lengths = torch.tensor([s.size(0) for s in batch], dtype=torch.long)
    padded = torch.zeros(len(batch), int(lengths.max()), batch[0].size(1), dtype=batch[0].dtype)
    for i, s in enumerate(batch):
        padded[i, :s.size(0)] = s
    return padded.to(device), lengths
''',
        "last_hidden_states": '''
def last_hidden_states(rnn, padded, lengths):
    packed = nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    output, _ = rnn(packed)
    output, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True)
    rows = torch.arange(output.shape[0], device=output.device)
    return output[rows, lengths.to(output.device) - 1]
''',
        "VARIANTS": '''
for app, kind in [("image classification", "one-to-one"), ("image captioning", "one-to-many"),
                  ("action recognition", "many-to-one"), ("sentiment of a review", "many-to-one"),
                  ("video captioning", "many-to-many"), ("machine translation", "many-to-many"),
                  ("frame-level video classification", "synced many-to-many"),
                  ("next-character prediction at every position of a text, while training", "synced many-to-many")]:
    VARIANTS[app] = kind
''',
    }),
    Variant("tuples, regular expressions, lists padded by hand, states into a buffer", {
        "next_char_pairs": '''
def next_char_pairs(text, context):
    if not context >= 1:
        raise ValueError("context must be at least 1")
    pairs = [(text[i:i + context], text[i + context]) for i in range(max(len(text) - context, 0))]
    if not pairs:
        return [[], []]
    contexts, targets = zip(*pairs)
    return [contexts, targets]
''',
        "ngram_autocomplete": '''
import re
from collections import Counter

def ngram_autocomplete(corpus, prefix, n, k):
    if n < 1 or k < 0:
        raise ValueError(f"bad n={n} or k={k}")
    window = prefix[max(0, len(prefix) - n + 1):] if n > 1 else ""
    found = Counter(m.group(1) for m in re.finditer("(?=" + re.escape(window) + "(.))", corpus, re.S))
    best = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return [ch for ch, _ in best[:k]]
''',
        "pad_batch": '''
def pad_batch(sequences, pad_value=0):
    lengths = np.array([len(s) for s in sequences], dtype=np.int32)
    t_max = max((len(s) for s in sequences), default=0)
    rows = [list(s) + [pad_value] * (t_max - len(s)) for s in sequences]
    padded = np.array(rows) if t_max else np.zeros((len(sequences), 0))
    mask = np.array([[t < len(s) for t in range(t_max)] for s in sequences], dtype=bool).reshape(len(sequences), t_max)
    return padded, lengths, mask
''',
        "unroll": '''
def unroll(step, xs, h0):
    n, t_steps = xs.shape[:2]
    out, h = None, h0
    for t in range(t_steps):
        h = step(xs[:, t, :], h)
        if out is None:
            out = np.empty((n, t_steps) + np.shape(h)[1:], dtype=np.asarray(h).dtype)
        out[:, t] = h
    return out if out is not None else np.zeros((n, 0, h0.shape[-1]), dtype=h0.dtype)
''',
        "collate_padded": '''
def collate_padded(batch, device):
    lengths = torch.as_tensor([int(s.shape[0]) for s in batch], dtype=torch.long)
    return torch.nn.utils.rnn.pad_sequence(list(batch), batch_first=True, padding_value=0.0).to(device), lengths
''',
        "last_hidden_states": '''
def last_hidden_states(rnn, padded, lengths):
    rows = []
    for i, length in enumerate(lengths.tolist()):
        _, h_n = rnn(padded[i:i + 1, :length])
        rows.append(h_n[-1, 0])
    return torch.stack(rows)
''',
    }),
]
