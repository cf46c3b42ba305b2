"""Assignment 04: the reference solution agrees with the grader's oracles, the
visible tests catch their mistakes deterministically, training reaches "hello"
on every seed tried within the time budget, and the torch model trains on the CPU."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from answer_key.oracles import hello as oracle
from answer_key.oracles import recurrence as ref
from rnncourse.text import make_greetings
from tests.notebooks import REPO, namespace

NOTEBOOK = REPO / "solutions" / "04_hello" / "04_hello.ipynb"
RELEASED = REPO / "assignments" / "04_hello" / "04_hello.ipynb"
LECTURE = REPO / "lectures" / "04_hello_one_hot.ipynb"
PANGRAM = "the quick brown fox jumps over the lazy dog"


@pytest.fixture(scope="module")
def sol():
    torch.set_num_threads(1)  # what the notebook does on a CPU; the demo cells that train are skipped
    return namespace(NOTEBOOK, skip=("train_hello_demo", "train_hello_torch", "train_corpus"))


def _texts(rng, n):
    alphabet = list("abcdehlo ,.?\n")
    return ["".join(rng.choice(alphabet, size=int(rng.integers(0, 20)))) for _ in range(n)]


# ---- vocabulary, one-hot, encode/decode ------------------------------------------------

def test_build_vocab_encode_decode_agree_with_oracle(sol):
    for text in _texts(np.random.default_rng(0), 100) + [PANGRAM, make_greetings(20)]:
        c2i, i2c = sol["build_vocab"](text)
        assert (c2i, i2c) == oracle.build_vocab(text)
        assert i2c[0] == oracle.END and i2c[1:] == sorted(set(text))
        assert sol["encode"](text, c2i) == oracle.encode(text, c2i)
        assert sol["decode"](sol["encode"](text, c2i), i2c) == text


def test_set_order_never_matches_the_documented_order_for_the_pangram():
    """The visible test checks the pangram first, so a set-ordered vocabulary fails whatever the hash seed."""
    code = ("p = 'the quick brown fox jumps over the lazy dog'; a = list(set(p)); "
            "print(a == sorted(a), a == list(dict.fromkeys(p)))")
    for seed in range(12):
        env = dict(os.environ, PYTHONHASHSEED=str(seed))
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.split() == ["False", "False"], f"PYTHONHASHSEED={seed}: set order looks deterministic"


def test_vocab_mistakes_are_distinct_from_the_right_answer():
    for text in ["hello", PANGRAM]:
        right = oracle.build_vocab(text)[1]
        mistakes = oracle.build_vocab_mistakes(text)
        assert mistakes, "no catalogued vocabulary mistakes to check"
        for description, (_, wrong) in mistakes.items():
            assert wrong != right, description


def test_one_hot_agrees_with_oracle_and_rejects_out_of_range(sol):
    rng = np.random.default_rng(1)
    for _ in range(50):
        V = int(rng.integers(1, 12))
        idx = rng.integers(0, V, size=int(rng.integers(0, 9)))
        got = sol["one_hot"](idx, V)
        assert got.dtype.kind == "f" and np.array_equal(got, oracle.one_hot(idx, V))
    for bad in (-1, 4, 100):
        with pytest.raises(ValueError, match=str(bad)):
            sol["one_hot"]([0, bad], 4)
        with pytest.raises(ValueError):
            oracle.one_hot([0, bad], 4)


# ---- the loss ----------------------------------------------------------------------------

def test_sequence_loss_agrees_with_oracle_and_torch(sol):
    rng = np.random.default_rng(2)
    for T, V in [(1, 2), (5, 5), (9, 4), (3, 30)]:
        logits = rng.normal(size=(T, V)) * 2
        targets = rng.integers(0, V, size=T)
        probs = ref.softmax(logits)
        want = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets)).item()
        assert abs(oracle.sequence_loss(probs, targets) - want) < 1e-12
        assert abs(sol["sequence_loss"](probs, targets) - want) < 1e-12


def test_each_sequence_loss_mistake_differs_on_the_visible_example():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25], [0.6, 0.3, 0.1]])
    targets = [0, 2, 1, 1]
    right = oracle.sequence_loss(probs, targets)
    values = oracle.sequence_loss_mistakes(probs, targets)
    assert len(values) == 6
    for description, wrong in values.items():
        assert abs(wrong - right) > 1e-3, description
    assert len({round(v, 6) for v in values.values()}) == len(values), "two mistakes give the same value"


# ---- bigrams -----------------------------------------------------------------------------

def test_bigram_counts_and_generate_agree_with_oracle(sol):
    assert oracle.bigram_counts("hello") == {"h": {"e": 1}, "e": {"l": 1}, "l": {"l": 1, "o": 1}, "o": {"<end>": 1}}
    rng = np.random.default_rng(3)
    for text in _texts(rng, 60) + [make_greetings(30, seed=4)]:
        counts = oracle.bigram_counts(text)
        assert sol["bigram_counts"](text) == counts
        for start in ["h", "l", "o", "x", "hello"]:
            max_len = int(rng.integers(0, 30))
            assert sol["bigram_generate"](counts, start, max_len) == oracle.bigram_generate(counts, start, max_len)


def test_a_bigram_model_cannot_say_hello():
    counts = oracle.bigram_counts("hello")
    assert oracle.bigram_generate(counts, "h", 10) == "he" + "l" * 9
    # the visible test's tie case: min picks the end token, first-seen order picks "l"
    mistakes = oracle.bigram_generate_mistakes(oracle.bigram_counts("hollo"), "h", 10)
    assert oracle.bigram_generate(oracle.bigram_counts("hollo"), "h", 10) == "ho"
    assert mistakes["ties are not broken by the smallest token in string order (min of the tied tokens)"] != "ho"


# ---- generation --------------------------------------------------------------------------

def test_greedy_generate_agrees_with_oracle(sol):
    c2i, i2c = oracle.build_vocab("abcdef")
    for seed in range(20):
        step = oracle.rnn_step_fn(ref.init_params(7, 10, 7, np.random.default_rng(seed), scale=1.5))
        for start, max_len in [("a", 15), ("fad", 8), ("e", 0)]:
            assert sol["greedy_generate"](step, start, c2i, i2c, max_len) == \
                oracle.greedy_generate(step, start, c2i, i2c, max_len)
    # the notebook's make_step_fn and the oracle's rnn_step_fn are the same function
    params = ref.init_params(7, 10, 7, np.random.default_rng(0))
    x = np.eye(7)[3]
    a, ha = sol["make_step_fn"](params)(x, None)
    b, hb = oracle.rnn_step_fn(params)(x, None)
    np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_allclose(ha, hb, atol=1e-12)
    _, h2a = sol["make_step_fn"](params)(np.eye(7)[1], ha)
    _, h2b = oracle.rnn_step_fn(params)(np.eye(7)[1], hb)
    np.testing.assert_allclose(h2a, h2b, atol=1e-12)


def test_elman_forward_is_the_elman_rnn_and_its_gradient(sol):
    """The provided torch helpers compute the course's recurrence and the gradients BPTT gives."""
    rng = np.random.default_rng(5)
    V, H, T = 6, 7, 9
    params = sol["elman_init"](V, H, 3)
    for got, want in zip(params, ref.init_params(V, H, V, np.random.default_rng(3)), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-15)
    params = [p + 0.3 * rng.normal(size=p.shape) for p in params]   # non-zero biases too
    X = np.eye(V)[rng.integers(0, V, size=T)]
    probs, backward = sol["elman_forward"](params, X)
    U, W, b, Vw, c = params
    Hs, cache = ref.rnn_forward(X[None], np.zeros((1, H)), U, W, b)
    np.testing.assert_allclose(probs, ref.softmax(Hs[0] @ Vw.T + c), atol=1e-12)
    dlogits = rng.normal(size=(T, V))
    _, _, dU, dW, db = ref.rnn_backward((dlogits @ Vw)[None], cache)
    want = [dU, dW, db, dlogits.T @ Hs[0], dlogits.sum(axis=0)]
    got = backward(dlogits)
    assert [g.shape for g in got] == [p.shape for p in params]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, atol=1e-12)
    np.testing.assert_allclose(backward(2 * dlogits)[0], 2 * dU, atol=1e-12)   # backward can be called again


