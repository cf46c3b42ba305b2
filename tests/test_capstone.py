"""The capstone on real text (capstone/): its data and licence are shipped, its truncated-BPTT code reads the text
in order and carries the state, its checkpoints load into the architecture they name, and its notebook runs within
the course's time budget with each recurrent model clearly below the bigram baseline, and the bigram below the
uniform one."""

import json
import re

import nbformat
import numpy as np
import pytest
import torch

from capstone import charlm
from tests.conftest import record
from tests.notebooks import REPO, cell_seconds, execute, problems

NOTEBOOK = REPO / "capstone" / "capstone_real_text.ipynb"
CELL_LIMIT = 10.0       # seconds per cell, as tests/test_notebooks_run.py
NOTEBOOK_LIMIT = 60.0   # the whole notebook (it aims at under 45 s on a quiet 2-core machine)
CLEARLY_BELOW = 0.75    # a recurrent model's validation perplexity is under 75% of the bigram's


def test_data_files_and_licence_are_shipped():
    data = REPO / "capstone" / "data"
    sizes = {name: (data / name).stat().st_size for name in charlm.TRAIN_FILES + charlm.VALID_FILES}
    assert all(sizes.values()), f"empty data files: {[n for n, s in sizes.items() if not s]}"
    assert 300_000 <= sum(sizes.values()) <= 600_000, f"{sum(sizes.values())} bytes of text"
    assert not set(charlm.TRAIN_FILES) & set(charlm.VALID_FILES), "a file on both sides of the split"
    licence = (data / "LICENSE-PSF.txt").read_text()
    assert "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2" in licence
    readme = (data / "README.md").read_text()
    assert "3.11.7" in readme and "LICENSE-PSF.txt" in readme
    missing = [name for name in sizes if name not in readme]
    assert not missing, f"data/README.md does not name {missing}"
    shipped = {p.name for p in data.glob("*.py")}
    assert shipped == set(sizes), f"data/ holds files the split does not name, or lacks some: {shipped ^ set(sizes)}"


def test_stream_windows_reads_every_stream_in_order():
    ids = np.arange(47)
    windows = list(charlm.stream_windows(ids, batch_size=3, seq_len=4))
    n = 46 // 3                                                     # 15 characters per stream, the rest left out
    assert [x.shape for x, _ in windows] == [(3, 4), (3, 4), (3, 4), (3, 3)]
    assert all(x.dtype == np.int64 and y.dtype == np.int64 for x, y in windows)
    rows = np.concatenate([x for x, _ in windows], axis=1)
    np.testing.assert_array_equal(rows, ids[:3 * n].reshape(3, n))  # row b of window k continues row b of window k-1
    np.testing.assert_array_equal(np.concatenate([y for _, y in windows], axis=1), rows + 1)
    with pytest.raises(ValueError):
        list(charlm.stream_windows(np.arange(3), batch_size=4, seq_len=2))


