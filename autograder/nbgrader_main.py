"""`nbgrader` as its console script runs it, minus 2.5 s of start-up that grading does not use.

jsonschema, which nbformat imports, loads `rfc3987_syntax` when it is
installed and compiles its IRI grammars on import; nbformat's notebook schema
checks no IRI formats, so nothing nbgrader does depends on it. Each nbgrader
command the grader runs (five per class) and the zygote skip that import.
"""

import sys


def skip_iri_grammars():
    sys.modules.setdefault("rfc3987_syntax", None)   # `import rfc3987_syntax` now raises ImportError


if __name__ == "__main__":
    skip_iri_grammars()
    from nbgrader.apps.nbgraderapp import main

    sys.argv[0] = "nbgrader"
    sys.exit(main())