def _sources(path, graded_solutions_only=False):
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells
            if not graded_solutions_only or c["metadata"].get("nbgrader", {}).get("solution")]


@pytest.mark.parametrize("path", [RELEASED, LECTURE], ids=["released", "lecture"])
def test_no_answer_key_and_no_assignment_02_answer_is_shipped(path):
    text = "\n".join(_sources(path))
    for forbidden in ("answer_key", "rnncourse.oracles", "rnncourse.recurrence", "from rnncourse import recurrence"):
        assert forbidden not in text, f"{path.name} mentions {forbidden}"
    lines_02 = {line.strip() for source in _sources(REPO / "solutions" / "02_elman" / "02_elman.ipynb", True)
                for line in source.splitlines()}
    shared = sorted(line for line in lines_02 if len(line) > 12 and not line.startswith("###") and line in text)
    assert not shared, f"{path.name} repeats lines of assignment 02's solutions: {shared}"


@pytest.mark.parametrize("start,max_len", [("h", 20), ("hel", 20)])
def test_every_generation_mistake_differs_on_the_visible_cases(start, max_len):
    c2i, i2c = oracle.build_vocab("hello")
    memorised = oracle.word_step_fn("hello", c2i)
    right = oracle.greedy_generate(memorised, start, c2i, i2c, max_len)
    assert right == "hello"
    mistakes = oracle.greedy_generate_mistakes(memorised, start, c2i, i2c, max_len)
    assert mistakes, "no catalogued generation mistakes to check"
    for description, wrong in mistakes.items():
        assert wrong != right, description


