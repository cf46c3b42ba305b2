"""No marks for work a student did not write: submissions that fetch the answer key score 0 on that test.

Every attack in tests/grading/delegation.py first proves that it works where the answer key is in reach
(this process, the full repository); then a class with honest students before, between and after the
attacks is graded with the course's grading command, in a namespaced sandbox and in the plain one.
"""

import json
import os

import nbformat
import numpy as np
import pytest

from tests.grading.delegation import ATTACKS
from tests.grading.harness import grade_class, notebook_path, reference_with

# (graded function, its reference module under answer_key.oracles, a sample call)
_ARR = np.random.default_rng(0).normal


def _graph_output():
    import torch

    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    return (a + b) * (b + 1)


_NAMESPACES = {}


def _notebook_scope(assignment):
    """The globals of a student's kernel who ran the whole notebook (the solution's non-test cells)."""
    from tests.notebooks import REPO, namespace

    if assignment not in _NAMESPACES:
        _NAMESPACES[assignment] = namespace(REPO / "solutions" / assignment / f"{assignment}.ipynb")
    return dict(_NAMESPACES[assignment], __name__="__main__")
TARGETS = {
    "01_sequences": ("pad_batch", "sequences", (([[1, 2, 3], [4]], -1), {})),
    "02_elman": ("rnn_step", "recurrence", ((_ARR(size=(2, 3)), _ARR(size=(2, 4)), _ARR(size=(4, 3)),
                                             _ARR(size=(4, 4)), _ARR(size=4)), {})),
    "03_graphs": ("graph_ops", "graphs", ((_graph_output(),), {})),
    "04_hello": ("build_vocab", "hello", (("hello",), {})),
    "05_bias": ("worst_group_accuracy", "bias", (([0, 1, 1, 0], [0, 1, 0, 0], [0, 0, 1, 1]), {})),
    # one example, D = H = 1: the solution (vectorised) and the oracle (loops) then agree to the last bit
    "06_long_memory": ("input_gradient_norms", "long_memory", ((_ARR(size=(1, 5, 1)), _ARR(size=(1, 1)),
                                                                _ARR(size=(1, 1)), _ARR(size=(1, 1)),
                                                                _ARR(size=1), _ARR(size=(1, 1))), {})),
}
# every attack on assignment 01, in both sandbox modes; the main routes on the others, namespaced
MAIN_ROUTES = ("import the grader's module", "import lazily inside the function",
               "look it up in sys.modules after an import elsewhere",
               "resolve a name that the test cells bind (known_mistakes)",
               "read the solution notebook and run its cell")


def _attacks(assignment, mode):
    if assignment == "01_sequences":
        return ATTACKS
    return [] if mode == "plain" else [a for a in ATTACKS if a.category in MAIN_ROUTES]


def _points(assignment, test_id):
    nb = nbformat.read(notebook_path(assignment, "solutions"), as_version=4)
    return sum(c.metadata["nbgrader"]["points"] for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith(test_id))


def _same(a, b):
    if isinstance(a, dict):
        return a == b
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.category for a in ATTACKS])
@pytest.mark.parametrize("assignment", sorted(TARGETS))
def test_the_attack_gets_the_answer_where_the_key_is_in_reach(assignment, attack):
    import importlib

    if attack.in_kernel_only:
        pytest.skip("needs a kernel")
    if attack not in _attacks(assignment, "namespaces"):
        pytest.skip(f"not tried on {assignment}")
    name, module, (args, kwargs) = TARGETS[assignment]
    oracle_fn = getattr(importlib.import_module(f"answer_key.oracles.{module}"), name)
    scope = _notebook_scope(assignment)
    scope.pop(name, None)
    exec(attack.cell(name, module, assignment), scope)
    assert _same(scope[name](*args, **kwargs), oracle_fn(*args, **kwargs))


@pytest.fixture(scope="module", params=["namespaces", "plain"])
def graded(request, tmp_path_factory):
    """{assignment: (GradedClass, summary)} for one sandbox mode, each class graded once."""
    if request.param == "namespaces" and os.geteuid() != 0:
        pytest.skip("namespaced sandboxes need root")
    previous = os.environ.get("AUTOGRADER_SANDBOX")
    if request.param == "plain":
        os.environ["AUTOGRADER_SANDBOX"] = "plain"
    # the mode is chosen when the zygote starts: a zygote left running would grade in the previous mode
    from autograder.zygote import close_shared_zygote as stop_shared_zygote

    results = {}
    try:
        stop_shared_zygote()
        for assignment, (name, module, _) in TARGETS.items():
            attacks = _attacks(assignment, request.param)
            if not attacks:
                continue
            subs = {"honest_first": reference_with(assignment, {})}
            for i, attack in enumerate(attacks):
                subs[f"attack{i:02d}"] = reference_with(assignment, {name: attack.cell(name, module, assignment)})
                if i == len(attacks) // 2:
                    subs["honest_middle"] = reference_with(assignment, {})
            subs["zz_honest_last"] = reference_with(assignment, {})
            folder = tmp_path_factory.mktemp(f"{assignment}-{request.param}")
            result = grade_class(folder, assignment, subs)
            summary = json.loads((result.workspace / f"summary_{assignment}.json").read_text())
            results[assignment] = (result, summary)
    finally:
        stop_shared_zygote()
        if previous is None:
            os.environ.pop("AUTOGRADER_SANDBOX", None)
        else:
            os.environ["AUTOGRADER_SANDBOX"] = previous
    return request.param, results


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(TARGETS))
def test_delegation_scores_zero_on_the_delegated_test_and_is_named(graded, assignment):
    mode, results = graded
    if assignment not in results:
        pytest.skip(f"{assignment} is attacked in the namespaced mode only")
    result, summary = results[assignment]
    attacks = _attacks(assignment, mode)
    name = TARGETS[assignment][0]
    lost = _points(assignment, f"test_{name}")
    assert lost > 0, f"no test cell test_{name}* carries points: nothing to lose"
    full = result.scores["honest_first"][1]
    for honest in ("honest_first", "honest_middle", "zz_honest_last"):
        assert result.scores[honest] == (full, full), f"{honest} (the reference) scored {result.scores[honest]}"
    problems = []
    for i, attack in enumerate(attacks):
        student = f"attack{i:02d}"
        score, most = result.scores[student]
        outcomes = result.test_outcomes(student)
        delegated = {k: ok for k, (ok, _) in outcomes.items() if k.startswith(f"test_{name}")}
        assert delegated, f"{attack.category}: the graded notebook has no test cell test_{name}*: {sorted(outcomes)}"
        # the delegated test scores 0; a graded function that calls the delegated one may fail too
        if any(delegated.values()) or score > most - lost:
            problems.append(f"{attack.category}: {score}/{most}, delegated tests passed: {delegated}")
        reasons = " ".join(summary["students"][student]["reasons"])
        if attack.named and "uses the course's reference implementation" not in reasons:
            problems.append(f"{attack.category}: the summary does not name the attempt: {reasons!r}")
        if attack.tampers and summary["students"][student]["status"] != "tampered":
            problems.append(f"{attack.category}: not reported as tampering: {reasons!r}")
    assert not problems, "\n".join(problems)
