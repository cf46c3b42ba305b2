"""Assignment 01: the reference solution agrees with the grader's oracles on
many random inputs, and the oracles agree with first principles."""

import numpy as np
import pytest
import torch
from torch import nn

from answer_key.oracles import sequences as oracle
from answer_key.oracles import sequences_torch as oracle_t
from rnncourse.text import make_corpus
from tests.notebooks import REPO, namespace


@pytest.fixture(scope="module")
def sol():
    return namespace(REPO / "solutions" / "01_sequences" / "01_sequences.ipynb")


def test_next_char_pairs_agrees_with_oracle(sol):
    rng = np.random.default_rng(0)
    for _ in range(200):
        text = "".join(rng.choice(list("abc "), size=int(rng.integers(0, 15))))
        context = int(rng.integers(1, 6))
        assert sol["next_char_pairs"](text, context) == oracle.next_char_pairs(text, context)


def test_ngram_autocomplete_agrees_with_oracle(sol):
    rng = np.random.default_rng(1)
    corpus = make_corpus(60, seed=5)
    for _ in range(200):
        start = int(rng.integers(0, len(corpus) - 10))
        prefix = corpus[start:start + int(rng.integers(0, 10))]
        n, k = int(rng.integers(1, 7)), int(rng.integers(0, 6))
        assert sol["ngram_autocomplete"](corpus, prefix, n, k) == oracle.ngram_autocomplete(corpus, prefix, n, k)


def test_ngram_oracle_counts_overlapping_occurrences():
    assert oracle.next_char_counts("aaaa", "aa") == {"a": 2}
    assert oracle.window("hello", 3) == "lo" and oracle.window("h", 5) == "h" and oracle.window("hi", 1) == ""


def test_pad_batch_agrees_with_oracle(sol):
    rng = np.random.default_rng(2)
    for _ in range(100):
        seqs = [rng.integers(-5, 5, size=int(rng.integers(0, 6))).tolist() for _ in range(int(rng.integers(1, 6)))]
        pad = [7, 0, -1, 0.5][int(rng.integers(0, 4))]
        got, want = sol["pad_batch"](seqs, pad), oracle.pad_batch(seqs, pad)
        for g, w in zip(got, want, strict=True):
            assert g.dtype == w.dtype and np.array_equal(g, w)
    for seqs in ([], [[]], [[], []]):
        got, want = sol["pad_batch"](seqs, 3), oracle.pad_batch(seqs, 3)
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape and g.dtype == w.dtype


def test_pad_batch_dtype_follows_the_values_and_pad_value(sol):
    """The stated contract: numpy's dtype of the values and pad_value together; an empty sequence adds none."""
    assert sol["pad_batch"]([[1, 2], [3]], 0)[0].dtype == np.int64
    assert sol["pad_batch"]([[1, 2], [3]], 0.5)[0].dtype == np.float64
    assert sol["pad_batch"]([[0.5], [3]], 0)[0].dtype == np.float64
    assert sol["pad_batch"]([[], [1, 2]], 0)[0].dtype == np.int64
    padded, lengths, mask = sol["pad_batch"]([[0, 1], []], 0)
    assert mask.tolist() == [[True, True], [False, False]] and lengths.dtype.kind == "i"


def test_pad_batch_leaves_its_input_alone(sol):
    seqs = [[1, 2, 3], [4], np.array([5, 6])]
    sol["pad_batch"](seqs, -1)
    assert seqs[0] == [1, 2, 3] and seqs[1] == [4] and seqs[2].tolist() == [5, 6]


def test_unroll_agrees_with_oracle_and_with_torch_rnn(sol):
    rng = np.random.default_rng(3)
    rnn = nn.RNN(3, 4, batch_first=True, bias=False, dtype=torch.float64)
    U, W = rnn.weight_ih_l0.detach().numpy(), rnn.weight_hh_l0.detach().numpy()

    def step(x_t, h_prev):
        return np.tanh(x_t @ U.T + h_prev @ W.T)

    xs, h0 = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 4))
    got = sol["unroll"](step, xs, h0)
    np.testing.assert_allclose(got, oracle.unroll(step, xs, h0), atol=1e-12)
    out, _ = rnn(torch.from_numpy(xs), torch.from_numpy(h0)[None])
    np.testing.assert_allclose(got, out.detach().numpy(), atol=1e-12)