# ---- sampling ----------------------------------------------------------------------------

def test_sample_next_draws_exactly_like_the_oracle(sol):
    rng = np.random.default_rng(4)
    for temperature in [0.2, 0.5, 1.0, 2.0, 5.0]:
        probs = ref.softmax(rng.normal(size=8))
        a, b = np.random.default_rng(9), np.random.default_rng(9)
        got = [sol["sample_next"](probs, temperature, a) for _ in range(200)]
        assert got == [oracle.sample_next(probs, temperature, b) for _ in range(200)]
        assert got == oracle.sample_draws(oracle.tempered(probs, temperature), seed=9, n=200)


def test_temperature_sharpens_below_one_and_flattens_above():
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    assert oracle.tempered(probs, 0.01).argmax() == 0 and oracle.tempered(probs, 0.01)[0] > 0.999
    np.testing.assert_allclose(oracle.tempered(probs, 1.0), probs)
    assert np.ptp(oracle.tempered(probs, 100.0)) < 0.02
    inverted = oracle.sample_next_mistakes(probs, 0.5)
    assert inverted, "no catalogued sampling mistakes to check"
    assert all(np.abs(q - oracle.tempered(probs, 0.5)).max() > 0.1 for q in inverted.values())


# ---- training to "hello" in numpy --------------------------------------------------------

@pytest.mark.parametrize("word", ["hello", "banana", "hollow"])
def test_train_hello_spells_the_word_and_stops_for_every_seed(sol, word):
    for seed in range(8):
        params, c2i, i2c, losses = sol["train_hello"](word=word, seed=seed)
        step = oracle.rnn_step_fn(params)
        assert oracle.teacher_forced(step, word, c2i, i2c) == list(word[1:]) + [oracle.END], (word, seed)
        assert oracle.greedy_generate(step, word[0], c2i, i2c, 30) == word, (word, seed)
        assert losses[-1] < 0.05 and len(losses) == 200


