"""A child process that runs `plan` commands on hostile files, under CPU and memory limits.

Started by harness.Worker. It reads one JSON case per line on stdin
({"dir", "files": {name: base64}, "argv"}), writes the files into ``dir``, runs
the real `plan` command (click's main, in this process, so thousands of cases
stay cheap) and answers one JSON line: exit code, stdout, stderr, an escaped
exception, and whether the case used more than its CPU time.

Limits: each case gets CPU_SECONDS of CPU time (ITIMER_PROF, so a loaded
machine does not make a fast command look slow); the whole process lives
under RLIMIT_AS, so a document that would expand without bound fails here
with MemoryError (reported as an internal error) instead of swapping.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import signal
import sys

CPU_SECONDS = float(os.environ.get("HOSTILE_CPU_SECONDS", "2"))
MEMORY_BYTES = int(os.environ.get("HOSTILE_MEMORY_BYTES", str(2 << 30)))


class Hang(BaseException):
    """Raised by SIGPROF: the case used more than CPU_SECONDS of CPU (not an Exception: nothing catches it)."""


def _on_prof(signum, frame):
    raise Hang()


def main() -> None:
    from click.testing import CliRunner

    from planengine.cli import cli

    signal.signal(signal.SIGPROF, _on_prof)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    runner = CliRunner()
    out = os.fdopen(os.dup(1), "w")  # answers go on a private copy of stdout; stray prints go to stderr
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for line in sys.stdin:
        case = json.loads(line)
        os.chdir(case["dir"])
        for name, blob in case.get("files", {}).items():
            path = os.path.join(case["dir"], name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(base64.b64decode(blob))
        answer = {"hang": False, "exception": None}
        before = resource.getrusage(resource.RUSAGE_SELF)
        signal.setitimer(signal.ITIMER_PROF, float(case.get("cpu_seconds") or CPU_SECONDS))
        try:
            result = runner.invoke(cli, case["argv"], prog_name="plan")
            answer.update(exit=result.exit_code, stdout=result.stdout, stderr=result.stderr)
            exc = result.exception
            if exc is not None and not isinstance(exc, SystemExit):
                import traceback

                answer["exception"] = "".join(traceback.format_exception(exc))[-4000:]
        except Hang:
            answer.update(hang=True, exit=None, stdout="", stderr="")
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        after = resource.getrusage(resource.RUSAGE_SELF)
        answer["cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        answer["maxrss_kb"] = after.ru_maxrss
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
