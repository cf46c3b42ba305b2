"""Which processes a test started: its descendants, found through /proc, not every grader process on the machine.

Tests run in parallel (pytest-xdist), so another worker's sandboxes are alive at any moment; a test that checks
that nothing of its own outlived a command must look only at its own. A process whose parent exits is handed to
the nearest "child subreaper" ancestor, so a test that becomes one keeps its orphans in its own tree.
"""

import ctypes
import ctypes.util
import os
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Orphans of this process's descendants become its children (not init's), so they stay findable."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _parents():
    parents = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'
        parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(root=None):
    """pids of every live process below root (default: this one)."""
    root = os.getpid() if root is None else root
    parents, found = _parents(), set()
    for pid in parents:
        seen, p = set(), pid
        while p in parents and p not in seen and p != root:
            seen.add(p)
            p = parents[p]
        if p == root and pid != root:
            found.add(pid)
    return found


def sandbox_processes(root=None):
    """pids below root that belong to the grader's sandboxes: a zygote, and everything forked from one."""
    pids = set()
    for pid in descendants(root):
        try:
            if b"autograder.zygote" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.add(pid)
        except OSError:
            pass
    return pids