class RecordingModel(charlm.CharModel):
    """A CharModel that keeps the state it is given and the state it returns at every call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.given, self.returned = [], []

    def forward(self, x, h=None):
        logits, h_out = super().forward(x, h)
        self.given.append(h)
        self.returned.append(h_out)
        return logits, h_out


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_train_epoch_carries_the_state_and_detaches_it(kind):
    torch.manual_seed(0)
    model = RecordingModel(5, kind, embed=3, hidden=4)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ids = np.random.default_rng(0).integers(0, 5, 61)
    for epoch in range(2):
        model.given.clear(), model.returned.clear()
        losses = charlm.train_epoch(model, opt, ids, batch_size=2, seq_len=7, device="cpu")
        assert len(losses) == len(model.given) == 5                 # 30 characters per stream, windows of 7
        assert model.given[0] is None, f"epoch {epoch}: the state is not reset at the start of the epoch"
        for k in range(1, len(model.given)):
            given, before = model.given[k], model.returned[k - 1]
            pairs = zip(given, before, strict=True) if kind == "lstm" else [(given, before)]
            for g, b in pairs:
                assert torch.equal(g, b), f"window {k} does not start from the state window {k - 1} ended with"
                assert b.grad_fn is not None and g.grad_fn is None and not g.requires_grad, \
                    f"window {k}: the carried state is not detached"


def test_evaluate_carries_the_state_through_the_text():
    torch.manual_seed(1)
    model = charlm.CharModel(6, "gru", embed=3, hidden=5)
    ids = np.random.default_rng(1).integers(0, 6, 40)
    got = charlm.evaluate(model, ids, "cpu", batch_size=3, seq_len=5)
    n = 39 // 3                       # reading each stream whole, from one zero state, must give the same loss
    x, y = torch.from_numpy(ids[:3 * n].reshape(3, n)), torch.from_numpy(ids[1:3 * n + 1].reshape(3, n))
    with torch.no_grad():
        logits, _ = model(x)
        expected = torch.nn.functional.cross_entropy(logits.reshape(-1, 6), y.reshape(-1)).item()
    assert abs(got - expected) < 1e-6, f"evaluate gave {got:.7f}, the whole streams give {expected:.7f}"


@pytest.mark.parametrize("kind, cell", [("rnn", torch.nn.RNN), ("gru", torch.nn.GRU)])
def test_checkpoint_loads_and_matches_its_architecture(kind, cell):
    path = charlm.CHECKPOINTS / f"{kind}.pt"
    assert path.stat().st_size < 400_000, f"{path.name}: {path.stat().st_size} bytes (keep checkpoints small)"
    model, vocab, saved = charlm.load_checkpoint(path)
    assert type(model.recur) is cell and model.config["kind"] == kind
    assert vocab == charlm.build_vocab(charlm.read_files(charlm.TRAIN_FILES)), "trained with another vocabulary"
    assert model.lookup.num_embeddings == model.readout.out_features == len(vocab)
    hist = saved["history"]
    assert len(hist["valid_ppl"]) == saved["settings"]["epochs"] and hist["valid_ppl"][-1] < hist["valid_ppl"][0]
    with torch.no_grad():
        logits, h = model(torch.zeros(2, 3, dtype=torch.long))
    assert logits.shape == (2, 3, len(vocab)) and h.shape == (1, 2, model.config["hidden"])


def test_notebook_is_committed_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} have outputs or execution counts (clear them before committing)"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["language_info"]["pygments_lexer"] == "ipython3"
    assert nb.metadata["language_info"]["version"].startswith("3.11.")
    assert not any("nbgrader" in c.metadata for c in nb.cells), "the capstone is a lecture, not an assignment"


@pytest.mark.slow
def test_notebook_runs_in_budget_and_beats_the_baselines(request):
    nb, seconds = execute(NOTEBOOK, timeout=60)
    record(request, "notebook_seconds", ("capstone/capstone_real_text.ipynb", seconds))
    times = cell_seconds(nb)
    record(request, "cell_seconds", [(t, f"capstone [{where}]") for t, where in times])
    found = problems(nb)
    assert not found, "the capstone ran with problems:\n" + "\n".join(found)
    slow = [f"{where}: {t:.1f} s" for t, where in times if t > CELL_LIMIT]
    assert not slow, f"cells over {CELL_LIMIT:g} s: " + ", ".join(slow)
    assert seconds < NOTEBOOK_LIMIT, f"the notebook took {seconds:.0f} s"
    printed = "".join(out.get("text", "") for c in nb.cells if c.cell_type == "code" for out in c.outputs)
    found = re.search(r"^capstone figures: (\{.*\})$", printed, re.M)
    assert found, "the notebook did not print its 'capstone figures:' line"
    ppl = json.loads(found.group(1))
    assert ppl["bigram"] < ppl["uniform"], ppl
    for model in ("elman", "gru"):
        assert ppl[model] < CLEARLY_BELOW * ppl["bigram"], f"{model} is not clearly below the bigram: {ppl}"


def test_train_epoch_stops_after_max_windows():
    torch.manual_seed(0)
    model = charlm.CharModel(5, "gru", embed=3, hidden=4)
    losses = charlm.train_epoch(model, torch.optim.SGD(model.parameters(), lr=0.1), np.arange(61) % 5,
                                batch_size=2, seq_len=7, device="cpu", max_windows=3)
    assert len(losses) == 3
