"""rnncourse.exercises: every checked lecture exercise accepts its answer, refuses a wrong one with a message that
helps without giving the answer away, and is called from a lecture."""

import json

import numpy as np
import pytest

from rnncourse.checks import CheckFailure
from rnncourse.exercises import EXERCISES, check_exercise
from tests.notebooks import LECTURES


def _wrong(expected):
    if isinstance(expected, str):
        return expected + " (no)"
    if isinstance(expected, bool):
        return not expected
    return (np.asarray(expected, dtype=float) * 3 + 1).tolist()


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_the_right_answer_passes(key, capsys):
    assert check_exercise(key, EXERCISES[key].expected) is True
    assert "right" in capsys.readouterr().out


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_a_wrong_answer_fails_with_a_hint_and_without_the_answer(key):
    spec = EXERCISES[key]
    with pytest.raises(CheckFailure) as failure:
        check_exercise(key, _wrong(spec.expected))
    message = str(failure.value)
    assert f"Exercise {key}: not yet." in message and "Hint: " + spec.hint in message and spec.what in message
    assert "expected:" not in message, "the message gives the answer away"
    if np.ndim(spec.expected) or isinstance(spec.expected, str):
        assert repr(spec.expected) not in message, "the message gives the answer away"


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_none_asks_for_an_answer(key, capsys):
    assert check_exercise(key, None) is False
    assert EXERCISES[key].what in capsys.readouterr().out


@pytest.mark.parametrize("key", [k for k in sorted(EXERCISES) if EXERCISES[k].mistakes])
def test_a_known_mistake_is_named(key):
    for description, wrong in EXERCISES[key].mistakes.items():
        with pytest.raises(CheckFailure) as failure:
            check_exercise(key, wrong)
        assert f"Likely mistake: {description}" in str(failure.value)


def test_numbers_within_the_tolerance_pass_and_say_which_way_they_miss():
    assert check_exercise("01.5 memory", 69.1)
    with pytest.raises(CheckFailure, match="too large"):
        check_exercise("01.5 memory", 100.0)
    with pytest.raises(CheckFailure, match="shape"):
        check_exercise("01.3", [0.0, -0.5])
    with pytest.raises(CheckFailure):
        check_exercise("01.2", "one")
    with pytest.raises(KeyError, match="checked exercises"):
        check_exercise("99.1", 1)


def test_every_checked_exercise_is_used_by_its_lecture_and_every_lecture_check_exists():
    used = set()
    for path in LECTURES:
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            for key in EXERCISES:
                if f'check_exercise("{key}"' in source:
                    used.add(key)
                    assert path.name.startswith(key[:2]), f"{path.name} checks exercise {key} of another lecture"
    assert used == set(EXERCISES), f"checked exercises no lecture calls: {sorted(set(EXERCISES) - used)}"
