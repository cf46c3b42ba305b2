"""Text that the project writes or generates itself; nothing is downloaded.

make_corpus builds sentences from a small grammar, so a corpus of any size is
one function call away and identical on every machine for a given seed.
"""

import numpy as np

# A few lines written for the course, used where a fixed, readable text helps.
COURSE_TEXT = (
    "a recurrent network reads one symbol at a time. "
    "it keeps a state that summarises what it has read so far. "
    "the same weights are used at every step, so the network can read "
    "a sequence of any length. "
    "to predict the next letter of a word, the state must remember "
    "the letters that came before it. "
)

_SUBJECTS = ["the cat", "the dog", "a bird", "the robot", "my friend", "the teacher", "a child"]
_VERBS = ["sees", "likes", "follows", "draws", "finds", "watches", "helps"]
_OBJECTS = ["the ball", "a red kite", "the garden", "a small boat", "the moon", "the old tree"]
_ENDINGS = ["today", "at night", "in the park", "again", "very slowly", "by the river"]


def make_corpus(n_sentences=300, seed=0):
    """A lower-case corpus of n_sentences generated sentences, each ending in '. '."""
    if n_sentences < 0:
        raise ValueError(f"n_sentences must be >= 0, got {n_sentences}")
    rng = np.random.default_rng(seed)
    parts = (_SUBJECTS, _VERBS, _OBJECTS, _ENDINGS)
    sentences = []
    for _ in range(n_sentences):
        words = [part[rng.integers(len(part))] for part in parts]
        sentences.append(" ".join(words) + ". ")
    return "".join(sentences)
