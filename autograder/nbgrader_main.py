"""`nbgrader` as its console script runs it, with the grader's extension (autograder.extension) configured.

    python -m autograder.nbgrader_main [--phase capture|replay --jobs DIR] NBGRADER-ARGS...

The extension arrives as a traitlets Config object, not as text appended to the
course's nbgrader_config.py (which the workspace keeps as the course wrote it).

It also skips 2.5 s of start-up that grading does not use: jsonschema, which
nbformat imports, loads `rfc3987_syntax` when it is installed and compiles its
IRI grammars on import; nbformat's notebook schema checks no IRI formats. Each
nbgrader command the grader runs and the zygote skip that import.
"""

import argparse
import sys


def skip_iri_grammars():
    sys.modules.setdefault("rfc3987_syntax", None)   # `import rfc3987_syntax` now raises ImportError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="autograder.nbgrader_main", add_help=False)
    parser.add_argument("--phase", choices=("capture", "replay"))
    parser.add_argument("--jobs")
    ours, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    skip_iri_grammars()
    from nbgrader.apps.nbgraderapp import NbGraderApp

    from autograder.extension import config

    sys.argv = ["nbgrader", *rest]
    NbGraderApp.launch_instance(config=config(ours.phase, ours.jobs))


if __name__ == "__main__":
    main()
