"""Text that the project writes or generates itself; nothing is downloaded.

make_corpus builds sentences from a small grammar, so a corpus of any size is
one function call away and identical on every machine for a given seed.
make_greetings writes short dialogue lines (a greeting, a question, its answer)
for the character models of topic 04.
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


# ---- a larger corpus for the "hello" topic (lecture and assignment 04) ----------------

_GREETINGS = ["hello", "hi", "good morning", "good evening", "hey"]
_NAMES = ["anna", "tom", "maria", "sam", "lena", "omar", "kim"]
# each question has answers of its own, so a model that answers well has to remember the question
_DIALOGUE = {
    "how are you?": ["i am fine, thank you.", "a little tired today."],
    "is it raining?": ["yes, take an umbrella.", "no, the sun is out."],
    "are you hungry?": ["yes, let us eat.", "no, i had lunch."],
    "where is the cat?": ["it is on the sofa.", "it went out to play."],
    "do you like tea?": ["yes, with milk.", "no, i drink coffee."],
}
_CLOSINGS = ["see you soon.", "goodbye.", "have a nice day.", "take care."]


def make_greetings(n_lines=400, seed=0):
    """A lower-case corpus of short dialogue lines that start with a greeting, one line each.

    Every line is "<greeting> <name>, <question> <answer>" with, half the time,
    a closing phrase; lines end in a newline. Answers belong to their question,
    so predicting an answer well needs the question in memory. The same seed
    gives the same text on every machine.
    """
    if n_lines < 0:
        raise ValueError(f"n_lines must be >= 0, got {n_lines}")
    rng = np.random.default_rng(seed)
    questions = list(_DIALOGUE)

    def pick(options):
        return options[int(rng.integers(len(options)))]

    lines = []
    for _ in range(n_lines):
        question = pick(questions)
        line = f"{pick(_GREETINGS)} {pick(_NAMES)}, {question} {pick(_DIALOGUE[question])}"
        if rng.random() < 0.5:
            line += f" {pick(_CLOSINGS)}"
        lines.append(line + "\n")
    return "".join(lines)