def test_train_hello_takes_well_under_five_seconds(sol):
    start = time.perf_counter()
    sol["train_hello"]()
    seconds = time.perf_counter() - start
    assert seconds < 5.0, f"train_hello took {seconds:.2f} s (budget 5 s)"


def test_train_hello_step_is_the_gradient_of_the_mean_loss(sol):
    """One update with lr=1 moves the parameters by minus the gradient of the mean loss (checked numerically)."""
    word, H = "hello", 6
    c2i, i2c = oracle.build_vocab(word)
    V = len(i2c)
    X = oracle.one_hot(oracle.encode(word, c2i), V)[None]
    targets = np.array(oracle.encode(word[1:], c2i) + [0])
    params = [np.array(p) for p in sol["elman_init"](V, H, 0)]

    def loss():
        U, W, b, Vw, c = params
        Hs, _ = ref.rnn_forward(X, np.zeros((1, H)), U, W, b)
        return oracle.sequence_loss(ref.softmax(Hs[0] @ Vw.T + c), targets)

    numeric = []
    for p in params:
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + 1e-6
            up = loss()
            p[i] = old - 1e-6
            down = loss()
            p[i] = old
            g[i] = (up - down) / 2e-6
        numeric.append(g)
    after, _, _, _ = sol["train_hello"](word=word, hidden_size=H, steps=1, lr=1.0, seed=0)
    for before, moved, want in zip(params, after, numeric, strict=True):
        assert np.abs((before - moved) - want).max() < 1e-7


# ---- the torch track ---------------------------------------------------------------------

def test_char_rnn_learns_hello_on_the_cpu(sol):
    cpu = torch.device("cpu")
    for word, seed in [("hello", 0), ("banana", 1), ("hollow", 2)]:
        c2i, i2c = oracle.build_vocab(word)
        torch.manual_seed(seed)
        model = sol["CharRNN"](len(i2c), 16)
        losses = sol["train_char_model"](model, word, steps=100, device=cpu, seed=seed)
        assert len(losses) == 100 and all(isinstance(x, float) for x in losses)
        step = oracle.torch_step_fn(model)
        assert oracle.teacher_forced(step, word, c2i, i2c) == list(word[1:]) + [oracle.END], word
        assert oracle.greedy_generate(step, word[0], c2i, i2c, 20) == word


def test_char_rnn_on_the_dialogue_corpus_within_budget_on_the_cpu(sol, capsys):
    """The run the notebook makes: 300 steps on 400 lines, loss below 0.5, at most 30 s on a CPU."""
    corpus = make_greetings(400, seed=0)
    _, i2c = oracle.build_vocab(corpus)
    torch.manual_seed(0)
    model = sol["CharRNN"](len(i2c), 64)
    start = time.perf_counter()
    losses = sol["train_char_model"](model, corpus, steps=300, device=torch.device("cpu"))
    seconds = time.perf_counter() - start
    final = float(np.mean(losses[-20:]))
    with capsys.disabled():
        print(f"\n  dialogue CharRNN on the CPU: 300 steps in {seconds:.1f} s, final loss {final:.3f}")
    assert final < 0.5, f"loss over the last 20 steps {final:.3f}"
    assert seconds < 30.0, f"300 steps took {seconds:.1f} s on the CPU (budget 30 s)"


def test_char_rnn_state_is_carried_and_causal(sol):
    torch.manual_seed(0)
    model = sol["CharRNN"](6, 8)
    x = torch.randint(0, 6, (2, 9))
    logits, h = model(x)
    first, mid = model(x[:, :5])
    second, h2 = model(x[:, 5:], mid)
    torch.testing.assert_close(torch.cat([first, second], 1), logits)
    torch.testing.assert_close(h2, h)
    changed = x.clone()
    changed[:, -1] = (changed[:, -1] + 1) % 6
    torch.testing.assert_close(model(changed)[0][:, :-1], logits[:, :-1])


# ---- issue 14: exact training steps, contracts and the new known mistakes ------------------

