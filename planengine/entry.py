"""The `plan` executable: imports the CLI with the cyclic garbage collector paused, then runs it.

Importing click and the CLI makes tens of thousands of long-lived objects (modules,
classes, functions) and no garbage, yet each allocation burst lets the collector
walk them all again, and once more at exit: about a tenth of a short command's
CPU time. So the imports run with the collector off, everything they made is
moved to the permanent generation (:func:`gc.freeze`, which later collections
and the one at exit skip), and the collector is on again before the command
runs: a long `plan watch` or `plan serve` collects its own garbage as always.
"""

import gc


def main():
    """Entry point of `plan` (pyproject ``[project.scripts]``) and of ``python -m planengine``."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from planengine.cli import cli
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
    return cli(prog_name="plan")
