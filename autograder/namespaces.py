"""Linux system calls the sandbox needs, through libc: namespaces, mounts, dropping capabilities.

Called in processes forked from the zygote (autograder.zygote), which must not
exec (an exec would throw away the imports the fork inherited), so the
`unshare`, `mount` and `setpriv` commands are replaced by the calls they make.
"""

import ctypes
import ctypes.util
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000

MS_RDONLY = 1
MS_REMOUNT = 32
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24
# a remount inside a user namespace must repeat the flags it inherited locked, access-time ones included
_KEPT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
               "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags):
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source, target, fstype, flags=0, data=None):
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_all_capabilities(become=None):
    """What `setpriv --bounding-set=-all --inh-caps=-all --no-new-privs [--reuid/--regid U --clear-groups]` does.

    The process may no longer mount, unmount, change limits, trace other
    processes or read files it does not own; nothing it starts can gain a
    capability back. With become, it also gives up uid 0 for that uid and gid.
    """
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break                          # past the last capability this kernel knows
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if become is not None:
        os.setgroups([])
        os.setgid(become)
        os.setuid(become)                  # from root to another uid: the permitted set empties too
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()                # all zero: no effective, permitted or inheritable capability
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def not_dumpable():
    """No other process of the same user may trace this one or read its memory (what a kernel could try)."""
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "dumpable")


def die_with_parent(parent_pid=None):
    """SIGKILL this process when its parent exits, so that no child of a killed sandbox lives on.

    Without it, a kernel forked a moment before its sandbox was killed (a warm
    sandbox given back at the end of a run) would linger for good. parent_pid
    checks that the parent did not die before the call; PID 1 of a new PID
    namespace cannot check (its parent is outside, getppid() gives 0) and passes None.
    """
    _check(_libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "pdeathsig")
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)                        # the parent died before the call above: nothing would signal us


def enter_new_namespaces(user=False):
    """New mount, network, IPC and PID namespaces; the caller's next child is PID 1 of the new one.

    user=True (a grader without root): a user namespace first, in which this user is root over those
    namespaces only (what `unshare --user --map-root-user` and bubblewrap do without setuid).
    """
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID | (CLONE_NEWUSER if user else 0))
    if user:
        for file, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{file}", "w") as f:
                f.write(text)


def private_mounts_with_new_proc():
    """In the new mount namespace: nothing we mount leaks out, and /proc shows only the sandbox."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def read_only_everywhere(keep_writable):
    """Remount every mount of this (private) namespace read-only, except those in keep_writable.

    The submission can then write nowhere but its own scratch folder and shared memory: not the
    virtualenv, the course library, the interpreter, other runs' workspaces, nor its cgroup's limits.
    Device nodes (/dev/null) still work: writing to a device is not writing to the filesystem.
    """
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            points.append((fields[4].encode().decode("unicode_escape"), set(fields[5].split(","))))
    failed = []
    for point, options in points:
        if point in keep_writable or "ro" in options:
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for option, flag in _KEPT_FLAGS.items():
            flags |= flag if option in options else 0
        if _libc.mount(None, point.encode(), None, ctypes.c_ulong(flags), None) != 0:
            failed.append(point)
    return failed


def own_root(new_root, visible, private_tmp=None, owner=None):
    """Make new_root (a fresh tmpfs) a root holding only the visible paths, each bound from the host.

    Everything else (the repository but for the student package, solutions/, the answer key, .git,
    /root, /home, the host's /tmp, other runs' workspaces, the grader's own files) does not exist there.
    Folders created on the way are world-readable, so an interpreter under /root still loads.
    """
    tmpfs(new_root, "16m")
    os.chmod(new_root, 0o755)
    if private_tmp:                                    # a /tmp of its own, writable by the sandbox's user
        os.makedirs(new_root + "/tmp")
        tmpfs(new_root + "/tmp", private_tmp, owner=owner)
        os.chmod(new_root + "/tmp", 0o1777)
    if private_tmp:
        # an allow-listed path under the host's /tmp (a CI clone, say) needs folders on the way inside the
        # sandbox's own, writable /tmp: they go on a small tmpfs of their own, which read_only_everywhere
        # later makes read-only, so the submission cannot add files beside the bound ones
        for top in sorted({"/tmp/" + p.split("/")[2] for p in visible if p.startswith("/tmp/")}):
            os.makedirs(new_root + top, exist_ok=True)
            tmpfs(new_root + top, "1m")
    for path in sorted(set(visible), key=len):
        target = new_root + path
        if os.path.islink(path):                       # /bin -> usr/bin on a merged-/usr system
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not os.path.lexists(target):
                os.symlink(os.readlink(path), target)
        elif os.path.isdir(path):
            os.makedirs(target, exist_ok=True)
            mount(path, target, None, MS_BIND | MS_REC)
        elif os.path.exists(path):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "a").close()
            mount(path, target, None, MS_BIND)


# the device nodes a kernel needs, as bubblewrap's --dev gives them; nothing else of the host's /dev
# (its disks, /dev/kmsg, the /dev/log socket, /dev/pts, other programs' /dev/shm) exists in the sandbox
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")


def minimal_dev(target):
    """A /dev of its own at target: a small tmpfs with DEVICES bound from the host and the usual links."""
    tmpfs(target, "64k")
    os.chmod(target, 0o755)
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            open(f"{target}/{name}", "a").close()
            bind(f"/dev/{name}", f"{target}/{name}")
    for name, link in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                       ("stderr", "/proc/self/fd/2")):
        os.symlink(link, f"{target}/{name}")
    os.makedirs(f"{target}/shm")


def bind(source, target):
    mount(source, target, None, MS_BIND)


NOBODY = 65534     # the user that student code runs as, in a namespaced sandbox


def tmpfs(target, size, read_only=False, owner=None):
    data = f"size={size}" + (f",uid={owner},gid={owner}" if owner is not None else "")
    mount("none", target, "tmpfs", MS_RDONLY if read_only else 0, data)
