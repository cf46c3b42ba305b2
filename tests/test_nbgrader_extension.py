"""The grader's extension of nbgrader: built from nbgrader's own defaults, passed as configuration objects.

The first test pins nbgrader's defaults as this grader was written against them: when an nbgrader release
changes them, it fails, and whoever upgrades reads autograder/extension.py and decides what the change means.
"""

import subprocess
import sys

import nbgrader
import pytest

from autograder import extension, phases

# nbgrader 0.9.6's lists, by class name
NBGRADER_DEFAULTS = {
    "Autograde.sanitize_preprocessors": ["ClearOutput", "DeduplicateIds", "OverwriteKernelspec", "OverwriteCells",
                                         "CheckCellMetadata"],
    "Autograde.autograde_preprocessors": ["Execute", "IgnorePattern", "ClearMetadataPreprocessor", "LimitOutput",
                                          "SaveAutoGrades", "AssignLatePenalties", "CheckCellMetadata"],
    "GenerateFeedback.preprocessors": ["GetGrades", "CSSHTMLHeaderPreprocessor"],
}


def _names(steps):
    return [step.__name__ for step in steps]


def test_nbgrader_defaults_are_the_ones_this_grader_extends():
    found = {name: _names(steps) for name, steps in extension.nbgrader_defaults().items()}
    assert found == NBGRADER_DEFAULTS, (
        f"nbgrader {nbgrader.__version__} changed its default preprocessors: read autograder/extension.py, "
        f"decide what the change means for grading, then update NBGRADER_DEFAULTS here.\n{found}")


def test_only_the_execution_step_is_replaced():
    defaults = extension.nbgrader_defaults()
    autograde = defaults["Autograde.autograde_preprocessors"]
    replay = extension.config("replay").Autograde.autograde_preprocessors
    assert replay == [phases.ReplayExecution, phases.JudgeRecords] + autograde[1:]
    assert extension.config("capture").Autograde.autograde_preprocessors == [phases.CaptureSanitized]
    feedback = extension.config().GenerateFeedback.preprocessors
    assert _names(feedback) == ["GetGrades", "HideHiddenTests", "CSSHTMLHeaderPreprocessor"]
    # outside a phase, autograde is nbgrader's own; the jobs folder is a configurable of the job steps
    assert "autograde_preprocessors" not in extension.config().Autograde
    assert extension.config("replay", "/jobs").ReplayExecution.jobs_dir == "/jobs"


def test_a_default_list_without_its_execution_step_stops_the_grader(monkeypatch):
    real = extension.nbgrader_defaults()
    changed = dict(real, **{"Autograde.autograde_preprocessors": real["Autograde.autograde_preprocessors"][1:]})
    monkeypatch.setattr(extension, "nbgrader_defaults", lambda: changed)
    with pytest.raises(extension.ExtensionError, match="0 Execute steps"):
        extension.config("replay")
    with pytest.raises(ValueError, match="unknown phase"):
        monkeypatch.undo()
        extension.config("execute")


def test_the_grading_command_does_not_import_the_course_library():
    """Dependencies point one way: the course library may not import the grader, nor the grader the library."""
    code = ("import sys, autograder.cli, autograder.grading, autograder.sandbox, autograder.extension, "
            "autograder.phases, autograder.collect\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rnncourse', 'answer_key')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
