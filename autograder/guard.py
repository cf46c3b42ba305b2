"""Tamper detection inside the kernel.

Before any notebook code runs, the executor installs a guard (GUARD_SOURCE)
that records the identity of everything a test cell relies on: the functions
of numpy, torch and the course library, Python's builtins, and the IPython
machinery that turns an exception into a failed cell. Right before the first
cell a student may edit, it also records the names the read-only set-up
cells bound (check_close, np, ...). Before every test cell the executor asks
the guard whether any of that changed; if so the test cell is not run and
scores 0, with the reason in the results.

This stops the ways a submission can make failing tests look passed
(monkeypatching a check or numpy, rebinding a checker's name, swallowing
exceptions with a custom handler, silencing tracebacks, rewriting cells with
input transformers).

The guard itself is one function bound under a random name, and every answer
it gives is signed: the executor sends a fresh nonce with each request and
checks HMAC-SHA256(key, nonce, request, answer), with a key that exists only
in the guard's closure and the executor. A submission that removes or
replaces the guard cannot sign "ok"; code written to dig the key out of the
guard's closure in memory is deliberate cheating beyond what an in-kernel
check can promise, which is why hidden checks are judged outside the kernel
(answer_key.judge) and a submission's values are read as plain data.
"""

import hashlib
import hmac

GUARD_SOURCE = r'''
def __make_guard(key):
    import builtins, hashlib, hmac, importlib, pkgutil, sys, types

    ip = get_ipython()
    watched = ["numpy", "numpy.testing", "numpy.linalg", "torch", "torch.testing", "torch.nn.functional"]
    # Creating a torch optimizer imports torch._dynamo, which wraps torch.manual_seed and friends;
    # import it now so that the baseline already has what honest code will trigger later.
    for name in ("torch", "torch.optim", "torch._dynamo"):
        try:
            importlib.import_module(name)
        except Exception:
            pass
    try:
        import rnncourse
        for info in pkgutil.walk_packages(rnncourse.__path__, "rnncourse."):
            try:
                importlib.import_module(info.name)
            except Exception:
                pass
        watched += sorted(n for n in sys.modules if n == "rnncourse" or n.startswith("rnncourse."))
    except ImportError:
        pass
    # numpy's internal modules too: np.array_equal and friends are bound from there
    watched += sorted(n for n in sys.modules if n.startswith("numpy._core") and n not in watched)

    def identity(v):
        """An object's id, and its code's: replacing a function's __code__ in place changes the second."""
        code = getattr(v, "__code__", None) if isinstance(v, types.FunctionType) else None
        return (id(v), id(code), id(getattr(v, "__defaults__", None)) if code is not None else 0)

    def module_state():
        state = {}
        for name in watched:
            module = sys.modules.get(name)
            if module is not None:
                state[name] = {k: identity(v) for k, v in list(vars(module).items()) if not k.startswith("__")}
        return state

    # what turns a cell's exception into an error reply: the shell, the kernel, its session (which signs and
    # sends every message) and the display machinery; a patch on their classes acts on every instance
    machinery = [ip, getattr(ip, "kernel", None), getattr(getattr(ip, "kernel", None), "session", None),
                 getattr(ip, "display_pub", None), getattr(ip, "displayhook", None)]
    machinery = [m for m in machinery if m is not None]
    classes = list(dict.fromkeys(cls for m in machinery for cls in type(m).__mro__ if cls is not object))

    def class_state():
        return {f"{cls.__name__}.{k}": identity(v) for cls in classes
                for k, v in list(vars(cls).items()) if callable(v) or isinstance(v, (staticmethod, classmethod))}

    def ipython_state():
        return {
            "instance overrides": sorted(f"{type(m).__name__}.{k}" for m in machinery for k, v in vars(m).items()
                                         if callable(v) and not k.startswith("_") and hasattr(type(m), k)),
            "custom exception handler": repr(ip.custom_exceptions),
            "input transformers": [id(t) for t in ip.input_transformers_post]
                                  + [id(t) for t in ip.input_transformer_manager.cleanup_transforms]
                                  + [id(t) for t in ip.input_transformer_manager.line_transforms],
            "ast transformers": [id(t) for t in ip.ast_transformers],
            "event callbacks": {k: [id(f) for f in v] for k, v in ip.events.callbacks.items()},
            # ipykernel itself swaps sys.displayhook, sys.excepthook and builtins.input per request
            "trace and profile hooks": [id(sys.gettrace()), id(sys.getprofile())],
        }

    def builtins_state():
        names = {k for k in vars(builtins) if not k.startswith("_")} | {"__import__", "__build_class__"}
        return {k: identity(vars(builtins).get(k)) for k in sorted(names)
                if k not in ("input", "raw_input", "get_ipython", "getpass")}

    modules0, builtins0, ipython0, classes0 = module_state(), builtins_state(), ipython_state(), class_state()
    names0 = {}
    before = {}

    def watched_binding(v):
        """Functions, classes and modules of the watched libraries: what a checker name is bound to."""
        if isinstance(v, types.ModuleType):
            origin = v.__name__
        elif isinstance(v, (types.FunctionType, types.BuiltinFunctionType, type)):
            origin = getattr(v, "__module__", "") or ""
        else:
            return False
        return isinstance(origin, str) and origin.startswith(tuple(w.split(".")[0] for w in watched))

    def before_read_only():
        before.clear()
        before.update({k: id(v) for k, v in list(ip.user_ns.items())})
        return "ok"

    def snapshot_names():
        """After a read-only cell: remember what it bound (only what it bound) to a library object."""
        for k, v in list(ip.user_ns.items()):
            if k.startswith("_") or before.get(k) == id(v) or not watched_binding(v):
                continue
            names0.setdefault(k, id(v))   # the first binding, made by a read-only cell, counts
        return "ok"

    def check():
        changed = []
        modules = module_state()
        for name, attrs in modules0.items():
            now = modules.get(name, {})
            diff = sorted(k for k in attrs if now.get(k) != attrs[k])
            if diff:
                changed.append(f"{name}." + ", ".join(diff[:5]) + (" ..." if len(diff) > 5 else ""))
        b_now = builtins_state()
        diff = sorted(k for k in builtins0 if b_now.get(k) != builtins0[k])
        if diff:
            changed.append("builtins " + ", ".join(diff[:5]))
        now = ipython_state()
        changed += [f"IPython {k}" for k in ipython0 if now[k] != ipython0[k]]
        classes = class_state()
        patched = sorted(k for k in set(classes0) | set(classes) if classes.get(k) != classes0.get(k))
        if patched:
            changed.append("the kernel's classes " + ", ".join(patched[:5]))
        changed += [f"the name {k!r} from the set-up cells was rebound or deleted"
                    for k, i in names0.items() if id(ip.user_ns.get(k, None)) != i]
        return "tampered:" + "; ".join(changed) if changed else "ok"

    operations = {"snapshot": snapshot_names, "check": check, "before_read_only": before_read_only}

    def guard(operation, nonce):
        """The answer to one request, signed with the key only this closure and the executor hold."""
        answer = operations[operation]()
        mac = hmac.new(key, f"{nonce}:{operation}:{answer}".encode(), hashlib.sha256).hexdigest()
        return mac + ":" + answer

    return guard
'''


