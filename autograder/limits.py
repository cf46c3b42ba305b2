"""Resource limits for one submission's run, and how to apply them to a process."""

import dataclasses
import json
import resource

# the words of the note that replaces a cell's output over max_output_kb (the summary looks for them)
DROPPED_OUTPUT = "more bytes of output were dropped"


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one submission may use. Defaults suit this course's notebooks (each
    runs in under a minute with torch imported)."""

    cell_timeout: int = 60          # seconds per cell; the kernel is interrupted after it
    notebook_timeout: int = 600     # seconds for the whole notebook, then the sandbox is killed
    memory_mb: int = 4096           # address space of the kernel (torch alone maps ~0.7 GB)
    cpu_seconds: int = 900          # CPU time: of all the submission's processes (root), of each process (else)
    max_processes: int = 256        # processes and threads of the sandbox's own user (root only)
    file_size_mb: int = 256         # largest file the kernel may write
    max_output_kb: int = 1024       # output kept per cell; the rest is dropped with a note
    disk_mb: int = 512              # what the submission may write in all (root: its scratch is a tmpfs this big)
    # mutation runs only ask whether any test fails: the run may stop at the first test cell with an error
    stop_at_first_failed_test: bool = False

    def to_json(self):
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text):
        return cls(**json.loads(text))


def apply_kernel_limits(limits):
    """Limits for the process that runs student code (called in that process)."""
    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mb, limits.memory_mb * mb))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size_mb * mb, limits.file_size_mb * mb))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
