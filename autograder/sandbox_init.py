"""First process inside a fresh PID, mount and network namespace (started by `unshare` as root).

Makes the submission's scratch folder appear at a fixed path, hides what it
must not read (the folder of all sandboxes' scratch folders, the grading
workspace with the gradebook, the submissions, solutions/), then drops every
capability, so nothing can be unmounted, and becomes the executor.
Usage: python -m autograder.sandbox_init SCRATCH HIDE_PATH...
"""

import os
import subprocess
import sys

INSIDE = "/mnt/autograder-scratch"   # where the scratch folder appears inside the sandbox


def _mount(*args):
    subprocess.run(["mount", *args], check=True)


def main():
    scratch, hidden = sys.argv[1], sys.argv[2:]
    # a tmpfs on /mnt to hold the mount point, then the scratch folder bound onto it
    _mount("-t", "tmpfs", "-o", "size=64k", "none", "/mnt")
    os.makedirs(INSIDE)
    _mount("--bind", scratch, INSIDE)
    for path in hidden:
        if os.path.isdir(path):
            _mount("-t", "tmpfs", "-o", "ro,size=4k", "none", path)
    os.chdir(INSIDE)
    os.environ.update(HOME=INSIDE, MPLCONFIGDIR=f"{INSIDE}/.mpl", IPYTHONDIR=f"{INSIDE}/.ipython",
                      JUPYTER_RUNTIME_DIR=f"{INSIDE}/jupyter", TMPDIR=f"{INSIDE}/tmp")
    os.makedirs(f"{INSIDE}/tmp", exist_ok=True)
    os.execv("/usr/bin/setpriv", ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs",
                                  sys.executable, "-m", "autograder.executor", INSIDE])


if __name__ == "__main__":
    main()