def test_train_hello_oracle_agrees_with_the_solution(sol):
    for word, H, steps, lr, seed in [("hollow", 6, 4, 0.8, 3), ("banana", 5, 3, 0.3, 9), ("hello", 16, 5, 0.5, 0)]:
        params, _, _, losses = sol["train_hello"](word=word, hidden_size=H, steps=steps, lr=lr, seed=seed)
        want_losses, want_params = oracle.train_hello_losses(word, H, steps, lr, seed)
        np.testing.assert_allclose(losses, want_losses, atol=1e-12)
        for got, want in zip(params, want_params, strict=True):
            np.testing.assert_allclose(got, want, atol=1e-12)
        mistakes = oracle.train_hello_mistakes(word, H, steps, lr, seed)
        assert len(mistakes) >= 6
        values = [tuple(np.round(v, 9)) for v in mistakes.values()]
        assert len(set(values)) == len(values), "two train_hello mistakes record the same losses"


def test_train_char_model_oracle_agrees_with_the_solution(sol):
    """The oracle's fixed bigram model and training loop are the test cell's and the solution's."""
    cpu = torch.device("cpu")
    for text, steps, kwargs in [("hello banana", 4, dict(seq_len=5, batch_size=3, lr=0.05, seed=7)),
                                ("hi anna, how are you? fine, thanks.", 2, {}), ("hello", 3, dict(seed=1))]:
        full = {"seq_len": 32, "batch_size": 32, "lr": 0.01, "seed": 0, **kwargs}
        _, i2c = oracle.build_vocab(text)
        table = np.random.default_rng(len(text)).normal(size=(len(i2c), len(i2c)))
        model = oracle.fixed_bigram_model(table, 3.0)
        losses = sol["train_char_model"](model, text, steps, cpu, **kwargs)
        want, want_table = oracle.train_char_model_run(table, 3.0, text, steps, full["seq_len"], full["batch_size"],
                                                       full["lr"], full["seed"])
        np.testing.assert_allclose(losses, want, atol=1e-12)
        np.testing.assert_allclose(model.table.weight.detach().numpy(), want_table, atol=1e-12)
    table = np.random.default_rng(0).normal(size=(9, 9))
    mistakes = oracle.train_char_model_mistakes(table, 3.0, "hello banana", 4, 5, 3, 0.05, 7)
    assert len(mistakes) == len(oracle.TRAIN_CHAR_MODEL_MISTAKES)


def test_train_char_model_keeps_the_random_and_device_contracts(sol):
    from rnncourse.contracts import check_devices, probe_devices, untouched_global_rng

    _, i2c = oracle.build_vocab("hello banana")
    model = oracle.fixed_bigram_model(np.zeros((len(i2c), len(i2c))), 3.0)
    with untouched_global_rng("train_char_model"):
        sol["train_char_model"](model, "hello banana", 2, torch.device("cpu"), seq_len=5, batch_size=3)
    with probe_devices(model) as seen:
        sol["train_char_model"](model, "hello banana", 2, torch.device("meta"), seq_len=5, batch_size=3)
    check_devices(seen, "meta", "train_char_model")


def test_new_mistakes_differ_from_the_right_answer_and_each_other():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25], [0.6, 0.3, 0.1]])
    values = oracle.sequence_loss_all_mistakes(probs, [0, 2, 1, 1])
    assert len(values) == 8 and len({round(v, 6) for v in values.values()}) == 8
    counts = oracle.bigram_counts_mistakes("hello")
    assert len(counts) == 3 and oracle.bigram_counts("hello") not in counts.values()
    c2i, i2c = oracle.build_vocab("hello")
    memorised = oracle.word_step_fn("hello", c2i)
    for start in ["h", "hel"]:
        found = oracle.greedy_generate_all_mistakes(memorised, start, c2i, i2c, 20)
        assert "hello" not in found.values() and len(set(found.values())) == len(found)
    assert oracle.bigram_generate_all_mistakes(oracle.bigram_counts("hello"), "he", 4)[
        "max_len counts the prompt too: it is the most characters to add after start"] == "hell"