# An audit hook (PEP 578: it cannot be removed once added) that refuses the grader's own modules and files
# to the submission, with a message the summary recognises. Inside namespaces those files are hidden anyway;
# without them (plain mode) this is what stands between a submission and the answer key.
AUDIT_SOURCE = r'''
def __make_audit(blocked_paths, own_folder, no_processes):
    import os, sys, threading

    modules = ("answer_key", "autograder", "rnncourse.oracles", "rnncourse.recurrence")
    prefixes = tuple(m + "." for m in modules)
    blocked = tuple(os.path.realpath(p) for p in blocked_paths)
    own = os.path.realpath(own_folder)
    busy = threading.local()
    refused = "REFERENCE_REFUSED"

    def inside(path, roots):
        return any(path == r or path.startswith(r + os.sep) for r in roots)

    def hook(event, args):
        if getattr(busy, "on", False):
            return
        if event == "import":
            name = args[0]
            if isinstance(name, str) and (name in modules or name.startswith(prefixes)) \
                    and name not in sys.modules:
                raise PermissionError(f"{refused}: {name} is the course's grader; submissions cannot import it")
        elif no_processes and (event in ("subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "pty.spawn",
                                         "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle")
                               or event.startswith("os.exec")):
            # without namespaces a new program would not inherit this hook; C libraries could bypass it
            raise PermissionError(f"{refused}: {event} is not allowed while grading without a namespaced sandbox")
        elif event in ("open", "os.listdir", "os.scandir", "os.chdir", "shutil.copyfile", "shutil.copytree",
                       "os.link", "os.symlink", "os.rename"):
            path = args[0] if args else None
            if isinstance(path, (str, bytes, os.PathLike)):
                busy.on = True
                try:
                    real = os.path.realpath(os.fsdecode(path))
                finally:
                    busy.on = False
                if inside(real, blocked) and not inside(real, (own,)):
                    raise PermissionError(f"{refused}: {real} belongs to the grader; submissions cannot read it")

    sys.addaudithook(hook)
'''

# the words the audit hook uses, for the grading summary
REFUSED_MARK = "REFERENCE_REFUSED"


def install_code(name, key, blocked_paths=(), own_folder="/", no_processes=False):
    """Code that binds the guard to name (random, known to this run only) and adds the audit hook."""
    return (GUARD_SOURCE + f"\n{name} = __make_guard({key!r})\ndel __make_guard\n"
            + AUDIT_SOURCE + f"\n__make_audit({list(blocked_paths)!r}, {str(own_folder)!r}, {bool(no_processes)})"
            + "\ndel __make_audit\n")


def request(name, operation, nonce):
    """The expression that asks the guard for one operation: snapshot, check or before_read_only."""
    return f"{name}({operation!r}, {nonce!r})"


def verified(key, operation, nonce, reply):
    """The guard's answer if reply carries a valid signature for this request, else None (replaced or gone)."""
    if not isinstance(reply, str) or ":" not in reply:
        return None
    mac, answer = reply.split(":", 1)
    wanted = hmac.new(key, f"{nonce}:{operation}:{answer}".encode(), hashlib.sha256).hexdigest()
    return answer if hmac.compare_digest(mac, wanted) else None