def test_unroll_edges(sol):
    step = lambda x_t, h_prev: (h_prev + x_t) / 2   # noqa: E731
    xs, h0 = np.arange(6).reshape(2, 3, 1), np.array([[1], [2]])
    got = sol["unroll"](step, xs, h0)
    np.testing.assert_array_equal(got, oracle.unroll(step, xs, h0))
    assert got.dtype == np.float64
    assert xs.tolist() == np.arange(6).reshape(2, 3, 1).tolist() and h0.tolist() == [[1], [2]]
    assert sol["unroll"](step, np.zeros((2, 0, 3)), np.zeros((2, 4))).shape == (2, 0, 4)


def test_no_catalogued_mistake_equals_the_answer_and_none_is_listed_twice():
    """distinct() drops mistakes that equal the right answer and merges the ones that agree with each other."""
    from rnncourse.checks import _equal

    small = "the cap. the cat. the car. the cab. a cat."
    for args in [(small, "a ca", 3, 3), ("aaacaaaaabaabaab", "cbaa", 3, 3), ("xb xa xc", "b x", 2, 3),
                 (small, "cat", 1, 2), (small, "a ca", 7, 3)]:
        right = oracle.ngram_autocomplete(*args)
        values = list(oracle.ngram_autocomplete_mistakes(*args).values())
        assert values and not any(_equal(v, right) for v in values)
        assert all(not _equal(a, b) for i, a in enumerate(values) for b in values[i + 1:])
    for text, context in [("hello", 2), ("abc", 1), ("aaaa", 2), ("", 1)]:
        right = oracle.next_char_pairs(text, context)
        assert not any(_equal(v, right) for v in oracle.next_char_pairs_mistakes(text, context).values())
    for part in ("padded", "mask"):
        batch = [[3, -1, 2], [4], [0, 6]]
        right = oracle.pad_batch(batch, -1)[0 if part == "padded" else 2]
        assert not any(_equal(v, right) for v in oracle.pad_batch_mistakes(batch, -1, part=part).values())


def test_overlapping_occurrences_count_at_every_position():
    assert oracle.next_char_counts("aaab", "aa") == {"a": 1, "b": 1}
    mistakes = oracle.ngram_autocomplete_mistakes("aaacaaaaabaabaab", "cbaa", 3, 3)
    assert sum("without overlap" in d for d in mistakes) == 3


def test_variants_match_oracle(sol):
    assert sol["VARIANTS"] == oracle.VARIANTS
    assert set(oracle.VARIANTS.values()) == set(oracle.VARIANT_NAMES)


def test_last_hidden_states_equals_running_each_sequence_alone(sol):
    torch.manual_seed(0)
    for layers in (1, 3):
        rnn = nn.RNN(2, 3, num_layers=layers, batch_first=True)
        seqs = [torch.randn(t, 2) for t in (3, 7, 1, 4)]
        padded, lengths = sol["collate_padded"](seqs, torch.device("cpu"))
        want = oracle_t.last_hidden_states(rnn, padded, lengths)
        torch.testing.assert_close(sol["last_hidden_states"](rnn, padded, lengths), want, atol=1e-6, rtol=1e-6)
        mistakes = oracle_t.last_hidden_states_mistakes(rnn, padded, lengths)
        assert mistakes, "no catalogued last_hidden_states mistakes to check"
        for mistake in mistakes.values():
            assert not torch.allclose(mistake, want, atol=1e-3), "a catalogued mistake must differ from the answer"


def test_tie_diagnosis_follows_first_occurrence_after_the_window():
    from collections import Counter
    corpus, prefix = "ab xb xa", "x"
    counter_order = [c for c, _ in Counter(corpus[i + 1] for i in range(len(corpus) - 1)
                                           if corpus[i] == "x").most_common(2)]
    assert counter_order == ["b", "a"] != oracle.ngram_autocomplete(corpus, prefix, 2, 2)
    described = oracle.ngram_autocomplete_mistakes(corpus, prefix, 2, 2)
    [tie_value] = [v for d, v in described.items()
                   if "ties are not broken alphabetically (they keep the order in which characters first appear)" in d]
    assert tie_value == counter_order
