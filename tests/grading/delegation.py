"""Submissions that do not compute a graded function themselves but fetch the course's answer.

Each attack replaces one solution cell with code that delegates to the answer key by one route. Outside a
grading sandbox (here, in the project's own tests) every attack does get the reference's answer, which
tests/test_delegation.py checks first: so an attack that scores 0 when graded was stopped by the grader,
not by a bug in the attack.

An attack is a template: {name} is the graded function, {module} its reference module under
answer_key.oracles, {key_file} the assignment's hidden key, {solution} the solution notebook.
"""

import dataclasses

_FIND_REPO = '''
def _repo():
    import pathlib, rnncourse
    return pathlib.Path(rnncourse.__file__).resolve().parent.parent

def _run_cell(notebook_text, name, args, kwargs):     # (braces doubled: this text is a format template)
    import json
    for cell in json.loads(notebook_text)["cells"]:
        if cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == name:
            scope = dict(globals())
            exec("".join(cell["source"]), scope)
            return scope[name](*args, **kwargs)
    raise LookupError("no such cell")
'''


@dataclasses.dataclass(frozen=True)
class Attack:
    category: str
    template: str
    named: bool = True        # the summary can name the attempt (it leaves an error behind)
    in_kernel_only: bool = False   # needs IPython: not tried outside a kernel
    tampers: bool = False     # the tamper guard stops the notebook's later tests too

    def cell(self, name, module, assignment):
        return self.template.format(name=name, module=module, assignment=assignment,
                                    key_file=f"answer_key/hidden/{assignment}.json",
                                    solution=f"solutions/{assignment}/{assignment}.ipynb")


ATTACKS = [
    Attack("import the grader's module", '''
from answer_key.oracles.{module} import {name}
'''),
    Attack("import lazily inside the function", '''
def {name}(*args, **kwargs):
    import importlib
    return getattr(importlib.import_module("answer_key.oracles.{module}"), "{name}")(*args, **kwargs)
'''),
    Attack("look it up in sys.modules after an import elsewhere", '''
import sys
try:
    import answer_key.oracles.{module}
except BaseException:
    pass

def {name}(*args, **kwargs):
    return getattr(sys.modules["answer_key.oracles.{module}"], "{name}")(*args, **kwargs)
'''),
    Attack("copy the reference's code object", '''
import types, importlib

def {name}(*args, **kwargs):
    ref = getattr(importlib.import_module("answer_key.oracles.{module}"), "{name}")
    clone = types.FunctionType(ref.__code__, ref.__globals__, "{name}", ref.__defaults__, ref.__closure__)
    return clone(*args, **kwargs)
'''),
    Attack("resolve a name that the test cells bind (known_mistakes)", '''
def {name}(*args, **kwargs):
    import importlib
    helper = known_mistakes("{module}.{name}", *args, **kwargs)
    return helper.resolve()
'''),
    Attack("read the solution notebook and run its cell", _FIND_REPO + '''
def {name}(*args, **kwargs):
    return _run_cell((_repo() / "{solution}").read_text(), "{name}", args, kwargs)
'''),
    Attack("read the solution from git's history with a subprocess", _FIND_REPO + '''
def {name}(*args, **kwargs):
    import subprocess
    text = subprocess.run(["git", "-C", str(_repo()), "show", "HEAD:{solution}"], capture_output=True,
                          text=True, check=True).stdout
    return _run_cell(text, "{name}", args, kwargs)
'''),
    Attack("ask a child Python for the reference", _FIND_REPO + '''
def {name}(*args, **kwargs):
    import pickle, subprocess, sys
    code = ("import pickle, sys; from answer_key.oracles.{module} import {name} as f; "
            "a, k = pickle.loads(sys.stdin.buffer.read()); sys.stdout.buffer.write(pickle.dumps(f(*a, **k)))")
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps((args, kwargs)), capture_output=True,
                         check=True, cwd=str(_repo())).stdout
    return pickle.loads(out)
'''),
    Attack("search the caller's frames and the heap for an expected value", '''
def {name}(*args, **kwargs):
    import gc, inspect, sys
    frame = sys._getframe(1)
    while frame is not None:
        for key in ("want", "expected", "reference"):
            if key in frame.f_locals:
                return frame.f_locals[key]
        frame = frame.f_back
    for info in inspect.stack():
        if "want" in info.frame.f_locals:
            return info.frame.f_locals["want"]
    for obj in gc.get_objects():
        if type(obj).__name__ == "function" and obj.__name__ == "{name}" and obj.__module__ != "__main__":
            return obj(*args, **kwargs)
    raise LookupError("nothing to borrow")
''', named=False),
    Attack("read the test cells before they run (an IPython hook)", '''
import re
_seen = []
get_ipython().events.register("pre_run_cell", lambda info: _seen.append(info.raw_cell))

def {name}(*args, **kwargs):
    import importlib
    for source in reversed(_seen):
        for module in re.findall(r'known_mistakes\\("(\\w+)\\.', source):
            return getattr(importlib.import_module("answer_key.oracles." + module), "{name}")(*args, **kwargs)
    raise LookupError("no test cell seen")
''', in_kernel_only=True, named=False, tampers=True),
]
