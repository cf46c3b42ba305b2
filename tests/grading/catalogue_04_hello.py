"""Assignment 04: plausible wrong implementations and correct alternatives."""

from tests.grading.harness import Variant

ASSIGNMENT = "04_hello"

MISTAKES = [
    Variant("train_char_model: the end token once, at the end of the whole text", {"train_char_model": '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    char_to_idx, _ = build_vocab(text)
    stream = torch.tensor(encode(text, char_to_idx) + [char_to_idx[END]], dtype=torch.int64)
    length = min(seq_len, len(stream) - 1)
    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        starts = torch.randint(0, len(stream) - length, (batch_size,), generator=generator)
        windows = torch.stack([stream[s:s + length + 1] for s in starts.tolist()]).to(device)
        logits, _ = model(windows[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
    return losses
'''}, expect="end every line with it"),
    Variant("encode: hands over to the tests' stand-in", {"encode": '''
def encode(text, char_to_idx):
    return looked_up(text, char_to_idx)
'''}, expect="encode uses looked_up, a stand-in that the later tests use in its place"),
    Variant("sequence_loss: a lambda around the tests' torch stand-in", {"sequence_loss": '''
sequence_loss = lambda probs, targets: (lambda: torch_nll(probs, targets))()
'''}, expect="sequence_loss uses torch_nll, a stand-in"),
    Variant("one_hot: transposed", {"one_hot": '''
def one_hot(indices, vocab_size):
    indices = np.asarray(indices, dtype=int).reshape(-1)
    if np.any((indices < 0) | (indices >= vocab_size)):
        raise ValueError(f"an index is out of range for {vocab_size} tokens")
    out = np.zeros((vocab_size, len(indices)))
    out[indices, np.arange(len(indices))] = 1.0
    return out
'''}, expect="the one-hot matrix is transposed"),
    Variant("one_hot: no range check (np.eye indexing)", {"one_hot": '''
def one_hot(indices, vocab_size):
    return np.eye(vocab_size)[np.asarray(indices, dtype=int)]
'''}, expect="an index out of range must raise ValueError"),
    Variant("build_vocab: set iteration order", {"build_vocab": '''
def build_vocab(text, end_token=END):
    idx_to_char = [end_token] + list(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(idx_to_char)}
    return char_to_idx, idx_to_char
'''}, expect="A set's iteration order changes from run to run"),
    Variant("build_vocab: end token last", {"build_vocab": '''
def build_vocab(text, end_token=END):
    idx_to_char = sorted(set(text)) + [end_token]
    return {ch: i for i, ch in enumerate(idx_to_char)}, idx_to_char
'''}, expect="the end token is last"),
    Variant("sequence_loss: summed, not averaged", {"sequence_loss": '''
def sequence_loss(probs, targets):
    return float(-np.sum(np.log(probs[np.arange(len(targets)), targets])))
'''}, expect="summed over the steps, not averaged"),
    Variant("sequence_loss: probs[:, targets]", {"sequence_loss": '''
def sequence_loss(probs, targets):
    return float(-np.mean(np.log(probs[:, targets])))
'''}, expect="probs[:, targets] takes every step's probability"),
    Variant("sequence_loss: off by one in time", {"sequence_loss": '''
def sequence_loss(probs, targets):
    targets = list(targets)
    return float(-np.mean([np.log(probs[t, targets[t + 1]]) for t in range(len(targets) - 1)]))
'''}, expect="off by one in time"),
    Variant("bigram_generate: ties in first-seen order", {"bigram_generate": '''
def bigram_generate(counts, start, max_len, end_token=END):
    text = start
    for _ in range(max_len):
        followers = counts.get(text[-1])
        if not followers:
            break
        nxt = max(followers, key=followers.get)
        if nxt == end_token:
            break
        text += nxt
    return text
'''}, expect="ties are not broken by the smallest token"),
    Variant("greedy_generate: the prediction is not fed back", {"greedy_generate": '''
def greedy_generate(step_fn, start, char_to_idx, idx_to_char, max_len):
    V = len(idx_to_char)
    h = None
    for ch in start:
        probs, h = step_fn(one_hot([char_to_idx[ch]], V)[0], h)
    x = one_hot([char_to_idx[start[-1]]], V)[0]
    text = start
    for _ in range(max_len):
        k = int(np.argmax(probs))
        if k == 0:
            break
        text += idx_to_char[k]
        probs, h = step_fn(x, h)
    return text
'''}, expect="the prediction is not fed back"),
    Variant("greedy_generate: the end token is ignored", {"greedy_generate": '''
def greedy_generate(step_fn, start, char_to_idx, idx_to_char, max_len):
    V = len(idx_to_char)
    h = None
    for ch in start:
        probs, h = step_fn(one_hot([char_to_idx[ch]], V)[0], h)
    text = start
    for _ in range(max_len):
        k = int(np.argmax(probs))
        text += idx_to_char[k]
        probs, h = step_fn(one_hot([k], V)[0], h)
    return text
'''}, expect="generation does not stop at the end token"),
    Variant("greedy_generate: the end token ends up in the text", {"greedy_generate": '''
def greedy_generate(step_fn, start, char_to_idx, idx_to_char, max_len):
    V = len(idx_to_char)
    h = None
    for ch in start:
        probs, h = step_fn(one_hot([char_to_idx[ch]], V)[0], h)
    text = start
    for _ in range(max_len):
        k = int(np.argmax(probs))
        text += idx_to_char[k]
        if k == 0:
            break
        probs, h = step_fn(one_hot([k], V)[0], h)
    return text
'''}, expect="the end token is part of the text"),
    Variant("sample_next: temperature inverted", {"sample_next": '''
def sample_next(probs, temperature, rng):
    q = np.asarray(probs, dtype=float) ** temperature
    return int(rng.choice(len(q), p=q / q.sum()))
'''}, expect="the temperature is inverted"),
    Variant("train_hello: targets not shifted", {"train_hello": '''
def train_hello(word="hello", hidden_size=16, steps=200, lr=0.5, seed=0):
    char_to_idx, idx_to_char = build_vocab(word)
    inputs = list(encode(word, char_to_idx))
    targets = np.array(inputs)
    X = one_hot(inputs, len(idx_to_char))
    T = len(inputs)
    params = list(elman_init(len(idx_to_char), hidden_size, seed))
    losses = []
    for _ in range(steps):
        probs, backward = elman_forward(params, X)
        losses.append(sequence_loss(probs, targets))
        d = probs.copy()
        d[np.arange(T), targets] -= 1.0
        grads = backward(d / T)
        params = [p - lr * g for p, g in zip(params, grads)]
    return tuple(params), char_to_idx, idx_to_char, losses
'''}, expect="the targets are not shifted"),
    Variant("train_hello: no end token in the targets", {"train_hello": '''
def train_hello(word="hello", hidden_size=16, steps=200, lr=0.5, seed=0):
    char_to_idx, idx_to_char = build_vocab(word)
    tokens = list(encode(word, char_to_idx))
    inputs, targets = tokens, np.array(tokens[1:] + [tokens[0]])   # wraps round instead of ending
    X = one_hot(inputs, len(idx_to_char))
    T = len(inputs)
    params = list(elman_init(len(idx_to_char), hidden_size, seed))
    losses = []
    for _ in range(steps):
        probs, backward = elman_forward(params, X)
        losses.append(sequence_loss(probs, targets))
        d = probs.copy()
        d[np.arange(T), targets] -= 1.0
        grads = backward(d / T)
        params = [p - lr * g for p, g in zip(params, grads)]
    return tuple(params), char_to_idx, idx_to_char, losses
'''}, expect="the targets wrap round"),
    Variant("train_hello: the gradient's sign is flipped", {"train_hello": '''
def train_hello(word="hello", hidden_size=16, steps=200, lr=0.5, seed=0):
    char_to_idx, idx_to_char = build_vocab(word)
    inputs = list(encode(word, char_to_idx))
    targets = np.array(inputs[1:] + [0])
    X = one_hot(inputs, len(idx_to_char))
    T = len(inputs)
    params = list(elman_init(len(idx_to_char), hidden_size, seed))
    losses = []
    for _ in range(steps):
        probs, backward = elman_forward(params, X)
        losses.append(sequence_loss(probs, targets))
        d = one_hot(targets, len(idx_to_char)) - probs        # one-hot minus probs: the wrong way round
        grads = backward(d / T)
        params = [p - lr * g for p, g in zip(params, grads)]
    return tuple(params), char_to_idx, idx_to_char, losses
'''}, expect="the update goes up the gradient"),
    Variant("CharRNN: h0 ignored", {"CharRNN": '''
class CharRNN(nn.Module):
    def __init__(self, vocab_size, hidden_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, hidden_size)
        self.rnn = nn.RNN(hidden_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h0=None):
        states, h = self.rnn(self.embed(x))
        return self.head(states), h
'''}, expect="h0 is ignored"),
    Variant("train_char_model: targets not shifted", {"train_char_model": '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    char_to_idx, _ = build_vocab(text)
    stream = torch.tensor(list(encode(text, char_to_idx)) + [0])
    length = min(seq_len, len(stream) - 1)
    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(steps)):
        starts = torch.randint(0, len(stream) - length, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + torch.arange(length + 1)].to(device)
        logits, _ = model(windows[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, :-1].reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
    return losses
'''}, expect="the targets are not shifted"),
    Variant('one_hot: the error does not name the index', {'one_hot': '''
def one_hot(indices, vocab_size):
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    if np.any((indices < 0) | (indices >= vocab_size)):
        raise ValueError("an index is out of range")
    out = np.zeros((indices.size, vocab_size))
    out[np.arange(indices.size), indices] = 1.0
    return out
'''},
            expect='the message must name the index out of range'),
    Variant('one_hot: integer entries', {'one_hot': '''
def one_hot(indices, vocab_size):
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    bad = indices[(indices < 0) | (indices >= vocab_size)]
    if bad.size:
        raise ValueError(f"index {bad[0]} is out of range")
    return np.eye(vocab_size, dtype=np.int64)[indices]
'''},
            expect="the dtype kind of one_hot's result"),
    Variant('decode: the end token dropped', {'decode': '''
def decode(indices, idx_to_char):
    return "".join(idx_to_char[int(i)] for i in indices if int(i) != 0)
'''},
            expect='the end token is left out'),
    Variant('sequence_loss: log10', {'sequence_loss': '''
def sequence_loss(probs, targets):
    probs = np.asarray(probs, dtype=float)
    return float(-np.mean(np.log10(probs[np.arange(len(targets)), targets])))
'''},
            expect='the loss uses log10'),
    Variant('sequence_loss: probs as a list of rows breaks it', {'sequence_loss': '''
def sequence_loss(probs, targets):
    return float(-np.mean(np.log(probs[np.arange(len(targets)), targets])))
'''},
            expect='probs may be a list of rows'),
    Variant('bigram_counts: no end token', {'bigram_counts': '''
def bigram_counts(text, end_token=END):
    counts = {}
    for a, b in zip(text, text[1:]):
        counts.setdefault(a, {})
        counts[a][b] = counts[a].get(b, 0) + 1
    return counts
'''},
            expect='the end token is missing'),
    Variant('bigram_generate: max_len counts the prompt', {'bigram_generate': '''
def bigram_generate(counts, start, max_len, end_token=END):
    text = start
    while len(text) < max_len:
        followers = counts.get(text[-1], {})
        if not followers:
            break
        best = max(followers.values())
        nxt = min(t for t, n in followers.items() if n == best)
        if nxt == end_token:
            break
        text += nxt
    return text
'''},
            expect='max_len counts the prompt too'),
    Variant('greedy_generate: the state is not passed on', {'greedy_generate': '''
def greedy_generate(step_fn, start, char_to_idx, idx_to_char, max_len):
    V = len(idx_to_char)
    for ch in start:
        probs, _ = step_fn(one_hot([char_to_idx[ch]], V)[0], None)
    text = start
    for _ in range(max_len):
        k = int(np.argmax(probs))
        if k == 0:
            break
        text += idx_to_char[k]
        probs, _ = step_fn(one_hot([k], V)[0], None)
    return text
'''},
            expect='the state is not passed on'),
    Variant("sample_next: numpy's global generator", {'sample_next': '''
def sample_next(probs, temperature, rng):
    q = np.asarray(probs, dtype=float) ** (1.0 / temperature)
    return int(np.random.choice(len(q), p=q / q.sum()))
'''},
            expect="numpy's global generator"),
    Variant('sample_next: returns a numpy integer', {'sample_next': '''
def sample_next(probs, temperature, rng):
    q = np.asarray(probs, dtype=float) ** (1.0 / temperature)
    return rng.choice(np.arange(len(q)), p=q / q.sum())   # choosing from an array gives a numpy integer
'''},
            expect='a Python int'),
    Variant('train_hello: losses recorded after the update', {'train_hello': '''
def train_hello(word="hello", hidden_size=16, steps=200, lr=0.5, seed=0):
    char_to_idx, idx_to_char = build_vocab(word)
    inputs = list(encode(word, char_to_idx))
    targets = np.array(inputs[1:] + [char_to_idx[END]])
    X = one_hot(inputs, len(idx_to_char))
    T = len(inputs)
    params = list(elman_init(len(idx_to_char), hidden_size, seed))
    losses = []
    for _ in range(steps):
        probs, backward = elman_forward(params, X)
        dlogits = probs.copy()
        dlogits[np.arange(T), targets] -= 1.0
        dlogits /= T
        grads = backward(dlogits)
        params = [p - lr * g for p, g in zip(params, grads)]
        losses.append(sequence_loss(elman_forward(params, X)[0], targets))
    return tuple(params), char_to_idx, idx_to_char, losses
'''},
            expect='recorded after its update'),
    Variant('train_hello: the gradient of the summed loss', {'train_hello': '''
def train_hello(word="hello", hidden_size=16, steps=200, lr=0.5, seed=0):
    char_to_idx, idx_to_char = build_vocab(word)
    inputs = list(encode(word, char_to_idx))
    targets = np.array(inputs[1:] + [char_to_idx[END]])
    X = one_hot(inputs, len(idx_to_char))
    T = len(inputs)
    params = list(elman_init(len(idx_to_char), hidden_size, seed))
    losses = []
    for _ in range(steps):
        probs, backward = elman_forward(params, X)
        losses.append(sequence_loss(probs, targets))
        dlogits = probs.copy()
        dlogits[np.arange(T), targets] -= 1.0
        grads = backward(dlogits)
        params = [p - lr * g for p, g in zip(params, grads)]
    return tuple(params), char_to_idx, idx_to_char, losses
'''},
            expect='divide probs - one_hot(targets) by T'),
    Variant('train_hello: lr ignored', {'train_hello': '''
def train_hello(word="hello", hidden_size=16, steps=200, lr=0.5, seed=0):
    char_to_idx, idx_to_char = build_vocab(word)
    inputs = list(encode(word, char_to_idx))
    targets = np.array(inputs[1:] + [char_to_idx[END]])
    X = one_hot(inputs, len(idx_to_char))
    T = len(inputs)
    params = list(elman_init(len(idx_to_char), hidden_size, seed))
    losses = []
    for _ in range(steps):
        probs, backward = elman_forward(params, X)
        losses.append(sequence_loss(probs, targets))
        dlogits = probs.copy()
        dlogits[np.arange(T), targets] -= 1.0
        dlogits /= T
        grads = backward(dlogits)
        params = [p - 0.5 * g for p, g in zip(params, grads)]
    return tuple(params), char_to_idx, idx_to_char, losses
'''},
            expect='with lr=0 no step may move the parameters'),
    Variant('train_char_model: no clipping', {'train_char_model': '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    char_to_idx, _ = build_vocab(text)
    stream = torch.tensor([t for line in text.splitlines() for t in encode(line, char_to_idx) + [char_to_idx[END]]],
                          dtype=torch.int64)
    length = min(seq_len, len(stream) - 1)
    offsets = torch.arange(length + 1)
    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(steps), desc="training"):
        starts = torch.randint(0, len(stream) - length, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + offsets].to(device)
        logits, _ = model(windows[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses
'''},
            expect='the gradients are not clipped'),
    Variant('train_char_model: the model is not moved to the device', {'train_char_model': '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    char_to_idx, _ = build_vocab(text)
    stream = torch.tensor([t for line in text.splitlines() for t in encode(line, char_to_idx) + [char_to_idx[END]]],
                          dtype=torch.int64)
    length = min(seq_len, len(stream) - 1)
    offsets = torch.arange(length + 1)
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(steps), desc="training"):
        starts = torch.randint(0, len(stream) - length, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + offsets].to(device)
        logits, _ = model(windows[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
    return losses
'''},
            expect='move the model with model.to(device)'),
    Variant("train_char_model: torch's global generator", {'train_char_model': '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    char_to_idx, _ = build_vocab(text)
    stream = torch.tensor([t for line in text.splitlines() for t in encode(line, char_to_idx) + [char_to_idx[END]]],
                          dtype=torch.int64)
    length = min(seq_len, len(stream) - 1)
    offsets = torch.arange(length + 1)
    torch.manual_seed(seed)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(steps), desc="training"):
        starts = torch.randint(0, len(stream) - length, (batch_size,))
        windows = stream[starts[:, None] + offsets].to(device)
        logits, _ = model(windows[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
    return losses
'''},
            expect="torch's global generator"),
    Variant('train_char_model: summed loss', {'train_char_model': '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    char_to_idx, _ = build_vocab(text)
    stream = torch.tensor([t for line in text.splitlines() for t in encode(line, char_to_idx) + [char_to_idx[END]]],
                          dtype=torch.int64)
    length = min(seq_len, len(stream) - 1)
    offsets = torch.arange(length + 1)
    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(steps), desc="training"):
        starts = torch.randint(0, len(stream) - length, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + offsets].to(device)
        logits, _ = model(windows[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1),
                                           reduction='sum')
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
    return losses
'''},
            expect='the loss is summed over the batch'),
    Variant('train_char_model: gradients never zeroed', {'train_char_model': '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    char_to_idx, _ = build_vocab(text)
    stream = torch.tensor([t for line in text.splitlines() for t in encode(line, char_to_idx) + [char_to_idx[END]]],
                          dtype=torch.int64)
    length = min(seq_len, len(stream) - 1)
    offsets = torch.arange(length + 1)
    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(steps), desc="training"):
        starts = torch.randint(0, len(stream) - length, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + offsets].to(device)
        logits, _ = model(windows[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
    return losses
'''},
            expect='the gradients are never zeroed'),
    Variant('train_char_model: the generator seeded at every step', {'train_char_model': '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    char_to_idx, _ = build_vocab(text)
    stream = torch.tensor([t for line in text.splitlines() for t in encode(line, char_to_idx) + [char_to_idx[END]]],
                          dtype=torch.int64)
    length = min(seq_len, len(stream) - 1)
    offsets = torch.arange(length + 1)
    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(steps), desc="training"):
        generator = torch.Generator().manual_seed(seed)
        starts = torch.randint(0, len(stream) - length, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + offsets].to(device)
        logits, _ = model(windows[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
    return losses
'''},
            expect='the generator is seeded again at every step'),
]

ALTERNATIVES = [
    Variant("loops, dict.fromkeys, Counter and a hand-made sampler", {
        "build_vocab": '''
def build_vocab(text, end_token=END):
    idx_to_char = [end_token]
    for ch in dict.fromkeys(sorted(text)):
        idx_to_char.append(ch)
    char_to_idx = {}
    for i, token in enumerate(idx_to_char):
        char_to_idx[token] = i
    return char_to_idx, idx_to_char
''',
        "one_hot": '''
def one_hot(indices, vocab_size):
    rows = []
    for i in indices:
        if i < 0 or i >= vocab_size:
            raise ValueError(f"token index {i} is not in 0..{vocab_size - 1}")
        row = [0.0] * vocab_size
        row[int(i)] = 1.0
        rows.append(row)
    return np.array(rows, dtype=float).reshape(len(rows), vocab_size)
''',
        "encode": '''
def encode(text, char_to_idx):
    return np.array([char_to_idx[ch] for ch in text], dtype=np.int64)
''',
        "decode": '''
def decode(indices, idx_to_char):
    out = ""
    for i in indices:
        out += idx_to_char[i]
    return out
''',
        "sequence_loss": '''
def sequence_loss(probs, targets):
    total = 0.0
    for t, target in enumerate(targets):
        total += -np.log(probs[t][target])
    return total / len(targets)
''',
        "bigram_counts": '''
from collections import Counter, defaultdict

def bigram_counts(text, end_token=END):
    counts = defaultdict(Counter)
    for i, ch in enumerate(text):
        counts[ch][text[i + 1] if i + 1 < len(text) else end_token] += 1
    return counts
''',
        "bigram_generate": '''
def bigram_generate(counts, start, max_len, end_token=END):
    out = list(start)
    while len(out) - len(start) < max_len and out[-1] in counts and counts[out[-1]]:
        ranked = sorted(counts[out[-1]].items(), key=lambda kv: (-kv[1], kv[0]))
        if ranked[0][0] == end_token:
            break
        out.append(ranked[0][0])
    return "".join(out)
''',
        "greedy_generate": '''
def greedy_generate(step_fn, start, char_to_idx, idx_to_char, max_len):
    vocab_size = len(idx_to_char)
    state = None
    for ch in start:
        probs, state = step_fn(np.eye(vocab_size)[char_to_idx[ch]], state)
    generated = []
    while len(generated) < max_len:
        best = int(np.argmax(probs))
        if idx_to_char[best] == idx_to_char[0]:
            break
        generated.append(best)
        probs, state = step_fn(np.eye(vocab_size)[best], state)
    return start + decode(generated, idx_to_char)
''',
        "sample_next": '''
def sample_next(probs, temperature, rng):
    weights = np.power(probs, 1.0 / temperature)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return int(np.searchsorted(cdf, rng.random(), side="right"))
''',
    }),
    Variant("vectorised numpy, BPTT written out, one-hot torch inputs", {
        "one_hot": '''
def one_hot(indices, vocab_size):
    indices = np.asarray(indices, dtype=np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= vocab_size):
        raise ValueError(f"indices must lie in [0, {vocab_size}); got {indices.min()}..{indices.max()}")
    return (indices[:, None] == np.arange(vocab_size)[None, :]).astype(np.float64)
''',
        "sequence_loss": '''
def sequence_loss(probs, targets):
    picked = np.take_along_axis(np.asarray(probs), np.asarray(targets)[:, None], axis=1)
    return -np.log(picked).mean()
''',
        "sample_next": '''
def sample_next(probs, temperature, rng):
    with np.errstate(divide="ignore"):
        logits = np.log(np.asarray(probs, dtype=float)) / temperature
    q = np.exp(logits - logits.max())
    return int(rng.choice(q.size, p=q / q.sum()))
''',
        "train_hello": '''
def train_hello(word="hello", hidden_size=16, steps=200, lr=0.5, seed=0):
    char_to_idx, idx_to_char = build_vocab(word)
    K = len(idx_to_char)
    ids = [char_to_idx[ch] for ch in word]
    targets = ids[1:] + [0]
    xs = one_hot(ids, K)
    U, W, b, V, c = elman_init(K, hidden_size, seed)
    losses = []
    T = len(ids)
    for _ in range(steps):
        hs = [np.zeros(hidden_size)]
        for t in range(T):
            hs.append(np.tanh(U @ xs[t] + W @ hs[-1] + b))
        ps = []
        for h in hs[1:]:
            z = np.exp(V @ h + c - np.max(V @ h + c))
            ps.append(z / z.sum())
        losses.append(float(np.mean([-np.log(ps[t][targets[t]]) for t in range(T)])))
        dU, dW, db, dV, dc = (np.zeros_like(a) for a in (U, W, b, V, c))
        carry = np.zeros(hidden_size)
        for t in reversed(range(T)):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            dy /= T
            dV += np.outer(dy, hs[t + 1])
            dc += dy
            dz = (V.T @ dy + carry) * (1 - hs[t + 1] ** 2)
            dU += np.outer(dz, xs[t])
            dW += np.outer(dz, hs[t])
            db += dz
            carry = W.T @ dz
        U, W, b, V, c = (p - lr * g for p, g in zip((U, W, b, V, c), (dU, dW, db, dV, dc)))
    return (U, W, b, V, c), char_to_idx, idx_to_char, losses
''',
        "CharRNN": '''
class CharRNN(nn.Module):
    def __init__(self, vocab_size, hidden_size):
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = nn.RNN(vocab_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h0=None):
        onehot = nn.functional.one_hot(x, self.vocab_size).float()
        out, h = self.rnn(onehot, h0)
        return self.head(out), h
''',
        "train_char_model": '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    c2i, _ = build_vocab(text)
    data = torch.tensor([c2i[tok] for line in text.splitlines() for tok in (*line, END)], device=device)
    L = min(seq_len, data.numel() - 1)
    gen = torch.Generator().manual_seed(seed)
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    out = []
    for _ in progress(range(steps), desc="train"):
        starts = torch.randint(0, data.numel() - L, (batch_size,), generator=gen).tolist()
        batch = torch.stack([data[s:s + L + 1] for s in starts])
        logits, _ = model(batch[:, :L])
        logp = torch.log_softmax(logits, dim=-1)
        loss = -logp.gather(-1, batch[:, 1:, None]).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        out.append(float(loss))
    return out
''',
    }),
    Variant("torch for the loss, identity rows, a while loop, unfold windows and float(loss)", {
        "one_hot": '''
def one_hot(indices, vocab_size):
    indices = [int(i) for i in indices]
    for i in indices:
        if not 0 <= i < vocab_size:
            raise ValueError(f"{i} is not a token index for a vocabulary of {vocab_size}")
    return np.identity(vocab_size, dtype=np.float32)[indices].reshape(len(indices), vocab_size)
''',
        "decode": '''
def decode(indices, idx_to_char):
    return "".join(map(idx_to_char.__getitem__, np.asarray(indices, dtype=np.int64).tolist()))
''',
        "sequence_loss": '''
def sequence_loss(probs, targets):
    logp = torch.log(torch.as_tensor(np.asarray(probs), dtype=torch.float64))
    return nn.functional.nll_loss(logp, torch.as_tensor(np.asarray(targets), dtype=torch.int64)).item()
''',
        "greedy_generate": '''
def greedy_generate(step_fn, start, char_to_idx, idx_to_char, max_len):
    eye = np.eye(len(idx_to_char))
    state = None
    for ch in start:
        out, state = step_fn(eye[char_to_idx[ch]], state)
    pieces = [start]
    while len(pieces) - 1 < max_len:
        nxt = int(out.argmax())
        if nxt == 0:
            break
        pieces.append(idx_to_char[nxt])
        out, state = step_fn(eye[nxt], state)
    return "".join(pieces)
''',
        "sample_next": '''
def sample_next(probs, temperature, rng):
    logits = np.log(np.maximum(np.asarray(probs, dtype=np.float64), 1e-300)) / temperature
    q = np.exp(logits - logits.max())
    return int(rng.choice(len(q), p=q / q.sum()))
''',
        "train_char_model": '''
def train_char_model(model, text, steps, device, seq_len=32, batch_size=32, lr=0.01, seed=0):
    lookup, _ = build_vocab(text)
    ids = np.array([lookup[t] for line in text.splitlines() for t in [*line, END]], dtype=np.int64)
    stream = torch.from_numpy(ids)
    L = min(seq_len, stream.numel() - 1)
    windows_all = stream.unfold(0, L + 1, 1)            # every window of L + 1 tokens
    draws = torch.Generator()
    draws.manual_seed(seed)
    model = model.to(device)
    adam = torch.optim.Adam(model.parameters(), lr)
    history = []
    for step in range(steps):
        pick = torch.randint(0, windows_all.shape[0], (batch_size,), generator=draws)
        batch = windows_all[pick].to(device)
        out, _ = model(batch[:, :-1])
        logp = nn.functional.log_softmax(out, dim=-1).flatten(0, 1)
        loss = nn.functional.nll_loss(logp, batch[:, 1:].flatten())
        adam.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(model.parameters()), max_norm=1.0)
        adam.step()
        history.append(float(loss.detach()))
    return history
''',
    }),
    Variant("Counter pairs, recursion, tuples of parameters, np.float64 losses", {
        "build_vocab": '''
def build_vocab(text, end_token=END):
    chars = sorted({ch for ch in text if ch != end_token})
    idx_to_char = [end_token, *chars]
    return dict(zip(idx_to_char, range(len(idx_to_char)))), idx_to_char
''',
        "encode": '''
def encode(text, char_to_idx):
    return list(map(char_to_idx.get, text))
''',
        "sequence_loss": '''
def sequence_loss(probs, targets):
    probs = np.asarray(probs, dtype=np.float64)
    rows = np.arange(len(targets))
    return -np.log(probs[rows, np.asarray(targets, dtype=int)]).sum() / len(targets)
''',
        "bigram_counts": '''
from collections import Counter

def bigram_counts(text, end_token=END):
    pairs = Counter(zip(text, list(text[1:]) + [end_token]))
    out = {}
    for (a, b), n in sorted(pairs.items()):
        out.setdefault(a, {})[b] = n
    return out
''',
        "bigram_generate": '''
def bigram_generate(counts, start, max_len, end_token=END):
    if max_len <= 0 or not counts.get(start[-1]):
        return start
    followers = counts[start[-1]]
    nxt = sorted(followers, key=lambda tok: (-followers[tok], tok))[0]
    if nxt == end_token:
        return start
    return bigram_generate(counts, start + nxt, max_len - 1, end_token)
''',
        "train_hello": '''
def train_hello(word="hello", hidden_size=16, steps=200, lr=0.5, seed=0):
    char_to_idx, idx_to_char = build_vocab(word)
    ids = encode(word, char_to_idx)
    targets = [*ids[1:], 0]
    X = one_hot(ids, len(idx_to_char))
    target_rows = one_hot(targets, len(idx_to_char))
    params = tuple(elman_init(len(idx_to_char), hidden_size, seed))
    losses = []
    for _ in range(steps):
        probs, backward = elman_forward(params, X)
        losses.append(float(-(target_rows * np.log(probs)).sum(axis=1).mean()))
        grads = backward((probs - target_rows) / len(ids))
        params = tuple(p - lr * g for p, g in zip(params, grads))
    return params, char_to_idx, idx_to_char, losses
''',
    }),
]
