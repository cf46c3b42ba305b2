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
        got, want = sol["pad_batch"](seqs, 7), oracle.pad_batch(seqs, 7)
        for g, w in zip(got, want, strict=True):
            assert g.dtype == w.dtype and np.array_equal(g, w)


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
    assert described["ties are not broken alphabetically (they keep the order in which characters first appear)"] \
        == counter_order
