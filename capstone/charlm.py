"""A character language model for the capstone: the text, the vocabulary, stateful truncated BPTT, sampling.

The notebook capstone_real_text.ipynb and the offline trainer train_checkpoint.py share this module, so the model that
the checkpoint holds is the one the notebook builds. Everything is batch-first (CONTRIBUTING.md, Conventions).
"""

import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

DATA = Path(__file__).resolve().parent / "data"
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
# the split is by file: validation text is whole modules the model never reads while training
TRAIN_FILES = ["bisect.py", "calendar.py", "cmd.py", "colorsys.py", "contextlib.py", "copy.py", "dataclasses.py",
               "difflib.py", "fnmatch.py", "fractions.py", "functools.py", "glob.py", "graphlib.py", "heapq.py",
               "numbers.py", "pprint.py", "random.py", "reprlib.py", "sched.py", "statistics.py"]
VALID_FILES = ["queue.py", "string.py", "textwrap.py"]
UNK = "\N{REPLACEMENT CHARACTER}"  # stands for any character that the training text does not contain


def read_files(names, data=DATA):
    """The files' text joined in the given order (each file ends with a newline)."""
    return "".join((Path(data) / name).read_text(encoding="utf-8") for name in names)


def build_vocab(text):
    """The vocabulary: UNK at index 0, then the characters of text, sorted (a fixed order on every run)."""
    return [UNK] + sorted(set(text) - {UNK})


def encode(text, vocab):
    """Character indices (int64 array); a character outside vocab becomes UNK (index 0)."""
    index = {ch: i for i, ch in enumerate(vocab)}
    return np.array([index.get(ch, 0) for ch in text], dtype=np.int64)


def decode(ids, vocab):
    return "".join(vocab[int(i)] for i in ids)


def stream_windows(ids, batch_size, seq_len):
    """Yield (inputs, targets) windows for stateful truncated BPTT, in reading order.

    The text is cut into batch_size contiguous streams of n = (len(ids) - 1) // batch_size characters: row b reads
    ids[b*n : (b+1)*n] and its targets are the same characters moved one step on. Window k holds positions
    [k*seq_len, (k+1)*seq_len) of every stream (the last window may be shorter), so row b of window k continues
    exactly where row b of window k-1 stopped: a state carried from one window to the next sees the text in order.
    The few characters beyond batch_size * n are left out. Both arrays are int64 of shape (batch_size, <= seq_len).
    """
    ids = np.asarray(ids, dtype=np.int64)
    n = (len(ids) - 1) // batch_size
    if n < 1:
        raise ValueError(f"{len(ids)} characters cannot fill {batch_size} streams")
    inputs = ids[:batch_size * n].reshape(batch_size, n)
    targets = ids[1:batch_size * n + 1].reshape(batch_size, n)
    for start in range(0, n, seq_len):
        yield inputs[:, start:start + seq_len], targets[:, start:start + seq_len]


def detach_state(h):
    """Cut the graph behind a state (a tensor, or the (h, c) pair of an LSTM): BPTT stops at the window's start."""
    if h is None:
        return None
    return tuple(s.detach() for s in h) if isinstance(h, tuple) else h.detach()


class CharModel(nn.Module):
    """Embedding, one recurrent layer (kind "rnn": Elman, "gru" or "lstm"), a linear read-out of next-char logits."""

    CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

    def __init__(self, n_tokens, kind="gru", embed=32, hidden=128):
        super().__init__()
        self.config = {"n_tokens": n_tokens, "kind": kind, "embed": embed, "hidden": hidden}
        self.lookup = nn.Embedding(n_tokens, embed)
        self.recur = self.CELLS[kind](embed, hidden, batch_first=True)
        self.readout = nn.Linear(hidden, n_tokens)

    def forward(self, x, h=None):
        # x: (N, T) indices -> logits (N, T, V) and the last state (1, N, H) (a pair for an LSTM)
        states, h = self.recur(self.lookup(x), h)
        return self.readout(states), h


def train_epoch(model, opt, ids, batch_size, seq_len, device, clip=1.0, on_step=None, max_windows=None):
    """One epoch of stateful truncated BPTT; return the mean loss (nats per character) of each window.

    The state starts at zero (None) at the start of the epoch, is carried from each window to the next and detached
    there, so gradients flow back at most seq_len steps while the state itself remembers further.
    on_step(i, loss), if given, is called after each update; max_windows, if given, ends the epoch early (a demo).
    """
    model.train()
    h, losses = None, []
    for i, (x, y) in enumerate(stream_windows(ids, batch_size, seq_len)):
        x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
        h = detach_state(h)
        logits, h = model(x, h)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
        if on_step is not None:
            on_step(i, losses[-1])
        if max_windows is not None and i + 1 >= max_windows:
            break
    return losses


@torch.no_grad()
def evaluate(model, ids, device, batch_size=8, seq_len=256):
    """Mean negative log-likelihood (nats per character) of ids, read the way training reads: state carried through."""
    model.eval()
    h, total, count = None, 0.0, 0
    for x, y in stream_windows(ids, batch_size, seq_len):
        logits, h = model(torch.from_numpy(x).to(device), h)
        total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             torch.from_numpy(y).to(device).reshape(-1), reduction="sum").item()
        count += y.size
    return total / count


def perplexity(nats):
    return math.exp(nats)


@torch.no_grad()
def sample(model, vocab, prompt, length, temperature, generator, device):
    """Read prompt, then draw length characters one at a time, each fed back in, from softmax(logits / temperature).

    generator: a torch.Generator on the CPU (the draws are made there, so the text is the same on every device).
    """
    model.eval()
    ids = encode(prompt, vocab)
    logits, h = model(torch.from_numpy(ids)[None].to(device))
    out = []
    for _ in range(length):
        probs = torch.softmax(logits[0, -1].double().cpu() / temperature, dim=-1)
        k = int(torch.multinomial(probs, 1, generator=generator))
        out.append(vocab[k])
        logits, h = model(torch.tensor([[k]], device=device), h)
    return "".join(out)


@torch.no_grad()
def next_char_probs(model, contexts, vocab, device):
    """For each context string (all the same length), the model's distribution of the next character: (N, V) array.

    Each context is read from a zero state, so give it enough text before the place that matters.
    """
    model.eval()
    x = torch.from_numpy(np.stack([encode(c, vocab) for c in contexts])).to(device)
    logits, _ = model(x)
    return torch.softmax(logits[:, -1].double(), dim=-1).cpu().numpy()


def save_checkpoint(path, model, vocab, **extra):
    """Write the state_dict, the architecture and the vocabulary (plain data only: torch.load(weights_only=True))."""
    torch.save({"config": model.config, "vocab": "".join(vocab),
                "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}, **extra}, path)


def load_checkpoint(path, device="cpu"):
    """Rebuild the model a checkpoint describes; return (model, vocab, the whole checkpoint dict)."""
    saved = torch.load(path, map_location=device, weights_only=True)
    model = CharModel(**saved["config"]).to(device)
    model.load_state_dict(saved["state_dict"])
    return model, list(saved["vocab"]), saved
