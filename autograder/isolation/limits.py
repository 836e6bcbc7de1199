"""What one worker may use: time, memory, processes, files, and what it may send back."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_TIMEOUT = 300.0  # seconds per submission: `grade --timeout`, the pytest plugin and Gradescope's default
MiB = 2**20


@dataclass(frozen=True)
class Limits:
    """Caps on one worker. None of them can be raised from inside it (hard rlimits, tmpfs sizes).

    ``memory_bytes`` is an address-space limit: TensorFlow reserves far more than
    it touches and aborts under a limit much below 4 GB. Threads count as processes.
    """

    timeout: float = DEFAULT_TIMEOUT
    memory_bytes: int = 6 * 2**30
    file_bytes: int = 128 * MiB  # each file (below the working folder's own cap)
    processes: int = 256
    open_files: int = 1024
    scratch_bytes: int = 256 * MiB  # the working folder
    tmp_bytes: int = 256 * MiB  # /tmp
    shm_bytes: int = 64 * MiB  # /dev/shm
    result_bytes: int = 64 * MiB  # everything the worker sends back, all checks together

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        return cls(**data)
