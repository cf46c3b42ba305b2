"""How the grader extends nbgrader: nbgrader's own preprocessor lists, with only the execution step replaced.

nbgrader autograde runs, per notebook, its sanitize preprocessors and then its
autograde preprocessors, the first of which (Execute) runs the notebook. The
grader runs autograde twice over a class and does the execution in between, in
sandboxes (autograder.phases explains the phases):

    capture  nbgrader's steps before Execute, then CaptureSanitized (save the job);
    replay   nbgrader's steps, Execute replaced by ReplayExecution and JudgeRecords;
    feedback nbgrader's steps with HideHiddenTests after GetGrades.

The lists are built from the defaults of the installed nbgrader, so a step that
a new nbgrader release adds is kept; the step we replace must be there exactly
once, or the grader stops with an error instead of grading wrongly.
tests/test_nbgrader_extension.py fails when nbgrader's defaults change at all,
so that an upgrade is a conscious step.
"""

from traitlets.config import Config

PHASES = ("capture", "replay")


class ExtensionError(RuntimeError):
    """nbgrader's defaults no longer have the shape the grader extends."""


def nbgrader_defaults():
    """{name: [preprocessor classes]}: the lists the installed nbgrader uses when nothing is configured."""
    from nbgrader.converters import Autograde, GenerateFeedback

    autograde = Autograde()
    return {"Autograde.sanitize_preprocessors": list(autograde.sanitize_preprocessors),
            "Autograde.autograde_preprocessors": list(autograde.autograde_preprocessors),
            "GenerateFeedback.preprocessors": list(GenerateFeedback().preprocessors)}


def _position(steps, name, where):
    found = [i for i, step in enumerate(steps) if step.__name__ == name]
    if len(found) != 1:
        raise ExtensionError(f"nbgrader's {where} has {len(found)} {name} steps, not one: the grader extends "
                             f"that list; see autograder/extension.py. Its steps: {[s.__name__ for s in steps]}")
    return found[0]


def config(phase=None, jobs_dir=None):
    """The traitlets Config for one nbgrader command of the grader; phase: None, "capture" or "replay"."""
    from autograder import phases

    defaults = nbgrader_defaults()
    c = Config()
    autograde = defaults["Autograde.autograde_preprocessors"]
    execute = _position(autograde, "Execute", "Autograde.autograde_preprocessors")
    if phase == "capture":
        c.Autograde.autograde_preprocessors = autograde[:execute] + [phases.CaptureSanitized]
    elif phase == "replay":
        c.Autograde.autograde_preprocessors = (autograde[:execute] + [phases.ReplayExecution, phases.JudgeRecords]
                                               + autograde[execute + 1:])
    elif phase is not None:
        raise ValueError(f"unknown phase {phase!r}; expected one of {PHASES}")
    if jobs_dir is not None:
        c.CaptureSanitized.jobs_dir = c.ReplayExecution.jobs_dir = c.JudgeRecords.jobs_dir = str(jobs_dir)
    feedback = defaults["GenerateFeedback.preprocessors"]
    grades = _position(feedback, "GetGrades", "GenerateFeedback.preprocessors")
    c.GenerateFeedback.preprocessors = feedback[:grades + 1] + [phases.HideHiddenTests] + feedback[grades + 1:]
    return c
