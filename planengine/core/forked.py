"""Work for a second CPU: a function mapped over jobs in a forked child process, its results
streamed back in order through a pipe (JSON and raw bytes: nothing that could run code).

`plan status --json` uses it for the first list of many incidents that no tick has cached: the
child folds and renders every other chunk of them while this process does the rest. The child
touches no database (it works on rows read before the fork: an SQLite connection must not cross a
fork), writes nothing but the pipe and leaves with os._exit (no buffers flushed, no exit handlers).
Where there is no fork, one CPU, or other threads in this process (a web server: a fork copies
their locks held), there is no child and the caller does all the work itself.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import threading

_LENGTHS = struct.Struct("<QQ")


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def usable() -> bool:
    """Whether a child may be forked here: fork exists, a second CPU, and no other thread."""
    return hasattr(os, "fork") and cpus() >= 2 and threading.active_count() == 1


def fork_map(fn, jobs):
    """An iterator of fn(job) for each of ``jobs``, in order, computed in a forked child; None
    where no child can be forked. Each result is a pair (a value JSON can write, bytes): the
    value travels as JSON, the bytes as they are (a batch of rendered texts, sliced by lengths
    the value gives). The iterator raises ChildFailed where the child stopped early (its results
    so far were read): the caller does the rest itself."""
    if not usable():
        return None
    jobs = list(jobs)
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the child: results to the pipe, then out without running anything of the parent's
        code = 1
        try:
            os.close(r)
            for job in jobs:
                value, blob = fn(job)
                head = json.dumps(value, ensure_ascii=False).encode()
                view = memoryview(b"".join((_LENGTHS.pack(len(head), len(blob)), head, blob)))
                while view:
                    view = view[os.write(w, view) :]
            code = 0
        except BaseException:  # noqa: BLE001 - the parent sees a short stream and does the rest
            pass
        finally:
            os._exit(code)
    os.close(w)
    return _Results(pid, r, len(jobs))


class ChildFailed(Exception):
    """The child stopped before it sent every result."""


class _Results:
    def __init__(self, pid, fd, count):
        self.pid, self.fd, self.left = pid, fd, count

    def __iter__(self):
        return self

    def __next__(self):
        if self.left <= 0:
            self.close()
            raise StopIteration
        try:
            n_head, n_blob = _LENGTHS.unpack(self._read(_LENGTHS.size))
            value = json.loads(self._read(n_head))
            blob = self._read(n_blob)
        except (ChildFailed, ValueError, OSError):
            self.close()
            raise ChildFailed from None
        self.left -= 1
        return value, blob

    def _read(self, n) -> bytes:
        if n == 0:
            return b""
        parts, got = [], 0
        while got < n:
            part = os.read(self.fd, min(n - got, 1 << 20))
            if not part:
                raise ChildFailed
            parts.append(part)
            got += len(part)
        return b"".join(parts)

    def close(self):
        """Stop the child if it is still working, and reap it."""
        if self.fd is None:
            return
        os.close(self.fd)
        self.fd = None
        self.left = 0
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
